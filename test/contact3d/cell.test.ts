/**
 * Cell loading (cell.ts): constant pressure, fixed gap and springs, with the calibrated Norton Li.
 * - fixed gap from 25 MPa on a rough surface: 23 ± 1 MPa at 30 min (the calibration target, Ham et
 *   al. 2023), still falling but slower afterwards, every creep step converged;
 * - a spring cell on a flat surface (no asperities) follows the spring-in-series-with-a-Norton-foil
 *   ODE, dL/dt = −L·A·pⁿ, p = p0 − k(L0 − L), integrated independently by scipy's solve_ivp, and its
 *   drop stays below the bound k·L0; it relaxes far less than the fixed gap;
 * - constant pressure: every record carries the history's pressure, as before the cell option.
 */
import { describe, expect, it } from 'vitest';
import { FIXED_GAP_STIFFNESS_MPA_PER_UM, SPRING_STIFFNESS_MPA_PER_UM, type CellLoading } from '../../src/contact3d/cell.js';
import { simulateContact, type SimulateResult } from '../../src/contact3d/simulate.js';
import { selfAffineSurface } from '../../src/contact3d/surface.js';
import { pressureAt } from '../../src/fem/index.js';
import { LI_DEFAULTS, LPSCL_DEFAULTS } from '../../src/fem/material.js';
import { missingPython, requireAvailable, runPython } from '../helpers.js';

const L = 100;
const li = { E: LI_DEFAULTS.E, nu: LI_DEFAULTS.nu, law: 'creep' as const, A: LI_DEFAULTS.A, n: LI_DEFAULTS.n, constraint: 3 };
const el = { E: LPSCL_DEFAULTS.E, nu: LPSCL_DEFAULTS.nu };
const history = (p: number, hold: number) => [{ t: 0, p: 0 }, { t: 60, p }, { t: 60 + hold, p }];
const run = (h: Float64Array, n: number, cell: CellLoading, hold: number, p = 25): SimulateResult =>
  simulateContact({ h, ny: n, nx: n, dy: L / n, dx: L / n, li, electrolyte: el, history: history(p, hold), cell, foilUm: 100 });
/** The pressure at time t (s), linear between records. */
const pAt = (r: SimulateResult, t: number): number => {
  const k = r.records.findIndex((x) => x.t >= t);
  if (k <= 0) return r.records[Math.max(0, k)].pressure;
  const a = r.records[k - 1], b = r.records[k];
  return a.pressure + ((b.pressure - a.pressure) * (t - a.t)) / (b.t - a.t);
};

describe('cell loading: fixed gap, springs, constant pressure', () => {
  it('fixed gap from 25 MPa (rough surface): 23 ± 1 MPa at 30 min, falling slower after, every step converged', () => {
    const n = 32;
    const h = selfAffineSurface({ rms: 1, hurst: 0.8, lminUm: 12.5, lmaxUm: 100, seed: 2 }, L, n);
    const r = run(h, n, { kind: 'gap', stiffnessMpaPerUm: FIXED_GAP_STIFFNESS_MPA_PER_UM }, 86400);
    expect(r.stats.unconverged).toBe(0);
    const p30 = pAt(r, 60 + 1800), p24h = r.records[r.records.length - 1].pressure;
    expect(Math.abs(p30 - 23)).toBeLessThan(1);
    // falling: the 24 h pressure is below the 30 min one, at a far lower mean rate than the first 30 min
    expect(p24h).toBeLessThan(p30);
    expect((p30 - p24h) / (86400 - 1800)).toBeLessThan(0.1 * ((25 - p30) / 1800));
    // the asperities closed (contact grew) while the pressure fell
    expect(r.records[r.records.length - 1].contact_fraction).toBeGreaterThan(r.records.find((x) => x.t >= 60)!.contact_fraction);
  });

  it('spring cell, no asperities: the spring–Norton-foil ODE (scipy solve_ivp) within 2 % of the drop; drop ≤ k·L0 and < 1/10 of the fixed gap', (ctx) => {
    requireAvailable(ctx, missingPython('numpy', 'scipy'));
    const n = 8, flat = new Float64Array(n * n);
    const k = SPRING_STIFFNESS_MPA_PER_UM, hold = 3600, times = [120, 300, 600, 1200, 3600];
    const spring = run(flat, n, { kind: 'spring', stiffnessMpaPerUm: k }, hold);
    const gap = run(flat, n, { kind: 'gap', stiffnessMpaPerUm: FIXED_GAP_STIFFNESS_MPA_PER_UM }, hold);
    const ref = JSON.parse(runPython(`
import json
from scipy.integrate import solve_ivp
A, n, k, p0, L0 = ${li.A}, ${li.n}, ${k}, 25.0, 100.0
f = lambda t, y: [-y[0] * A * (p0 - k * (L0 - y[0])) ** n]
ts = [t - 60 for t in ${JSON.stringify(times)}]
s = solve_ivp(f, (0, ts[-1]), [L0], method='LSODA', rtol=1e-10, atol=1e-12, t_eval=ts)
print(json.dumps([p0 - k * (L0 - L) for L in s.y[0]]))
`)) as number[];
    times.forEach((t, j) => {
      const drop = 25 - ref[j];
      expect(Math.abs(pAt(spring, t) - ref[j])).toBeLessThan(0.02 * drop);
    });
    const dropSpring = 25 - spring.records[spring.records.length - 1].pressure;
    const dropGap = 25 - gap.records[gap.records.length - 1].pressure;
    expect(dropSpring).toBeLessThanOrEqual(k * 100 * (1 + 1e-9));
    expect(dropSpring).toBeLessThan(0.1 * dropGap);
  });

  it('a charging cell (Li plated onto the foil, 1 mA/cm² for 1 h at 5 MPa, no asperities): the pressure follows dL/dt = ġ − L·A·pⁿ (scipy solve_ivp) within 2 % of its rise; the fixed gap rises ≥ 10× the springs (Ham et al. 2023 in kind)', (ctx) => {
    requireAvailable(ctx, missingPython('numpy', 'scipy'));
    const n = 8, flat = new Float64Array(n * n), hold = 3600, g = 4.85 / 3600;
    const charge = (kind: 'gap' | 'spring', k: number) =>
      simulateContact({ h: flat, ny: n, nx: n, dy: L / n, dx: L / n, li, electrolyte: el, history: history(5, hold), cell: { kind, stiffnessMpaPerUm: k }, foilUm: 100, growthUmPerS: g });
    const spring = charge('spring', SPRING_STIFFNESS_MPA_PER_UM), gap = charge('gap', FIXED_GAP_STIFFNESS_MPA_PER_UM);
    const ref = (k: number): number => JSON.parse(runPython(`
import json
from scipy.integrate import solve_ivp
A, n, k, p0, L0, g = ${li.A}, ${li.n}, ${k}, 5.0, 100.0, ${g}
f = lambda t, y: [g - y[0] * A * max(p0 - k * (L0 - y[0]), 0.0) ** n]
s = solve_ivp(f, (0, ${hold}), [L0], method='LSODA', rtol=1e-10, atol=1e-12)
print(json.dumps(p0 - k * (L0 - s.y[0][-1])))
`)) as number;
    const rise = (r: SimulateResult) => r.records[r.records.length - 1].pressure - 5;
    for (const [r, k] of [[spring, SPRING_STIFFNESS_MPA_PER_UM], [gap, FIXED_GAP_STIFFNESS_MPA_PER_UM]] as const) {
      const want = ref(k) - 5;
      expect(want).toBeGreaterThan(0);
      expect(Math.abs(rise(r) - want)).toBeLessThan(0.02 * want);
      // never more than the stiffness times the plated thickness
      expect(rise(r)).toBeLessThanOrEqual(k * 4.85 * (1 + 1e-9));
    }
    expect(rise(gap)).toBeGreaterThan(10 * rise(spring));
    expect(() => simulateContact({ h: flat, ny: n, nx: n, dy: L / n, dx: L / n, li, electrolyte: el, history: history(5, 60), growthUmPerS: g })).toThrow(/locked cell only/);
  });

  it('constant pressure (default): every record carries the history pressure; a gap cell departs from it in the hold', () => {
    const n = 16;
    const h = selfAffineSurface({ rms: 1, hurst: 0.8, lminUm: 12.5, lmaxUm: 100, seed: 2 }, L, n);
    const hist = history(5, 3600);
    const r = simulateContact({ h, ny: n, nx: n, dy: L / n, dx: L / n, li, electrolyte: el, history: hist });
    for (const rec of r.records) expect(rec.pressure).toBeCloseTo(pressureAt(hist, rec.t), 12);
    expect(r.records.every((x) => x.foil_um === undefined)).toBe(true);
    const g = run(h, n, { kind: 'gap', stiffnessMpaPerUm: FIXED_GAP_STIFFNESS_MPA_PER_UM }, 3600, 5);
    expect(g.records[g.records.length - 1].pressure).toBeLessThan(5 - 1e-3);
  });
});
