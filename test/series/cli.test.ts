/**
 * `buried synth --series` and `buried series` end to end (built CLI): recovered motion vs the
 * series truth, the resampled files, and bad input (exit 2, one line naming the problem, nothing written).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadVolume } from '../../src/io/open.js';
import { cli, tempDir } from '../helpers.js';

interface Truth { voxel_um: number; scans: { translation_voxels: number[]; rotation_deg: number[] }[] }
interface Record { transforms: { index: number; translation_voxels: number[]; rotation_deg: number[]; charge_mah_cm2: number | null; labels_source: string; ncc: number; files: { scan: string; labels: string } | null }[] }

describe('buried series', () => {
  const dir = tempDir('series-cli-');
  const syn = path.join(dir, 'syn');
  beforeAll(() => {
    const r = cli(['synth', syn, '--series', '3', '--shape', '80,96,96', '--seed', '5']);
    expect(r.status, r.stderr).toBe(0);
  });

  it('registers a synthetic series (segmenting each scan) to within 0.1 voxel and 0.1°, and writes the resampled scans and labels', async () => {
    const out = path.join(dir, 'out');
    const scans = [0, 1, 2].map((k) => path.join(syn, `scan${k}.tif`));
    const r = cli(['series', ...scans, '-o', out, '--charge', '0,0.5,1', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const record = JSON.parse(r.stdout) as Record;
    expect(JSON.parse(readFileSync(path.join(out, 'series.json'), 'utf8'))).toEqual(record);
    const truth = JSON.parse(readFileSync(path.join(syn, 'series_truth.json'), 'utf8')) as Truth;
    expect(record.transforms.map((t) => t.charge_mah_cm2)).toEqual([0, 0.5, 1]);
    for (const k of [1, 2]) {
      const t = record.transforms[k];
      expect(t.labels_source).toBe('segmented');
      for (let a = 0; a < 3; a++) {
        expect(Math.abs(t.translation_voxels[a] - truth.scans[k].translation_voxels[a])).toBeLessThanOrEqual(0.1);
        expect(Math.abs(t.rotation_deg[a] - truth.scans[k].rotation_deg[a])).toBeLessThanOrEqual(0.1);
      }
      expect(t.files?.scan).toBe(path.join(out, `scan${k}`, 'scan.tif'));
      const moved = await loadVolume(path.join(out, `scan${k}`, 'scan.tif'));
      const labels = await loadVolume(path.join(out, `scan${k}`, 'labels.tif'));
      expect(moved.shape).toEqual([80, 96, 96]);
      expect(moved.dtype).toBe('uint16');
      expect(moved.spacing?.[0]).toBeCloseTo(truth.voxel_um, 5);
      // The segmented, resampled labels against scan k's truth labels in scan 0's frame.
      const ref = (await loadVolume(path.join(syn, `labels${k}_in_scan0.tif`))).data;
      let same = 0;
      let n = 0;
      for (let i = 0; i < ref.length; i++) {
        if (labels.data[i] === 255) continue;
        n++;
        if (labels.data[i] === ref[i]) same++;
      }
      expect(n).toBeGreaterThan(0.7 * ref.length);
      expect(same / n).toBeGreaterThan(0.9);
    }
  });

  it('bad input: exit 2, one line naming the problem, no series.json', () => {
    const s0 = path.join(syn, 'scan0.tif');
    const s1 = path.join(syn, 'scan1.tif');
    const cases: [string[], RegExp][] = [
      [[s0], /at least two scans/],
      [[s0, s1, '--charge', '0,1,2'], /--charge lists 3 values for 2 scans/],
      [[s0, s1, '--charge', '0,x'], /--charge must be/],
      [[s0, s1, '--labels', path.join(syn, 'labels0.tif')], /--labels lists 1 files for 2 scans/],
      [[s0, path.join(dir, 'missing.tif')], /missing\.tif/],
      [[s0, s1, '--levels', '0'], /--levels must be/],
    ];
    for (const [args, message] of cases) {
      const out = path.join(dir, `bad-${Math.random().toString(36).slice(2)}`);
      const r = cli(['series', ...args, '-o', out]);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('buried')).length).toBeLessThanOrEqual(1);
      expect(r.stderr).toMatch(message);
      expect(existsSync(path.join(out, 'series.json'))).toBe(false);
    }
  });

  it('bad input: labels of another shape name the labels file', () => {
    const other = path.join(dir, 'other');
    expect(cli(['synth', other, '--shape', '40,48,48']).status).toBe(0);
    const out = path.join(dir, 'bad-labels');
    const r = cli(['series', path.join(syn, 'scan0.tif'), path.join(syn, 'scan1.tif'), '-o', out, '--labels', `${path.join(other, 'labels.tif')},${path.join(syn, 'labels1.tif')}`]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/other\/labels\.tif: labels shape 40×48×48 does not match/);
    expect(existsSync(path.join(out, 'series.json'))).toBe(false);
  });

  it('synth --series: bad counts and axes exit 2 with one line, nothing written', () => {
    const cases: [string[], RegExp][] = [
      [['--series', '1'], /--series must be an integer from 2 to 64/],
      [['--series', 'two'], /--series must be an integer from 2 to 64/],
      [['--series', '2', '--axis', 'y'], /--series needs --axis z/],
      [['--series', '2', '--tile', '64,64'], /--series cannot be combined with --tile/],
    ];
    for (const [args, message] of cases) {
      const out = path.join(dir, `bad-synth-${Math.random().toString(36).slice(2)}`);
      const r = cli(['synth', out, '--shape', '32,32,32', ...args]);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(existsSync(path.join(out, 'series_truth.json'))).toBe(false);
      expect(existsSync(path.join(out, 'scan0.tif'))).toBe(false);
    }
  });
});
