/**
 * Tortuosity with the conduction solver's gpu preconditioner (src/current/gpu.ts: V-cycle in WGSL
 * float32, CG float64 on the cpu) against the cpu solve. Runs on whatever adapter Dawn finds; on
 * machines without a GPU, SwiftShader when installed; skipped with the reason (failed under CI=true)
 * when there is no adapter.
 */
import { existsSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { missingAdapter, requireAvailable } from '../helpers.js';
import { gpuAvailability } from '../../src/compute/index.js';
import { porousPhase } from '../../src/pores/synthetic.js';
import { tortuosity } from '../../src/pores/tortuosity.js';
import { tortuosityOn } from '../../src/pores/tortuosity-backend.js';
import { runPores } from '../../src/pores/measure.js';
import { makeVolume, type Volume } from '../../src/io/volume.js';

const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (existsSync(SWIFTSHADER)) process.env.VK_ICD_FILENAMES ??= SWIFTSHADER;

const availability = await gpuAvailability();

describe(`tortuosity on the gpu = cpu (${availability.description})`, () => {
  beforeEach((ctx) => requireAvailable(ctx, missingAdapter(availability)));

  it('random porous 24×20×16 along z and x: same τ within 1e-7, same residual target, backend named', async () => {
    const shape: [number, number, number] = [24, 20, 16];
    const v = porousPhase(shape, { porosity: 0.3, radius: 2.5, seed: 2 });
    for (const axis of ['z', 'x'] as const) {
      const cpu = tortuosity(v, shape, { tol: 1e-10, axis });
      const gpu = await tortuosityOn('gpu', v, shape, { tol: 1e-10, axis });
      expect(gpu.backend).toMatch(/^gpu: WebGPU/);
      expect(gpu.converged).toBe(true);
      expect(gpu.residual).toBeLessThanOrEqual(1e-10);
      expect(cpu.tortuosity_factor).toBeGreaterThan(1.1);
      expect(Math.abs(gpu.tortuosity_factor / cpu.tortuosity_factor - 1)).toBeLessThan(1e-7);
      let d = 0;
      for (let q = 0; q < cpu.inlet_flux.length; q++) d = Math.max(d, Math.abs(gpu.inlet_flux[q] - cpu.inlet_flux[q]));
      expect(d).toBeLessThan(1e-5);
    }
  });

  it('the pores stage on the gpu (tortuosityBackend): its runs say so and equal the cpu stage within 1e-5', async () => {
    // a symmetric cell whose electrolyte holds overlapping-sphere pores
    const shape: [number, number, number] = [28, 18, 20];
    const [nz, ny, nx] = shape;
    const pores = porousPhase([18, ny, nx], { porosity: 0.25, radius: 2, seed: 4 });
    const data = new Uint8Array(nz * ny * nx);
    for (let z = 0; z < nz; z++) for (let i = 0; i < ny * nx; i++) data[z * ny * nx + i] = z < 5 || z >= 23 ? 1 : pores[(z - 5) * ny * nx + i] ? 2 : 0;
    const vol = makeVolume(data, shape, [1, 1, 1]) as Volume<Uint8Array>;
    const cpu = (await runPores(vol, { threads: 1, tortuosityBackend: 'cpu' })).json;
    const gpu = (await runPores(vol, { threads: 1, tortuosityBackend: 'gpu' })).json;
    const runs = (j: typeof cpu) => j.tortuosity.runs as { phase: string; tortuosity_factor: number | null; backend: string | null }[];
    expect(runs(cpu).map((r) => r.backend?.slice(0, 4))).toEqual(['cpu:', 'cpu:']);
    expect(runs(gpu).map((r) => r.backend?.slice(0, 4))).toEqual(['gpu:', 'gpu:']);
    expect(cpu.tortuosity_factor).toBeGreaterThan(1);
    expect(Math.abs((gpu.tortuosity_factor as number) / (cpu.tortuosity_factor as number) - 1)).toBeLessThan(1e-5);
  });

  it('a non-percolating phase answers without a solve on any backend', async () => {
    const v = new Uint8Array(4 * 4 * 4).fill(1);
    v.fill(0, 16, 32); // layer 1 empty
    const r = await tortuosityOn('gpu', v, [4, 4, 4]);
    expect(r.percolating).toBe(false);
    expect(r.tortuosity_factor).toBe(Infinity);
  });
});

describe('auto backend', () => {
  it('uses the cpu unless a hardware adapter exists, and says why', async () => {
    const v = porousPhase([12, 12, 12], { porosity: 0.3, radius: 2, seed: 1 });
    const warnings: string[] = [];
    const r = await tortuosityOn('auto', v, [12, 12, 12], { tol: 1e-10 }, (m) => warnings.push(m));
    const cpu = tortuosity(v, [12, 12, 12], { tol: 1e-10 });
    expect(Math.abs(r.tortuosity_factor / cpu.tortuosity_factor - 1)).toBeLessThan(1e-7);
    if (availability.hardware) expect(r.backend).toMatch(/^gpu: WebGPU/);
    else {
      expect(r.backend).toMatch(/^cpu: .*; auto: /);
      expect(warnings.length).toBe(1);
    }
  });
});
