/**
 * 3D contact benchmark (issue #24 point 6): a self-affine electrolyte surface (rms 2 µm, Hurst 0.8,
 * wavelengths 0.5–100 µm on a 100 µm cell), creeping Li (calibrated Norton law, li-material.ts) on
 * elastic Li6PS5Cl, pressure ramp 0 → 5 MPa over 60 s, then a hold. Prints wall and CPU time (this
 * process), steps, solves, iterations, unconverged solves, peak RSS and the load average; with
 * --trace one line per creep step (time, step, iterations, residual, working set, verdict).
 *   npm run build && node dist/scripts/bench/contact3d.js [--n 512] [--hold 18000] [--ramp 60]
 *     [--pressure 5] [--size 100] [--rms 2] [--lmin 0.5] [--A A --nexp n] [--step-tol 0.05] [--max-iter 300] [--trace]
 * The target: 512², ramp and 5 h hold in ≤ 60 s on 2 cores.
 */
import { loadavg } from 'node:os';
import { simulateContact } from '../../src/contact3d/simulate.js';
import { selfAffineSurface } from '../../src/contact3d/surface.js';
import { LI_DEFAULTS, LPSCL_DEFAULTS } from '../../src/fem/material.js';

const arg = (name: string, def: number): number => {
  const k = process.argv.indexOf(`--${name}`);
  return k >= 0 ? Number(process.argv[k + 1]) : def;
};
const trace = process.argv.includes('--trace');
const n = arg('n', 512), hold = arg('hold', 18000), ramp = arg('ramp', 60), pressure = arg('pressure', 5);
const stepTol = arg('step-tol', 0.05), maxIter = arg('max-iter', 300);
const L = arg('size', 100), rms = arg('rms', 2);
// --A/--nexp replace the calibrated Norton law, e.g. the earlier tension-anchored A = 6.85e-3, n = 6.6 (1e7× faster creep)
const A = arg('A', LI_DEFAULTS.A), nExp = arg('nexp', LI_DEFAULTS.n);
// the shortest wavelength 0.5 µm at 512² (2.56 pixels); coarser grids keep 2.56 pixels per λmin
const lmin = arg('lmin', Math.max(0.5, (2.56 * L) / n));
const load = () => loadavg().map((v) => v.toFixed(2)).join(' ');

console.log(`# load average before: ${load()}`);
const h = selfAffineSurface({ rms, hurst: 0.8, lminUm: lmin, lmaxUm: L, seed: 1 }, L, n);
const history = [{ t: 0, p: 0 }, { t: ramp, p: pressure }, { t: ramp + hold, p: pressure }];
const c0 = process.cpuUsage();
const t0 = performance.now();
let steps = 0;
const res = simulateContact({
  h, ny: n, nx: n, dy: L / n, dx: L / n,
  li: { E: LI_DEFAULTS.E, nu: LI_DEFAULTS.nu, law: 'creep', A, n: nExp, yieldMpa: 0, constraint: 3 },
  electrolyte: { E: LPSCL_DEFAULTS.E, nu: LPSCL_DEFAULTS.nu },
  history, stepTol, maxCreepIter: maxIter,
  onStep: (s) => {
    steps++;
    if (trace) {
      console.log(`step ${steps} t ${s.t.toExponential(3)} dt ${s.dt.toExponential(2)} its ${s.iterations} res ${s.residual.toExponential(2)} work ${s.working} f ${s.contact_fraction.toFixed(4)} ${s.accepted ? 'ok' : 'rejected'}${s.converged ? '' : ' UNCONVERGED'} wall ${((performance.now() - t0) / 1000).toFixed(1)}`);
    }
  },
});
const wall = (performance.now() - t0) / 1000;
const cu = process.cpuUsage(c0);
const cpu = (cu.user + cu.system) / 1e6;
const s = res.stats;
const recs = res.records;
console.log(`# ${n}² pixels on ${L} µm, rms ${rms} µm, Hurst 0.8, λ ${lmin.toFixed(3)}–${L} µm; Norton A ${A.toPrecision(3)}, n ${nExp.toPrecision(3)}; ramp 0 → ${pressure} MPa over ${ramp} s, hold ${hold} s; step tol ${stepTol}`);
console.log(`wall_s ${wall.toFixed(2)} cpu_s ${cpu.toFixed(2)} (one thread) steps_accepted ${s.steps_accepted} steps_rejected ${s.steps_rejected} solves ${s.solves} iterations ${s.iterations} unconverged ${s.unconverged} worst_residual ${s.worst_residual.toExponential(2)}`);
console.log(`peak_rss_mb ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} load after ${load()}`);
for (const tq of [ramp / 2, ramp, ramp + 60, ramp + 600, ramp + 3600, ramp + hold]) {
  const k = recs.findLastIndex((r) => r.t <= tq * (1 + 1e-9));
  if (k >= 0) console.log(`t ${recs[k].t.toFixed(1)} s: p ${recs[k].pressure.toFixed(3)} MPa, contact fraction ${recs[k].contact_fraction.toFixed(4)}, spots ${recs[k].spots}`);
}
