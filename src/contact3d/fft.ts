/**
 * Float64 FFTs for the periodic boundary-element contact solver.
 *
 * - `FftPlan`: complex FFT of one length n. Powers of two: iterative radix-2 Cooley–Tukey
 *   (bit-reversed copy, precomputed twiddles), O(n log n). Other lengths: Bluestein's chirp-z
 *   transform (Bluestein 1970, IEEE Trans. Audio Electroacoust. 18:451) on a power-of-two length
 *   m ≥ 2n − 1, O(m log m), so any height-map size is accepted.
 * - `RealFft2`: real 2D transform of a [ny, nx] field (x fastest) to its half spectrum
 *   [ny, nx/2 + 1] and back. Rows are transformed two at a time as one complex row (real part row r,
 *   imaginary part row r + 1) and separated by Hermitian symmetry, then the nx/2 + 1 columns are
 *   transformed: about half the work of a complex 2D FFT. Unnormalised forward, inverse divides by
 *   nx·ny.
 * No npm FFT is a dependency of the project; this one is small, exact to round-off (tests compare
 * with a direct DFT and numpy) and fast enough: a 512² forward + inverse pair takes ≈ 25 ms here.
 */

export class FftPlan {
  readonly n: number;
  private readonly pow2: boolean;
  private readonly rev: Uint32Array | null = null;
  private readonly cos: Float64Array | null = null;
  private readonly sin: Float64Array | null = null;
  // Bluestein
  private readonly inner: FftPlan | null = null;
  private readonly chirpRe: Float64Array | null = null;
  private readonly chirpIm: Float64Array | null = null;
  private readonly filtRe: Float64Array | null = null;
  private readonly filtIm: Float64Array | null = null;
  private readonly bre: Float64Array | null = null;
  private readonly bim: Float64Array | null = null;

  constructor(n: number) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`FFT length must be a positive integer, got ${n}`);
    this.n = n;
    this.pow2 = (n & (n - 1)) === 0;
    if (this.pow2) {
      const bits = Math.round(Math.log2(n));
      this.rev = new Uint32Array(n);
      for (let i = 0; i < n; i++) {
        let r = 0;
        for (let b = 0, v = i; b < bits; b++, v >>= 1) r = (r << 1) | (v & 1);
        this.rev[i] = r;
      }
      this.cos = new Float64Array(n / 2);
      this.sin = new Float64Array(n / 2);
      for (let k = 0; k < n / 2; k++) { this.cos[k] = Math.cos((2 * Math.PI * k) / n); this.sin[k] = Math.sin((2 * Math.PI * k) / n); }
    } else {
      let m = 1;
      while (m < 2 * n - 1) m *= 2;
      this.inner = new FftPlan(m);
      this.chirpRe = new Float64Array(n);
      this.chirpIm = new Float64Array(n);
      for (let k = 0; k < n; k++) {
        // k² mod 2n keeps the angle small (exact periodicity of the chirp)
        const a = (Math.PI * ((k * k) % (2 * n))) / n;
        this.chirpRe[k] = Math.cos(a);
        this.chirpIm[k] = -Math.sin(a);
      }
      this.filtRe = new Float64Array(m);
      this.filtIm = new Float64Array(m);
      for (let k = 0; k < n; k++) {
        this.filtRe[k] = this.chirpRe[k]; this.filtIm[k] = -this.chirpIm[k];
        if (k > 0) { this.filtRe[m - k] = this.chirpRe[k]; this.filtIm[m - k] = -this.chirpIm[k]; }
      }
      this.inner.transform(this.filtRe, this.filtIm, false);
      this.bre = new Float64Array(m);
      this.bim = new Float64Array(m);
    }
  }

  /** In place: X[k] = Σ x[j]·exp(∓2πi jk/n) (− forward, + inverse; the inverse is not divided by n). */
  transform(re: Float64Array, im: Float64Array, inverse: boolean): void {
    if (this.pow2) this.radix2(re, im, inverse);
    else this.bluestein(re, im, inverse);
  }

  private radix2(re: Float64Array, im: Float64Array, inverse: boolean): void {
    const n = this.n, rev = this.rev!, cs = this.cos!, sn = this.sin!;
    for (let i = 0; i < n; i++) {
      const j = rev[i];
      if (j > i) {
        let t = re[i]; re[i] = re[j]; re[j] = t;
        t = im[i]; im[i] = im[j]; im[j] = t;
      }
    }
    const sgn = inverse ? 1 : -1;
    for (let size = 2; size <= n; size *= 2) {
      const half = size >> 1, step = n / size;
      for (let start = 0; start < n; start += size) {
        for (let k = 0, tw = 0; k < half; k++, tw += step) {
          const wr = cs[tw], wi = sgn * sn[tw];
          const a = start + k, b = a + half;
          const xr = re[b] * wr - im[b] * wi;
          const xi = re[b] * wi + im[b] * wr;
          re[b] = re[a] - xr; im[b] = im[a] - xi;
          re[a] += xr; im[a] += xi;
        }
      }
    }
  }

  private bluestein(re: Float64Array, im: Float64Array, inverse: boolean): void {
    const n = this.n, m = this.inner!.n;
    const cr = this.chirpRe!, ci = this.chirpIm!, br = this.bre!, bi = this.bim!, fr = this.filtRe!, fi = this.filtIm!;
    // the inverse is the forward transform of the conjugate, conjugated
    const s = inverse ? -1 : 1;
    br.fill(0); bi.fill(0);
    for (let k = 0; k < n; k++) {
      const xr = re[k], xi = s * im[k];
      br[k] = xr * cr[k] - xi * ci[k];
      bi[k] = xr * ci[k] + xi * cr[k];
    }
    this.inner!.transform(br, bi, false);
    for (let k = 0; k < m; k++) {
      const xr = br[k] * fr[k] - bi[k] * fi[k];
      bi[k] = br[k] * fi[k] + bi[k] * fr[k];
      br[k] = xr;
    }
    this.inner!.transform(br, bi, true);
    for (let k = 0; k < n; k++) {
      const xr = br[k] / m, xi = bi[k] / m;
      re[k] = xr * cr[k] - xi * ci[k];
      im[k] = s * (xr * ci[k] + xi * cr[k]);
    }
  }
}

/** Real 2D FFT of [ny, nx] fields to the half spectrum [ny, nh = nx/2 + 1] (row-major, re and im apart). */
export class RealFft2 {
  readonly ny: number;
  readonly nx: number;
  readonly nh: number;
  private readonly px: FftPlan;
  private readonly py: FftPlan;
  private readonly rr: Float64Array;
  private readonly ri: Float64Array;
  private readonly cr: Float64Array;
  private readonly ci: Float64Array;

  constructor(ny: number, nx: number) {
    this.ny = ny; this.nx = nx; this.nh = Math.floor(nx / 2) + 1;
    this.px = new FftPlan(nx);
    this.py = new FftPlan(ny);
    this.rr = new Float64Array(nx); this.ri = new Float64Array(nx);
    this.cr = new Float64Array(ny); this.ci = new Float64Array(ny);
  }

  /** Spectrum arrays of the right size. */
  spectrum(): { re: Float64Array; im: Float64Array } {
    return { re: new Float64Array(this.ny * this.nh), im: new Float64Array(this.ny * this.nh) };
  }

  forward(f: ArrayLike<number>, re: Float64Array, im: Float64Array): void {
    const { ny, nx, nh, rr, ri } = this;
    for (let r = 0; r < ny; r += 2) {
      const two = r + 1 < ny;
      for (let i = 0; i < nx; i++) { rr[i] = f[r * nx + i]; ri[i] = two ? f[(r + 1) * nx + i] : 0; }
      this.px.transform(rr, ri, false);
      for (let k = 0; k < nh; k++) {
        const j = k === 0 ? 0 : nx - k;
        const zr = rr[k], zi = ri[k], wr = rr[j], wi = -ri[j]; // w = conj Z[n−k]
        re[r * nh + k] = 0.5 * (zr + wr); im[r * nh + k] = 0.5 * (zi + wi);
        if (two) { re[(r + 1) * nh + k] = 0.5 * (zi - wi); im[(r + 1) * nh + k] = -0.5 * (zr - wr); }
      }
    }
    this.columns(re, im, false);
  }

  /** Inverse of `forward` (divides by nx·ny); the spectrum is overwritten. */
  inverse(re: Float64Array, im: Float64Array, f: Float64Array): void {
    const { ny, nx, nh, rr, ri } = this;
    this.columns(re, im, true);
    const scale = 1 / (nx * ny);
    for (let r = 0; r < ny; r += 2) {
      const two = r + 1 < ny;
      // Z = A + iB over the full row, from the half spectra with A[n−k] = conj A[k]
      for (let k = 0; k < nx; k++) {
        let ar: number, ai: number, br: number, bi: number;
        if (k < nh) {
          ar = re[r * nh + k]; ai = im[r * nh + k];
          br = two ? re[(r + 1) * nh + k] : 0; bi = two ? im[(r + 1) * nh + k] : 0;
        } else {
          const j = nx - k;
          ar = re[r * nh + j]; ai = -im[r * nh + j];
          br = two ? re[(r + 1) * nh + j] : 0; bi = two ? -im[(r + 1) * nh + j] : 0;
        }
        rr[k] = ar - bi; ri[k] = ai + br;
      }
      this.px.transform(rr, ri, true);
      for (let i = 0; i < nx; i++) { f[r * nx + i] = rr[i] * scale; if (two) f[(r + 1) * nx + i] = ri[i] * scale; }
    }
  }

  private columns(re: Float64Array, im: Float64Array, inverse: boolean): void {
    const { ny, nh, cr, ci } = this;
    for (let k = 0; k < nh; k++) {
      for (let r = 0; r < ny; r++) { cr[r] = re[r * nh + k]; ci[r] = im[r * nh + k]; }
      this.py.transform(cr, ci, inverse);
      for (let r = 0; r < ny; r++) { re[r * nh + k] = cr[r]; im[r * nh + k] = ci[r]; }
    }
  }
}
