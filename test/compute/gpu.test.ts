/**
 * gpu backend against the cpu backend. Runs on whatever adapter Dawn finds; on machines without a
 * GPU, SwiftShader (Chromium's Vulkan ICD) when installed. Without any adapter the tests are
 * skipped with the reason (failed under CI=true). Volumes are small (SwiftShader is slow) and a tiny buffer cap
 * forces several z-slabs, so slab halos are exercised.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { missingAdapter, requireAvailable } from '../helpers.js';
import { CpuBackend } from '../../src/compute/cpu/backend.js';
import { GpuBackend } from '../../src/compute/gpu/backend.js';
import { gpuAvailability } from '../../src/compute/index.js';
import type { Shape3 } from '../../src/compute/types.js';
import {
  clipBounds, DTYPES, expectClose, expectEqualArrays, greyVolume, histSpec, randomMask, range, thresholdsFor,
} from './util.js';

const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (existsSync(SWIFTSHADER)) process.env.VK_ICD_FILENAMES ??= SWIFTSHADER;

const availability = await gpuAvailability();
const noGpu = missingAdapter(availability);

const SHAPES: Shape3[] = [[7, 13, 29], [37, 21, 19]];

describe(`gpu backend = cpu backend (${availability.description})`, () => {
  let gpu: GpuBackend;
  let cpu: CpuBackend;
  beforeEach((ctx) => requireAvailable(ctx, noGpu));
  beforeAll(async () => {
    if (noGpu) return; // every test skips (locally) or fails (CI) in beforeEach
    // 12 slices of 21×19 f32 per buffer: the [37, 21, 19] volume runs in several slabs even with
    // the 4-slice halos of σ = 1
    gpu = await GpuBackend.create({ maxSlabBytes: 12 * 21 * 29 * 4, workers: 2 });
    cpu = new CpuBackend({ workers: 2 });
  });
  afterAll(async () => {
    await gpu?.dispose();
    await cpu?.dispose();
  });

  it('describes the adapter', () => {
    expect(gpu.description).toMatch(/^gpu: WebGPU, /);
    expect(gpu.description).toContain('connected components on cpu');
  });

  for (const shape of SHAPES)
    for (const dtype of DTYPES) {
      const tag = `${dtype} ${shape.join('×')}`;
      describe(tag, () => {
        const input = greyVolume(dtype, shape, 5);
        const span = range(input);

        it('normalize', async () => {
          const [lo, hi] = clipBounds(dtype);
          expectClose(await gpu.normalize(input, lo, hi), await cpu.normalize(input, lo, hi), 1e-5, 1e-6, tag);
        });
        it('clip (exact)', async () => {
          const [lo, hi] = clipBounds(dtype);
          const got = await gpu.clip(input, lo, hi);
          expect(got.constructor).toBe(input.constructor);
          expectEqualArrays(got, await cpu.clip(input, lo, hi), tag);
          // bounds outside the data and lo > hi
          expectEqualArrays(await gpu.clip(input, -5, 1e9), await cpu.clip(input, -5, 1e9), `${tag} wide`);
          expectEqualArrays(await gpu.clip(input, 90, 80), await cpu.clip(input, 90, 80), `${tag} lo>hi`);
        });
        it('classify (exact)', async () => {
          expectEqualArrays(await gpu.classify(input, thresholdsFor(dtype)), await cpu.classify(input, thresholdsFor(dtype)), tag);
          expectEqualArrays(await gpu.classify(input, []), new Uint8Array(input.length), `${tag} no thresholds`);
        });
        it('histogram (exact)', async () => {
          expectEqualArrays(await gpu.histogram(input, histSpec(dtype)), await cpu.histogram(input, histSpec(dtype)), tag);
          const many = { lo: dtype === 'float32' ? -200 : 0, width: dtype === 'float32' ? 0.125 : 1, bins: 5000 }; // global-atomic path
          expectEqualArrays(await gpu.histogram(input, many), await cpu.histogram(input, many), `${tag} 5000 bins`);
        });
        it('median3 (exact, in place too)', async () => {
          const ref = await cpu.median3(input, shape);
          expectEqualArrays(await gpu.median3(input, shape), ref, tag);
          const inPlace = input.slice();
          expect(await gpu.median3(inPlace, shape, inPlace)).toBe(inPlace);
          expectEqualArrays(inPlace, ref, `${tag} in place`);
        });
        it('gaussian', async () => {
          const sigma: [number, number, number] = [1, 0.6, 1.3];
          expectClose(await gpu.gaussian(input, shape, sigma), await cpu.gaussian(input, shape, sigma), 1e-5, 1e-6 * span, tag);
        });
        it('localMeanVariance', async () => {
          const got = await gpu.localMeanVariance(input, shape, 1);
          const ref = await cpu.localMeanVariance(input, shape, 1);
          expectClose(got.mean, ref.mean, 1e-5, 1e-6 * span, `${tag} mean`);
          expectClose(got.variance, ref.variance, 1e-5, 1e-6 * span * span, `${tag} variance`);
        });
      });
    }

  it('connectedComponents (delegated to cpu)', async () => {
    const shape: Shape3 = [37, 21, 19];
    for (const c of [6, 26] as const) {
      const mask = randomMask(shape, 0.3, 3);
      const got = await gpu.connectedComponents(mask, shape, c);
      const ref = await cpu.connectedComponents(mask, shape, c);
      expect(got.count).toBe(ref.count);
      expectEqualArrays(got.labels, ref.labels, 'labels');
    }
  });
});
