/**
 * The QC slice figure: xy, xz and yz planes through the scan's centre with the labels overlaid,
 * each panel in physical aspect (voxel size), and a legend of the label codes present.
 */
import type { CentreSlices, Plane } from '../../io/centre-slices.js';
import { LABEL_STYLES, greyWindow, overlayPng } from './label-overlay.js';
import { FONT_FAMILY, PIXELATED_STYLE, escapeXml } from './svg.js';

export interface SlicePanel {
  id: 'xy' | 'xz' | 'yz';
  title: string;
  png: Uint8Array;
  rows: number;
  cols: number;
  /** µm per pixel [row, col] after decimation (1 when the voxel size is unknown). */
  pixelUm: [number, number];
}

/** Overlay PNGs of the three planes; one grey window for all three so they compare. */
export function slicePanels(scan: CentreSlices, labels: CentreSlices, spacing: readonly [number, number, number] | null): SlicePanel[] {
  const [dz, dy, dx] = (spacing ?? [1, 1, 1]).map((v) => v * scan.stride);
  const all = new Float64Array(scan.xy.values.length + scan.xz.values.length + scan.yz.values.length);
  all.set(scan.xy.values, 0);
  all.set(scan.xz.values, scan.xy.values.length);
  all.set(scan.yz.values, scan.xy.values.length + scan.xz.values.length);
  const win = greyWindow(all);
  const [cz, cy, cx] = scan.centre;
  const panel = (id: SlicePanel['id'], title: string, g: Plane, l: Plane, pixelUm: [number, number]): SlicePanel => {
    if (g.rows !== l.rows || g.cols !== l.cols) throw new RangeError(`scan and labels differ in the ${id} plane: ${g.rows}×${g.cols} vs ${l.rows}×${l.cols}`);
    return { id, title, png: overlayPng(g.values, l.values, g.cols, g.rows, win), rows: g.rows, cols: g.cols, pixelUm };
  };
  return [
    panel('xy', `xy at z = ${cz}`, scan.xy, labels.xy, [dy, dx]),
    panel('xz', `xz at y = ${cy}`, scan.xz, labels.xz, [dz, dx]),
    panel('yz', `yz at x = ${cx}`, scan.yz, labels.yz, [dz, dy]),
  ];
}

/** Label codes present in the planes (for the legend). */
export function codesPresent(labels: CentreSlices): Set<number> {
  const s = new Set<number>();
  for (const p of [labels.xy, labels.xz, labels.yz]) for (const v of p.values) s.add(v);
  return s;
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

export function centreSlicesSvg(panels: SlicePanel[], present: Set<number>, title = 'Labels over the scan, through its centre'): string {
  const box = 300;
  const gap = 24;
  const left = 20;
  const top = 60;
  const sizes = panels.map((p) => {
    const w = p.cols * p.pixelUm[1];
    const h = p.rows * p.pixelUm[0];
    const k = box / Math.max(w, h);
    return { w: w * k, h: h * k };
  });
  const legendTop = top + box + 40;
  const styles = LABEL_STYLES.filter((s) => present.has(s.code));
  const W = left * 2 + panels.length * box + (panels.length - 1) * gap;
  const H = legendTop + 22 * Math.ceil(styles.length / 3) + 20;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="${FONT_FAMILY}">`);
  parts.push(PIXELATED_STYLE);
  parts.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  parts.push(`<text x="${left}" y="30" font-size="18" fill="#111">${escapeXml(title)}</text>`);
  panels.forEach((p, i) => {
    const x = left + i * (box + gap);
    const { w, h } = sizes[i];
    const href = `data:image/png;base64,${b64(p.png)}`;
    parts.push(`<text x="${x}" y="${top - 8}" font-size="13" fill="#111">${escapeXml(p.title)}</text>`);
    parts.push(`<image data-panel="${p.id}" x="${x}" y="${top}" width="${w.toFixed(2)}" height="${h.toFixed(2)}" preserveAspectRatio="none" image-rendering="optimizeSpeed" xlink:href="${href}" href="${href}"/>`);
    parts.push(`<rect x="${x - 0.5}" y="${top - 0.5}" width="${(w + 1).toFixed(2)}" height="${(h + 1).toFixed(2)}" fill="none" stroke="#333"/>`);
  });
  styles.forEach((s, i) => {
    const x = left + (i % 3) * 220;
    const y = legendTop + 22 * Math.floor(i / 3);
    const [r, g, b] = s.rgb;
    parts.push(`<rect data-legend="${s.code}" x="${x}" y="${y - 12}" width="16" height="16" fill="rgb(${r},${g},${b})" fill-opacity="${Math.max(s.alpha, 0.6)}" stroke="#333" stroke-width="0.5"/>`);
    parts.push(`<text x="${x + 22}" y="${y + 1}" font-size="12" fill="#111">${s.code}: ${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}
