/**
 * Interface profiles on nx uniform periodic columns (heights in µm).
 */
import { mulberry32 } from '../compute/rng.js';

/**
 * Westergaard wavy profile h(x) = H(1 − cos 2πx/λ): amplitude H, peak-to-valley 2H, so that the
 * full-contact pressure is p* = π E* H / λ (fem-verification.md §3.5). `--wavy H,λ` means this H.
 */
export function wavyProfile(H: number, lambda: number, nx: number): Float64Array {
  const h = new Float64Array(nx);
  for (let i = 0; i < nx; i++) h[i] = H * (1 - Math.cos((2 * Math.PI * i) / nx));
  return h;
}

/** Small deterministic PRNG (mulberry32). */
export const rng = mulberry32;

/**
 * Self-affine roughness by spectral synthesis (no FFT): h(x) = Σ_k a_k cos(2π k x/λ + φ_k) over the
 * harmonics with wavelengths in [lmin, lmax], 1D PSD ∝ q^−(1+2·Hurst), random phases, scaled to the
 * given RMS, zero mean.
 */
export function selfAffineProfile(rms: number, hurst: number, lmin: number, lmax: number, lambda: number, nx: number, seed: number): Float64Array {
  // a negative RMS would flip the profile, a Hurst exponent outside [0, 1] is not self-affine
  if (!(rms >= 0) || !Number.isFinite(rms)) throw new Error(`RMS must be a number ≥ 0 (µm), got ${rms}`);
  if (!(hurst >= 0 && hurst <= 1)) throw new Error(`Hurst exponent must lie in [0, 1], got ${hurst}`);
  if (!(lmin > 0) || !(lmax >= lmin) || !Number.isFinite(lmax)) throw new Error(`wavelengths need 0 < LMIN ≤ LMAX, got ${lmin}, ${lmax}`);
  const rand = rng(seed);
  const h = new Float64Array(nx);
  const kmin = Math.max(1, Math.ceil(lambda / lmax - 1e-9));
  const kmax = Math.min(Math.floor(nx / 2), Math.floor(lambda / lmin + 1e-9));
  if (kmax < kmin) throw new Error('no harmonics between lmin and lmax for this cell and mesh');
  for (let k = kmin; k <= kmax; k++) {
    const amp = Math.pow(k, -(1 + 2 * hurst) / 2);
    const phi = 2 * Math.PI * rand();
    for (let i = 0; i < nx; i++) h[i] += amp * Math.cos((2 * Math.PI * k * i) / nx + phi);
  }
  let mean = 0;
  for (let i = 0; i < nx; i++) mean += h[i] / nx;
  let ss = 0;
  for (let i = 0; i < nx; i++) { h[i] -= mean; ss += h[i] * h[i]; }
  const s = rms / Math.sqrt(ss / nx);
  for (let i = 0; i < nx; i++) h[i] *= s;
  return h;
}

/**
 * Resample a periodic profile sampled at uniform spacing dx (samples x_k = k·dx, period n·dx) onto
 * nx uniform columns by linear interpolation.
 */
export function resamplePeriodic(samples: ArrayLike<number>, nx: number): Float64Array {
  const n = samples.length;
  const out = new Float64Array(nx);
  for (let i = 0; i < nx; i++) {
    const s = (i * n) / nx;
    const k = Math.floor(s), f = s - k;
    out[i] = samples[k % n] * (1 - f) + samples[(k + 1) % n] * f;
  }
  return out;
}

/** Parse "x,h" CSV text (header and blank lines ignored). Uniform spacing and periodicity assumed: λ = n·dx. */
export function parseProfileCsv(text: string): { x: Float64Array; h: Float64Array; lambda: number } {
  const xs: number[] = [], hs: number[] = [];
  for (const line of text.split(/\r?\n/)) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const parts = t.split(/[,;\t ]+/);
    if (parts.length < 2) throw new Error(`profile line needs x and h: '${t}'`);
    const x = Number(parts[0]), h = Number(parts[1]);
    if (!Number.isFinite(x) || !Number.isFinite(h)) {
      if (xs.length === 0) continue; // header
      throw new Error(`not a number in profile line '${t}'`);
    }
    xs.push(x); hs.push(h);
  }
  if (xs.length < 4) throw new Error('profile needs at least 4 samples');
  const dx = (xs[xs.length - 1] - xs[0]) / (xs.length - 1);
  if (!(dx > 0)) throw new Error('profile x must increase');
  for (let k = 1; k < xs.length; k++) {
    if (Math.abs(xs[k] - xs[k - 1] - dx) > 1e-3 * dx) throw new Error('profile x must be uniformly spaced');
  }
  return { x: Float64Array.from(xs), h: Float64Array.from(hs), lambda: dx * xs.length };
}
