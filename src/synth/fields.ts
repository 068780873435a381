/** Random fields, Gaussian filtering and order statistics used by the phantom generator. */
import type { Shape3 } from '../io/volume.js';
import { invNormCdf, Rng } from './rng.js';

/**
 * Zero-mean, unit-variance Gaussian random field on an [ny, nx] grid with Gaussian covariance
 * exp(-r² / (2 ℓ²)), ℓ = `corrUm`. Spectral (random Fourier modes) method evaluated at the physical
 * column centres ((i + 0.5)·dx, (j + 0.5)·dy), so a given seed describes the same physical surface at
 * any voxel size: changing the voxel size resamples the field instead of changing it.
 */
export function gaussianField2D(ny: number, nx: number, dy: number, dx: number, corrUm: number, rng: Rng, modes = 256): Float64Array {
  const out = new Float64Array(ny * nx);
  const cx = new Float64Array(nx);
  const sx = new Float64Array(nx);
  const cy = new Float64Array(ny);
  const sy = new Float64Array(ny);
  const amp = Math.sqrt(2 / modes);
  for (let m = 0; m < modes; m++) {
    // Wave vector drawn from the (Gaussian) spectral density of the covariance.
    const kx = rng.normal() / corrUm;
    const ky = rng.normal() / corrUm;
    const phi = rng.uniform(0, 2 * Math.PI);
    for (let i = 0; i < nx; i++) {
      const a = kx * (i + 0.5) * dx;
      cx[i] = Math.cos(a);
      sx[i] = Math.sin(a);
    }
    for (let j = 0; j < ny; j++) {
      const a = ky * (j + 0.5) * dy + phi;
      cy[j] = amp * Math.cos(a);
      sy[j] = amp * Math.sin(a);
    }
    // cos(a + b) = cos a cos b − sin a sin b: separable, no trig in the inner loop.
    for (let j = 0; j < ny; j++) {
      const cj = cy[j];
      const sj = sy[j];
      const row = j * nx;
      for (let i = 0; i < nx; i++) out[row + i] += cx[i] * cj - sx[i] * sj;
    }
  }
  return out;
}

/**
 * Replace field values by target quantiles of their ranks (monotone: smoothness and correlation
 * structure are kept, the marginal distribution becomes exactly the target on this field of view).
 * `quantile(u)` is the target's inverse CDF; u is clipped to [uClip, 1 − uClip] to cut extreme tails.
 */
export function rankMap(field: Float64Array, quantile: (u: number) => number, uClip = 0.002): Float64Array {
  const n = field.length;
  const sorted = Float64Array.from(field).sort();
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    // Rank by binary search in the sorted copy (fast numeric sort, no comparator callbacks).
    const x = field[i];
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    const u = Math.min(1 - uClip, Math.max(uClip, (lo + 0.5) / n));
    out[i] = quantile(u);
  }
  return out;
}

export const lognormalQuantile = (median: number, sigmaLog: number) => (u: number) => median * Math.exp(sigmaLog * invNormCdf(u));
export const normalQuantile = (mean: number, std: number) => (u: number) => mean + std * invNormCdf(u);

/** Quantile (linear interpolation) of a copy of `values`. */
export function quantileOf(values: ArrayLike<number>, q: number): number {
  const s = Float64Array.from(values).sort();
  if (s.length === 0) return NaN;
  const pos = q * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(s.length - 1, lo + 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export function gaussianKernel(sigma: number): Float32Array {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float32Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) {
    const v = Math.exp((-i * i) / (2 * sigma * sigma));
    k[i + r] = v;
    sum += v;
  }
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/** Mirror index into [0, n) (symmetric boundary: … b a | a b …). */
function mirror(i: number, n: number): number {
  if (n === 1) return 0;
  const p = 2 * n;
  i %= p;
  if (i < 0) i += p;
  return i < n ? i : p - 1 - i;
}

/**
 * Symmetric 1D convolution of `n` samples read at `src[base + offs[o] + i]`-style addresses:
 * out[i] = k0·x[i] + Σ_o k_o·(x[i − o] + x[i + o]). `lo[o]`/`hi[o]` give, per tap, the start offset
 * of the shifted line (mirrored at the borders by the caller via `pad`).
 */
function convolveLine(line: Float32Array, r: number, half: Float64Array, out: Float32Array, outBase: number, n: number): void {
  const k0 = half[0];
  if (r === 1) {
    const k1 = half[1];
    for (let i = 0; i < n; i++) out[outBase + i] = k0 * line[i + 1] + k1 * (line[i] + line[i + 2]);
    return;
  }
  if (r === 2) {
    const k1 = half[1];
    const k2 = half[2];
    for (let i = 0; i < n; i++) {
      const c = i + 2;
      out[outBase + i] = k0 * line[c] + k1 * (line[c - 1] + line[c + 1]) + k2 * (line[c - 2] + line[c + 2]);
    }
    return;
  }
  if (r === 3) {
    const k1 = half[1];
    const k2 = half[2];
    const k3 = half[3];
    for (let i = 0; i < n; i++) {
      const c = i + 3;
      out[outBase + i] = k0 * line[c] + k1 * (line[c - 1] + line[c + 1]) + k2 * (line[c - 2] + line[c + 2]) + k3 * (line[c - 3] + line[c + 3]);
    }
    return;
  }
  for (let i = 0; i < n; i++) {
    const c = i + r;
    let acc = k0 * line[c];
    for (let o = 1; o <= r; o++) acc += half[o] * (line[c - o] + line[c + o]);
    out[outBase + i] = acc;
  }
}

/**
 * In-place separable Gaussian blur of a Float32 volume along all three axes (symmetric boundaries).
 * y and z passes work on whole rows/slices (vectorisable inner loops over x); extra memory: one
 * slice for y, (2R+1) slices for z.
 */
export function gaussianBlur3D(data: Float32Array, shape: Shape3, sigma: number | [number, number, number]): void {
  const [sz, sy, sx] = typeof sigma === 'number' ? [sigma, sigma, sigma] : sigma;
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  if (sx > 0 && nx > 1) {
    const k = gaussianKernel(sx);
    const r = (k.length - 1) >> 1;
    const half = Float64Array.from(k.subarray(r));
    const line = new Float32Array(nx + 2 * r);
    const idx = new Int32Array(nx + 2 * r);
    for (let i = -r; i < nx + r; i++) idx[i + r] = mirror(i, nx);
    for (let row = 0; row < nz * ny; row++) {
      const base = row * nx;
      line.set(data.subarray(base, base + nx), r);
      for (let i = 0; i < r; i++) {
        line[i] = data[base + idx[i]];
        line[nx + r + i] = data[base + idx[nx + r + i]];
      }
      convolveLine(line, r, half, data, base, nx);
    }
  }
  if (sy > 0 && ny > 1) {
    const k = gaussianKernel(sy);
    const r = (k.length - 1) >> 1;
    const slice = new Float32Array(plane);
    for (let z = 0; z < nz; z++) {
      const base = z * plane;
      slice.set(data.subarray(base, base + plane));
      convolveRows(slice, ny, nx, k, r, data, base);
    }
  }
  if (sz > 0 && nz > 1) blurZ(data, shape, gaussianKernel(sz));
}

/** out[base + j·nx + i] = Σ_o k[o]·src[mirror(j + o)·nx + i]: row-wise, inner loop over x. */
function convolveRows(src: Float32Array, ny: number, nx: number, k: Float32Array, r: number, out: Float32Array, base: number): void {
  const acc = new Float64Array(nx);
  for (let j = 0; j < ny; j++) {
    const w0 = k[r];
    const c = j * nx;
    for (let i = 0; i < nx; i++) acc[i] = w0 * src[c + i];
    for (let o = 1; o <= r; o++) {
      const w = k[r + o];
      const a = mirror(j - o, ny) * nx;
      const b = mirror(j + o, ny) * nx;
      for (let i = 0; i < nx; i++) acc[i] += w * (src[a + i] + src[b + i]);
    }
    const ob = base + c;
    for (let i = 0; i < nx; i++) out[ob + i] = acc[i];
  }
}

/** z pass with a ring buffer of original slices (each output slice needs inputs z−R … z+R). */
function blurZ(data: Float32Array, shape: Shape3, k: Float32Array): void {
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const r = (k.length - 1) >> 1;
  const ringN = 2 * r + 1;
  const ring = new Float32Array(ringN * plane);
  const loaded = new Int32Array(ringN).fill(-1 << 30);
  const slot = (z: number) => ((z % ringN) + ringN) % ringN;
  const load = (z: number) => {
    const s = slot(z);
    if (loaded[s] === z) return;
    ring.set(data.subarray(z * plane, (z + 1) * plane), s * plane);
    loaded[s] = z;
  };
  for (let z = 0; z < Math.min(nz, r + 1); z++) load(z);
  const acc = new Float64Array(plane);
  for (let z = 0; z < nz; z++) {
    if (z + r < nz) load(z + r);
    const c = slot(z) * plane;
    const w0 = k[r];
    for (let i = 0; i < plane; i++) acc[i] = w0 * ring[c + i];
    for (let o = 1; o <= r; o++) {
      const za = mirror(z - o, nz);
      const zb = mirror(z + o, nz);
      if (loaded[slot(za)] !== za || loaded[slot(zb)] !== zb) throw new Error('blurZ ring buffer miss');
      const a = slot(za) * plane;
      const b = slot(zb) * plane;
      const w = k[r + o];
      for (let i = 0; i < plane; i++) acc[i] += w * (ring[a + i] + ring[b + i]);
    }
    const ob = z * plane;
    for (let i = 0; i < plane; i++) data[ob + i] = acc[i];
  }
}

/**
 * Value below which a fraction `q` of the selected values lie, from a 65536-bin histogram
 * (O(n), no sort of a full volume). Only entries with `mask[i] !== 0` count when a mask is given.
 */
export function histogramQuantile(values: Float32Array, q: number, mask?: Uint8Array): number {
  let lo = Infinity;
  let hi = -Infinity;
  let n = 0;
  for (let i = 0; i < values.length; i++) {
    if (mask && mask[i] === 0) continue;
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
    n++;
  }
  if (n === 0) return NaN;
  if (hi <= lo) return lo;
  const bins = 65536;
  const hist = new Uint32Array(bins);
  const scale = (bins - 1) / (hi - lo);
  for (let i = 0; i < values.length; i++) {
    if (mask && mask[i] === 0) continue;
    hist[Math.floor((values[i] - lo) * scale)]++;
  }
  const target = q * n;
  let cum = 0;
  for (let b = 0; b < bins; b++) {
    if (cum + hist[b] >= target) {
      const frac = hist[b] > 0 ? (target - cum) / hist[b] : 0;
      return lo + (b + frac) / scale;
    }
    cum += hist[b];
  }
  return hi;
}
