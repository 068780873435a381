/**
 * `--layout` (SegmentOptions.layout): a requested layout steers the layout steps, and the QC check
 * `layout_requested` fails — confidence low — when the data show another layout or something the
 * request made the steps ignore (a second Li electrode, a composite cathode).
 */
import { describe, expect, it } from 'vitest';
import { generatePhantom, type PresetName } from '../../src/synth/index.js';
import { segment, type SegmentOptions } from '../../src/segment/index.js';
import { testBackend } from './backend.js';
import { dice } from './metrics.js';

async function run(preset: PresetName, layout: SegmentOptions['layout']) {
  const p = generatePhantom({ preset, shape: [140, 64, 64], seed: 4 });
  const r = await segment(p.scan, { backend: await testBackend(), mode: 'phases', method: 'otsu', layout });
  const qc = r.report.qc!;
  return { p, r, qc, check: qc.checks.find((c) => c.name === 'layout_requested') };
}

describe('requested layout', () => {
  it('symmetric as symmetric: followed, check passes, confidence high', async () => {
    const { p, r, qc, check } = await run('symmetric', 'symmetric');
    expect(qc.layout.requested).toBe('symmetric');
    expect(qc.layout.name).toBe('symmetric');
    expect(check?.ok).toBe(true);
    expect(qc.confidence).toBe('high');
    expect(dice(r.labels, p.labels.data, 1)).toBeGreaterThan(0.95);
  }, 60_000);

  it('symmetric requested as li-foil: followed, but the far electrode in the data fails the check', async () => {
    const { qc, check } = await run('symmetric', 'li-foil');
    expect(qc.layout.name).toBe('li-foil');
    expect(check?.ok).toBe(false);
    expect(check?.message).toMatch(/beyond the electrolyte's far face/);
    expect(qc.confidence).toBe('low');
  }, 60_000);

  it('a Li foil cell requested as symmetric: the data show li-foil, the check fails', async () => {
    const { qc, check } = await run('foil', 'symmetric');
    expect(check?.ok).toBe(false);
    expect(check?.message).toMatch(/symmetric was requested but the data show li-foil/);
    expect(qc.confidence).toBe('low');
  }, 60_000);

  it('a full cell requested as li-foil: the composite cathode in the data fails the check', async () => {
    const { qc, check } = await run('fullcell', 'li-foil');
    expect(check?.ok).toBe(false);
    expect(check?.message).toMatch(/composite cathode/);
  }, 60_000);

  it('auto: no request, no check', async () => {
    const { qc, check } = await run('plated', 'auto');
    expect(qc.layout.requested).toBeNull();
    expect(check).toBeUndefined();
  }, 60_000);
});
