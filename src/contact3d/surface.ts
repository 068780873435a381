/**
 * Height maps for the boundary-element contact: a periodic self-affine random surface by spectral
 * synthesis, and a scan's surface height map made ready for the periodic solver.
 *
 * Self-affine: isotropic power spectrum C(q) ∝ q^−2(1+H) (Hurst exponent H) between the wave numbers
 * of the longest and shortest wavelengths λmax, λmin (the "rolled-off"-free band-limited form of
 * Persson 2006 and Jacobs, Junge & Pastewka 2017, Surf. Topogr. Metrol. Prop. 5:013001,
 * doi 10.1088/2051-672X/aa51f8), random phases, zero mean, scaled to the rms height. One inverse real
 * FFT: O(N log N). Resolution: λmin / pixel = points per shortest wavelength (the contact fraction
 * converges as it grows; simulate's caller reports it).
 */
import { mulberry32 } from '../compute/rng.js';
import { RealFft2 } from './fft.js';

export interface SelfAffineSpec { rms: number; hurst: number; lminUm: number; lmaxUm: number; seed: number }

/** A [n, n] periodic self-affine surface on a square cell of side L (µm), pixel L/n. */
export function selfAffineSurface(spec: SelfAffineSpec, L: number, n: number): Float64Array {
  const { rms, hurst, lminUm, lmaxUm, seed } = spec;
  if (!(rms > 0) || !(hurst > 0 && hurst < 1) || !(lminUm > 0) || !(lmaxUm >= lminUm)) throw new Error('self-affine surface needs rms > 0, 0 < H < 1, 0 < λmin ≤ λmax');
  if (lmaxUm > L * (1 + 1e-9)) throw new Error(`λmax ${lmaxUm} µm is longer than the cell ${L} µm`);
  if (lminUm < (2 * L) / n * (1 - 1e-9)) throw new Error(`λmin ${lminUm} µm is below two pixels (${(2 * L) / n} µm)`);
  const fft = new RealFft2(n, n);
  const { re, im } = fft.spectrum();
  const nh = fft.nh;
  const rand = mulberry32(seed);
  const qmin = (2 * Math.PI) / lmaxUm, qmax = (2 * Math.PI) / lminUm;
  for (let r = 0; r < n; r++) {
    const ky = r <= n / 2 ? r : r - n;
    for (let k = 0; k < nh; k++) {
      const q = ((2 * Math.PI) / L) * Math.hypot(k, ky);
      const phase = 2 * Math.PI * rand();
      if (q < qmin * (1 - 1e-9) || q > qmax * (1 + 1e-9) || q === 0) continue;
      const amp = Math.pow(q, -(1 + hurst));
      re[r * nh + k] = amp * Math.cos(phase);
      im[r * nh + k] = amp * Math.sin(phase);
    }
  }
  // the columns k = 0 (and k = n/2) of a real field's half spectrum are Hermitian along y
  for (const k of n % 2 === 0 ? [0, n / 2] : [0]) {
    for (let r = 1; r < n; r++) {
      const m = n - r;
      if (m < r) { re[r * nh + k] = re[m * nh + k]; im[r * nh + k] = -im[m * nh + k]; }
      else if (m === r) im[r * nh + k] = 0;
    }
    im[k] = 0;
  }
  const h = new Float64Array(n * n);
  fft.inverse(re, im, h);
  return normalise(h, rms);
}

/** Zero mean and the given rms (µm). */
function normalise(h: Float64Array, rms: number): Float64Array {
  let mean = 0;
  for (let i = 0; i < h.length; i++) mean += h[i];
  mean /= h.length;
  let ss = 0;
  for (let i = 0; i < h.length; i++) { h[i] -= mean; ss += h[i] * h[i]; }
  const s = ss > 0 ? rms / Math.sqrt(ss / h.length) : 0;
  for (let i = 0; i < h.length; i++) h[i] *= s;
  return h;
}

/** Rms height (µm) and rms slope of a periodic map (central differences). */
export function surfaceStats(h: Float64Array, ny: number, nx: number, dy: number, dx: number): { rms_um: number; rms_slope: number; range_um: number } {
  let mean = 0, min = Infinity, max = -Infinity;
  for (let i = 0; i < h.length; i++) { mean += h[i]; min = Math.min(min, h[i]); max = Math.max(max, h[i]); }
  mean /= h.length;
  let ss = 0, sl = 0;
  for (let r = 0; r < ny; r++) for (let i = 0; i < nx; i++) {
    const k = r * nx + i;
    ss += (h[k] - mean) ** 2;
    const gx = (h[r * nx + ((i + 1) % nx)] - h[r * nx + ((i + nx - 1) % nx)]) / (2 * dx);
    const gy = (h[((r + 1) % ny) * nx + i] - h[((r + ny - 1) % ny) * nx + i]) / (2 * dy);
    sl += gx * gx + gy * gy;
  }
  return { rms_um: Math.sqrt(ss / h.length), rms_slope: Math.sqrt(sl / h.length), range_um: max - min };
}
