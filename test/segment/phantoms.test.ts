/**
 * Phase-mode accuracy on the synthetic phantoms (default noise and artefacts; lateral size reduced
 * to 128 × 128 columns, z and voxel size as the presets, so all physical sizes are kept).
 */
import { describe, expect, it } from 'vitest';
import { generatePhantom, type PresetName } from '../../src/synth/index.js';
import { segment } from '../../src/segment/index.js';
import { testBackend } from './backend.js';
import { accuracy, formatAccuracy } from './metrics.js';

const SHAPES: Record<PresetName, [number, number, number]> = {
  plated: [160, 128, 128],
  depleted: [160, 128, 128],
  foil: [200, 128, 128],
};

describe('segment (phases) on phantoms', () => {
  for (const preset of ['plated', 'depleted', 'foil'] as PresetName[]) {
    it(preset, async () => {
      const backend = await testBackend();
      const p = generatePhantom({ preset, seed: 1, shape: SHAPES[preset] });
      const t0 = performance.now();
      const res = await segment(p.scan, { backend, mode: 'phases', method: 'otsu' });
      const ms = performance.now() - t0;
      const a = accuracy(res.labels, p);
      console.log(`${formatAccuracy(preset, a)} | ${ms.toFixed(0)} ms on ${backend.description}; denoise ${res.report.denoise.applied}`);
      expect(a.dice.electrolyte).toBeGreaterThanOrEqual(0.95);
      expect(a.dice.collector).toBeGreaterThanOrEqual(0.95);
      // plated/depleted: the void is the electrolyte's 3 % sub-resolution pores only (the air above the
      // collector is outside the cell, code 5): see the gaps in layout-matrix.test.ts
      expect(a.dice.void).toBeGreaterThanOrEqual(preset === 'foil' ? 0.88 : 0.12);
      if (a.meanThicknessVoxels >= 10) expect(a.dice.li).toBeGreaterThanOrEqual(0.93);
      expect(a.thicknessMaeVoxels).toBeLessThanOrEqual(1.5);
      // The report is JSON-serialisable and complete.
      const r = JSON.parse(JSON.stringify(res.report));
      expect(r.histogram.counts.length).toBeLessThanOrEqual(512);
      expect(r.li.areal_capacity_mah_cm2).toBeGreaterThan(0);
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
