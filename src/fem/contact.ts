/**
 * Li on a rough electrolyte under stack pressure: periodic 2D plane-strain contact with creep.
 *
 * Per Newton iteration the Li tangent is factorised with the interface v unknowns and the platen δ
 * ordered last (nested dissection elsewhere), which yields the dense interface Schur complement; the
 * contact problem is solved exactly on the interface (lcp.ts), then the bulk is back-substituted.
 * The electrolyte is linear: its Schur complement is computed once. For elastic Li the factorisation
 * is reused for the whole history; for creep/plasticity a modified Newton reuses it while the
 * iteration contracts fast and refactorises otherwise.
 */
import { buildCell, type CellMesh, type CellOptions } from './mesh.js';
import { Solid } from './solid.js';
import { SparseLdl } from './sparse.js';
import { solveContactLcp } from './lcp.js';
import type { Material } from './material.js';

export interface HistoryPoint { t: number; p: number }

export interface ContactSetup extends CellOptions {
  lambda: number;
  h: Float64Array;
  li: Material;
  /** null = rigid electrolyte. */
  electrolyte: Material | null;
  history: HistoryPoint[];
  /** Max Δεeq per step (creep/plastic), default 1e-3. */
  stepTol?: number;
  /** Initial time step (s); default from the initial creep rate. */
  dt0?: number;
  dtMax?: number;
  /** Newton tolerance on ‖r + P‖∞ relative to the mean nodal contact force p̄·dx (default 1e-8). */
  tol?: number;
  /** Plasticity: substeps per loading segment (default 20). */
  loadSteps?: number;
  maxSteps?: number;
}

export interface StepRecord {
  t: number;
  pressure: number;
  dt: number;
  contact_fraction: number;
  mean_contact_pressure: number;
  max_contact_pressure: number;
  void_area_um2: number;
  li_top_displacement_um: number;
  force_balance_error: number;
  min_gap_um: number;
  newton_iterations: number;
  max_deeq: number;
}

export interface SolverStats {
  li_unknowns: number;
  electrolyte_unknowns: number;
  interface_nodes: number;
  nnz_L_li: number;
  factorizations: number;
  factor_seconds_total: number;
  factor_seconds_last: number;
  solve_seconds_total: number;
  lcp_iterations: number;
  newton_iterations: number;
  steps_accepted: number;
  steps_rejected: number;
  wall_seconds: number;
}

export function pressureAt(history: HistoryPoint[], t: number): number {
  if (t <= history[0].t) return history[0].p;
  for (let k = 1; k < history.length; k++) {
    if (t <= history[k].t) {
      const a = history[k - 1], b = history[k];
      return b.t === a.t ? b.p : a.p + ((b.p - a.p) * (t - a.t)) / (b.t - a.t);
    }
  }
  return history[history.length - 1].p;
}

export class ContactCell {
  readonly mesh: CellMesh;
  readonly li: Solid;
  readonly el: Solid | null;
  readonly ldl: SparseLdl;
  readonly U: Float64Array;
  readonly g0: Float64Array;
  P: Float64Array;
  gap: Float64Array;
  we: Float64Array;
  active: Uint8Array;
  t = 0;
  private S: Float64Array | null = null;
  private Se: Float64Array | null = null;
  private elLdl: SparseLdl | null = null;
  private factored = false;
  private uFull: Float64Array;
  private fint: Float64Array;
  private work: Float64Array;
  readonly stats: SolverStats;
  private t0 = performance.now();
  private lastIters = 0;
  private lastDt = -1;

  constructor(readonly setup: ContactSetup) {
    const mesh = buildCell(setup.lambda, setup.h, { ...setup, elDepth: setup.electrolyte ? (setup.elDepth ?? setup.lambda) : null });
    this.mesh = mesh;
    this.li = new Solid(mesh.li, [setup.li]);
    this.ldl = new SparseLdl(this.li.pattern.colPtr, this.li.pattern.rowIdx, mesh.li.nLast);
    this.U = new Float64Array(mesh.li.nEq);
    const nc = mesh.nx;
    this.g0 = new Float64Array(nc);
    for (let i = 0; i < nc; i++) this.g0[i] = mesh.liBottomY - mesh.h[i];
    this.P = new Float64Array(nc);
    this.gap = Float64Array.from(this.g0);
    this.we = new Float64Array(nc);
    this.active = new Uint8Array(nc);
    let gmin = Infinity;
    for (let i = 0; i < nc; i++) gmin = Math.min(gmin, this.g0[i]);
    for (let i = 0; i < nc; i++) if (this.g0[i] <= gmin + 1e-12 * setup.lambda) this.active[i] = 1;
    this.uFull = new Float64Array(2 * mesh.li.nNodes);
    this.fint = new Float64Array(mesh.li.nEq);
    this.work = new Float64Array(mesh.li.nEq);
    this.el = null;
    if (setup.electrolyte && mesh.el) {
      const el = new Solid(mesh.el, [setup.electrolyte]);
      this.el = el;
      const f = new Float64Array(mesh.el.nEq);
      el.assemble(new Float64Array(2 * mesh.el.nNodes), 0, f, true);
      this.elLdl = new SparseLdl(el.pattern.colPtr, el.pattern.rowIdx, mesh.el.nLast);
      this.elLdl.factor(el.values);
      this.Se = this.elLdl.schur.slice();
    }
    this.stats = {
      li_unknowns: mesh.li.nEq, electrolyte_unknowns: mesh.el?.nEq ?? 0, interface_nodes: nc, nnz_L_li: this.ldl.stats.nnzL,
      factorizations: 0, factor_seconds_total: 0, factor_seconds_last: 0, solve_seconds_total: 0, lcp_iterations: 0,
      newton_iterations: 0, steps_accepted: 0, steps_rejected: 0, wall_seconds: 0,
    };
  }

  private refactor(): void {
    this.ldl.factor(this.li.values);
    this.S = this.ldl.schur.slice();
    this.factored = true;
    this.stats.factorizations++;
    this.stats.factor_seconds_last = this.ldl.stats.factorSeconds;
    this.stats.factor_seconds_total += this.ldl.stats.factorSeconds;
  }

  /** Li interface v displacement (current) per column. */
  interfaceDisp(i: number): number {
    return this.U[this.mesh.li.eq[2 * this.mesh.liInterface[i] + 1]];
  }

  /**
   * Solve the step to time t+dt at pressure p (creep uses dt; dt = 0 → elastic response).
   * Returns iterations and max Δεeq, or null when Newton failed (state untouched except U, restored by caller).
   */
  solveStep(p: number, dt: number): { iterations: number; maxDe: number } | null {
    const { mesh, li, U } = this;
    const nc = mesh.nx;
    const fext = new Float64Array(mesh.li.nEq);
    fext[mesh.deltaEq] = -p * mesh.lambda;
    const scale = p * mesh.dx;
    const tol = this.setup.tol ?? 1e-8;
    const linear = this.setup.li.law === 'elastic';
    let prevRes = Infinity;
    let forceFactor = !this.factored || (!linear && (dt !== this.lastDt || this.lastIters > 3));
    let lastActive = this.active;
    const r = new Float64Array(mesh.li.nEq);
    let maxDe = 0;
    for (let it = 0; it < 60; it++) {
      li.fullDisplacement(U, this.uFull);
      const wantK = forceFactor;
      maxDe = li.assemble(this.uFull, dt, this.fint, wantK);
      if (!Number.isFinite(maxDe)) return null;
      let res = 0;
      for (let k = 0; k < r.length; k++) r[k] = fext[k] - this.fint[k];
      // residual including the current contact forces (interface v rows)
      for (let i = 0; i < nc; i++) {
        const e = mesh.li.eq[2 * mesh.liInterface[i] + 1];
        res = Math.max(res, Math.abs(r[e] + this.P[i]));
      }
      for (let k = 0; k < r.length; k++) if (k < mesh.li.nEq - mesh.li.nLast || k === mesh.deltaEq) res = Math.max(res, Math.abs(r[k]));
      if (it > 0 && res <= tol * scale && sameSet(lastActive, this.active)) {
        this.stats.newton_iterations += it;
        this.lastIters = it;
        this.lastDt = dt;
        return { iterations: it, maxDe };
      }
      if (it > 0 && res > 0.25 * prevRes && !linear) forceFactor = true;
      if (wantK) { this.refactor(); forceFactor = false; }
      else if (forceFactor) { li.assemble(this.uFull, dt, this.fint, true); this.refactor(); forceFactor = false; }
      prevRes = res;
      const b = this.ldl.condense(r, this.work);
      const gHat = new Float64Array(nc);
      for (let i = 0; i < nc; i++) gHat[i] = this.g0[i] + this.interfaceDisp(i);
      const lcp = solveContactLcp({ nc, S: this.S!, b, Se: this.Se, be: this.Se ? new Float64Array(nc) : null, gHat, active: this.active });
      this.stats.lcp_iterations += lcp.iterations;
      const du = this.ldl.expand(this.work, lcp.dz);
      for (let k = 0; k < U.length; k++) U[k] += du[k];
      lastActive = this.active;
      this.active = lcp.active;
      this.P = lcp.P;
      if (lcp.we) this.we = lcp.we;
      for (let i = 0; i < nc; i++) this.gap[i] = this.g0[i] + this.interfaceDisp(i) - this.we[i];
    }
    return null;
  }

  record(p: number, dt: number, iterations: number, maxDe: number): StepRecord {
    const { mesh } = this;
    const nc = mesh.nx;
    let nA = 0, sumP = 0, maxP = 0, voidA = 0, minGap = Infinity;
    for (let i = 0; i < nc; i++) {
      if (this.active[i]) { nA++; maxP = Math.max(maxP, this.P[i] / mesh.dx); }
      sumP += this.P[i];
      voidA += Math.max(0, this.gap[i]) * mesh.dx;
      minGap = Math.min(minGap, this.gap[i]);
    }
    const F = p * mesh.lambda;
    return {
      t: this.t,
      pressure: p,
      dt,
      contact_fraction: nA / nc,
      mean_contact_pressure: nA > 0 ? sumP / (nA * mesh.dx) : 0,
      max_contact_pressure: maxP,
      void_area_um2: voidA,
      li_top_displacement_um: this.U[mesh.deltaEq],
      force_balance_error: F > 0 ? Math.abs(sumP - F) / F : Math.abs(sumP),
      min_gap_um: minGap,
      newton_iterations: iterations,
      max_deeq: maxDe,
    };
  }

  /** Contact pressure per column (MPa). */
  contactPressure(): Float64Array {
    return this.P.map((v) => v / this.mesh.dx);
  }

  /**
   * Run the pressure history. onRecord is called after the initial solve and every accepted step.
   */
  run(onRecord?: (rec: StepRecord, cell: ContactCell) => void, onProgress?: (t: number, tEnd: number) => void): StepRecord[] {
    const { setup } = this;
    const hist = setup.history;
    const law = setup.li.law;
    const tEnd = hist[hist.length - 1].t;
    const records: StepRecord[] = [];
    const push = (p: number, dt: number, it: number, de: number) => {
      const rec = this.record(p, dt, it, de);
      records.push(rec);
      onRecord?.(rec, this);
    };
    const maxSteps = setup.maxSteps ?? 100000;
    if (law === 'plastic') {
      // rate-independent: pseudo-time load steps along the history
      const nsub = setup.loadSteps ?? 20;
      const targets: number[] = [];
      const pts = [{ t: hist[0].t, p: 0 }, ...hist];
      for (let k = 1; k < pts.length; k++) for (let s = 1; s <= nsub; s++) targets.push(k - 1 + s / nsub);
      for (const tau of targets) {
        const k = Math.ceil(tau) ;
        const frac = tau - (k - 1);
        const a = pts[k - 1], b = pts[k];
        const p = a.p + (b.p - a.p) * frac;
        this.t = a.t + (b.t - a.t) * frac;
        if (p <= 0) continue;
        const res = this.solveStep(p, 0);
        if (!res) throw new Error(`plastic load step at p = ${p} did not converge`);
        this.li.commit();
        this.stats.steps_accepted++;
        push(p, 0, res.iterations, res.maxDe);
        onProgress?.(this.t, tEnd);
      }
      this.finish();
      return records;
    }
    // initial (instantaneous, elastic) response
    this.t = hist[0].t;
    const p0 = pressureAt(hist, this.t);
    const r0 = this.solveStep(p0, 0);
    if (!r0) throw new Error('initial contact solve did not converge');
    this.li.commit();
    push(p0, 0, r0.iterations, 0);
    if (law !== 'creep' || tEnd <= this.t) { this.finish(); return records; }
    const tolDe = setup.stepTol ?? 1e-3;
    const A = setup.li.A ?? 0, n = setup.li.n ?? 1, s0 = setup.li.sigmaY ?? 0;
    let dt = setup.dt0 ?? 0;
    if (!(dt > 0)) {
      let rate = 0;
      const sig = this.li.sigma;
      for (let g = 0; g < sig.length / 4; g++) {
        const sx = sig[4 * g], sy = sig[4 * g + 1], sz = sig[4 * g + 2], sxy = sig[4 * g + 3];
        const m = (sx + sy + sz) / 3;
        const q = Math.sqrt(1.5 * ((sx - m) ** 2 + (sy - m) ** 2 + (sz - m) ** 2 + 2 * sxy * sxy));
        rate = Math.max(rate, A * Math.max(0, q - s0) ** n);
      }
      dt = rate > 0 ? tolDe / rate : tEnd - this.t;
    }
    const dtMax = setup.dtMax ?? Infinity;
    const breaks = hist.map((h) => h.t).filter((t) => t > this.t);
    const Usave = new Float64Array(this.U.length);
    let steps = 0;
    while (this.t < tEnd * (1 - 1e-12)) {
      if (++steps > maxSteps) throw new Error(`more than ${maxSteps} time steps`);
      const nextBreak = breaks.find((b) => b > this.t * (1 + 1e-12)) ?? tEnd;
      let h = Math.min(dt, dtMax, nextBreak - this.t);
      if (nextBreak - this.t - h < 1e-6 * h) h = nextBreak - this.t;
      const p = pressureAt(hist, this.t + h);
      Usave.set(this.U);
      const P = this.P.slice(), act = this.active.slice(), gap = this.gap.slice(), we = this.we.slice();
      const res = this.solveStep(p, h);
      if (!res || res.maxDe > 2 * tolDe) {
        this.U.set(Usave); this.P = P; this.active = act; this.gap = gap; this.we = we;
        this.stats.steps_rejected++;
        dt = h * (res ? Math.max(0.1, Math.min(0.5, tolDe / res.maxDe)) : 0.5);
        if (dt < 1e-30) throw new Error('time step underflow');
        continue;
      }
      this.li.commit();
      this.t += h;
      this.stats.steps_accepted++;
      push(p, h, res.iterations, res.maxDe);
      onProgress?.(this.t, tEnd);
      const grow = res.maxDe > 0 ? (0.9 * tolDe) / res.maxDe : 1.5;
      dt = h * Math.min(1.5, Math.max(0.5, grow));
    }
    this.finish();
    return records;
  }

  private finish(): void {
    this.stats.solve_seconds_total = this.ldl.solveSeconds;
    this.stats.wall_seconds = (performance.now() - this.t0) / 1000;
  }
}

function sameSet(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
