/**
 * 2× downsampling of a pair of z-slices into one slice, for the multiscale pyramid.
 *
 * Output voxel (j, i) covers input rows 2j, 2j+1 and columns 2i, 2i+1 of both slices; at odd edges
 * only the voxels that exist take part (an edge block of an odd size has 1, 2 or 4 voxels per slice,
 * and the last slice of an odd stack pairs with nothing).
 *
 * - mean: the average of the block. Integer types round half up (floor(mean + 0.5)); the divisor
 *   is always a power of two, so the float64 mean is exact before rounding. Float types store the
 *   float64 mean.
 * - mode: the most frequent value of the block, ties going to the lowest value (label volumes).
 */
import type { VoxelArray } from '../volume.js';

export type Downsampling = 'mean' | 'mode';

/** Half a length, rounded up. */
export function half(n: number): number {
  return Math.ceil(n / 2);
}

/**
 * Downsample slices `a` and `b` (b null when `a` is the last slice of an odd stack), each ny×nx,
 * into `out` (ceil(ny/2)×ceil(nx/2)).
 */
export function downsamplePair(
  a: VoxelArray,
  b: VoxelArray | null,
  ny: number,
  nx: number,
  out: VoxelArray,
  method: Downsampling,
  integer: boolean,
): void {
  if (method === 'mode') modePair(a, b, ny, nx, out);
  else meanPair(a, b, ny, nx, out, integer);
}

function meanPair(a: VoxelArray, b: VoxelArray | null, ny: number, nx: number, out: VoxelArray, integer: boolean): void {
  const my = half(ny);
  const mx = half(nx);
  const nzb = b ? 2 : 1;
  for (let j = 0; j < my; j++) {
    const y0 = 2 * j;
    const hasY1 = y0 + 1 < ny;
    const r0 = y0 * nx;
    const r1 = hasY1 ? r0 + nx : r0;
    const rowOut = j * mx;
    const ny2 = hasY1 ? 2 : 1;
    for (let i = 0; i < mx; i++) {
      const x0 = 2 * i;
      const hasX1 = x0 + 1 < nx;
      let s = a[r0 + x0];
      if (hasX1) s += a[r0 + x0 + 1];
      if (hasY1) {
        s += a[r1 + x0];
        if (hasX1) s += a[r1 + x0 + 1];
      }
      if (b) {
        s += b[r0 + x0];
        if (hasX1) s += b[r0 + x0 + 1];
        if (hasY1) {
          s += b[r1 + x0];
          if (hasX1) s += b[r1 + x0 + 1];
        }
      }
      const count = nzb * ny2 * (hasX1 ? 2 : 1);
      const mean = s / count;
      out[rowOut + i] = integer ? Math.floor(mean + 0.5) : mean;
    }
  }
}

function modePair(a: VoxelArray, b: VoxelArray | null, ny: number, nx: number, out: VoxelArray): void {
  const my = half(ny);
  const mx = half(nx);
  const vals = new Float64Array(8);
  for (let j = 0; j < my; j++) {
    const y0 = 2 * j;
    const hasY1 = y0 + 1 < ny;
    const r0 = y0 * nx;
    const r1 = r0 + nx;
    const rowOut = j * mx;
    for (let i = 0; i < mx; i++) {
      const x0 = 2 * i;
      const hasX1 = x0 + 1 < nx;
      let n = 0;
      vals[n++] = a[r0 + x0];
      if (hasX1) vals[n++] = a[r0 + x0 + 1];
      if (hasY1) {
        vals[n++] = a[r1 + x0];
        if (hasX1) vals[n++] = a[r1 + x0 + 1];
      }
      if (b) {
        vals[n++] = b[r0 + x0];
        if (hasX1) vals[n++] = b[r0 + x0 + 1];
        if (hasY1) {
          vals[n++] = b[r1 + x0];
          if (hasX1) vals[n++] = b[r1 + x0 + 1];
        }
      }
      out[rowOut + i] = modeOf(vals, n);
    }
  }
}

/** Most frequent of vals[0..n), ties to the lowest value. */
function modeOf(vals: Float64Array, n: number): number {
  const first = vals[0];
  let uniform = true;
  for (let k = 1; k < n; k++) {
    if (vals[k] !== first) {
      uniform = false;
      break;
    }
  }
  if (uniform) return first;
  let best = first;
  let bestCount = 0;
  for (let k = 0; k < n; k++) {
    const v = vals[k];
    let c = 0;
    for (let m = 0; m < n; m++) if (vals[m] === v) c++;
    if (c > bestCount || (c === bestCount && v < best)) {
      best = v;
      bestCount = c;
    }
  }
  return best;
}
