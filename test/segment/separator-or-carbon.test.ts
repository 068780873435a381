/**
 * A middle-grey slab at one end is a carbon collector or, opposite a composite cathode, a full
 * cell's separator (phases/collector.ts). The separator reading rests on the composite's end
 * slices (particles mixed with electrolyte); unfiltered noise mixes a solid electrolyte's end slices
 * the same way, so an anode-free scan segmented with `denoise: 'none'`, or at twice the presets'
 * noise after the median, must keep its carbon collector (the brightest class is then the
 * electrolyte, ≈ 1.5× the carbon's contrast, not NMC's ≈ 2.3×). (The full-cell side is the layout
 * matrix's "thin separator" row.)
 */
import { describe, expect, it } from 'vitest';
import { segment } from '../../src/segment/index.js';
import { generatePhantom } from '../../src/synth/index.js';
import { testBackend } from './backend.js';
import { dice } from './metrics.js';

describe('carbon collector or separator', () => {
  it('an undenoised anode-free scan keeps its carbon collector (not a full cell)', async () => {
    const p = generatePhantom({ preset: 'plated', seed: 7, shape: [96, 128, 128] });
    const res = await segment(p.scan, { backend: await testBackend(), mode: 'phases', method: 'otsu', denoise: 'none' });
    const qc = res.report.qc!;
    expect(qc.layout.name).toBe('anode-free');
    expect(qc.layout.collector).toBe('carbon');
    expect(dice(res.labels, p.labels.data, 3)).toBeGreaterThan(0.97);
    expect(dice(res.labels, p.labels.data, 1)).toBeGreaterThan(0.95);
  });

  it('an anode-free scan at twice the noise (median-filtered) keeps its carbon collector', async () => {
    const p = generatePhantom({ preset: 'plated', seed: 2, shape: [160, 96, 96], noise: 2000 });
    const res = await segment(p.scan, { backend: await testBackend(), mode: 'phases', method: 'otsu' });
    expect(res.report.denoise.applied).toBe('median');
    expect(res.report.qc!.layout.name).toBe('anode-free');
    expect(res.report.qc!.layout.collector).toBe('carbon');
    expect(dice(res.labels, p.labels.data, 3)).toBeGreaterThan(0.9);
  });
});
