/**
 * Resuming `buried run` where a researcher relies on it not to reuse stale results: the scan replaced
 * under the same name, a run folder made by another version of buried-li, a report stage killed or
 * its file cut short, and `--force current` (the report must show the current stage that just ran).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO, tempDir } from '../helpers.js';
import { generatePhantom } from '../../src/synth/index.js';
import { writeTiff } from '../../src/io/tiff/index.js';
import { stageFingerprint, type StageRecord } from '../../src/pipeline/fingerprint.js';
import { readJson, runAndKill, runCli, walk } from './helpers.js';

/** Small grids and 600-px figures: a whole run of a 32×48×48 phantom takes a few seconds. */
const FAST_CONFIG = `strip:
  steps: 20
  current_steps: 3
  solve_grid: 16
current:
  grid: 32
  layers: 8
fem:
  pressures: [5]
  hold_s: 0
  nx: 16
  ny: 2
report:
  figure_width_px: 600
`;
const STAGES = ['segment', 'thickness', 'pores', 'strip', 'current', 'fem', 'report'];
const RECORD_DIRS: Record<string, string> = { segment: 'segment', thickness: 'thickness', pores: 'pores', strip: 'strip', current: 'current', fem: 'fem', report: 'figures' };
const VERSION = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;

interface StageLine {
  stage: string;
  status: string;
  reason: string;
}

/** A phantom written uncompressed (same shape and dtype: the same file size whatever the preset) with its truth beside it. */
async function writePhantom(dir: string, preset: 'plated' | 'depleted'): Promise<{ mean_um: number; voxel_um: number }> {
  const ph = generatePhantom({ preset, seed: 21, shape: [32, 48, 48] });
  await writeTiff(path.join(dir, 'scan.tif'), ph.scan);
  await writeTiff(path.join(dir, 'thickness_um.tif'), ph.thickness);
  writeFileSync(path.join(dir, 'truth.json'), JSON.stringify(ph.truth));
  return { mean_um: ph.truth.thickness.mean_um, voxel_um: ph.truth.voxel_um };
}

describe('buried run: resume does not reuse stale results', () => {
  let dir: string;
  let scan: string;
  let config: string;
  let out: string;
  const run = (...extra: string[]) => {
    const r = runCli(['run', scan, '-o', out, '--config', config, '--workers', '1', '--json', ...extra]);
    expect(r.status, r.stderr).toBe(0);
    return { stages: JSON.parse(r.stdout).stages as StageLine[], stderr: r.stderr };
  };
  const ran = (stages: StageLine[]) => stages.filter((s) => s.status === 'ran').map((s) => s.stage);
  const html = () => readFileSync(path.join(out, 'report.html'), 'utf8');

  beforeAll(async () => {
    dir = tempDir('buried-resume-');
    scan = path.join(dir, 'scan.tif');
    config = path.join(dir, 'fast.yaml');
    writeFileSync(config, FAST_CONFIG);
    out = path.join(tempDir('buried-resume-out-'), 'run');
    await writePhantom(dir, 'plated');
    expect(ran(run().stages)).toEqual(STAGES);
  });

  it('the scan replaced under the same name (same size): every stage runs again and the results are the new scan’s', async () => {
    const before = readJson(path.join(out, 'thickness', 'thickness.json')).mean_um as number;
    const bytes = statSync(scan).size;
    const truth = await writePhantom(dir, 'depleted');
    expect(statSync(scan).size).toBe(bytes); // only the contents tell the scans apart

    const { stages } = run();
    expect(stages.map((s) => `${s.stage}:${s.status}:${s.reason}`)).toEqual(STAGES.map((s) => `${s}:ran:inputs or parameters changed`));
    const manifest = readJson(path.join(out, 'manifest.json'));
    expect(manifest.input.sha256).toBe(createHash('sha256').update(readFileSync(scan)).digest('hex'));
    // the depleted phantom's Li (≈ 3.5 µm) is measured, not the plated one's (≈ 9 µm) left from before
    const mean = readJson(path.join(out, 'thickness', 'thickness.json')).mean_um as number;
    expect(Math.abs(mean - truth.mean_um)).toBeLessThan(1.5 * truth.voxel_um);
    expect(Math.abs(mean - before)).toBeGreaterThan(3 * truth.voxel_um);
    expect(html()).toContain(`${mean.toFixed(2)} µm`);
    expect(html()).toContain(`${truth.mean_um.toFixed(2)} µm`);
  });

  it('a run folder made by another buried-li version: every stage runs again and says why', () => {
    // what buried-li 0.0.1 would have left: its version in each record and in each fingerprint
    for (const stage of STAGES) {
      const file = path.join(out, RECORD_DIRS[stage], '.stage.json');
      const rec = readJson<StageRecord>(file);
      // the record holds what the fingerprint was made of (else this simulation would prove nothing)
      expect(stageFingerprint(stage, VERSION, rec.params, rec.inputs), stage).toBe(rec.fingerprint);
      writeFileSync(file, JSON.stringify({ ...rec, package_version: '0.0.1', fingerprint: stageFingerprint(stage, '0.0.1', rec.params, rec.inputs) }));
    }
    const { stages, stderr } = run();
    const why = `made by buried-li 0.0.1, this is ${VERSION}`;
    expect(stages.map((s) => `${s.stage}:${s.status}:${s.reason}`)).toEqual(STAGES.map((s) => `${s}:ran:${why}`));
    expect(stderr).toContain(`stage 1/7: segment done in`);
    expect(stderr).toContain(`(${why};`);
    for (const stage of STAGES) expect(readJson<StageRecord>(path.join(out, RECORD_DIRS[stage], '.stage.json')).package_version, stage).toBe(VERSION);
    expect(readJson(path.join(out, 'manifest.json')).version).toBe(VERSION);
  });

  it('--force current re-renders the report; a changed current parameter shows its new resistance in it', () => {
    const { stages } = run('--force', 'current');
    expect(ran(stages)).toEqual(['current', 'report']);
    expect(stages.find((s) => s.stage === 'report')?.reason).toBe('current ran in this call');
    // the report's stage table shows the current stage that just ran (its finish time), not the one before
    const rec = readJson<StageRecord>(path.join(out, 'current', '.stage.json'));
    expect(html()).toContain(`<td class="num">${rec.finished}</td>`);

    const old = readJson(path.join(out, 'current', 'current.json')).resistance_ohm_cm2 as number;
    const changed = run('--current-conductivity', '4');
    expect(ran(changed.stages)).toEqual(['current', 'report']);
    const now = readJson(path.join(out, 'current', 'current.json')).resistance_ohm_cm2 as number;
    expect(now).toBeLessThan(0.6 * old); // twice the conductivity: about half the resistance
    const shown = (v: number) => `${+v.toPrecision(5)} Ω·cm²`;
    expect(html()).toContain(shown(now));
    expect(html()).not.toContain(shown(old));
  });

  it('a report.html cut short behind a valid record is noticed and rendered again', () => {
    const file = path.join(out, 'report.html');
    const whole = statSync(file).size;
    truncateSync(file, Math.floor(whole / 2));
    const { stages } = run('--current-conductivity', '4');
    expect(stages.map((s) => `${s.stage}:${s.status}`)).toEqual(['segment:skipped', 'thickness:skipped', 'pores:skipped', 'strip:skipped', 'current:skipped', 'fem:skipped', 'report:ran']);
    expect(stages.find((s) => s.stage === 'report')?.reason).toBe('outputs missing or changed');
    expect(html().trimEnd()).toMatch(/<\/html>$/);
    expect(statSync(file).size).toBeGreaterThan(whole * 0.9);
  });

  it('a report stage killed mid-way leaves no report.html and no record; the next run renders it', async () => {
    // a new figure width: only the report runs again (2400 px keeps it busy long enough to be killed)
    const args = ['run', scan, '-o', out, '--config', config, '--workers', '1', '--current-conductivity', '4', '--report-figure-width-px', '2400'];
    expect(existsSync(path.join(out, 'report.html'))).toBe(true);
    const k = await runAndKill(args, /report: \d+%/);
    expect(k.killed, k.stderr).toBe(true);
    expect(k.signal).toBe('SIGKILL');
    const files = walk(out);
    // the report of the earlier run is gone with the record: nothing describes results it was not made from
    expect(files).not.toContain('report.html');
    expect(files).not.toContain('figures/.stage.json');
    for (const s of ['segment', 'thickness', 'pores', 'strip', 'current', 'fem']) expect(files, s).toContain(`${s}/.stage.json`);
    expect(files.filter((f) => f.endsWith('.partial'))).toEqual([]);

    const resumed = run('--current-conductivity', '4', '--report-figure-width-px', '2400');
    expect(resumed.stages.map((s) => `${s.stage}:${s.status}`)).toEqual(['segment:skipped', 'thickness:skipped', 'pores:skipped', 'strip:skipped', 'current:skipped', 'fem:skipped', 'report:ran']);
    expect(html().trimEnd()).toMatch(/<\/html>$/);
  });
});
