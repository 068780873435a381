import { describe, expect, it } from 'vitest';
import { ContactCell } from '../../src/fem/contact.js';
import { wavyProfile } from '../../src/fem/profile.js';

/**
 * Viscous Westergaard (fem-verification.md §3.9): incompressible Maxwell solid (Norton n = 1,
 * η = 1/(3A)) pressed onto a rigid wavy profile h(x) = H(1 − cos 2πx/λ) at constant p̄. Plane-strain
 * creep compliance C(t) = 1/(4G) + t/(4η); while the contact grows, sin²(πa(t)/λ) = (p̄λ/(πH))·C(t).
 * Exercises the fixed-K eigenstrain creep integrator together with the contact solver.
 */
describe('viscous Westergaard contact growth (Maxwell, n = 1)', () => {
  it('contact fraction f(t) = (2/π) asin √(p̄λC(t)/(πH)) within 3 % from f ≈ 0.3 to 0.7', () => {
    const E = 1000, nu = 0.4999; // ν → ½: incompressible (B-bar)
    const G = E / (2 * (1 + nu));
    const eta = G * 1; // relaxation time η/G = 1 s
    const A = 1 / (3 * eta);
    const lambda = 20, H = 0.05, nx = 256;
    const s0 = 0.2; // sin²(πa/λ) at t = 0
    const p = (s0 * Math.PI * H * 4 * G) / lambda;
    const tEnd = 3, dt = 0.1;
    const cell = new ContactCell({
      lambda, h: wavyProfile(H, lambda, nx), li: { E, nu, law: 'creep', A, n: 1, bbar: true }, electrolyte: null,
      history: [{ t: 0, p }, { t: tEnd, p }], nyLi: 24, dt0: dt, dtMax: dt, stepTol: 1,
    });
    let worst = 0, checked = 0;
    const recs = cell.run((r) => {
      const s = ((p * lambda) / (Math.PI * H)) * (1 / (4 * G) + r.t / (4 * eta));
      const ref = (2 / Math.PI) * Math.asin(Math.sqrt(s));
      worst = Math.max(worst, Math.abs(r.contact_fraction - ref) / ref);
      checked++;
      expect(r.force_balance_error).toBeLessThan(1e-8);
      expect(r.min_gap_um).toBeGreaterThanOrEqual(-1e-9 * lambda);
    });
    expect(checked).toBe(31);
    expect(worst).toBeLessThan(0.03);
    // the contact really grew over the run (0.295 → 0.705 in closed form)
    expect(recs[recs.length - 1].contact_fraction - recs[0].contact_fraction).toBeGreaterThan(0.35);
  });
});
