import { beforeAll, describe, expect, it } from 'vitest';
import { ContactCell, type StepRecord } from '../../src/fem/contact.js';
import { selfAffineProfile } from '../../src/fem/profile.js';
import type { Material } from '../../src/fem/material.js';
import { historyValueAt } from '../../src/fem/history.js';

/**
 * Li (Norton creep, n = 6.6) pressed at 5 MPa onto a rough elastic Li6PS5Cl surface, 50 µm cell, 1 s
 * hold: the backward-Euler history with the global step control (changes of contact fraction and void
 * area per step) must not depend on the step tolerance or on the nonlinear solver.
 */
const li: Material = { E: 7820, nu: 0.38, law: 'creep', A: 6.85e-3, n: 6.6, bbar: true };
const el: Material = { E: 25000, nu: 0.28, law: 'elastic' };
const h = selfAffineProfile(0.5, 0.8, 4, 50, 50, 64, 3);
const lambda = 50;

function run(opts: { stepTol: number; solver?: 'fixed-k' | 'newton' }) {
  const cell = new ContactCell({
    lambda, h, li, electrolyte: el, history: [{ t: 0, p: 5 }, { t: 1, p: 5 }], nyLi: 10, nyEl: 6, liThickness: 25, elDepth: 25, tol: 1e-8, ...opts,
  });
  return cell.run();
}


describe('creep contact on a rough surface (backward Euler, global step control)', () => {
  let coarse: StepRecord[] = [], fine: StepRecord[] = [], newton: StepRecord[] = [];
  let v0 = 0;
  beforeAll(() => {
    coarse = run({ stepTol: 0.2 });
    fine = run({ stepTol: 0.05 });
    newton = run({ stepTol: 0.2, solver: 'newton' });
    v0 = coarse[0].void_area_um2;
  }, 120_000);

  it('invariants: force balance, no penetration, contact grows and voids shrink monotonically', () => {
    for (const recs of [coarse, fine, newton]) {
      for (let k = 0; k < recs.length; k++) {
        expect(recs[k].force_balance_error).toBeLessThan(1e-8);
        expect(recs[k].min_gap_um).toBeGreaterThanOrEqual(-1e-9 * lambda);
        if (k > 0) {
          expect(recs[k].contact_fraction).toBeGreaterThanOrEqual(recs[k - 1].contact_fraction);
          expect(recs[k].void_area_um2).toBeLessThanOrEqual(recs[k - 1].void_area_um2 + 1e-9 * v0);
        }
      }
    }
    // the history really evolves: from summit contact to (nearly) full contact
    expect(coarse[0].contact_fraction).toBeLessThan(0.1);
    expect(coarse[coarse.length - 1].contact_fraction).toBeGreaterThan(0.95);
  });

  it('step tolerance 0.2 vs 0.05: contact fraction within 0.02 and void area within 1 % of the initial void at 1e-7 … 1 s', () => {
    expect(fine.length).toBeGreaterThan(coarse.length);
    for (const t of [1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1]) {
      expect(Math.abs(historyValueAt(coarse, t, 'contact_fraction') - historyValueAt(fine, t, 'contact_fraction'))).toBeLessThan(0.02);
      expect(Math.abs(historyValueAt(coarse, t, 'void_area_um2') - historyValueAt(fine, t, 'void_area_um2'))).toBeLessThan(0.01 * v0);
    }
    const dc = coarse[coarse.length - 1].li_top_displacement_um, df = fine[fine.length - 1].li_top_displacement_um;
    expect(Math.abs(dc - df) / Math.abs(df)).toBeLessThan(1e-3);
  });

  it("'fixed-k' (lagged creep tangent + Anderson) and 'newton' reach the same step solutions", () => {
    let compared = 0;
    for (let k = 0; k < Math.min(coarse.length, newton.length); k++) {
      if (Math.abs(coarse[k].t - newton[k].t) > 1e-6 * coarse[k].t) break; // same step sequence so far
      expect(Math.abs(coarse[k].void_area_um2 - newton[k].void_area_um2)).toBeLessThan(1e-5 * v0);
      expect(Math.abs(coarse[k].li_top_displacement_um - newton[k].li_top_displacement_um)).toBeLessThan(1e-6);
      expect(coarse[k].contact_fraction).toBe(newton[k].contact_fraction);
      compared++;
    }
    expect(compared).toBeGreaterThan(8);
  });
});
