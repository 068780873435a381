/**
 * Minimal SVG charts for the stripping replay (to be replaced by the report's charting library).
 * Two stacked panels sharing the x axis (fraction of Li stripped): active area fraction (linear,
 * 0–1) and current multiplier j_eff/j_nom (log10 axis from 1, capped at 100).
 */

export interface ChartSeries {
  label: string;
  color: string;
  /** x = stripped fraction, active = active area fraction, multiplier = 1/active. */
  points: { x: number; active: number; multiplier: number }[];
  dashed?: boolean;
}

export interface ChartReference {
  x: number;
  active: number;
  label: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (v: number) => (Math.round(v * 100) / 100).toString();

export function strippingChartSvg(series: ChartSeries[], refs: ChartReference[] = [], title = 'Stripping replay'): string {
  const W = 720;
  const H = 600;
  const left = 80;
  const right = 30;
  const panelH = 200;
  const top1 = 60;
  const top2 = top1 + panelH + 70;
  const pw = W - left - right;
  const sx = (x: number) => left + x * pw;
  const finiteMult = series.flatMap((s) => s.points.map((p) => p.multiplier)).filter((m) => Number.isFinite(m));
  const mMax = Math.min(100, Math.max(2, ...finiteMult));
  const decades = Math.max(1, Math.ceil(Math.log10(mMax) * 2) / 2);
  const sy1 = (a: number) => top1 + (1 - a) * panelH;
  const sy2 = (m: number) => top2 + (1 - Math.min(decades, Math.log10(Math.max(1, m))) / decades) * panelH;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="DejaVu Sans, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<text x="${W / 2}" y="28" text-anchor="middle" font-size="16">${esc(title)}</text>`);
  // frames, grid, ticks
  for (const [top, kind] of [[top1, 'a'], [top2, 'm']] as const) {
    out.push(`<rect x="${left}" y="${top}" width="${pw}" height="${panelH}" fill="none" stroke="#333"/>`);
    for (let i = 0; i <= 10; i++) {
      const x = sx(i / 10);
      out.push(`<line x1="${num(x)}" y1="${top}" x2="${num(x)}" y2="${top + panelH}" stroke="#eee"/>`);
      if (i % 2 === 0) out.push(`<text x="${num(x)}" y="${top + panelH + 16}" text-anchor="middle">${i * 10}</text>`);
    }
    if (kind === 'a') {
      for (let i = 0; i <= 5; i++) {
        const y = sy1(i / 5);
        out.push(`<line x1="${left}" y1="${num(y)}" x2="${left + pw}" y2="${num(y)}" stroke="#eee"/>`);
        out.push(`<text x="${left - 6}" y="${num(y + 4)}" text-anchor="end">${i * 20}</text>`);
      }
    } else {
      const ticks = [1, 2, 5, 10, 20, 50, 100].filter((m) => Math.log10(m) <= decades + 1e-9);
      for (const m of ticks) {
        const y = sy2(m);
        out.push(`<line x1="${left}" y1="${num(y)}" x2="${left + pw}" y2="${num(y)}" stroke="#eee"/>`);
        out.push(`<text x="${left - 6}" y="${num(y + 4)}" text-anchor="end">${m}×</text>`);
      }
    }
    out.push(`<text x="${left + pw / 2}" y="${top + panelH + 36}" text-anchor="middle">Li stripped (% of initial capacity)</text>`);
  }
  out.push(`<text transform="translate(24 ${top1 + panelH / 2}) rotate(-90)" text-anchor="middle">active area (%)</text>`);
  out.push(`<text transform="translate(24 ${top2 + panelH / 2}) rotate(-90)" text-anchor="middle">j_eff / j_nominal (log)</text>`);
  // series
  series.forEach((s, si) => {
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    const p1 = s.points.map((p) => `${num(sx(p.x))},${num(sy1(p.active))}`).join(' ');
    out.push(`<polyline points="${p1}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    const p2 = s.points.filter((p) => Number.isFinite(p.multiplier) && p.multiplier <= mMax * 1.0001).map((p) => `${num(sx(p.x))},${num(sy2(p.multiplier))}`).join(' ');
    out.push(`<polyline points="${p2}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    const ly = top1 + 16 + si * 18;
    out.push(`<line x1="${left + 12}" y1="${ly - 4}" x2="${left + 40}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${left + 46}" y="${ly}">${esc(s.label)}</text>`);
  });
  for (const r of refs) {
    const x = sx(r.x);
    out.push(`<circle cx="${num(x)}" cy="${num(sy1(r.active))}" r="5" fill="none" stroke="#d62728" stroke-width="2"/>`);
    out.push(`<text x="${num(x + 8)}" y="${num(sy1(r.active) - 8)}" fill="#d62728" font-size="11">${esc(r.label)}</text>`);
    if (r.active > 0) out.push(`<circle cx="${num(x)}" cy="${num(sy2(1 / r.active))}" r="5" fill="none" stroke="#d62728" stroke-width="2"/>`);
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}
