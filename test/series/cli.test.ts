/**
 * `buried synth --series` and `buried series` end to end (built CLI): recovered motion vs the
 * series truth, the resampled files, and bad input (exit 2, one line naming the problem, nothing written).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadVolume } from '../../src/io/open.js';
import { cli, tempDir } from '../helpers.js';
import { seriesChange } from '../../src/series/change.js';

interface Truth { voxel_um: number; scans: { translation_voxels: number[]; rotation_deg: number[] }[] }
interface ChangeRecord { electrodes: Array<{ replay: Array<{ stripped_fraction: number; measured_active_fraction: number; uniform: { active_fraction: number } }>; changes: Array<{ from_first: { stripped_um3: number; deposited_um3: number; mean_um: number } }>; image_efficiency: Array<number | null>; capacity_mah_cm2: number[]; active_area_fraction: number[] }> }
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
    // the viewer finds scan 0 from anywhere through its absolute path
    expect((record as unknown as { scans_absolute: string[] }).scans_absolute).toEqual(scans.map((s) => path.resolve(s)));
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

  /** Thickness-change MAE (voxels) of a series run's maps against the truth labels' change, and the record's first electrode. */
  async function changeAgainstTruth(out: string): Promise<{ mae: number[]; covered: number[]; e: ChangeRecord['electrodes'][number] }> {
    const record = JSON.parse(readFileSync(path.join(out, 'series.json'), 'utf8')) as { change: ChangeRecord | null };
    expect(record.change).not.toBeNull();
    const truthLabels = await Promise.all(['labels0.tif', 'labels1_in_scan0.tif', 'labels2_in_scan0.tif'].map((f) => loadVolume(path.join(syn, f))));
    const truth = seriesChange(truthLabels);
    const voxel = truthLabels[0].spacing![0];
    const mae: number[] = [], covered: number[] = [];
    for (const k of [1, 2]) {
      const mine = (await loadVolume(path.join(out, `scan${k}`, 'thickness_change_um.tif'))).data as Float32Array;
      // the same map in mAh/cm² (4.85 µm per mAh/cm²), unmeasured columns NaN in both
      const capacity = (await loadVolume(path.join(out, `scan${k}`, 'capacity_change_mah_cm2.tif'))).data as Float32Array;
      expect(capacity.length).toBe(mine.length);
      for (let i = 0; i < mine.length; i++) {
        if (Number.isFinite(mine[i])) expect(Math.abs(capacity[i] * 4.85 - mine[i])).toBeLessThan(1e-4 * Math.max(1, Math.abs(mine[i])));
        else expect(Number.isNaN(capacity[i])).toBe(true);
      }
      const ref = truth.maps[0].from_first[k - 1];
      let n = 0, err = 0;
      for (let i = 0; i < ref.length; i++) {
        if (!Number.isFinite(ref[i]) || !Number.isFinite(mine[i])) continue;
        n++;
        err += Math.abs(mine[i] - ref[i]);
      }
      mae.push(err / n / voxel);
      covered.push(n / ref.length);
    }
    return { mae, covered, e: record.change!.electrodes[0] };
  }

  it('change maps from each scan\'s own labels, registered and resampled: thickness change from scan 0 within 0.5 voxel (MAE) of the truth; image efficiency from the charge', async () => {
    const out = path.join(dir, 'out-change');
    const scans = [0, 1, 2].map((k) => path.join(syn, `scan${k}.tif`));
    const labels = [0, 1, 2].map((k) => path.join(syn, `labels${k}.tif`));
    const r = cli(['series', ...scans, '-o', out, '--labels', labels.join(','), '--charge', '0,0.5,1']);
    expect(r.status, r.stderr).toBe(0);
    const { mae, covered, e } = await changeAgainstTruth(out);
    console.log(`own labels: thickness change MAE ${mae.map((m) => m.toFixed(3)).join(', ')} voxel over ${covered.map((c) => (100 * c).toFixed(1)).join(', ')} % of the columns`);
    for (const k of [0, 1]) {
      expect(covered[k]).toBeGreaterThan(0.8);
      expect(mae[k]).toBeLessThan(0.5);
      expect(e.changes[k].from_first.mean_um).toBeLessThan(0);
    }
    expect(e.changes[1].from_first.stripped_um3).toBeGreaterThan(e.changes[0].from_first.stripped_um3);
    expect(e.image_efficiency[0]).toBeCloseTo((e.capacity_mah_cm2[0] - e.capacity_mah_cm2[1]) / 0.5, 6);
    // the truth opens a void over the whole interface by scan 1: the active area collapses
    expect(e.active_area_fraction[1]).toBeLessThan(0.1);
    // scan 0's replay at the fraction each scan lost: stripped by voids opening, not by thinning, so
    // the models (which keep Li in contact until it is gone) overpredict the active area
    expect(e.replay).toHaveLength(2);
    for (const r of e.replay) {
      expect(r.stripped_fraction).toBeGreaterThan(0);
      expect(r.uniform.active_fraction).toBeGreaterThan(r.measured_active_fraction);
    }
    expect(existsSync(path.join(out, 'scan1', 'replay_agreement_uniform.tif'))).toBe(true);
    expect(existsSync(path.join(out, 'scan2', 'replay_agreement_current.tif'))).toBe(true);
    // the report: registration, what changed, the change maps (one per later scan), the replay, the voids
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    for (const id of ['registration', 'change', 'change-maps', 'replay', 'voids']) expect(html).toContain(`id="${id}"`);
    expect(html).toContain('anode, scan 2 − scan 0');
  }, 180_000);

  it('change maps from the default segmentation of each scan: 1–2-voxel interfacial gaps it does not resolve leave the change underestimated (MAE ~1.2–1.4 voxel, stated, not the 0.5 target)', async () => {
    const out = path.join(dir, 'out-change-seg');
    const r = cli(['series', ...[0, 1, 2].map((k) => path.join(syn, `scan${k}.tif`)), '-o', out]);
    expect(r.status, r.stderr).toBe(0);
    const { mae, e } = await changeAgainstTruth(out);
    console.log(`segmented: thickness change MAE ${mae.map((m) => m.toFixed(3)).join(', ')} voxel`);
    // measured 1.22 and 1.42 voxel: a guard against getting worse, not the target
    for (const k of [0, 1]) expect(mae[k]).toBeLessThan(1.7);
    expect(e.changes[1].from_first.mean_um).toBeLessThan(e.changes[0].from_first.mean_um);
  }, 180_000);

  it('buried run --series LIST.yaml: the same registration and outputs as buried series; a bad list: exit 2 naming it', () => {
    const list = path.join(dir, 'cell.yaml');
    writeFileSync(list, ['scans:', '  - scan: syn/scan0.tif', '    charge: 0', '    labels: syn/labels0.tif', '  - scan: syn/scan1.tif', '    charge: 0.5', '    labels: syn/labels1.tif', 'levels: 3', ''].join('\n'));
    const viaRun = path.join(dir, 'via-run'), viaSeries = path.join(dir, 'via-series');
    const a = cli(['run', '--series', list, '-o', viaRun, '--json']);
    expect(a.status, a.stderr).toBe(0);
    const b = cli(['series', path.join(syn, 'scan0.tif'), path.join(syn, 'scan1.tif'), '-o', viaSeries, '--labels', `${path.join(syn, 'labels0.tif')},${path.join(syn, 'labels1.tif')}`, '--charge', '0,0.5', '--levels', '3', '--json']);
    expect(b.status, b.stderr).toBe(0);
    const ra = JSON.parse(a.stdout) as Record, rb = JSON.parse(b.stdout) as Record;
    expect(ra.transforms[1].translation_voxels).toEqual(rb.transforms[1].translation_voxels);
    expect(ra.transforms.map((t) => t.charge_mah_cm2)).toEqual([0, 0.5]);
    expect(existsSync(path.join(viaRun, 'scan1', 'thickness_change_um.tif'))).toBe(true);
    const bad: [string, RegExp][] = [
      ['scans:\n  - scan: syn/scan0.tif\n    charge: 0\n  - scan: syn/scan1.tif\n', /charge given for 1 of 2 scans/],
      ['scan: [a, b]\n', /expected a "scans:" list/],
      ['scans:\n  - syn/scan0.tif\n', /scan list: a series needs at least two scans, got 1/],
      ['scans:\n  - syn/scan0.tif\n  - syn/scan1.tif\nlevel: 3\n', /unknown key level/],
    ];
    for (const [text, message] of bad) {
      writeFileSync(list, text);
      const out = path.join(dir, `bad-list-${Math.random().toString(36).slice(2)}`);
      const r = cli(['run', '--series', list, '-o', out]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain('cell.yaml');
      expect(existsSync(path.join(out, 'series.json'))).toBe(false);
    }
    const both = cli(['run', path.join(syn, 'scan0.tif'), '--series', list, '-o', path.join(dir, 'both')]);
    expect(both.status).toBe(2);
    expect(both.stderr).toMatch(/either a scan .* or --series/);
  }, 180_000);

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
