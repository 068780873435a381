/**
 * The viewer on a folder made by `buried run` (the run pipeline, not the CLI commands one by one):
 * the Contact FEM tab has its interface fields (fem/profiles.csv, written by the run's fem stage in
 * the format of `buried fem contact`) and its history, and renders them.
 */
import { renameSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverRun } from '../../src/view/run-dir.js';
import { readRunDocs } from '../../src/io/run-folder.js';
import { startViewServer, type ViewServer } from '../../src/view/server.js';
import { openBrowser, type BrowserSession } from '../../src/view/browser.js';
import { cli, requireAvailable, tempDir } from '../helpers.js';
import { colourCount, decodePng, ensureViewerBuilt, lumaVariance, noChromium, CHROMIUM } from './helpers.js';

let runDir = '';
let server: ViewServer;
beforeAll(async () => {
  runDir = path.join(tempDir('buried-view-runpipe-'), 'run');
  const r = cli(['run', '-o', runDir, '--quiet', '--workers', '2', '--set', 'strip.steps=20', '--set', 'strip.current_steps=4', '--set', 'strip.solve_grid=16', '--set', 'current.grid=32', '--set', 'fem.pressures=1,5', '--set', 'fem.hold_s=60', '--set', 'report.figure_width_px=600']);
  expect(r.status, r.stderr).toBe(0);
  server = await startViewServer({ dir: runDir });
}, 240_000);
afterAll(async () => server?.close());

describe('viewer on a buried run folder', () => {
  it('finds the contact FEM files and offers every view the run has data for', async () => {
    const files = discoverRun(runDir);
    expect(files.profiles_csv).toBe(path.join(runDir, 'fem', 'profiles.csv'));
    expect(files.contact_csv).toBe(path.join(runDir, 'fem', 'contact.csv'));
    const run = (await (await fetch(`${server.url}api/run`)).json()) as { views: Record<string, boolean> };
    expect(run.views).toMatchObject({ labels: true, thickness: true, strip: true, current: true, fem: true });
    // the interface fields of the highest pressure at the first and last record, as buried fem contact writes them
    const head = readFileSync(files.profiles_csv!, 'utf8').split('\n')[0].split(',');
    expect(head[0]).toBe('x_um');
    expect(head.filter((c) => c.startsWith('p_mpa_t'))).toHaveLength(2);
    expect(head.at(-1)).toBe('current_ratio_end');
  });

  it('holds every file the one run-folder definition names, and its typed reader reads each stage document', async () => {
    const files = discoverRun(runDir);
    const missing = Object.entries(files).filter(([k, v]) => v === null && k !== 'scan').map(([k]) => k);
    expect(missing).toEqual([]);
    const docs = await readRunDocs(runDir);
    expect(Object.entries(docs).filter(([, v]) => v === null).map(([k]) => k)).toEqual([]);
    // the documents carry the fields the report and the batch summary read
    expect(docs.segment?.shape).toHaveLength(3);
    expect(docs.thickness?.mean_um).toBeGreaterThan(5);
    expect(docs.iface?.contact_fraction).toBeGreaterThan(0.5);
    expect(docs.stripping?.uniform?.rows?.length).toBe(21);
    expect(docs.current?.resistance_ohm_cm2).toBeGreaterThan(0);
    expect(docs.contact?.runs?.map((r) => r.pressure_mpa)).toEqual([1, 5]);
    expect(docs.manifest?.stages?.map((x) => x.stage)).toEqual(['segment', 'thickness', 'pores', 'strip', 'current', 'fem', 'report']);
  });

  it('renders the Contact FEM tab with its interface charts (more than the history alone)', async (ctx) => {
    requireAvailable(ctx, noChromium);
    ensureViewerBuilt();
    const session: BrowserSession = await openBrowser(CHROMIUM, 900, 560);
    try {
      const render = async () => {
        await session.page.goto(`${server.url}?view=fem`);
        await session.page.waitForFunction(() => (window as unknown as { __buriedReady?: boolean; __buriedError?: string }).__buriedReady === true || Boolean((window as unknown as { __buriedError?: string }).__buriedError), undefined, { timeout: 45_000 });
        expect(await session.page.evaluate(() => (window as unknown as { __buriedError?: string }).__buriedError ?? null)).toBeNull();
        return decodePng(await session.page.locator('#stage').screenshot());
      };
      const full = await render();
      expect(lumaVariance(full)).toBeGreaterThan(150);
      // without profiles.csv (a run folder before this change) only the history is drawn
      const file = path.join(runDir, 'fem', 'profiles.csv');
      renameSync(file, `${file}.away`);
      let bare;
      try {
        await server.close();
        server = await startViewServer({ dir: runDir });
        bare = await render();
      } finally {
        renameSync(`${file}.away`, file);
      }
      expect(colourCount(full)).toBeGreaterThan(colourCount(bare));
    } finally {
      await session.close();
    }
  }, 120_000);
});
