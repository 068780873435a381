/** Small line charts on a 2D canvas (curves beside the 3D views; no second 3D renderer). */
export interface Series {
  label: string;
  color: string;
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  axis?: 'left' | 'right';
  dashed?: boolean;
}
export interface ChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  y2Label?: string;
  series: Series[];
  markerX?: number;
  yMin?: number;
  yMax?: number;
  y2Max?: number;
}

function range(values: number[], fallback: [number, number]): [number, number] {
  const f = values.filter(Number.isFinite);
  if (!f.length) return fallback;
  let lo = Math.min(...f);
  let hi = Math.max(...f);
  if (hi - lo < 1e-12) {
    hi += Math.abs(hi) * 0.1 + 1e-6;
    lo -= Math.abs(lo) * 0.1 + 1e-6;
  }
  return [lo, hi];
}

function ticks(lo: number, hi: number, n = 5): number[] {
  const span = hi - lo;
  const raw = span / n;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(+t.toPrecision(10));
  return out;
}

/** Draw one chart into the rectangle (x, y, w, h) of a 2D context. */
export function drawChart(ctx: CanvasRenderingContext2D, x: number, y: number, w: number, h: number, spec: ChartSpec): void {
  const s = Math.max(0.8, Math.min(2.2, Math.min(w / 420, h / 260)));
  const font = (px: number) => `${Math.round(px * s)}px system-ui, sans-serif`;
  const left = x + 58 * s;
  const right = x + w - (spec.y2Label ? 58 : 16) * s;
  const top = y + 30 * s;
  const bottom = y + h - 42 * s;
  ctx.save();
  ctx.fillStyle = '#fff';
  ctx.fillRect(x, y, w, h);
  const xs = spec.series.flatMap((se) => Array.from(se.x));
  const [x0, x1] = range(xs, [0, 1]);
  const lefts = spec.series.filter((se) => se.axis !== 'right');
  const rights = spec.series.filter((se) => se.axis === 'right');
  let [y0, y1] = range(lefts.flatMap((se) => Array.from(se.y)), [0, 1]);
  if (spec.yMin !== undefined) y0 = spec.yMin;
  if (spec.yMax !== undefined) y1 = spec.yMax;
  let [r0, r1] = range(rights.flatMap((se) => Array.from(se.y)), [0, 1]);
  r0 = Math.min(r0, 0);
  if (spec.y2Max !== undefined) r1 = Math.min(r1, spec.y2Max);
  const px = (v: number) => left + ((v - x0) / (x1 - x0)) * (right - left);
  const py = (v: number, lo: number, hi: number) => bottom - ((v - lo) / (hi - lo)) * (bottom - top);
  ctx.strokeStyle = '#ddd';
  ctx.lineWidth = 1;
  ctx.fillStyle = '#333';
  ctx.font = font(11);
  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const t of ticks(x0, x1)) {
    ctx.beginPath();
    ctx.moveTo(px(t), top);
    ctx.lineTo(px(t), bottom);
    ctx.stroke();
    ctx.fillText(String(t), px(t), bottom + 4 * s);
  }
  ctx.textAlign = 'right';
  ctx.textBaseline = 'middle';
  for (const t of ticks(y0, y1)) {
    ctx.beginPath();
    ctx.moveTo(left, py(t, y0, y1));
    ctx.lineTo(right, py(t, y0, y1));
    ctx.stroke();
    ctx.fillText(String(t), left - 5 * s, py(t, y0, y1));
  }
  if (rights.length) {
    ctx.textAlign = 'left';
    for (const t of ticks(r0, r1)) ctx.fillText(String(t), right + 5 * s, py(t, r0, r1));
  }
  ctx.strokeStyle = '#555';
  ctx.strokeRect(left, top, right - left, bottom - top);
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, right - left, bottom - top);
  ctx.clip();
  for (const se of spec.series) {
    const [lo, hi] = se.axis === 'right' ? [r0, r1] : [y0, y1];
    ctx.strokeStyle = se.color;
    ctx.lineWidth = 2 * s;
    ctx.setLineDash(se.dashed ? [6 * s, 4 * s] : []);
    ctx.beginPath();
    let pen = false;
    for (let i = 0; i < se.x.length; i++) {
      const vx = se.x[i];
      const vy = se.y[i];
      if (!Number.isFinite(vx) || !Number.isFinite(vy)) {
        pen = false;
        continue;
      }
      if (pen) ctx.lineTo(px(vx), py(vy, lo, hi));
      else ctx.moveTo(px(vx), py(vy, lo, hi));
      pen = true;
    }
    ctx.stroke();
  }
  ctx.setLineDash([]);
  if (spec.markerX !== undefined && Number.isFinite(spec.markerX)) {
    ctx.strokeStyle = '#d62728';
    ctx.lineWidth = 1.5 * s;
    ctx.beginPath();
    ctx.moveTo(px(spec.markerX), top);
    ctx.lineTo(px(spec.markerX), bottom);
    ctx.stroke();
    for (const se of spec.series) {
      // dot where the curve crosses the marker (nearest sample)
      let best = -1;
      let bd = Infinity;
      for (let i = 0; i < se.x.length; i++) {
        const d = Math.abs(se.x[i] - spec.markerX);
        if (d < bd) {
          bd = d;
          best = i;
        }
      }
      if (best < 0 || !Number.isFinite(se.y[best])) continue;
      const [lo, hi] = se.axis === 'right' ? [r0, r1] : [y0, y1];
      ctx.fillStyle = se.color;
      ctx.beginPath();
      ctx.arc(px(se.x[best]), py(Math.min(hi, se.y[best]), lo, hi), 4 * s, 0, 2 * Math.PI);
      ctx.fill();
    }
  }
  ctx.restore();
  ctx.fillStyle = '#111';
  ctx.font = `600 ${font(13)}`;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'alphabetic';
  ctx.fillText(spec.title, left, top - 10 * s);
  ctx.font = font(11);
  ctx.textAlign = 'center';
  ctx.fillText(spec.xLabel, (left + right) / 2, bottom + 34 * s);
  ctx.save();
  ctx.translate(x + 14 * s, (top + bottom) / 2);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(spec.yLabel, 0, 0);
  ctx.restore();
  if (spec.y2Label) {
    ctx.save();
    ctx.translate(x + w - 8 * s, (top + bottom) / 2);
    ctx.rotate(Math.PI / 2);
    ctx.fillText(spec.y2Label, 0, 0);
    ctx.restore();
  }
  // legend: right-aligned from the last series, a new row below when a row is full
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  let lx = right - 6 * s;
  let ly = top + 14 * s;
  for (const se of [...spec.series].reverse()) {
    const tw = ctx.measureText(se.label).width + 26 * s;
    if (lx - tw < left + 4 * s && lx < right - 6 * s) {
      lx = right - 6 * s;
      ly += 20 * s;
    }
    lx -= tw;
    ctx.strokeStyle = se.color;
    ctx.lineWidth = 2 * s;
    ctx.setLineDash(se.dashed ? [6 * s, 4 * s] : []);
    ctx.beginPath();
    ctx.fillStyle = 'rgba(255,255,255,0.85)';
    ctx.fillRect(lx - 4 * s, ly - 9 * s, tw, 18 * s);
    ctx.setLineDash(se.dashed ? [6 * s, 4 * s] : []);
    ctx.beginPath();
    ctx.moveTo(lx, ly);
    ctx.lineTo(lx + 16 * s, ly);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = '#333';
    ctx.fillText(se.label, lx + 20 * s, ly);
  }
  ctx.restore();
}
