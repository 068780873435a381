/**
 * Li material inputs: the default creep law reproduces the foil creep rates of Ding et al. 2021 in
 * their geometry (a free-standing foil under uniaxial compression, run on the FEM's material update),
 * the size law of Xu et al. 2017, the Arrhenius factor, the viscoplastic cap, and typed errors that
 * name the bad parameter.
 */
import { describe, expect, it } from 'vitest';
import { DING_CREEP, LI_DEFAULTS, MaterialError, stressUpdate } from '../../src/fem/material.js';
import { LI_MATERIAL_DEFAULTS, liCreepRate, liFeMaterial, liMaterialParams, liYieldStress } from '../../src/fem/li-material.js';
import { foilCreepRate } from '../../src/fem/foil-creep.js';
import { ContactCell } from '../../src/fem/contact.js';
import { electrolyteMaterial } from '../../src/fem/contact-run.js';
import { wavyProfile } from '../../src/fem/profile.js';

describe('Li material', () => {
  it('default creep: a 100 µm foil thins at 0.06 µm/h under 2.2 MPa and 0.42 µm/h under 3.5 MPa at 30 °C (Ding et al.)', () => {
    const m = liFeMaterial(liMaterialParams(), 'creep', { temperatureK: DING_CREEP.temperatureK });
    for (const { mpa, umPerHour } of DING_CREEP.points) {
      const r = foilCreepRate(m, mpa, 3600, DING_CREEP.foilUm);
      expect(r.umPerHour / umPerHour).toBeGreaterThan(0.5);
      expect(r.umPerHour / umPerHour).toBeLessThan(2);
      // steady Norton creep: ḣ = h·A·pⁿ (closed form) within 1 %
      expect(r.umPerHour).toBeCloseTo(DING_CREEP.foilUm * 3600 * m.A! * mpa ** m.n!, 3 - Math.ceil(Math.log10(r.umPerHour)));
      // the elastic step: ε = −p/E (uniaxial stress)
      expect(r.strainLoaded).toBeCloseTo(-mpa / m.E, 12);
    }
    // the old tension-anchored law (A = 6.85e-3, n = 6.6) creeps > 1e6 times faster at 2.2 MPa
    const old = foilCreepRate({ ...m, A: 6.85e-3, n: 6.6 }, 2.2, 3600, 100, 60);
    expect(old.umPerHour / 0.06).toBeGreaterThan(1e6);
  });

  it('size law σy = max(0.77, 105·(L/0.5 µm)^−0.68) (Xu et al. 2017)', () => {
    const m = liMaterialParams();
    expect(liYieldStress(m, 0.5)).toBeCloseTo(105, 10);
    expect(liYieldStress(m, 5)).toBeCloseTo(105 * 10 ** -0.68, 10);
    expect(liYieldStress(m, 1e4)).toBe(0.77);
    expect(liYieldStress(liMaterialParams({ sizeExponent: 0 }), 5)).toBe(0.77);
    // the FEM material takes the size law at its length; an explicit yield wins
    expect(liFeMaterial(m, 'viscoplastic', { temperatureK: 298, lengthUm: 5 }).sigmaY).toBeCloseTo(105 * 10 ** -0.68, 10);
    expect(liFeMaterial(m, 'plastic', { temperatureK: 298, lengthUm: 5, yieldMpa: 0.77 }).sigmaY).toBe(0.77);
  });

  it('creep rate: Norton with the Arrhenius factor exp(−Q/R (1/T − 1/T0))', () => {
    const m = liMaterialParams({ creepQ: 50e3 });
    const ratio = liCreepRate(m, 3, 323) / liCreepRate(m, 3, 298);
    expect(ratio).toBeCloseTo(Math.exp((-50e3 / 8.314462618) * (1 / 323 - 1 / 298)), 10);
    expect(liCreepRate(m, 2, 298)).toBeCloseTo(LI_DEFAULTS.A * 2 ** LI_DEFAULTS.n, 20);
  });

  it('viscoplastic: σeq never exceeds σy; below it the Norton return alone', () => {
    const m = liFeMaterial(liMaterialParams(), 'viscoplastic', { temperatureK: 298, yieldMpa: 2 });
    const sig = new Float64Array(4), epo = new Float64Array(4);
    const q = (s: Float64Array) => { const p = (s[0] + s[1] + s[2]) / 3; return Math.sqrt(1.5 * ((s[0] - p) ** 2 + (s[1] - p) ** 2 + (s[2] - p) ** 2 + 2 * s[3] ** 2)); };
    const de = stressUpdate(m, [0, -1e-2, 0, 0], new Float64Array(4), 1, epo, sig, null);
    expect(q(sig)).toBeCloseTo(2, 10);
    expect(de).toBeGreaterThan(0);
    const creepOnly = { ...m, law: 'creep' as const, sigmaY: 0 };
    const sig2 = new Float64Array(4);
    stressUpdate(m, [0, -1e-4, 0, 0], new Float64Array(4), 10, epo, sig, null);
    stressUpdate(creepOnly, [0, -1e-4, 0, 0], new Float64Array(4), 10, epo, sig2, null);
    expect(q(sig)).toBeLessThan(2);
    expect(Array.from(sig)).toEqual(Array.from(sig2));
  });

  it('bad constants: a MaterialError naming the parameter, also from the contact cell (not an LDLᵀ zero pivot)', () => {
    const err = (f: () => unknown) => { try { f(); } catch (e) { return e; } return null; };
    for (const [over, name] of [[{ E: 0 }, 'li.E'], [{ nu: 0.5 }, 'li.nu'], [{ creepN: 0.5 }, 'li.creepN'], [{ creepA: -1 }, 'li.creepA'], [{ sizeExponent: -0.1 }, 'li.sizeExponent'], [{ yieldBulk: 0 }, 'li.yieldBulk']] as const) {
      const e = err(() => liMaterialParams(over));
      expect(e).toBeInstanceOf(MaterialError);
      expect((e as MaterialError).parameter).toBe(name);
    }
    expect((err(() => liYieldStress(LI_MATERIAL_DEFAULTS, -1)) as MaterialError).parameter).toBe('li.lengthUm');
    expect((err(() => electrolyteMaterial('elastic', { E: 0 })) as MaterialError).parameter).toBe('electrolyte.E');
    const base = { lambda: 20, h: wavyProfile(0.5, 20, 16), history: [{ t: 0, p: 1 }], nyLi: 2, nyEl: 2 };
    const li = liFeMaterial(LI_MATERIAL_DEFAULTS, 'elastic', { temperatureK: 298 });
    const e1 = err(() => new ContactCell({ ...base, li: { ...li, E: 0 }, electrolyte: null }));
    expect(e1).toBeInstanceOf(MaterialError);
    expect((e1 as MaterialError).parameter).toBe('li.E');
    const e2 = err(() => new ContactCell({ ...base, li, electrolyte: { E: 0, nu: 0.28, law: 'elastic' } }));
    expect((e2 as MaterialError).parameter).toBe('electrolyte.E');
  });
});
