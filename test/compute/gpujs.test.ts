/**
 * gpu.js (WebGPU mode) kernels of the gpu backend (kernels/*.gpujs.ts) against the cpu backend and
 * the WGSL kernels of the same ops, on whatever adapter Dawn finds (SwiftShader without a GPU).
 * Prints the timings of both paths (the figures behind GPUJS_DEFAULT in src/compute/gpu/backend.ts).
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { missingAdapter, requireAvailable } from '../helpers.js';
import { CpuBackend } from '../../src/compute/cpu/backend.js';
import { GpuBackend } from '../../src/compute/gpu/backend.js';
import { gpuAvailability } from '../../src/compute/index.js';
import type { GreyArray, Shape3 } from '../../src/compute/types.js';
import { clipBounds, DTYPES, expectClose, greyVolume, range } from './util.js';

const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (existsSync(SWIFTSHADER)) process.env.VK_ICD_FILENAMES ??= SWIFTSHADER;

const availability = await gpuAvailability();
const noGpu = missingAdapter(availability);

async function median(times: number, f: () => Promise<unknown>): Promise<number> {
  const ts: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    await f();
    ts.push(performance.now() - t);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}

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

  it('timings: gpu.js vs WGSL (printed; no assertion on speed)', async () => {
    const shape: Shape3 = [16, 48, 48];
    const big = { gpujs: await GpuBackend.create({ workers: 1, gpujs: { normalize: true, gaussian: true } }), wgsl: await GpuBackend.create({ workers: 1, gpujs: { normalize: false, gaussian: false } }) };
    try {
      const lines: string[] = [];
      for (const dtype of DTYPES) {
        const input: GreyArray = greyVolume(dtype, shape, 2);
        const [lo, hi] = clipBounds(dtype);
        const sigma: [number, number, number] = [1, 1, 1];
        // warm-up (pipeline compilation) then median of 3
        await big.gpujs.normalize(input, lo, hi); await big.wgsl.normalize(input, lo, hi);
        await big.gpujs.gaussian(input, shape, sigma); await big.wgsl.gaussian(input, shape, sigma);
        const nJ = await median(3, () => big.gpujs.normalize(input, lo, hi));
        const nW = await median(3, () => big.wgsl.normalize(input, lo, hi));
        const gJ = await median(3, () => big.gpujs.gaussian(input, shape, sigma));
        const gW = await median(3, () => big.wgsl.gaussian(input, shape, sigma));
        lines.push(`${dtype} ${shape.join('×')}: normalize gpu.js ${nJ.toFixed(1)} ms vs WGSL ${nW.toFixed(1)} ms (${(nJ / nW).toFixed(2)}×); gaussian σ=1 gpu.js ${gJ.toFixed(1)} ms vs WGSL ${gW.toFixed(1)} ms (${(gJ / gW).toFixed(2)}×)`);
      }
      console.log(`gpu.js vs WGSL on ${availability.description}:\n  ${lines.join('\n  ')}`);
    } finally {
      await big.gpujs.dispose();
      await big.wgsl.dispose();
    }
  });
});
