/**
 * The three orthogonal slices through a volume's centre (xy at mid-z, xz at mid-y, yz at mid-x),
 * read in ONE streaming pass of slabs: memory stays at one slab plus the three slices, whatever the
 * volume's size (a z-slice file cannot give the xz / yz planes without visiting every slice).
 * Long sides are decimated (every s-th voxel) to at most `maxSide` pixels for the report.
 */
import type { VolumeSource } from './source.js';
import { slabDepth } from './open.js';

/** One plane, row-major (`rows × cols`), values as read (no scaling). */
export interface Plane {
  values: Float64Array;
  rows: number;
  cols: number;
}

export interface CentreSlices {
  /** rows = y, cols = x, at z = centre[0]. */
  xy: Plane;
  /** rows = z, cols = x, at y = centre[1]. */
  xz: Plane;
  /** rows = z, cols = y, at x = centre[2]. */
  yz: Plane;
  /** Voxel indices [z, y, x] the planes go through. */
  centre: [number, number, number];
  /** Decimation step (1 = every voxel). */
  stride: number;
}

export const centreOf = (shape: readonly number[]): [number, number, number] => [Math.floor(shape[0] / 2), Math.floor(shape[1] / 2), Math.floor(shape[2] / 2)];

export function strideFor(shape: readonly number[], maxSide: number): number {
  return Math.max(1, Math.ceil(Math.max(shape[0], shape[1], shape[2]) / maxSide));
}

const count = (n: number, s: number) => Math.ceil(n / s);

export async function readCentreSlices(source: VolumeSource, maxSide = 1024): Promise<CentreSlices> {
  const [nz, ny, nx] = source.shape;
  const s = strideFor(source.shape, maxSide);
  const [cz, cy, cx] = centreOf(source.shape);
  const xy: Plane = { values: new Float64Array(count(ny, s) * count(nx, s)), rows: count(ny, s), cols: count(nx, s) };
  const xz: Plane = { values: new Float64Array(count(nz, s) * count(nx, s)), rows: count(nz, s), cols: count(nx, s) };
  const yz: Plane = { values: new Float64Array(count(nz, s) * count(ny, s)), rows: count(nz, s), cols: count(ny, s) };
  const plane = ny * nx;
  // small slabs: this runs in the report stage, after the voxel stages released their memory
  const depth = slabDepth(source, 16 << 20);
  for (let z0 = 0; z0 < nz; z0 += depth) {
    const z1 = Math.min(nz, z0 + depth);
    // only slices that contribute: every s-th one and the centre slice
    let wanted = z0 <= cz && cz < z1;
    for (let z = z0; z < z1 && !wanted; z++) if (z % s === 0) wanted = true;
    if (!wanted) continue;
    const slab = await source.readSlices(z0, z1);
    for (let z = z0; z < z1; z++) {
      const base = (z - z0) * plane;
      if (z === cz) {
        for (let r = 0; r < xy.rows; r++) for (let c = 0; c < xy.cols; c++) xy.values[r * xy.cols + c] = Number(slab[base + r * s * nx + c * s]);
      }
      if (z % s !== 0) continue;
      const row = z / s;
      for (let c = 0; c < xz.cols; c++) xz.values[row * xz.cols + c] = Number(slab[base + cy * nx + c * s]);
      for (let c = 0; c < yz.cols; c++) yz.values[row * yz.cols + c] = Number(slab[base + c * s * nx + cx]);
    }
  }
  return { xy, xz, yz, centre: [cz, cy, cx], stride: s };
}
