/**
 * Worker kernel of the stack-normal pass (axis.ts), integer grey without a mask: the rows
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
}

export function axisSumsRows(a: AxisRowsArgs): number {
  const { grey, z0, z1, y0, y1, ny, nx, c1, c2, rowS, rowQ } = a;
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
