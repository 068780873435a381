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
import { solveConduction, type ConductionProblem, type ConductionSolution, type Sides, type SolveOptions, type SolveStats } from './solver.js';

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
  /** Options of the map-resolution solve (warm start, progress, multigrid settings). */
  solve?: SolveOptions;
  /**
   * Richardson extrapolation of the resistance and the hot-spot field to zero cell size (default
   * true): one more solve with every cell split 2×2×2 over the top `extrapolationDepthUm` of the
   * slab (default max(λ, 8 layers) rounded up to a multiple of 16 layers, at most L). Costs about 8× the map-resolution solve over that depth.
   */
  extrapolate?: boolean;
  extrapolationDepthUm?: number;
  /** Side of the square tiles (µm) the hot-spot current density is averaged over (default 2 µm). */
  hotspotTileUm?: number;
  /** Recorded in the summary (what ran the solves). */
  backendDescription?: string;
}

export interface CurrentSummary {
  grid: { nz: number; ny: number; nx: number; dx_um: number; dy_um: number; dz_um: number };
  thickness_um: number;
  sigma_mS_cm: number;
  rct_ohm_cm2: number;
  sides: Sides;
  contact_fraction: number;
  /** Extrapolated to zero cell size when extrapolation.applied (see resistance_definition). */
  resistance_ohm_cm2: number;
  resistance_definition: string;
  /** The map-resolution solve. */
  resistance_raw_ohm_cm2: number;
  bulk_ohm_cm2: number;
  constriction_ohm_cm2: number;
  constriction_raw_ohm_cm2: number;
  /** Rct / contact fraction: the charge-transfer part for uniform current on the contacts. */
  charge_transfer_ohm_cm2: number;
  /** resistance − L/σ − Rct/f (the ohmic constriction left when Rct > 0). */
  constriction_excl_ct_ohm_cm2: number;
  lambda_um: number | null;
  lambda_definition: string;
  wagner_number: number | null;
  extrapolation:
    | { applied: false; reason: string }
    | {
        applied: true;
        method: string;
        depth_um: number;
        refined_grid: { nz: number; ny: number; nx: number };
        resistance_h_depth_ohm_cm2: number;
        resistance_h2_depth_ohm_cm2: number;
        correction_ohm_cm2: number;
      };
  hotspots: {
    definition: string;
    tile_um: number;
    tile_px: number;
    tiles_with_contact: number;
    /** Mean of the pixel current density / nominal over contact pixels (= 1/f exactly). */
    mean_on_contact: number;
    /** Contact-area-weighted percentiles / max of the tile-averaged current density / nominal. */
    p50: number;
    p99: number;
    p999: number;
    max: number;
    /** The same of the raw pixel values at the map resolution (not resolution-independent: edge pixels grow like h^−1/2). */
    pixel_p99: number;
    pixel_p999: number;
    pixel_max: number;
    j_nominal_mA_cm2?: number;
    j_crit_mA_cm2?: number;
    /** Fraction of the map area (and of the contact area) in tiles whose mean j exceeds j_crit. */
    area_fraction_above_jcrit?: number;
    contact_fraction_above_jcrit?: number;
  };
  backend: string;
  solver: Omit<SolveStats, 'residual_history'> & { time_s: number; tol: number; residual_history: number[]; extra_solves: Omit<SolveStats, 'residual_history'>[] };
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
  /** [ny·nx] interface current density / nominal mean current density at the map resolution (raw solve); 0 off contact. */
  density: Float32Array;
  /** Hot-spot tiles (row-major from the map origin): mean j/j_nominal on each tile's contact area (extrapolated when applied) and that area. */
  tiles: { values: Float64Array; contactAreaUm2: Float64Array };
  /** The map-resolution, full-depth solution. */
  solution: ConductionSolution;
}

/** Contact map with each pixel split into r×r pixels of the same value. */
export function refineMap(c: ArrayLike<number>, ny: number, nx: number, r: number): Uint8Array {
  const out = new Uint8Array(ny * nx * r * r);
  const NX = nx * r;
  for (let y = 0; y < ny * r; y++) {
    const src = ((y / r) | 0) * nx;
    for (let x = 0; x < NX; x++) out[y * NX + x] = c[src + ((x / r) | 0)] > 0 ? 1 : 0;
  }
  return out;
}

/** The top `nzTop` layers of a [nz, ny, nx] mask, each voxel split into r×r×r. */
export function refineMask(m: Uint8Array, nzTop: number, ny: number, nx: number, r: number): Uint8Array {
  const NX = nx * r;
  const NY = ny * r;
  const out = new Uint8Array(nzTop * r * NY * NX);
  for (let z = 0; z < nzTop * r; z++)
    for (let y = 0; y < NY; y++) {
      const src = ((z / r) | 0) * ny * nx + ((y / r) | 0) * nx;
      const dst = (z * NY + y) * NX;
      for (let x = 0; x < NX; x++) out[dst + x] = m[src + ((x / r) | 0)];
    }
  return out;
}

/** Overlap of pixels [i·h, (i+1)·h) with tiles [t·ℓ, (t+1)·ℓ) along one axis: (pixel, tile, length) triples. */
function axisOverlaps(n: number, h: number, tile: number): { pix: Int32Array; tile: Int32Array; len: Float64Array; tiles: number } {
  const pix: number[] = [];
  const til: number[] = [];
  const len: number[] = [];
  const eps = 1e-9 * Math.min(h, tile);
  for (let i = 0; i < n; i++) {
    const a = i * h;
    const b = (i + 1) * h;
    for (let t = Math.floor((a + eps) / tile); t * tile < b - eps; t++) {
      const ov = Math.min(b, (t + 1) * tile) - Math.max(a, t * tile);
      if (ov > eps) {
        pix.push(i);
        til.push(t);
        len.push(ov);
      }
    }
  }
  return { pix: Int32Array.from(pix), tile: Int32Array.from(til), len: Float64Array.from(len), tiles: Math.ceil((n * h - eps) / tile) };
}

/**
 * Sum of `f` (per pixel of a ny × nx grid with pixel dx × dy) over square tiles of side `tileUm`
 * aligned with the map origin, weighted by the area each pixel shares with each tile: tile index
 * ty·tnx + tx. Tiles are fixed physical regions, so these integrals converge under refinement.
 */
export function tileIntegrals(f: ArrayLike<number>, ny: number, nx: number, dx: number, dy: number, tileUm: number): { sums: Float64Array; tny: number; tnx: number } {
  const ox = axisOverlaps(nx, dx, tileUm);
  const oy = axisOverlaps(ny, dy, tileUm);
  const sums = new Float64Array(oy.tiles * ox.tiles);
  for (let a = 0; a < oy.pix.length; a++) {
    const row = oy.pix[a] * nx;
    const trow = oy.tile[a] * ox.tiles;
    const ly = oy.len[a];
    for (let b = 0; b < ox.pix.length; b++) {
      const v = f[row + ox.pix[b]];
      if (v !== 0) sums[trow + ox.tile[b]] += v * ly * ox.len[b];
    }
  }
  return { sums, tny: oy.tiles, tnx: ox.tiles };
}

/** Weighted percentile (q in [0, 1]): linear in q between the cumulative-weight midpoints of the sorted values. */
export function weightedPercentile(values: ArrayLike<number>, weights: ArrayLike<number>, q: number): number {
  return weightedPercentiles(values, weights, [q])[0];
}

/** weightedPercentile at several q, sorting once (a stable sort of the indices, as before). */
export function weightedPercentiles(values: ArrayLike<number>, weights: ArrayLike<number>, qs: readonly number[]): number[] {
  let m = 0;
  for (let i = 0; i < values.length; i++) if (weights[i] > 0) m++;
  if (!m) return qs.map(() => 0);
  const idx = new Int32Array(m);
  for (let i = 0, k = 0; i < values.length; i++) if (weights[i] > 0) idx[k++] = i;
  idx.sort((a, b) => values[a] - values[b]);
  let W = 0;
  for (const i of idx) W += weights[i];
  return qs.map((q) => {
    let c = 0;
    let prevMid = -Infinity;
    let prevV = values[idx[0]];
    for (const i of idx) {
      const mid = (c + weights[i] / 2) / W;
      if (q <= mid) return prevMid === -Infinity ? values[i] : prevV + ((q - prevMid) / (mid - prevMid)) * (values[i] - prevV);
      c += weights[i];
      prevMid = mid;
      prevV = values[i];
    }
    return prevV;
  });
}

/** A solve the driver must perform (sync on the cpu, async on the gpu). */
interface SolveRequest {
  problem: ConductionProblem;
  options: SolveOptions;
}

/** Default hot-spot tile side (µm). */
export const DEFAULT_HOTSPOT_TILE_UM = 2;

function* runCore(contact: ArrayLike<number>, ny: number, nx: number, dx: number, dy: number, o: CurrentOptions): Generator<SolveRequest, CurrentResult, ConductionSolution> {
  const sigma = o.sigmaMsPerCm ?? 2;
  const rct = o.rctOhmCm2 ?? 0;
  const sides = o.sides ?? 'periodic';
  const tol = o.tol ?? 1e-8;
  const extrapolate = o.extrapolate ?? true;
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
  const periodic = sides === 'periodic';
  const tile = o.hotspotTileUm ?? DEFAULT_HOTSPOT_TILE_UM;
  if (!(tile > 0)) throw new RangeError('hot-spot tile size must be positive');
  const t0 = performance.now();
  const mask = o.conducting?.mask ?? null;
  const sol: ConductionSolution = yield { problem: { nx, ny, nz, dx, dy, dz, contact, rho, sides, conducting: mask }, options: { tol, ...o.solve } };
  const plane = nx * ny;
  let nContact = 0;
  for (let i = 0; i < plane; i++) if (contact[i] > 0) nContact++;
  const f = nContact / plane;
  const sp = contactSpacing(contact, ny, nx, dx, dy, periodic);
  // hot-spot tiles: contact area per tile (from the map) and, per solve, current per tile / nominal
  const contactArea = tileIntegrals(Float64Array.from({ length: plane }, (_, i) => (contact[i] > 0 ? 1 : 0)), ny, nx, dx, dy, tile).sums;
  const tileDensity = (s: ConductionSolution, r: number) => {
    const jbar = s.current / (plane * dx * dy);
    const t = tileIntegrals(s.jTop, ny * r, nx * r, dx / r, dy / r, tile).sums;
    for (let k = 0; k < t.length; k++) t[k] = contactArea[k] > 0 && jbar > 0 ? t[k] / contactArea[k] / jbar : 0;
    return t;
  };
  const rawTiles = tileDensity(sol, 1);
  let tiles = rawTiles;
  let extrap: CurrentSummary['extrapolation'] = { applied: false, reason: extrapolate ? 'no contact edge (λ undefined): the map-resolution result has no edge error' : 'disabled' };
  let R = sol.resistanceUm;
  const stats: Omit<SolveStats, 'residual_history'>[] = [];
  if (extrapolate && sp.lambdaUm !== null && sol.current > 0) {
    // Richardson in the cell size: the contact-edge error is first order in h, so
    // R ≈ R_h + 2·(R_{h/2} − R_h), the refined solve splitting every cell 2×2×2 (same contact map).
    // The correction lives at the interface (edge singularities), so both solves for it use only
    // the top D = min(L, max(λ, 8 layers) rounded up to 16 layers) of the slab: the field below decays like exp(−2πz/λ).
    const depthWanted = o.extrapolationDepthUm ?? Math.max(sp.lambdaUm, 8 * dz);
    // a multiple of 16 layers, so that the multigrid can coarsen z as often as the lateral axes
    const nzD = Math.min(nz, 16 * Math.max(1, Math.ceil(depthWanted / dz / 16)));
    const D = nzD * dz;
    let solD = sol;
    if (nzD < nz) solD = yield { problem: { nx, ny, nz: nzD, dx, dy, dz, contact, rho, sides, conducting: mask ? mask.subarray(0, nzD * plane) : null }, options: { tol } };
    const solF: ConductionSolution = yield {
      problem: {
        nx: 2 * nx, ny: 2 * ny, nz: 2 * nzD, dx: dx / 2, dy: dy / 2, dz: dz / 2, contact: refineMap(contact, ny, nx, 2), rho, sides,
        conducting: mask ? refineMask(mask, nzD, ny, nx, 2) : null,
      },
      options: { tol },
    };
    const corr = 2 * (solF.resistanceUm - solD.resistanceUm);
    R = sol.resistanceUm + corr;
    const tD = nzD < nz ? tileDensity(solD, 1) : rawTiles;
    const tF = tileDensity(solF, 2);
    tiles = new Float64Array(rawTiles.length);
    for (let k = 0; k < tiles.length; k++) tiles[k] = rawTiles[k] + 2 * (tF[k] - tD[k]);
    const strip = (st: SolveStats) => {
      const { residual_history: _h, ...rest } = st;
      return rest;
    };
    if (nzD < nz) stats.push(strip(solD.stats));
    stats.push(strip(solF.stats));
    extrap = {
      applied: true,
      method: 'Richardson, first order in h: R = R_h + 2·(R_{h/2} − R_h) with R_{h/2} from every cell split 2×2×2 (same contact map), both over the top depth_um of the slab',
      depth_um: D,
      refined_grid: { nz: 2 * nzD, ny: 2 * ny, nx: 2 * nx },
      resistance_h_depth_ohm_cm2: solD.resistanceUm * toOhmCm2,
      resistance_h2_depth_ohm_cm2: solF.resistanceUm * toOhmCm2,
      correction_ohm_cm2: corr * toOhmCm2,
    };
  }
  const time = (performance.now() - t0) / 1000;
  const density = new Float32Array(plane);
  const jbar = sol.current / (plane * dx * dy);
  const pixelVals: number[] = [];
  for (let i = 0; i < plane; i++) {
    if (contact[i] > 0) {
      const v = jbar > 0 ? sol.jTop[i] / jbar : 0;
      density[i] = v;
      pixelVals.push(v);
    }
  }
  const pix = Float64Array.from(pixelVals).sort();
  let tmax = 0;
  for (let k = 0; k < tiles.length; k++) if (contactArea[k] > 0) tmax = Math.max(tmax, tiles[k]);
  let mean = 0;
  for (const v of pixelVals) mean += v;
  mean = pixelVals.length ? mean / pixelVals.length : 0;
  const bulk = L * toOhmCm2;
  const Rraw = sol.resistanceUm * toOhmCm2;
  const Rext = R * toOhmCm2;
  const ct = f > 0 ? rct / f : Infinity;
  const hot: CurrentSummary['hotspots'] = {
    definition:
      `j/j_nominal averaged over the contact area of each ${tile} µm × ${tile} µm tile (tiles aligned with the map origin), ` +
      `percentiles weighted by the tile's contact area${extrap.applied ? '; tile values Richardson-extrapolated like the resistance' : ''}`,
    tile_um: tile,
    tile_px: tile / Math.max(dx, dy),
    tiles_with_contact: contactArea.reduce((n, a) => n + (a > 0 ? 1 : 0), 0),
    mean_on_contact: mean,
    ...(([p50, p99, p999]) => ({ p50, p99, p999 }))(weightedPercentiles(tiles, contactArea, [0.5, 0.99, 0.999])),
    max: tmax,
    pixel_p99: percentileSorted(pix, 0.99),
    pixel_p999: percentileSorted(pix, 0.999),
    pixel_max: pix.length ? pix[pix.length - 1] : 0,
  };
  if (o.jNominalMaCm2 !== undefined && o.jCritMaCm2 !== undefined) {
    const thr = o.jCritMaCm2 / o.jNominalMaCm2;
    let above = 0;
    let contactTotal = 0;
    for (let k = 0; k < tiles.length; k++) {
      contactTotal += contactArea[k];
      if (tiles[k] > thr) above += contactArea[k];
    }
    hot.j_nominal_mA_cm2 = o.jNominalMaCm2;
    hot.j_crit_mA_cm2 = o.jCritMaCm2;
    hot.area_fraction_above_jcrit = above / (plane * dx * dy);
    hot.contact_fraction_above_jcrit = contactTotal > 0 ? above / contactTotal : 0;
  }
  const h = sol.stats.residual_history;
  const summary: CurrentSummary = {
    grid: { nz, ny, nx, dx_um: dx, dy_um: dy, dz_um: dz },
    thickness_um: L,
    sigma_mS_cm: sigma,
    rct_ohm_cm2: rct,
    sides,
    contact_fraction: f,
    resistance_ohm_cm2: Rext,
    resistance_definition: extrap.applied
      ? 'extrapolated to zero cell size (Richardson, see extrapolation); resistance_raw_ohm_cm2 is the map-resolution solve'
      : 'map-resolution solve (no extrapolation applied)',
    resistance_raw_ohm_cm2: Rraw,
    bulk_ohm_cm2: bulk,
    constriction_ohm_cm2: Rext - bulk,
    constriction_raw_ohm_cm2: Rraw - bulk,
    charge_transfer_ohm_cm2: ct,
    constriction_excl_ct_ohm_cm2: Rext - bulk - ct,
    lambda_um: sp.lambdaUm,
    lambda_definition: '2·A_map / P, P = contact perimeter along pixel edges (period for stripes)',
    wagner_number: sp.lambdaUm ? (sigmaSCm * rct * 1e4) / sp.lambdaUm : null,
    extrapolation: extrap,
    hotspots: hot,
    backend: o.backendDescription ?? 'cpu: float64, single thread',
    solver: {
      ...sol.stats,
      residual_history: h.length > 40 ? h.filter((_, i) => i % Math.ceil(h.length / 40) === 0 || i === h.length - 1) : h,
      time_s: time,
      tol,
      extra_solves: stats,
    },
  };
  return { summary, density, tiles: { values: tiles, contactAreaUm2: contactArea }, solution: sol };
}

/** Current constriction on the cpu (synchronous). */
export function runCurrent(contact: ArrayLike<number>, ny: number, nx: number, dx: number, dy: number, o: CurrentOptions): CurrentResult {
  const g = runCore(contact, ny, nx, dx, dy, o);
  let next = g.next();
  while (!next.done) next = g.next(solveConduction(next.value.problem, next.value.options));
  return next.value;
}

/** The same with any solver (the gpu-preconditioned one: see runCurrentOn). */
export async function runCurrentWith(
  solve: (p: ConductionProblem, o: SolveOptions) => Promise<ConductionSolution>,
  contact: ArrayLike<number>, ny: number, nx: number, dx: number, dy: number, o: CurrentOptions,
): Promise<CurrentResult> {
  const g = runCore(contact, ny, nx, dx, dy, o);
  let next = g.next();
  while (!next.done) next = g.next(await solve(next.value.problem, next.value.options));
  return next.value;
}
