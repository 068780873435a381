/**
 * The 3D boundary-element contact against the 2D plane-strain FEM (src/fem) on the same 1D
 * self-affine profile extruded along y: elastic Li on a rigid electrolyte, the same E* = E/(1 − ν²);
 * the FEM's Li block is one period deep, the half-space infinite, so they agree to a few %.
 */
import { describe, expect, it } from 'vitest';
import { ContactCell } from '../../src/fem/contact.js';
import { selfAffineProfile } from '../../src/fem/profile.js';
import { HalfSpace } from '../../src/contact3d/kernel.js';
import { solveContact } from '../../src/contact3d/polonsky-keer.js';

describe('BEM vs 2D FEM on an extruded 1D profile', () => {
  it('contact fraction within 3 % at two pressures', () => {
    const E = 7820, nu = 0.38, lambda = 100, nx = 256, ny = 4;
    const prof = selfAffineProfile(0.5, 0.8, 5, 100, lambda, nx, 7);
    const h = new Float64Array(ny * nx);
    for (let r = 0; r < ny; r++) h.set(prof, r * nx);
    // the FEM profile is the electrolyte's height under the Li; the BEM's rigid surface is the same h
    const hs = new HalfSpace(ny, nx, lambda / nx, lambda / nx, E / (1 - nu * nu));
    for (const pbar of [20, 300]) {
      const cell = new ContactCell({ lambda, h: prof, li: { E, nu, law: 'elastic' }, electrolyte: null, history: [{ t: 0, p: pbar }], nyLi: 30 });
      const [rec] = cell.run();
      const p = new Float64Array(ny * nx);
      solveContact(hs, h, p, { meanPressure: pbar });
      let c = 0;
      for (const v of p) if (v > 0) c++;
      const f = c / p.length;
      expect(rec.contact_fraction).toBeGreaterThan(0.1);
      expect(rec.contact_fraction).toBeLessThan(0.9);
      expect(Math.abs(f - rec.contact_fraction) / rec.contact_fraction).toBeLessThan(0.03);
    }
  });
});
