import { describe, expect, it } from 'vitest';
import { rectBody } from '../../src/fem/mesh.js';
import { Solid } from '../../src/fem/solid.js';
import { StaticSolver } from '../../src/fem/static.js';
import { nortonReturn, type Material } from '../../src/fem/material.js';

// Li Norton law (fem-verification.md §2): n = 6.6, A = 6.85e-3 MPa^-n s^-1
const LI: Material = { E: 7820, nu: 0.38, law: 'creep', A: 6.85e-3, n: 6.6, bbar: true };
const G = LI.E / (2 * (1 + LI.nu));
const sigmaEq = (s: Float64Array, g = 0) => {
  const [sx, sy, sz, sxy] = [s[4 * g], s[4 * g + 1], s[4 * g + 2], s[4 * g + 3]];
  const m = (sx + sy + sz) / 3;
  return Math.sqrt(1.5 * ((sx - m) ** 2 + (sy - m) ** 2 + (sz - m) ** 2 + 2 * sxy * sxy));
};

describe('Norton creep, single Q1 element in plane-strain simple shear (homogeneous)', () => {
  it('relaxation at fixed shear strain: σeq(t) = [σ0^(1−n) + (n−1)·3G·A·t]^(1/(1−n)) within 0.5 %', () => {
    // J2 shear: the uniaxial relaxation law holds with E → 3G (σeq = √3 τ, ε̇eq = Aσeqⁿ)
    const sigma0 = 2; // MPa
    const gamma = sigma0 / Math.sqrt(3) / G;
    const body = rectBody(Float64Array.from([0, 1]), Float64Array.from([0, 1]), (_n, c, _x, y) => (c === 0 ? gamma * y : 0));
    const solid = new Solid(body, [LI]);
    const solver = new StaticSolver(solid);
    solver.step(0, null);
    solid.commit();
    expect(Math.abs(sigmaEq(solid.sigma) - sigma0) / sigma0).toBeLessThan(1e-12);
    const n = LI.n!, A = LI.A!;
    const exact = (t: number) => Math.pow(sigma0 ** (1 - n) + (n - 1) * 3 * G * A * t, 1 / (1 - n));
    let t = 0, dt = 1e-4;
    const checks = [1, 10, 100, 1000];
    let worst = 0;
    for (const tc of checks) {
      while (t < tc - 1e-12) {
        const h = Math.min(dt, tc - t);
        const r = solver.step(h, null);
        solid.commit();
        t += h;
        dt = h * Math.min(1.5, Math.max(0.5, (0.9 * 2e-8) / Math.max(r.maxDeltaEeq, 1e-30)));
      }
      for (let g = 0; g < 4; g++) worst = Math.max(worst, Math.abs(sigmaEq(solid.sigma, g) / exact(tc) - 1));
    }
    expect(worst).toBeLessThan(0.005);
  });

  it('constant shear stress: creep strain Aσeqⁿ·t (backward Euler exact) and elastic part σ/3G', () => {
    const tau = 1.2; // MPa, σeq = √3 τ
    const seq = Math.sqrt(3) * tau;
    // bottom fixed, top u free with the shear force, v fixed everywhere
    const body = rectBody(Float64Array.from([0, 1]), Float64Array.from([0, 1]), (_n, c, _x, y) => (c === 1 || y === 0 ? 0 : null));
    const solid = new Solid(body, [LI]);
    const solver = new StaticSolver(solid);
    const fext = new Float64Array(body.nEq).fill(tau / 2);
    solver.step(0, fext, { tol: 1e-12, scale: tau });
    solid.commit();
    let t = 0;
    for (const dt of [0.5, 1, 2, 4, 8]) {
      solver.step(dt, fext, { tol: 1e-12, scale: tau });
      solid.commit();
      t += dt;
    }
    const gammaTop = solver.U[0];
    const expected = tau / G + Math.sqrt(3) * (LI.A! * seq ** LI.n!) * t; // γ = τ/G + √3·εeq
    expect(Math.abs(gammaTop - expected) / expected).toBeLessThan(0.005);
    expect(Math.abs(solid.eeq[0] - LI.A! * seq ** LI.n! * t) / (LI.A! * seq ** LI.n! * t)).toBeLessThan(1e-6);
  });

  it('scalar radial return solves the backward-Euler equation from seconds to days', () => {
    for (const dt of [1e-6, 1, 3600, 86400 * 10]) {
      const qtr = 5;
      const q = nortonReturn(qtr, G, dt * LI.A!, LI.n!, 0);
      const resid = (qtr - q) - 3 * G * dt * LI.A! * q ** LI.n!;
      expect(Math.abs(resid) / qtr).toBeLessThan(1e-10);
      expect(q).toBeGreaterThan(0);
      expect(q).toBeLessThanOrEqual(qtr);
    }
  });
});
