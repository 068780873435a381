/**
 * Small-strain J2 material updates for plane strain (4-component stress xx, yy, zz, xy).
 *
 * - elastic: isotropic linear.
 * - creep: Norton ε̇eq = A·⟨σeq − σ0⟩ⁿ (σ0 = threshold, default 0), deviatoric flow (3/2)ε̇eq s/σeq,
 *   backward-Euler radial return: the scalar equation for σeq after the step is solved by a bracketed
 *   Newton iteration in log(σeq − σ0), robust from seconds to days.
 * - plastic: rate-independent perfectly plastic J2 with yield stress σy (radial return).
 * - viscoplastic: Norton creep (no threshold) and a rate-independent cap σeq ≤ σy acting together
 *   (strain rates add, same flow direction): the backward-Euler return is the creep return, then the
 *   cap; loading far above σy flows at once, holds below it creep, and unloading is elastic, so the
 *   permanent strain of a high load stays (hysteresis).
 * The algorithmic tangent (symmetric) is returned for Newton iterations.
 * Strain vector: [εxx, εyy, εzz, γxy] (γ engineering); plastic/creep strain: tensor [xx, yy, zz, xy].
 */

export type Law = 'elastic' | 'creep' | 'plastic' | 'viscoplastic';

export interface Material {
  E: number;
  nu: number;
  law: Law;
  /** Norton prefactor (MPa^-n s^-1), already including any Arrhenius factor. */
  A?: number;
  n?: number;
  /** Creep threshold σ0 (creep law) or yield stress σy (plastic and viscoplastic laws), MPa. */
  sigmaY?: number;
  /** Mean-dilatation B-bar (default true). */
  bbar?: boolean;
}

/**
 * Compressive creep of Li foil, Ding, Fairgrieve-Park, Sendetskyi & Fleischauer, J. Power Sources
 * 488 (2021) 229404, doi:10.1016/j.jpowsour.2020.229404 (as quoted by Ham et al. 2022): the foil
 * thins at 0.06 µm/h under 2.2 MPa and 0.42 µm/h under 3.5 MPa at 30 °C.
 * Mapping to the model (an assumption, stated because the source gives rates, not strain rates): a
 * free-standing foil of thickness foilUm under uniaxial compression between frictionless platens, so
 * the thinning rate is foilUm·ε̇ with ε̇ = A·σⁿ at σ = the stack pressure. The foil thickness is not in
 * the papers at hand; 100 µm is assumed (A scales as 1/foilUm; n does not depend on it).
 */
export const DING_CREEP = { temperatureK: 303.15, foilUm: 100, points: [{ mpa: 2.2, umPerHour: 0.06 }, { mpa: 3.5, umPerHour: 0.42 }] } as const;
const R_GAS = 8.314462618;
const [d1, d2] = DING_CREEP.points;
/** n = ln(0.42/0.06)/ln(3.5/2.2) = 4.19 (physics.md §1.1); the bulk tensile value is 6.56 (Masias et al.). */
const DING_N = Math.log(d2.umPerHour / d1.umPerHour) / Math.log(d2.mpa / d1.mpa);
/** A at 298 K: the 30 °C fit moved to 25 °C with Q = 37 kJ/mol. */
const DING_A = (d1.umPerHour / 3600 / DING_CREEP.foilUm) / Math.pow(d1.mpa, DING_N) / Math.exp((-37e3 / R_GAS) * (1 / DING_CREEP.temperatureK - 1 / 298));

/**
 * Li defaults (sources in li-material.ts): E, ν Masias et al. 2019 (pulse-echo, 7.82 GPa, 0.381);
 * creep A, n from Ding et al. 2021 above (A at T0 = 298 K); Q = 37 kJ/mol (LePage et al. 2019);
 * σy = 0.77 MPa bulk yield (Masias et al., 0.73–0.81 MPa).
 */
export const LI_DEFAULTS = { E: 7820, nu: 0.381, n: DING_N, A: DING_A, Q: 37e3, T0: 298, sigmaY: 0.77 } as const;
export const LPSCL_DEFAULTS = { E: 25000, nu: 0.28 } as const;

/** Arrhenius factor exp(−Q/R (1/T − 1/T0)). */
export function arrhenius(T: number, Q: number = LI_DEFAULTS.Q, T0: number = LI_DEFAULTS.T0): number {
  return Math.exp((-Q / R_GAS) * (1 / T - 1 / T0));
}

/** A material parameter out of its physical range; `parameter` names it (e.g. 'li.E'). */
export class MaterialError extends Error {
  constructor(readonly parameter: string, message: string) {
    super(`${parameter}: ${message}`);
    this.name = 'MaterialError';
  }
}

/** Throw a MaterialError naming the first parameter of m out of range (`who` prefixes the name). */
export function checkMaterial(m: Material, who: string): void {
  const bad = (k: string, why: string, v: unknown) => { throw new MaterialError(`${who}.${k}`, `${why}, got ${String(v)}`); };
  if (!(m.E > 0) || !Number.isFinite(m.E)) bad('E', 'Young\'s modulus must be a positive number (MPa)', m.E);
  if (!(m.nu > -1 && m.nu < 0.5)) bad('nu', 'Poisson\'s ratio must lie in (−1, 0.5)', m.nu);
  if (m.law === 'creep' || m.law === 'viscoplastic') {
    if (!(m.A !== undefined && m.A >= 0 && Number.isFinite(m.A))) bad('A', 'the creep prefactor must be a number ≥ 0 (MPa^-n/s)', m.A);
    if (!(m.n !== undefined && m.n >= 1 && m.n <= 20)) bad('n', 'the creep exponent must lie in [1, 20]', m.n);
  }
  if (m.sigmaY !== undefined && !(m.sigmaY >= 0)) bad('sigmaY', 'the yield stress must be ≥ 0 (MPa)', m.sigmaY);
  if ((m.law === 'plastic' || m.law === 'viscoplastic') && !(m.sigmaY !== undefined && m.sigmaY > 0 && Number.isFinite(m.sigmaY))) bad('sigmaY', 'the yield stress must be positive (MPa)', m.sigmaY);
}

export function lameOf(m: Material): { K: number; G: number; lam: number } {
  const G = m.E / (2 * (1 + m.nu));
  const K = m.E / (3 * (1 - 2 * m.nu));
  return { K, G, lam: K - (2 / 3) * G };
}

/** Elastic 4×4 matrix (row-major) for [xx, yy, zz, γ]. */
export function elasticMatrix(m: Material, out = new Float64Array(16)): Float64Array {
  const { G, lam } = lameOf(m);
  out.fill(0);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) out[i * 4 + j] = lam + (i === j ? 2 * G : 0);
  out[15] = G;
  return out;
}

/**
 * Solve (q_tr − q) = 3G·dt·A·(q − σ0)ⁿ for q ∈ (σ0, q_tr). Returns q.
 *
 * With x = q − σ0, Q = q_tr − σ0, c = 3G·dt·A: h(x) = x + c·xⁿ − Q is increasing and convex on x > 0,
 * so Newton started at x0 = min(Q, (Q/c)^(1/n)) (where h ≥ 0) decreases monotonically to the root:
 * no bracketing is needed, typically 2–6 iterations from seconds to days.
 */
export function nortonReturn(qtr: number, G: number, dtA: number, n: number, s0: number, guess = 0): number {
  const Q = qtr - s0;
  if (!(Q > 0) || !(dtA > 0)) return qtr;
  const c = 3 * G * dtA;
  if (n === 1) return s0 + Q / (1 + c);
  let x: number;
  if (guess > s0 && guess < qtr) x = guess - s0; // warm start (previous iterate): Newton from below steps above in one step
  else {
    const cq = c * Math.exp((n - 1) * Math.log(Q)); // relative size of the creep term at x = Q
    if (cq < 1e-17) return qtr;
    x = cq > 1 ? Math.exp(Math.log(Q / c) / n) : Q;
    if (!(x <= Q)) x = Q;
  }
  for (let it = 0; it < 100; it++) {
    const xn1 = Math.exp((n - 1) * Math.log(x));
    const hx = x + c * xn1 * x - Q;
    const dh = 1 + n * c * xn1;
    const dx = hx / dh;
    let xn = x - dx;
    if (!(xn > 0)) xn = 0.5 * x; // cannot happen from above (convex h); guards round-off
    // quadratic convergence (h convex): after a step of relative size ρ the relative error is at most
    // ((n − 1)/2)·ρ², i.e. below 1e-12 for ρ ≤ 5e-7
    if (Math.abs(dx) <= 5e-7 * xn) { x = xn; break; }
    x = xn;
  }
  return s0 + x;
}

/**
 * Stress update at one Gauss point.
 * @param eps total strain [xx, yy, zz, γ]
 * @param ep  committed plastic/creep strain (tensor xx, yy, zz, xy) at ep[epOff..epOff+3], not modified
 * @param epOut updated plastic/creep strain
 * @param sig  stress out [xx, yy, zz, xy]
 * @param C    algorithmic tangent out (4×4) or null
 * @param qGuess previous σeq of the same step (warm start of the creep return), 0 = none
 * @returns Δεeq of the step
 */
export function stressUpdate(m: Material, eps: ArrayLike<number>, ep: ArrayLike<number>, dt: number, epOut: Float64Array, sig: Float64Array, C: Float64Array | null, epOff = 0, qGuess = 0): number {
  const G = m.E / (2 * (1 + m.nu));
  const K = m.E / (3 * (1 - 2 * m.nu));
  const exx = eps[0] - ep[epOff], eyy = eps[1] - ep[epOff + 1], ezz = eps[2] - ep[epOff + 2], exy = 0.5 * eps[3] - ep[epOff + 3];
  const tr = exx + eyy + ezz;
  const p = K * tr;
  const t3 = tr / 3;
  let sxx = 2 * G * (exx - t3), syy = 2 * G * (eyy - t3), szz = 2 * G * (ezz - t3), sxy = 2 * G * exy;
  const qtr = Math.sqrt(1.5 * (sxx * sxx + syy * syy + szz * szz + 2 * sxy * sxy));
  let q = qtr;
  let dphi = 0; // φ'(q) (∞ for plasticity → flagged by perfect)
  let perfect = false;
  const visco = m.law === 'viscoplastic';
  if ((m.law === 'creep' || visco) && dt > 0 && qtr > 0) {
    const s0 = visco ? 0 : (m.sigmaY ?? 0);
    const n = m.n ?? 1;
    const dtA = dt * (m.A ?? 0);
    if (qtr > s0 && dtA > 0) {
      q = nortonReturn(qtr, G, dtA, n, s0, qGuess);
      const de = (qtr - q) / (3 * G);
      dphi = q - s0 > 0 ? (n * de) / (q - s0) : 0;
    }
  }
  if (m.law === 'plastic' || visco) {
    const sy = m.sigmaY ?? Infinity;
    if (q > sy) { q = sy; perfect = true; }
  }
  const de = (qtr - q) / (3 * G);
  epOut[0] = ep[epOff]; epOut[1] = ep[epOff + 1]; epOut[2] = ep[epOff + 2]; epOut[3] = ep[epOff + 3];
  let theta = 1;
  let nxx = 0, nyy = 0, nzz = 0, nxy = 0;
  if (de > 0 && qtr > 0) {
    const f = (1.5 * de) / qtr; // Δε_p = (3/2) Δe s_tr / q_tr
    epOut[0] += f * sxx; epOut[1] += f * syy; epOut[2] += f * szz; epOut[3] += f * sxy;
    theta = q / qtr;
    const norm = Math.sqrt(sxx * sxx + syy * syy + szz * szz + 2 * sxy * sxy);
    nxx = sxx / norm; nyy = syy / norm; nzz = szz / norm; nxy = sxy / norm;
    sxx *= theta; syy *= theta; szz *= theta; sxy *= theta;
  }
  sig[0] = p + sxx; sig[1] = p + syy; sig[2] = p + szz; sig[3] = sxy;
  if (C) {
    const a = 2 * G * theta;
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) C[i * 4 + j] = K + a * ((i === j ? 1 : 0) - 1 / 3);
    C[3] = C[7] = C[11] = C[12] = C[13] = C[14] = 0;
    C[15] = 0.5 * a;
    if (de > 0) {
      // perfect plasticity: the consistent tangent is only semi-definite along n; keep 1e-6·2G there
      const tb = perfect ? theta - 1e-6 : theta - 1 / (1 + 3 * G * dphi);
      const c = 2 * G * tb;
      const c0 = c * nxx, c1 = c * nyy, c2 = c * nzz, c3 = c * nxy;
      C[0] -= c0 * nxx; C[1] -= c0 * nyy; C[2] -= c0 * nzz; C[3] -= c0 * nxy;
      C[4] -= c1 * nxx; C[5] -= c1 * nyy; C[6] -= c1 * nzz; C[7] -= c1 * nxy;
      C[8] -= c2 * nxx; C[9] -= c2 * nyy; C[10] -= c2 * nzz; C[11] -= c2 * nxy;
      C[12] -= c3 * nxx; C[13] -= c3 * nyy; C[14] -= c3 * nzz; C[15] -= c3 * nxy;
    }
  }
  return de;
}
