/**
 * The stack-pressure papers in kind (issue #24 point 5), run once through `buried contact3d --papers`
 * (two-scale self-affine surface, coarse 64² + fine 64², Rq 2 µm; both protocols ≈ 26 s CPU, the file
 * 30.6 s CPU): the acceptance criteria against
 * Doux et al. 2020 (Fig 4c) and Zhang et al. 2020, each its own test on papers.json. Then the parts:
 * interface.ts against the periodic-stripe constriction closed form, the plastic set of one pressure
 * step against an independent elastic solve, and the crushed limit.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { registerContact3d } from '../../src/cli/commands/contact3d.js';
import { interfaceResistance, solveInterface } from '../../src/contact3d/interface.js';
import { PAPERS_DEFAULTS, contactWidth, fractionAt, papersSurface, pressStep, type PressStep } from '../../src/contact3d/papers.js';
import { bandRms, pressTwoScale, spotPressureHistory, twoScaleSurfaces } from '../../src/contact3d/two-scale.js';
import { simulateContact } from '../../src/contact3d/simulate.js';
import { LPSCL_DEFAULTS } from '../../src/fem/index.js';
import { missingPython, requireAvailable, runPython, tempDir } from '../helpers.js';

interface Row { stage: string; pressure_mpa: number; model_interface_ohm_cm2: number; model_constriction_ohm_cm2: number; contact_fraction: number; crushed_flat: boolean }
interface Zhang { pressure_mpa: number; half_hours: Array<{ t_h: number; contact_fraction: number }> }
interface Papers { calibration: { rct_ohm_cm2: number }; doux_2020: { rows: Row[] }; zhang_2020: Zhang[] }

let papers: Papers;
let svg = '';

beforeAll(async () => {
  const out = path.join(tempDir('buried-papers-'), 'out');
  const program = new Command().exitOverride();
  registerContact3d(program);
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    await program.parseAsync(['contact3d', '--papers', '-o', out, '--json'], { from: 'user' });
  } finally {
    process.stdout.write = write;
  }
  expect(process.exitCode ?? 0).toBe(0);
  papers = JSON.parse(readFileSync(path.join(out, 'papers.json'), 'utf8')) as Papers;
  svg = readFileSync(path.join(out, 'papers.svg'), 'utf8');
}, 180_000);

const loading = () => papers.doux_2020.rows.filter((r) => r.stage === 'loading');
const R = (stage: string, p: number) => papers.doux_2020.rows.find((r) => r.stage === stage && r.pressure_mpa === p)!.model_interface_ohm_cm2;

describe('Doux et al. 2020 protocol (1 → 25 MPa, release to 5 MPa)', () => {
  it('the one calibration constant r_ct puts R(25 MPa) on the paper 32 Ω × 1.267 cm² = 40.54 Ω·cm²', () => {
    expect(R('loading', 25)).toBeCloseTo(32 * Math.PI * 0.635 ** 2, 1);
    expect(papers.calibration.rct_ohm_cm2).toBeGreaterThan(0);
  });
  it('R falls strictly over 1, 5, 10, 15, 20, 25 MPa: every step at least 2 % below the one before', () => {
    const rs = loading().map((r) => r.model_interface_ohm_cm2);
    expect(loading().map((r) => r.pressure_mpa)).toEqual([1, 5, 10, 15, 20, 25]);
    for (let k = 1; k < rs.length; k++) expect(rs[k], `${loading()[k].pressure_mpa} MPa`).toBeLessThan(0.98 * rs[k - 1]);
  });
  it('R(1)/R(25) ≥ 10 and R(5)/R(25) in [2, 6] (paper: 15.6 and 3.4)', () => {
    expect(R('loading', 1) / R('loading', 25)).toBeGreaterThanOrEqual(10);
    const r5 = R('loading', 5) / R('loading', 25);
    expect(r5).toBeGreaterThanOrEqual(2);
    expect(r5).toBeLessThanOrEqual(6);
  });
  it('release 25 → 5 MPa leaves R below 0.6 × R(5 MPa on loading) (paper: 0.45)', () => {
    expect(R('release', 5)).toBeLessThan(0.6 * R('loading', 5));
  });
  it('the figure carries the paper points (their legend entry) and both citations', () => {
    expect(svg.includes('Doux et al. 2020 Fig 4c'), 'legend entry of the paper points').toBe(true);
    expect(svg.includes('Zhang et al. 2020'), 'Zhang citation').toBe(true);
  });
});

describe('Zhang et al. 2020 protocol (5 h holds at 1.5, 4.5, 7.5 MPa)', () => {
  it('the contact area still grows between 1 h and 5 h at each pressure', () => {
    expect(papers.zhang_2020.map((z) => z.pressure_mpa)).toEqual([1.5, 4.5, 7.5]);
    for (const z of papers.zhang_2020) {
      const at = (t: number) => z.half_hours.find((x) => x.t_h === t)!.contact_fraction;
      expect(at(5), `${z.pressure_mpa} MPa`).toBeGreaterThan(at(1) * 1.05);
    }
  });
  it('the growth in the first 30 min exceeds that of every later 30 min', () => {
    for (const z of papers.zhang_2020) {
      const f = z.half_hours.map((x) => x.contact_fraction);
      expect(f.length).toBe(11);
      const first = f[1] - f[0];
      for (let k = 2; k < f.length; k++) expect(f[k] - f[k - 1], `${z.pressure_mpa} MPa, ${k / 2} h`).toBeLessThan(first);
    }
  });
});

describe('the parts', () => {
  it('band rms of the self-affine spectrum: the closed form against scipy quadrature of 2π∫q·C(q)dq within 1e-6', (ctx) => {
    requireAvailable(ctx, missingPython('scipy'));
    const H = 0.8;
    // C(q) ∝ q^−2(1+H); q = 2π/λ; each band's variance is 2π∫q·C(q)dq over its q range
    const py = `
import numpy as np, json
from scipy.integrate import quad
H = ${H}
v = lambda a, b: quad(lambda q: 2*np.pi*q*q**(-2*(1+H)), 2*np.pi/b, 2*np.pi/a, limit=200)[0]
tot = v(0.1, 100)
print(json.dumps([float(np.sqrt(v(a, b)/tot)) for a, b in [(6.25, 100), (0.2, 6.25), (0.1, 0.2)]]))`;
    const want = JSON.parse(runPython(py)) as number[];
    const got = [bandRms(1, H, 0.1, 100, 6.25, 100), bandRms(1, H, 0.1, 100, 0.2, 6.25), bandRms(1, H, 0.1, 100, 0.1, 0.2)];
    for (let i = 0; i < 3; i++) expect(Math.abs(got[i] - want[i]) / want[i], `band ${i}`).toBeLessThan(1e-6);
    expect(got[1]).toBeGreaterThan(0.1); // the sub-grid band is a tenth of Rq: 0.22 µm of 2 µm
  }, 60_000);
  it('the fine cell is pressed at the coarse spots\' pressure P/f(t): repeats of t dropped, the last kept', () => {
    const rec = (t: number, f: number) => ({ t, pressure: 4, contact_fraction: f, mean_contact_pressure: 0, max_contact_pressure: 0, mean_gap_um: 0, spots: 1, max_sink_um: 0, iterations: 0 });
    const step = { pressure_mpa: 4, records: [rec(0, 0.1), rec(0, 0.2), rec(60, 0.25), rec(600, 0.5)] } as unknown as PressStep;
    expect(spotPressureHistory(step)).toEqual([{ t: 0, p: 20 }, { t: 60, p: 16 }, { t: 600, p: 8 }]);
  });
  it('two scales: with the coarse contact complete (25 MPa) the fine contact carries the load at its own hardness, below full contact', () => {
    const o = PAPERS_DEFAULTS;
    const { coarse, fine } = twoScaleSurfaces(o.surface, o.fine);
    const two = pressTwoScale(coarse, fine, 25, 0, o, o.fine);
    expect(two.coarse.contact_fraction).toBe(1);
    expect(two.spot_pressure_mpa).toBe(25);
    // Bowden–Tabor at the fine scale: f_fine ≥ P/H_fine (the cap), well below 1
    expect(two.fine.contact_fraction).toBeGreaterThanOrEqual((25 / two.fine.hardness_mpa) * 0.99);
    expect(two.fine.contact_fraction).toBeLessThan(0.5);
    expect(two.contact_fraction).toBeCloseTo(two.fine.contact_fraction, 12);
  });
  it('interface resistance of contact stripes: the stripe constriction λ/(πσ)·ln(1/sin(πf/2)) + r_ct/f within 3 %', async () => {
    const nx = 128, ny = 8, dx = 0.25, lambda = nx * dx, f = 0.25;
    const map = new Uint8Array(ny * nx);
    for (let r = 0; r < ny; r++) for (let i = 0; i < nx * f; i++) map[r * nx + i] = 1;
    const res = await solveInterface(map, ny, nx, dx, dx, { thicknessUm: 64, sigmaMsPerCm: 2, rctOhmCm2: 10 });
    const constriction = ((lambda / (Math.PI * 2e-7)) * Math.log(1 / Math.sin((Math.PI * f) / 2))) * 1e-8;
    expect(Math.abs(res.constriction_ohm_cm2 - constriction) / constriction).toBeLessThan(0.03);
    expect(res.charge_transfer_ohm_cm2).toBeCloseTo(10 / f, 9);
    expect(res.interface_ohm_cm2).toBeCloseTo(res.constriction_ohm_cm2 + 10 / f, 9);
    const full = await solveInterface(new Uint8Array(64).fill(1), 8, 8, 1, 1, { thicknessUm: 8, sigmaMsPerCm: 2, rctOhmCm2: 7 });
    expect(full.interface_ohm_cm2).toBe(7);
    expect(() => interfaceResistance(0, 0, 1)).toThrow(/contact fraction/);
  });
  it('a pressure step keeps its plastic set: an elastic solve on the set surface gives the plastic contact back', () => {
    const o = PAPERS_DEFAULTS;
    const h = papersSurface(o);
    const step = pressStep(h, 5, 0, o);
    expect(step.crushed).toBe(false);
    expect(step.hardness_mpa).toBeGreaterThan(5);
    const d = o.surface.cellUm / o.surface.n;
    const e = simulateContact({ h, ny: o.surface.n, nx: o.surface.n, dy: d, dx: d, li: { E: o.li.E, nu: o.li.nu, law: 'elastic' }, electrolyte: { E: LPSCL_DEFAULTS.E, nu: LPSCL_DEFAULTS.nu }, history: [{ t: 0, p: 5 }] });
    expect(Math.abs(e.records[0].contact_fraction - step.contact_fraction_plastic)).toBeLessThan(0.01);
    // the pristine surface in elastic contact touches far less: the set is what carries the load
    const e0 = simulateContact({ h: papersSurface(o), ny: o.surface.n, nx: o.surface.n, dy: d, dx: d, li: { E: o.li.E, nu: o.li.nu, law: 'elastic' }, electrolyte: { E: LPSCL_DEFAULTS.E, nu: LPSCL_DEFAULTS.nu }, history: [{ t: 0, p: 5 }] });
    expect(e0.records[0].contact_fraction).toBeLessThan(0.5 * step.contact_fraction_plastic);
  });
  it('above the hardness of the largest spot the Li is pressed flat: full contact, surface levelled', () => {
    const o = PAPERS_DEFAULTS;
    const h = papersSurface(o);
    const step = pressStep(h, 40, 0, o);
    expect(step.crushed).toBe(true);
    expect(step.contact_fraction).toBe(1);
    expect(Math.max(...h.map(Math.abs))).toBe(0);
  });
  it('the contact width that sets the yield: the diameter of a disc within 5 %, 8w/π for a strip (isotropic staircase correction)', () => {
    const n = 128, d = 0.5, D = 30;
    const disc = new Float64Array(n * n);
    for (let r = 0; r < n; r++) for (let i = 0; i < n; i++) if (Math.hypot((r - 64) * d, (i - 64) * d) < D / 2) disc[r * n + i] = 1;
    expect(Math.abs(contactWidth(disc, n, d) - D) / D).toBeLessThan(0.05);
    const strip = new Float64Array(n * n);
    for (let r = 0; r < n; r++) for (let i = 0; i < 20; i++) strip[r * n + i] = 1;
    expect(contactWidth(strip, n, d)).toBeCloseTo((8 * 20 * d) / Math.PI, 9);
  });
  it('fractionAt interpolates the records linearly and holds the ends', () => {
    const recs = [0, 10, 30].map((t, k) => ({ t, pressure: 1, contact_fraction: [0.1, 0.3, 0.4][k], mean_contact_pressure: 0, max_contact_pressure: 0, mean_gap_um: 0, spots: 1, max_sink_um: 0, iterations: 0 }));
    expect(fractionAt(recs, 5)).toBeCloseTo(0.2, 12);
    expect(fractionAt(recs, 20)).toBeCloseTo(0.35, 12);
    expect(fractionAt(recs, 99)).toBe(0.4);
    expect(fractionAt(recs, -1)).toBe(0.1);
  });
});
