/**
 * Phase-mode accuracy on the synthetic phantoms (default noise and artefacts; lateral size reduced
 * to 128 × 128 columns, z and voxel size as the presets, so all physical sizes are kept).
 */
import { describe, expect, it } from 'vitest';
import { generatePhantom } from '../../src/synth/index.js';
import { segment } from '../../src/segment/index.js';
import { testBackend } from './backend.js';
import { accuracy, formatAccuracy } from './metrics.js';

const SHAPES: Record<'plated' | 'depleted' | 'foil', [number, number, number]> = {
  plated: [160, 128, 128],
  depleted: [160, 128, 128],
  foil: [200, 128, 128],
};

/**
 * Bounds from the values measured on these phantoms (seed 1, cpu backend), with a small margin:
 *   plated   (Li ≈ 14.5 voxels): Li Dice 0.9917, thickness MAE 0.380 voxels, Li volume −0.30 %, capacity −0.30 %
 *   depleted (Li ≈ 4.5 voxels):  Li Dice 0.8867, thickness MAE 0.950 voxels, Li volume +12.0 %, capacity +12.2 %
 *   foil     (Li ≈ 76 voxels):   Li Dice 0.9906, thickness MAE 0.383 voxels, Li volume +0.61 %, capacity +1.34 %
 * The depleted layer is a few voxels thick: the blurred faces count for much of it (its
 * truth-label rasterisation floor alone is 0.27 voxels of MAE), so its bounds are wider.
 */
const BOUNDS: Record<'plated' | 'depleted' | 'foil', { liDice: number; maeVoxels: number; volume: number; capacity: number }> = {
  plated: { liDice: 0.985, maeVoxels: 0.45, volume: 0.01, capacity: 0.01 },
  depleted: { liDice: 0.87, maeVoxels: 1.05, volume: 0.14, capacity: 0.14 },
  foil: { liDice: 0.985, maeVoxels: 0.45, volume: 0.012, capacity: 0.02 },
};

describe('segment (phases) on phantoms', () => {
  for (const preset of ['plated', 'depleted', 'foil'] as const) {
    it(preset, async () => {
      const backend = await testBackend();
      const p = generatePhantom({ preset, seed: 1, shape: SHAPES[preset] });
      const t0 = performance.now();
      const res = await segment(p.scan, { backend, mode: 'phases', method: 'otsu' });
      const ms = performance.now() - t0;
      const a = accuracy(res.labels, p);
      const bound = BOUNDS[preset];
      expect(a.dice.electrolyte).toBeGreaterThanOrEqual(0.95);
      expect(a.dice.collector).toBeGreaterThanOrEqual(0.95);
      // plated/depleted: the void is the electrolyte's 3 % sub-resolution pores only (the air above the
      // collector is outside the cell, code 5): see the gaps in layout-matrix.test.ts
      expect(a.dice.void).toBeGreaterThanOrEqual(preset === 'foil' ? 0.88 : 0.12);
      expect(a.dice.li, 'Li Dice').toBeGreaterThanOrEqual(bound.liDice);
      expect(a.thicknessMaeVoxels, 'per-column Li thickness MAE (voxels)').toBeLessThanOrEqual(bound.maeVoxels);
      // Li volume and areal capacity of the report against the phantom's truth
      const r = JSON.parse(JSON.stringify(res.report));
      const v = p.truth.voxel_um;
      let truthLiVoxels = 0;
      for (const l of p.labels.data) if (l === 1) truthLiVoxels++;
      expect(truthLiVoxels / p.labels.data.length).toBeCloseTo(p.truth.phase_fractions.li, 12);
      const volumeError = r.li.volume_um3 / (truthLiVoxels * v ** 3) - 1;
      const capacityError = r.li.areal_capacity_mah_cm2 / p.truth.thickness.mean_capacity_mah_cm2 - 1;
      console.log(`${formatAccuracy(preset, a)} | Li volume ${(100 * volumeError).toFixed(2)} %, capacity ${(100 * capacityError).toFixed(2)} % vs truth | ${ms.toFixed(0)} ms on ${backend.description}; denoise ${res.report.denoise.applied}`);
      expect(r.li.voxels * v ** 3).toBeCloseTo(r.li.volume_um3, 6);
      expect(Math.abs(volumeError), 'Li volume vs the truth labels').toBeLessThanOrEqual(bound.volume);
      expect(Math.abs(capacityError), 'areal capacity vs the truth thickness').toBeLessThanOrEqual(bound.capacity);
      // The report is JSON-serialisable and complete.
      expect(r.histogram.counts.length).toBeLessThanOrEqual(512);
      expect(r.decisions.length).toBeGreaterThan(3);
      expect(r.denoise.reason).toBeTruthy();
    });
  }
});

describe('segment (phases) options', () => {
  it("liContrast 'bright' on an inverted scan gives the same labels", async () => {
    const backend = await testBackend();
    const p = generatePhantom({ preset: 'plated', seed: 2, shape: [160, 64, 64] });
    const dark = await segment(p.scan, { backend, mode: 'phases', method: 'otsu' });
    const inv = Uint16Array.from(p.scan.data, (v) => 65535 - v);
    const bright = await segment({ ...p.scan, data: inv }, { backend, mode: 'phases', method: 'otsu', liContrast: 'bright' });
    let same = 0;
    for (let i = 0; i < inv.length; i++) if (dark.labels[i] === bright.labels[i]) same++;
    console.log(`bright vs dark agreement ${((100 * same) / inv.length).toFixed(3)} %`);
    expect(same / inv.length).toBeGreaterThan(0.99);
    expect(bright.report.grey_inverted).toBe(true);
  });
});
