/**
 * Plain Newton–Raphson for a Solid without contact (prescribed displacements in body.prescribed,
 * external nodal forces in equation space): used by the patch test, single-element creep checks and
 * the Prandtl punch.
 */
import { SparseLdl } from './ldl-supernodal.js';
import type { Solid } from './solid.js';

export interface NewtonResult {
  iterations: number;
  residual: number;
  maxDeltaEeq: number;
}

export class StaticSolver {
  readonly ldl: SparseLdl;
  readonly U: Float64Array;
  private fint: Float64Array;
  private u: Float64Array;
  private lastPrescribed: Float64Array;
  constructor(readonly solid: Solid) {
    this.lastPrescribed = solid.body.prescribed.slice();
    this.ldl = new SparseLdl(solid.pattern.colPtr, solid.pattern.rowIdx, 0);
    this.U = new Float64Array(solid.body.nEq);
    this.fint = new Float64Array(solid.body.nEq);
    this.u = new Float64Array(2 * solid.body.nNodes);
  }

  /** Solve one step (time increment dt) to ‖r‖∞ ≤ tol·scale; fext may be null. Does not commit. */
  step(dt: number, fext: Float64Array | null, opts: { tol?: number; maxIt?: number; scale?: number } = {}): NewtonResult {
    const tol = opts.tol ?? 1e-10;
    const maxIt = opts.maxIt ?? 50;
    const { solid, U, fint } = this;
    let scale = opts.scale ?? 0;
    let res = Infinity;
    let maxDe = 0;
    const body = solid.body;
    const du = new Float64Array(body.prescribed.length);
    let changed = false;
    for (let k = 0; k < du.length; k++) { du[k] = body.prescribed[k] - this.lastPrescribed[k]; if (du[k] !== 0) changed = true; }
    if (changed) {
      // predictor: linear response of the free dofs to the prescribed increment, tangent of the last state
      const now = body.prescribed.slice();
      body.prescribed.set(this.lastPrescribed);
      solid.fullDisplacement(U, this.u);
      const kdu = new Float64Array(fint.length);
      solid.assemble(this.u, dt, fint, true, { du, out: kdu });
      const r = new Float64Array(fint.length);
      for (let i = 0; i < r.length; i++) r[i] = (fext ? fext[i] : 0) - fint[i] - kdu[i];
      this.ldl.factor(solid.values);
      const d = this.ldl.solve(r);
      for (let i = 0; i < U.length; i++) U[i] += d[i];
      body.prescribed.set(now);
    }
    for (let it = 0; it < maxIt; it++) {
      solid.fullDisplacement(U, this.u);
      maxDe = solid.assemble(this.u, dt, fint, true);
      const r = new Float64Array(fint.length);
      res = 0;
      for (let i = 0; i < r.length; i++) {
        r[i] = (fext ? fext[i] : 0) - fint[i];
        res = Math.max(res, Math.abs(r[i]));
      }
      if (scale === 0) {
        // reference force: largest diagonal × a typical displacement is not known; use the first residual or max |fext|
        for (let i = 0; i < r.length; i++) scale = Math.max(scale, Math.abs(r[i]), fext ? Math.abs(fext[i]) : 0);
        if (scale === 0) { this.lastPrescribed.set(body.prescribed); return { iterations: it, residual: 0, maxDeltaEeq: maxDe }; }
      }
      if (res <= tol * scale) {
        this.lastPrescribed.set(body.prescribed);
        return { iterations: it, residual: res / scale, maxDeltaEeq: maxDe };
      }
      this.ldl.factor(solid.values);
      const du = this.ldl.solve(r);
      // backtracking line search on ‖r‖∞ (perfect plasticity can overshoot)
      const U0 = U.slice();
      let alpha = 1;
      for (let ls = 0; ls < 8; ls++) {
        for (let i = 0; i < U.length; i++) U[i] = U0[i] + alpha * du[i];
        if (ls === 7) break;
        solid.fullDisplacement(U, this.u);
        solid.assemble(this.u, dt, fint, false);
        let rn = 0;
        for (let i = 0; i < fint.length; i++) rn = Math.max(rn, Math.abs((fext ? fext[i] : 0) - fint[i]));
        if (rn < res || rn <= tol * scale) break;
        alpha *= 0.5;
      }
    }
    throw new Error(`Newton did not converge (residual ${res / scale})`);
  }
}
