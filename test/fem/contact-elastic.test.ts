import { describe, expect, it } from 'vitest';
import { ContactCell } from '../../src/fem/contact.js';
import { wavyProfile } from '../../src/fem/profile.js';

const E = 7820, NU = 0.38;
const ES = E / (1 - NU * NU);

describe('Westergaard wavy contact (elastic Li on rigid wavy electrolyte)', () => {
  // h(x) = H(1 − cos 2πx/λ) with H = 0.5 µm, λ = 20 µm: p* = π E* H / λ
  const lambda = 20, H = 0.5, nx = 256;
  const h = wavyProfile(H, lambda, nx);
  const pstar = (Math.PI * ES * H) / lambda;
  for (const ratio of [0.1, 0.3, 0.6, 0.9]) {
    it(`p̄/p* = ${ratio}: contact fraction within 2 %, force balance to 1e-8, no penetration`, () => {
      const cell = new ContactCell({ lambda, h, li: { E, nu: NU, law: 'elastic' }, electrolyte: null, history: [{ t: 0, p: ratio * pstar }], nyLi: 30 });
      const [rec] = cell.run();
      const ref = (2 / Math.PI) * Math.asin(Math.sqrt(ratio));
      expect(Math.abs(rec.contact_fraction - ref) / ref).toBeLessThan(0.02);
      expect(rec.force_balance_error).toBeLessThan(1e-8);
      expect(rec.min_gap_um).toBeGreaterThanOrEqual(-1e-9 * lambda);
    });
  }
  it('full contact above p*', () => {
    const cell = new ContactCell({ lambda, h, li: { E, nu: NU, law: 'elastic' }, electrolyte: null, history: [{ t: 0, p: 1.05 * pstar }], nyLi: 30 });
    const [rec] = cell.run();
    expect(rec.contact_fraction).toBe(1);
  });
  it('elastic electrolyte: composite E* (Li + Li6PS5Cl) gives the same law', () => {
    const E2 = 25000, NU2 = 0.28;
    const Ec = 1 / ((1 - NU * NU) / E + (1 - NU2 * NU2) / E2);
    const p = 0.5 * ((Math.PI * Ec * H) / lambda);
    const cell = new ContactCell({ lambda, h, li: { E, nu: NU, law: 'elastic' }, electrolyte: { E: E2, nu: NU2, law: 'elastic' }, history: [{ t: 0, p }], nyLi: 24, nyEl: 24 });
    const [rec] = cell.run();
    const ref = 0.5;
    expect(Math.abs(rec.contact_fraction - ref) / ref).toBeLessThan(0.02);
    expect(rec.force_balance_error).toBeLessThan(1e-8);
    expect(rec.min_gap_um).toBeGreaterThanOrEqual(-1e-9 * lambda);
  });
});

describe('Hertz line contact (parabolic rigid bump, deep and wide periodic cell)', () => {
  it('half-width b = √(4PR/(πE*)) within 2 %, peak pressure 2P/(πb) within 2 %', () => {
    const lambda = 100, R = 200, nx = 512, b0 = 8;
    const h = new Float64Array(nx);
    for (let i = 0; i < nx; i++) { const x = (i * lambda) / nx - lambda / 2; h[i] = -(x * x) / (2 * R); }
    const P = (b0 * b0 * Math.PI * ES) / (4 * R);
    const cell = new ContactCell({ lambda, h, li: { E, nu: NU, law: 'elastic' }, electrolyte: null, history: [{ t: 0, p: P / lambda }], nyLi: 30 });
    const [rec] = cell.run();
    const b = (rec.contact_fraction * lambda) / 2;
    expect(Math.abs(b - b0) / b0).toBeLessThan(0.02);
    const p0 = (2 * P) / (Math.PI * b0);
    expect(Math.abs(rec.max_contact_pressure - p0) / p0).toBeLessThan(0.02);
    expect(rec.force_balance_error).toBeLessThan(1e-8);
  });
});
