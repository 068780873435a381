/**
 * How the cell holds its stack: a constant imposed pressure, a fixed gap (a stiff frame) or springs.
 *
 * In a fixed-gap or spring cell the pressure is not imposed once the fixture is set: the stack height
 * (Li foil thickness + the void volume per area between Li and electrolyte, the BEM's mean gap) can
 * only shrink against the fixture's stiffness k (MPa per µm of height over the cell area), so
 * dp/dt = −k·(dL/dt + dG/dt). The foil thins by its bulk Norton creep under uniaxial compression, the
 * same free-standing-foil law as foil-creep.ts (Ding, Fairgrieve-Park, Sendetskyi & Fleischauer 2021,
 * J. Power Sources 488:229404, doi 10.1016/j.jpowsour.2020.229404): dL/dt = −L·A·pⁿ, with L the
 * current thickness (true strain: the foil cannot thin below zero, so the drop is bounded by k·L0).
 * The asperities close by the BEM creep (G falls as Li fills the valleys; Li volume is conserved, so
 * the stack shrinks by the void volume filled).
 *
 * Stiffnesses:
 * - springs: the spring fixture of Ham et al. 2023 (Energy Storage Mater., doi
 *   10.1016/j.ensm.2022.12.013), see SPRING_STIFFNESS_MPA_PER_UM below for the arithmetic;
 * - fixed gap: the frame's stiffness is not given by the papers; FIXED_GAP_STIFFNESS_MPA_PER_UM is
 *   the one calibrated constant of this model (see there).
 * Cost: a scalar Newton solve per time step.
 */

/** The cell's loading; 'pressure' = the history is the stack pressure at all times (default). */
export type CellLoading =
  | { kind: 'pressure' }
  | { kind: 'gap'; stiffnessMpaPerUm: number }
  | { kind: 'spring'; stiffnessMpaPerUm: number };

const LBF_N = 4.4482216152605;
/**
 * Three springs of 5.5 lb/mm on a 0.785 cm² cell (McMaster-Carr 1804N16; Ham et al. 2023, whose
 * spring cell stays near 5 MPa where a fixed-gap cell climbs to 6.96 MPa in the first charge): 3·5.5·4.448 N/mm
 * = 73.4 N/mm = 0.0734 N/µm over 78.5 mm² = 9.35e-4 MPa/µm.
 */
export const SPRING_STIFFNESS_MPA_PER_UM = (3 * 5.5 * LBF_N * 1e-3) / 78.5;

/**
 * Fixed-gap frame stiffness, calibrated once (the only fitted constant of the cell model): with a
 * 100 µm foil of the calibrated Norton law (li-material.ts defaults, 298 K) the 25 MPa hold relaxes to
 * 23 MPa in 30 min, as measured in a Li|Li6PS5Cl|Li cell held at 25 MPa (25 → 23 MPa within 30 min,
 * 21.1 MPa after 24 h; Ham et al. 2023, doi 10.1016/j.ensm.2022.12.013, Fig. 1b). Found by bisection on the foil
 * ODE alone (`relaxFoil`), the asperity closure adding < 0.1 MPa; the test checks it with the full
 * BEM. It is soft (2 MPa over the whole foil: the model squeezes 99 % of the foil out in the 30 min): the free-standing creep law, fitted at 2–3.5 MPa,
 * thins a foil at 25 MPa far faster than a foil confined in a die would, and k absorbs that.
 */
export const FIXED_GAP_STIFFNESS_MPA_PER_UM = 0.0202;

/** Foil state of a locked cell: thickness L (µm) and the stack pressure p (MPa). */
export interface FoilState { L: number; p: number }

/**
 * One backward-Euler step of the locked cell's foil: L' = L + dg − h·L'·A·p'ⁿ with
 * p' = pLock − k·(Llock − L') − k·dGap (dGap = the void closure since locking, ≥ 0 when closing;
 * dg ≥ 0 = Li plated onto the foil over the step, the stack's growth in a charging cell: it creeps
 * with the rest of the foil). Monotone in L' on [0, L + dg], so Newton safeguarded by bisection converges.
 */
export function foilStep(s: FoilState, h: number, lock: { p: number; L: number }, k: number, dGap: number, A: number, n: number, dg = 0): FoilState {
  const pOf = (L: number) => Math.max(0, lock.p - k * (lock.L - L) - k * dGap);
  const F = (L: number) => L - s.L - dg + h * L * A * Math.pow(pOf(L), n);
  let lo = 0, hi = s.L + dg, L = s.L + dg;
  for (let it = 0; it < 100; it++) {
    const f = F(L);
    if (Math.abs(f) <= 1e-13 * Math.max(1, s.L)) break;
    if (f > 0) hi = L; else lo = L;
    const p = pOf(L);
    const df = 1 + h * A * Math.pow(p, n) + (p > 0 ? h * L * A * n * Math.pow(p, n - 1) * k : 0);
    let next = L - f / df;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (hi - lo <= 1e-15 * Math.max(1, s.L)) break;
    L = next;
  }
  return { L, p: pOf(L) };
}

/** The foil alone (no asperities) held from p0 by stiffness k: p at each time of `times` (s, increasing). */
export function relaxFoil(p0: number, L0: number, k: number, A: number, n: number, times: number[], steps = 2000): number[] {
  const out: number[] = [];
  let s: FoilState = { L: L0, p: p0 }, t = 0;
  for (const tq of times) {
    // equal backward-Euler steps between the asked times (a calibration helper, not the BEM's stepping)
    const span = tq - t;
    const m = Math.max(1, Math.ceil(steps / times.length));
    for (let j = 0; j < m && span > 0; j++) {
      const h = span / m;
      s = foilStep(s, h, { p: p0, L: L0 }, k, 0, A, n);
    }
    t = tq;
    out.push(s.p);
  }
  return out;
}
