/**
 * Worker kernel of the stack-normal pass (axis.ts), integer grey (with or without a field-of-view
 * mask: masked voxels are left out of every sum and count): the rows
 * y ∈ [y0, y1) of slices [z0, z1) of a slab `grey` (local slice 0 = the slab's first). Each range
 * of rows owns its columns' sums, so ranges run at once on the cpu backend's workers
 * (runModuleTasks) with the sums of one pass: every sum is of integers, exact in float64.
 * Arguments: plain data (typed arrays on SharedArrayBuffers, numbers).
 */
import type { GreyArray } from '../compute/types.js';

/** The compiled module, relative to the package's dist/ (the workers load JavaScript). */
export const AXIS_KERNELS_MODULE = 'src/segment/axis-kernels.js';

export interface AxisRowsArgs {
  grey: GreyArray;
  z0: number;
  z1: number;
  y0: number;
  y1: number;
  ny: number;
  nx: number;
  /** Column sums of g and g² (plane [ny, nx]), added onto. */
  c1: Float64Array;
  c2: Float64Array;
  /** Per row (local z · ny + y): the row's sums of g and g² (set). */
  rowS: Float64Array;
  rowQ: Float64Array;
  /** The field of view's mask (fov.ts: 1 = outside, over the plane perpendicular to `maskAxis`), or null. */
  mask?: Uint8Array | null;
  maskAxis?: 'z' | 'y' | 'x' | null;
  /** With a mask: the slab's first slice in the volume (the mask along y is indexed by it), column counts (added onto) and row counts (set). */
  zFirst?: number;
  cc?: Float64Array | null;
  rowC?: Float64Array | null;
}

export function axisSumsRows(a: AxisRowsArgs): number {
  const { grey, z0, z1, y0, y1, ny, nx, c1, c2, rowS, rowQ } = a;
  const m = a.mask ?? null;
  if (m) return axisSumsRowsMasked(a, m);
  for (let z = z0; z < z1; z++)
    for (let y = y0; y < y1; y++) {
      const row = (z * ny + y) * nx;
      let rs = 0, rq = 0;
      for (let x = 0, p = y * nx; x < nx; x++, p++) {
        const g = grey[row + x];
        const q = g * g;
        c1[p] += g; c2[p] += q;
        rs += g; rq += q;
      }
      rowS[z * ny + y] = rs;
      rowQ[z * ny + y] = rq;
    }
  return 0;
}

/** axisSumsRows inside a field of view: the voxels under the mask skipped, counts kept per column and row. */
function axisSumsRowsMasked(a: AxisRowsArgs, m: Uint8Array): number {
  const { grey, z0, z1, y0, y1, ny, nx, c1, c2, rowS, rowQ } = a;
  const cc = a.cc!, rowC = a.rowC!, zFirst = a.zFirst ?? 0;
  for (let z = z0; z < z1; z++)
    for (let y = y0; y < y1; y++) {
      const r = z * ny + y;
      rowS[r] = rowQ[r] = rowC[r] = 0;
      // the row's mask: along x per voxel (field of view along z or y), or the whole row (along x)
      if (a.maskAxis === 'x' && m[(zFirst + z) * ny + y]) continue;
      const rowMask = a.maskAxis === 'z' ? y * nx : a.maskAxis === 'y' ? (zFirst + z) * nx : -1;
      const row = r * nx;
      let rs = 0, rq = 0, rc = 0;
      for (let x = 0, p = y * nx; x < nx; x++, p++) {
        if (rowMask >= 0 && m[rowMask + x]) continue;
        const g = grey[row + x];
        const q = g * g;
        c1[p] += g; c2[p] += q; cc[p]++;
        rs += g; rq += q; rc++;
      }
      rowS[r] = rs;
      rowQ[r] = rq;
      rowC[r] = rc;
    }
  return 0;
}
