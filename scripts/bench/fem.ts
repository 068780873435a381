/**
 * FEM contact benchmark: 200 µm periodic cell, self-affine rough electrolyte, Li creeping under 5 MPa
 * held for 1 h. Prints wall time, steps, unknowns, factorisation vs back-solve times, final contact
 * fraction, then mesh convergence (3 sizes) and time-step convergence (2 step tolerances).
 *   node dist/scripts/bench/fem.js [--nx 256] [--ny 96] [--hold 3600] [--step-tol 1e-3] [--tol 1e-6]
 *        [--solver fixed-k|newton] [--refresh 0] [--quick]
 * 'fixed-k' (default) factorises the elastic Li stiffness once and iterates with back-solves +
 * Anderson mixing (creep strain as eigenstrain load); 'newton' refactorises the consistent tangent.
 */
import { ContactCell } from '../../src/fem/contact.js';
import { solveConduction } from '../../src/fem/conduction.js';
import { LI_DEFAULTS, LPSCL_DEFAULTS, type Material } from '../../src/fem/material.js';
import { selfAffineProfile } from '../../src/fem/profile.js';
import { SparseLdl, pcg } from '../../src/fem/sparse.js';
import { Solid } from '../../src/fem/solid.js';

const arg = (name: string, def: number) => {
  const k = process.argv.indexOf(`--${name}`);
  return k >= 0 ? Number(process.argv[k + 1]) : def;
};
const lambda = 200;
const li: Material = { E: LI_DEFAULTS.E, nu: LI_DEFAULTS.nu, law: 'creep', A: LI_DEFAULTS.A, n: LI_DEFAULTS.n, bbar: true };
const el: Material = { E: LPSCL_DEFAULTS.E, nu: LPSCL_DEFAULTS.nu, law: 'elastic' };

const solverArg = (() => { const k = process.argv.indexOf('--solver'); return k >= 0 ? process.argv[k + 1] as 'fixed-k' | 'newton' : 'fixed-k'; })();
function run(nx: number, ny: number, hold: number, stepTol: number) {
  const h = selfAffineProfile(0.5, 0.8, 2, lambda, lambda, nx, 7);
  const t0 = performance.now();
  const cell = new ContactCell({ lambda, h, li, electrolyte: el, history: [{ t: 0, p: 5 }, { t: hold, p: 5 }], nyLi: ny, nyEl: Math.round((2 * ny) / 3), stepTol, liThickness: 100, elDepth: 100,
    solver: solverArg, tol: arg('tol', 1e-6), anderson: arg('anderson', 10), refreshAfter: arg('refresh', 0), maxIter: 60 });
  const recs = cell.run();
  const wall = (performance.now() - t0) / 1000;
  const last = recs[recs.length - 1];
  const cond = solveConduction({ lambda, h, contact: cell.active, thickness: 100, sigmaMsPerCm: 2 });
  return { cell, recs, wall, last, cond };
}

const nx = arg('nx', 256), ny = arg('ny', 96), hold = arg('hold', 3600);
const main = run(nx, ny, hold, arg('step-tol', 1e-3));
const s = main.cell.stats;
console.log(`# main run: λ = ${lambda} µm, nx = ${nx}, Li rows = ${ny}, 5 MPa held ${hold} s, Li creep (n = 6.6), elastic Li6PS5Cl`);
console.log(`unknowns            ${s.li_unknowns + s.electrolyte_unknowns} (Li ${s.li_unknowns}, electrolyte ${s.electrolyte_unknowns}), interface nodes ${s.interface_nodes}`);
console.log(`wall time           ${main.wall.toFixed(2)} s`);
console.log(`steps               ${s.steps_accepted} accepted, ${s.steps_rejected} rejected, Newton iterations ${s.newton_iterations}, active-set iterations ${s.lcp_iterations}`);
console.log(`factorisations      ${s.factorizations}, last ${s.factor_seconds_last.toFixed(3)} s, total ${s.factor_seconds_total.toFixed(2)} s (nnz L = ${s.nnz_L_li})`);
console.log(`back-solves         ${s.back_solves} (fixed-k iterations), total ${s.solve_seconds_total.toFixed(2)} s, ${(s.back_solves > 0 ? (1000 * s.solve_seconds_total) / s.back_solves : 0).toFixed(1)} ms per condense+expand`);
console.log(`stress updates      total ${s.stress_update_seconds.toFixed(2)} s; contact: ${s.lcp_iterations} active-set iterations, ${s.lcp_factorizations} dense W_AA factorisations; compliance setup ${s.compliance_seconds.toFixed(2)} s`);
console.log(`solver              ${s.solver}, ${(s.newton_iterations / Math.max(1, s.steps_accepted)).toFixed(1)} iterations per step, ${(main.wall / Math.max(1, s.steps_accepted)).toFixed(3)} s per step`);
console.log(`final               contact fraction ${main.last.contact_fraction.toFixed(4)}, void area ${main.last.void_area_um2.toExponential(3)} µm², constriction ${main.cond.constriction_ohm_cm2.toExponential(3)} Ω·cm², max force-balance error ${Math.max(...main.recs.map((r) => r.force_balance_error)).toExponential(2)}`);

// direct vs PCG on the elastic Li stiffness (one solve)
{
  const solid = main.cell.li;
  const K = new Solid(solid.body, [{ ...li, law: 'elastic' }]);
  K.assemble(new Float64Array(2 * solid.body.nNodes), 0, new Float64Array(solid.body.nEq), true);
  // pin the trailing block (interface v + δ) to make the system definite for the comparison
  const b = new Float64Array(solid.body.nEq).fill(1e-3);
  const ldl = new SparseLdl(K.pattern.colPtr, K.pattern.rowIdx, solid.body.nLast);
  const t1 = performance.now();
  ldl.factor(K.values);
  const t2 = performance.now();
  const w = new Float64Array(solid.body.nEq);
  ldl.condense(b, w);
  ldl.expand(w, new Float64Array(solid.body.nLast));
  const t3 = performance.now();
  const n1 = solid.body.nEq - solid.body.nLast;
  // PCG on the same leading block K11
  const colPtr = K.pattern.colPtr.slice(0, n1 + 1);
  const r = pcg({ n: n1, colPtr, rowIdx: K.pattern.rowIdx, values: K.values }, b.subarray(0, n1), 1e-10);
  const t4 = performance.now();
  console.log(`solver comparison   LDLᵀ factor ${((t2 - t1) / 1000).toFixed(3)} s + solve ${((t3 - t2) / 1000).toFixed(4)} s; Jacobi-PCG ${((t4 - t3) / 1000).toFixed(3)} s (${r.iterations} it) per right-hand side on ${n1} unknowns`);
}

if (!process.argv.includes('--quick')) {
  const hist = (r: ReturnType<typeof run>, t: number) => r.recs.reduce((best, x) => (Math.abs(Math.log(x.t / t)) < Math.abs(Math.log(best.t / t)) ? x : best), r.recs[1] ?? r.recs[0]);
  console.log('# mesh convergence (hold 60 s)');
  for (const [mx, my] of [[64, 16], [128, 32], [256, 64]]) {
    const r = run(mx, my, 60, 1e-3);
    const m1 = hist(r, 1e-3);
    console.log(`nx ${mx} rows ${my}: f(t≈${m1.t.toExponential(2)} s) ${m1.contact_fraction.toFixed(4)}, contact fraction ${r.last.contact_fraction.toFixed(4)}, void ${r.last.void_area_um2.toExponential(3)} µm², constriction ${r.cond.constriction_ohm_cm2.toExponential(4)} Ω·cm², wall ${r.wall.toFixed(1)} s`);
  }
  console.log('# time-step convergence (nx 64, rows 16, hold 60 s)');
  for (const tol of [1e-3, 2.5e-4]) {
    const r = run(64, 16, 60, tol);
    const m1 = hist(r, 1e-4), m2 = hist(r, 1e-3);
    const v2 = m2.void_area_um2;
    console.log(`step tol ${tol}: f(t≈${m1.t.toExponential(2)}) ${m1.contact_fraction.toFixed(4)}, f(t≈${m2.t.toExponential(2)}) ${m2.contact_fraction.toFixed(4)} void ${v2.toExponential(4)} µm², contact fraction ${r.last.contact_fraction.toFixed(4)}, void area ${r.last.void_area_um2.toExponential(4)} µm², steps ${r.cell.stats.steps_accepted}, wall ${r.wall.toFixed(1)} s`);
  }
}
