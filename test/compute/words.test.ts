/**
 * The label-word tests (src/compute/words.ts) against the same questions asked byte by byte, on
 * random words and on words that differ from a repeated byte in one byte only (where a weaker test,
 * e.g. comparing two bytes of four, would pass).
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/compute/rng.js';
import { fourOf, hasByte, hasZeroByte, oneByteWord } from '../../src/compute/words.js';

const bytes = (w: number) => [w & 255, (w >>> 8) & 255, (w >>> 16) & 255, w >>> 24];

describe('label words', () => {
  it('fourOf, hasZeroByte, hasByte and oneByteWord answer as byte-by-byte checks', () => {
    const r = mulberry32(3);
    const words: number[] = [];
    for (let k = 0; k < 2000; k++) words.push(Math.floor(r() * 2 ** 32) >>> 0);
    // one byte off a repeated value, in each position; small codes as the labels have
    for (const b of [0, 1, 2, 3, 4, 5, 15, 128, 255])
      for (let pos = 0; pos < 4; pos++) for (const other of [0, 1, 2, 255]) if (other !== b) words.push((fourOf(b) & ~(255 << (8 * pos))) | (other << (8 * pos)));
    for (const b of [0, 2, 255]) words.push(fourOf(b));
    let some = 0, one = 0;
    for (const w0 of words) {
      const w = w0 >>> 0, bs = bytes(w);
      expect(hasZeroByte(w), w.toString(16)).toBe(bs.includes(0));
      for (const b of [0, 2, 3, 5, 15]) {
        expect(hasByte(w, fourOf(b)), `${w.toString(16)} ∋ ${b}`).toBe(bs.includes(b));
        if (bs.includes(b)) some++;
      }
      expect(oneByteWord(w), w.toString(16)).toBe(bs.every((x) => x === bs[0]));
      if (oneByteWord(w)) one++;
    }
    expect(fourOf(0xab)).toBe(0xabababab);
    expect(some).toBeGreaterThan(100);
    expect(one).toBe(3);
  });
});
