/**
 * gpu twin of the conduction multigrid (kernels/conduction.wgsl.ts, src/current/gpu-conduction.ts)
 * against the cpu solver. Runs on whatever adapter Dawn finds; on machines without a GPU,
 * SwiftShader when installed; skipped with the reason (failed under CI=true) when there is no adapter.
 */
import { existsSync } from 'node:fs';
import { beforeEach, describe, expect, it } from 'vitest';
import { missingAdapter, requireAvailable } from '../helpers.js';
import { gpuAvailability } from '../../src/compute/index.js';
import { GpuConduction } from '../../src/current/gpu-conduction.js';
import { buildFineLevel, Multigrid, solveConduction } from '../../src/current/solver.js';
import { applyRange } from '../../src/current/stencil.js';
import { runCurrent } from '../../src/current/index.js';
import { runCurrentOn, solveConductionGpu } from '../../src/current/gpu.js';

const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (existsSync(SWIFTSHADER)) process.env.VK_ICD_FILENAMES ??= SWIFTSHADER;

const availability = await gpuAvailability();
const noGpu = missingAdapter(availability);

function islandMap(nx: number, ny: number): Uint8Array {
  const c = new Uint8Array(nx * ny);
  for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) c[y * nx + x] = (x - 10) ** 2 + (y - 9) ** 2 < 40 || x < 3 ? 1 : 0;
  return c;
}

describe(`conduction on the gpu = cpu (${availability.description})`, () => {
  beforeEach((ctx) => requireAvailable(ctx, noGpu));
  const nx = 24;
  const ny = 20;
  const nz = 16;
  const problem = { nx, ny, nz, dx: 1, dy: 1.2, dz: 0.9, contact: islandMap(nx, ny), sides: 'periodic' as const };

  it('stencil apply and one V-cycle: gpu (float32) = cpu (float64) within 1e-5 relative', async () => {
    const L = buildFineLevel(problem);
    const mg = new Multigrid(L, 0);
    const gpu = await GpuConduction.create(mg);
    try {
      const n = nx * ny * nz;
      const u = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) + 0.5 * Math.cos(i * 1.3));
      const cpuOut = new Float64Array(n);
      const gpuOut = new Float64Array(n);
      applyRange(L, u, cpuOut, 0, nz);
      await gpu.apply(u, gpuOut);
      const rel = (a: Float64Array, b: Float64Array) => {
        let d = 0;
        let s = 0;
        for (let i = 0; i < a.length; i++) ((d = Math.max(d, Math.abs(a[i] - b[i]))), (s = Math.max(s, Math.abs(a[i]))));
        return d / s;
      };
      expect(rel(cpuOut, gpuOut)).toBeLessThan(1e-5);
      const zc = new Float64Array(n);
      const zg = new Float64Array(n);
      mg.precondition(u, zc);
      await gpu.precondition(u, zg);
      expect(rel(zc, zg)).toBeLessThan(1e-5);
    } finally {
      gpu.dispose();
    }
  });

  it('solve: same resistance within 1e-5 relative and same potential within 1e-5 of its range', async () => {
    const c = solveConduction(problem, { tol: 1e-10 });
    const g = await solveConductionGpu(problem, { tol: 1e-10 });
    expect(g.stats.relative_residual).toBeLessThan(1e-10);
    expect(Math.abs(g.resistanceUm / c.resistanceUm - 1)).toBeLessThan(1e-5);
    let d = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < c.phi.length; i++) {
      d = Math.max(d, Math.abs(c.phi[i] - g.phi[i]));
      lo = Math.min(lo, c.phi[i]);
      hi = Math.max(hi, c.phi[i]);
    }
    expect(d / (hi - lo)).toBeLessThan(1e-5);
  });

  it('runCurrentOn gpu: same production summary as cpu, backend recorded', async () => {
    const o = { thicknessUm: 16, layers: 16, sigmaMsPerCm: 2, tol: 1e-10 };
    const c = runCurrent(problem.contact, ny, nx, 1, 1, o).summary;
    const g = (await runCurrentOn('gpu', problem.contact, ny, nx, 1, 1, o)).summary;
    expect(g.backend).toMatch(/^gpu: WebGPU/);
    expect(c.backend).toMatch(/^cpu: /);
    expect(Math.abs(g.resistance_ohm_cm2 / c.resistance_ohm_cm2 - 1)).toBeLessThan(1e-5);
    expect(Math.abs(g.hotspots.p99 / c.hotspots.p99 - 1)).toBeLessThan(1e-5);
  });
});
