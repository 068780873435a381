/**
 * Voxel features for the trainable segmentation, after ilastik's default set (Sommer et al. 2011,
 * "ilastik: Interactive learning and segmentation toolkit", ISBI): at each scale σ the Gaussian
 * smoothing, its gradient magnitude, the Laplacian of Gaussian and the three Hessian eigenvalues
 * (sorted), plus the normalised grey level itself.
 *
 * Small scales are computed on the voxel grid: separable Gaussian (smooth.ts), derivatives by
 * central differences of the smoothed volume (second differences for the Hessian). A large scale
 * (σ ≥ 3 voxels by default) is computed on a grid coarsened f times (a Gaussian pyramid level:
 * f³ block means, a Gaussian of σ_c = √(σ² − (f² − 1)/12 − f²/6) / f coarse voxels, its six
 * features, trilinear interpolation back; the three variances add up to σ²): 1/f³ of the work, and
 * a σ = 10 feature no longer needs 81-tap passes and 41 slices of halo. Measured against the exact
 * features (f = 1) in test/segment/trainable-features.test.ts.
 *
 * The coarse grids are smoothed once for the whole volume (buildPyramid: 1/8 and 1/64 of its
 * voxels). A slab [z0, z1) is then prepared once (prepareSlab: the smoothed fine volumes over the
 * slices it needs around it, slabRange, and the coarse features of its planes), then features are
 * read per voxel into any layout:
 * dense planes for the prediction, the annotated voxels only for the training. A voxel's features
 * do not depend on the slab it was computed in.
 */
import { blockMean } from './smooth.js';
import { sparseGaussian3 } from '../../compute/sparse-gaussian.js';
import { gaussian3, voxelScaleFeatures as scaleFeatures, type FeatureGrid as Grid } from '../../compute/scale-features.js';
import type { PlaneScaleFeatures } from '../../compute/wasm-scale-features.js';

export { symmetricEigenvalues } from '../../compute/scale-features.js';

const fround = Math.fround;

/** Scales (voxels) of the default feature set: fine texture to the layer scale. */
export const DEFAULT_SCALES = [0.7, 1.6, 3.5, 5, 10];
const PER_SCALE = ['smooth', 'gradient', 'log', 'hessian1', 'hessian2', 'hessian3'] as const;

export interface FeatureSpec {
  scales: number[];
  /** Grey level mapped to 0 and 1 (the scan's robust range), so a model transfers between scans of a series. */
  greyLo: number;
  greyHi: number;
  /**
   * Coarsening factor of each scale (1 = on the voxel grid). Absent: 1 for every scale (models saved
   * before the pyramid, which were trained on exact features).
   */
  factors?: number[];
}

/** The pyramid level of a scale: the largest power of two f ≤ σ / 1.6 (σ_c stays ≥ ~1.2 coarse voxels). */
export function defaultFactor(sigma: number): number {
  let f = 1;
  while (2 * f <= sigma / 1.6) f *= 2;
  return f;
}

export const featureNames = (spec: FeatureSpec): string[] => ['grey', ...spec.scales.flatMap((s) => PER_SCALE.map((f) => `${f}_s${s}`))];
export const featureCount = (spec: FeatureSpec): number => 1 + PER_SCALE.length * spec.scales.length;
const factorOf = (spec: FeatureSpec, s: number): number => spec.factors?.[s] ?? 1;

/** σ on the coarse grid of factor f for a feature of scale σ (voxels). */
export function coarseSigma(sigma: number, f: number): number {
  if (f === 1) return sigma;
  return Math.sqrt(Math.max(sigma * sigma - (f * f - 1) / 12 - (f * f) / 6, 0.25)) / f;
}

const radius = (sigma: number) => Math.ceil(4 * sigma);

/** Coarse planes [i0, i1] a fine slab [z0, z1) interpolates from, on a coarse axis of k planes. */
function coarseSpan(z0: number, z1: number, f: number, k: number): [number, number] {
  // at least two planes where there are two: the interpolation reads i0 and i0 + 1
  const lo = Math.max(0, Math.min(k - 2, Math.floor((z0 + 0.5) / f - 0.5)));
  const hi = Math.min(k - 1, Math.floor((z1 - 0.5) / f - 0.5) + 1);
  return [lo, Math.max(lo, hi)];
}

/** The slices [h0, h1) of the scan a slab [z0, z1) reads (the fine scales' halo; the coarse ones come from the pyramid). */
export function slabRange(spec: FeatureSpec, z0: number, z1: number, nz: number): [number, number] {
  let r = 0;
  spec.scales.forEach((sigma, s) => {
    if (factorOf(spec, s) === 1) r = Math.max(r, radius(sigma) + 1);
  });
  return [Math.max(0, z0 - r), Math.min(nz, z1 + r)];
}

/** The smoothed coarse grid of each large scale, over the whole volume (built once: buildPyramid). */
export interface Pyramid {
  levels: { s: number; f: number; data: Float32Array; kz: number; ky: number; kx: number }[];
}

/**
 * The pyramid of a whole volume (nz × ny × nx in `grey`): f³ block means (one pass per factor,
 * shared by the scales on it), each smoothed with its σ_c. Memory: Σ voxels / f³ floats per large
 * scale (plus one level of block means); `shared` puts the levels in shared memory for workers.
 */
export function buildPyramid(grey: ArrayLike<number>, nz: number, ny: number, nx: number, spec: FeatureSpec, shared = false): Pyramid {
  const scale = 1 / (spec.greyHi - spec.greyLo || 1);
  const lo = spec.greyLo;
  const boxes = new Map<number, Float32Array>();
  const levels: Pyramid['levels'] = [];
  spec.scales.forEach((sigma, s) => {
    const f = factorOf(spec, s);
    if (f === 1) return;
    const kz = Math.ceil(nz / f), ky = Math.ceil(ny / f), kx = Math.ceil(nx / f);
    let box = boxes.get(f);
    if (!box) {
      box = blockMean(grey, 0, nz, ny, nx, f, 0, kz, lo, scale);
      boxes.set(f, box);
    }
    const n = kz * ky * kx;
    const data = shared ? new Float32Array(new SharedArrayBuffer(4 * n)) : new Float32Array(n);
    gaussian3(box, data, new Float32Array(n), kz, ky, kx, coarseSigma(sigma, f));
    levels.push({ s, f, data, kz, ky, kx });
  });
  return { levels };
}

/** Linear interpolation from a coarse axis of k planes (factor f) to fine position p: index and weight. */
function interpolationTable(n: number, f: number, k: number): { i0: Int32Array; t: Float32Array } {
  const i0 = new Int32Array(n), t = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    const u = Math.min(k - 1, Math.max(0, (p + 0.5) / f - 0.5));
    const a = Math.min(k - 2, Math.floor(u));
    if (a < 0) { i0[p] = 0; t[p] = 0; continue; }
    i0[p] = a;
    t[p] = u - a;
  }
  return { i0, t };
}

interface CoarseScale {
  f: number;
  /** Six features on the coarse planes [c0, c0 + depth), feature-major. */
  feats: Float32Array;
  c0: number;
  depth: number;
  ky: number;
  kx: number;
  iz: { i0: Int32Array; t: Float32Array };
  iy: { i0: Int32Array; t: Float32Array };
  ix: { i0: Int32Array; t: Float32Array };
}

/** A slab's features, ready to be read voxel by voxel. */
export interface PreparedSlab {
  readonly z0: number;
  readonly z1: number;
  readonly count: number;
  /** Features of voxel (z, y, x), z in [z0, z1), into out[at + k × stride] for feature k. */
  voxel(z: number, y: number, x: number, out: Float32Array, at: number, stride: number): void;
  /**
   * Features of every voxel of plane z, feature-major: out[k × ny·nx + i]. With `kernel` (out in
   * its memory), the fine scales' inner voxels run in SIMD (wasm-scale-features.ts; the same bits).
   */
  plane(z: number, out: Float32Array, kernel?: PlaneScaleFeatures | null): void;
}

/**
 * The fine scales' six features over a slab's core, computed elsewhere (a compute backend:
 * backend-slab.ts): scale index → feature-major 6 × (z1 − z0)·ny·nx.
 */
export type DenseFine = Map<number, Float32Array>;

/** The normalised grey of a slab's core and its fine scales' halo (planes [f0, f0 + depth)). */
export function slabGrey(grey: ArrayLike<number>, h0: number, h1: number, z0: number, z1: number, nz: number, ny: number, nx: number, spec: FeatureSpec): { g: Float32Array; f0: number; depth: number } {
  const [f0, f1] = slabRange(spec, z0, z1, nz);
  if (f0 < h0 || f1 > h1) throw new Error(`features of slices ${z0}–${z1} need ${f0}–${f1}, given ${h0}–${h1}`);
  const plane = ny * nx;
  const scale = 1 / (spec.greyHi - spec.greyLo || 1);
  const lo = spec.greyLo;
  const g = new Float32Array((f1 - f0) * plane);
  for (let i = 0, o = (f0 - h0) * plane; i < g.length; i++) {
    // outside the field of view (NaN, ±Inf) the grey is the range's low end: finite features near it
    const v = Number(grey[o + i]);
    g[i] = v - v === 0 ? (v - lo) * scale : 0;
  }
  return { g, f0, depth: f1 - f0 };
}

/** The voxels of a grid of `depth` planes from f0 whose smoothed values the marked core voxels' features read (3 × 3 × 3 each). */
function stencilMask(marked: Uint8Array, z0: number, z1: number, f0: number, depth: number, ny: number, nx: number): Uint8Array {
  const plane = ny * nx;
  const need = new Uint8Array(depth * plane);
  for (let z = z0, j = 0; z < z1; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++, j++) {
    if (!marked[j]) continue;
    for (let dz = -1; dz <= 1; dz++) {
      const zz = z + dz - f0;
      if (zz < 0 || zz >= depth) continue;
      for (let dy = -1; dy <= 1; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= ny) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          if (xx >= 0 && xx < nx) need[zz * plane + yy * nx + xx] = 1;
        }
      }
    }
  }
  return need;
}

/**
 * Prepare the features of slices [z0, z1) of a volume of nz slices, from `grey` holding slices
 * [h0, h1) ⊇ slabRange(spec, z0, z1, nz) of a ny × nx plane. `sparse` ((z1 − z0) × ny·nx, 1 = read):
 * only those voxels' features are asked for (the training pass): the fine scales are smoothed where
 * their stencils look (sparse-gaussian.ts) and `plane` is not available.
 */
export function prepareSlab(
  grey: ArrayLike<number>, h0: number, h1: number, z0: number, z1: number, nz: number, ny: number, nx: number, spec: FeatureSpec, pyramid: Pyramid,
  dense?: DenseFine, sparse?: Uint8Array,
): PreparedSlab {
  const plane = ny * nx;
  const F = featureCount(spec);
  const { g, f0, depth } = slabGrey(grey, h0, h1, z0, z1, nz, ny, nx, spec);
  const f1 = f0 + depth;
  const fine: { s: number; grid: Grid }[] = [];
  const coarse: { s: number; c: CoarseScale }[] = [];
  const given: { s: number; feats: Float32Array }[] = [];
  const tmp = new Float32Array(dense || sparse ? 0 : g.length);
  // only the voxels `sparse` marks will be read: smooth where their derivative stencils look
  const need = sparse ? stencilMask(sparse, z0, z1, f0, depth, ny, nx) : null;
  // the derivatives read one slice beyond the core
  const d0 = Math.max(f0, z0 - 1) - f0, d1 = Math.min(f1, z1 + 1) - f0;
  spec.scales.forEach((sigma, s) => {
    const f = factorOf(spec, s);
    const d = dense?.get(s);
    if (f === 1 && d) {
      given.push({ s, feats: d });
      return;
    }
    if (f === 1) {
      const sm = new Float32Array(g.length);
      if (need) sparseGaussian3(g, sm, depth, ny, nx, sigma, need);
      else gaussian3(g, sm, tmp, depth, ny, nx, sigma, d0, d1);
      fine.push({ s, grid: { data: sm, z0: f0, depth, ny, nx } });
      return;
    }
    const level = pyramid.levels.find((l) => l.s === s && l.f === f);
    if (!level) throw new Error(`the pyramid lacks scale ${sigma} on 1/${f}`);
    const { kz, ky, kx } = level;
    const [i0, i1] = coarseSpan(z0, z1, f, kz);
    const grid: Grid = { data: level.data, z0: 0, depth: kz, ny: ky, nx: kx };
    const cd = i1 - i0 + 1, cplane = ky * kx, n = cd * cplane;
    const feats = new Float32Array(6 * n);
    const ev = new Float64Array(3);
    for (let z = i0, j = 0; z <= i1; z++) for (let y = 0; y < ky; y++) for (let x = 0; x < kx; x++, j++) scaleFeatures(grid, z, y, x, f, feats, j, n, ev);
    coarse.push({ s, c: { f, feats, c0: i0, depth: cd, ky, kx, iz: interpolationTable(nz, f, kz), iy: interpolationTable(ny, f, ky), ix: interpolationTable(nx, f, kx) } });
  });
  const ev = new Float64Array(3);
  const n1 = (z1 - z0) * plane;
  const voxel = (z: number, y: number, x: number, out: Float32Array, at: number, stride: number) => {
    out[at] = g[(z - f0) * plane + y * nx + x];
    for (const { s, grid } of fine) scaleFeatures(grid, z, y, x, 1, out, at + (1 + 6 * s) * stride, stride, ev);
    for (const { s, feats } of given) for (let k = 0, j = (z - z0) * plane + y * nx + x; k < 6; k++) out[at + (1 + 6 * s + k) * stride] = feats[k * n1 + j];
    for (const { s, c } of coarse) {
      const n = c.depth * c.ky * c.kx, cplane = c.ky * c.kx;
      const az = c.iz.i0[z] - c.c0, tz = c.iz.t[z];
      const ay = c.iy.i0[y], ty = c.iy.t[y];
      const ax = c.ix.i0[x], tx = c.ix.t[x];
      const bz = c.depth > 1 ? cplane : 0, by = c.ky > 1 ? c.kx : 0, bx = c.kx > 1 ? 1 : 0;
      const base = (az * c.ky + ay) * c.kx + ax;
      for (let k = 0; k < 6; k++) {
        const p = c.feats, o = k * n + base;
        // z first (the dense path's z-interpolated coarse plane), then x, then y; float32 in between
        const a00 = fround(p[o] + tz * (p[o + bz] - p[o])), a01 = fround(p[o + bx] + tz * (p[o + bz + bx] - p[o + bx]));
        const a10 = fround(p[o + by] + tz * (p[o + bz + by] - p[o + by])), a11 = fround(p[o + by + bx] + tz * (p[o + bz + by + bx] - p[o + by + bx]));
        const r0 = fround(a00 + tx * (a01 - a00)), r1 = fround(a10 + tx * (a11 - a10));
        out[at + (1 + 6 * s + k) * stride] = r0 + ty * (r1 - r0);
      }
    }
  };
  // dense planes: the same interpolation, shared per coarse plane and per coarse row
  const zPlane = new Float32Array(Math.max(1, ...coarse.map(({ c }) => c.ky * c.kx)));
  const rows = new Float32Array(Math.max(1, ...coarse.map(({ c }) => c.ky * nx)));
  const densePlane = (z: number, out: Float32Array, kernel?: PlaneScaleFeatures | null) => {
    out.set(g.subarray((z - f0) * plane, (z - f0 + 1) * plane), 0);
    for (const { s, grid } of fine) {
      const at = (1 + 6 * s) * plane;
      if (kernel) kernel.run(grid, z, out, at, plane, ev);
      else for (let y = 0, i = 0; y < ny; y++) for (let x = 0; x < nx; x++, i++) scaleFeatures(grid, z, y, x, 1, out, at + i, plane, ev);
    }
    for (const { s, feats } of given) for (let k = 0, o = (z - z0) * plane; k < 6; k++, o += n1) out.set(feats.subarray(o, o + plane), (1 + 6 * s + k) * plane);
    for (const { s, c } of coarse) {
      const cplane = c.ky * c.kx, n = c.depth * cplane;
      const az = c.iz.i0[z] - c.c0, tz = c.iz.t[z];
      const bz = c.depth > 1 ? cplane : 0, bx = c.kx > 1 ? 1 : 0, by = c.ky > 1 ? c.kx : 0;
      const { i0: ix0, t: txs } = c.ix, { i0: iy0, t: tys } = c.iy;
      for (let k = 0; k < 6; k++) {
        const p = c.feats, o = k * n + az * cplane;
        for (let j = 0; j < cplane; j++) zPlane[j] = p[o + j] + tz * (p[o + bz + j] - p[o + j]);
        for (let cy = 0; cy < c.ky; cy++) {
          const r = cy * c.kx, w = cy * nx;
          for (let x = 0; x < nx; x++) {
            const a = zPlane[r + ix0[x]];
            rows[w + x] = a + txs[x] * (zPlane[r + ix0[x] + bx] - a);
          }
        }
        const at = (1 + 6 * s + k) * plane;
        for (let y = 0; y < ny; y++) {
          const r0 = iy0[y] * nx, r1 = r0 + (by ? nx : 0), ty = tys[y], o2 = at + y * nx;
          for (let x = 0; x < nx; x++) out[o2 + x] = rows[r0 + x] + ty * (rows[r1 + x] - rows[r0 + x]);
        }
      }
    }
  };
  return {
    z0, z1, count: F, voxel,
    plane: sparse ? () => { throw new Error('a slab prepared for some voxels (sparse) has no dense planes'); } : densePlane,
  };
}

/**
 * Features of the slices [z0, z1) of a whole volume in `grey` (h0 = 0, h1 = nz, kept for the
 * slab-shaped call). Output: feature-major, out[f × n + i] for voxel i of the slab
 * core (n = (z1 − z0) · ny · nx).
 */
export function slabFeatures(
  grey: ArrayLike<number>, h0: number, h1: number, z0: number, z1: number, ny: number, nx: number, spec: FeatureSpec,
  out?: Float32Array, nz = h1,
): Float32Array {
  const plane = ny * nx;
  const n = (z1 - z0) * plane;
  const F = featureCount(spec);
  const feats = out ?? new Float32Array(F * n);
  if (h0 !== 0 || h1 !== nz) throw new Error('slabFeatures builds the pyramid: give the whole volume');
  const slab = prepareSlab(grey, h0, h1, z0, z1, nz, ny, nx, spec, buildPyramid(grey, nz, ny, nx, spec));
  for (let z = z0, i = 0; z < z1; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++, i++) slab.voxel(z, y, x, feats, i, n);
  return feats;
}
