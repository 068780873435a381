/**
 * Perfect plasticity at the measured bulk yield (0.77 MPa) on a fine self-affine profile (issue #24):
 * 256 columns, ramped to 5 MPa. Before the line search this failed at 0.67 MPa (the load step did
 * not converge after 12 halvings: elastic/plastic switching at thousands of Gauss points sent the
 * full Newton steps off). And the platen-displacement control used across force plateaus reproduces
 * the load-controlled solution.
 */
import { describe, expect, it } from 'vitest';
import { ContactCell } from '../../src/fem/contact.js';
import { electrolyteMaterial, liMaterial, runContact } from '../../src/fem/contact-run.js';
import { selfAffineProfile, wavyProfile } from '../../src/fem/profile.js';
import { crossByPlaten } from '../../src/fem/plastic-load.js';

describe('plasticity at the measured yield on a fine self-affine profile', () => {
  it('256 columns, σy = 0.77 MPa, ramp to 5 MPa: converges, force balance within 1 %, contact fraction rising with pressure', () => {
    const n = 256, lam = 100, sy = 0.77;
    const r = runContact({
      lambda: lam, h: selfAffineProfile(1, 0.8, 5, 100, lam, n, 1), li: liMaterial('plastic', 298, sy), electrolyte: electrolyteMaterial('elastic'),
      history: [{ t: 0, p: 5 }], stepTol: 0.1, ny: 8, conduction: { thickness: lam, sigmaMsPerCm: 2, rctOhmCm2: 0 },
    });
    const recs = r.records;
    expect(recs.length).toBe(20); // the 20 load steps of the ramp, each recorded
    expect(recs[recs.length - 1].pressure).toBe(5);
    for (let k = 0; k < recs.length; k++) {
      expect(recs[k].force_balance_error).toBeLessThan(0.01);
      if (k > 0) {
        expect(recs[k].pressure).toBeGreaterThan(recs[k - 1].pressure);
        expect(recs[k].contact_fraction).toBeGreaterThanOrEqual(recs[k - 1].contact_fraction);
      }
    }
    // 5 MPa is above the plane-strain hardness (2.97σy = 2.29 MPa): full contact at the end
    expect(recs[recs.length - 1].contact_fraction).toBe(1);
    // while partial, the summits carry at most the hardness, +25 %: the contact fraction counts
    // nodes, which undercounts each patch's width by up to one node spacing (measured: 3.42σy)
    for (const x of recs) if (x.contact_fraction < 0.9) expect(x.mean_contact_pressure / sy).toBeLessThan(1.25 * 2.97);
  });

  it('a solve with the platen displacement prescribed gives back the force of the load-controlled solve', () => {
    const lambda = 20, nx = 32, p = 50;
    const setup = {
      lambda, h: wavyProfile(0.5, lambda, nx), li: liMaterial('elastic', 298), electrolyte: electrolyteMaterial('elastic'),
      history: [{ t: 0, p }], nyLi: 6, nyEl: 4,
    };
    const byLoad = new ContactCell(setup);
    expect(byLoad.solveStep(p, 0)).not.toBeNull();
    const delta = byLoad.platen();
    expect(delta).toBeLessThan(0);
    const byPlaten = new ContactCell(setup);
    // p only scales the tolerance there: a pressure far off shows that the platen, not p, sets the force
    expect(byPlaten.solveStep(p / 10, 0, delta)).not.toBeNull();
    expect(byPlaten.platen()).toBeCloseTo(delta, 12);
    expect(byPlaten.contactForce() / lambda).toBeCloseTo(p, 6);
    let nA = 0, nB = 0;
    for (let i = 0; i < nx; i++) { nA += byLoad.active[i]; nB += byPlaten.active[i]; }
    expect(nB).toBe(nA);
    expect(nA).toBeGreaterThan(0);
    expect(nA).toBeLessThan(nx); // partial contact: the LCP decides the set
  });
});

describe('crossing a load step by platen displacement', () => {
  it('from 20 to 50 MPa by platen steps ends on the load-controlled solution (elastic: path independent)', () => {
    const lambda = 20, nx = 32;
    const setup = {
      lambda, h: wavyProfile(0.5, lambda, nx), li: liMaterial('elastic', 298), electrolyte: electrolyteMaterial('elastic'),
      history: [{ t: 0, p: 50 }], nyLi: 6, nyEl: 4,
    };
    const direct = new ContactCell(setup);
    expect(direct.solveStep(50, 0)).not.toBeNull();
    const crossed = new ContactCell(setup);
    expect(crossed.solveStep(20, 0)).not.toBeNull();
    crossed.commitStep();
    // a first platen step far too short: the march must grow it, pass the force, and bracket it
    crossByPlaten(crossed, 20, 50, 0.02 * crossed.platen());
    expect(crossed.stats.platen_steps).toBeGreaterThan(5);
    expect(crossed.contactForce() / lambda).toBeCloseTo(50, 9);
    let du = 0, umax = 0;
    for (let k = 0; k < direct.U.length; k++) { du = Math.max(du, Math.abs(crossed.U[k] - direct.U[k])); umax = Math.max(umax, Math.abs(direct.U[k])); }
    expect(du).toBeLessThan(1e-7 * umax);
  });
});
