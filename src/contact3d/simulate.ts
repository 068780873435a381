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
 * 2×. The accumulated sink w is the Li's permanent
 * flattening; the contact geometry of a step is h − w.
 * Cost: per pressure or step, one contact solve (2 FFT pairs per iteration) and one cluster pass.
 */
import { pressureAt, type HistoryPoint } from '../fem/index.js';
import { contactClusters } from './clusters.js';
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
}

export interface SimulateResult {
  records: BemRecord[];
  eStar: number;
  hardness: number | null;
  /** Final pressure (MPa), gap (µm) and creep sink (µm) per pixel; contact = p > 0. */
  p: Float64Array;
  gap: Float64Array;
  sink: Float64Array;
  /** unconverged: creep steps stopped at maxCreepIter iterations (worst_residual says how far). */
  stats: { solves: number; iterations: number; steps_accepted: number; steps_rejected: number; worst_residual: number; unconverged: number };
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
  if (li.law === 'plastic' && !(hardness > 0)) throw new Error('plastic Li needs a positive yield stress');
  const tol = o.tol ?? 1e-8;
  // a creep step's error is set by the step size (stepTol), not by the last digits of its solve
  const creepTol = Math.max(tol, 1e-6);
  const stepTol = o.stepTol ?? 0.1;
  const p = new Float64Array(N), gap = new Float64Array(N), w = new Float64Array(N), hEff = Float64Array.from(o.h);
  const stats = { solves: 0, iterations: 0, steps_accepted: 0, steps_rejected: 0, worst_residual: 0, unconverged: 0 };
  const maxCreepIter = o.maxCreepIter ?? 300;
  const records: BemRecord[] = [];

  let lastConverged = true, cuts = 0;
  const solve = (pbar: number, sink: ReturnType<typeof sinkTerm> | null): number => {
    // a creep step that stalls (pixels at the creep threshold) is accepted after maxCreepIter and counted
    const r = solveContact(hs, hEff, p, { meanPressure: pbar, hardness, sink, tol: sink ? creepTol : tol, maxIter: sink ? maxCreepIter : undefined }, gap);
    stats.solves++; stats.iterations += r.iterations;
    lastConverged = r.converged;
    if (!r.converged) stats.unconverged++;
    stats.worst_residual = Math.max(stats.worst_residual, r.residual);
    return r.iterations;
  };
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
      record(pt.t, pt.p, solve(pt.p, null));
    }
    return { records, eStar, hardness: Number.isFinite(hardness) ? hardness : null, p, gap, sink: w, stats };
  }

  const law: NortonLaw = { A: li.A ?? NaN, n: li.n ?? NaN, threshold: li.yieldMpa ?? 0 };
  if (!(law.A > 0) || !(law.n >= 1)) throw new Error('creeping Li needs A > 0 and n ≥ 1');
  // the instantaneous elastic response at the first positive pressure
  let t = t0;
  if (!(pressureAt(hist, t) > 0)) {
    const next = hist.find((h) => h.p > 0);
    if (!next) throw new Error('the pressure history never rises above 0');
    t = t0 + 1e-6 * Math.max(next.t - t0, 1e-6);
  }
  const itFirst = solve(pressureAt(hist, t), null);
  let last = record(t, pressureAt(hist, t), itFirst);
  // backward Euler is stable at any step: start at the Maxwell time of the spots and let the contact-fraction control shorten it
  let dt = o.dt0 ?? 1 / (eStar * law.A * Math.pow(Math.max(last.mean_contact_pressure / c - law.threshold, 1e-6), law.n - 1));
  const maxSteps = o.maxSteps ?? 5000;
  const breaks = hist.map((h) => h.t).filter((x) => x > t);
  const pSave = new Float64Array(N);
  while (t < tEnd * (1 - 1e-12) && stats.steps_accepted + stats.steps_rejected < maxSteps) {
    const nextBreak = breaks.find((b) => b > t * (1 + 1e-12)) ?? tEnd;
    const h = Math.min(dt, nextBreak - t);
    const pbar = pressureAt(hist, t + h);
    pSave.set(p);
    const clusters = contactClusters(p, ny, nx, dy, dx);
    const sink = sinkTerm(clusters, ny, nx, dy, dx, law, c, h);
    const its = solve(pbar, sink);
    // accuracy: the change of the contact fraction per step (backward Euler is stable at any step)
    let nc = 0;
    for (let i = 0; i < N; i++) if (p[i] > 0) nc++;
    const ratio = Math.abs(nc / N - last.contact_fraction) / stepTol;
    // an unconverged creep solve is not trusted (its pressures drive the sink): the step is cut, up to
    // 3 times (a solve that stalls at the creep threshold is then accepted and counted)
    const distrust = !lastConverged && cuts < 3;
    if ((ratio > 1 || distrust) && h > 1e-9 * Math.max(1, tEnd)) {
      if (distrust) cuts++;
      stats.steps_rejected++;
      p.set(pSave);
      dt = distrust ? h / 4 : h * Math.max(0.1, 0.8 / ratio);
      continue;
    }
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
    last = record(t, pbar, its);
    dt = h * Math.min(2, ratio > 0 ? 0.8 / ratio : 2);
  }
  return { records, eStar, hardness: null, p, gap, sink: w, stats };
}
