import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  directCurvePoint,
  islandSweep,
  islandsBruteForce,
  lognormalMap,
  sortMap,
  stripUniform,
  stripCsv,
  writeStripOutputs,
  remainingAfter,
} from '../../src/strip/index.js';
import { stripCurrent } from '../../src/strip/current-mode.js';
import { tempDir } from '../helpers.js';

function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random map with masked (NaN, negative) pixels, exact zeros and ties. */
function randomMap(ny: number, nx: number, seed: number): Float32Array {
  const r = rng(seed);
  const t = new Float32Array(ny * nx);
  for (let i = 0; i < t.length; i++) {
    const u = r();
    t[i] = u < 0.03 ? NaN : u < 0.05 ? -1 : u < 0.1 ? 0 : u < 0.15 ? 7.5 : 30 * r() ** 2;
  }
  return t;
}

describe('uniform stripping: exact closed form', () => {
  const maps: [string, Float32Array, number, number][] = [
    ['random', randomMap(60, 70, 1), 60, 70],
    ['lognormal phantom-like', lognormalMap(96, 96, { median: 23.3, sigmaLog: 0.34, corrPx: 20, seed: 2 }), 96, 96],
  ];
  for (const [name, t, ny, nx] of maps) {
    for (const by of ['fraction', 'depth'] as const) {
      it(`${name}, steps by ${by}: every row equals Σmin(t,h)/Σt and P(t>h) to 1e-12`, () => {
        const res = stripUniform(t, ny, nx, { steps: 50, by, at: [0.64, 0.85] });
        expect(res.rows.length).toBe(51);
        let maxErr = 0;
        res.rows.forEach((r, k) => {
          const d = directCurvePoint(t, r.removed_depth_um);
          maxErr = Math.max(maxErr, Math.abs(d.stripped_fraction - r.stripped_fraction));
          expect(r.active_fraction).toBe(d.active_fraction);
          expect(r.current_multiplier).toBeCloseTo(1 / d.active_fraction || Infinity, 12);
          if (by === 'fraction') expect(Math.abs(d.stripped_fraction - k / 50)).toBeLessThan(1e-12);
        });
        expect(maxErr).toBeLessThan(1e-12);
        if (by === 'depth') {
          const tmax = res.summary.max_thickness_um;
          res.rows.forEach((r, k) => expect(r.removed_depth_um).toBeCloseTo((tmax * k) / 50, 12));
        }
        expect(res.rows[0].stripped_fraction).toBe(0);
        expect(res.rows[50].stripped_fraction).toBeCloseTo(1, 12);
        expect(res.rows[50].active_fraction).toBe(0);
      });
    }
  }

  it('--at fractions are hit exactly (1e-12) and the active fraction is the one at that depth', () => {
    const t = randomMap(50, 50, 9);
    const at = [0.64, 0.85, 1 / 3, 0.999, 0];
    const res = stripUniform(t, 50, 50, { steps: 7, at });
    expect(res.at_rows.length).toBe(at.length);
    res.at_rows.forEach((r, i) => {
      const d = directCurvePoint(t, r.removed_depth_um);
      expect(Math.abs(d.stripped_fraction - at[i])).toBeLessThan(1e-12);
      expect(r.stripped_fraction).toBe(at[i]);
      expect(r.active_fraction).toBe(d.active_fraction);
    });
  });

  it('sortMap ignores NaN and negative pixels and sorts ascending', () => {
    const t = randomMap(30, 30, 4);
    const m = sortMap(t);
    const ref = Array.from(t).filter((v) => v >= 0).sort((a, b) => a - b);
    expect(m.n).toBe(ref.length);
    expect(Array.from(m.values)).toEqual(ref);
    for (let i = 0; i < m.n; i++) expect(t[m.order[i]]).toBe(m.values[i]);
  });
});

describe('islands: one union-find sweep = brute-force relabelling per step', () => {
  for (const [seed, corr] of [[11, 3], [12, 1.5], [13, 6]] as const) {
    it(`map seed ${seed} (correlation ${corr} px)`, () => {
      const ny = 41;
      const nx = 53;
      const t = lognormalMap(ny, nx, { median: 10, sigmaLog: 0.5, corrPx: corr, seed });
      t[5] = NaN; // masked pixels never count
      t[100] = -1;
      const res = stripUniform(t, ny, nx, { steps: 40, by: 'fraction', minIslandPixels: 3 });
      for (const r of res.rows) {
        const b = islandsBruteForce(t, ny, nx, r.removed_depth_um, 3);
        expect({ step: r.step, islands: r.islands, largest: r.largest_island_px, median: r.median_island_px, ge: r.islands_ge_min }).toEqual({
          step: r.step,
          islands: b.islands,
          largest: b.largest_island_px,
          median: b.median_island_px,
          ge: b.islands_ge_min,
        });
      }
      expect(Math.max(...res.rows.map((r) => r.islands))).toBeGreaterThanOrEqual(3);
    });
  }

  it('islandSweep with arbitrary depth order', () => {
    const t = randomMap(20, 25, 3);
    const m = sortMap(t);
    const depths = [5, 0, 20, 1, 12.5];
    const s = islandSweep(m, 20, 25, depths, 2);
    depths.forEach((h, i) => expect(s[i]).toEqual(islandsBruteForce(t, 20, 25, h, 2)));
  });
});

describe('S002 numbers (64 % stripped → 91 % active, 85 % → 47 %, 2.1×)', () => {
  it('a lognormal thickness field (σ_ln = 0.32) reproduces them within 4 percentage points', () => {
    const t = lognormalMap(256, 256, { median: 23.3, sigmaLog: 0.32, corrPx: 30, seed: 7 });
    const res = stripUniform(t, 256, 256, { steps: 20 });
    const [a64, a85] = res.summary.s002_comparison;
    expect(Math.abs(a64.active_fraction - 0.91)).toBeLessThan(0.04);
    expect(Math.abs(a85.active_fraction - 0.47)).toBeLessThan(0.04);
    expect(a85.current_multiplier).toBeGreaterThan(1.9);
    expect(a85.current_multiplier).toBeLessThan(2.3);
  });
});

describe('outputs', () => {
  it('writes stripping.csv (contract columns first), json, svg and PNG snapshots', async () => {
    const dir = tempDir('strip-out-');
    const t = lognormalMap(64, 64, { median: 20, sigmaLog: 0.3, corrPx: 10, seed: 1 });
    const res = stripUniform(t, 64, 64, { steps: 10, at: [0.5] });
    const files = await writeStripOutputs(dir, {
      json: { rows: res.rows },
      csvRows: res.rows,
      chart: [{ label: 'uniform', color: '#000', points: res.rows.map((r) => ({ x: r.stripped_fraction, active: r.active_fraction, multiplier: r.current_multiplier })) }],
      snapshots: [{ stripped_fraction: 0.5, active_fraction: res.at_rows[0].active_fraction, remaining: remainingAfter(t, res.at_rows[0].removed_depth_um), ny: 64, nx: 64, pixelUm: 1.7, mode: 'uniform' }],
      title: 't',
    });
    expect(files).toEqual(['stripping.csv', 'stripping.json', 'stripping.svg', 'snapshot_uniform_50pct.png']);
    const csv = readFileSync(path.join(dir, 'stripping.csv'), 'utf8').split('\n');
    expect(csv[0].split(',').slice(0, 5)).toEqual(['step', 'stripped_fraction', 'active_fraction', 'current_multiplier', 'islands']);
    expect(csv[csv.length - 2].split(',')[3]).toBe('inf');
    const png = readFileSync(path.join(dir, 'snapshot_uniform_50pct.png'));
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG');
    const svg = readFileSync(path.join(dir, 'stripping.svg'), 'utf8');
    expect(svg).toContain('active area (%)');
    expect(stripCsv(res.rows).split('\n').length).toBe(res.rows.length + 2);
  });
});

describe('current-aware stripping', () => {
  it('matches the uniform step charge exactly, starts fully active, hot spots ≥ 1 while partially active', () => {
    const t = lognormalMap(64, 64, { median: 20, sigmaLog: 0.35, corrPx: 12, seed: 4 });
    const uni = stripUniform(t, 64, 64, { steps: 20 });
    const cur = stripCurrent(t, 64, 64, 2, { fractions: uni.rows.map((r) => r.stripped_fraction), at: [0.64, 0.85], solveGrid: 32, layers: 16 });
    expect(cur.rows.length).toBe(21);
    cur.rows.forEach((r, k) => {
      expect(r.stripped_fraction).toBe(uni.rows[k].stripped_fraction);
      // removed_depth is the mean removed depth = stripped × mean thickness (exact charge bookkeeping)
      expect(r.removed_depth_um).toBeCloseTo(r.stripped_fraction * uni.summary.mean_thickness_um, 6);
      if (r.active_fraction > 0) expect(r.current_multiplier).toBeCloseTo(1 / r.active_fraction, 12);
    });
    expect(cur.rows[0].active_fraction).toBe(1);
    const mid = cur.rows.filter((r) => r.active_fraction > 0.05 && r.active_fraction < 0.95);
    expect(mid.length).toBeGreaterThan(2);
    for (const r of mid) expect(r.j_p99).toBeGreaterThan(1);
    expect(cur.at_states.length).toBe(2);
  });
});
