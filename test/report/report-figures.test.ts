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

  it('stripping chart: one legend whose entries draw uniform solid and current-aware dashed; reference points cite the paper, not "S002"', async () => {
    const { renderVegaLite, strippingSpec } = await import('../../src/report/charts/index.js');
    const { S002_REFERENCE } = await import('../../src/strip/index.js');
    const pts = [0, 0.25, 0.5, 0.75, 0.9].flatMap((x) => [
      { mode: 'uniform' as const, stripped_fraction: x, active_fraction: 1 - x * x, current_multiplier: 1 / (1 - x * x) },
      { mode: 'current-aware' as const, stripped_fraction: x, active_fraction: 1 - x ** 1.5, current_multiplier: 1 / (1 - x ** 1.5) },
    ]);
    const refs = S002_REFERENCE.map((r) => ({ stripped_fraction: r.stripped_fraction, active_fraction: r.active_fraction, label: r.source }));
    const svg = await renderVegaLite(strippingSpec(pts, refs));
    // the legend group: each entry is a symbol + label; the symbol of 'current-aware' is dashed, 'uniform' is not
    const legend = svg.slice(svg.indexOf('role-legend'));
    const entry = (label: string) => {
      const at = legend.indexOf(`>${label}</text>`);
      expect(at, `legend entry ${label}`).toBeGreaterThan(0);
      // the symbol path right before its label
      const before = legend.slice(0, at);
      return before.slice(before.lastIndexOf('<path'));
    };
    expect(entry('current-aware')).toMatch(/stroke-dasharray="6,3"/);
    expect(entry('uniform')).not.toMatch(/stroke-dasharray="6/);
    const all = texts(svg);
    expect(all.some((t) => t.startsWith('S002'))).toBe(false);
    expect(all).toContain('Lewis et al. 2023, Fig 5e');
  });
});

describe('report numbers and maps that state what they show', () => {
  it('constriction: |value| below 0.1 % of the total resistance prints as 0 and says why; a resolved value prints as computed', async () => {
    const { constrictionText, CONSTRICTION_ACCURACY } = await import('../../src/pipeline/report.js');
    expect(CONSTRICTION_ACCURACY).toBe(1e-3);
    // the case: −0.00247 Ω·cm² at full contact on a 10 Ω·cm² cell (2.5e-4 of it)
    const t = constrictionText(-0.00247, 10.0, 3);
    expect(t.startsWith('0 Ω·cm² (computed -0.00247')).toBe(true);
    expect(t).toContain("below the solver's accuracy");
    expect(constrictionText(0.00247, 10.0, 3).startsWith('0 Ω·cm²')).toBe(true);
    // 0.1 % is resolved: printed as it is, sign and all
    expect(constrictionText(0.0101, 10.0, 3)).toBe('0.0101 Ω·cm²');
    expect(constrictionText(-0.02, 10.0, 3)).toBe('-0.02 Ω·cm²');
    expect(constrictionText(null, 10.0)).toBe('—');
  });

  it('current-density map at full contact says on the map that the current density is uniform; a partial-contact map does not', async () => {
    const { currentDensityFigureSvg } = await import('../../src/pipeline/stages.js');
    const ones = new Float64Array(8 * 8).fill(1);
    const full = await currentDensityFigureSvg(ones, 8, 8, [2, 2], { contact_fraction: 1, hotspots: { p99: 1, max: 1 } });
    expect(texts(full)).toContain('uniform current density: full contact, j / j̄ = 1 everywhere');
    expect(full).toContain('data-annotation');
    const part = Float64Array.from(ones, (_, i) => (i % 3 === 0 ? 0 : 1.5));
    const partial = await currentDensityFigureSvg(part, 8, 8, [2, 2], { contact_fraction: 0.66, hotspots: { p99: 1.5, max: 1.5 } });
    expect(partial).not.toContain('uniform current density');
    expect(partial).not.toContain('data-annotation');
  });
});

describe('depletion snapshots', () => {
  it('titles are legible at the report size (≥ 11 px when the page is shown 360 px wide)', async () => {
    const { snapshotSvg } = await import('../../src/strip/snapshot.js');
    const svg = snapshotSvg({ remaining: new Float32Array(128 * 128).fill(3), ny: 128, nx: 128, title: 'uniform: 64.0 % stripped', subtitle: '91.0 % active, j ×1.10', pixelUm: 2 });
    const W = Number(svg.match(/<svg[^>]* width="([\d.]+)"/)![1]);
    const size = (role: string) => Number(svg.match(new RegExp(`data-role="${role}"[^>]*font-size="([\\d.]+)"`))![1]);
    expect(size('title') * (360 / W)).toBeGreaterThanOrEqual(11);
    expect(size('subtitle') * (360 / W)).toBeGreaterThanOrEqual(9);
  });

  it('every snapshot of a replay uses one colour scale: a pixel with 4 µm left has the same colour in each, whatever else is left', async () => {
    const { writeStripOutputs, snapshotName } = await import('../../src/strip/index.js');
    const { snapshotSvg } = await import('../../src/strip/snapshot.js');
    const { readFileSync } = await import('node:fs');
    const path = await import('node:path');
    const { tempDir } = await import('../helpers.js');
    const dir = tempDir('i22-snap-');
    const n = 4;
    const a = new Float32Array(n * n).fill(4);
    a[n * n - 1] = 10; // the thickest column, in the first snapshot only
    const b = new Float32Array(n * n).fill(4);
    const snap = (remaining: Float32Array, fr: number) => ({ stripped_fraction: fr, remaining, active_fraction: 1, ny: n, nx: n, pixelUm: 1, mode: 'uniform' });
    await writeStripOutputs(dir, { json: {}, csvRows: [], chart: [], snapshots: [snap(a, 0.1), snap(b, 0.5)], title: 't' });
    // where the raster sits on the page (same layout for both)
    const svg = snapshotSvg({ remaining: a, ny: n, nx: n, title: 't', subtitle: 's', pixelUm: 1 });
    const [ix, iy, iw] = svg.match(/<image x="([\d.]+)" y="([\d.]+)" width="([\d.]+)"/)!.slice(1).map(Number);
    const colourAt = (file: string) => {
      const png = decode(readFileSync(path.join(dir, file)));
      const x = Math.round(ix + iw * 0.375);
      const y = Math.round(iy + iw * 0.375); // raster cell (1, 1): 4 µm in both
      const i = (y * png.width + x) * png.channels;
      return [png.data[i], png.data[i + 1], png.data[i + 2]];
    };
    const ca = colourAt(snapshotName('uniform', 0.1));
    const cb = colourAt(snapshotName('uniform', 0.5));
    expect(cb).toEqual(ca);
    // and it is the colour of 4/10 of the scale, not the top of it (the old per-panel scale made b all yellow)
    expect(cb[0]).toBeLessThan(120);
  });
});

