/**
 * The user's mask (`--mask FILE`): one slice marking, in the plane across one axis, the lines of the
 * volume to analyse (non-zero) and those to leave out (0): the cell's footprint inside a die, a
 * damaged corner, the part of the field of view the reconstruction got right. Lines outside are
 * treated exactly like the reconstruction field of view (fov.ts): labelled 255, left out of every
 * fraction, map and inventory, their grey replaced by the nearest line inside for the analysis.
 * The axis is found from the slice's shape: [1, ny, nx] masks lines along z, [1, nz, nx] along y,
 * [1, nz, ny] along x (z first when two match). O(plane).
 */
import { InputError } from '../io/errors.js';
import { loadVolume, type OpenOptions } from '../io/open.js';
import type { Shape3 } from '../io/volume.js';
import { planeShape, type FieldOfView } from './fov.js';
import type { AxisName } from './types.js';

export interface UserMask {
  /** Axis the masked lines run along. */
  axis: AxisName;
  /** 1 = left out, over planeShape(shape, axis). */
  excluded: Uint8Array;
  excludedFraction: number;
  /** The file, for messages and the report. */
  source: string;
}

/** Read a mask slice for a volume of `shape` (the shape the stages see, after any --roi). */
export async function loadUserMask(file: string, shape: Shape3, open: OpenOptions = {}): Promise<UserMask> {
  const vol = await loadVolume(file, open);
  const [n0, a, b] = vol.shape;
  const axis = (['z', 'y', 'x'] as AxisName[]).find((ax) => planeShape(shape, ax).join() === `${a},${b}`);
  if (n0 !== 1 || !axis) {
    const planes = (['z', 'y', 'x'] as AxisName[]).map((ax) => `1×${planeShape(shape, ax).join('×')} (lines along ${ax})`).join(', ');
    throw new InputError(`mask must be one slice across an axis of the ${shape.join('×')} volume: ${planes}; got ${vol.shape.join('×')}`, file);
  }
  const excluded = new Uint8Array(a * b);
  let out = 0;
  for (let p = 0; p < excluded.length; p++) {
    const v = Number(vol.data[p]);
    if (!(v !== 0 && Number.isFinite(v))) {
      excluded[p] = 1;
      out++;
    }
  }
  if (out === excluded.length) throw new InputError('mask is empty (every pixel 0): nothing to analyse', file);
  return { axis, excluded, excludedFraction: out / excluded.length, source: file };
}

/** The field of view with the user's mask added (union of the excluded lines). */
export function withUserMask(fov: FieldOfView, mask: UserMask): FieldOfView {
  if (fov.detected && fov.axis && fov.axis !== mask.axis) {
    throw new InputError(`the mask ${mask.source} excludes lines along ${mask.axis} but the scan's field of view lies along ${fov.axis}: give the mask across ${fov.axis}, or --field-of-view none`);
  }
  const union = Uint8Array.from(mask.excluded);
  if (fov.detected && fov.mask) for (let p = 0; p < union.length; p++) union[p] |= fov.mask[p];
  let k = 0;
  for (let p = 0; p < union.length; p++) k += union[p];
  return {
    detected: true,
    axis: mask.axis,
    fill: fov.detected ? fov.fill : null,
    mask: union,
    masked_fraction: k / union.length,
    evidence: { ...fov.evidence, field_of_view_detected: fov.detected, user_mask: mask.source, user_excluded_fraction: mask.excludedFraction },
  };
}
