/**
 * phaseMeans (steps 7 and 8: the phase levels of the nearest-mean rules) against a direct voxel-by-
 * voxel count written here: blocky labels (runs of one label in x, codes above the phases mixed in)
 * over float32 grey, so that any change of the float summation order shows as a difference. Exact
 * equality: the run-by-run walk must add the same numbers in the same order.
 */
import { describe, expect, it } from 'vitest';
import { phaseMeans } from '../../src/segment/phases/neighbours.js';
import { MemoryStore } from '../../src/segment/store.js';
import type { Shape3 } from '../../src/io/volume.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** Labels 0..5 in blocks (so most voxels are interior), some 255 (outside the cell) and 9 (a working state). */
function blockyLabels([nz, ny, nx]: Shape3, seed: number): Uint8Array {
  const r = rng(seed);
  const codes = [0, 1, 2, 3, 4, 5, 2, 2, 255, 9];
  const table = Array.from({ length: 64 }, () => codes[Math.floor(r() * codes.length)]);
  const L = new Uint8Array(nz * ny * nx);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const block = (Math.floor(z / 6) * 7 + Math.floor(y / 6) * 3 + Math.floor(x / 8)) % 64;
        L[(z * ny + y) * nx + x] = r() < 0.03 ? codes[Math.floor(r() * codes.length)] : table[block];
      }
  return L;
}

/** The definition: per code ≤ 5, grey sums over all its voxels and over those whose 6 neighbours in the volume all share it. */
function directMeans(grey: Float32Array, L: Uint8Array, [nz, ny, nx]: Shape3, fallback: number[]): number[] {
  const si = new Float64Array(6), ci = new Float64Array(6), sa = new Float64Array(6), ca = new Float64Array(6);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const i = (z * ny + y) * nx + x;
        const l = L[i];
        if (l > 5) continue;
        sa[l] += grey[i];
        ca[l]++;
        let interior = true;
        for (const [dz, dy, dx] of [[0, 0, -1], [0, 0, 1], [0, -1, 0], [0, 1, 0], [-1, 0, 0], [1, 0, 0]]) {
          const zz = z + dz, yy = y + dy, xx = x + dx;
          if (zz < 0 || zz >= nz || yy < 0 || yy >= ny || xx < 0 || xx >= nx) continue;
          if (L[(zz * ny + yy) * nx + xx] !== l) interior = false;
        }
        if (interior) {
          si[l] += grey[i];
          ci[l]++;
        }
      }
  return [0, 1, 2, 3, 4, 5].map((l) => (ci[l] >= 100 ? si[l] / ci[l] : ca[l] ? sa[l] / ca[l] : fallback[l]));
}

describe('phaseMeans = the voxel-by-voxel definition', () => {
  for (const shape of [[20, 30, 41], [9, 1, 50], [12, 17, 1]] as Shape3[])
    it(`${shape.join('×')}: every code's mean bit for bit`, async () => {
      const n = shape[0] * shape[1] * shape[2];
      const r = rng(11);
      const grey = Float32Array.from({ length: n }, () => 1000 + 9000 * r() + r() / 3);
      const labels = blockyLabels(shape, 5);
      const fallback = [-1, -2, -3, -4, -5, -6];
      const got = await phaseMeans(new MemoryStore(grey, shape, labels), fallback);
      const want = directMeans(grey, labels, shape, fallback);
      expect(got).toEqual(want);
      // the large shape has interior voxels of several codes, so the interior branch is exercised
      if (shape[0] === 20) expect(want.filter((m, l) => m !== fallback[l]).length).toBeGreaterThanOrEqual(5);
    });
});
