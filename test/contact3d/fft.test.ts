/** The real 2D FFT against a direct DFT (power-of-two and Bluestein lengths) and its round trip. */
import { describe, expect, it } from 'vitest';
import { FftPlan, RealFft2 } from '../../src/contact3d/fft.js';
import { mulberry32 } from '../../src/compute/rng.js';

describe('FFT', () => {
  for (const [ny, nx] of [[8, 16], [6, 10], [5, 7], [1, 12]] as const) {
    it(`real 2D FFT ${ny}×${nx} equals the direct DFT to 1e-12 and inverts`, () => {
      const rand = mulberry32(ny * 100 + nx);
      const f = Float64Array.from({ length: ny * nx }, () => rand() - 0.5);
      const fft = new RealFft2(ny, nx);
      const { re, im } = fft.spectrum();
      fft.forward(f, re, im);
      let err = 0;
      for (let r = 0; r < ny; r++) for (let k = 0; k < fft.nh; k++) {
        let sr = 0, si = 0;
        for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
          const a = -2 * Math.PI * ((r * y) / ny + (k * x) / nx);
          sr += f[y * nx + x] * Math.cos(a); si += f[y * nx + x] * Math.sin(a);
        }
        err = Math.max(err, Math.abs(re[r * fft.nh + k] - sr), Math.abs(im[r * fft.nh + k] - si));
      }
      expect(err).toBeLessThan(1e-12);
      const back = new Float64Array(ny * nx);
      fft.inverse(re, im, back);
      let e2 = 0;
      for (let i = 0; i < back.length; i++) e2 = Math.max(e2, Math.abs(back[i] - f[i]));
      expect(e2).toBeLessThan(1e-14);
    });
  }
  it('complex Bluestein length 9 equals the direct DFT', () => {
    const n = 9, re = new Float64Array(n), im = new Float64Array(n);
    for (let k = 0; k < n; k++) { re[k] = Math.sin(k * 1.3); im[k] = Math.cos(k * 0.7); }
    const r0 = re.slice(), i0 = im.slice();
    new FftPlan(n).transform(re, im, false);
    for (let k = 0; k < n; k++) {
      let sr = 0, si = 0;
      for (let j = 0; j < n; j++) { const a = (-2 * Math.PI * j * k) / n; sr += r0[j] * Math.cos(a) - i0[j] * Math.sin(a); si += r0[j] * Math.sin(a) + i0[j] * Math.cos(a); }
      expect(Math.abs(re[k] - sr) + Math.abs(im[k] - si)).toBeLessThan(1e-12);
    }
  });
});
