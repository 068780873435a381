/**
 * Depleted-map snapshots (S002 Fig 5e–g style): black = depleted, Li shaded by the remaining
 * thickness (viridis, 0 … max remaining), grey = outside the map, dark red = voided (current mode).
 * The raster goes into an SVG page with title, colour bar and µm scale bar and is rendered to PNG
 * with resvg and the bundled DejaVu Sans font.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode } from 'fast-png';
import { Resvg } from '@resvg/resvg-js';

let fontPath: string | null | undefined;
/** data/fonts/DejaVuSans.ttf, found by walking up from this module (works from src/ and dist/). */
export function bundledFont(): string | null {
  if (fontPath !== undefined) return fontPath;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const f = path.join(dir, 'data', 'fonts', 'DejaVuSans.ttf');
    if (existsSync(f)) return (fontPath = f);
    const parent = path.dirname(dir);
    if (parent === dir) return (fontPath = null);
    dir = parent;
  }
}

export function svgToPng(svg: string): Uint8Array {
  const font = bundledFont();
  const r = new Resvg(svg, {
    font: font ? { fontFiles: [font], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' } : { loadSystemFonts: false },
  });
  return r.render().asPng();
}

const VIRIDIS = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];
export function viridis(u: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, u)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i];
  const b = VIRIDIS[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f].map(Math.round) as [number, number, number];
}

export interface SnapshotInput {
  /** Remaining thickness per pixel (µm): > 0 Li, 0 depleted, NaN/negative masked. */
  remaining: ArrayLike<number>;
  ny: number;
  nx: number;
  title: string;
  /** Second title line (smaller). */
  subtitle?: string;
  /** Pixel size in µm (x), for the scale bar; null: no scale bar. */
  pixelUm: number | null;
  /** Optional: pixels that lost contact (voids), drawn dark red. */
  voided?: Uint8Array;
  /** Colour-scale maximum (µm); default: max remaining. Give the same value to every snapshot of a replay so they compare. */
  vmax?: number;
}

/** Raster RGB (nearest-neighbour reduced so the long side is ≤ maxSide). */
export function snapshotRaster(s: SnapshotInput, maxSide = 1024): { rgb: Uint8Array; w: number; h: number; step: number } {
  const step = Math.max(1, Math.ceil(Math.max(s.ny, s.nx) / maxSide));
  const w = Math.ceil(s.nx / step);
  const h = Math.ceil(s.ny / step);
  let vmax = s.vmax ?? 0;
  if (!(vmax > 0)) for (let i = 0; i < s.remaining.length; i++) if (s.remaining[i] > vmax) vmax = s.remaining[i];
  const lut = Array.from({ length: 256 }, (_, i) => viridis(i / 255));
  const rgb = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const p = y * step * s.nx + x * step;
      const v = s.remaining[p];
      const o = (y * w + x) * 3;
      let c: ArrayLike<number>;
      if (s.voided && s.voided[p]) c = [120, 0, 0];
      else if (!(v >= 0)) c = [140, 140, 140];
      else if (v === 0) c = [0, 0, 0];
      else c = lut[Math.min(255, Math.max(0, Math.round((v / (vmax || 1)) * 255)))];
      rgb[o] = c[0];
      rgb[o + 1] = c[1];
      rgb[o + 2] = c[2];
    }
  return { rgb, w, h, step };
}

const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Snapshot page as SVG (raster embedded as a PNG data URI). */
export function snapshotSvg(s: SnapshotInput): string {
  const { rgb, w, h, step } = snapshotRaster(s);
  const png = encode({ width: w, height: h, data: rgb, channels: 3, depth: 8 });
  const href = `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
  // the report shows a snapshot ~360 px wide, about half this page: text sizes are chosen for that
  const disp = 560;
  const scale = disp / Math.max(w, h);
  const iw = w * scale;
  const ih = h * scale;
  const left = 20;
  const top = s.subtitle ? 92 : 60;
  const W = left + iw + 150;
  const H = top + ih + 70;
  let vmax = s.vmax ?? 0;
  if (!(vmax > 0)) for (let i = 0; i < s.remaining.length; i++) if (s.remaining[i] > vmax) vmax = s.remaining[i];
  const o: string[] = [];
  o.push(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${Math.ceil(W)}" height="${Math.ceil(H)}" font-family="DejaVu Sans" font-size="20">`);
  o.push(`<rect width="100%" height="100%" fill="white"/>`);
  o.push(`<text data-role="title" x="${left}" y="36" font-size="28">${esc(s.title)}</text>`);
  if (s.subtitle) o.push(`<text data-role="subtitle" x="${left}" y="72" font-size="22" fill="#333">${esc(s.subtitle)}</text>`);
  o.push(`<image x="${left}" y="${top}" width="${iw}" height="${ih}" preserveAspectRatio="none" image-rendering="optimizeSpeed" xlink:href="${href}" href="${href}"/>`);
  // colour bar
  const cbx = left + iw + 20;
  const cbh = ih * 0.8;
  o.push('<defs><linearGradient id="cb" x1="0" y1="1" x2="0" y2="0">');
  for (let i = 0; i < VIRIDIS.length; i++) o.push(`<stop offset="${i / (VIRIDIS.length - 1)}" stop-color="rgb(${VIRIDIS[i].join(',')})"/>`);
  o.push('</linearGradient></defs>');
  o.push(`<rect x="${cbx}" y="${top}" width="16" height="${cbh}" fill="url(#cb)" stroke="#333"/>`);
  o.push(`<text data-role="vmax" x="${cbx + 22}" y="${top + 16}">${+vmax.toPrecision(3)} µm</text>`);
  o.push(`<text x="${cbx + 22}" y="${top + cbh}">0</text>`);
  o.push(`<rect x="${cbx}" y="${top + cbh + 12}" width="16" height="16" fill="black"/><text x="${cbx + 22}" y="${top + cbh + 27}">depleted</text>`);
  if (s.voided) o.push(`<rect x="${cbx}" y="${top + cbh + 36}" width="16" height="16" fill="rgb(120,0,0)"/><text x="${cbx + 22}" y="${top + cbh + 51}">void</text>`);
  // scale bar: a round length near 1/4 of the image width
  if (s.pixelUm && s.pixelUm > 0) {
    const widthUm = s.nx * s.pixelUm;
    const target = widthUm / 4;
    const p10 = 10 ** Math.floor(Math.log10(target));
    const len = [5, 2, 1].map((m) => m * p10).find((v) => v <= target) ?? p10;
    const lenPx = (len / s.pixelUm / step) * scale;
    const y = top + ih + 28;
    o.push(`<rect x="${left}" y="${y}" width="${lenPx}" height="8" fill="black"/>`);
    o.push(`<text x="${left + lenPx + 10}" y="${y + 10}">${len} µm</text>`);
  }
  o.push('</svg>');
  return o.join('\n');
}

export function snapshotPng(s: SnapshotInput): Uint8Array {
  return svgToPng(snapshotSvg(s));
}
