/**
 * A flat electrolyte profile (what exact labels of a flat interface give the run's fem stage) is in
 * full contact at load: Li creep under a hold must run to the end with contact fraction 1, no void,
 * the mean contact pressure equal to the applied pressure and no constriction. It used to stop with
 * "time step underflow": the round-off void (≈ 1e-16 µm²) set the void tolerance of the time steps.
 */
import { describe, expect, it } from 'vitest';
import { electrolyteMaterial, liMaterial, runContact } from '../../src/fem/contact-run.js';

describe('contact FEM on a flat profile', () => {
  it('creeps through a hold in full contact', () => {
    const nx = 16;
    const run = runContact({
      lambda: 81.6, h: new Float64Array(nx), li: liMaterial('creep', 298), electrolyte: electrolyteMaterial('elastic'),
      history: [{ t: 0, p: 5 }, { t: 120, p: 5 }], stepTol: 0.1, ny: 2,
      conduction: { thickness: 81.6, sigmaMsPerCm: 2, rctOhmCm2: 0 },
    });
    const last = run.records[run.records.length - 1];
    expect(last.t).toBeCloseTo(120, 9);
    expect(last.contact_fraction).toBe(1);
    expect(last.void_area_um2).toBeLessThan(1e-9);
    expect(last.mean_contact_pressure).toBeCloseTo(5, 6);
    expect(Math.abs(run.final.constriction_ohm_cm2)).toBeLessThan(1e-9);
  });
});
