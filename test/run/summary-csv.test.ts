/**
 * `buried run` writes summary.csv in the run folder (issue #22): one row of the headline numbers,
 * the same as the stages' JSON documents, manifest.json and report.html, checked against the
 * phantom's truth and closed forms; a re-run with a changed parameter rewrites it with the new
 * numbers.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers.js';
import { parseCsv } from '../batch/helpers.js';
import { makeFixture, readJson, runCli, type Fixture } from './helpers.js';
import { RUN_SUMMARY } from '../../src/io/run-folder.js';
import { writeTiff } from '../../src/io/tiff/index.js';
import { makeVolume } from '../../src/io/volume.js';

const UM_PER_MAH_CM2 = 4.85;

describe('buried run: summary.csv', () => {
  let fx: Fixture;
  let out: string;
  let first: ReturnType<typeof runCli>;
  let header: string[];
  let row: Record<string, string>;

  beforeAll(async () => {
    fx = await makeFixture([64, 48, 48], 21);
    out = path.join(tempDir('buried-summary-'), 'run');
    first = runCli(['run', fx.scan, '-o', out, '--config', fx.config, '--workers', '2']);
    const text = existsSync(path.join(out, RUN_SUMMARY)) ? readFileSync(path.join(out, RUN_SUMMARY), 'utf8') : '';
    header = text.split('\n')[0].split(',');
    row = parseCsv(text)[0];
  }, 120_000);

  it('is written in the run folder as a header and exactly one row; scan, input and sha256 first, wall time last', () => {
    expect(first.status, first.stderr).toBe(0);
    expect(RUN_SUMMARY).toBe('summary.csv');
    const lines = readFileSync(path.join(out, 'summary.csv'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(header.slice(0, 3)).toEqual(['scan', 'input', 'input_sha256']);
    expect(header.at(-1)).toBe('wall_seconds');
    expect(lines[1].split(',')).toHaveLength(header.length);
    expect(row.scan).toBe('scan');
    expect(row.input).toBe(path.resolve(fx.scan));
    // the scan's own sha256, computed here
    expect(row.input_sha256).toBe(createHash('sha256').update(readFileSync(fx.scan)).digest('hex'));
    const manifest = readJson(path.join(out, 'manifest.json'));
    expect(Number(row.wall_seconds)).toBe(manifest.wall_seconds);
    expect(manifest.outputs.summary).toBe('summary.csv');
  });

  it('holds the numbers of the stage documents: Li thickness and capacity, contact, phase fractions, porosity, resistance, FEM contact', () => {
    const th = readJson(path.join(out, 'thickness', 'thickness.json'));
    const seg = readJson(path.join(out, 'segment', 'segment.json'));
    const iface = readJson(path.join(out, 'thickness', 'interface.json'));
    const cur = readJson(path.join(out, 'current', 'current.json'));
    const fem = readJson(path.join(out, 'fem', 'contact.json'));
    const strip = readJson(path.join(out, 'strip', 'stripping.json'));
    expect(row.shape).toBe(seg.shape.join('x'));
    expect(row.voxel_um).toBe(seg.spacing_um.join('x'));
    expect(Number(row.li_inventory_um)).toBe(th.mean_um);
    expect(Number(row.thickness_mean_um)).toBe(th.mean_um);
    expect(Number(row.thickness_std_um)).toBe(th.std_um);
    expect(Number(row.thickness_p50_um)).toBe(th.p50_um);
    expect(Number(row.li_inventory_mah_cm2)).toBe(th.mean_capacity_mah_cm2);
    expect(Number(row.contact_fraction)).toBe(iface.contact_fraction);
    expect(Number(row.phase_void)).toBe(seg.phase_fractions['0']);
    expect(Number(row.phase_li)).toBe(seg.phase_fractions['1']);
    expect(Number(row.phase_electrolyte)).toBe(seg.phase_fractions['2']);
    expect(Number(row.phase_collector)).toBe(seg.phase_fractions['3']);
    expect(Number(row.resistance_ohm_cm2)).toBe(cur.resistance_ohm_cm2);
    // the cheap config holds one pressure (5 MPa) and the default stripped fractions
    expect(header.filter((k) => k.startsWith('fem_contact_'))).toEqual(['fem_contact_5mpa']);
    expect(Number(row.fem_contact_5mpa)).toBe(fem.runs.find((r: { pressure_mpa: number }) => r.pressure_mpa === 5).contact_fraction);
    for (const f of strip.at as number[]) {
      const key = `active_uniform_${+(f * 100).toPrecision(6)}pct`;
      expect(Number(row[key]), key).toBe(strip.uniform.at_rows.find((r: { stripped_fraction: number }) => Math.abs(r.stripped_fraction - f) < 1e-9).active_fraction);
    }
  });

  it("agrees with the phantom's truth and the closed form 4.85 µm per mAh/cm², and with the report's numbers", () => {
    expect(Math.abs(Number(row.thickness_mean_um) - fx.truth.thickness.mean_um)).toBeLessThan(1.5 * fx.truth.voxel_um);
    const truthPhases = (fx.truth as unknown as { phase_fractions_in_cell?: Record<string, number> }).phase_fractions_in_cell ?? fx.truth.phase_fractions;
    expect(Math.abs(Number(row.phase_li) - truthPhases.li)).toBeLessThan(0.03);
    // thickness.json keeps 6 significant digits
    expect(Number(row.li_inventory_mah_cm2)).toBeCloseTo(Number(row.li_inventory_um) / UM_PER_MAH_CM2, 4);
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain(`${Number(row.thickness_mean_um).toFixed(2)} µm`);
  });

  it('a re-run with another electrolyte conductivity rewrites it: the new resistance, the same thickness', () => {
    const before = Number(row.resistance_ohm_cm2);
    const again = runCli(['run', fx.scan, '-o', out, '--config', fx.config, '--workers', '2', '--current-conductivity', '4']);
    expect(again.status, again.stderr).toBe(0);
    const row2 = parseCsv(readFileSync(path.join(out, 'summary.csv'), 'utf8'))[0];
    const cur = readJson(path.join(out, 'current', 'current.json'));
    expect(Number(row2.resistance_ohm_cm2)).toBe(cur.resistance_ohm_cm2);
    expect(Number(row2.resistance_ohm_cm2)).not.toBe(before);
    expect(row2.thickness_mean_um).toBe(row.thickness_mean_um);
    expect(Number(row2.wall_seconds)).toBe(readJson(path.join(out, 'manifest.json')).wall_seconds);
  }, 120_000);

  it('a later call that replaces the labels and then fails leaves no summary.csv of the earlier results', async () => {
    // uniform grey noise: the segment stage runs again (new input), finds no Li, and the run stops with exit 2
    const n = 32 * 32 * 32;
    const noise = new Uint16Array(n);
    let s = 7;
    const u = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) / 2 ** 24;
    for (let i = 0; i < n; i++) noise[i] = Math.floor(u() * 65535);
    const scan = path.join(fx.dir, 'noise.tif');
    await writeTiff(scan, makeVolume(noise, [32, 32, 32], [1, 1, 1]));
    expect(existsSync(path.join(out, 'summary.csv'))).toBe(true);
    const failed = runCli(['run', scan, '-o', out, '--config', fx.config, '--workers', '2']);
    expect(failed.status, failed.stderr).toBe(2);
    expect(failed.stderr).toMatch(/segmentation found no Li/);
    expect(existsSync(path.join(out, 'summary.csv'))).toBe(false);
  }, 60_000);
});
