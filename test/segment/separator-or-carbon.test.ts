/**
 * A middle-grey slab at one end is a carbon collector or, opposite a composite cathode, a full
 * cell's separator (phases/collector.ts). The separator reading rests on the composite's end
 * slices (particles mixed with electrolyte); unfiltered noise mixes a solid electrolyte's end slices
 * the same way, so an anode-free scan segmented with `denoise: 'none'` must keep its carbon
 * collector. (The full-cell side is the layout matrix's "thin separator" row.)
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
});
