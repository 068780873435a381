/**
 * Benchmark: current constriction under a 256×256 contact map over 64 layers (4.2 M cells) to a
 * 1e-8 relative residual, MG-preconditioned CG on the CPU. Target < 20 s.
 * Run: npx tsc -p tsconfig.json && node dist/scripts/bench/current.js [n] [nz] [cpu|gpu]
 * (gpu: the V-cycle as WGSL kernels on the WebGPU device, CG in float64 on the cpu; SwiftShader is used
 * when no GPU exists — its times show that it runs, not speed).
 */
import { performance } from 'node:perf_hooks';
import { lognormalMap } from '../../src/strip/synthetic.js';
import { existsSync } from 'node:fs';
import { solveConduction } from '../../src/current/solver.js';
import { solveConductionGpu } from '../../src/current/gpu.js';

const n = Number(process.argv[2] ?? 256);
const nz = Number(process.argv[3] ?? 64);
const backend = process.argv[4] ?? 'cpu';
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (backend === 'gpu' && existsSync(SWIFTSHADER)) process.env.VK_ICD_FILENAMES ??= SWIFTSHADER;
// contact map: Li islands left after stripping a correlated lognormal map to about half coverage
const t = lognormalMap(n, n, { median: 20, sigmaLog: 0.32, corrPx: n / 12, seed: 5, modes: 64 });
const sorted = Float32Array.from(t).sort();
const thr = sorted[Math.floor(sorted.length / 2)];
const contact = new Uint8Array(n * n);
for (let i = 0; i < n * n; i++) contact[i] = t[i] > thr ? 1 : 0;
const cpu0 = process.cpuUsage();
const a = performance.now();
const problem = { nx: n, ny: n, nz, dx: 1, dy: 1, dz: 1, contact, sides: 'periodic' as const };
const s = backend === 'gpu' ? await solveConductionGpu(problem, { tol: 1e-8 }) : solveConduction(problem, { tol: 1e-8 });
const wall = (performance.now() - a) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuS = (cpu.user + cpu.system) / 1e6;
const h = s.stats.residual_history;
const rate = Math.pow(h[h.length - 1] / h[0], 1 / Math.max(1, h.length - 1));
console.log(`backend ${backend === 'gpu' ? (s as { description?: string }).description : 'cpu: float64, single thread'}`);
console.log(`grid ${n}×${n}×${nz} (${((n * n * nz) / 1e6).toFixed(2)} M cells), contact fraction 0.50, periodic sides`);
console.log(`levels ${s.stats.levels}: ${s.stats.level_shapes.map((x) => x.join('×')).join(' → ')}`);
console.log(`time ${wall.toFixed(2)} s (setup ${s.stats.setup_s.toFixed(2)} s, CG ${s.stats.solve_s.toFixed(2)} s); target < 20 s; process CPU ${cpuS.toFixed(2)} s (single-threaded: CPU ≈ wall on an idle machine; CPU < wall means the machine is shared)`);
console.log(`iterations ${s.stats.iterations}, final relative residual ${s.stats.relative_residual.toExponential(2)}, mean reduction per iteration ${rate.toFixed(3)}`);
console.log(`residual history: ${h.filter((_, i) => i % 2 === 0 || i === h.length - 1).map((r) => r.toExponential(1)).join(' ')}`);
if (backend === 'gpu') process.exitCode = 0;
console.log(`area-specific resistance ${s.resistanceUm.toFixed(4)} µm/σ (slab ${nz} µm/σ, constriction ${(s.resistanceUm - nz).toFixed(4)} µm/σ)`);
