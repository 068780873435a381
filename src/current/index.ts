/**
 * Current constriction at the Li / electrolyte interface (physics.md §5 item 5; fem-verification.md
 * §3 items 11–16): steady 3D conduction through an electrolyte slab of thickness L under a 2D
 * contact map, solved by MG-preconditioned CG (solver.ts; stencil kernels in stencil.ts).
 *
 * Units: σ in mS/cm, Rct in Ω·cm², lengths in µm. Resistances are area-specific over the map area
 * (Ω·cm²). The solver works with σ = 1 and lengths in µm, so R[Ω·cm²] = R[µm]·1e-4 / σ[S/cm] and
 * σ·Rct = Rct[Ω·cm²]·σ[S/cm]·1e4 µm.
 *
 * Wagner number Wa = σ·Rct/λ with λ = 2·A_map / P, P the contact perimeter measured along pixel
 * edges (x-transitions × dy + y-transitions × dx, wrap edges included for periodic sides): for
 * stripes λ is exactly their period; in general it is the mean contact + gap chord length along the
 * grid axes. λ is null (and Wa null) when the map has no contact boundary.
 */
import { solveConduction, type ConductionSolution, type Sides, type SolveOptions, type SolveStats } from './solver.js';

export { solveConduction, buildFineLevel, Multigrid, pcg, rhsOf, type ConductionProblem, type ConductionSolution, type Sides, type SolveStats } from './solver.js';
export { applyRange, gsColorRange, residualRange, type StencilLevel } from './stencil.js';

export interface CurrentOptions {
  /** Electrolyte slab thickness L (µm). Ignored when `conducting` is given (then L = nz·dz). */
  thicknessUm: number;
  /** Layers across L (default: L / pixel size, clamped to [4, 512]). */
  layers?: number;
  sigmaMsPerCm?: number;
  rctOhmCm2?: number;
  sides?: Sides;
  /** [nz·ny·nx] conducting mask (electrolyte voxels) with its layer count and thickness. */
  conducting?: { mask: Uint8Array; nz: number; dz: number } | null;
  jNominalMaCm2?: number;
  jCritMaCm2?: number;
  tol?: number;
  solve?: SolveOptions;
}

export interface CurrentSummary {
  grid: { nz: number; ny: number; nx: number; dx_um: number; dy_um: number; dz_um: number };
  thickness_um: number;
  sigma_mS_cm: number;
  rct_ohm_cm2: number;
  sides: Sides;
  contact_fraction: number;
  resistance_ohm_cm2: number;
  bulk_ohm_cm2: number;
  constriction_ohm_cm2: number;
  /** Rct / contact fraction: the charge-transfer part for uniform current on the contacts. */
  charge_transfer_ohm_cm2: number;
  /** resistance − L/σ − Rct/f (the ohmic constriction left when Rct > 0). */
  constriction_excl_ct_ohm_cm2: number;
  lambda_um: number | null;
  lambda_definition: string;
  wagner_number: number | null;
  hotspots: {
    /** Interface current density / nominal mean current density, over contact pixels. */
    mean_on_contact: number;
    p50: number;
    p99: number;
    p999: number;
    max: number;
    j_nominal_mA_cm2?: number;
    j_crit_mA_cm2?: number;
    /** Fraction of the map area (and of the contact area) where j_local > j_crit. */
    area_fraction_above_jcrit?: number;
    contact_fraction_above_jcrit?: number;
  };
  solver: Omit<SolveStats, 'residual_history'> & { time_s: number; tol: number; residual_history: number[] };
}

/** Linear-interpolation percentile of a sorted array (q in [0, 1]). */
export function percentileSorted(s: ArrayLike<number>, q: number): number {
  const n = s.length;
  if (n === 0) return 0;
  const x = q * (n - 1);
  const i = Math.floor(x);
  const f = x - i;
  return i + 1 < n ? s[i] * (1 - f) + s[i + 1] * f : s[n - 1];
}

/** Contact perimeter along pixel edges (µm) and the derived spacing λ = 2A/P. */
export function contactSpacing(contact: ArrayLike<number>, ny: number, nx: number, dx: number, dy: number, periodic: boolean): { perimeterUm: number; lambdaUm: number | null } {
  let tx = 0;
  let ty = 0;
  const c = (i: number) => (contact[i] > 0 ? 1 : 0);
  for (let y = 0; y < ny; y++)
    for (let x = 0; x < nx; x++) {
      const i = y * nx + x;
      if (x < nx - 1) tx += c(i) ^ c(i + 1);
      else if (periodic && nx > 1) tx += c(i) ^ c(y * nx);
      if (y < ny - 1) ty += c(i) ^ c(i + nx);
      else if (periodic && ny > 1) ty += c(i) ^ c(x);
    }
  const P = tx * dy + ty * dx;
  return { perimeterUm: P, lambdaUm: P > 0 ? (2 * nx * ny * dx * dy) / P : null };
}

export interface CurrentResult {
  summary: CurrentSummary;
  /** [ny·nx] interface current density / nominal mean current density; 0 off contact. */
  density: Float32Array;
  solution: ConductionSolution;
}

export function runCurrent(contact: ArrayLike<number>, ny: number, nx: number, dx: number, dy: number, o: CurrentOptions): CurrentResult {
  const sigma = o.sigmaMsPerCm ?? 2;
  const rct = o.rctOhmCm2 ?? 0;
  const sides = o.sides ?? 'periodic';
  const tol = o.tol ?? 1e-8;
  if (!(sigma > 0)) throw new RangeError('sigma must be positive');
  if (!(rct >= 0)) throw new RangeError('Rct must be ≥ 0');
  let nz: number;
  let dz: number;
  if (o.conducting) {
    nz = o.conducting.nz;
    dz = o.conducting.dz;
  } else {
    if (!(o.thicknessUm > 0)) throw new RangeError('thickness must be positive');
    nz = o.layers ?? Math.min(512, Math.max(4, Math.round(o.thicknessUm / Math.min(dx, dy))));
    dz = o.thicknessUm / nz;
  }
  const L = nz * dz;
  const sigmaSCm = sigma * 1e-3;
  const toOhmCm2 = 1e-4 / sigmaSCm;
  const rho = rct * sigmaSCm * 1e4; // σ·Rct in µm
  const t0 = performance.now();
  const sol = solveConduction(
    { nx, ny, nz, dx, dy, dz, contact, rho, sides, conducting: o.conducting?.mask ?? null },
    { tol, ...o.solve },
  );
  const time = (performance.now() - t0) / 1000;
  const plane = nx * ny;
  let nContact = 0;
  for (let i = 0; i < plane; i++) if (contact[i] > 0) nContact++;
  const f = nContact / plane;
  const jbar = sol.current / (plane * dx * dy);
  const density = new Float32Array(plane);
  const onContact: number[] = [];
  for (let i = 0; i < plane; i++) {
    if (contact[i] > 0) {
      const v = jbar > 0 ? sol.jTop[i] / jbar : 0;
      density[i] = v;
      onContact.push(v);
    }
  }
  const sorted = Float64Array.from(onContact).sort();
  let mean = 0;
  for (const v of onContact) mean += v;
  mean = onContact.length ? mean / onContact.length : 0;
  const R = sol.resistanceUm * toOhmCm2;
  const bulk = L * toOhmCm2;
  const ct = f > 0 ? rct / f : Infinity;
  const sp = contactSpacing(contact, ny, nx, dx, dy, sides === 'periodic');
  const hot: CurrentSummary['hotspots'] = {
    mean_on_contact: mean,
    p50: percentileSorted(sorted, 0.5),
    p99: percentileSorted(sorted, 0.99),
    p999: percentileSorted(sorted, 0.999),
    max: sorted.length ? sorted[sorted.length - 1] : 0,
  };
  if (o.jNominalMaCm2 !== undefined && o.jCritMaCm2 !== undefined) {
    const thr = o.jCritMaCm2 / o.jNominalMaCm2;
    let above = 0;
    for (const v of onContact) if (v > thr) above++;
    hot.j_nominal_mA_cm2 = o.jNominalMaCm2;
    hot.j_crit_mA_cm2 = o.jCritMaCm2;
    hot.area_fraction_above_jcrit = above / plane;
    hot.contact_fraction_above_jcrit = onContact.length ? above / onContact.length : 0;
  }
  const h = sol.stats.residual_history;
  const summary: CurrentSummary = {
    grid: { nz, ny, nx, dx_um: dx, dy_um: dy, dz_um: dz },
    thickness_um: L,
    sigma_mS_cm: sigma,
    rct_ohm_cm2: rct,
    sides,
    contact_fraction: f,
    resistance_ohm_cm2: R,
    bulk_ohm_cm2: bulk,
    constriction_ohm_cm2: R - bulk,
    charge_transfer_ohm_cm2: ct,
    constriction_excl_ct_ohm_cm2: R - bulk - ct,
    lambda_um: sp.lambdaUm,
    lambda_definition: '2·A_map / P, P = contact perimeter along pixel edges (period for stripes)',
    wagner_number: sp.lambdaUm ? (sigmaSCm * rct * 1e4) / sp.lambdaUm : null,
    hotspots: hot,
    solver: {
      ...sol.stats,
      residual_history: h.length > 40 ? h.filter((_, i) => i % Math.ceil(h.length / 40) === 0 || i === h.length - 1) : h,
      time_s: time,
      tol,
    },
  };
  return { summary, density, solution: sol };
}
