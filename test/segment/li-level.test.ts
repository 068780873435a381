/**
 * The Li level when air outweighs the Li in the layer's far field (phases/fringe.ts
 * liLevelUnderAir): two Gaussian populations drawn with a fixed generator, the darker the larger →
 * the brighter one's median and spread; Li the larger, one population, or too few samples → null
 * (the far-field median stands).
 */
import { describe, expect, it } from 'vitest';
import { liLevelUnderAir } from '../../src/segment/phases/fringe.js';

/** n values: a share `w` from N(m0, s), the rest from N(m1, s) (Box–Muller on a fixed LCG), in mixed order. */
function mixture(n: number, w: number, m0: number, m1: number, s: number): Float64Array {
  let state = 12345;
  const u = () => ((state = (state * 1103515245 + 12345) >>> 0) + 0.5) / 2 ** 32;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const g = Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
    out[i] = (i % 1000 < w * 1000 ? m0 : m1) + s * g;
  }
  return out;
}

describe('liLevelUnderAir', () => {
  it('air (400) the larger population beside Li (2200): the Li median and spread', () => {
    for (const w of [0.52, 0.6, 0.75]) {
      const r = liLevelUnderAir(mixture(20000, w, 400, 2200, 300))!;
      expect(r, `air share ${w}`).not.toBeNull();
      expect(r.level).toBeGreaterThan(2150);
      expect(r.level).toBeLessThan(2250);
      expect(r.spread).toBeGreaterThan(250);
      expect(r.spread).toBeLessThan(350);
      expect(r.lowerWeight).toBeCloseTo(w, 1);
      expect(r.separation).toBeGreaterThan(5);
    }
  });

  it('Li the larger population, one population, populations 2.7 σ apart, or under 1000 samples: null', () => {
    expect(liLevelUnderAir(mixture(20000, 0.3, 400, 2200, 300))).toBeNull();
    expect(liLevelUnderAir(mixture(20000, 0, 400, 2200, 300))).toBeNull();
    expect(liLevelUnderAir(mixture(20000, 0.6, 1400, 2200, 300))).toBeNull();
    expect(liLevelUnderAir(mixture(999, 0.6, 400, 2200, 300))).toBeNull();
  });
});
