/**
 * Li constitutive inputs in one typed record, for the 2D contact FEM and any other contact solver:
 * elastic constants, Norton creep with its Arrhenius factor, and a yield stress that depends on the
 * contact/asperity length scale. Every constant has a default from the literature (source beside it)
 * and can be replaced; `checkLiMaterial` names the first bad parameter.
 */
import { LI_DEFAULTS, MaterialError, arrhenius, type Law, type Material } from './material.js';

export interface LiMaterial {
  /** Young's modulus (MPa) and Poisson's ratio. */
  E: number;
  nu: number;
  /** Norton ε̇ = A·σⁿ (uniaxial; MPa^-n s^-1) at the reference temperature T0 (K). */
  creepA: number;
  creepN: number;
  /** Creep activation energy (J/mol). */
  creepQ: number;
  T0: number;
  /** Bulk yield stress (MPa): the floor of the size law. */
  yieldBulk: number;
  /** Size law σy(L) = max(yieldBulk, yieldRef·(L/sizeRefUm)^−sizeExponent); exponent 0 = no size effect (σy = yieldBulk). */
  yieldRef: number;
  sizeRefUm: number;
  sizeExponent: number;
}

/**
 * Defaults and their sources:
 * - E = 7.82 GPa, ν = 0.381: Masias, Felten, Garcia-Mendez, Wolfenstine & Sakamoto, J. Mater. Sci. 54
 *   (2019) 2585, doi:10.1007/s10853-018-2971-3 (acoustic pulse-echo; physics.md §1.1).
 * - creep A, n: fitted to Ding et al., J. Power Sources 488 (2021) 229404 (see DING_CREEP in
 *   material.ts: n = 4.19, A for a 100 µm foil); Q = 37 kJ/mol: LePage, Chen, Poli, Wang, Abel,
 *   Dasgupta & Thouless, J. Electrochem. Soc. 166 (2019) A89, doi:10.1149/2.0221902jes.
 * - yieldBulk = 0.77 MPa: Masias et al. 2019 (0.73–0.81 MPa in tension and compression).
 * - size law: Xu, Ahmad, Lee, Qian, Qi, Cui & Nix, PNAS 114 (2017) 57, doi:10.1073/pnas.1615733114:
 *   micropillar strength σ ∝ D^−0.68 at room temperature, up to ≈ 105 MPa for the smallest pillars
 *   (physics.md §1.1). The anchor (105 MPa at 0.5 µm) places that strength at a sub-micron diameter:
 *   an assumption, settable. With it σy reaches the bulk 0.77 MPa at L ≈ 0.7 mm.
 */
export const LI_MATERIAL_DEFAULTS: Readonly<LiMaterial> = {
  E: LI_DEFAULTS.E, nu: LI_DEFAULTS.nu,
  creepA: LI_DEFAULTS.A, creepN: LI_DEFAULTS.n, creepQ: LI_DEFAULTS.Q, T0: LI_DEFAULTS.T0,
  yieldBulk: LI_DEFAULTS.sigmaY, yieldRef: 105, sizeRefUm: 0.5, sizeExponent: 0.68,
};

/** The defaults with `over` applied, checked. */
export function liMaterialParams(over: Partial<LiMaterial> = {}): LiMaterial {
  const m: LiMaterial = { ...LI_MATERIAL_DEFAULTS };
  for (const [k, v] of Object.entries(over) as Array<[keyof LiMaterial, number | undefined]>) if (v !== undefined) m[k] = v;
  checkLiMaterial(m);
  return m;
}

/** Throws a MaterialError naming the first parameter out of range ('li.E', 'li.creepN', …). */
export function checkLiMaterial(m: LiMaterial): void {
  const rules: Array<[keyof LiMaterial, (v: number) => boolean, string]> = [
    ['E', (v) => v > 0, 'must be positive (MPa)'],
    ['nu', (v) => v > -1 && v < 0.5, 'must lie in (−1, 0.5)'],
    ['creepA', (v) => v >= 0, 'must be ≥ 0 (MPa^-n/s)'],
    ['creepN', (v) => v >= 1 && v <= 20, 'must lie in [1, 20]'],
    ['creepQ', (v) => v >= 0, 'must be ≥ 0 (J/mol)'],
    ['T0', (v) => v > 0, 'must be positive (K)'],
    ['yieldBulk', (v) => v > 0, 'must be positive (MPa)'],
    ['yieldRef', (v) => v > 0, 'must be positive (MPa)'],
    ['sizeRefUm', (v) => v > 0, 'must be positive (µm)'],
    ['sizeExponent', (v) => v >= 0 && v <= 2, 'must lie in [0, 2]'],
  ];
  for (const [k, ok, why] of rules) {
    const v = m[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new MaterialError(`li.${k}`, `${why}, got ${String(v)}`);
  }
}

/** Size-dependent yield stress (MPa) at contact/asperity length L (µm); never below the bulk value. */
export function liYieldStress(m: LiMaterial, lengthUm: number): number {
  if (!(lengthUm > 0) || !Number.isFinite(lengthUm)) throw new MaterialError('li.lengthUm', `the length scale must be a positive number (µm), got ${lengthUm}`);
  if (m.sizeExponent === 0) return m.yieldBulk; // no size effect
  return Math.max(m.yieldBulk, m.yieldRef * Math.pow(lengthUm / m.sizeRefUm, -m.sizeExponent));
}

/** Norton prefactor at temperature T (K): A·exp(−Q/R (1/T − 1/T0)). */
export function liCreepA(m: LiMaterial, temperatureK: number): number {
  if (!(temperatureK > 0)) throw new MaterialError('li.temperatureK', `the temperature must be positive (K), got ${temperatureK}`);
  return m.creepA * arrhenius(temperatureK, m.creepQ, m.T0);
}

/** Uniaxial creep strain rate (1/s) at equivalent stress σ (MPa) and temperature T (K). */
export function liCreepRate(m: LiMaterial, sigmaMpa: number, temperatureK: number): number {
  return liCreepA(m, temperatureK) * Math.pow(Math.max(0, sigmaMpa), m.creepN);
}

export interface LiLawOptions {
  temperatureK: number;
  /** Contact/asperity length (µm) for the size-dependent yield (plastic, viscoplastic). */
  lengthUm?: number;
  /** A fixed yield stress (plastic, viscoplastic) or creep threshold (creep), MPa; overrides the size law. */
  yieldMpa?: number | null;
}

/**
 * The FEM material of one Li law: elastic; creep (Norton at T, threshold yieldMpa or 0); plastic
 * (perfectly plastic at σy); viscoplastic (creep plus the rate-independent cap σy). σy is yieldMpa
 * when given, else the size law at lengthUm, else the bulk yield.
 */
export function liFeMaterial(m: LiMaterial, law: Law, o: LiLawOptions): Material {
  const fe: Material = { E: m.E, nu: m.nu, law, bbar: true };
  if (law === 'creep' || law === 'viscoplastic') { fe.A = liCreepA(m, o.temperatureK); fe.n = m.creepN; }
  if (law === 'creep') fe.sigmaY = o.yieldMpa ?? 0;
  if (law === 'plastic' || law === 'viscoplastic') fe.sigmaY = o.yieldMpa ?? (o.lengthUm !== undefined ? liYieldStress(m, o.lengthUm) : m.yieldBulk);
  return fe;
}
