/**
 * The run-based slab labelling (componentsSlab, the cpu workers' kernel) against the flood-fill
 * reference on the slab cut out: same ids (first voxel in raster order), same sizes, voxels outside
 * [z0, z1) untouched and never joined through. Masks with long runs (smooth blobs, bands that touch
 * only diagonally) as well as random ones, where runs are short.
 */
import { describe, expect, it } from 'vitest';
import { componentsSlab } from '../../src/compute/cpu/kernels.js';
import { connectedComponentsRef } from '../../src/compute/reference.js';
import type { Shape3 } from '../../src/compute/types.js';
import { expectEqualArrays, randomMask } from './util.js';

/** Thresholded sum of waves: blobs and sheets with runs of many voxels. */
function smoothMask([nz, ny, nx]: Shape3, level: number): Uint8Array {
  const m = new Uint8Array(nz * ny * nx);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) m[(z * ny + y) * nx + x] = Math.sin(x / 3.1 + z / 5) + Math.cos(y / 2.3 - x / 7) + Math.sin(z / 2.7 + y / 4.1) > level ? 1 : 0;
  return m;
}

/** Diagonal staircases: each row's run touches the next row's only at a corner (26- but not 6-connected). */
function staircase([nz, ny, nx]: Shape3): Uint8Array {
  const m = new Uint8Array(nz * ny * nx);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++) {
      const x0 = (3 * y + 5 * z) % nx;
      for (let x = x0; x < Math.min(nx, x0 + 3); x++) m[(z * ny + y) * nx + x] = 1;
    }
  return m;
}

function check(mask: Uint8Array, shape: Shape3, z0: number, z1: number, connectivity: 6 | 26): number {
  const [, ny, nx] = shape;
  const plane = ny * nx;
  const labels = new Uint32Array(mask.length).fill(0xdeadbeef);
  const sizes = componentsSlab(mask, labels, shape, z0, z1, connectivity);
  const ref = connectedComponentsRef(mask.subarray(z0 * plane, z1 * plane), [z1 - z0, ny, nx], connectivity);
  expect(sizes.length - 1).toBe(ref.count);
  expectEqualArrays(labels.subarray(z0 * plane, z1 * plane), ref.labels, 'labels');
  expectEqualArrays(sizes.subarray(1), ref.sizes.subarray(1), 'sizes');
  let touched = 0;
  for (let i = 0; i < mask.length; i++) if ((i < z0 * plane || i >= z1 * plane) && labels[i] !== 0xdeadbeef) touched++;
  expect(touched, 'voxels written outside the slab').toBe(0);
  return ref.count;
}

describe('componentsSlab by runs = flood fill', () => {
  const shapes: Shape3[] = [[12, 17, 40], [9, 1, 33], [8, 23, 1], [6, 30, 64]];
  for (const shape of shapes)
    for (const connectivity of [6, 26] as const) {
      it(`${shape.join('×')} connectivity ${connectivity}: smooth, staircase and random masks, whole and inner slabs`, () => {
        const masks = [smoothMask(shape, 0.4), smoothMask(shape, -0.6), staircase(shape), randomMask(shape, 0.3, 5), randomMask(shape, 0.65, 9)];
        let components = 0;
        for (const mask of masks)
          for (const [z0, z1] of [[0, shape[0]], [2, shape[0] - 1], [3, 4]]) components += check(mask, shape, z0, z1, connectivity);
        expect(components).toBeGreaterThan(20);
      });
    }
  it('a staircase is one component 26-connected and one per run 6-connected', () => {
    const shape: Shape3 = [1, 10, 40];
    const mask = staircase(shape);
    expect(check(mask, shape, 0, 1, 26)).toBe(1);
    expect(check(mask, shape, 0, 1, 6)).toBe(10);
  });
  it('rows read 4 bytes at a time: any non-zero byte is foreground, at every byte offset of the buffer, runs of every length', () => {
    // random runs of 0..9 voxels and gaps of 0..9 (every phase against the 4-byte words), values
    // 1, 2, 128 and 255 (a word of them has no zero byte), the mask starting at buffer offsets 0..3
    const shape: Shape3 = [4, 16, 61];
    const n = shape[0] * shape[1] * shape[2];
    const values = [1, 2, 128, 255];
    let s = 7;
    const next = (m: number) => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) % m;
    for (let offset = 0; offset < 4; offset++) {
      const mask = new Uint8Array(new ArrayBuffer(n + 8), offset, n);
      for (let i = next(10); i < n; i += next(10)) for (let run = next(10); run > 0 && i < n; run--) mask[i++] = values[next(4)];
      const ones = mask.map((v) => (v ? 1 : 0));
      for (const connectivity of [6, 26] as const) {
        const labels = new Uint32Array(n);
        const sizes = componentsSlab(mask, labels, shape, 0, shape[0], connectivity);
        const ref = connectedComponentsRef(ones, shape, connectivity);
        expect(sizes.length - 1, `offset ${offset}`).toBe(ref.count);
        expectEqualArrays(labels, ref.labels, `labels, offset ${offset}, ${connectivity}`);
      }
    }
  });
});
