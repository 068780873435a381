/** The run's fem stage takes every Li/electrolyte constant from the config (fem.* keys). */
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/pipeline/config.js';
import { femMaterials } from '../../src/pipeline/stages.js';
import { LI_DEFAULTS } from '../../src/fem/material.js';
import { wavyProfile } from '../../src/fem/profile.js';

describe('fem stage materials from the config', () => {
  it('defaults: Ding-fitted creep; set keys reach the model, the size law at the summit spacing', () => {
    const h = wavyProfile(1, 40, 32);
    const c = defaultConfig().fem;
    const d = femMaterials(c, 40, h);
    expect([d.li.law, d.li.E, d.li.A, d.li.n]).toEqual(['creep', LI_DEFAULTS.E, LI_DEFAULTS.A, LI_DEFAULTS.n]);
    const set = {
      ...c, li: 'viscoplastic' as const, li_e_mpa: 9000, li_nu: 0.3, creep_a: 1e-7, creep_n: 5, creep_q_kj: 50, temperature_k: 320,
      yield_ref_mpa: 80, yield_ref_um: 1, yield_size_exponent: 0.5, electrolyte_e_mpa: 20000, electrolyte_nu: 0.25,
    };
    const m = femMaterials(set, 40, h);
    expect([m.li.E, m.li.nu, m.li.n]).toEqual([9000, 0.3, 5]);
    expect(m.li.A).toBeCloseTo(1e-7 * Math.exp((-50e3 / 8.314462618) * (1 / 320 - 1 / 298)), 20);
    expect(m.li.sigmaY).toBeCloseTo(80 * 40 ** -0.5, 10); // one summit per 40 µm period
    expect(femMaterials({ ...set, asperity_um: 4 }, 40, h).li.sigmaY).toBeCloseTo(40, 10);
    expect(m.electrolyte).toEqual({ E: 20000, nu: 0.25, law: 'elastic' });
  });
});
