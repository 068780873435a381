/**
 * Bring a scan into the phase segmentation's frame (stack normal along z, no field-of-view fill) and
 * its labels back: field of view (fov.ts) and stack normal (axis.ts) detected from the data unless
 * requested, masked lines filled from their neighbours and the volume permuted (orient.ts).
 */
import type { GreyArray } from '../compute/types.js';
import type { Shape3, Spacing3 } from '../io/volume.js';
import { detectFieldOfViewOfSlices, planeShape, type FieldOfView, type SliceReader } from './fov.js';
import { detectStackAxisOfSlices } from './axis.js';
import { canonicalShape, canonicalSpacing, fillOutsideFieldOfView, fromCanonical, markOutsideFieldOfView, nearestUnmasked, toCanonical } from './orient.js';
import type { AxisName, PhaseDecision, QcBlock } from './types.js';

export const OUTSIDE_FOV = 255;

export interface FrameOptions {
  normal?: 'auto' | AxisName;
  fieldOfView?: 'auto' | 'none';
}

/** What was found about the scan's frame, in the input's axes. */
export interface FrameDetection {
  inputShape: Shape3;
  normal: AxisName;
  normalSource: 'detected' | 'requested';
  fov: FieldOfView;
  /** nearestUnmasked of the field-of-view mask (null when none). */
  near: Int32Array | null;
  decisions: PhaseDecision[];
}

export async function detectFrame(read: SliceReader, shape: Shape3, o: FrameOptions, slabSlices: number): Promise<FrameDetection> {
  const decisions: PhaseDecision[] = [];
  const fov: FieldOfView = (o.fieldOfView ?? 'auto') === 'none'
    ? { detected: false, axis: null, fill: null, mask: null, masked_fraction: 0, evidence: { reason: 'not looked for (requested)' } }
    : await detectFieldOfViewOfSlices(read, shape, slabSlices);
  decisions.push({
    step: 'field of view',
    decision: fov.detected
      ? `reconstruction field of view along ${fov.axis}: ${(100 * fov.masked_fraction).toFixed(1)} % of the lines hold the fill ${fov.fill} → labelled ${OUTSIDE_FOV} and excluded; their grey is taken from the nearest line inside for the analysis`
      : 'no field-of-view fill found: every voxel is analysed',
    evidence: fov.evidence,
  });
  let normal: AxisName;
  let normalSource: 'detected' | 'requested';
  if (o.normal && o.normal !== 'auto') {
    normal = o.normal;
    normalSource = 'requested';
    decisions.push({ step: 'stack normal', decision: `stack normal along ${normal} (requested)` });
  } else {
    const ax = await detectStackAxisOfSlices(read, shape, fov, slabSlices);
    // a weak layering signal defers to the rotation axis, which is the cell axis in a die or coin cell
    normal = ax.ratio < 2 && fov.detected && fov.axis ? fov.axis : ax.axis;
    normalSource = 'detected';
    decisions.push({
      step: 'stack normal',
      decision: `stack normal along ${normal}: slice means vary most along ${ax.axis} (layering score ${ax.scores[ax.axis].toFixed(3)}, ${ax.ratio.toFixed(1)}× the next axis)${normal !== ax.axis ? `; weak, so the rotation axis ${normal} of the field of view is taken` : ''}`,
      evidence: { scores: ax.scores, ratio: ax.ratio },
    });
  }
  const near = fov.detected && fov.mask && fov.axis ? nearestUnmasked(fov.mask, ...planeShape(shape, fov.axis)) : null;
  return { inputShape: shape, normal, normalSource, fov, near, decisions };
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
  /** Working-frame labels → input frame. */
  restore(labels: Uint8Array): Uint8Array;
}

/** In memory. `mayOverwrite`: the input grey may be modified in place (the caller owns it or allowed it). */
export async function prepareFrame(grey: GreyArray, shape: Shape3, spacing: Spacing3 | null, o: FrameOptions, mayOverwrite: boolean): Promise<Frame> {
  const plane = shape[1] * shape[2];
  const d = await detectFrame((z0, z1) => grey.subarray(z0 * plane, z1 * plane), shape, o, shape[0]);
  let work = grey;
  let owned = false;
  if (d.fov.detected && d.near) {
    if (!mayOverwrite) { work = grey.slice() as GreyArray; owned = true; }
    fillOutsideFieldOfView(work, 0, shape[0], shape, d.fov, d.near);
  }
  if (d.normal !== 'z') {
    work = toCanonical(work, shape, d.normal);
    owned = true;
  }
  const cshape = canonicalShape(shape, d.normal);
  return {
    ...d, grey: work, owned, shape: cshape, spacing: canonicalSpacing(spacing, d.normal),
    markOutside: (labels) => markOutsideFieldOfView(labels, 0, cshape[0], shape, d.normal, d.fov, OUTSIDE_FOV),
    restore: (labels) => fromCanonical(labels, shape, d.normal),
  };
}
