import { describe, expect, it } from 'vitest';
import { descendingOrder, rasterBalls, sortBallsDescending } from '../../src/thickness/local-thickness-kernel.js';

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
  it('equals every ball over every voxel: unsorted and tied radii, anisotropic, centres above the slab, a sub-range, one and two bitmap chunks', () => {
    // 72 slices of 256² (4.7·10⁶ voxels): with bitmap chunks of 2²² voxels (64 slices), two chunks
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
        rasterBalls(out, labels, 1, shape, spacing, centres, radii, z0, z1, 1 << 22);
        expect(Buffer.from(out.buffer).equals(Buffer.from(ref.buffer)), `spacing ${spacing.join(',')} z ${z0}-${z1}`).toBe(true);
        // already sorted (the workers' input): the same bits
        const sorted = sortBallsDescending(centres, radii);
        for (let b = 1; b < B; b++) expect(sorted.radii[b]).toBeLessThanOrEqual(sorted.radii[b - 1]);
        const again = new Float32Array(n);
        rasterBalls(again, labels, 1, shape, spacing, sorted.centres, sorted.radii, z0, z1, 1 << 22);
        const whole = new Float32Array(n);
        rasterBalls(whole, labels, 1, shape, spacing, centres, radii, z0, z1);
        expect(Buffer.from(whole.buffer).equals(Buffer.from(ref.buffer)), 'one bitmap chunk').toBe(true);
        expect(Buffer.from(again.buffer).equals(Buffer.from(ref.buffer))).toBe(true);
      }
    }
  });
  it('rows of 75 and 33 voxels (a partly used last bitmap word), balls over the row ends, label 3 among others', () => {
    for (const shape of [[30, 37, 75], [12, 20, 33]]) {
      const [nz, ny, nx] = shape;
      const n = nz * ny * nx;
      const rnd = lcg(nx);
      const labels = Uint8Array.from({ length: n }, () => (rnd() < 0.85 ? 3 : Math.floor(rnd() * 3)));
      const B = 150;
      const centres = new Int32Array(B);
      const radii = new Float32Array(B);
      for (let b = 0; b < B; b++) {
        // a third of the centres on the first or last column, so spans end at x = 0 or nx − 1
        const x = b % 3 === 0 ? 0 : b % 3 === 1 ? nx - 1 : Math.floor(rnd() * nx);
        centres[b] = (Math.floor(rnd() * nz) * ny + Math.floor(rnd() * ny)) * nx + x;
        radii[b] = 0.8 + rnd() * 12;
      }
      for (const spacing of [[1, 1, 1], [1.3, 0.7, 0.9]]) {
        const ref = new Float32Array(n);
        everyBallEveryVoxel(ref, labels, 3, shape, spacing, centres, radii, 0, nz);
        const out = new Float32Array(n);
        rasterBalls(out, labels, 3, shape, spacing, centres, radii, 0, nz, 5 * ny * nx);
        expect(Buffer.from(out.buffer).equals(Buffer.from(ref.buffer)), `${shape.join('×')} spacing ${spacing.join(',')}`).toBe(true);
      }
    }
  });
});

describe('ball order by decreasing radius', () => {
  it('equals a stable sort of the values: radii from 10⁻³ to 10⁴ (both 16-bit halves of the bits vary), many ties', () => {
    const rnd = lcg(5);
    const B = 20000;
    const radii = Float32Array.from({ length: B }, (_, b) => (b % 5 === 0 ? 7.25 : Math.fround(10 ** (-3 + 7 * rnd()))));
    const order = descendingOrder(radii);
    expect(order).not.toBeNull();
    const expected = Array.from({ length: B }, (_, b) => b).sort((a, b) => radii[b] - radii[a] || a - b);
    expect(Array.from(order!)).toEqual(expected);
    expect(descendingOrder(Float32Array.from(expected, (b) => radii[b]))).toBeNull();
  });
});
