/**
 * Li contrast 'auto' (the default of `buried segment` and `buried run`): an inverted rendering
 * (Li brighter than the electrolyte) is recognised from the QC verdict of the attenuation reading,
 * segmented as such, and the decision with both verdicts is the first one in segment.json.
 */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeTiff } from '../../src/io/tiff/index.js';
import { loadVolume } from '../../src/io/open.js';
import { makeVolume } from '../../src/io/volume.js';
import { generatePhantom } from '../../src/synth/index.js';
import { segmentScan } from '../../src/segment/run.js';
import { tempDir } from '../helpers.js';
import { dice } from './metrics.js';

const dir = tempDir('buried-contrast-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Li contrast auto', () => {
  const p = generatePhantom({ preset: 'plated', shape: [128, 96, 96], seed: 3 });
  const base = { mode: 'phases' as const, backend: 'cpu' as const, budgetBytes: 1 << 30 };

  it('an inverted rendering: attenuation reading low, inverted reading high and kept', async () => {
    const file = path.join(dir, 'inverted.tif');
    await writeTiff(file, makeVolume(Uint16Array.from(p.scan.data as Uint16Array, (v) => 65535 - v), p.scan.shape, p.scan.spacing));
    const r = await segmentScan(file, {}, path.join(dir, 'inv'), base);
    expect(r.report.li_contrast).toBe('bright');
    expect(r.report.qc?.confidence).toBe('high');
    const d = r.report.decisions[0];
    expect(d.step).toBe('li contrast');
    expect((d.evidence as { dark: { confidence: string }; bright: { confidence: string } }).dark.confidence).toBe('low');
    const labels = (await loadVolume(path.join(dir, 'inv', 'labels.tif'))).data as Uint8Array;
    expect(dice(labels, p.labels.data, 1)).toBeGreaterThan(0.97);
    expect(dice(labels, p.labels.data, 2)).toBeGreaterThan(0.97);
    expect(JSON.parse(readFileSync(path.join(dir, 'inv', 'segment.json'), 'utf8')).decisions[0].step).toBe('li contrast');
  }, 120_000);

  it('a low verdict from grey separation alone (the full cell) is not read inverted', async () => {
    const fc = generatePhantom({ preset: 'fullcell', shape: [200, 96, 96], seed: 3 });
    const file = path.join(dir, 'fullcell.tif');
    await writeTiff(file, fc.scan);
    const r = await segmentScan(file, {}, path.join(dir, 'fc'), base);
    expect(r.report.qc?.confidence).toBe('low');
    expect(r.report.qc?.checks.filter((c) => !c.ok && c.severity === 'error').every((c) => c.name.startsWith('separation_'))).toBe(true);
    expect(r.report.li_contrast).toBe('dark');
    expect(r.report.decisions[0].decision).toMatch(/only the grey separation/);
    expect((r.report.decisions[0].evidence as { bright: unknown }).bright).toBeNull();
  }, 120_000);

  it('attenuation contrast: one reading, the same labels as --li-contrast dark', async () => {
    const file = path.join(dir, 'normal.tif');
    await writeTiff(file, p.scan);
    const auto = await segmentScan(file, {}, path.join(dir, 'auto'), base);
    const dark = await segmentScan(file, {}, path.join(dir, 'dark'), { ...base, liContrast: 'dark' });
    expect(auto.report.li_contrast).toBe('dark');
    expect((auto.report.decisions[0].evidence as { bright: unknown }).bright).toBeNull();
    expect(readFileSync(path.join(dir, 'auto', 'labels.tif')).equals(readFileSync(path.join(dir, 'dark', 'labels.tif')))).toBe(true);
  }, 120_000);
});
