/**
 * Li on a rough electrolyte under stack pressure: periodic 2D plane-strain contact with creep.
 *
 * Two solvers (fem-verification.md §4):
 * - 'fixed-k' (default for elastic and creep Li): the Li stiffness is factorised with the interface v
 *   unknowns and the platen δ ordered last, which yields the dense interface Schur complement; its
 *   inverse plus the electrolyte's gives the interface compliance W. Each iteration is a stress update
 *   (local backward-Euler return), one condense/expand back-solve and a dense contact solve on W with
 *   ΣP = p̄λ as a constraint, accelerated by Anderson mixing: a modified Newton iteration whose matrix
 *   K is held fixed. For creep the matrix is the algorithmic (creep-softened) tangent, refactorised at
 *   the start of each time step and again when the iteration slows (refreshRate); refreshRate =
 *   refreshAfter = 0 keeps the elastic K factorised once (creep strain as an eigenstrain load).
 * - 'newton': the same iteration with the consistent tangent refactorised at the start of every step
 *   and whenever the residual falls by less than 4× per iteration (and no mixing). Always used for
 *   rate-independent plasticity.
 * Creep time steps are backward Euler (unconditionally stable), so the step size is set by accuracy:
 * the per-step change of the contact fraction and of the void area ('global' step control, default),
 * growing geometrically while these change slowly.
 * The electrolyte is linear: its Schur complement and compliance are computed once.
 */
import { buildCell, type CellMesh, type CellOptions } from './mesh.js';
import { Solid } from './solid.js';
import { SparseLdl } from './ldl-supernodal.js';
import { solveComplianceLcp, newComplianceCache, type ComplianceLcpCache } from './lcp.js';
import { denseSpdInverse } from './dense.js';
import { andersonCoefficients, matVec, sameSet, sparseMatVec } from './contact-ops.js';
import { checkMaterial, type Material } from './material.js';
import { plasticLoadTo } from './plastic-load.js';

export interface HistoryPoint { t: number; p: number }

export interface ContactSetup extends CellOptions {
  lambda: number;
  h: Float64Array;
  li: Material;
  /** null = rigid electrolyte. */
  electrolyte: Material | null;
  history: HistoryPoint[];
  /**
   * Creep step tolerance: with the 'global' step control (default) the max change per step of the
   * contact fraction and of the void area relative to its value after the instantaneous response
   * (default 0.1); with 'local' control the max Δεeq of any Gauss point per step (default 1e-3).
   */
  stepTol?: number;
  /**
   * Initial creep time step (s); default: 'global' control 1 % of the Maxwell relaxation time at the
   * mean pressure, 1/(E·A·p̄^(n−1)); 'local' control from the initial creep rate.
   */
  dt0?: number;
  dtMax?: number;
  /** Newton tolerance on ‖r + P‖∞ relative to the mean nodal contact force p̄·dx (default 1e-8). */
  tol?: number;
  /** Plasticity: substeps per loading segment (default 20). */
  loadSteps?: number;
  maxSteps?: number;
  /**
   * 'fixed-k' (default for elastic and creep Li): modified Newton with a factorised matrix held fixed
   * over iterations (the creep tangent, refreshed per step and when slow; see refreshRate), one
   * back-solve plus a dense contact solve on the interface compliance per iteration, Anderson mixing.
   * 'newton': consistent-tangent Newton, refactorising when the iteration slows (always used for
   * rate-independent plasticity).
   */
  solver?: 'fixed-k' | 'newton';
  /** Anderson history length for 'fixed-k' (default 6; 0 = plain fixed point). */
  anderson?: number;
  /** Max iterations per step for 'fixed-k' before the step is cut (default 40). */
  maxIter?: number;
  /**
   * 'fixed-k' only: refactorise the algorithmic tangent at the start of a time step when the step
   * size differs from that of the present factorisation or the previous step needed more than this
   * many iterations (default 2 for creep Li; 0 = never).
   */
  refreshAfter?: number;
  /**
   * 'fixed-k', time steps: refactorise the algorithmic (creep-softened) tangent at the current
   * iterate, and rebuild the interface compliance from it, when the residual fell by less than this
   * factor per iteration over the last two iterations, after at least four on the present matrix
   * (default 0.8 for creep Li; 0 = never, together with refreshAfter = 0: the elastic K factorised
   * once is the iteration matrix). Also done at the first creep step and after a failed step.
   */
  refreshRate?: number;
  /**
   * Creep time-step control: 'global' (default): stepTol bounds the per-step change of the contact
   * fraction and of the void area; 'local': stepTol bounds the max Δεeq of any Gauss point per step.
   */
  stepControl?: 'global' | 'local';
  /** Max growth factor of the time step per accepted step ('global' control, default 3). */
  dtGrow?: number;
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
  solver: 'fixed-k' | 'newton';
  back_solves: number;
  lcp_factorizations: number;
  /** Interface compliance (dense inverse of the Schur complement) of the last factorisation, and in total. */
  compliance_seconds: number;
  compliance_seconds_total: number;
  /** Tangent assembly for the factorisations, in total. */
  tangent_seconds_total: number;
  stress_update_seconds: number;
  /** Contact active-set factor updates (row additions/deletions instead of a refactorisation). */
  lcp_updates: number;
  /** Plasticity: converged solves with the platen displacement prescribed (across force plateaus). */
  platen_steps: number;
}

/** What a rejected step restores. */
export interface CellState { U: Float64Array; P: Float64Array; active: Uint8Array; gap: Float64Array; we: Float64Array }

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
  private uFull: Float64Array;
  private fint: Float64Array;
  private work: Float64Array;
  readonly stats: SolverStats;
  private t0 = performance.now();
  private lastIters = 0;
  readonly solverKind: 'fixed-k' | 'newton';
  /** Interface compliances of the present factorisation: Li (δ held), electrolyte (constant), and their sum. */
  private Cli: Float64Array | null = null;
  private Ce: Float64Array | null = null;
  private Wc: Float64Array | null = null;
  private lcpCache: ComplianceLcpCache = newComplianceCache();
  private factorDt = 0;
  /** 1 for the Li equations of the interface v (they carry the contact forces). */
  private isIfaceV: Uint8Array;
  private needRefresh = false;
  /** Anderson difference buffers (reused between steps). */
  private aX: Float64Array[] = [];
  private aF: Float64Array[] = [];

  constructor(readonly setup: ContactSetup) {
    checkMaterial(setup.li, 'li');
    if (setup.electrolyte) checkMaterial(setup.electrolyte, 'electrolyte');
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
    this.isIfaceV = new Uint8Array(mesh.li.nEq);
    for (let i = 0; i < nc; i++) this.isIfaceV[mesh.li.eq[2 * mesh.liInterface[i] + 1]] = 1;
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
    const yields = setup.li.law === 'plastic' || setup.li.law === 'viscoplastic';
    this.solverKind = setup.solver ?? (yields ? 'newton' : 'fixed-k');
    this.stats = {
      li_unknowns: mesh.li.nEq, electrolyte_unknowns: mesh.el?.nEq ?? 0, interface_nodes: nc, nnz_L_li: this.ldl.stats.nnzL,
      factorizations: 0, factor_seconds_total: 0, factor_seconds_last: 0, solve_seconds_total: 0, lcp_iterations: 0,
      newton_iterations: 0, steps_accepted: 0, steps_rejected: 0, wall_seconds: 0, solver: this.solverKind, back_solves: 0,
      lcp_factorizations: 0, compliance_seconds: 0, compliance_seconds_total: 0, tangent_seconds_total: 0, stress_update_seconds: 0, lcp_updates: 0, platen_steps: 0,
    };
    this.factorise();
  }

  /**
   * Factorise the Li matrix — the elastic stiffness (no state given), or the algorithmic tangent at
   * state u for a step dt — and build the interface compliance W = S_vv⁻¹ + S_e⁻¹ from its Schur
   * complement (the electrolyte's S_e⁻¹ once).
   */
  private factorise(u: Float64Array | null = null, dt = 0): void {
    const { mesh, li } = this;
    const nc = mesh.nx, nL = nc + 1;
    // elastic tangent at zero strain and zero creep increment (dt = 0 → no creep branch), or the
    // algorithmic tangent at the given state and step
    const ta = performance.now();
    li.assemble(u ?? new Float64Array(2 * mesh.li.nNodes), dt, this.fint, true);
    this.stats.tangent_seconds_total += (performance.now() - ta) / 1000;
    this.refactor();
    const t0 = performance.now();
    const Svv = new Float64Array(nc * nc);
    for (let i = 0; i < nc; i++) for (let j = 0; j < nc; j++) Svv[i * nc + j] = this.S![i * nL + j];
    this.Cli = denseSpdInverse(Svv, nc);
    if (!this.Ce && this.Se) this.Ce = denseSpdInverse(this.Se, nc); // the electrolyte is linear: once
    const W = this.Cli.slice();
    if (this.Ce) for (let k = 0; k < W.length; k++) W[k] += this.Ce[k];
    this.Wc = W;
    this.stats.compliance_seconds = (performance.now() - t0) / 1000;
    this.stats.compliance_seconds_total += this.stats.compliance_seconds;
  }

  private refactor(): void {
    this.ldl.factor(this.li.values);
    this.S = this.ldl.schur.slice();
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
   * With `platen` the platen displacement δ is prescribed instead (displacement control: the platen
   * equation is dropped, p only scales the tolerance, and the contact force is the reaction).
   * Returns iterations and max Δεeq, or null when Newton failed (state untouched except U, restored by caller).
   */
  solveStep(p: number, dt: number, platen?: number): { iterations: number; maxDe: number } | null {
    return this.solveStepIter(p, dt, platen);
  }

  /** The state a failed step must restore (the material's trial state is recomputed by the next solve). */
  saveState(): CellState {
    return { U: this.U.slice(), P: this.P.slice(), active: this.active.slice(), gap: this.gap.slice(), we: this.we.slice() };
  }

  restoreState(s: CellState): void {
    this.U.set(s.U); this.P = s.P; this.active = s.active; this.gap = s.gap; this.we = s.we;
  }

  /** Accept the last solved step (the material state becomes the committed one). */
  commitStep(): void {
    this.li.commit();
    this.stats.steps_accepted++;
  }

  /** Platen displacement δ (µm, negative in compression). */
  platen(): number {
    return this.U[this.mesh.deltaEq];
  }

  /** Total contact force per period (MPa·µm). */
  contactForce(): number {
    let s = 0;
    for (let i = 0; i < this.P.length; i++) s += this.P[i];
    return s;
  }

  /**
   * One implicit (backward-Euler) step, or one load step of rate-independent plasticity: the map
   * U → U + K⁻¹(fext − fint(U) + Gᵀ P) with K a factorised matrix held fixed over iterations and P
   * from the contact problem on the interface compliance of that K, accelerated by Anderson mixing.
   * K is the algorithmic tangent, refactorised at the start of a step and whenever the iteration is
   * slow ('fixed-k': residual down by less than refreshRate per iteration over two iterations after
   * at least four on the same K; 'newton': down by less than 4× in one iteration); with
   * refreshRate = refreshAfter = 0 ('fixed-k') the elastic K factorised once is kept, creep strain
   * acting as an eigenstrain load. Converged when the force residual with the new contact forces is
   * ≤ tol·p·dx and the contact set is unchanged.
   */
  private solveStepIter(p: number, dt: number, platen?: number): { iterations: number; maxDe: number } | null {
    const { mesh, li, U } = this;
    const nc = mesh.nx, nL = nc + 1;
    const nEq = mesh.li.nEq;
    const fext = new Float64Array(nEq);
    fext[mesh.deltaEq] = -p * mesh.lambda;
    const scale = p * mesh.dx;
    const tol = this.setup.tol ?? 1e-8;
    const newton = this.solverKind === 'newton';
    const law = this.setup.li.law;
    const yields = law === 'plastic' || law === 'viscoplastic';
    const nonlinear = yields || (law === 'creep' && dt > 0);
    const m = this.setup.anderson ?? (newton ? 0 : 6);
    const maxIt = this.setup.maxIter ?? (newton ? (yields ? 150 : 60) : 40); // yielding: with the line-search evaluations
    const refresh = newton ? 0 : (this.setup.refreshAfter ?? (law === 'creep' ? 2 : 0));
    const rate = !nonlinear ? 0 : newton ? 0.25 : (this.setup.refreshRate ?? (law === 'creep' ? 0.8 : 0));
    const minOnK = newton ? 1 : 4, window = newton ? 1 : 2;
    const refreshNow = () => {
      li.fullDisplacement(U, this.uFull);
      this.factorise(this.uFull, dt);
      this.factorDt = dt;
      this.needRefresh = false;
      this.lcpCache.key = null; // W changed
    };
    if (nonlinear && (newton || this.needRefresh || (rate > 0 && this.factorDt === 0) || (refresh > 0 && (this.lastIters > refresh || dt !== this.factorDt)))) refreshNow();
    let Cli = this.Cli!, Ce = this.Ce, W = this.Wc!;
    let sinceRefresh = 0;
    const resHist: number[] = [];
    let resMin = Infinity, itBest = 0;
    const r = new Float64Array(nEq);
    const mA = Math.max(m, 1);
    if (this.aX.length !== mA || this.aX[0]?.length !== nEq) {
      this.aX = Array.from({ length: mA }, () => new Float64Array(nEq));
      this.aF = Array.from({ length: mA }, () => new Float64Array(nEq));
    }
    const aX = this.aX, aF = this.aF;
    const gramM = new Float64Array(mA * mA); // dF_i·dF_j of the stored differences
    const xPrev = new Float64Array(nEq), fPrev = new Float64Array(nEq);
    let aCount = 0, hasPrev = false;
    let lastActive = this.active;
    let maxDe = 0;
    const ifaceEq = new Int32Array(nc);
    for (let i = 0; i < nc; i++) ifaceEq[i] = mesh.li.eq[2 * mesh.liInterface[i] + 1];
    // Newton on yielding Li: backtracking line search on the residual (see below)
    const search = newton && yields;
    const uAcc = search ? new Float64Array(nEq) : xPrev, duAcc = search ? new Float64Array(nEq) : fPrev;
    let accRes = -1, alpha = 1, trial = false, refreshAt = false;
    const fail = () => { this.needRefresh = rate > 0; this.lastIters = maxIt; return null; };
    for (let it = 0; it < maxIt; it++) {
      // refactorise the algorithmic tangent at the current iterate when the iteration is slow: the
      // residual fell by less than `rate` per iteration over the last `window` iterations, after at
      // least `minOnK` on the present factorisation (not while the iterate is far off its best)
      const nh = resHist.length;
      if (search) {
        if (refreshAt) {
          refreshNow();
          Cli = this.Cli!; Ce = this.Ce; W = this.Wc!;
          refreshAt = false;
        }
      } else if (rate > 0 && sinceRefresh >= minOnK && nh > window && resHist[nh - 1] > rate ** window * resHist[nh - 1 - window] && resHist[nh - 1] < 10 * resMin) {
        refreshNow();
        Cli = this.Cli!; Ce = this.Ce; W = this.Wc!;
        aCount = 0; hasPrev = false;
        sinceRefresh = 0;
      }
      sinceRefresh++;
      li.fullDisplacement(U, this.uFull);
      const ts = performance.now();
      maxDe = li.assemble(this.uFull, dt, this.fint, false);
      this.stats.stress_update_seconds += (performance.now() - ts) / 1000;
      if (!Number.isFinite(maxDe)) return fail();
      for (let k = 0; k < nEq; k++) r[k] = fext[k] - this.fint[k];
      const b = this.ldl.condense(r, this.work);
      let sumB = 0;
      for (let k = 0; k < nL; k++) sumB += b[k];
      // Cli·b (kept for dz below) and the linearised gap q = g0 + v + Cli·b
      const Cb = matVec(Cli, nc, b);
      const q = new Float64Array(nc);
      for (let i = 0; i < nc; i++) q[i] = this.g0[i] + U[ifaceEq[i]] + Cb[i];
      let lcp: ReturnType<typeof solveComplianceLcp>;
      try {
        lcp = solveComplianceLcp(nc, W, q, -sumB, this.active, this.lcpCache, undefined, platen === undefined ? undefined : platen - U[mesh.deltaEq]);
      } catch {
        return fail(); // contact iteration failed: the caller cuts the step
      }
      this.stats.lcp_iterations += lcp.iterations;
      this.stats.lcp_factorizations = this.lcpCache.factorizations;
      this.stats.lcp_updates = this.lcpCache.updates;
      // dz = Cli·(b + P) + c (P is zero off the active set); electrolyte surface w_e = −Ce·P
      const act: number[] = [];
      for (let i = 0; i < nc; i++) if (lcp.P[i] !== 0) act.push(i);
      const CP = sparseMatVec(Cli, nc, lcp.P, act);
      const dz = new Float64Array(nL);
      for (let i = 0; i < nc; i++) dz[i] = lcp.c + Cb[i] + CP[i];
      dz[nc] = lcp.c;
      const du = this.ldl.expand(this.work, dz);
      this.stats.back_solves++;
      // force residual with the new contact forces: K du = r + Gᵀ P exactly (the interface rows of
      // the condensed solve carry P; the platen row is balanced by ΣP = p̄λ), so no product with K
      let res = 0;
      for (let k = 0; k < nEq; k++) { const a = Math.abs(r[k]); if (a > res && !this.isIfaceV[k] && (platen === undefined || k !== mesh.deltaEq)) res = a; }
      for (let i = 0; i < nc; i++) res = Math.max(res, Math.abs(r[mesh.li.eq[2 * mesh.liInterface[i] + 1]] + lcp.P[i]));
      lastActive = this.active;
      this.active = lcp.active;
      this.P = lcp.P;
      if (Ce) {
        const we = sparseMatVec(Ce, nc, lcp.P, act);
        for (let i = 0; i < nc; i++) we[i] = -we[i];
        this.we = we;
      }
      if (trial) {
        // backtracking line search: U is uAcc + α·duAcc, evaluated on the tangent that gave duAcc (so
        // the residuals compare). No decrease (elastic/plastic switching at many Gauss points,
        // contact-set changes): halve α. Accepted: refactorise there first when the decrease was
        // slow (Newton), else go on from this evaluation.
        if (!(res < accRes) && alpha > 1 / 64) {
          alpha *= 0.5;
          for (let k = 0; k < nEq; k++) U[k] = uAcc[k] + alpha * duAcc[k];
          continue;
        }
        trial = false;
        if (res > 0.25 * accRes && res > tol * scale) { refreshAt = true; continue; }
      }
      resHist.push(res);
      if (res < 0.9 * resMin) { resMin = res; itBest = resHist.length; }
      // diverging, or no progress over the last 10 iterations: give up, the caller cuts the step
      if (!(res < 1e4 * resMin) || !Number.isFinite(res) || resHist.length - itBest >= 10) return fail();
      const converged = res <= tol * scale && sameSet(lastActive, this.active);
      if (converged || m === 0) {
        // plain update; the mixing history is kept across contact-set changes (measured: restarting
        // it there costs more iterations than the set changes do)
        // damped Newton for yielding Li: a step after which the residual grew is taken at half length
        // (full steps cycle between contact sets while a summit flattens plastically)
        const nr = resHist.length;
        const w = !converged && yields && !search && nr > 1 && resHist[nr - 1] > resHist[nr - 2] ? 0.5 : 1;
        if (search) { uAcc.set(U); duAcc.set(du); accRes = res; alpha = 1; trial = !converged; }
        for (let k = 0; k < nEq; k++) U[k] += w * du[k];
        aCount = 0; hasPrev = false;
      } else {
        // Anderson (type II) on the fixed-point map x → x + f(x), f = du; the differences of the last
        // m iterates and residuals are kept in ring buffers
        if (hasPrev) {
          const slot = aCount % m;
          const ddx = aX[slot], ddf = aF[slot];
          for (let k = 0; k < nEq; k++) { ddx[k] = U[k] - xPrev[k]; ddf[k] = du[k] - fPrev[k]; }
          aCount++;
          const mk = Math.min(aCount, m);
          // Gram matrix row of the new difference against the stored ones
          for (let j = 0; j < mk; j++) {
            const o = aF[j];
            let sdot = 0;
            for (let k = 0; k < nEq; k++) sdot += o[k] * ddf[k];
            gramM[slot * m + j] = sdot; gramM[j * m + slot] = sdot;
          }
        }
        xPrev.set(U); fPrev.set(du); hasPrev = true;
        const mk = Math.min(aCount, m);
        for (let k = 0; k < nEq; k++) U[k] += du[k];
        if (mk > 0) {
          const gamma = andersonCoefficients(aF, mk, m, du, gramM);
          for (let j = 0; j < mk; j++) {
            const g = gamma[j];
            if (g === 0) continue;
            const a = aX[j], c = aF[j];
            for (let k = 0; k < nEq; k++) U[k] -= g * (a[k] + c[k]);
          }
        }
      }
      for (let i = 0; i < nc; i++) this.gap[i] = this.g0[i] + this.interfaceDisp(i) - this.we[i];
      if (converged) {
        this.lastIters = it + 1;
        this.stats.newton_iterations += it + 1;
        this.stats.solve_seconds_total = this.ldl.solveSeconds;
        return { iterations: it + 1, maxDe };
      }
    }
    return fail();
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
      const pts = [{ t: hist[0].t, p: 0 }, ...hist];
      let pNow = 0;
      for (let k = 1; k < pts.length; k++) {
        const a = pts[k - 1], b = pts[k];
        for (let s = 1; s <= nsub; s++) {
          const frac = s / nsub;
          const p = a.p + (b.p - a.p) * frac;
          if (p <= 0) continue;
          const it = plasticLoadTo(this, pNow, p);
          pNow = p;
          this.t = a.t + (b.t - a.t) * frac;
          push(p, 0, it, 0);
          onProgress?.(this.t, tEnd);
        }
      }
      this.finish();
      return records;
    }
    if (law === 'viscoplastic' && hist[0].p > 0) {
      // the instantaneous response yields: reach the first pressure in load steps (then creep)
      const nsub = setup.loadSteps ?? 20;
      for (let s = 1; s < nsub; s++) plasticLoadTo(this, ((s - 1) * hist[0].p) / nsub, (s * hist[0].p) / nsub);
    }
    // initial (instantaneous, elastic) response
    this.t = hist[0].t;
    const p0 = pressureAt(hist, this.t);
    const r0 = this.solveStep(p0, 0);
    if (!r0) throw new Error('initial contact solve did not converge');
    this.li.commit();
    push(p0, 0, r0.iterations, 0);
    if ((law !== 'creep' && law !== 'viscoplastic') || tEnd <= this.t) { this.finish(); return records; }
    if ((setup.stepControl ?? 'global') === 'global') { this.runGlobal(push, onProgress); this.finish(); return records; }
    const tolDe = setup.stepTol ?? 1e-3;
    const A = setup.li.A ?? 0, n = setup.li.n ?? 1, s0 = law === 'creep' ? (setup.li.sigmaY ?? 0) : 0; // viscoplastic: no creep threshold
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

  /**
   * Creep hold with step control on global quantities: the change per step of the contact fraction
   * and of the void area (relative to the void area after the instantaneous response) must stay
   * below stepTol. Backward Euler is unconditionally stable, so steps grow geometrically (≤ dtGrow per
   * accepted step) while the history changes slowly; a step is rejected and cut when the solver fails
   * or the change is too large.
   */
  private runGlobal(push: (p: number, dt: number, it: number, de: number) => void, onProgress?: (t: number, tEnd: number) => void): void {
    const { setup, mesh } = this;
    const hist = setup.history;
    const tEnd = hist[hist.length - 1].t;
    const tol = setup.stepTol ?? 0.1;
    const grow = setup.dtGrow ?? 3;
    const maxSteps = setup.maxSteps ?? 100000;
    const nc = mesh.nx;
    const fracOf = (a: Uint8Array) => { let k = 0; for (let i = 0; i < nc; i++) k += a[i]; return k / nc; };
    const voidOf = (g: Float64Array) => { let v = 0; for (let i = 0; i < nc; i++) v += Math.max(0, g[i]) * mesh.dx; return v; };
    // floor: a flat profile (full contact at load) leaves a round-off void (≈ 1e-16 µm²) that would
    // otherwise set the void tolerance and reject every step; 1e-6 µm of mean gap is far below anything resolved
    const vRef = Math.max(voidOf(this.gap), 1e-6 * mesh.dx * nc);
    const fTol = Math.max(tol, 2.5 / nc); // a step may always switch two nodes
    let dt = setup.dt0 ?? 0;
    if (!(dt > 0)) {
      // 1 % of the Maxwell relaxation time at the mean pressure, τ = 1/(E·A·p̄^(n−1))
      const A = setup.li.A ?? 0, n = setup.li.n ?? 1, s0 = setup.li.law === 'creep' ? (setup.li.sigmaY ?? 0) : 0;
      const p = Math.max(pressureAt(hist, this.t) - s0, 1e-3);
      const tau = A > 0 ? 1 / (setup.li.E * A * Math.pow(p, n - 1)) : tEnd;
      dt = Math.min(0.01 * tau, tEnd - this.t);
    }
    const dtMax = setup.dtMax ?? Infinity;
    const breaks = hist.map((h) => h.t).filter((t) => t > this.t);
    const Usave = new Float64Array(this.U.length);
    let steps = 0;
    while (this.t < tEnd * (1 - 1e-12)) {
      if (++steps > maxSteps) throw new Error(`more than ${maxSteps} time steps`);
      const nextBreak = breaks.find((b) => b > this.t * (1 + 1e-12)) ?? tEnd;
      let h = Math.min(dt, dtMax, nextBreak - this.t);
      // reach a break point rather than leave a sliver of less than half a step before it
      if (nextBreak - this.t - h < 0.5 * h && nextBreak - this.t <= dtMax) h = nextBreak - this.t;
      const p = pressureAt(hist, this.t + h);
      Usave.set(this.U);
      const P = this.P.slice(), act = this.active.slice(), gap = this.gap.slice(), we = this.we.slice();
      const f0 = fracOf(act), v0 = voidOf(gap);
      const res = this.solveStep(p, h);
      let e = 0;
      if (res) {
        const df = Math.abs(fracOf(this.active) - f0) / fTol;
        const dv = vRef > 0 ? Math.abs(voidOf(this.gap) - v0) / (tol * vRef) : 0;
        e = Math.max(df, dv);
      }
      if (!res || e > 1) {
        this.U.set(Usave); this.P = P; this.active = act; this.gap = gap; this.we = we;
        this.stats.steps_rejected++;
        dt = h * (res ? Math.max(0.2, Math.min(0.5, 0.8 / e)) : 0.5);
        if (dt < 1e-30) throw new Error('time step underflow');
        continue;
      }
      this.li.commit();
      this.t += h;
      this.stats.steps_accepted++;
      push(p, h, res.iterations, res.maxDe);
      onProgress?.(this.t, tEnd);
      dt = h * Math.max(1, Math.min(grow, e > 0 ? 0.8 / e : grow));
    }
  }

  private finish(): void {
    this.stats.solve_seconds_total = this.ldl.solveSeconds;
    this.stats.wall_seconds = (performance.now() - this.t0) / 1000;
  }
}
