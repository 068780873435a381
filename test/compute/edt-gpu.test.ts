/**
 * GPU distance transform (src/compute/gpu/edt.ts) against the cpu one (src/thickness/edt.ts, float64
 * line arithmetic). Runs on whatever adapter Dawn finds; without a GPU on SwiftShader when
 * installed; without any adapter the tests are skipped with the reason (failed under CI=true). The gpu keeps
 * squared distances and does the envelope arithmetic in f32, so agreement is checked to 1e-5
 * relative (zeros exactly); the worst error seen is printed.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { GpuBackend } from '../../src/compute/gpu/backend.js';
import { distanceTransformGpu, edtPassesGpu } from '../../src/compute/gpu/edt.js';
import { gpuAvailability } from '../../src/compute/index.js';
import { CpuBackend } from '../../src/compute/cpu/backend.js';
import type { Shape3 } from '../../src/compute/types.js';
import { loadVolume } from '../../src/io/open.js';
import { distanceTransformLabel, distanceTransformMask } from '../../src/thickness/edt.js';
import { localThickness } from '../../src/thickness/local-thickness.js';
import { SHARED_DATA, missingAdapter, missingFiles, requireAvailable } from '../helpers.js';
import { inChildWithIcd, rng, SWIFTSHADER_ICD } from './util.js';

const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (existsSync(SWIFTSHADER)) process.env.VK_ICD_FILENAMES ??= SWIFTSHADER;

const availability = await gpuAvailability();
const noGpu = missingAdapter(availability);

const ELECTRODE = path.join(SHARED_DATA, 'taufactor', 'electrode.tiff');

/** Worst relative difference; Infinity when zero-ness or infinities differ. */
function maxRel(got: Float32Array, ref: Float32Array): number {
  expect(got.length).toBe(ref.length);
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const a = got[i], b = ref[i];
    if (a === b) continue;
    if (b === 0 || a === 0 || !Number.isFinite(a) || !Number.isFinite(b)) return Infinity;
    worst = Math.max(worst, Math.abs(a - b) / b);
  }
  return worst;
}

/** Blobs plus noise: long runs inside the phase and isolated background voxels. */
function randomMask(shape: Shape3, density: number, seed: number): Uint8Array {
  const r = rng(seed);
  const [nz, ny, nx] = shape;
  const m = new Uint8Array(nz * ny * nx);
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const smooth = Math.sin(i / 3.1 + k / 4.3) + Math.cos(j / 2.7 - i / 5.9) > -0.8;
        m[(k * ny + j) * nx + i] = smooth && r() < density ? 1 : 0;
      }
  return m;
}

const cpuEdt = async (mask: Uint8Array, shape: Shape3, spacing: [number, number, number]) =>
  (await distanceTransformMask(mask, shape, { spacing, threads: 1 })).distance;

describe(`gpu EDT = cpu EDT (${availability.description})`, () => {
  beforeEach((ctx) => requireAvailable(ctx, noGpu));
  let worst = 0;
  afterAll(() => console.log(`gpu EDT vs cpu EDT: worst relative difference ${worst.toExponential(2)} over the random-mask cases`));

  it('random masks, anisotropic spacing, one buffer', async () => {
    const shapes: Shape3[] = [[9, 13, 17], [1, 6, 11], [20, 1, 7], [6, 8, 1], [23, 19, 31]];
    const spacings: [number, number, number][] = [[1, 1, 1], [0.7, 1.3, 2.1], [3, 0.5, 1]];
    let seed = 1;
    for (const shape of shapes)
      for (const spacing of spacings) {
        const mask = randomMask(shape, 0.93, seed++);
        mask[0] = 0;
        const got = await distanceTransformGpu(mask, shape, { spacing });
        expect(got.slabs).toEqual({ xy: 1, z: 1 });
        const err = maxRel(got.distance, await cpuEdt(mask, shape, spacing));
        worst = Math.max(worst, err);
        expect(err, `${shape.join('×')} spacing ${spacing.join(',')}`).toBeLessThanOrEqual(1e-5);
      }
  });

  it('across slab boundaries (small buffer and scratch caps force z-slabs, y-slabs and several dispatches)', async () => {
    const shape: Shape3 = [37, 21, 19];
    const spacing: [number, number, number] = [1.7, 0.9, 1.1];
    const mask = randomMask(shape, 0.97, 11);
    mask[5] = 0;
    const ref = await cpuEdt(mask, shape, spacing);
    // 5 slices per x/y slab; z pass: 2 rows of 37×19 per slab
    const maxBufferBytes = 5 * 21 * 19 * 4;
    const got = await distanceTransformGpu(mask, shape, { spacing, maxBufferBytes, maxScratchBytes: 3 * 37 * 4 * 50 });
    expect(got.slabs.xy).toBe(Math.ceil(37 / 5));
    expect(got.slabs.z).toBe(Math.ceil(21 / 2));
    expect(got.dispatches).toBeGreaterThan(2 * got.slabs.xy + got.slabs.z);
    const err = maxRel(got.distance, ref);
    worst = Math.max(worst, err);
    expect(err).toBeLessThanOrEqual(1e-5);
    // and the one-buffer run of the same volume agrees with the slabbed one
    const whole = await distanceTransformGpu(mask, shape, { spacing });
    expect(maxRel(got.distance, whole.distance)).toBeLessThanOrEqual(1e-6);
  });

  it('a phase reaching far from the only background voxel (long envelopes, large squared distances)', async () => {
    const shape: Shape3 = [40, 30, 50];
    const mask = new Uint8Array(40 * 30 * 50).fill(1);
    mask[(39 * 30 + 29) * 50 + 49] = 0;
    mask[(3 * 30 + 2) * 50 + 7] = 0;
    const spacing: [number, number, number] = [2.3, 1, 0.6];
    const got = await distanceTransformGpu(mask, shape, { spacing });
    const err = maxRel(got.distance, await cpuEdt(mask, shape, spacing));
    worst = Math.max(worst, err);
    expect(err).toBeLessThanOrEqual(1e-5);
  });

  it('labels mode, no background, in-place passes on a shared buffer, too-small buffers', async () => {
    const shape: Shape3 = [4, 5, 6];
    const labels = Uint8Array.from({ length: 120 }, (_, i) => (i % 7 === 0 ? 2 : i % 3));
    const got = await distanceTransformGpu(labels, shape, { label: 1, spacing: [1, 2, 0.5] });
    const ref = await distanceTransformLabel(labels, shape, 1, { spacing: [1, 2, 0.5], threads: 1 });
    expect(maxRel(got.distance, ref.distance)).toBeLessThanOrEqual(1e-5);
    const none = await distanceTransformGpu(new Uint8Array(120).fill(3), shape, { label: 3 });
    expect(none.noBackground).toBe(true);
    expect(none.distance.every((v) => v === Infinity)).toBe(true);

    const buf = new Float32Array(new SharedArrayBuffer(120 * 4));
    for (let i = 0; i < 120; i++) buf[i] = labels[i] === 1 ? Infinity : 0;
    await edtPassesGpu(buf, shape, { spacing: [1, 2, 0.5] });
    expect(maxRel(buf, ref.distance)).toBeLessThanOrEqual(1e-5);

    await expect(distanceTransformGpu(labels, shape, { label: 1, maxBufferBytes: 64 })).rejects.toThrow(RangeError);
  });

  it('distanceTransformLabel / localThickness take backend gpu, a GpuBackend, cpu', async () => {
    const shape: Shape3 = [12, 14, 16];
    const labels = randomMask(shape, 0.9, 5);
    const spacing: [number, number, number] = [1.2, 1, 0.8];
    const cpu = await distanceTransformLabel(labels, shape, 1, { spacing, threads: 1, backend: 'cpu' });
    expect(cpu.backend).toBe('cpu');
    const gpu = await distanceTransformLabel(labels, shape, 1, { spacing, backend: 'gpu' });
    expect(gpu.backend).toBe('gpu');
    expect(gpu.backendDescription).toMatch(/^gpu: WebGPU EDT, /);
    expect(maxRel(gpu.distance, cpu.distance)).toBeLessThanOrEqual(1e-5);

    const gb = await GpuBackend.create({ maxSlabBytes: 3 * 14 * 16 * 4 });
    const cb = new CpuBackend({ workers: 1 });
    try {
      const viaBackend = await distanceTransformMask(labels, shape, { spacing, backend: gb });
      expect(viaBackend.backend).toBe('gpu');
      expect(maxRel(viaBackend.distance, cpu.distance)).toBeLessThanOrEqual(1e-5);
      expect((await distanceTransformMask(labels, shape, { spacing, backend: cb, threads: 1 })).backend).toBe('cpu');
    } finally {
      await gb.dispose();
      await cb.dispose();
    }

    const ltCpu = await localThickness(labels, shape, 1, { spacing, threads: 1 });
    const ltGpu = await localThickness(labels, shape, 1, { spacing, threads: 1, backend: 'gpu' });
    expect(ltCpu.backend).toBe('cpu');
    expect(ltGpu.backend).toBe('gpu');
    // the ridge test compares neighbouring distances, so f32 differences could in principle move a
    // ridge voxel; on this volume they do not
    expect(ltGpu.ridgeVoxels).toBe(ltCpu.ridgeVoxels);
    expect(maxRel(ltGpu.thickness, ltCpu.thickness)).toBeLessThanOrEqual(1e-5);
  });

  it('crop of taufactor electrode.tiff, two labels, anisotropic, slabbed', async (ctx) => {
    requireAvailable(ctx, missingFiles(ELECTRODE));
    const v = await loadVolume(ELECTRODE);
    const [nz, ny, nx] = v.shape;
    const c: Shape3 = [Math.min(48, nz), Math.min(64, ny), Math.min(64, nx)];
    const crop = new Uint8Array(c[0] * c[1] * c[2]);
    for (let k = 0; k < c[0]; k++)
      for (let j = 0; j < c[1]; j++)
        for (let i = 0; i < c[2]; i++) crop[(k * c[1] + j) * c[2] + i] = v.data[(k * ny + j) * nx + i] as number;
    for (const label of [...new Set(crop)].slice(0, 2)) {
      const spacing: [number, number, number] = [2, 1, 0.75];
      const ref = await distanceTransformLabel(crop, c, label, { spacing, threads: 1 });
      const got = await distanceTransformGpu(crop, c, { label, spacing, maxBufferBytes: 16 * c[1] * c[2] * 4 });
      expect(got.slabs.xy).toBeGreaterThan(1);
      const err = maxRel(got.distance, ref.distance);
      console.log(`gpu EDT vs cpu, electrode crop ${c.join('×')} label ${label}: max rel ${err.toExponential(2)} (${got.slabs.xy} xy slabs, ${got.slabs.z} z slabs)`);
      expect(err).toBeLessThanOrEqual(1e-5);
    }
  });
});

describe('EDT backend choice', () => {
  it('cpu is the default and says so', async () => {
    const r = await distanceTransformMask(new Uint8Array([1, 1, 0, 1]), [1, 1, 4]);
    expect(r.backend).toBe('cpu');
    expect(r.backendDescription).toBe('cpu: main thread');
    expect([...r.distance]).toEqual([2, 1, 0, 1]);
  });
  // which adapter exists is fixed per child process (inChildWithIcd), not read from gpuAvailability()
  const edtChoices = (icd: string) => inChildWithIcd(icd, `
    const { distanceTransformMask } = await dist('src/thickness/edt.js');
    const out = {};
    for (const backend of ['auto', 'gpu']) {
      const warnings = [];
      try {
        const r = await distanceTransformMask(new Uint8Array([1, 1, 0, 1]), [1, 1, 4], { backend, onWarning: (m) => warnings.push(m) });
        out[backend] = { backend: r.backend, description: r.backendDescription, distance: Array.from(r.distance), warnings };
      } catch (e) {
        out[backend] = { error: e.name + ': ' + e.message };
      }
    }
    console.log(JSON.stringify(out));
    process.exit(0);
  `) as Record<'auto' | 'gpu', { backend?: string; description?: string; distance?: number[]; warnings?: string[]; error?: string }>;

  it('no Vulkan driver: auto runs on cpu and says why; gpu is a bad-usage error', () => {
    const r = edtChoices('/nonexistent/vk_icd.json');
    expect(r.auto).toEqual({ backend: 'cpu', description: 'cpu: main thread; auto: no WebGPU adapter', distance: [2, 1, 0, 1], warnings: ['auto: distance transform on cpu because no WebGPU adapter'] });
    expect(r.gpu.error).toMatch(/^InputError: --backend gpu: no WebGPU adapter: /);
  });
  it('SwiftShader only: auto runs on cpu (software adapter); gpu runs on it', (ctx) => {
    requireAvailable(ctx, missingFiles(SWIFTSHADER_ICD));
    const r = edtChoices(SWIFTSHADER_ICD);
    expect(r.auto.backend).toBe('cpu');
    expect(r.auto.description).toMatch(/^cpu: main thread; auto: the only WebGPU adapter is a software renderer \(SwiftShader/);
    expect(r.auto.warnings).toHaveLength(1);
    expect(r.auto.distance).toEqual([2, 1, 0, 1]);
    expect(r.gpu.backend).toBe('gpu');
    expect(r.gpu.distance).toEqual([2, 1, 0, 1]);
  });
  it('rejects an unknown backend name', async () => {
    await expect(distanceTransformMask(new Uint8Array([1, 0]), [1, 1, 2], { backend: 'tpu' as 'cpu' })).rejects.toThrow(/unknown backend/);
  });
});
