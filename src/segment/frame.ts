/**
 * Bring a scan into the phase segmentation's frame (stack normal along z, no field-of-view fill) and
 * its labels back: field of view (fov.ts) and stack normal (axis.ts) detected from the data unless
 * requested, masked lines filled from their neighbours and the volume permuted (orient.ts).
 */
import type { ComputeBackend, GreyArray } from '../compute/types.js';
import type { Shape3, Spacing3 } from '../io/volume.js';
import { detectFieldOfViewOfSlices, planeShape, type FieldOfView, type SliceReader } from './fov.js';
import { detectStackAxisOfSlices, type ColumnSums } from './axis.js';
import { detectOutsideColumns, type OutsideColumns } from './die.js';
import { canonicalShape, canonicalSpacing, fillOutsideFieldOfView, fromCanonical, markOutsideFieldOfView, nearestUnmasked, toCanonical } from './orient.js';
import type { AxisName, PhaseDecision, QcBlock } from './types.js';

import { withUserMask, type UserMask } from './mask.js';

export const OUTSIDE_FOV = 255;
export const OUTSIDE_CELL = 5;
/** Lines beside a mask whose grey is replaced too (see detectFrame). */
const FILL_MARGIN = 2;

/** Mask grown by `r` pixels (square neighbourhood). */
function dilate(mask: Uint8Array, a: number, b: number, r: number): Uint8Array {
  const rows = new Uint8Array(mask.length);
  for (let i = 0; i < a; i++)
    for (let j = 0; j < b; j++) {
      let on = 0;
      for (let d = -r; d <= r && !on; d++) { const jj = j + d; if (jj >= 0 && jj < b && mask[i * b + jj]) on = 1; }
      rows[i * b + j] = on;
    }
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < a; i++)
    for (let j = 0; j < b; j++) {
      let on = 0;
      for (let d = -r; d <= r && !on; d++) { const ii = i + d; if (ii >= 0 && ii < a && rows[ii * b + j]) on = 1; }
      out[i * b + j] = on;
    }
  return out;
}

/** Mark wall columns 5 and the field of view 255 on working-frame labels of slices [k0, k1). */
export function markOutside(d: FrameDetection, labels: Uint8Array, k0: number, k1: number): number {
  let marked = 0;
  if (d.wall.detected && d.wall.mask) {
    marked += markOutsideFieldOfView(labels, k0, k1, d.inputShape, d.normal, { detected: true, axis: d.normal, fill: null, mask: d.wall.mask, masked_fraction: d.wall.fraction, evidence: {} }, OUTSIDE_CELL);
  }
  return marked + markOutsideFieldOfView(labels, k0, k1, d.inputShape, d.normal, d.fov, OUTSIDE_FOV);
}

export interface FrameOptions {
  normal?: 'auto' | AxisName;
  fieldOfView?: 'auto' | 'none';
  /** The user's mask (--mask): lines outside it are excluded like the field of view's. */
  mask?: UserMask;
}

/** What was found about the scan's frame, in the input's axes. */
export interface FrameDetection {
  inputShape: Shape3;
  normal: AxisName;
  normalSource: 'detected' | 'requested';
  fov: FieldOfView;
  /** Die wall / holder columns along the normal (labelled 5). */
  wall: OutsideColumns;
  /** Lines whose grey is replaced for the analysis: field of view ∪ wall columns (along one axis). */
  fill: FieldOfView;
  /** nearestUnmasked of the fill mask (null when nothing is filled). */
  near: Int32Array | null;
  decisions: PhaseDecision[];
}

/** `backend`: the stack-normal pass runs on its workers where it can (axis.ts). */
export async function detectFrame(read: SliceReader, shape: Shape3, o: FrameOptions, slabSlices: number, backend?: ComputeBackend): Promise<FrameDetection> {
  const decisions: PhaseDecision[] = [];
  let fov: FieldOfView = (o.fieldOfView ?? 'auto') === 'none'
    ? { detected: false, axis: null, fill: null, mask: null, masked_fraction: 0, evidence: { reason: 'not looked for (requested)' } }
    : await detectFieldOfViewOfSlices(read, shape, slabSlices);
  decisions.push({
    step: 'field of view',
    decision: fov.detected
      ? `reconstruction field of view along ${fov.axis}: ${(100 * fov.masked_fraction).toFixed(1)} % of the lines hold the fill ${fov.fill} → labelled ${OUTSIDE_FOV} and excluded; their grey is taken from the nearest line inside for the analysis`
      : 'no field-of-view fill found: every voxel is analysed',
    evidence: fov.evidence,
  });
  if (o.mask) {
    fov = withUserMask(fov, o.mask);
    decisions.push({
      step: 'mask',
      decision: `mask ${o.mask.source}: the lines along ${o.mask.axis} outside it (${(100 * o.mask.excludedFraction).toFixed(1)} %) → labelled ${OUTSIDE_FOV} and excluded like the field of view; ${(100 * fov.masked_fraction).toFixed(1)} % excluded in all`,
      evidence: { file: o.mask.source, axis: o.mask.axis, excluded_fraction: o.mask.excludedFraction },
    });
  }
  let normal: AxisName;
  let normalSource: 'detected' | 'requested';
  let columnsZ: ColumnSums | null = null;
  if (o.normal && o.normal !== 'auto') {
    normal = o.normal;
    normalSource = 'requested';
    decisions.push({ step: 'stack normal', decision: `stack normal along ${normal} (requested)` });
  } else {
    const ax = await detectStackAxisOfSlices(read, shape, fov, slabSlices, backend);
    columnsZ = ax.columnsZ;
    // a weak layering signal defers to the rotation axis, which is the cell axis in a die or coin cell
    normal = ax.ratio < 2 && fov.detected && fov.axis ? fov.axis : ax.axis;
    normalSource = 'detected';
    decisions.push({
      step: 'stack normal',
      decision: `stack normal along ${normal}: slice means vary most along ${ax.axis} (layering score ${ax.scores[ax.axis].toFixed(3)}, ${ax.ratio.toFixed(1)}× the next axis)${normal !== ax.axis ? `; weak, so the rotation axis ${normal} of the field of view is taken` : ''}`,
      evidence: { scores: ax.scores, ratio: ax.ratio },
    });
  }
  // a die wall or holder around the pellet: whole columns along the normal (see die.ts)
  let wall: OutsideColumns = { detected: false, mask: null, fraction: 0, evidence: { reason: 'not looked for: the field of view lies along another axis than the stack normal' } };
  if (!fov.detected || fov.axis === normal) wall = await detectOutsideColumns(read, shape, normal, fov.detected ? fov.mask : null, slabSlices, normal === 'z' ? columnsZ : null);
  decisions.push({
    step: 'outside columns',
    decision: wall.detected
      ? `${(100 * wall.fraction).toFixed(1)} % of the columns along the normal are one material end to end around the cell (die wall or holder) → outside the cell (code 5), filled from the nearest cell column for the analysis`
      : 'no die wall or holder around the cell',
    evidence: wall.evidence,
  });
  let fill = fov;
  if (wall.detected && wall.mask) {
    // grown from the split's wall (the half-way ring is mixed data, filled with the margin anyway)
    const union = Uint8Array.from(wall.splitMask ?? wall.mask);
    if (fov.detected && fov.mask) for (let p = 0; p < union.length; p++) union[p] |= fov.mask[p];
    fill = { ...fov, detected: true, axis: normal, mask: union };
  }
  // the lines next to the mask mix the cell with the wall or the reconstruction rim (blur, rim
  // artefacts): they are filled too, from lines at least FILL_MARGIN inside (their labels still
  // come from the analysis; only the mask itself is labelled 5 / 255)
  if (fill.detected && fill.mask && fill.axis) fill = { ...fill, mask: dilate(fill.mask, ...planeShape(shape, fill.axis), FILL_MARGIN) };
  const near = fill.detected && fill.mask && fill.axis ? nearestUnmasked(fill.mask, ...planeShape(shape, fill.axis)) : null;
  return { inputShape: shape, normal, normalSource, fov, wall, fill, near, decisions };
}

export function qcFieldOfView(fov: FieldOfView): QcBlock['field_of_view'] {
  return { detected: fov.detected, axis: fov.axis, fill: fov.fill, masked_fraction: fov.masked_fraction, evidence: fov.evidence };
}

export interface Frame extends FrameDetection {
  /** Grey in the working frame (may be the input array when nothing had to change). */
  grey: GreyArray;
  /** Whether `grey` is a private copy the caller may overwrite. */
  owned: boolean;
  shape: Shape3;
  spacing: Spacing3 | null;
  /** Label the voxels outside the field of view (working-frame labels of the whole volume). */
  markOutside(labels: Uint8Array): number;
  /** Working-frame labels → input frame (into `out` when given: same length, not overlapping). */
  restore(labels: Uint8Array, out?: Uint8Array): Uint8Array;
}

/** In memory. `mayOverwrite`: the input grey may be modified in place (the caller owns it or allowed it). */
export async function prepareFrame(grey: GreyArray, shape: Shape3, spacing: Spacing3 | null, o: FrameOptions, mayOverwrite: boolean, backend?: ComputeBackend): Promise<Frame> {
  const plane = shape[1] * shape[2];
  const d = await detectFrame((z0, z1) => grey.subarray(z0 * plane, z1 * plane), shape, o, shape[0], backend);
  let work = grey;
  let owned = false;
  if (d.fill.detected && d.near) {
    if (!mayOverwrite) { work = grey.slice() as GreyArray; owned = true; }
    fillOutsideFieldOfView(work, 0, shape[0], shape, d.fill, d.near);
  }
  if (d.normal !== 'z') {
    work = toCanonical(work, shape, d.normal);
    owned = true;
  }
  const cshape = canonicalShape(shape, d.normal);
  return {
    ...d, grey: work, owned, shape: cshape, spacing: canonicalSpacing(spacing, d.normal),
    markOutside: (labels) => markOutside(d, labels, 0, cshape[0]),
    restore: (labels, out) => fromCanonical(labels, shape, d.normal, out),
  };
}
