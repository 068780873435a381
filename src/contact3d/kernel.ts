/**
 * Periodic elastic half-space in Fourier space: the surface displacement of a half-space under a
 * periodic normal pressure is û(q) = 2 p̂(q) / (E* |q|) for q ≠ 0 (Stanley & Kato 1997, J. Tribol.
 * 119:481, doi 10.1115/1.2833523), with the composite modulus 1/E* = (1 − ν1²)/E1 + (1 − ν2²)/E2 of
 * the two bodies (Johnson 1985, Contact Mechanics §4.2). The q = 0 mode (rigid approach) is left to
 * the contact solver's force constraint. One convolution: a real 2D FFT, a multiply, an inverse:
 * O(N log N) for N = nx·ny pixels.
 * Units: lengths µm, pressures and moduli MPa, so displacements come out in µm.
 */
import { RealFft2 } from './fft.js';

/** A linear elastic body, E in MPa. */
export interface ElasticBody { E: number; nu: number }

/** Composite contact modulus E* (MPa) of two bodies; a null body is rigid. */
export function compositeModulus(a: ElasticBody, b: ElasticBody | null): number {
  const c = (1 - a.nu * a.nu) / a.E + (b ? (1 - b.nu * b.nu) / b.E : 0);
  return 1 / c;
}

export class HalfSpace {
  readonly ny: number;
  readonly nx: number;
  readonly dy: number;
  readonly dx: number;
  readonly eStar: number;
  private readonly fft: RealFft2;
  /** 2/(E*|q|) on the half spectrum, 0 at q = 0. */
  private readonly kernel: Float64Array;
  private readonly re: Float64Array;
  private readonly im: Float64Array;

  constructor(ny: number, nx: number, dy: number, dx: number, eStar: number) {
    this.ny = ny; this.nx = nx; this.dy = dy; this.dx = dx; this.eStar = eStar;
    this.fft = new RealFft2(ny, nx);
    const nh = this.fft.nh;
    this.kernel = new Float64Array(ny * nh);
    const Lx = nx * dx, Ly = ny * dy;
    for (let r = 0; r < ny; r++) {
      const ky = r <= ny / 2 ? r : r - ny;
      const qy = (2 * Math.PI * ky) / Ly;
      for (let k = 0; k < nh; k++) {
        const qx = (2 * Math.PI * k) / Lx;
        const q = Math.hypot(qx, qy);
        this.kernel[r * nh + k] = q > 0 ? 2 / (eStar * q) : 0;
      }
    }
    ({ re: this.re, im: this.im } = this.fft.spectrum());
  }

  /** Self-compliance of one pixel: displacement at a pixel under unit pressure on it alone (µm/MPa). */
  selfCompliance(): number {
    let s = 0;
    // half spectrum: columns 1..ceil(nx/2)−1 stand for two conjugate columns each
    const nh = this.kernel.length / this.ny;
    for (let r = 0; r < this.ny; r++) for (let k = 0; k < nh; k++) {
      const twice = k > 0 && !(this.nx % 2 === 0 && k === nh - 1);
      s += (twice ? 2 : 1) * this.kernel[r * nh + k];
    }
    return s / (this.nx * this.ny);
  }

  /** Surface displacement u (µm, zero mean) under pressure p (MPa): u = K p. `out` may not alias `p`. */
  displacement(p: ArrayLike<number>, out: Float64Array): Float64Array {
    const { re, im, kernel } = this;
    this.fft.forward(p, re, im);
    for (let i = 0; i < kernel.length; i++) { re[i] *= kernel[i]; im[i] *= kernel[i]; }
    this.fft.inverse(re, im, out);
    return out;
  }
}
