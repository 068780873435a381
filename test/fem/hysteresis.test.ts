/**
 * Yielding Li in contact: perfect plasticity at the measured bulk yield (0.77 MPa) converges and its
 * mean contact pressure stays below the rigid-plastic plane-strain hardness (Prandtl (2 + π)/√3·σy = 2.97σy, +15 %) and above 2.2σy (elastic-plastic summits);
 * unloading keeps the permanent set (hysteresis): 25 MPa then 5 MPa leaves more contact and less void
 * than loading to 5 MPa directly, with the rate-independent and the viscoplastic (creep + size-law
 * yield cap) models.
 */
import { describe, expect, it } from 'vitest';
import { electrolyteMaterial, liMaterial, runContact } from '../../src/fem/contact-run.js';
import { selfAffineProfile, wavyProfile } from '../../src/fem/profile.js';
import type { HistoryPoint } from '../../src/fem/contact.js';
import type { Material } from '../../src/fem/material.js';

const lambda = 50, nx = 32;
const h = wavyProfile(1, lambda, nx);
const run = (li: Material, history: HistoryPoint[]) => runContact({
  lambda, h, li, electrolyte: electrolyteMaterial('elastic'), history, stepTol: 0.1, ny: 6,
  conduction: { thickness: lambda, sigmaMsPerCm: 2, rctOhmCm2: 0 },
});

describe('yielding Li in contact', () => {
  it('perfect plasticity at σy = 0.77 MPa converges at 0.5–5 MPa; contact pressure between 2.2σy and the Prandtl hardness 2.97σy (+15 %) while partial', () => {
    const sy = 0.77;
    for (const p of [0.5, 1, 2, 5]) {
      const r = run(liMaterial('plastic', 298, sy), [{ t: 0, p }]);
      const last = r.records[r.records.length - 1];
      expect(last.force_balance_error).toBeLessThan(1e-10);
      if (last.contact_fraction < 0.9) {
        expect(last.mean_contact_pressure / sy).toBeGreaterThan(2.2);
        expect(last.mean_contact_pressure / sy).toBeLessThan(3.4);
      } else expect(p).toBeGreaterThan(2.5 * sy);
    }
  });

  it('perfect plasticity at 0.77 MPa on a self-affine profile (64 columns) reaches 5 MPa: full contact, since 5 MPa > 2.97σy', () => {
    const n = 64, lam = 100;
    const r = runContact({
      lambda: lam, h: selfAffineProfile(1, 0.8, 5, 100, lam, n, 1), li: liMaterial('plastic', 298, 0.77), electrolyte: electrolyteMaterial('elastic'),
      history: [{ t: 0, p: 5 }], stepTol: 0.1, ny: 8, conduction: { thickness: lam, sigmaMsPerCm: 2, rctOhmCm2: 0 },
    });
    const last = r.records[r.records.length - 1];
    expect(last.pressure).toBe(5);
    expect(last.force_balance_error).toBeLessThan(1e-10);
    expect(last.contact_fraction).toBe(1);
    // partial contact on the way, at or below the hardness
    const mid = r.records.find((x) => x.contact_fraction < 0.9 && x.pressure > 0.5)!;
    expect(mid.mean_contact_pressure / 0.77).toBeLessThan(3.4);
  });

  for (const law of ['plastic', 'viscoplastic'] as const) {
    it(`${law}: loading to 25 MPa and unloading to 5 MPa keeps more contact than loading to 5 MPa`, () => {
      // σy from the size law at the 50 µm summit spacing: 105·(50/0.5)^−0.68 = 4.58 MPa, so 5 MPa is partial contact
      const li = liMaterial(law, 298, null, {}, lambda);
      expect(li.sigmaY).toBeCloseTo(105 * 100 ** -0.68, 6);
      const hold = law === 'viscoplastic' ? 60 : 1;
      const direct = run(li, [{ t: 0, p: 5 }, { t: 1 + hold, p: 5 }]);
      const cycled = run(li, [{ t: 0, p: 25 }, { t: 1, p: 5 }, { t: 1 + hold, p: 5 }]);
      const d = direct.records[direct.records.length - 1], c = cycled.records[cycled.records.length - 1];
      expect(c.pressure).toBe(5);
      expect(d.contact_fraction).toBeLessThan(0.6);
      expect(c.contact_fraction).toBeGreaterThan(d.contact_fraction + 0.3);
      expect(c.void_area_um2).toBeLessThan(0.5 * d.void_area_um2);
      // the permanent set: the platen stays lower after the cycle
      expect(c.li_top_displacement_um).toBeLessThan(d.li_top_displacement_um - 0.2);
    });
  }
});
