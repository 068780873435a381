/**
 * Issue #22 (report), end to end: `buried run` on a scan with another tool's truth.json beside it
 * finishes and says the file was ignored; the report cites the stripping paper, and the contact
 * table prints unresolved constrictions as 0. Then the phantom's own truth.json is put back: only
 * the report reruns, with the ground-truth column.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers.js';
import { makeFixture, runCli, type Fixture } from '../run/helpers.js';

/**
 * The earlier tension-anchored creep law (A = 6.85e-3, n = 6.6), which closes this phantom's voids
 * within the 120 s hold: the contact table needs a full-contact row. The default (Ding et al.) law
 * creeps ~1e7 times slower and leaves a real constriction after 120 s.
 */
const FAST_CREEP = ['--set', 'fem.creep_a=6.85e-3', '--set', 'fem.creep_n=6.6'];

const FOREIGN = { tool: 'OtherSeg 4.2', sample: 'cell-07', li: { mean: 24.1, unit: 'um' }, labels: { 1: 'lithium' } };

describe('buried run: report with a foreign truth.json beside the scan', () => {
  let fx: Fixture;
  let out: string;
  let first: ReturnType<typeof runCli>;
  let ours: string;

  beforeAll(async () => {
    fx = await makeFixture([64, 48, 48], 5);
    ours = readFileSync(path.join(fx.dir, 'truth.json'), 'utf8');
    writeFileSync(path.join(fx.dir, 'truth.json'), JSON.stringify(FOREIGN));
    out = path.join(tempDir('i22-report-run-'), 'run');
    first = runCli(['run', fx.scan, '-o', out, '--config', fx.config, '--json', '--workers', '2', ...FAST_CREEP]);
  });

  it('finishes (no "Cannot read properties of undefined"), notes the file as ignored on stderr and in the report, and shows no ground-truth column', () => {
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).not.toContain('Cannot read properties');
    const note = `${path.join(fx.dir, 'truth.json')} is not a buried-li phantom truth (no version, preset, thickness.mean_um, thickness.std_um, …); ignored (no ground-truth column)`;
    expect(first.stderr).toContain(`run: ${note}`);
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain(note);
    expect(html).not.toContain('<th class="truth">ground truth</th>');
    expect(html).not.toContain('(ground truth:');
  });

  it('cites the stripping paper (authors, year, journal, DOI) and never the internal tag "S002"', () => {
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).not.toMatch(/S002/);
    expect(html).toContain('Lewis et al. 2023, Fig 5e');
    expect(html).toContain('Uniform replay vs Lewis et al. 2023 (Fig 5e–f)');
    expect(html).toContain('Accelerated Short Circuiting in Anode-Free Solid-State Batteries Driven by Local Lithium Depletion');
    expect(html).toContain('doi:10.1002/aenm.202204186');
    expect(html).toContain('one colour scale shared by every snapshot');
  });

  it('contact table: each constriction below 0.1 % of the total prints as 0 with the reason, the others as computed', () => {
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    const fem = JSON.parse(readFileSync(path.join(out, 'fem', 'contact.json'), 'utf8')) as { runs: { pressure_mpa: number; conduction: { constriction_ohm_cm2: number; total_ohm_cm2: number } }[] };
    // this phantom is pressed into full contact: its constriction is the case (−0.0015 of 4.08 Ω·cm²)
    expect(fem.runs.some((r) => Math.abs(r.conduction.constriction_ohm_cm2) < 1e-3 * r.conduction.total_ohm_cm2)).toBe(true);
    const table = html.slice(html.indexOf('<caption>Contact model:'));
    for (const r of fem.runs) {
      const row = table.match(new RegExp(`<tr><td>${r.pressure_mpa} MPa</td>(.*?)</tr>`))![1];
      const cell = [...row.matchAll(/<td class="num">([^<]*)<\/td>/g)].map((m) => m[1]).at(-1)!;
      const c = r.conduction.constriction_ohm_cm2;
      if (Math.abs(c) < 1e-3 * r.conduction.total_ohm_cm2) expect(cell.startsWith('0 Ω·cm² (computed ')).toBe(true);
      else expect(cell).toBe(`${+c.toPrecision(3)} Ω·cm²`);
    }
  });

  it('current density at full contact: the caption and the map both say the current density is uniform', () => {
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    const cur = JSON.parse(readFileSync(path.join(out, 'current', 'current.json'), 'utf8')) as { contact_fraction: number };
    // this phantom's Li covers the whole surface on the solve grid
    expect(cur.contact_fraction).toBe(1);
    const fig = html.slice(html.indexOf('<figure id="fig-current_density">'));
    const figure = fig.slice(0, fig.indexOf('</figure>'));
    expect(figure).toContain('uniform current density: full contact, j / j̄ = 1 everywhere');
    expect(figure).toContain('<figcaption>Interface current density over its nominal mean on the solve grid (0 off contact). Full contact: the current density is uniform (j = j̄ everywhere), so the map is one flat colour.</figcaption>');
  });

  it("with the phantom's own truth.json back, only the report reruns and it has the ground-truth column again", () => {
    writeFileSync(path.join(fx.dir, 'truth.json'), ours);
    const again = runCli(['run', fx.scan, '-o', out, '--config', fx.config, '--json', '--workers', '2', ...FAST_CREEP]);
    expect(again.status, again.stderr).toBe(0);
    const summary = JSON.parse(again.stdout) as { stages: { stage: string; status: string }[] };
    expect(summary.stages.map((s) => `${s.stage}:${s.status}`)).toEqual(['segment:skipped', 'thickness:skipped', 'pores:skipped', 'strip:skipped', 'current:skipped', 'fem:skipped', 'report:ran']);
    expect(again.stderr).not.toContain('not a buried-li phantom truth');
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('<th class="truth">ground truth</th>');
    expect(html).toContain(`(ground truth: ${path.join(fx.dir, 'truth.json')})`);
  });
});

describe('user-facing text cites the stripping paper, not the internal tag', () => {
  it('`buried strip --help` names Lewis et al. (Adv. Energy Mater. 2023), never "S002"', () => {
    const r = runCli(['strip', '--help']);
    expect(r.status).toBe(0);
    const text = r.stdout.replace(/\s+/g, ' ');
    expect(text).toContain('cf. Lewis et al., Adv. Energy Mater. 2023, Fig 5e–g');
    expect(text).not.toContain('S002');
  });
});
