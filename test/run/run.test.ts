import { beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers.js';
import { makeFixture, pngWidth, readJson, runCli, walk, type Fixture } from './helpers.js';

const STAGE_DIRS = ['segment', 'thickness', 'pores', 'strip', 'current', 'fem', 'figures'];
const PHASES: [string, string][] = [['0', 'void'], ['1', 'li'], ['2', 'electrolyte'], ['3', 'collector']];

describe('buried run: end to end on a small plated phantom', () => {
  let fx: Fixture;
  let out: string;
  let first: ReturnType<typeof runCli>;

  beforeAll(async () => {
    fx = await makeFixture();
    out = path.join(tempDir('buried-run-out-'), 'run');
    first = runCli(['run', fx.scan, '-o', out, '--config', fx.config, '--json', '--workers', '2']);
  });

  it('runs every stage into its own folder and writes report.html and manifest.json', () => {
    expect(first.status, first.stderr).toBe(0);
    const summary = JSON.parse(first.stdout);
    expect(summary.stages.map((s: { stage: string; status: string }) => `${s.stage}:${s.status}`)).toEqual(
      ['segment', 'thickness', 'pores', 'strip', 'current', 'fem', 'report'].map((s) => `${s}:ran`),
    );
    for (const d of STAGE_DIRS) expect(existsSync(path.join(out, d, '.stage.json')), d).toBe(true);
    for (const f of ['segment/labels.tif', 'thickness/thickness_um.tif', 'strip/stripping.csv', 'strip/stripping_current.csv', 'current/current.json', 'current/current_density.tif', 'fem/contact.json', 'report.html', 'manifest.json']) {
      expect(existsSync(path.join(out, f)), f).toBe(true);
    }
    // plain progress (not a TTY): an overall "stage k/N" line per stage
    for (let k = 1; k <= 7; k++) expect(first.stderr).toContain(`stage ${k}/7:`);
  });

  it('measures the phantom: Li mean thickness within 1.5 voxels, phase fractions within 3 %', () => {
    const th = readJson(path.join(out, 'thickness', 'thickness.json'));
    const seg = readJson(path.join(out, 'segment', 'segment.json'));
    expect(Math.abs(th.mean_um - fx.truth.thickness.mean_um)).toBeLessThan(1.5 * fx.truth.voxel_um);
    for (const [code, key] of PHASES) expect(Math.abs(seg.phase_fractions[code] - (fx.truth.phase_fractions_in_cell ?? fx.truth.phase_fractions)[key]), key).toBeLessThan(0.03);
  });

  it('report.html is self-contained, has every section, and shows the measured and true numbers', () => {
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    for (const id of ['phases', 'thickness', 'roughness', 'pores', 'stripping', 'snapshots', 'current', 'contact', 'parameters']) expect(html).toContain(`<section id="${id}">`);
    // the pores stage's porosity, as pores.json has it, against the truth
    const pores = readJson(path.join(out, 'pores', 'pores.json'));
    expect(html).toContain(`${(pores.porosity * 100).toFixed(2)} %`);
    expect(html).toContain('Electrolyte microstructure');
    // no external resources: every src/href is a data: URL or an in-page anchor
    const refs = [...html.matchAll(/\b(?:src|href|xlink:href)\s*=\s*["']([^"']*)["']/gi)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(10);
    for (const r of refs) expect(r, r.slice(0, 60)).toMatch(/^(data:image\/png;base64,|#)/);
    expect(html).not.toMatch(/(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?https?:/i);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link\b/i);
    // numbers: measured Li mean, the truth column and the parameter table
    const th = readJson(path.join(out, 'thickness', 'thickness.json'));
    expect(html).toContain(`${th.mean_um.toFixed(2)} µm`);
    expect(html).toContain('ground truth');
    expect(html).toContain(`${fx.truth.thickness.mean_um.toFixed(2)} µm`);
    expect(html).toContain('mAh/cm²');
    expect(html).toContain('<code>segment.method</code>');
    expect(html).toContain('<code>fem.pressures</code>');
    // charts are vega SVG (role-* classes), snapshots embedded PNGs
    expect(html).toMatch(/class="marks"/);
    expect((html.match(/<img /g) ?? []).length).toBeGreaterThanOrEqual(5);
  });

  it('writes every figure as SVG and a ≥ 2400 px PNG in figures/', () => {
    const names = ['phase_fractions', 'thickness_map', 'thickness_histogram', 'surface_profile', 'stripping', 'current_density', 'contact_time', 'contact_pressure'];
    for (const n of names) {
      expect(readFileSync(path.join(out, 'figures', `${n}.svg`), 'utf8')).toMatch(/<svg/);
      expect(pngWidth(path.join(out, 'figures', `${n}.png`)), n).toBeGreaterThanOrEqual(2400);
    }
  });

  it('manifest.json: effective config, input sha256, versions, timings, backend, peak memory', () => {
    const m = readJson(path.join(out, 'manifest.json'));
    expect(m.input.sha256).toBe(createHash('sha256').update(readFileSync(fx.scan)).digest('hex'));
    expect(m.config.strip.steps).toBe(40); // from the file
    expect(m.config.run.workers).toBe(2); // from the flag
    expect(m.config.segment.method).toBe('otsu'); // default
    expect(m.versions['buried-li']).toMatch(/\d+\.\d+\.\d+/);
    expect(m.versions.node).toBe(process.version);
    expect(m.versions.vega).toMatch(/^6\./);
    expect(m.versions['vega-lite']).toMatch(/^6\./);
    expect(m.backend).toMatch(/cpu|gpu/);
    expect(m.memory.peak_rss_bytes).toBeGreaterThan(20e6);
    expect(m.memory.peak_reached_in_stage).toMatch(/segment|thickness|strip|current|fem|report/);
    expect(m.stages).toHaveLength(7);
    for (const s of m.stages) expect(s.seconds).toBeGreaterThan(0);
  });

  it('resumes: a second run skips everything; a deleted record + output redoes only that stage (and the report, which lists it)', () => {
    const again = runCli(['run', fx.scan, '-o', out, '--config', fx.config, '--json', '--workers', '2']);
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).stages.every((s: { status: string }) => s.status === 'skipped')).toBe(true);

    rmSync(path.join(out, 'thickness', '.stage.json'));
    rmSync(path.join(out, 'thickness', 'penetration_um.tif'));
    const resumed = runCli(['run', fx.scan, '-o', out, '--config', fx.config, '--json', '--workers', '2']);
    expect(resumed.status, resumed.stderr).toBe(0);
    const st = JSON.parse(resumed.stdout).stages as { stage: string; status: string }[];
    expect(st.filter((s) => s.status === 'ran').map((s) => s.stage)).toEqual(['thickness', 'report']);
    expect(existsSync(path.join(out, 'thickness', 'penetration_um.tif'))).toBe(true);

    // an output removed behind a valid record is noticed too; a changed parameter reruns from that stage on
    rmSync(path.join(out, 'fem', 'profile.csv'));
    const changed = runCli(['run', fx.scan, '-o', out, '--config', fx.config, '--json', '--workers', '2', '--strip-steps', '30']);
    expect(changed.status, changed.stderr).toBe(0);
    const ran = (JSON.parse(changed.stdout).stages as { stage: string; status: string }[]).filter((s) => s.status === 'ran').map((s) => s.stage);
    expect(ran).toEqual(['strip', 'fem', 'report']);

    const forced = runCli(['run', fx.scan, '-o', out, '--config', fx.config, '--json', '--workers', '2', '--strip-steps', '30', '--force', 'current']);
    expect(forced.status, forced.stderr).toBe(0);
    expect((JSON.parse(forced.stdout).stages as { stage: string; status: string }[]).filter((s) => s.status === 'ran').map((s) => s.stage)).toEqual(['current', 'report']);
    expect(walk(out).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });
});
