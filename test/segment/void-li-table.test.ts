/**
 * The void | Li iterations' sums from one histogram pass (void-li.ts lowGreyTable) equal the sums of
 * a raster sweep over the low-state voxels (the rule as written: corrected grey = fround(grey −
 * shift[bin]) below the threshold), exactly, on the workers and on the calling thread; and the table
 * is refused where those sums would not be exact (float grey, shifts that are not dyadic).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../src/compute/index.js';
import { lowGreyTable } from '../../src/segment/phases/void-li.js';
import { MemoryStore } from '../../src/segment/store.js';
import { mulberry32 } from '../../src/compute/rng.js';

const pool = createBackend('cpu', { workers: 3 });
afterAll(async () => (await pool).dispose());

const shape: [number, number, number] = [24, 16, 16];
const n = 24 * 256;

function volume(seed: number) {
  const rnd = mulberry32(seed);
  const grey = new Uint16Array(new SharedArrayBuffer(2 * n));
  const labels = new Uint8Array(new SharedArrayBuffer(n));
  const states = [0, 4, 6, 2, 3]; // void, electrode, air (low states), electrolyte, collector
  for (let i = 0; i < n; i++) {
    grey[i] = Math.floor(rnd() * 4096);
    labels[i] = states[Math.floor(rnd() * states.length)] | (Math.floor(rnd() * 9) << 4);
  }
  const lowRows = new Uint8Array(new SharedArrayBuffer(24 * 16)).fill(1);
  for (let r = 0; r < lowRows.length; r += 5) lowRows[r] = 0; // rows the passes skip
  return { grey, labels, lowRows };
}

/** The sweep: raster order over the rows of lowRows, low states only. */
function sweep(grey: Uint16Array, labels: Uint8Array, lowRows: Uint8Array, shift: Float64Array, t: number): [number, number] {
  let s = 0, c = 0;
  for (let r = 0; r < lowRows.length; r++) {
    if (!lowRows[r]) continue;
    for (let i = r * 16; i < (r + 1) * 16; i++) {
      const st = labels[i] & 15;
      if (st !== 0 && st !== 4 && st !== 6) continue;
      const v = Math.fround(grey[i] - shift[labels[i] >> 4]);
      if (v < t) { s += v; c++; }
    }
  }
  return [s, c];
}

describe('void | Li sums from one histogram pass', () => {
  const shift = Float64Array.from([0, 1243.5, 309, -80, -138, 716, 58, -111.25, -64]);
  for (const threads of [3, 1]) {
    it(`equal the raster sweep exactly (${threads === 1 ? 'calling thread' : 'workers'})`, async () => {
      const b = await pool;
      const backend = threads === 1 ? Object.create(b, { threads: { value: 1 } }) : b;
      const { grey, labels, lowRows } = volume(11);
      const table = await lowGreyTable(new MemoryStore(grey, shape, labels), backend, shift, lowRows);
      expect(table).not.toBeNull();
      for (const t of [-500, 0, 37.5, 900, 1000.25, 2047, 3500, 5000, NaN]) {
        const [s, c] = table!.below(t);
        const [s0, c0] = sweep(grey, labels, lowRows, shift, t);
        expect(c, `count below ${t}`).toBe(c0);
        expect(s, `sum below ${t}`).toBe(s0);
      }
      // every low voxel below a threshold above all corrected grey levels
      expect(table!.below(1e9)[1]).toBe(sweep(grey, labels, lowRows, shift, Infinity)[1]);
    });
  }

  it('is refused where the sums would not be exact', async () => {
    const b = await pool;
    const { grey, labels, lowRows } = volume(12);
    const store = new MemoryStore(grey, shape, labels);
    expect(await lowGreyTable(store, b, Float64Array.from([0, 0.1, 0, 0, 0, 0, 0, 0, 0]), lowRows)).toBeNull();
    const f = new Float32Array(new SharedArrayBuffer(4 * n)).map((_, i) => grey[i]);
    expect(await lowGreyTable(new MemoryStore(f, shape, labels), b, shift, lowRows)).toBeNull();
  });
});
