import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { REPO, tempDir } from '../helpers.js';
import { cli, makeScans, parseCsv, readJson, walk } from './helpers.js';

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

describe('buried batch on this machine', () => {
  it('runs three phantoms, one run folder and manifest each, and a summary whose numbers are each run\'s own', async () => {
    const fx = await makeScans([
      { label: 'cell-a', preset: 'plated', seed: 21 },
      { label: 'cell-b', preset: 'foil', seed: 22 },
      { label: 'cell-c', preset: 'depleted', seed: 23 },
    ]);
    const out = path.join(tempDir('buried-batch-out-'), 'batch');
    made.push(fx.dir, path.dirname(out));
    const r = cli(['batch', path.join(fx.dir, 'cell-*', 'scan.tif'), '-o', out, '--config', fx.config, '--jobs', '2', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.scans.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual(['cell-a_scan:ok', 'cell-b_scan:ok', 'cell-c_scan:ok']);

    const files = walk(out);
    for (const name of ['cell-a_scan', 'cell-b_scan', 'cell-c_scan']) {
      expect(files).toContain(`${name}/manifest.json`);
      expect(files).toContain(`${name}/report.html`);
      expect(readJson(path.join(out, name, 'manifest.json')).stages.map((s: { stage: string }) => s.stage)).toEqual(['segment', 'thickness', 'pores', 'strip', 'current', 'fem', 'report']);
    }
    expect(files.filter((f) => f.endsWith('.partial'))).toEqual([]);

    const rows = parseCsv(readFileSync(path.join(out, 'summary.csv'), 'utf8'));
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(row.status).toBe('ok');
      const th = readJson(path.join(out, row.name, 'thickness', 'thickness.json'));
      const seg = readJson(path.join(out, row.name, 'segment', 'segment.json'));
      const iface = readJson(path.join(out, row.name, 'thickness', 'interface.json'));
      const strip = readJson(path.join(out, row.name, 'strip', 'stripping.json'));
      // Li inventory: exactly the run's own numbers (no re-rounding)
      expect(Number(row.li_inventory_mah_cm2)).toBe(th.mean_capacity_mah_cm2);
      expect(Number(row.li_inventory_um)).toBe(th.mean_um);
      expect(Number(row.li_volume_um3)).toBe(seg.li.volume_um3);
      for (const k of ['mean', 'std', 'min', 'p05', 'p50', 'p95', 'max']) expect(Number(row[`thickness_${k}_um`]), k).toBe(th[`${k}_um`]);
      expect(Number(row.contact_fraction)).toBe(iface.contact_fraction);
      const at85 = strip.uniform.at_rows.find((x: { stripped_fraction: number }) => x.stripped_fraction === 0.85);
      expect(Number(row.active_uniform_85pct)).toBe(at85.active_fraction);
      expect(row.active_current_85pct).not.toBe('');
      expect(row.fem_contact_5mpa).not.toBe('');
      expect(row.input).toBe(path.join(fx.dir, row.name.replace('_scan', ''), 'scan.tif'));
    }

    const html = readFileSync(path.join(out, 'summary.html'), 'utf8');
    expect(html).toContain('Active area while stripping, every scan');
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(4);
    // self-contained: no scripts, no external resources (only relative links to the per-scan reports)
    expect(html).not.toMatch(/<script|src="http|href="http/);
    expect(html).toContain('href="cell-a_scan/report.html"');
    const batch = readJson(path.join(out, 'batch.json'));
    expect(batch.scans.map((s: { status: string }) => s.status)).toEqual(['ok', 'ok', 'ok']);

    // again with a bad scan added: the good ones are up to date (skipped), the bad one fails alone, exit 2
    const bad = path.join(fx.dir, 'broken.tif');
    copyFileSync(path.join(REPO, 'test', 'fixtures', 'bad', 'truncated.tif'), bad);
    const r2 = cli(['batch', path.join(fx.dir, 'cell-*', 'scan.tif'), bad, '-o', out, '--config', fx.config, '--json']);
    expect(r2.status, r2.stderr).toBe(2);
    const res2 = JSON.parse(r2.stdout);
    expect(res2.scans.map((s: { name: string; status: string }) => `${s.name}:${s.status}`)).toEqual(['cell-a_scan:ok', 'cell-b_scan:ok', 'cell-c_scan:ok', 'broken:failed']);
    expect(res2.scans[3].error).toMatch(/broken\.tif.*truncated/);
    for (const name of ['cell-a_scan', 'cell-b_scan', 'cell-c_scan'])
      expect(readJson(path.join(out, name, 'manifest.json')).stages.every((s: { status: string }) => s.status === 'skipped'), name).toBe(true);
    const rows2 = parseCsv(readFileSync(path.join(out, 'summary.csv'), 'utf8'));
    expect(rows2.map((x) => x.status)).toEqual(['ok', 'ok', 'ok', 'failed']);
    expect(rows2[3].error).toMatch(/truncated/);
    expect(existsSync(path.join(out, 'broken', 'run.log'))).toBe(true);
    expect(readFileSync(path.join(out, 'summary.html'), 'utf8')).toContain('Failed scans');
  });

  it('bad batch input: one line naming it, exit 2, nothing written', () => {
    const out = path.join(tempDir('buried-batch-bad-'), 'never');
    made.push(path.dirname(out));
    for (const [args, named] of [
      [['/no/such/scan.tif'], '/no/such/scan.tif'],
      [['/no/such/dir/*.tif'], '/no/such/dir/*.tif'],
    ] as const) {
      const r = cli(['batch', ...args, '-o', out]);
      expect(r.status, r.stderr).toBe(2);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(named);
      expect(existsSync(out)).toBe(false);
    }
    const q = cli(['batch', path.join(REPO, 'data', 'sample', 'scan.tif'), '-o', out, '--queue', 'http://localhost:1']);
    expect(q.status).toBe(2);
    expect(q.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(q.stderr).toMatch(/redis:\/\//);
    const j = cli(['batch', path.join(REPO, 'data', 'sample', 'scan.tif'), '-o', out, '--jobs', '0']);
    expect(j.status).toBe(2);
    expect(j.stderr).toMatch(/--jobs/);
    expect(existsSync(out)).toBe(false);
  });
});
