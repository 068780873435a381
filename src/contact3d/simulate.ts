/**
 * Li pressed onto a rough electrolyte surface through a pressure history: the boundary-element
 * contact (polonsky-keer.ts) on the periodic half-space (kernel.ts), with the Li elastic, elastic–
 * perfectly plastic (hardness cap H = c·σy, σy an input so that a size-dependent yield can be given)
 * or creeping (creep.ts, backward Euler in time).
 *
 * Elastic and plastic Li are solved at each history pressure (and `rampSteps` pressures between
 * two points that differ): loading only, so the plastic solution is the monotone one. Creeping Li is
 * stepped in time from the instantaneous elastic response at the first positive pressure: each step
 * solves the contact with the end pressure and the creep sink, a step is accepted when it changes
 * the contact fraction by at most `stepTol` (default 0.1, as the 2D FEM's), else shortened; the next step grows by up to
 * 2×. In a fixed-gap or spring cell (cell.ts) the pressure after the history's last change is the
 * fixture's: a step also changes it by at most 1 % and the foil by at most 2 % of its thickness.
 * The accumulated sink w is the Li's permanent
 * flattening; the contact geometry of a step is h − w.
 * Cost: per pressure or step, one contact solve (2 FFT pairs per iteration) and one cluster pass.
 */
import { pressureAt, type HistoryPoint } from '../fem/index.js';
import { contactClusters } from './clusters.js';
import { foilStep, type CellLoading, type FoilState } from './cell.js';
import { sinkTerm, type NortonLaw } from './creep.js';
import { compositeModulus, HalfSpace, type ElasticBody } from './kernel.js';
import { solveContact } from './polonsky-keer.js';

/** The Li model of the boundary-element solver (a small typed object, independent of the FEM's). */
export interface LiBem {
  E: number;
  nu: number;
  law: 'elastic' | 'plastic' | 'creep';
  /** Yield stress σy (MPa): the plastic law's H = c·σy; the creep law's threshold σ0 (default 0). */
  yieldMpa?: number;
  /** Constraint factor c = hardness / flow stress (default 3, Tabor). */
  constraint?: number;
  /** Norton prefactor (MPa⁻ⁿ s⁻¹, Arrhenius already applied) and exponent (creep law). */
  A?: number;
  n?: number;
}

export interface SimulateOptions {
  /** Electrolyte surface heights (µm) [ny, nx], x fastest; periodic. */
  h: Float64Array;
  ny: number;
  nx: number;
  dy: number;
  dx: number;
  li: LiBem;
  /** null = rigid electrolyte. */
  electrolyte: ElasticBody | null;
  history: HistoryPoint[];
  /** Relative tolerance of each contact solve (default 1e-8). */
  tol?: number;
  /** Creep step control: the largest change of the contact fraction per step (default 0.1, as the 2D FEM's). */
  stepTol?: number;
  /** First creep step (s); default the Maxwell time 1/(E*·A·σⁿ⁻¹) at the spots' mean pressure / c. */
  dt0?: number;
  /** Pressures solved between two history points of different pressure (elastic/plastic; default 8). */
  rampSteps?: number;
  maxSteps?: number;
  /** Iteration cap of one creep step's contact solve (default 300). */
  maxCreepIter?: number;
  onRecord?: (rec: BemRecord) => void;
  /**
   * The cell's loading (cell.ts; default constant pressure: the history is the stack pressure). In a
   * 'gap' or 'spring' cell the history loads the cell up to its last change of pressure; from then the
   * fixture is locked and the pressure follows dp/dt = −k·(dL/dt + dG/dt), L the foil thickness
   * (creeping from `foilUm`), G the mean gap. Needs creeping Li.
   */
  cell?: CellLoading;
  /** Li foil thickness (µm) when the fixture locks (default 100). */
  foilUm?: number;
  /**
   * Growth of the Li foil after the fixture locks (µm/s; default 0): Li plated by a charging current,
   * 4.85 µm per mAh/cm² (e.g. 1 mA/cm² = 4.85/3600 µm/s), net of whatever the other electrode loses.
   * A locked cell's pressure rises with it by the fixture's stiffness, less the foil's creep.
   */
  growthUmPerS?: number;
  /** Called after every creep step's solve, accepted or not (diagnostics: benches, tests). */
  onStep?: (s: CreepStepInfo) => void;
}

/** One creep step as tried: its time, length, solve and verdict. */
export interface CreepStepInfo {
  t: number;
  dt: number;
  accepted: boolean;
  iterations: number;
  residual: number;
  converged: boolean;
  /** Free contact pixels of the solve's last iteration. */
  working: number;
  contact_fraction: number;
}

export interface BemRecord {
  t: number;
  pressure: number;
  contact_fraction: number;
  mean_contact_pressure: number;
  max_contact_pressure: number;
  /** Void volume per area: the mean gap (µm). */
  mean_gap_um: number;
  spots: number;
  /** Spread of the accumulated creep sink, max − min over the cell (µm): the Li's flattening. */
  max_sink_um: number;
  iterations: number;
  /** Li foil thickness (µm) in a locked gap or spring cell; absent under constant pressure. */
  foil_um?: number;
}

export interface SimulateResult {
  records: BemRecord[];
  eStar: number;
  hardness: number | null;
  /** Final pressure (MPa), gap (µm) and creep sink (µm) per pixel; contact = p > 0. */
  p: Float64Array;
  gap: Float64Array;
  sink: Float64Array;
  /**
   * unconverged: solves whose result was kept although they stopped at their iteration cap
   * (worst_residual, over the kept solves, says how far); aborted: creep solves given up early because the step's contact
   * grew beyond twice its tolerance (the step is then shortened; their work is in iterations).
   */
  stats: { solves: number; iterations: number; steps_accepted: number; steps_rejected: number; worst_residual: number; unconverged: number; aborted: number };
}

export function simulateContact(o: SimulateOptions): SimulateResult {
  const { ny, nx, dy, dx, li } = o;
  const N = ny * nx;
  if (o.h.length !== N) throw new Error(`height map has ${o.h.length} values, expected ${ny}×${nx}`);
  if (o.history.length === 0) throw new Error('empty pressure history');
  const eStar = compositeModulus({ E: li.E, nu: li.nu }, o.electrolyte);
  const hs = new HalfSpace(ny, nx, dy, dx, eStar);
  const c = li.constraint ?? 3;
  const hardness = li.law === 'plastic' ? c * (li.yieldMpa ?? NaN) : Infinity;
  const cell: CellLoading = o.cell ?? { kind: 'pressure' };
  const foilUm = o.foilUm ?? 100;
  if (cell.kind !== 'pressure') {
    if (li.law !== 'creep') throw new Error(`a ${cell.kind} cell needs creeping Li (its pressure follows the foil's creep)`);
    if (!(cell.stiffnessMpaPerUm > 0)) throw new Error(`the ${cell.kind} cell's stiffness must be positive (MPa/µm)`);
    if (!(foilUm > 0)) throw new Error('the foil thickness must be positive (µm)');
  }
  const growth = o.growthUmPerS ?? 0;
  if (!(growth >= 0 && Number.isFinite(growth))) throw new Error('the foil growth rate must be ≥ 0 (µm/s)');
  if (growth > 0 && cell.kind === 'pressure') throw new Error('foil growth acts on a locked cell only (gap or spring): at constant pressure the fixture follows it');
  if (li.law === 'plastic' && !(hardness > 0)) throw new Error('plastic Li needs a positive yield stress');
  const tol = o.tol ?? 1e-8;
  // a creep step's error is set by the step size (stepTol), not by the last digits of its solve
  const creepTol = Math.max(tol, 1e-6);
  const stepTol = o.stepTol ?? 0.1;
  const p = new Float64Array(N), gap = new Float64Array(N), w = new Float64Array(N), hEff = Float64Array.from(o.h);
  let hRange = 0;
  { let lo = Infinity, hi = -Infinity; for (let i = 0; i < N; i++) { lo = Math.min(lo, o.h[i]); hi = Math.max(hi, o.h[i]); } hRange = hi - lo; }
  const stats = { solves: 0, iterations: 0, steps_accepted: 0, steps_rejected: 0, worst_residual: 0, unconverged: 0, aborted: 0 };
  const maxCreepIter = o.maxCreepIter ?? 300;
  const records: BemRecord[] = [];

  let lastConverged = true, lastAborted = false, cuts = 0, lastResidual = 0, lastWorking = 0;
  const solve = (pbar: number, sink: ReturnType<typeof sinkTerm> | null, abortContact?: { min: number; max: number }): number => {
    // the tolerance stays relative to the surface's own height range: creep flattens hEff, and a
    // tolerance relative to its shrinking range asks ever more of the solve (stalls near full contact)
    const r = solveContact(hs, hEff, p, { meanPressure: pbar, hardness, sink, tol: sink ? creepTol : tol, scale: hRange, maxIter: sink ? maxCreepIter : undefined, abortContact }, gap);
    stats.solves++; stats.iterations += r.iterations;
    lastConverged = r.converged; lastAborted = r.aborted; lastResidual = r.residual; lastWorking = r.working;
    if (r.aborted) stats.aborted++;
    return r.iterations;
  };
  let lastFoil: number | null = null;
  const record = (t: number, pbar: number, iterations: number): BemRecord => {
    let nc = 0, sp = 0, pmax = 0, gsum = 0, wmax = 0, wmin = Infinity;
    for (let i = 0; i < N; i++) {
      if (p[i] > 0) { nc++; sp += p[i]; if (p[i] > pmax) pmax = p[i]; }
      else gsum += gap[i];
      if (w[i] > wmax) wmax = w[i];
      if (w[i] < wmin) wmin = w[i];
    }
    const rec: BemRecord = {
      t, pressure: pbar, contact_fraction: nc / N, mean_contact_pressure: nc > 0 ? sp / nc : 0, max_contact_pressure: pmax,
      mean_gap_um: gsum / N, spots: contactClusters(p, ny, nx, dy, dx).count, max_sink_um: wmax - wmin, iterations,
    };
    if (lastFoil !== null) rec.foil_um = lastFoil;
    records.push(rec);
    o.onRecord?.(rec);
    return rec;
  };

  const hist = o.history;
  const t0 = hist[0].t, tEnd = hist[hist.length - 1].t;
  if (li.law !== 'creep') {
    const rampSteps = o.rampSteps ?? 8;
    const points: HistoryPoint[] = [];
    for (let k = 0; k < hist.length; k++) {
      if (k > 0 && hist[k].p !== hist[k - 1].p) {
        for (let j = 1; j < rampSteps; j++) {
          const f = j / rampSteps;
          points.push({ t: hist[k - 1].t + f * (hist[k].t - hist[k - 1].t), p: hist[k - 1].p + f * (hist[k].p - hist[k - 1].p) });
        }
      }
      points.push(hist[k]);
    }
    for (const pt of points) {
      if (!(pt.p > 0)) continue;
      const prev = records[records.length - 1];
      if (prev && prev.pressure === pt.p) {
        // a hold: time does not act on elastic or plastic Li
        const rec = { ...prev, t: pt.t, iterations: 0 };
        records.push(rec);
        o.onRecord?.(rec);
        continue;
      }
      const its = solve(pt.p, null);
      if (!lastConverged) stats.unconverged++;
      stats.worst_residual = Math.max(stats.worst_residual, lastResidual);
      record(pt.t, pt.p, its);
    }
    return { records, eStar, hardness: Number.isFinite(hardness) ? hardness : null, p, gap, sink: w, stats };
  }

  const law: NortonLaw = { A: li.A ?? NaN, n: li.n ?? NaN, threshold: li.yieldMpa ?? 0 };
  if (!(law.A > 0) || !(law.n >= 1)) throw new Error('creeping Li needs A > 0 and n ≥ 1');
  // a locked cell: from the end of the history's last pressure change, the fixture holds the stack height
  const k = cell.kind === 'pressure' ? 0 : cell.stiffnessMpaPerUm;
  let tLock = Infinity;
  if (cell.kind !== 'pressure') {
    tLock = hist[0].t;
    for (let j = 1; j < hist.length; j++) if (hist[j].p !== hist[j - 1].p) tLock = hist[j].t;
  }
  let lock: { p: number; L: number; G: number } | null = null;
  let foil: FoilState = { L: foilUm, p: 0 };
  // the instantaneous elastic response at the first positive pressure
  let t = t0;
  if (!(pressureAt(hist, t) > 0)) {
    const next = hist.find((h) => h.p > 0);
    if (!next) throw new Error('the pressure history never rises above 0');
    t = t0 + 1e-6 * Math.max(next.t - t0, 1e-6);
  }
  const itFirst = solve(pressureAt(hist, t), null);
  if (!lastConverged) stats.unconverged++;
  stats.worst_residual = Math.max(stats.worst_residual, lastResidual);
  let last = record(t, pressureAt(hist, t), itFirst);
  // backward Euler is stable at any step: start at the Maxwell time of the spots and let the contact-fraction control shorten it
  let dt = o.dt0 ?? 1 / (eStar * law.A * Math.pow(Math.max(last.mean_contact_pressure / c - law.threshold, 1e-6), law.n - 1));
  const maxSteps = o.maxSteps ?? 5000;
  const breaks = hist.map((h) => h.t).filter((x) => x > t);
  const pSave = new Float64Array(N);
  while (t < tEnd * (1 - 1e-12) && stats.steps_accepted + stats.steps_rejected < maxSteps) {
    const nextBreak = breaks.find((b) => b > t * (1 + 1e-12)) ?? tEnd;
    const h = Math.min(dt, nextBreak - t);
    if (!lock && t >= tLock * (1 - 1e-12)) {
      lock = { p: last.pressure, L: foilUm, G: last.mean_gap_um };
      foil = { L: foilUm, p: last.pressure };
    }
    // locked: the foil's backward-Euler step at the end pressure, the void closure lagged one step
    const trial = lock ? foilStep(foil, h, lock, k, lock.G - last.mean_gap_um, law.A, law.n, growth * h) : null;
    const pbar = trial ? trial.p : pressureAt(hist, t + h);
    if (!(pbar > 0)) throw new Error(`the ${cell.kind} cell lost its stack pressure at t = ${t} s`);
    pSave.set(p);
    const clusters = contactClusters(p, ny, nx, dy, dx);
    const sink = sinkTerm(clusters, ny, nx, dy, dx, law, c, h);
    // a solve whose contact moves by more than twice the step tolerance is given up early: the step is cut anyway
    const its = solve(pbar, sink, { min: Math.floor((last.contact_fraction - 2 * stepTol) * N), max: Math.ceil((last.contact_fraction + 2 * stepTol) * N) });
    // accuracy: the change of the contact fraction per step (backward Euler is stable at any step)
    let nc = 0;
    for (let i = 0; i < N; i++) if (p[i] > 0) nc++;
    // a locked cell's pressure may change by at most 1 % per step, its foil by 2 % of its locked thickness
    const ratio = Math.max(
      Math.abs(nc / N - last.contact_fraction) / stepTol,
      trial ? Math.abs(pbar - last.pressure) / (0.01 * last.pressure) : 0,
      trial && lock ? Math.abs(foil.L - trial.L) / (0.02 * lock.L) : 0,
    );
    // an unconverged creep solve is not trusted (its pressures drive the sink): the step is cut, up to
    // 3 times (a solve that stalls at the creep threshold is then accepted and counted)
    const distrust = !lastConverged && !lastAborted && cuts < 3;
    const reject = (ratio > 1 || distrust) && h > 1e-9 * Math.max(1, tEnd);
    o.onStep?.({ t, dt: h, accepted: !reject, iterations: its, residual: lastResidual, converged: lastConverged, working: lastWorking, contact_fraction: nc / N });
    if (reject) {
      if (distrust) cuts++;
      stats.steps_rejected++;
      if (lastAborted) { p.set(pSave); dt = h / 4; continue; }
      p.set(pSave);
      dt = distrust ? h / 4 : h * Math.max(0.1, 0.8 / ratio);
      continue;
    }
    if (!lastConverged) stats.unconverged++;
    stats.worst_residual = Math.max(stats.worst_residual, lastResidual);
    for (let i = 0; i < N; i++) {
      if (p[i] > 0) {
        const x = p[i] / c - law.threshold;
        if (x > 0) { const dw = sink.b[i] * Math.pow(x, law.n); w[i] += dw; hEff[i] -= dw; }
      }
    }
    // the gap was computed with the sink included: with hEff updated it stays the same
    t += h;
    cuts = 0;
    stats.steps_accepted++;
    if (trial) { foil = trial; lastFoil = trial.L; }
    last = record(t, pbar, its);
    dt = h * Math.min(2, ratio > 0 ? 0.8 / ratio : 2);
  }
  return { records, eStar, hardness: null, p, gap, sink: w, stats };
}
