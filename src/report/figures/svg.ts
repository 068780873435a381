/**
 * SVG figures (map with colour bar and scale bar, histogram) and their rasterisation with resvg,
 * using the bundled DejaVu Sans so figures render the same on every machine.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Resvg } from '@resvg/resvg-js';
import type { ColormapName } from './colormaps.js';
import { colorAt } from './colormaps.js';
import { colorbarPng, finiteRange, mapToPng } from './png.js';

export const FONT_FAMILY = 'DejaVu Sans';

/** data/fonts/DejaVuSans.ttf found by walking up from this module (src/ or dist/src/). */
export function fontPath(): string | null {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const p = path.join(dir, 'data', 'fonts', 'DejaVuSans.ttf');
    if (existsSync(p)) return p;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const fmtNum = (v: number) => {
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(1);
  return String(+v.toPrecision(4));
};

/** About n "nice" tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, n = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = mag;
  for (const m of [1, 2, 2.5, 5, 10]) {
    step = m * mag;
    if (step >= raw) break;
  }
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(+v.toPrecision(12));
  return out;
}

/** A "nice" scale-bar length (1, 2, 5 × 10^k) near `target`. */
export function niceLength(target: number): number {
  if (!(target > 0)) return 1;
  const mag = 10 ** Math.floor(Math.log10(target));
  let best = mag;
  for (const m of [1, 2, 5, 10]) if (m * mag <= target) best = m * mag;
  return best;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/**
 * Map rasters are upscaled without smoothing everywhere: resvg (the PNGs) reads the attribute
 * image-rendering="optimizeSpeed" and skips @media blocks; browsers ignore optimizeSpeed but apply
 * the @media rule. (A plain `style="image-rendering:pixelated"` is unknown to resvg and made it smooth.)
 */
export const PIXELATED_STYLE = '<style>@media all { image[image-rendering="optimizeSpeed"] { image-rendering: pixelated; } }</style>';

export interface MapFigureOptions {
  /** Row-major values, `rows × cols`. */
  values: ArrayLike<number>;
  rows: number;
  cols: number;
  /** µm per pixel [row, col]. */
  pixelUm: [number, number];
  title?: string;
  /** Colour-bar label, e.g. 'Li thickness (µm)'. */
  label?: string;
  colormap?: ColormapName;
  vmin?: number;
  vmax?: number;
  /** Extra lines under the title. */
  subtitle?: string;
  /** A statement printed across the middle of the map (e.g. that a flat map is uniform). */
  annotation?: string;
}

/** Map figure: the map in physical aspect, colour bar with ticks, scale bar in µm. */
export function mapFigureSvg(o: MapFigureOptions): string {
  const cmap = o.colormap ?? 'inferno';
  const range = finiteRange(o.values);
  const vmin = o.vmin ?? Math.min(0, range.min);
  const vmax = o.vmax ?? (range.max > vmin ? range.max : vmin + 1);
  const physW = o.cols * o.pixelUm[1];
  const physH = o.rows * o.pixelUm[0];
  const maxW = 520;
  const maxH = 520;
  const scale = Math.min(maxW / physW, maxH / physH);
  const w = physW * scale;
  const h = physH * scale;
  const left = 40;
  const top = o.subtitle ? 78 : 58;
  const cbX = left + w + 28;
  const cbW = 18;
  const W = cbX + cbW + 100;
  const H = top + h + 70;
  const mapPng = mapToPng(o.values, o.cols, o.rows, { vmin, vmax, colormap: cmap });
  const bar = colorbarPng(cmap, 256);
  const ticks = niceTicks(vmin, vmax, 5).filter((v) => v >= vmin - 1e-9 && v <= vmax + 1e-9);
  const yOf = (v: number) => top + h - ((v - vmin) / (vmax - vmin)) * h;
  const sbUm = niceLength(physW * 0.25);
  const sbPx = sbUm * scale;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${W.toFixed(1)}" height="${H.toFixed(1)}" viewBox="0 0 ${W.toFixed(1)} ${H.toFixed(1)}" font-family="${FONT_FAMILY}">`);
  parts.push(PIXELATED_STYLE);
  parts.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  if (o.title) parts.push(`<text x="${left}" y="30" font-size="18" fill="#111">${escapeXml(o.title)}</text>`);
  if (o.subtitle) parts.push(`<text x="${left}" y="52" font-size="12" fill="#444">${escapeXml(o.subtitle)}</text>`);
  parts.push(`<rect x="${left - 0.5}" y="${top - 0.5}" width="${(w + 1).toFixed(2)}" height="${(h + 1).toFixed(2)}" fill="#d0d0d0" stroke="#333" stroke-width="1"/>`);
  parts.push(`<image x="${left}" y="${top}" width="${w.toFixed(2)}" height="${h.toFixed(2)}" preserveAspectRatio="none" image-rendering="optimizeSpeed" xlink:href="data:image/png;base64,${b64(mapPng)}" href="data:image/png;base64,${b64(mapPng)}"/>`);
  if (o.annotation) {
    const boxW = Math.min(w - 16, 7.2 * o.annotation.length + 24);
    const cy = top + h / 2;
    parts.push(`<rect data-annotation="" x="${(left + (w - boxW) / 2).toFixed(2)}" y="${(cy - 18).toFixed(2)}" width="${boxW.toFixed(2)}" height="30" rx="4" fill="#ffffff" fill-opacity="0.88" stroke="#333" stroke-width="0.8"/>`);
    parts.push(`<text x="${(left + w / 2).toFixed(2)}" y="${(cy + 2).toFixed(2)}" font-size="${boxW < 7.2 * o.annotation.length + 24 ? 11 : 13}" fill="#111" text-anchor="middle">${escapeXml(o.annotation)}</text>`);
  }
  // colour bar
  parts.push(`<image x="${cbX}" y="${top}" width="${cbW}" height="${h.toFixed(2)}" preserveAspectRatio="none" href="data:image/png;base64,${b64(bar)}"/>`);
  parts.push(`<rect x="${cbX}" y="${top}" width="${cbW}" height="${h.toFixed(2)}" fill="none" stroke="#333" stroke-width="1"/>`);
  for (const t of ticks) {
    const y = yOf(t);
    parts.push(`<line x1="${cbX + cbW}" y1="${y.toFixed(2)}" x2="${cbX + cbW + 5}" y2="${y.toFixed(2)}" stroke="#333"/>`);
    parts.push(`<text x="${cbX + cbW + 8}" y="${(y + 4).toFixed(2)}" font-size="12" fill="#111">${fmtNum(t)}</text>`);
  }
  if (o.label) {
    const cx = cbX + cbW + 62;
    const cy = top + h / 2;
    parts.push(`<text x="${cx}" y="${cy}" font-size="13" fill="#111" text-anchor="middle" transform="rotate(-90 ${cx} ${cy})">${escapeXml(o.label)}</text>`);
  }
  // scale bar below the map
  const sy = top + h + 24;
  parts.push(`<rect x="${left}" y="${sy}" width="${sbPx.toFixed(2)}" height="6" fill="#111"/>`);
  parts.push(`<text x="${(left + sbPx / 2).toFixed(2)}" y="${sy + 24}" font-size="13" fill="#111" text-anchor="middle">${fmtNum(sbUm)} µm</text>`);
  parts.push(`<text x="${(left + w).toFixed(2)}" y="${sy + 24}" font-size="11" fill="#555" text-anchor="end">${fmtNum(physW)} × ${fmtNum(physH)} µm, ${o.cols} × ${o.rows} px</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

export interface HistogramOptions {
  edges: number[];
  counts: number[];
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Vertical markers, e.g. the mean. */
  markers?: Array<{ value: number; label: string; color?: string; /** data-marker attribute (what the line marks, e.g. 'threshold'). */ kind?: string; dash?: string }>;
  colormap?: ColormapName;
}

/** Bar histogram; bars coloured by the colour map at their centre value. */
export function histogramSvg(o: HistogramOptions): string {
  const W = 720;
  const H = 440;
  const left = 80, right = 30, top = 50, bottom = 70;
  const pw = W - left - right;
  const ph = H - top - bottom;
  const x0 = o.edges[0];
  const x1 = o.edges[o.edges.length - 1];
  const cmax = Math.max(1, ...o.counts);
  const xs = (v: number) => left + ((v - x0) / (x1 - x0 || 1)) * pw;
  const ys = (c: number) => top + ph - (c / cmax) * ph;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${FONT_FAMILY}">`);
  parts.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  if (o.title) parts.push(`<text x="${left}" y="30" font-size="18" fill="#111">${escapeXml(o.title)}</text>`);
  for (let b = 0; b < o.counts.length; b++) {
    const xa = xs(o.edges[b]);
    const xb = xs(o.edges[b + 1]);
    const y = ys(o.counts[b]);
    const mid = (o.edges[b] + o.edges[b + 1]) / 2;
    const fill = colorAt(0.15 + 0.7 * ((mid - x0) / (x1 - x0 || 1)), o.colormap ?? 'inferno');
    parts.push(`<rect x="${xa.toFixed(2)}" y="${y.toFixed(2)}" width="${Math.max(0.5, xb - xa - 0.6).toFixed(2)}" height="${(top + ph - y).toFixed(2)}" fill="${fill}"/>`);
  }
  parts.push(`<line x1="${left}" y1="${top + ph}" x2="${left + pw}" y2="${top + ph}" stroke="#333"/>`);
  parts.push(`<line x1="${left}" y1="${top}" x2="${left}" y2="${top + ph}" stroke="#333"/>`);
  for (const t of niceTicks(x0, x1, 8)) {
    const x = xs(t);
    parts.push(`<line x1="${x.toFixed(2)}" y1="${top + ph}" x2="${x.toFixed(2)}" y2="${top + ph + 5}" stroke="#333"/>`);
    parts.push(`<text x="${x.toFixed(2)}" y="${top + ph + 20}" font-size="12" text-anchor="middle" fill="#111">${fmtNum(t)}</text>`);
  }
  for (const t of niceTicks(0, cmax, 5)) {
    const y = ys(t);
    parts.push(`<line x1="${left - 5}" y1="${y.toFixed(2)}" x2="${left}" y2="${y.toFixed(2)}" stroke="#333"/>`);
    parts.push(`<text x="${left - 8}" y="${(y + 4).toFixed(2)}" font-size="12" text-anchor="end" fill="#111">${fmtNum(t)}</text>`);
  }
  let shown = 0;
  for (const m of o.markers ?? []) {
    if (!Number.isFinite(m.value)) continue;
    const x = xs(m.value);
    const c = m.color ?? '#1f77b4';
    const kind = m.kind ? ` data-marker="${escapeXml(m.kind)}"` : '';
    parts.push(`<line${kind} x1="${x.toFixed(2)}" y1="${top}" x2="${x.toFixed(2)}" y2="${top + ph}" stroke="${c}" stroke-width="2" stroke-dasharray="${m.dash ?? '6 4'}"/>`);
    // labels stepped down in turn so markers close together stay readable
    parts.push(`<text x="${(x + 4).toFixed(2)}" y="${top + 14 + 14 * (shown++ % 4)}" font-size="12" fill="${c}">${escapeXml(m.label)}</text>`);
  }
  if (o.xLabel) parts.push(`<text x="${left + pw / 2}" y="${H - 20}" font-size="14" text-anchor="middle" fill="#111">${escapeXml(o.xLabel)}</text>`);
  const yl = o.yLabel ?? 'count';
  parts.push(`<text x="22" y="${top + ph / 2}" font-size="14" text-anchor="middle" fill="#111" transform="rotate(-90 22 ${top + ph / 2})">${escapeXml(yl)}</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

/**
 * Rasterise an SVG with resvg at `widthPx` (default 2400 px: ≥ 300 dpi at 8 inches) with the
 * bundled font only (no system fonts).
 */
export function svgToPng(svg: string, widthPx = 2400): Uint8Array {
  const font = fontPath();
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'width', value: widthPx },
    background: '#ffffff',
    font: font ? { fontFiles: [font], loadSystemFonts: false, defaultFontFamily: FONT_FAMILY } : { loadSystemFonts: true },
  });
  return resvg.render().asPng();
}
