/**
 * Benchmark (issue #19 point 4): tortuosity factor of a 256³ electrolyte volume, target ≤ 30 s on
 * 2 cores. Ours: src/pores/tortuosity.ts (the conduction solver's multigrid-preconditioned CG,
 * float64, one thread). Peer, measured in the same run on the same volume: the SciPy finite-volume
 * solve of scripts/fixtures/tortuosity_reference.py (Jacobi-preconditioned scipy.sparse CG; a direct
 * spsolve does not fit 10⁶ 3-D unknowns), at 128³ by default (≈ 40 s there; 256³ takes > 10 min:
 * pass --peer-256 to run it anyway).
 * Volumes: overlapping-sphere pores (porosity 0.3, radius 4 voxels, ε ≈ 0.70) in a dense electrolyte,
 * and, when ../shared/data is present, the pore phase (code 0) of TauFactor's 256³ NMC electrode.
 *
 * Run: npx tsc -p tsconfig.json && node dist/scripts/bench/tortuosity.js [--tol 1e-6] [--peer-256] [--no-peer]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadVolume } from '../../src/io/open.js';
import { porousPhase } from '../../src/pores/synthetic.js';
import { tortuosity, type TortuosityResult } from '../../src/pores/tortuosity.js';

const args = process.argv.slice(2);
const tolArg = args.indexOf('--tol');
const tol = tolArg >= 0 ? Number(args[tolArg + 1]) : 1e-6;
const peer = !args.includes('--no-peer');
const peer256 = args.includes('--peer-256');
const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');
const SCRIPT = path.join(ROOT, 'scripts', 'fixtures', 'tortuosity_reference.py');
const ELECTRODE = path.resolve(ROOT, '..', 'shared', 'data', 'taufactor', 'electrode.tiff');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'tortuosity-bench-'));

const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' ');
const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

function ours(name: string, v: Uint8Array, shape: [number, number, number]): TortuosityResult {
  const rss0 = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = tortuosity(v, shape, { tol });
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(cpu0);
  const cpu = (c.user + c.system) / 1e6;
  console.log(
    `ours  ${name} ${shape.join('×')}: τ ${r.tortuosity_factor.toFixed(6)} (ε ${r.volume_fraction.toFixed(4)}, D_eff/D0 ${r.effective_conductivity_ratio.toFixed(6)}), ` +
      `${r.iterations} CG iterations to ${r.residual.toExponential(1)} (tol ${tol}), flux imbalance ${r.flux_imbalance.toExponential(1)}; ` +
      `wall ${wall.toFixed(1)} s (setup ${(r.timings_ms.setup / 1000).toFixed(1)} s, solve ${(r.timings_ms.solve / 1000).toFixed(1)} s), process CPU ${cpu.toFixed(1)} s, ` +
      `peak RSS of this process so far ${mb(process.resourceUsage().maxRSS)} (before the solve ${(rss0 / 2 ** 20).toFixed(0)} MB); load ${load()}`,
  );
  return r;
}

function scipy(name: string, v: Uint8Array, shape: [number, number, number], mine: TortuosityResult): void {
  const file = path.join(tmp, 'phase.u8');
  writeFileSync(file, v);
  const t0 = performance.now();
  const out = execFileSync('/usr/bin/python3', [SCRIPT, file, ...shape.map(String), '--solver', 'cg', '--tol', String(tol)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const wall = (performance.now() - t0) / 1000;
  const p = JSON.parse(out) as { tau: number; iterations: number; residual: number; assemble_s: number; solve_s: number; peak_rss_mb: number };
  console.log(
    `scipy ${name} ${shape.join('×')}: τ ${p.tau.toFixed(6)} (ours/scipy − 1 = ${(mine.tortuosity_factor / p.tau - 1).toExponential(2)}), ` +
      `${p.iterations} Jacobi-CG iterations to ${p.residual.toExponential(1)}; wall ${wall.toFixed(1)} s (assembly ${p.assemble_s.toFixed(1)} s, solve ${p.solve_s.toFixed(1)} s), ` +
      `peak RSS ${p.peak_rss_mb.toFixed(0)} MB; load ${load()}`,
  );
}

function crop(v: Uint8Array, n: number, m: number): Uint8Array {
  const out = new Uint8Array(m * m * m);
  for (let z = 0; z < m; z++) for (let y = 0; y < m; y++) out.set(v.subarray((z * n + y) * n, (z * n + y) * n + m), (z * m + y) * m);
  return out;
}

console.log(`node ${process.version}, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; load at start ${load()}`);
const spheres = porousPhase([256, 256, 256], { porosity: 0.3, radius: 4, seed: 1 });
const r256 = ours('spheres', spheres, [256, 256, 256]);
const small = crop(spheres, 256, 128);
const r128 = ours('spheres (crop)', small, [128, 128, 128]);
if (peer) {
  scipy('spheres (crop)', small, [128, 128, 128], r128);
  if (peer256) scipy('spheres', spheres, [256, 256, 256], r256);
}
if (existsSync(ELECTRODE)) {
  const vol = await loadVolume(ELECTRODE);
  const pores = Uint8Array.from(vol.data as ArrayLike<number>, (c) => (c === 0 ? 1 : 0));
  const shape = vol.shape as [number, number, number];
  ours('TauFactor electrode pores (code 0)', pores, shape);
} else console.log(`(${ELECTRODE} absent: the real-volume line is skipped)`);
rmSync(tmp, { recursive: true, force: true });
