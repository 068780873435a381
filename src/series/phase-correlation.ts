/**
 * Global translation estimate by phase correlation (Kuglin & Hines 1975): the inverse FFT of the
 * whitened cross-power spectrum F·conj(M)/|F·M| peaks at the shift between two images whatever
 * their offset, gain or low-frequency drift. Gradient descent alone cannot leave a wrong minimum
 * once features smaller than the shift are all that fixes the lateral position (pores in a
 * layered cell), so this picks the basin at a coarse pyramid level and Gauss–Newton refines.
 *
 * Both images are mean-subtracted, tapered by a Hann window (edges would otherwise correlate at
 * zero shift) and zero-padded to powers of two at least 1.25× each axis (less wrap-around).
 * Radix-2 complex FFT along each axis: O(P log P), P the padded voxel count (≤ 2²¹ here).
 */
import type { Shape3 } from '../io/volume.js';

/** In-place radix-2 FFT of `n` complex values at re/im[off + k·stride]; inverse when sign = +1. */
function fft1(re: Float64Array, im: Float64Array, off: number, stride: number, n: number, sign: number, bufR: Float64Array, bufI: Float64Array): void {
  for (let k = 0; k < n; k++) {
    bufR[k] = re[off + k * stride];
    bufI[k] = im[off + k * stride];
  }
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      [bufR[i], bufR[j]] = [bufR[j], bufR[i]];
      [bufI[i], bufI[j]] = [bufI[j], bufI[i]];
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (sign * 2 * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let j = 0; j < len / 2; j++) {
        const a = i + j;
        const b = a + len / 2;
        const tr = bufR[b] * cr - bufI[b] * ci;
        const ti = bufR[b] * ci + bufI[b] * cr;
        bufR[b] = bufR[a] - tr;
        bufI[b] = bufI[a] - ti;
        bufR[a] += tr;
        bufI[a] += ti;
        const nr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = nr;
      }
    }
  }
  for (let k = 0; k < n; k++) {
    re[off + k * stride] = bufR[k];
    im[off + k * stride] = bufI[k];
  }
}

function fft3(re: Float64Array, im: Float64Array, shape: Shape3, sign: number): void {
  const [pz, py, px] = shape;
  const buf = Math.max(pz, py, px);
  const bR = new Float64Array(buf);
  const bI = new Float64Array(buf);
  for (let k = 0; k < pz; k++) for (let j = 0; j < py; j++) fft1(re, im, (k * py + j) * px, 1, px, sign, bR, bI);
  for (let k = 0; k < pz; k++) for (let i = 0; i < px; i++) fft1(re, im, k * py * px + i, px, py, sign, bR, bI);
  for (let j = 0; j < py; j++) for (let i = 0; i < px; i++) fft1(re, im, j * px + i, py * px, pz, sign, bR, bI);
}

function pow2AtLeast(n: number): number {
  let p = 1;
  while (p < n) p <<= 1;
  return p;
}

/** Windowed, mean-free copy of `data` (valid voxels only, weight 0 elsewhere) in the padded grid. */
function prepare(data: Float32Array, valid: Uint8Array | null, shape: Shape3, pad: Shape3): Float64Array {
  const [nz, ny, nx] = shape;
  const hann = (n: number) => Float64Array.from({ length: n }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / n));
  const [wz, wy, wx] = [hann(nz), hann(ny), hann(nx)];
  let sum = 0;
  let wsum = 0;
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const p = (k * ny + j) * nx + i;
        const w = wz[k] * wy[j] * wx[i] * (valid ? valid[p] : 1);
        sum += w * data[p];
        wsum += w;
      }
    }
  }
  const mean = wsum > 0 ? sum / wsum : 0;
  const out = new Float64Array(pad[0] * pad[1] * pad[2]);
  for (let k = 0; k < nz; k++) {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const p = (k * ny + j) * nx + i;
        out[(k * pad[1] + j) * pad[2] + i] = wz[k] * wy[j] * wx[i] * (valid ? valid[p] : 1) * (data[p] - mean);
      }
    }
  }
  return out;
}

/**
 * Shift s (voxels, [z, y, x]) with moving(x + s) ≈ fixed(x), within ±maxShift per axis, and the
 * peak's height over the correlation surface's standard deviation (a confidence).
 */
export function phaseCorrelate(fixed: Float32Array, moving: Float32Array, shape: Shape3, maxShift: [number, number, number], validFixed: Uint8Array | null = null, validMoving: Uint8Array | null = null): { shift: [number, number, number]; peak: number } {
  const pad: Shape3 = [pow2AtLeast(Math.ceil(shape[0] * 1.25)), pow2AtLeast(Math.ceil(shape[1] * 1.25)), pow2AtLeast(Math.ceil(shape[2] * 1.25))];
  const P = pad[0] * pad[1] * pad[2];
  const fr = prepare(fixed, validFixed, shape, pad);
  const fi = new Float64Array(P);
  const mr = prepare(moving, validMoving, shape, pad);
  const mi = new Float64Array(P);
  fft3(fr, fi, pad, -1);
  fft3(mr, mi, pad, -1);
  // Cross-power spectrum conj(F)·M, whitened: its inverse peaks at s where M(x + s) = F(x).
  for (let p = 0; p < P; p++) {
    const re = fr[p] * mr[p] + fi[p] * mi[p];
    const im = fr[p] * mi[p] - fi[p] * mr[p];
    const mag = Math.hypot(re, im) + 1e-12;
    fr[p] = re / mag;
    fi[p] = im / mag;
  }
  fft3(fr, fi, pad, 1);
  let best = -Infinity;
  let at: [number, number, number] = [0, 0, 0];
  let s1 = 0;
  let s2 = 0;
  for (let k = 0; k < pad[0]; k++) {
    const dz = k <= pad[0] / 2 ? k : k - pad[0];
    for (let j = 0; j < pad[1]; j++) {
      const dy = j <= pad[1] / 2 ? j : j - pad[1];
      for (let i = 0; i < pad[2]; i++) {
        const dx = i <= pad[2] / 2 ? i : i - pad[2];
        const v = fr[(k * pad[1] + j) * pad[2] + i];
        s1 += v;
        s2 += v * v;
        if (Math.abs(dz) > maxShift[0] || Math.abs(dy) > maxShift[1] || Math.abs(dx) > maxShift[2]) continue;
        if (v > best) {
          best = v;
          at = [dz, dy, dx];
        }
      }
    }
  }
  const mean = s1 / P;
  const sd = Math.sqrt(Math.max(0, s2 / P - mean * mean));
  return { shift: at, peak: sd > 0 ? (best - mean) / sd : 0 };
}
