/**
 * Elastic–perfectly-plastic and creeping Li in the boundary-element contact:
 * - the hardness cap: fully plastic contact carries the load at p = H (contact fraction p̄/H), and
 *   a cap far above the elastic pressures changes nothing;
 * - creep (Bower et al. 1993 spot sink): a raised square mesa pressed alone reaches the steady sink
 *   rate a·A·(p_m/c)ⁿ with p_m = p̄/f (closed form); on a rough surface the contact fraction grows
 *   monotonically during a hold and, with a creep threshold σ0, tends to the plastic limit p̄/(c·σ0).
 */
import { describe, expect, it } from 'vitest';
import { HalfSpace } from '../../src/contact3d/kernel.js';
import { solveContact } from '../../src/contact3d/polonsky-keer.js';
import { simulateContact } from '../../src/contact3d/simulate.js';
import { selfAffineSurface } from '../../src/contact3d/surface.js';

const ES = 9000;
const fraction = (p: Float64Array) => p.reduce((c, v) => c + (v > 0 ? 1 : 0), 0) / p.length;

describe('plastic cap (Almqvist et al. 2007)', () => {
  const n = 128, L = 100;
  const h = selfAffineSurface({ rms: 1, hurst: 0.8, lminUm: 4, lmaxUm: 100, seed: 3 }, L, n);
  const hs = new HalfSpace(n, n, L / n, L / n, ES);
  it('fully plastic: contact fraction p̄/H within 0.5 %, mean contact pressure H, no pressure above H', () => {
    const H = 15, pbar = 3;
    const p = new Float64Array(n * n);
    solveContact(hs, h, p, { meanPressure: pbar, hardness: H });
    const f = fraction(p);
    expect(Math.abs(f - pbar / H) / (pbar / H)).toBeLessThan(0.005);
    let pmax = 0, sum = 0;
    for (const v of p) { pmax = Math.max(pmax, v); sum += v; }
    expect(pmax).toBeLessThanOrEqual(H);
    expect(sum / (f * p.length)).toBeCloseTo(H, 1);
    expect(sum / p.length).toBeCloseTo(pbar, 8);
  });
  it('a cap above every elastic pressure gives the elastic solution', () => {
    const pbar = 50;
    const el = new Float64Array(n * n), pl = new Float64Array(n * n);
    solveContact(hs, h, el, { meanPressure: pbar });
    let pmax = 0;
    for (const v of el) pmax = Math.max(pmax, v);
    solveContact(hs, h, pl, { meanPressure: pbar, hardness: 1.5 * pmax });
    expect(fraction(pl)).toBe(fraction(el));
    // and a cap at half the elastic peak widens the contact
    const half = new Float64Array(n * n);
    solveContact(hs, h, half, { meanPressure: pbar, hardness: 0.5 * pmax });
    expect(fraction(half)).toBeGreaterThan(fraction(el));
    expect(Math.max(...half)).toBeLessThanOrEqual(0.5 * pmax);
  });
});

describe('creep (spot sink, backward Euler)', () => {
  it('a lone square mesa sinks at the steady rate a·A·(p̄/(f·c))ⁿ, a = √(area/π), within 2 %', () => {
    const n = 64, L = 64, side = 16, A = 1e-7, nExp = 3, c = 3, pbar = 2;
    const h = new Float64Array(n * n);
    for (let r = 0; r < n; r++) for (let i = 0; i < n; i++) {
      if (Math.abs(r - n / 2 + 0.5) < side / 2 && Math.abs(i - n / 2 + 0.5) < side / 2) h[r * n + i] = 50; // far above the base: only the mesa touches
    }
    const f = (side * side) / (n * n);
    const run = (tEnd: number) => simulateContact({
      h, ny: n, nx: n, dy: 1, dx: 1, li: { E: 7820, nu: 0.38, law: 'creep', A, n: nExp, constraint: c }, electrolyte: null,
      history: [{ t: 0, p: pbar }, { t: tEnd, p: pbar }],
    });
    const meanSink = (w: Float64Array) => { let s = 0; for (let i = 0; i < w.length; i++) if (h[i] > 0) s += w[i]; return s / (side * side); };
    const t1 = 200, t2 = 400;
    const r1 = run(t1), r2 = run(t2);
    expect(r2.records[r2.records.length - 1].contact_fraction).toBeCloseTo(f, 12);
    const rate = (meanSink(r2.sink) - meanSink(r1.sink)) / (t2 - t1);
    const a = Math.sqrt((side * side) / Math.PI);
    const ref = a * A * Math.pow(pbar / f / c, nExp);
    expect(Math.abs(rate - ref) / ref).toBeLessThan(0.02);
  });

  it('rough surface under a hold: contact fraction grows decade by decade and, with a threshold σ0, tends to the plastic p̄/(c·σ0) from below', () => {
    const n = 48, L = 100, c = 3, s0 = 2, pbar = 1.2;
    const h = selfAffineSurface({ rms: 1, hurst: 0.8, lminUm: 8, lmaxUm: 100, seed: 5 }, L, n);
    const res = simulateContact({
      h, ny: n, nx: n, dy: L / n, dx: L / n, li: { E: 7820, nu: 0.38, law: 'creep', A: 6.85e-3, n: 6.6, yieldMpa: s0, constraint: c }, electrolyte: null,
      history: [{ t: 0, p: pbar }, { t: 1e6, p: pbar }], stepTol: 0.05,
    });
    const f = res.records.map((r) => r.contact_fraction);
    // single steps may dip (spots merge and their radius jumps); the trend over each decade of time may not
    let prev = -1;
    for (let decade = -4; decade <= 6; decade++) {
      const k = res.records.findLastIndex((r) => r.t <= 10 ** decade);
      if (k < 0) continue;
      expect(f[k]).toBeGreaterThanOrEqual(prev);
      prev = f[k];
    }
    expect(f[0]).toBeLessThan(0.05);
    const limit = pbar / (c * s0);
    expect(Math.abs(f[f.length - 1] - limit) / limit).toBeLessThan(0.05);
    expect(f[f.length - 1]).toBeLessThanOrEqual(limit + 1 / (n * n));
  });
});
