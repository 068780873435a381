/**
 * Scan 0's stripping replay against a later scan (src/series/replay.ts), on thickness maps whose
 * later state is known: stripped at a uniform rate (the uniform model must agree everywhere), and
 * lost in patches regardless of thickness (neither model can, the uniform one far from it).
 */
import { describe, expect, it } from 'vitest';
import { compareReplays } from '../../src/series/replay.js';
import { mulberry32 } from '../../src/compute/rng.js';

const rows = 48, cols = 56, m = rows * cols;

/** A lognormal-like thickness map (µm, ~4–33 µm, correlated over 3 pixels), some masked. */
function thicknessMap(seed: number): Float32Array {
  const rnd = mulberry32(seed);
  const noise = Float32Array.from({ length: m }, () => rnd());
  const t = new Float32Array(m);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
    let s = 0, n = 0;
    for (let dr = -1; dr <= 1; dr++) for (let dc = -1; dc <= 1; dc++) {
      const rr = r + dr, cc = c + dc;
      if (rr >= 0 && rr < rows && cc >= 0 && cc < cols) { s += noise[rr * cols + cc]; n++; }
    }
    t[r * cols + c] = 12 * Math.exp(10 * (s / n - 0.5));
  }
  for (let i = 0; i < m; i += 97) t[i] = NaN;
  return t;
}

const contactOf = (t: Float32Array) => Uint8Array.from(t, (v) => (Number.isFinite(v) ? (v > 0 ? 1 : 0) : 255));

describe('replay vs a later scan', () => {
  const t0 = thicknessMap(3);

  it('stripped at a uniform rate: the uniform model agrees on every pixel, at the stripped fraction measured', () => {
    const h = 10;
    const t1 = Float32Array.from(t0, (v) => (Number.isFinite(v) ? Math.max(0, v - h) : NaN));
    let total = 0, lost = 0;
    for (let i = 0; i < m; i++) if (Number.isFinite(t0[i])) { total += t0[i]; lost += t0[i] - t1[i]; }
    const [r] = compareReplays(t0, [t1], [contactOf(t1)], rows, cols, 2);
    expect(r.stripped_fraction).toBeCloseTo(lost / total, 9);
    expect(r.uniform.pixel_agreement).toBe(1);
    expect(r.uniform.active_fraction).toBeCloseTo(r.measured_active_fraction, 9);
    expect(r.measured_active_fraction).toBeGreaterThan(0.2);
    expect(r.measured_active_fraction).toBeLessThan(0.9);
    // the current-aware model strips the contact edges faster: it disagrees somewhere, and loses
    expect(r.current).not.toBeNull();
    expect(r.current!.pixel_agreement).toBeLessThan(1);
    expect(r.closer === 'uniform' || (r.closer === null && r.current!.pixel_agreement > 0.99)).toBe(true);
    // the map: 1 where both active, 0 both lost, 255 masked
    expect(r.uniform.map[97]).toBe(255);
    expect(new Set(r.uniform.map)).toEqual(new Set([0, 1, 255]));
  });

  it('Li lost in patches whatever its thickness: the uniform model disagrees on many pixels', () => {
    const rnd = mulberry32(8);
    const t1 = t0.slice();
    // whole 8×8 patches go, chosen at random (40 % of them)
    for (let r0 = 0; r0 < rows; r0 += 8) for (let c0 = 0; c0 < cols; c0 += 8) {
      if (rnd() > 0.4) continue;
      for (let r = r0; r < r0 + 8; r++) for (let c = c0; c < c0 + 8; c++) if (Number.isFinite(t1[r * cols + c])) t1[r * cols + c] = 0;
    }
    const [r] = compareReplays(t0, [t1], [contactOf(t1)], rows, cols, 2, { current: false });
    expect(r.current).toBeNull();
    expect(r.stripped_fraction).toBeGreaterThan(0.2);
    // measured: the thinnest columns are not the ones lost
    expect(r.uniform.pixel_agreement).toBeLessThan(0.8);
    expect(r.uniform.map.some((v) => v === 2)).toBe(true);
    expect(r.uniform.map.some((v) => v === 3)).toBe(true);
  });
});
