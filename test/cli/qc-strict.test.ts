import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { makeVolume } from '../../src/io/volume.js';
import { writeTiff } from '../../src/io/tiff/index.js';
import { cli, tempDir } from '../helpers.js';

/** Uniform random grey levels: no cell, no phases: the QC must call it low. */
async function noiseScan(): Promise<string> {
  const data = new Uint16Array(24 * 48 * 48);
  let s = 12345;
  for (let i = 0; i < data.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    data[i] = s >>> 16;
  }
  const file = path.join(tempDir(), 'noise.tif');
  await writeTiff(file, makeVolume(data, [24, 48, 48], [1.7, 1.7, 1.7]));
  return file;
}

const warningLines = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('buried: warning:'));

describe('low segmentation confidence end to end (pure-noise volume)', () => {
  let scan: string;
  beforeAll(async () => {
    scan = await noiseScan();
  });

  it('segment: one warning line and exit 0; with --strict exit 3 and the outputs still written', () => {
    const dir = tempDir();
    const lax = cli(['segment', scan, '-o', path.join(dir, 'a'), '--backend', 'cpu']);
    expect(lax.status, lax.stderr).toBe(0);
    const lines = warningLines(lax.stderr);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^buried: warning: ${scan.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: segmentation confidence low: \\S.*`));
    const report = JSON.parse(readFileSync(path.join(dir, 'a', 'segment.json'), 'utf8')) as { qc: { confidence: string; warnings: string[] } };
    expect(report.qc.confidence).toBe('low');
    expect(lines[0].endsWith(`segmentation confidence low: ${report.qc.warnings.join('; ')}`)).toBe(true);

    const strict = cli(['segment', scan, '-o', path.join(dir, 'b'), '--backend', 'cpu', '--strict']);
    expect(strict.status, strict.stderr).toBe(3);
    expect(warningLines(strict.stderr)).toEqual(lines);
    for (const f of ['labels.tif', 'segment.json']) expect(existsSync(path.join(dir, 'b', f)), f).toBe(true);
  });

  it('run --strict: stops after segment with exit 3 (segment/ and its record kept, no later stage, manifest says why)', () => {
    const out = path.join(tempDir(), 'run');
    const r = cli(['run', scan, '-o', out, '--strict', '--quiet', '--json']);
    expect(r.status, r.stderr).toBe(3);
    expect(warningLines(r.stderr)).toHaveLength(1);
    const summary = JSON.parse(r.stdout) as { stopped_after: string; report: string | null; stages: { stage: string }[]; qc: { confidence: string } };
    expect(summary.stopped_after).toBe('segment');
    expect(summary.report).toBeNull();
    expect(summary.qc.confidence).toBe('low');
    expect(summary.stages.map((s) => s.stage)).toEqual(['segment']);
    for (const f of ['segment/labels.tif', 'segment/segment.json', 'segment/.stage.json', 'manifest.json']) expect(existsSync(path.join(out, f)), f).toBe(true);
    for (const d of ['thickness', 'figures', 'report.html']) expect(existsSync(path.join(out, d)), d).toBe(false);
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as { stopped: { after: string } | null };
    expect(manifest.stopped?.after).toBe('segment');

    // resumed without --strict: the segment stage is up to date (strictness is not a segment parameter)
    const again = cli(['run', scan, '-o', out, '--until', 'segment', '--quiet', '--json']);
    expect(again.status, again.stderr).toBe(0);
    expect(warningLines(again.stderr)).toHaveLength(1);
    expect((JSON.parse(again.stdout) as { stages: { status: string }[] }).stages.map((s) => s.status)).toEqual(['skipped']);
  });

  it('run --help documents --strict and exit 3', () => {
    const r = cli(['run', '--help']);
    expect(r.stdout).toContain('--strict');
    expect(r.stdout).toContain('--run-strict <value>');
    expect(r.stdout).toContain('3 segmentation confidence low with --strict');
  });
});
