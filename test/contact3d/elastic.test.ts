/**
 * The FFT boundary-element contact against closed forms (fem-verification.md): Westergaard's wavy
 * contact in 3D (a 1D sinusoid extruded along y), full contact at p* = πE*Δ/λ, the bi-sinusoid of
 * Johnson, Greenwood & Higginson 1985 (Int. J. Mech. Sci. 27:383, doi 10.1016/0020-7403(85)90029-3:
 * Hertzian at light load, the complete-contact pressure √2·πE*Δ/λ and the near-complete asymptote),
 * and Hertz's sphere on a large periodic cell.
 */
import { describe, expect, it } from 'vitest';
import { HalfSpace } from '../../src/contact3d/kernel.js';
import { solveContact } from '../../src/contact3d/polonsky-keer.js';

const ES = 9000; // any E*: the closed forms scale with it

function fraction(p: Float64Array): number {
  let c = 0;
  for (const v of p) if (v > 0) c++;
  return c / p.length;
}

describe('Westergaard: 1D sinusoid h = Δ cos 2πx/λ on a 3D half-space', () => {
  const nx = 256, ny = 8, lambda = 20, D = 0.5;
  const hs = new HalfSpace(ny, nx, lambda / nx, lambda / nx, ES);
  const h = new Float64Array(ny * nx);
  for (let r = 0; r < ny; r++) for (let i = 0; i < nx; i++) h[r * nx + i] = D * Math.cos((2 * Math.PI * i) / nx);
  const pstar = (Math.PI * ES * D) / lambda;
  for (const ratio of [0.1, 0.3, 0.6, 0.9]) {
    it(`p̄/p* = ${ratio}: contact half-width a = (λ/π)·asin √(p̄/p*) within 1.5 pixels and 2 %`, () => {
      const p = new Float64Array(ny * nx);
      const res = solveContact(hs, h, p, { meanPressure: ratio * pstar });
      expect(res.converged).toBe(true);
      const a = (fraction(p) * lambda) / 2;
      const ref = (lambda / Math.PI) * Math.asin(Math.sqrt(ratio));
      expect(Math.abs(a - ref)).toBeLessThan(Math.min(0.75 * (lambda / nx), 0.02 * ref) + 1e-12);
      let sum = 0;
      for (const v of p) sum += v;
      expect(sum / p.length).toBeCloseTo(ratio * pstar, 9);
    });
  }
  it('full contact from p* = πE*Δ/λ on, not below', () => {
    const above = new Float64Array(ny * nx), below = new Float64Array(ny * nx);
    solveContact(hs, h, above, { meanPressure: 1.01 * pstar });
    solveContact(hs, h, below, { meanPressure: 0.97 * pstar });
    expect(fraction(above)).toBe(1);
    expect(fraction(below)).toBeLessThan(1);
    expect(fraction(below)).toBeGreaterThan(0.85);
    // in full contact the pressure is p̄ + p*·cos 2πx/λ exactly
    let err = 0;
    for (let i = 0; i < nx; i++) err = Math.max(err, Math.abs(above[i] - (1.01 * pstar + pstar * Math.cos((2 * Math.PI * i) / nx))));
    expect(err / pstar).toBeLessThan(1e-6);
  });
});

describe('bi-sinusoid h = Δ cos(2πx/λ) cos(2πy/λ) (Johnson, Greenwood & Higginson 1985)', () => {
  const n = 128, lambda = 100, D = 1;
  const hs = new HalfSpace(n, n, lambda / n, lambda / n, ES);
  const h = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let i = 0; i < n; i++) h[r * n + i] = D * Math.cos((2 * Math.PI * i) / n) * Math.cos((2 * Math.PI * r) / n);
  const pstar = Math.SQRT2 * Math.PI * ES * D / lambda;
  it('light load: two Hertzian spots per cell, radius a³ = 3FR/(4E*), R = λ²/(4π²Δ), F = p̄λ²/2, within 3 %', () => {
    const pbar = 0.01 * pstar;
    const p = new Float64Array(n * n);
    solveContact(hs, h, p, { meanPressure: pbar });
    const R = (lambda * lambda) / (4 * Math.PI * Math.PI * D);
    const a = Math.cbrt((3 * ((pbar * lambda * lambda) / 2) * R) / (4 * ES));
    // pixel counting: each spot's area is A/2 of the cell's
    const aMeasured = Math.sqrt((fraction(p) * lambda * lambda) / (2 * Math.PI));
    expect(Math.abs(aMeasured - a) / a).toBeLessThan(0.03);
  });
  it('near complete contact: 1 − A/λ² ≈ (3/2π)(1 − p̄/p*) within 6 %; complete at √2·πE*Δ/λ', () => {
    const p = new Float64Array(n * n);
    solveContact(hs, h, p, { meanPressure: 0.9 * pstar });
    const ref = (3 / (2 * Math.PI)) * 0.1;
    expect(Math.abs(1 - fraction(p) - ref) / ref).toBeLessThan(0.06);
    const full = new Float64Array(n * n);
    solveContact(hs, h, full, { meanPressure: 1.01 * pstar });
    expect(fraction(full)).toBe(1);
  });
});

describe('Hertz: paraboloid on a large periodic cell', () => {
  it('contact radius (3FR/4E*)^⅓ and peak pressure 3F/(2πa²) within 3 %', () => {
    const n = 256, L = 200, R = 500, a0 = 12;
    const hs = new HalfSpace(n, n, L / n, L / n, ES);
    const h = new Float64Array(n * n);
    for (let r = 0; r < n; r++) for (let i = 0; i < n; i++) {
      const x = ((i + 0.5) * L) / n - L / 2, y = ((r + 0.5) * L) / n - L / 2;
      h[r * n + i] = -(x * x + y * y) / (2 * R);
    }
    const F = (4 * ES * a0 ** 3) / (3 * R);
    const p = new Float64Array(n * n);
    const res = solveContact(hs, h, p, { meanPressure: F / (L * L) });
    expect(res.converged).toBe(true);
    const a = Math.sqrt((fraction(p) * L * L) / Math.PI);
    expect(Math.abs(a - a0) / a0).toBeLessThan(0.03);
    let pmax = 0;
    for (const v of p) pmax = Math.max(pmax, v);
    const p0 = (3 * F) / (2 * Math.PI * a0 * a0);
    expect(Math.abs(pmax - p0) / p0).toBeLessThan(0.03);
  });
});
