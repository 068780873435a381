/**
 * Issue #22 (report): report.html shown in a browser keeps map pixels sharp. resvg reads the SVG
 * attribute image-rendering="optimizeSpeed"; Chromium does not, so the page's CSS makes the map
 * rasters `pixelated`. Headless Chromium screenshots a page with a 16×16 checkerboard map.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { decode } from 'fast-png';
import { mapFigureSvg } from '../../src/report/figures/index.js';
import { renderReportHtml } from '../../src/report/html/index.js';
import { requireAvailable, tempDir } from '../helpers.js';
import { CHROMIUM, noChromium } from '../viewer/helpers.js';

/** Distinct colours inside the map of a Chromium screenshot of `file` (a 16×16 checkerboard map figure). */
function mapColoursInChromium(file: string): number {
  const shot = `${file}.png`;
  execFileSync(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--window-size=1200,1000', `--screenshot=${shot}`, `file://${file}`], { stdio: 'ignore', timeout: 60_000 });
  {
    const img = decode(readFileSync(shot));
    const c = img.channels;
    const px = (x: number, y: number) => [0, 1, 2].map((k) => img.data[(y * img.width + x) * c + k]);
    // the map's black cells and the colour bar's black end are the only near-black pixels: their box
    // runs from the map's left edge to the colour bar's right edge (map 520 + gap 28 + bar 18 units)
    let x0 = Infinity, x1 = -1, y0 = Infinity, y1 = -1;
    for (let y = 0; y < img.height; y++)
      for (let x = 0; x < img.width; x++) {
        const [r, g, b] = px(x, y);
        if (r < 8 && g < 8 && b < 12) {
          x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
        }
      }
    const s = (x1 - x0 + 1) / 566;
    const mapW = 520 * s;
    expect(mapW).toBeGreaterThan(400);
    const colours = new Set<string>();
    for (let y = Math.ceil(y0 + 2); y < y0 + mapW - 2; y++) for (let x = Math.ceil(x0 + 2); x < x0 + mapW - 2; x++) colours.add(px(x, y).join());
    return colours.size;
  }
}

describe('map figures in headless Chromium', () => {
  beforeEach((ctx) => requireAvailable(ctx, noChromium));
  const n = 16;
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) v[i * n + j] = (i + j) % 2;
  const svg = mapFigureSvg({ values: v, rows: n, cols: n, pixelUm: [1, 1], vmin: 0, vmax: 1 });
  const dir = tempDir('i22-report-browser-');

  it('in report.html a 16×16 checkerboard map, drawn ~520 px wide, shows exactly its two colours (no browser smoothing)', () => {
    const html = renderReportHtml({ title: 't', subtitle: 's', sections: [{ id: 'm', title: 'm', figures: [{ id: 'map', svg, caption: 'c' }] }], footer: 'f' });
    const page = path.join(dir, 'report.html');
    writeFileSync(page, html.replace(/<style>@media all[^<]*<\/style>/, ''));
    // the page's own CSS suffices (the SVG's @media rule taken out)
    expect(mapColoursInChromium(page)).toBe(2);
  });

  it('the figure SVG file opened on its own shows exactly the two colours too', () => {
    const file = path.join(dir, 'thickness_map.svg');
    writeFileSync(file, svg);
    expect(mapColoursInChromium(file)).toBe(2);
  });
});
