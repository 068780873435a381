/**
 * fem.papers = true: the run's fem stage also runs the stack-pressure papers' protocols (the same
 * library call as `contact3d --papers`) and the report's contact section shows the model against
 * Doux et al. 2020's points and Zhang et al. 2020's holds, cited, with the paper-vs-model table.
 * Off by default (about 30 s of CPU).
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { defaultConfig } from '../../src/pipeline/config.js';
import { makeFixture, readJson, runCli } from './helpers.js';

interface PapersFile {
  summary: { doux_2020: { ratios_model: { r1_over_r25: number; r5_over_r25: number; release5_over_load5: number } } };
  table: string;
  figure: { resistance: Array<{ pressure_mpa: number; ohm_cm2: number; series: string }>; contact: unknown[] };
}

describe('run with fem.papers', () => {
  it('writes fem/papers.json and puts the papers figure and table in the contact section; the default run does not', async () => {
    expect(defaultConfig().fem.papers).toBe(false);
    const fx = await makeFixture([64, 48, 48], 5);
    const out = path.join(fx.dir, 'run');
    const r = runCli(['run', fx.scan, '-o', out, '--config', fx.config, '--set', 'fem.papers=true', '--set', 'pores.enabled=false']);
    expect(r.status, r.stderr).toBe(0);
    const papers = readJson<PapersFile>(path.join(out, 'fem', 'papers.json'));
    const m = papers.summary.doux_2020.ratios_model;
    // the acceptance bands (#24 point 5), as the papers test asserts on contact3d --papers
    expect(m.r1_over_r25).toBeGreaterThanOrEqual(10);
    expect(m.r5_over_r25).toBeGreaterThanOrEqual(2);
    expect(m.r5_over_r25).toBeLessThanOrEqual(6);
    expect(m.release5_over_load5).toBeLessThan(0.6);
    expect(papers.figure.resistance.some((row) => /Doux et al\. 2020/.test(row.series))).toBe(true);
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    const contact = html.slice(html.indexOf('id="contact"'));
    expect(contact).toContain('Model vs the stack-pressure papers');
    expect(contact).toMatch(/Doux et al\. 2020, Adv\. Energy Mater\./);
    expect(contact).toMatch(/Zhang et al\. 2020, Cell Rep\. Phys\. Sci\./);
    expect(existsSync(path.join(out, 'figures', 'contact_papers.svg'))).toBe(true);
    const svg = readFileSync(path.join(out, 'figures', 'contact_papers.svg'), 'utf8');
    expect(svg).toContain('Doux et al. 2020');
  }, 600_000);
});
