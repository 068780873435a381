/**
 * QC of a caller's `denoise: 'none'` on a scan the automatic choice would filter (common.ts
 * chooseDenoise: below a contrast-to-noise ratio of 8): the grey-level rules then read raw noise, and
 * a plunger-backed anode-free cell came out as a Li foil (Li Dice 0.62) at confidence high. The
 * verdict must be low, with the ratio and the misread fraction; the default (auto) adds no check.
 */
import { describe, expect, it } from 'vitest';
import { segment } from '../../src/segment/index.js';
import { generatePhantom } from '../../src/synth/index.js';
import { testBackend } from './backend.js';

describe('QC: denoising turned off on a noisy scan', () => {
  it('says low (noise_unfiltered) with --denoise none, adds nothing with auto', async () => {
    const backend = await testBackend();
    const p = generatePhantom({ preset: 'plated', seed: 5, shape: [96, 64, 64], surroundings: 'plunger' });
    const none = await segment({ ...p.scan, data: p.scan.data.slice() }, { backend, mode: 'phases', method: 'otsu', denoise: 'none' });
    const check = none.report.qc!.checks.find((c) => c.name === 'noise_unfiltered');
    expect(check?.ok).toBe(false);
    expect(check?.value as number).toBeCloseTo(none.report.denoise.min_cnr!, 10);
    expect(check?.value as number).toBeLessThan(8);
    expect(none.report.qc!.confidence).toBe('low');
    expect(check?.message).toMatch(/use --denoise auto$/);
    const auto = await segment({ ...p.scan, data: p.scan.data.slice() }, { backend, mode: 'phases', method: 'otsu' });
    expect(auto.report.denoise.applied).toBe('median');
    expect(auto.report.qc!.checks.some((c) => c.name === 'noise_unfiltered')).toBe(false);
  });
});
