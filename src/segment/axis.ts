/**
 * Stack normal of a cell scan: the axis along which the material changes layer by layer. A slice
 * perpendicular to the normal is (nearly) one material, so the slice means along the normal swing
 * between the layers' grey levels; a slice parallel to it crosses every layer and its mean hardly
 * moves. Score of an axis = variance of its slice means (each slice weighted by its voxel count) /
 * total variance of the voxels, both over the voxels inside the field of view. The normal is the
 * axis with the largest score; the ratio to the runner-up is the evidence (a tilted cell, 15° on a
 * square field, still gives ratios > 10 on the phantoms; a porous block with no layers gives ≈ 1).
 * One pass, O(N); memory: nz + ny + nx sums.
 */
import type { GreyArray } from '../compute/types.js';
import type { Shape3 } from '../io/volume.js';
import type { AxisName } from './types.js';
import type { ComputeBackend } from '../compute/types.js';
import { AXIS_KERNELS_MODULE, axisSumsRows } from './axis-kernels.js';
import type { FieldOfView, SliceReader } from './fov.js';

export interface StackAxis {
  axis: AxisName;
  /** Layering score per axis (0..1). */
  scores: Record<AxisName, number>;
  /** best / runner-up score. */
  ratio: number;
  /** Per-column sums along z (plane [ny, nx]): the die-wall test reuses them when the normal is z. */
  columnsZ: ColumnSums;
}

/** Sum, sum of squares and count of each column along one axis. */
export interface ColumnSums {
  s1: Float64Array;
  s2: Float64Array;
  cnt: Float64Array;
}

export function detectStackAxis(grey: GreyArray, shape: Shape3, fov: FieldOfView | null, backend?: ComputeBackend): Promise<StackAxis> {
  return detectStackAxisOfSlices((z0, z1) => grey.subarray(z0 * shape[1] * shape[2], z1 * shape[1] * shape[2]), shape, fov, shape[0], backend);
}

/** `backend`: integer grey on shared memory without a mask runs as ranges of rows on its workers (axis-kernels.ts). */
export async function detectStackAxisOfSlices(read: SliceReader, shape: Shape3, fov: FieldOfView | null, slabSlices: number, backend?: ComputeBackend): Promise<StackAxis> {
  const [nz, ny, nx] = shape;
  const m = fov?.detected && fov.mask ? fov.mask : null;
  const sum = { z: new Float64Array(nz), y: new Float64Array(ny), x: new Float64Array(nx) };
  const cnt = { z: new Float64Array(nz), y: new Float64Array(ny), x: new Float64Array(nx) };
  const sx = sum.x, cx = cnt.x;
  const plane = ny * nx;
  const threads = backend?.runModuleTasks ? (backend.threads ?? 1) : 1;
  // shared when the workers add onto them (each range of rows its own columns)
  const table = () => (threads > 1 ? new Float64Array(new SharedArrayBuffer(8 * plane)) : new Float64Array(plane));
  const columnsZ: ColumnSums = { s1: table(), s2: table(), cnt: table() };
  const c1 = columnsZ.s1, c2 = columnsZ.s2, cc = columnsZ.cnt;
  let s = 0, s2 = 0, n = 0;
  // Integer grey: sums of integers are exact in float64 (< 2^53 here), so rows run on the workers
  // (each range of rows its own columns) and the per-x sums and counts come from the column sums
  // afterwards instead of five accumulator updates per voxel; with a field-of-view mask the masked
  // voxels are skipped and counted per row and column (axis-kernels.ts).
  let exact = false;
  for (let z0 = 0; z0 < nz; z0 += slabSlices) {
    const z1 = Math.min(nz, z0 + slabSlices);
    const grey = await read(z0, z1);
    exact = !(grey instanceof Float32Array);
    if (exact) {
      // the rows' sums (exact integers), then added in raster order as one pass adds them
      const rows = (z1 - z0) * ny;
      const parts = Math.min(threads * 2, ny);
      const shared = threads > 1 && grey.buffer instanceof SharedArrayBuffer && (!m || m.buffer instanceof SharedArrayBuffer) && parts > 1 && rows * nx >= 1 << 20;
      const rowTable = () => (shared ? new Float64Array(new SharedArrayBuffer(8 * rows)) : new Float64Array(rows));
      const rowS = rowTable(), rowQ = rowTable(), rowC = m ? rowTable() : null;
      const args = { grey, z0: 0, z1: z1 - z0, ny, nx, c1, c2, rowS, rowQ, mask: m, maskAxis: m ? fov!.axis : null, zFirst: z0, cc: m ? cc : null, rowC };
      if (shared) {
        const tasks = Array.from({ length: parts }, (_, k) => ({ ...args, y0: Math.floor((k * ny) / parts), y1: Math.floor(((k + 1) * ny) / parts) }));
        await backend!.runModuleTasks!(AXIS_KERNELS_MODULE, 'axisSumsRows', tasks);
      } else axisSumsRows({ ...args, y0: 0, y1: ny });
      for (let z = z0; z < z1; z++)
        for (let y = 0; y < ny; y++) {
          const r = (z - z0) * ny + y;
          const rs = rowS[r], rq = rowQ[r], rc = rowC ? rowC[r] : nx;
          sum.z[z] += rs; cnt.z[z] += rc;
          sum.y[y] += rs; cnt.y[y] += rc;
          s += rs; s2 += rq; n += rc;
        }
      continue;
    }
    for (let z = z0; z < z1; z++)
      for (let y = 0; y < ny; y++) {
        // the row's mask: along x per voxel (field of view along z or y), or the whole row (along x)
        let rowMask: Uint8Array | null = null;
        if (m) {
          if (fov!.axis === 'x') { if (m[z * ny + y]) continue; }
          else rowMask = fov!.axis === 'z' ? m.subarray(y * nx, (y + 1) * nx) : m.subarray(z * nx, (z + 1) * nx);
        }
        const row = ((z - z0) * ny + y) * nx;
        let rs = 0, rq = 0, rc = 0;
        for (let x = 0; x < nx; x++) {
          if (rowMask && rowMask[x]) continue;
          const g = grey[row + x];
          if (g !== g) continue;
          const q = g * g;
          sx[x] += g; cx[x]++;
          c1[y * nx + x] += g; c2[y * nx + x] += q; cc[y * nx + x]++;
          rs += g; rq += q; rc++;
        }
        sum.z[z] += rs; cnt.z[z] += rc;
        sum.y[y] += rs; cnt.y[y] += rc;
        s += rs; s2 += rq; n += rc;
      }
  }
  if (exact) {
    if (!m) cc.fill(nz);
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        sx[x] += c1[y * nx + x];
        if (m) cx[x] += cc[y * nx + x];
      }
    if (!m) cx.fill(nz * ny);
  }
  const mean = n ? s / n : 0;
  const total = n ? s2 / n - mean * mean : 0;
  const score = (a: AxisName): number => {
    let v = 0;
    for (let k = 0; k < sum[a].length; k++) if (cnt[a][k]) v += cnt[a][k] * (sum[a][k] / cnt[a][k] - mean) ** 2;
    return total > 0 ? v / n / total : 0;
  };
  const scores = { z: score('z'), y: score('y'), x: score('x') };
  const order = (['z', 'y', 'x'] as AxisName[]).sort((a, b) => scores[b] - scores[a]);
  return { axis: order[0], scores, ratio: scores[order[0]] / Math.max(1e-12, scores[order[1]]), columnsZ };
}
