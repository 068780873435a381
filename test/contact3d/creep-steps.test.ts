/**
 * Creep stepping on a rough surface (issue #24 point 6): a 128² self-affine map (rms 2 µm, Hurst 0.8,
 * 2–100 µm, the bench's surface at 128²) pressed by creeping Li (calibrated Norton law) on
 * Li6PS5Cl, ramp 0 → 5 MPa in 60 s, then 1 h: every creep solve whose result is kept converged, and
 * the contact fraction grows monotonically through the hold (creep only closes gaps at constant load).
 */
import { describe, expect, it } from 'vitest';
import { simulateContact } from '../../src/contact3d/simulate.js';
import { selfAffineSurface } from '../../src/contact3d/surface.js';
import { LI_DEFAULTS, LPSCL_DEFAULTS } from '../../src/fem/material.js';

describe('creep steps on a 128² rough surface', () => {
  it('ramp to 5 MPa and a 1 h hold: unconverged = 0, contact fraction monotone in the hold', () => {
    const n = 128, L = 100;
    const h = selfAffineSurface({ rms: 2, hurst: 0.8, lminUm: 2, lmaxUm: 100, seed: 1 }, L, n);
    const res = simulateContact({
      h, ny: n, nx: n, dy: L / n, dx: L / n,
      li: { E: LI_DEFAULTS.E, nu: LI_DEFAULTS.nu, law: 'creep', A: LI_DEFAULTS.A, n: LI_DEFAULTS.n, constraint: 3 },
      electrolyte: { E: LPSCL_DEFAULTS.E, nu: LPSCL_DEFAULTS.nu },
      history: [{ t: 0, p: 0 }, { t: 60, p: 5 }, { t: 3660, p: 5 }], stepTol: 0.05,
    });
    expect(res.stats.unconverged).toBe(0);
    expect(res.stats.worst_residual).toBeLessThan(1e-6);
    const hold = res.records.filter((r) => r.t >= 60);
    expect(hold[hold.length - 1].t).toBeCloseTo(3660, 6);
    for (let k = 1; k < hold.length; k++) expect(hold[k].contact_fraction).toBeGreaterThanOrEqual(hold[k - 1].contact_fraction);
    // the hold does something: creep at least doubles the contact of the end of the ramp in 1 h
    expect(hold[hold.length - 1].contact_fraction).toBeGreaterThan(2 * hold[0].contact_fraction);
  });
});
