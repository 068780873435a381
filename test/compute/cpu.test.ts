/**
 * cpu backend against the reference kernels: exact for integer outputs and gaussian (same float32
 * accumulation order); local mean/variance exact for integer inputs, float inputs within the
 * rounding that a different float64 summation order allows. Shapes: odd, and nz larger than the
 * number of slabs so slab boundaries are crossed. Requires `npm run build` (workers run from dist/).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/compute/cpu/backend.js';
import {
  classifyRef, clipRef, connectedComponentsRef, gaussianRef, histogramRef, localMeanVarianceRef, median3Ref, normalizeRef,
} from '../../src/compute/reference.js';
import type { Shape3 } from '../../src/compute/types.js';
import {
  clipBounds, DTYPES, expectClose, expectEqualArrays, greyVolume, histSpec, randomMask, range, thresholdsFor,
} from './util.js';

const SHAPES: Shape3[] = [[7, 13, 29], [37, 21, 19]];
let cpu: CpuBackend;

beforeAll(() => {
  cpu = new CpuBackend({ workers: 2 }); // 8 slabs: [37, …] crosses 7 slab boundaries
});
afterAll(async () => {
  await cpu.dispose();
});

describe('cpu backend = reference', () => {
  it('describes itself', () => {
    expect(cpu.description).toBe('cpu: 2 worker threads (piscina)');
  });

  for (const shape of SHAPES)
    for (const dtype of DTYPES) {
      const tag = `${dtype} ${shape.join('×')}`;
      describe(tag, () => {
        const input = greyVolume(dtype, shape, 3);
        const integer = dtype !== 'float32';

        it('normalize', async () => {
          const [lo, hi] = clipBounds(dtype);
          expectEqualArrays(await cpu.normalize(input, lo, hi), normalizeRef(input, lo, hi), tag);
        });
        it('clip', async () => {
          const [lo, hi] = clipBounds(dtype);
          const out = await cpu.clip(input, lo, hi);
          expect(out.constructor).toBe(input.constructor);
          expectEqualArrays(out, clipRef(input, lo, hi), tag);
        });
        it('classify', async () => {
          expectEqualArrays(await cpu.classify(input, thresholdsFor(dtype)), classifyRef(input, thresholdsFor(dtype)), tag);
        });
        it('histogram', async () => {
          const h = await cpu.histogram(input, histSpec(dtype));
          expectEqualArrays(h, histogramRef(input, histSpec(dtype)), tag);
          expect(h.reduce((a, b) => a + b, 0)).toBe(input.length);
        });
        it('median3 (out of place, into out, in place)', async () => {
          const ref = median3Ref(input, shape);
          expectEqualArrays(await cpu.median3(input, shape), ref, tag);
          const out = new (input.constructor as new (n: number) => typeof input)(input.length);
          expect(await cpu.median3(input, shape, out)).toBe(out);
          expectEqualArrays(out, ref, tag);
          const inPlace = input.slice();
          expect(await cpu.median3(inPlace, shape, inPlace)).toBe(inPlace);
          expectEqualArrays(inPlace, ref, `${tag} in place`);
          const shared = greyVolume(dtype, shape, 3, true);
          await cpu.median3(shared, shape, shared);
          expectEqualArrays(shared, ref, `${tag} in place, shared`);
        });
        it('gaussian', async () => {
          for (const sigma of [[1, 1, 1], [0.8, 0, 1.7]] as [number, number, number][]) {
            expectEqualArrays(await cpu.gaussian(input, shape, sigma), gaussianRef(input, shape, sigma), `${tag} σ ${sigma}`);
          }
        });
        it('localMeanVariance', async () => {
          for (const r of [1, 2]) {
            const got = await cpu.localMeanVariance(input, shape, r);
            const ref = localMeanVarianceRef(input, shape, r);
            if (integer) {
              expectEqualArrays(got.mean, ref.mean, `${tag} mean r=${r}`);
              expectEqualArrays(got.variance, ref.variance, `${tag} variance r=${r}`);
            } else {
              const span = range(input);
              expectClose(got.mean, ref.mean, 1e-6, 1e-9 * span, `${tag} mean r=${r}`);
              expectClose(got.variance, ref.variance, 1e-6, 1e-9 * span * span, `${tag} variance r=${r}`);
            }
          }
        });
      });
    }

  describe('connectedComponents', () => {
    for (const shape of [[37, 21, 19], [9, 8, 7], [40, 3, 5]] as Shape3[])
      for (const density of [0.05, 0.2, 0.35, 0.6])
        for (const connectivity of [6, 26] as const) {
          it(`${shape.join('×')} density ${density} connectivity ${connectivity}`, async () => {
            const mask = randomMask(shape, density, 11 + density * 100);
            const got = await cpu.connectedComponents(mask, shape, connectivity);
            const ref = connectedComponentsRef(mask, shape, connectivity);
            expect(got.count).toBe(ref.count);
            expectEqualArrays(got.labels, ref.labels, 'labels');
            expectEqualArrays(got.sizes, ref.sizes, 'sizes');
          });
        }
    it('a component spanning every slab (percolating column and sheet)', async () => {
      const shape: Shape3 = [37, 6, 6];
      const mask = new Uint8Array(37 * 36);
      for (let z = 0; z < 37; z++) mask[z * 36 + 7] = 1; // straight column through all slabs
      for (let z = 0; z < 37; z++) mask[z * 36 + 14 + (z % 2)] = 1; // zig-zag: 26-connected only
      for (const c of [6, 26] as const) {
        const got = await cpu.connectedComponents(mask, shape, c);
        const ref = connectedComponentsRef(mask, shape, c);
        expect(got.count).toBe(ref.count);
        expectEqualArrays(got.labels, ref.labels, 'labels');
        expectEqualArrays(got.sizes, ref.sizes, 'sizes');
      }
    });
    it('empty and full masks', async () => {
      const shape: Shape3 = [10, 4, 5];
      const empty = await cpu.connectedComponents(new Uint8Array(200), shape, 26);
      expect(empty.count).toBe(0);
      expect(Array.from(empty.sizes)).toEqual([200]);
      const full = await cpu.connectedComponents(new Uint8Array(200).fill(1), shape, 6);
      expect(full.count).toBe(1);
      expect(Array.from(full.sizes)).toEqual([0, 200]);
    });
  });
});
