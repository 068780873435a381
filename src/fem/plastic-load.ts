/**
 * Rate-independent load stepping of the contact cell (perfectly plastic Li), from one stack pressure
 * to the next.
 *
 * Why displacement control: with perfect plasticity the Li under a fixed contact set is a mechanism
 * once the contact spots carry the indentation hardness (Prandtl, ≈ 2.97σy): the platen then moves
 * at constant force until new summits touch. Under load control that is a limit point — the
 * tangent is singular along the mechanism, and Newton diverges at any step size (measured on a
 * 256-column self-affine profile at σy = 0.77 MPa: failure at 0.640 MPa with the mean contact
 * pressure at 2.96σy, after 12 halvings). The problem with the platen displacement prescribed is
 * well posed on the plateau (the force is a monotone function of it), so a load step that fails is
 * crossed by platen-displacement steps until the contact force reaches the target, the target is
 * bracketed by regula falsi (Illinois) to within a small overshoot, and a last load-controlled step
 * (elastic unloading by at most that overshoot) lands on the exact pressure.
 */
import type { ContactCell } from './contact.js';

/** Relative overshoot of the contact force accepted before the final load-controlled step. */
const OVERSHOOT = 1e-3;

/** Newton iterations of a platen step after which the next one may be longer. */
const EASY = 12;

/** Load-control halvings tried before switching to platen-displacement control. */
const CUTS_BEFORE_PLATEN = 3;

interface Solved { platen: number; force: number }

/**
 * Load the committed state from pressure `from` to `to` (MPa), committing each accepted step.
 * Returns the Newton iterations of the last step. Throws when neither control converges.
 */
export function plasticLoadTo(cell: ContactCell, from: number, to: number): number {
  let pNow = from, h = to - from, cuts = 0, iters = 0;
  // platen displacement per MPa of the last accepted load step: scale of the first platen step
  let slope = 0;
  while (Math.abs(to - pNow) > 1e-12 * Math.abs(to)) {
    const p = Math.abs(to - pNow) <= Math.abs(h) * (1 + 1e-12) ? to : pNow + h;
    if (!(p > 0)) { pNow = p; continue; }
    const saved = cell.saveState();
    const d0 = cell.platen();
    const res = cell.solveStep(p, 0);
    if (res) {
      cell.commitStep();
      iters = res.iterations;
      if (p !== pNow) slope = (cell.platen() - d0) / (p - pNow);
      pNow = p;
      continue;
    }
    cell.restoreState(saved);
    cell.stats.steps_rejected++;
    // no load step accepted yet in this call: the secant of the platen displacement from zero load
    if (!(slope < 0) && pNow > 0) slope = cell.platen() / pNow;
    if (++cuts <= CUTS_BEFORE_PLATEN || !(p > pNow) || !(slope < 0)) {
      if (cuts > 12) throw new Error(`load step to p = ${p} MPa did not converge after 12 halvings`);
      h *= 0.5;
      continue;
    }
    iters = crossByPlaten(cell, pNow, p, slope * (p - pNow));
    pNow = p;
  }
  return iters;
}

/**
 * From the committed state at pressure pNow, reach pressure p (> pNow) by prescribing the platen
 * displacement: steps of growing size until the contact force passes p·λ, then regula falsi on the
 * platen displacement, then a load-controlled step to p. `dd0` (< 0) is the first platen step.
 */
export function crossByPlaten(cell: ContactCell, pNow: number, p: number, dd0: number): number {
  const target = p * cell.mesh.lambda;
  let lo: Solved = { platen: cell.platen(), force: pNow * cell.mesh.lambda };
  let hi: Solved | null = null;
  let dd = dd0, cuts = 0;
  let lastIters = 0;
  const attempt = (platen: number): Solved | null => {
    const saved = cell.saveState();
    const res = cell.solveStep(p, 0, platen);
    if (!res) { cell.restoreState(saved); cell.stats.steps_rejected++; return null; }
    cell.stats.platen_steps++;
    lastIters = res.iterations;
    return { platen, force: cell.contactForce() };
  };
  // march the platen down until the force passes the target: the step halves on failure and grows
  // by 1.5 after an easy success (summits flatten node by node, so the force rises in small jumps)
  while (!hi) {
    const saved = cell.saveState();
    const s = attempt(lo.platen + dd);
    if (!s) {
      if (++cuts > 12) throw new Error(`platen-displacement step at p = ${lo.force / cell.mesh.lambda} MPa did not converge after 12 halvings`);
      dd *= 0.5;
      continue;
    }
    cuts = 0;
    if (s.force < target) {
      cell.commitStep(); lo = s;
      if (lastIters <= EASY) dd *= 1.5;
      continue;
    }
    hi = s;
    if (s.force > target * (1 + OVERSHOOT)) cell.restoreState(saved); // bracketed: refine from lo
    else cell.commitStep();
  }
  // Illinois regula falsi on platen → force, each trial from the committed lo state
  let side = 0;
  let fLo = lo.force - target, fHi = hi.force - target;
  for (let k = 0; k < 30 && fHi > target * OVERSHOOT; k++) {
    const platen = lo.platen + (hi.platen - lo.platen) * (-fLo / (fHi - fLo));
    const saved = cell.saveState();
    const s = attempt(platen);
    if (!s) throw new Error(`platen-displacement refinement at p = ${p} MPa did not converge`);
    const f = s.force - target;
    if (f < 0) {
      cell.commitStep(); lo = s; fLo = f;
      if (side === -1) fHi *= 0.5;
      side = -1;
    } else if (f <= target * OVERSHOOT) {
      cell.commitStep(); hi = s; fHi = f;
    } else {
      cell.restoreState(saved); hi = s; fHi = f;
      if (side === 1) fLo *= 0.5;
      side = 1;
    }
  }
  if (fHi > target * OVERSHOOT) throw new Error(`platen-displacement refinement at p = ${p} MPa did not bracket the force`);
  // exact pressure: a load-controlled step down by at most the overshoot (elastic unloading)
  const res = cell.solveStep(p, 0);
  if (!res) throw new Error(`load step to p = ${p} MPa after the platen-displacement steps did not converge`);
  cell.commitStep();
  return res.iterations;
}
