/**
 * gpu.js (WebGPU mode) kernels of the gpu backend (kernels/*.gpujs.ts) against the cpu backend and
 * the WGSL kernels of the same ops, on whatever adapter Dawn finds (SwiftShader without a GPU).
 * Their timings (the figures behind GPUJS_DEFAULT in src/compute/gpu/backend.ts): scripts/bench/gpujs.ts.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { missingAdapter, requireAvailable } from '../helpers.js';
import { CpuBackend } from '../../src/compute/cpu/backend.js';
import { GpuBackend } from '../../src/compute/gpu/backend.js';
import { gpuAvailability } from '../../src/compute/index.js';
import type { Shape3 } from '../../src/compute/types.js';
import { clipBounds, DTYPES, expectClose, greyVolume, range } from './util.js';

const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (existsSync(SWIFTSHADER)) process.env.VK_ICD_FILENAMES ??= SWIFTSHADER;

const availability = await gpuAvailability();
const noGpu = missingAdapter(availability);

describe(`gpu.js kernels = cpu backend (${availability.description})`, () => {
  let viaGpuJs: GpuBackend;
  let viaWgsl: GpuBackend;
  let cpu: CpuBackend;
  beforeEach((ctx) => requireAvailable(ctx, noGpu));
  beforeAll(async () => {
    if (noGpu) return; // every test skips (locally) or fails (CI) in beforeEach
    // small slabs: several z-slabs with halos for the Gaussian, several chunks for normalize
    viaGpuJs = await GpuBackend.create({ maxSlabBytes: 12 * 21 * 29 * 4, workers: 1, gpujs: { normalize: true, gaussian: true } });
    viaWgsl = await GpuBackend.create({ maxSlabBytes: 12 * 21 * 29 * 4, workers: 1, gpujs: { normalize: false, gaussian: false } });
    cpu = new CpuBackend({ workers: 2 });
  });
  afterAll(async () => {
    await viaGpuJs?.dispose();
    await viaWgsl?.dispose();
    await cpu?.dispose();
  });

  for (const shape of [[7, 13, 29], [37, 21, 19]] as Shape3[])
    for (const dtype of DTYPES) {
      const tag = `${dtype} ${shape.join('×')}`;
      const input = greyVolume(dtype, shape, 9);
      it(`normalize ${tag}`, async () => {
        const [lo, hi] = clipBounds(dtype);
        const ref = await cpu.normalize(input, lo, hi);
        expectClose(await viaGpuJs.normalize(input, lo, hi), ref, 1e-5, 1e-6, tag);
        const out = new Float32Array(input.length);
        expect(await viaGpuJs.normalize(input, lo, hi, out)).toBe(out);
        expectClose(out, ref, 1e-5, 1e-6, `${tag} out`);
      });
      it(`gaussian ${tag}`, async () => {
        const span = range(input);
        for (const sigma of [[1, 0.6, 1.3], [0.4, 2, 0.8]] as [number, number, number][]) {
          const ref = await cpu.gaussian(input, shape, sigma);
          expectClose(await viaGpuJs.gaussian(input, shape, sigma), ref, 1e-5, 1e-6 * span, `${tag} σ ${sigma}`);
        }
      });
    }

  it('default routing: normalize of float32 through gpu.js, packed integers and the Gaussian through WGSL', async () => {
    const dflt = await GpuBackend.create({ workers: 1 });
    try {
      expect(dflt.gpujsOps('float32')).toEqual({ normalize: true, gaussian: false });
      expect(dflt.gpujsOps('uint8')).toEqual({ normalize: false, gaussian: false });
      expect(dflt.description).toContain('gpu.js: normalize (float32)');
      const input = greyVolume('float32', [5, 6, 7], 3);
      expectClose(await dflt.normalize(input, -20, 300), await cpu.normalize(input, -20, 300), 1e-5, 1e-6, 'default');
    } finally {
      await dflt.dispose();
    }
  });

  it('gaussian in place (out = input) through gpu.js', async () => {
    const shape: Shape3 = [37, 21, 19];
    const input = greyVolume('float32', shape, 4) as Float32Array;
    const ref = await cpu.gaussian(input, shape, [1, 1, 1]);
    const same = input.slice();
    expect(await viaGpuJs.gaussian(same, shape, [1, 1, 1], same)).toBe(same);
    expectClose(same, ref, 1e-5, 1e-6 * range(input), 'in place');
  });
});
