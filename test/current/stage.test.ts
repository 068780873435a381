/**
 * The current stage as one call (src/current/run.ts): a map without contact is bad input (one line
 * naming the map) whatever the grid, and the solve grid follows `grid` with the block rule.
 */
import { describe, expect, it } from 'vitest';
import { makeVolume } from '../../src/io/volume.js';
import { InputError } from '../../src/io/errors.js';
import { solveCurrentStage } from '../../src/current/run.js';

describe('solveCurrentStage', () => {
  it('refuses a contact map with no contact, at map resolution and on a solve grid', async () => {
    const zero = makeVolume(new Uint8Array(32 * 32), [1, 32, 32], [1.5, 1.5, 1.5]);
    for (const grid of [null, 16]) {
      const run = solveCurrentStage(zero, { thicknessUm: 30, grid, name: 'zero.tif' });
      await expect(run).rejects.toBeInstanceOf(InputError);
      await expect(run).rejects.toThrow(/no Li in contact/);
    }
  });

  it('solves on the block grid `grid` asks for: half-covered blocks count as contact', async () => {
    // left half in contact: 32×32 → 16×16 blocks of 2×2, contact fraction 0.5 exactly
    const data = new Uint8Array(32 * 32);
    for (let y = 0; y < 32; y++) for (let x = 0; x < 16; x++) data[y * 32 + x] = 1;
    const r = await solveCurrentStage(makeVolume(data, [1, 32, 32], [1.5, 1.5, 1.5]), { thicknessUm: { autoDepthUm: 20 }, grid: 16, extrapolate: false });
    expect(r.grid).toEqual({ ny: 16, nx: 16, dy: 3, dx: 3, block: 2 });
    expect(r.summary.contact_fraction).toBeCloseTo(0.5, 12);
    // auto thickness: the electrolyte depth, at least 4 solve cells
    expect(r.thicknessUm).toBe(20);
    expect(r.summary.resistance_ohm_cm2).toBeGreaterThan(r.summary.bulk_ohm_cm2);
  });
});
