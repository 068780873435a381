/**
 * Phantom geometry: height-field layers along z (the interface normal) plus 3D inclusions (pores,
 * Li filaments), rasterised into labels and a partial-volume attenuation image.
 *
 * Conventions: z = 0 is the top of the volume (first slice); voxel k covers [k·dz, (k+1)·dz) µm and
 * gets the label of whatever contains its centre (k + 0.5)·dz. Every column (j, i) has one value of
 * each height field, evaluated at the column centre ((i + 0.5)·dx, (j + 0.5)·dy): the ground-truth
 * maps are therefore exact per column, and the partial-volume grey value of a voxel crossed by a
 * layer boundary is the exact length-weighted mix along z.
 */
import type { Shape3 } from '../io/volume.js';
import { InputError } from '../io/errors.js';
import { gaussianBlur3D, gaussianField2D, gaussianKernel, histogramQuantile, lognormalQuantile, normalQuantile, quantileOf, rankMap } from './fields.js';
import type { GreyLevels, PresetDefaults, PresetName } from './presets.js';
import { hashNormal, Rng, sliceKey, streamKey } from './rng.js';

export const LABEL = { void: 0, li: 1, electrolyte: 2, collector: 3, cathode: 4, outside: 5, masked: 255 } as const;

export interface Geometry {
  /** Label of each z-segment, from the top; segment s spans [bounds[s−1], bounds[s]). */
  phases: number[];
  /** Segment boundaries per column (µm), non-decreasing along the list. */
  bounds: Float64Array[];
  /** Electrolyte surface z (µm) per column. */
  surface: Float64Array;
  /** Li layer thickness (µm) per column: exactly the Li inside the layer, voids excluded. */
  liThickness: Float64Array;
  /** Interfacial void (pocket + gap) thickness per column (µm), depleted only. */
  voidThickness: Float64Array;
  /** Scale applied to all z thicknesses because the requested stack did not fit (1 = none). */
  zScale: number;
  info: Record<string, number>;
  /** Grey of each segment when it is not the label's nominal grey (steel plunger vs carbon collector, air). */
  segGrey?: number[];
  /** Pores only where the voxel centre is above this z (µm) too: the end of the electrolyte region. */
  poreEnd?: Float64Array;
  /** Suppress pores within surfaceBandUm before poreEnd as well (an electrode lies beyond it). */
  poreEndBand?: boolean;
}

export function meanOf(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return a.length ? s / a.length : 0;
}

export function maxOf(a: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < a.length; i++) if (a[i] > m) m = a[i];
  return m;
}

export function minOf(a: ArrayLike<number>): number {
  let m = Infinity;
  for (let i = 0; i < a.length; i++) if (a[i] < m) m = a[i];
  return m;
}

/** Rescale a field to zero mean and the given std on this field of view (exact Rq). */
export function standardise(f: Float64Array, std: number): Float64Array {
  const m = meanOf(f);
  let v = 0;
  for (let i = 0; i < f.length; i++) v += (f[i] - m) ** 2;
  const s = Math.sqrt(v / f.length) || 1;
  for (let i = 0; i < f.length; i++) f[i] = ((f[i] - m) / s) * std;
  return f;
}

/** Build the layered height-field geometry of a preset. */
export function buildLayers(preset: PresetName, p: PresetDefaults, shape: Shape3, voxelUm: number, seed: number): Geometry {
  const [nz, ny, nx] = shape;
  const n = ny * nx;
  const v = voxelUm;
  const depth = nz * v;

  // Li layer thickness: smooth Gaussian random field, rank-mapped to the target distribution.
  const th = p.thickness;
  const tField = gaussianField2D(ny, nx, v, v, th.corrUm, new Rng(seed, 'thickness'));
  const q = th.distribution === 'lognormal' ? lognormalQuantile(th.medianOrMeanUm, th.sigma) : normalQuantile(th.medianOrMeanUm, th.sigma);
  const tFull = rankMap(tField, q);

  const c = gaussianField2D(ny, nx, v, v, p.collector.corrUm, new Rng(seed, 'collector'), 64);
  standardise(c, p.collector.stdUm);
  for (let i = 0; i < n; i++) c[i] = Math.max(p.collector.thicknessUm * 0.5, p.collector.thicknessUm + c[i]);

  const rough = standardise(gaussianField2D(ny, nx, v, v, p.surface.corrUm, new Rng(seed, 'surface'), 256), p.surface.rqUm);

  const li = new Float64Array(n);
  const pocket = new Float64Array(n);
  const gap = new Float64Array(n);
  const info: Record<string, number> = {};
  if (preset === 'depleted' && p.stripping) {
    const st = p.stripping;
    // Uniform stripping by d: the thinnest zeroFraction of the area is left bare.
    const d = quantileOf(tFull, st.zeroFraction);
    info.stripped_depth_um = d;
    for (let i = 0; i < n; i++) li[i] = Math.max(tFull[i] - d, 0);
    // Lens-shaped void pockets (paraboloids) between remaining Li and the electrolyte surface,
    // centred on columns that still have Li.
    const rng = new Rng(seed, 'pockets');
    const areaMm2 = (n * v * v) / 1e6;
    const count = Math.max(1, Math.round(st.pocketsPerMm2 * areaMm2));
    let placed = 0;
    for (let k = 0; k < count; k++) {
      let ci = -1;
      let cj = -1;
      for (let tries = 0; tries < 50; tries++) {
        const ti = rng.int(0, nx - 1);
        const tj = rng.int(0, ny - 1);
        if (li[tj * nx + ti] > 1) {
          ci = ti;
          cj = tj;
          break;
        }
      }
      const R = rng.uniform(st.pocketRadiusUm[0], st.pocketRadiusUm[1]);
      const h = rng.uniform(st.pocketHeightUm[0], st.pocketHeightUm[1]);
      if (ci < 0) continue;
      placed++;
      const rv = Math.ceil(R / v);
      for (let j = Math.max(0, cj - rv); j <= Math.min(ny - 1, cj + rv); j++) {
        for (let i = Math.max(0, ci - rv); i <= Math.min(nx - 1, ci + rv); i++) {
          const r2 = (((i - ci) * v) ** 2 + ((j - cj) * v) ** 2) / (R * R);
          if (r2 < 1) {
            const col = j * nx + i;
            pocket[col] = Math.max(pocket[col], h * (1 - r2));
          }
        }
      }
    }
    info.void_pockets = placed;
    // Thin gap where the Li is gone: the collector does not fully follow (tapers off over gapTaperUm).
    for (let i = 0; i < n; i++) gap[i] = st.gapUm * Math.max(0, 1 - li[i] / st.gapTaperUm);
  } else {
    li.set(tFull);
  }

  // Fit the stack into the volume: keep ≥ 20 % of the depth (and ≥ 4 voxels) for electrolyte.
  const elecMin = Math.max(0.2 * depth, 4 * v);
  const layer = new Float64Array(n);
  for (let i = 0; i < n; i++) layer[i] = li[i] + pocket[i] + gap[i];
  const stackTop = new Float64Array(n); // stack thickness minus roughness (collector incl.)
  for (let i = 0; i < n; i++) stackTop[i] = layer[i] + c[i] - rough[i];
  const roughSpan = maxOf(rough);
  const available = depth - elecMin - p.topVoidUm - roughSpan - 2 * p.surface.rqUm;
  const needed = maxOf(stackTop);
  let zScale = 1;
  if (needed > available) {
    zScale = available / needed;
    if (zScale < 0.25) {
      throw new InputError(`shape ${shape.join(',')} at ${v} µm voxels is too shallow for the ${preset} preset (needs about ${Math.ceil((needed + elecMin + p.topVoidUm) / v)} slices)`);
    }
    for (let i = 0; i < n; i++) {
      li[i] *= zScale;
      pocket[i] *= zScale;
      gap[i] *= zScale;
      c[i] *= zScale;
      layer[i] = li[i] + pocket[i] + gap[i];
    }
  }
  let zE0 = 0;
  for (let i = 0; i < n; i++) zE0 = Math.max(zE0, layer[i] + c[i] - rough[i]);
  zE0 += p.topVoidUm;
  const surface = new Float64Array(n);
  for (let i = 0; i < n; i++) surface[i] = zE0 + rough[i];

  const liBottom = new Float64Array(n);
  const liTop = new Float64Array(n);
  const collBottom = new Float64Array(n);
  const collTop = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    liBottom[i] = surface[i] - pocket[i];
    liTop[i] = liBottom[i] - li[i];
    collBottom[i] = liTop[i] - gap[i]; // collector lower surface rides on the Li top
    collTop[i] = collBottom[i] - c[i];
  }
  let phases: number[];
  let bounds: Float64Array[];
  // The void above the collector is outside the cell (label 5), imaged at the void grey level.
  let segGrey: number[] | undefined;
  if (preset === 'depleted') {
    phases = [LABEL.outside, LABEL.collector, LABEL.void, LABEL.li, LABEL.void, LABEL.electrolyte];
    bounds = [collTop, collBottom, liTop, liBottom, surface];
    segGrey = [p.grey.void, p.grey.collector, p.grey.void, p.grey.li, p.grey.void, p.grey.electrolyte];
  } else if (p.topVoidUm > 0) {
    phases = [LABEL.outside, LABEL.collector, LABEL.li, LABEL.electrolyte];
    bounds = [collTop, liTop, surface];
    segGrey = [p.grey.void, p.grey.collector, p.grey.li, p.grey.electrolyte];
  } else {
    phases = [LABEL.collector, LABEL.li, LABEL.electrolyte];
    bounds = [liTop, surface];
  }
  info.surface_mean_um = meanOf(surface);
  info.surface_rq_um = p.surface.rqUm;
  info.collector_mean_um = p.topVoidUm > 0 ? meanOf(c) : meanOf(collBottom);
  info.top_void_min_um = p.topVoidUm > 0 ? minOf(collTop) : 0;
  info.electrolyte_min_depth_um = depth - maxOf(surface);
  const voidThickness = new Float64Array(n);
  for (let i = 0; i < n; i++) voidThickness[i] = pocket[i] + gap[i];
  return { phases, bounds, segGrey, surface, liThickness: li, voidThickness, zScale, info };
}

/**
 * Labels and partial-volume attenuation of the layers. Slice-major loop (cache friendly) with a
 * per-column pointer to the current segment.
 */
export function rasterLayers(g: Geometry, shape: Shape3, voxelUm: number, grey: GreyLevels, labels: Uint8Array, att: Float32Array): void {
  const [nz, ny, nx] = shape;
  const n = ny * nx;
  const dz = voxelUm;
  const m = g.bounds.length;
  const greyOf = [grey.void, grey.li, grey.electrolyte, grey.collector, grey.cathode ?? 0, grey.air ?? grey.void];
  const segGrey = g.segGrey ?? g.phases.map((ph) => greyOf[ph]);
  const ptr = new Int32Array(n);
  const b = g.bounds;
  for (let k = 0; k < nz; k++) {
    const z0 = k * dz;
    const z1 = z0 + dz;
    const zc = z0 + 0.5 * dz;
    const base = k * n;
    for (let col = 0; col < n; col++) {
      let s = ptr[col];
      while (s < m && b[s][col] <= z0) s++;
      ptr[col] = s;
      let sc = s;
      while (sc < m && b[sc][col] <= zc) sc++;
      labels[base + col] = g.phases[sc];
      if (s === m || b[s][col] >= z1) {
        att[base + col] = segGrey[s];
      } else {
        let acc = 0;
        let zz = z0;
        let ss = s;
        while (ss < m && b[ss][col] < z1) {
          const bz = b[ss][col];
          acc += (bz - zz) * segGrey[ss];
          zz = bz;
          ss++;
        }
        acc += (z1 - zz) * segGrey[ss];
        att[base + col] = acc / dz;
      }
    }
  }
}

export interface PoreResult {
  /** Normalised pore field over slices [z0, nz) (higher = more pore-like), with the surface ramp. */
  field: Float32Array;
  z0: number;
  threshold: number;
  regionVoxels: number;
  poreVoxels: number;
}

/**
 * Pores in the electrolyte: a smooth Gaussian random field (hash white noise blurred with σ in
 * µm), thresholded at the (1 − porosity) quantile of the electrolyte region (voxel centres below the
 * surface), so the labelled porosity equals the target. A ramp suppresses pores within
 * `surfaceBandUm` below the surface (pores there would be interfacial voids, a different thing).
 * Partial volume: signed distance to the iso-surface ≈ (P − thr) / |∇P| (voxel units), fraction
 * clamp(0.5 + distance, 0, 1), consistent with the voxel-centre label.
 */
export function addPores(g: Geometry, p: PresetDefaults, shape: Shape3, voxelUm: number, seed: number, labels: Uint8Array, att: Float32Array): PoreResult {
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const v = voxelUm;
  const z0 = Math.max(0, Math.floor(minOf(g.surface) / v));
  const sz = nz - z0;
  const sub: Shape3 = [sz, ny, nx];
  const field = new Float32Array(sz * plane);
  const key = streamKey(seed, 'pores');
  for (let k = z0; k < nz; k++) {
    const zk = sliceKey(key, k);
    const base = (k - z0) * plane;
    for (let p = 0; p < plane; p++) field[base + p] = hashNormal(zk, p);
  }
  const sigma = p.pores.sigmaUm / v;
  gaussianBlur3D(field, sub, sigma);
  // Blurred unit white noise has std ‖k‖₂³ for a separable kernel k: normalise to unit std.
  const kern = gaussianKernel(sigma);
  let k2 = 0;
  for (const w of kern) k2 += w * w;
  const inv = 1 / Math.pow(Math.sqrt(k2), 3);
  const band = Math.max(p.pores.surfaceBandUm, 1e-6);
  const region = new Uint8Array(sz * plane);
  let regionVoxels = 0;
  const end = g.poreEnd;
  for (let k = 0; k < sz; k++) {
    const zc = (k + z0 + 0.5) * v;
    for (let col = 0; col < plane; col++) {
      const idx = k * plane + col;
      const dist = zc - g.surface[col];
      let ramp = Math.min(1, Math.max(0, 1 - dist / band));
      if (end && g.poreEndBand) ramp = Math.max(ramp, Math.min(1, Math.max(0, 1 - (end[col] - zc) / band)));
      field[idx] = field[idx] * inv - 8 * ramp;
      if (dist >= 0 && (!end || zc < end[col])) {
        region[idx] = 1;
        regionVoxels++;
      }
    }
  }
  const porosity = p.pores.porosity;
  if (porosity <= 0 || regionVoxels === 0) return { field, z0, threshold: Infinity, regionVoxels, poreVoxels: 0 };
  const thr = histogramQuantile(field, 1 - porosity, region);
  let poreVoxels = 0;
  const gv = p.grey.void;
  for (let k = 0; k < sz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let x = 0; x < nx; x++) {
        const idx = k * plane + j * nx + x;
        if (!region[idx]) continue;
        const f0 = field[idx] - thr;
        if (f0 < -3) continue; // far from any pore surface (unit-std field, gradients ≲ 1/voxel)
        const gx = (field[idx + (x < nx - 1 ? 1 : 0)] - field[idx - (x > 0 ? 1 : 0)]) / (x > 0 && x < nx - 1 ? 2 : 1);
        const gy = (field[idx + (j < ny - 1 ? nx : 0)] - field[idx - (j > 0 ? nx : 0)]) / (j > 0 && j < ny - 1 ? 2 : 1);
        const gz = (field[idx + (k < sz - 1 ? plane : 0)] - field[idx - (k > 0 ? plane : 0)]) / (k > 0 && k < sz - 1 ? 2 : 1);
        const grad = Math.max(Math.sqrt(gx * gx + gy * gy + gz * gz), 1e-6);
        const frac = Math.min(1, Math.max(0, 0.5 + f0 / grad));
        const vi = (k + z0) * plane + j * nx + x;
        if (f0 > 0) {
          labels[vi] = LABEL.void;
          poreVoxels++;
        }
        if (frac > 0) att[vi] = att[vi] * (1 - frac) + gv * frac;
      }
    }
  }
  return { field, z0, threshold: thr, regionVoxels, poreVoxels };
}

export interface FilamentTruth {
  x_um: number;
  y_um: number;
  radius_um: number;
  target_depth_um: number;
  depth_um: number;
  steps: number;
}

/**
 * Li filaments grown from the Li layer into the electrolyte: tubes of constant radius around a
 * persistent random walk (step = 1 voxel) that goes downward and prefers pores (each step picks the
 * best of 8 perturbed directions, scored by the pore field ahead, downward progress and
 * persistence). Voxels whose centre lies within the radius become Li; partial volume from the
 * distance to the tube axis. Penetration per column = bottom face of the deepest filament Li voxel
 * below the electrolyte surface, (k + 1)·dz − surface.
 */
/**
 * Which electrode the filaments grow from. Default: the layer above g.surface, growing towards +z.
 * `mirror`: an electrode beyond `surface` growing towards −z (the far electrode of a symmetric
 * cell); the walk then runs in u = depth − z, where it is the same problem, and voxel k of the
 * u-frame is voxel nz − 1 − k of the volume (exact: the voxel grid is symmetric under the flip).
 */
export interface FilamentSource {
  mirror: boolean;
  /** Electrolyte-facing surface of the electrode, z in µm (volume frame). */
  surface: Float64Array;
  liThickness: ArrayLike<number>;
  /** Random stream name (one per electrode). */
  stream: string;
  /** Room below the surface per column (µm) before the next layer: target depths stay short of it. */
  room?: ArrayLike<number>;
}

export function addFilaments(
  g: Geometry,
  p: PresetDefaults,
  shape: Shape3,
  voxelUm: number,
  seed: number,
  pores: PoreResult,
  labels: Uint8Array,
  att: Float32Array,
  penetration: Float32Array,
  source?: FilamentSource,
): FilamentTruth[] {
  const fp = p.filaments;
  if (!fp) return [];
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const v = voxelUm;
  const Lx = nx * v;
  const Ly = ny * v;
  const depth = nz * v;
  const mirror = source?.mirror ?? false;
  // Surface and thickness in the walk's frame (u = depth − z when mirrored).
  let surf: ArrayLike<number> = g.surface;
  let liTh: ArrayLike<number> = g.liThickness;
  if (source) {
    liTh = source.liThickness;
    surf = mirror ? source.surface.map((z) => depth - z) : source.surface;
  }
  const rng = new Rng(seed, source?.stream ?? 'filaments');
  const count = rng.int(fp.count[0], fp.count[1]);
  const colOf = (y: number, x: number) => Math.min(ny - 1, Math.max(0, Math.floor(y / v))) * nx + Math.min(nx - 1, Math.max(0, Math.floor(x / v)));
  const poreAt = (u: number, y: number, x: number): number => {
    const z = mirror ? depth - u : u;
    const k = Math.floor(z / v) - pores.z0;
    if (k < 0 || k >= nz - pores.z0 || !Number.isFinite(pores.threshold)) return 0;
    const idx = k * plane + colOf(y, x);
    return Math.max(-2, Math.min(2, pores.field[idx] - pores.threshold));
  };
  const out: FilamentTruth[] = [];
  const dist = new Map<number, number>();
  const li = p.grey.li;
  for (let f = 0; f < count; f++) {
    const rv = rng.uniform(fp.radiusVoxels[0], fp.radiusVoxels[1]);
    const r = rv * v;
    let target = rng.uniform(fp.depthUm[0], fp.depthUm[1]);
    const x0 = rng.uniform(r + 2 * v, Lx - r - 2 * v);
    const y0 = rng.uniform(r + 2 * v, Ly - r - 2 * v);
    const s0 = surf[colOf(y0, x0)];
    target = Math.max(0, Math.min(target, depth - s0 - r - 2 * v));
    // Stop well short of the next layer (the other electrode, the composite cathode).
    if (source?.room) target = Math.max(0, Math.min(target, source.room[colOf(y0, x0)] - r - 4 * v - 2 * p.surface.rqUm));
    // Root inside the Li layer so the filament is connected to it.
    let pos = [s0 - Math.min(r, 0.5 * liTh[colOf(y0, x0)]), y0, x0];
    let dir = [1, 0.3 * rng.normal(), 0.3 * rng.normal()];
    const norm = (d: number[]) => {
      const l = Math.hypot(d[0], d[1], d[2]) || 1;
      return [d[0] / l, d[1] / l, d[2] / l];
    };
    dir = norm(dir);
    const pts: number[][] = [pos];
    let steps = 0;
    const below = (q: number[]) => q[0] - surf[colOf(q[1], q[2])];
    while (below(pos) < target && steps < 4000) {
      let best: number[] | null = null;
      let bestDir = dir;
      let bestScore = -Infinity;
      for (let c = 0; c < 8; c++) {
        let d = norm([dir[0] + 0.6 * rng.normal(), dir[1] + 0.6 * rng.normal(), dir[2] + 0.6 * rng.normal()]);
        if (d[0] < 0.3) d = norm([0.3, d[1], d[2]]);
        const q = [pos[0] + v * d[0], pos[1] + v * d[1], pos[2] + v * d[2]];
        if (q[1] < r + v || q[1] > Ly - r - v || q[2] < r + v || q[2] > Lx - r - v) continue;
        const score = 0.6 * poreAt(q[0], q[1], q[2]) + 1.0 * d[0] + 0.3 * (d[0] * dir[0] + d[1] * dir[1] + d[2] * dir[2]) + 0.2 * rng.normal();
        if (score > bestScore) {
          bestScore = score;
          best = q;
          bestDir = d;
        }
      }
      if (!best) {
        best = [pos[0] + v, pos[1], pos[2]];
        bestDir = [1, 0, 0];
      }
      pos = best;
      dir = bestDir;
      pts.push(pos);
      steps++;
    }
    // Rasterise the tube: min distance from voxel centres to the polyline.
    const reach = r + v;
    for (let s = 0; s + 1 < pts.length; s++) {
      const a = pts[s];
      const b = pts[s + 1];
      const ab = [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
      const ab2 = ab[0] * ab[0] + ab[1] * ab[1] + ab[2] * ab[2] || 1;
      const kz0 = Math.max(0, Math.floor((Math.min(a[0], b[0]) - reach) / v));
      const kz1 = Math.min(nz - 1, Math.floor((Math.max(a[0], b[0]) + reach) / v));
      const ky0 = Math.max(0, Math.floor((Math.min(a[1], b[1]) - reach) / v));
      const ky1 = Math.min(ny - 1, Math.floor((Math.max(a[1], b[1]) + reach) / v));
      const kx0 = Math.max(0, Math.floor((Math.min(a[2], b[2]) - reach) / v));
      const kx1 = Math.min(nx - 1, Math.floor((Math.max(a[2], b[2]) + reach) / v));
      for (let k = kz0; k <= kz1; k++) {
        const pz = (k + 0.5) * v;
        for (let j = ky0; j <= ky1; j++) {
          const py = (j + 0.5) * v;
          for (let i = kx0; i <= kx1; i++) {
            const px = (i + 0.5) * v;
            const apz = pz - a[0];
            const apy = py - a[1];
            const apx = px - a[2];
            const t = Math.min(1, Math.max(0, (apz * ab[0] + apy * ab[1] + apx * ab[2]) / ab2));
            const d = Math.hypot(apz - t * ab[0], apy - t * ab[1], apx - t * ab[2]);
            if (d >= reach) continue;
            const idx = (mirror ? nz - 1 - k : k) * plane + j * nx + i;
            // Store d − r so tubes of different radii share the map (negative = inside).
            const sd = d - r;
            const prev = dist.get(idx);
            if (prev === undefined || sd < prev) dist.set(idx, sd);
          }
        }
      }
    }
    out.push({ x_um: x0, y_um: y0, radius_um: r, target_depth_um: target, depth_um: Math.max(0, below(pos)), steps });
  }
  for (const [idx, sd] of dist) {
    const frac = Math.min(1, Math.max(0, 0.5 - sd / v));
    if (frac <= 0) continue;
    att[idx] += frac * (li - att[idx]);
    if (sd < 0 && labels[idx] !== LABEL.collector && labels[idx] !== LABEL.cathode && labels[idx] !== LABEL.outside) {
      labels[idx] = LABEL.li;
      const kz = Math.floor(idx / plane);
      const col = idx - kz * plane;
      const k = mirror ? nz - 1 - kz : kz;
      const zc = (k + 0.5) * v;
      if (zc >= surf[col]) {
        const depthBelow = (k + 1) * v - surf[col];
        if (depthBelow > penetration[col]) penetration[col] = depthBelow;
      }
    }
  }
  return out;
}
