/**
 * The Contact FEM tab's history chart on a run folder whose fem/contact.csv holds two stack
 * pressures one after the other (the run's fem stage writes it so: pressure_mpa first, t starting
 * again at 0 for each pressure): one line per pressure, with a legend, and no line joining the end of
 * one run to the start of the next. The CSV is hand-made here with known values.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startViewServer, type ViewServer } from '../../src/view/server.js';
import { openBrowser, type BrowserSession } from '../../src/view/browser.js';
import { requireAvailable, tempDir } from '../helpers.js';
import { decodePng, ensureViewerBuilt, noChromium, CHROMIUM, type Decoded } from './helpers.js';
import { SERIES_COLORS } from '../../viewer/src/colors.js';

type RGB = [number, number, number];
const hex = (h: string): RGB => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16)) as RGB;
const rgbAt = (img: Decoded, x: number, y: number): RGB => {
  const k = (y * img.width + x) * img.channels;
  return [img.data[k], img.data[k + 1], img.data[k + 2]];
};
/** Is p the colour c laid with coverage α ≥ 0.3 over white or a light grid line (an anti-aliased line)? */
function tinted(p: RGB, c: RGB): boolean {
  for (let a = 0.3; a <= 1.0001; a += 0.05) {
    const q = p.map((v, i) => v - a * c[i]);
    if (Math.max(...q) - Math.min(...q) < 20 && Math.min(...q) > -12 && Math.max(...q) < 255 * (1 - a) + 12) return true;
  }
  return false;
}

// the two runs: contact fraction and mean contact pressure linear in t over 0…60 s
const T = Array.from({ length: 13 }, (_, i) => i * 5);
const RUNS = [
  { p: 1, cf: (t: number) => 0.1 + (0.2 * t) / 60, mp: (t: number) => 0.5 + (0.5 * t) / 60 },
  { p: 5, cf: (t: number) => 0.5 + (0.2 * t) / 60, mp: (t: number) => 4 + t / 60 },
];

describe('viewer: Contact FEM history of a run with two stack pressures', () => {
  let server: ViewServer;
  let session: BrowserSession;
  beforeEach((ctx) => requireAvailable(ctx, noChromium));
  beforeAll(async () => {
    if (noChromium) return;
    ensureViewerBuilt();
    const run = path.join(tempDir('buried-view-femhist-'), 'run');
    mkdirSync(path.join(run, 'fem'), { recursive: true });
    const lines = ['pressure_mpa,t_s,contact_fraction,mean_contact_pressure_mpa,max_contact_pressure_mpa,void_area_um2,li_top_displacement_um'];
    for (const r of RUNS) for (const t of T) lines.push([r.p, t, r.cf(t), r.mp(t), 2 * r.mp(t), 1, 0.1].join(','));
    writeFileSync(path.join(run, 'fem', 'contact.csv'), `${lines.join('\n')}\n`);
    server = await startViewServer({ dir: run });
    session = await openBrowser(CHROMIUM, 900, 560);
  }, 60_000);
  afterAll(async () => {
    await session?.close();
    await server?.close();
  });

  it('draws one contact-fraction line per pressure in its own colour, a legend with both, and nothing joining the runs', async () => {
    await session.page.goto(`${server.url}?view=fem`);
    await session.page.waitForFunction(() => (window as unknown as { __buriedReady?: boolean; __buriedError?: string }).__buriedReady === true || Boolean((window as unknown as { __buriedError?: string }).__buriedError), undefined, { timeout: 45_000 });
    expect(await session.page.evaluate(() => (window as unknown as { __buriedError?: string }).__buriedError ?? null)).toBeNull();
    const img = decodePng(await session.page.locator('#chart').screenshot());
    // the history chart is the bottom-right quarter; drawChart's frame (viewer/src/chart.ts), with a right axis
    const [ox, oy, w, h] = [img.width / 2, img.height / 2, img.width / 2, img.height / 2];
    const s = Math.max(0.8, Math.min(2.2, Math.min(w / 420, h / 260)));
    const f = { left: ox + 58 * s, right: ox + w - 58 * s, top: oy + 30 * s, bottom: oy + h - 42 * s };
    const px = (t: number) => f.left + (t / 60) * (f.right - f.left);
    const py = (v: number) => f.bottom - v * (f.bottom - f.top); // left axis 0…1
    const colours = RUNS.map((_, k) => hex(SERIES_COLORS[k]));
    expect(colours[0]).not.toEqual(colours[1]);
    const legendBottom = f.top + 50 * s;
    for (const [k, r] of RUNS.entries()) {
      let tried = 0;
      const missing: string[] = [];
      for (let X = Math.ceil(f.left) + 3; X < f.right - 3; X++) {
        const t = ((X - f.left) / (f.right - f.left)) * 60;
        const y = py(r.cf(t));
        if (y < legendBottom) continue;
        tried++;
        let found = false;
        for (let yy = Math.floor(y - 3); yy <= Math.ceil(y + 3) && !found; yy++) if (tinted(rgbAt(img, X, yy), colours[k])) found = true;
        if (!found) missing.push(`t ${t.toFixed(1)}`);
      }
      console.log(`fem history ${r.p} MPa: ${tried} columns, ${missing.length} without the line`);
      expect(tried).toBeGreaterThan(150);
      expect(missing.length / tried, `${r.p} MPa line missing at ${missing.slice(0, 4).join(', ')}`).toBeLessThan(0.05);
    }
    // the legend (top rows of the frame) shows both colours
    for (const [k, c] of colours.entries()) {
      let n = 0;
      for (let y = Math.floor(f.top); y < legendBottom; y++) for (let x = Math.floor(f.left); x < f.right; x++) if (tinted(rgbAt(img, x, y), c)) n++;
      expect(n, `legend swatches of run ${k}`).toBeGreaterThan(15);
    }
    // nothing between the runs' lines in the middle of the time axis: a line from the end of the
    // 1 MPa run (60 s) back to the start of the 5 MPa run (0 s) would cross here (0.4 at 30 s)
    let between = 0;
    for (let X = Math.round(px(25)); X <= px(35); X++) {
      for (let y = Math.round(py(0.5)); y <= py(0.32); y++) if (colours.some((c) => tinted(rgbAt(img, X, y), c))) between++;
    }
    expect(between).toBe(0);
  });
});
