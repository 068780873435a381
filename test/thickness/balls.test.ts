import { describe, expect, it } from 'vitest';
import { rasterBalls, sortBallsDescending } from '../../src/thickness/local-thickness-kernel.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** The ball rasterisation as it was before painting once: every ball, every voxel of its rows, max. */
function everyBallEveryVoxel(
  out: Float32Array,
  labels: Uint8Array,
  label: number,
  shape: number[],
  spacing: number[],
  centres: Int32Array,
  radii: Float32Array,
  z0: number,
  z1: number,
): void {
  const [, ny, nx] = shape;
  const [dz, dy, dx] = spacing;
  const plane = ny * nx;
  for (let b = 0; b < centres.length; b++) {
    const r = radii[b];
    const kc = Math.floor(centres[b] / plane);
    const jc = Math.floor((centres[b] - kc * plane) / nx);
    const ic = centres[b] - kc * plane - jc * nx;
    const r2 = r * r * (1 - 1e-6);
    for (let k = Math.max(z0, kc - Math.ceil(r / dz)); k <= Math.min(z1 - 1, kc + Math.ceil(r / dz)); k++)
      for (let j = 0; j < ny; j++) {
        const remY = r2 - ((k - kc) * dz) ** 2 - ((j - jc) * dy) ** 2;
        if (remY <= 0 || r2 - ((k - kc) * dz) ** 2 <= 0) continue;
        const m = Math.ceil(Math.sqrt(remY) / dx) - 1;
        for (let i = Math.max(0, ic - m); i <= Math.min(nx - 1, ic + m); i++) {
          const q = k * plane + j * nx + i;
          if (labels[q] === label) out[q] = Math.max(out[q], 2 * r);
        }
      }
  }
}

describe('ball rasterisation painting each voxel once', () => {
  it('equals every ball over every voxel: unsorted and tied radii, anisotropic, centres above the slab, a sub-range, two link chunks', () => {
    // 72 slices of 256² (4.7·10⁶ voxels): the links cover 64 slices at a time, so two chunks
    const shape = [72, 256, 256];
    const plane = 256 * 256;
    const n = 72 * plane;
    const rnd = lcg(9);
    const labels = Uint8Array.from({ length: n }, () => (rnd() < 0.9 ? 1 : 0));
    const B = 400;
    const centres = new Int32Array(B);
    const radii = new Float32Array(B);
    for (let b = 0; b < B; b++) {
      centres[b] = Math.floor(rnd() * n) - (b % 10 === 0 ? 3 * plane : 0); // some centres above slice 0
      radii[b] = b % 7 === 0 ? 6.5 : 1 + Math.floor(rnd() * 40) / 4; // many ties
    }
    for (const spacing of [[1, 1, 1], [1.7, 0.8, 1.1]]) {
      for (const [z0, z1] of [[0, 72], [5, 69]]) {
        const ref = new Float32Array(n);
        everyBallEveryVoxel(ref, labels, 1, shape, spacing, centres, radii, z0, z1);
        const out = new Float32Array(n);
        rasterBalls(out, labels, 1, shape, spacing, centres, radii, z0, z1);
        expect(Buffer.from(out.buffer).equals(Buffer.from(ref.buffer)), `spacing ${spacing.join(',')} z ${z0}-${z1}`).toBe(true);
        // already sorted (the workers' input): the same bits
        const sorted = sortBallsDescending(centres, radii);
        for (let b = 1; b < B; b++) expect(sorted.radii[b]).toBeLessThanOrEqual(sorted.radii[b - 1]);
        const again = new Float32Array(n);
        rasterBalls(again, labels, 1, shape, spacing, sorted.centres, sorted.radii, z0, z1);
        expect(Buffer.from(again.buffer).equals(Buffer.from(ref.buffer))).toBe(true);
      }
    }
  });
});
