/**
 * Issue #22 (report): what the report's figures show. Each test reads the generated SVG / PNG
 * back (text of tick labels and legends, pixel blocks of the rasterised maps).
 */
import { describe, expect, it } from 'vitest';
import { decode } from 'fast-png';
import { mapFigureSvg, svgToPng } from '../../src/report/figures/index.js';

/** Distinct RGB colours inside a box of a decoded PNG. */
function coloursIn(png: ReturnType<typeof decode>, x0: number, y0: number, x1: number, y1: number): Set<string> {
  const set = new Set<string>();
  const c = png.channels;
  for (let y = Math.ceil(y0); y < Math.floor(y1); y++)
    for (let x = Math.ceil(x0); x < Math.floor(x1); x++) {
      const i = (y * png.width + x) * c;
      set.add(`${png.data[i]},${png.data[i + 1]},${png.data[i + 2]}`);
    }
  return set;
}

describe('report maps at print resolution', () => {
  it('a 16×16 checkerboard map upscaled to the 2400-px PNG keeps one flat colour per map pixel (nearest neighbour, no smoothing)', () => {
    const n = 16;
    const v = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) v[i * n + j] = (i + j) % 2;
    const svg = mapFigureSvg({ values: v, rows: n, cols: n, pixelUm: [1, 1], vmin: 0, vmax: 1 });
    const img = svg.match(/<image x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"/)!;
    const [ix, iy, iw, ih] = img.slice(1).map(Number);
    const W = Number(svg.match(/<svg[^>]* width="([\d.]+)"/)![1]);
    const png = decode(svgToPng(svg, 2400));
    expect(png.width).toBe(2400);
    const k = png.width / W;
    const cell = (iw / n) * k; // PNG pixels per map pixel (~110)
    expect(cell).toBeGreaterThan(50);
    // the whole map area holds exactly the two colours of the colour map's ends
    expect(coloursIn(png, (ix + 1) * k, (iy + 1) * k, (ix + iw - 1) * k, (iy + ih - 1) * k).size).toBe(2);
    // and each map pixel is one constant block up to its edges (1 PNG px of margin for the edge itself)
    for (const [r, c] of [[0, 0], [3, 7], [15, 15], [8, 1]]) {
      const x0 = ix * k + c * cell + 1;
      const y0 = iy * k + r * cell + 1;
      expect(coloursIn(png, x0, y0, x0 + cell - 2, y0 + cell - 2).size).toBe(1);
    }
  });
});

/** Text of every <text> element in an SVG, in document order. */
const texts = (svg: string) => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

describe('report charts', () => {
  it('contact vs time: the symmetric-log time axis is labelled in plain seconds (0, 1, 10, 100, 1000 s), not "0k 0k 0k 0.1k 1k"', async () => {
    const { contactTimeSpec, renderVegaLite } = await import('../../src/report/charts/index.js');
    const rows = [0, 0.5, 3, 30, 300, 1800].flatMap((t) => ['5 MPa', '10 MPa'].map((p) => ({ pressure: p, t, contact_fraction: Math.min(1, 0.3 + t / 3000) })));
    const svg = await renderVegaLite(contactTimeSpec(rows));
    const all = texts(svg);
    for (const l of ['0 s', '1 s', '10 s', '100 s', '1000 s']) expect(all).toContain(l);
    expect(all.filter((t) => /^[\d.]+k$/.test(t))).toEqual([]);
  });
});
