/**
 * The distance ridge (centres of balls not held by a neighbour's ball) against a brute-force
 * reference: each of the 26 neighbours tested by enumerating the voxels of the digital ball,
 * without the shifted-maximum tables or their memo. Many distinct radii (anisotropic voxels) so
 * the memo's table grows several times.
 */
import { describe, expect, it } from 'vitest';
import { distanceRidge } from '../../src/thickness/local-thickness-kernel.js';
import { distanceTransformLabel } from '../../src/thickness/edt.js';

/** Is the digital ball {o : |o|² < Dp} inside {o : |o + e|² < Dn}? (offsets in voxels, |·| with the spacing) */
function ballInside(Dp: number, Dn: number, e: number[], sp: number[]): boolean {
  const R = [0, 1, 2].map((a) => Math.ceil(Math.sqrt(Dp) / sp[a]));
  for (let a = -R[0]; a <= R[0]; a++)
    for (let b = -R[1]; b <= R[1]; b++)
      for (let c = -R[2]; c <= R[2]; c++) {
        if ((a * sp[0]) ** 2 + (b * sp[1]) ** 2 + (c * sp[2]) ** 2 >= Dp) continue;
        if (((a - e[0]) * sp[0]) ** 2 + ((b - e[1]) * sp[1]) ** 2 + ((c - e[2]) * sp[2]) ** 2 >= Dn) return false;
      }
  return true;
}

function bruteRidge(dist: Float32Array, labels: Uint8Array, shape: number[], sp: number[]): number[] {
  const [nz, ny, nx] = shape;
  const D = (d: number) => d * d * (1 - 1e-6);
  const memo = new Map<string, boolean>();
  const out: number[] = [];
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const p = (k * ny + j) * nx + i;
        const r = dist[p];
        if (labels[p] !== 1 || !(r > 0)) continue;
        let held = false;
        for (let a = -1; a <= 1 && !held; a++)
          for (let b = -1; b <= 1 && !held; b++)
            for (let c = -1; c <= 1 && !held; c++) {
              if (!a && !b && !c) continue;
              const kk = k + a, jj = j + b, ii = i + c;
              if (kk < 0 || jj < 0 || ii < 0 || kk >= nz || jj >= ny || ii >= nx) continue;
              const rn = dist[(kk * ny + jj) * nx + ii];
              if (!(rn > r)) continue;
              const key = `${r},${rn},${a},${b},${c}`;
              let inside = memo.get(key);
              // the neighbour's ball centred at offset e = (a, b, c) from p: o + (−e) relative to it
              if (inside === undefined) memo.set(key, (inside = ballInside(D(r), D(rn), [a, b, c], sp)));
              held = inside;
            }
        if (!held) out.push(p);
      }
  return out;
}

describe('distance ridge', () => {
  it('equals the brute-force containment test, voxel for voxel and in index order (anisotropic, > 512 distinct radii)', async () => {
    const shape: [number, number, number] = [36, 40, 44];
    const [nz, ny, nx] = shape;
    const labels = new Uint8Array(nz * ny * nx);
    for (let k = 0; k < nz; k++)
      for (let j = 0; j < ny; j++)
        for (let i = 0; i < nx; i++) labels[(k * ny + j) * nx + i] = Math.sin(k / 5.1) + Math.sin(j / 6.3) * Math.cos(i / 5.7) > -0.4 ? 1 : 0;
    for (const spacing of [[1, 1, 1], [1.37, 0.61, 1.13]]) {
      const { distance } = await distanceTransformLabel(labels, shape, 1, { threads: 1, spacing: spacing as [number, number, number] });
      const ridge = distanceRidge(distance, labels, 1, shape, spacing, 0, nz);
      const expected = bruteRidge(distance, labels, shape, spacing);
      expect(Array.from(ridge.centres)).toEqual(expected);
      expect(Array.from(ridge.radii)).toEqual(expected.map((p) => distance[p]));
      // in parts over z, joined: the same list
      const a = distanceRidge(distance, labels, 1, shape, spacing, 0, 13);
      const b = distanceRidge(distance, labels, 1, shape, spacing, 13, nz);
      expect([...a.centres, ...b.centres]).toEqual(expected);
      // radii looked up in the memo: every phase voxel's distance
      if (spacing[0] !== 1) expect(new Set(Array.from(distance).filter((d, p) => labels[p] === 1)).size).toBeGreaterThan(512);
    }
  });
});
