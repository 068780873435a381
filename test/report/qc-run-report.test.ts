import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cli, tempDir } from '../helpers.js';
import { defaultConfig } from '../../src/pipeline/config.js';
import { reportStage } from '../../src/pipeline/report.js';
import { sampleInput } from '../../src/pipeline/run.js';
import { createProgress } from '../../src/io/progress.js';
import type { RunContext } from '../../src/pipeline/stages.js';
import { qcBlock } from '../qc-fixtures.js';

const sectionIds = (html: string) => [...html.matchAll(/<section id="([^"]+)">/g)].map((m) => m[1]);

describe('report.html of a run: the QC section and figures', () => {
  let out: string;
  beforeAll(() => {
    out = path.join(tempDir('buried-qc-report-'), 'run');
    const r = cli(['run', '-o', out, '--quiet', '--workers', '2', '--set', 'strip.steps=20', '--set', 'strip.current_steps=4', '--set', 'strip.solve_grid=16', '--set', 'current.grid=32', '--set', 'fem.pressures=5', '--set', 'fem.hold_s=60', '--set', 'report.figure_width_px=600']);
    expect(r.status, r.stderr).toBe(0);
  }, 240_000);

  it('sample (confidence high): QC section first, no banner, slices and histogram in figures/', () => {
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(sectionIds(html)[0]).toBe('qc');
    expect(html).not.toContain('class="banner"');
    for (const f of ['qc_slices.svg', 'qc_slices.png', 'qc_histogram.svg', 'qc_histogram.png', 'qc_slice_xy.png', 'qc_slice_xz.png', 'qc_slice_yz.png']) expect(existsSync(path.join(out, 'figures', f)), f).toBe(true);
    const seg = JSON.parse(readFileSync(path.join(out, 'segment', 'segment.json'), 'utf8')) as { thresholds: number[]; void_li_threshold: number | null; shape: number[] };
    const hist = readFileSync(path.join(out, 'figures', 'qc_histogram.svg'), 'utf8');
    expect(hist.match(/data-marker="threshold"/g)).toHaveLength(seg.thresholds.length + (seg.void_li_threshold != null ? 1 : 0));
    const [nz, ny, nx] = seg.shape;
    expect(html).toContain(`xy at z = ${Math.floor(nz / 2)}, xz at y = ${Math.floor(ny / 2)}, yz at x = ${Math.floor(nx / 2)}`);
    // still self-contained: images inline
    expect(html).not.toMatch(/(?:src|href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
  });

  it('the report stage on a low-confidence segment.json: banner at the top with the warnings', async () => {
    const file = path.join(out, 'segment', 'segment.json');
    const seg = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...seg, qc: qcBlock('low', ['phases not separated', 'no known layout']) }));
    const ctx: RunContext = {
      dir: out,
      cfg: defaultConfig(),
      input: sampleInput(),
      openOptions: {},
      version: 'test',
      cache: {},
      progress: (label) => createProgress(label, { quiet: true }),
      note: () => {},
      releaseMemory: () => {},
      budget: { bytes: 1 << 30, origin: 'default' },
      streamed: [],
    };
    await reportStage.run(ctx, path.join(out, 'figures'));
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html.indexOf('class="banner"')).toBeGreaterThan(0);
    expect(html.indexOf('class="banner"')).toBeLessThan(html.indexOf('<header>'));
    expect(html).toContain('<li>phases not separated</li><li>no known layout</li>');
    expect(sectionIds(html)[0]).toBe('qc');
    expect(html).toMatch(/<td>contrast<\/td><td class="num">0\.4<\/td><td class="num">≥ 2\.0<\/td><td class="num">FAILED<\/td>/);
  });
});
