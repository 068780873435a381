/**
 * ChangeLog: entries appended in order come back in order, across spilled chunks and the in-memory
 * tail, through a reader that drops the chunks it was told it no longer needs.
 */
import { describe, expect, it } from 'vitest';
import { ChangeLog } from '../../src/segment/change-log.js';

describe('ChangeLog', () => {
  for (const chunk of [1, 3, 7, 1000]) {
    it(`returns every entry in order (chunks of ${chunk})`, () => {
      const log = new ChangeLog(chunk);
      const n = 250;
      const idx = Array.from({ length: n }, (_, k) => 3 * k * k + 2 ** 33 + k); // past 2³² too
      const ph = Array.from({ length: n }, (_, k) => (k * 7) % 4);
      for (let k = 0; k < n; k++) log.push(idx[k], ph[k]);
      try {
        expect(log.length).toBe(n);
        expect(log.spilled).toBe(chunk >= n ? 0 : Math.floor((n - 1) / chunk));
        const r = log.reader();
        expect(Array.from(r.indices(0, n))).toEqual(idx);
        for (let k = 0; k < n; k++) {
          expect(r.index(k)).toBe(idx[k]);
          expect(r.phase(k)).toBe(ph[k]);
          if (k % 10 === 0) r.release(k);
        }
        expect(Array.from(r.indices(240, 250))).toEqual(idx.slice(240));
        if (chunk < 100) expect(() => r.index(0)).toThrow(/released/);
      } finally {
        log.discard();
      }
    });
  }
  it('an empty log reads as empty', () => {
    const log = new ChangeLog(4);
    expect(log.length).toBe(0);
    expect(log.reader().indices(0, 0).length).toBe(0);
    log.discard();
  });
});
