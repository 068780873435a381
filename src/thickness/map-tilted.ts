/**
 * Thickness map of a tilted cell (`normal: 'auto'` with a fitted tilt): every column is sampled along
 * the fitted normal through the plane point above its centre (step half the smallest voxel), the
 * surface found and repaired on those lines, and each line measured as a column.
 */
import { BEYOND, OUTSIDE, VOLUME_END, columnAccess, type ColumnBlock, type MapPlan } from './map-plan.js';
import { repairSurface, surfaceOrMasked, type SurfaceFit } from './map-surface.js';
import { measureColumn, type MapColumns } from './map-column.js';

/** Lines along the fitted normal (tilted auto mode): one per column, through the plane point above its centre. */
export interface TiltedLines {
  step: number;
  ns: number;
  winSamples: number;
  surfS: Float64Array;
  origin: Float64Array;
  lineStart: Int32Array;
  repaired: number;
}

export function tiltedLines(plan: MapPlan, fit: SurfaceFit): TiltedLines {
  const g = plan.g;
  const { rows, cols } = g;
  const m = rows * cols;
  const { unit, plane } = fit;
  const step = 0.5 * Math.min(...plan.spacing);
  const depth = g.n * g.d;
  const span = depth / Math.abs(unit[0]) + Math.hypot(g.rows * g.pr, g.cols * g.pc);
  const ns = Math.ceil(span / step);
  const origin = new Float64Array(m * 3);
  const lineStart = new Int32Array(m);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const y = (r + 0.5) * g.pr;
      const x = (c + 0.5) * g.pc;
      origin[i * 3] = plane.a + plane.b * y + plane.c * x;
      origin[i * 3 + 1] = y;
      origin[i * 3 + 2] = x;
      lineStart[i] = Math.floor(ns / 2); // the plane point sits in the middle of the line
    }
  return { step, ns, winSamples: Math.round((plan.window * g.d) / step), surfS: new Float64Array(m), origin, lineStart, repaired: 0 };
}

/**
 * Map rows the lines of the columns of rows [b0, b1) can sample: the rows crossed while the line is
 * inside the volume along the axis, with a margin of 2 rows for rounding.
 */
export function tiltedRowsNeeded(plan: MapPlan, fit: SurfaceFit, lines: TiltedLines, b0: number, b1: number): [number, number] {
  const g = plan.g;
  const u = fit.unit;
  const depth = g.n * g.d;
  let lo = Infinity, hi = -Infinity;
  for (let r = b0; r < b1; r++)
    for (let c = 0; c < g.cols; c++) {
      const o = (r * g.cols + c) * 3;
      const t0 = (0 - lines.origin[o]) / u[0];
      const t1 = (depth - lines.origin[o]) / u[0];
      const y0 = lines.origin[o + 1] + t0 * u[1];
      const y1 = lines.origin[o + 1] + t1 * u[1];
      lo = Math.min(lo, y0, y1);
      hi = Math.max(hi, y0, y1);
    }
  if (!(lo <= hi)) return [b0, b1];
  const r0 = Math.max(0, Math.min(b0, Math.floor(lo / g.pr) - 2));
  const r1 = Math.min(g.rows, Math.max(b1, Math.floor(hi / g.pr) + 3));
  return [r0, r1];
}

function lineFiller(plan: MapPlan, fit: SurfaceFit, lines: TiltedLines, block: ColumnBlock) {
  const g = plan.g;
  const { stride, base } = columnAccess(plan.shape, g.axis, block.r0, block.held);
  const data = block.labels;
  const scan = block.scan;
  const dims = [g.n, g.rows, g.cols];
  const ds = [g.d, g.pr, g.pc];
  const { ns, step, origin, lineStart } = lines;
  const unit = fit.unit;
  const line = new Uint8Array(ns);
  const profile = scan ? new Float64Array(ns) : null;
  const other = plan.opposite;
  let beyond = false;
  const sampleIndex = (p: number[]): number => {
    const a = Math.floor(p[0] / ds[0]);
    const r = Math.floor(p[1] / ds[1]);
    const c = Math.floor(p[2] / ds[2]);
    // through a side face: OUTSIDE (−2); through an end face along the axis: VOLUME_END (−1)
    beyond = false;
    if (r < 0 || r >= dims[1] || c < 0 || c >= dims[2]) return -2;
    if (a < 0 || a >= dims[0]) return -1;
    if (other) {
      // past the other electrode's interface in the column the sample lies in
      const h = other[r * g.cols + c];
      beyond = Number.isFinite(h) && (plan.side === 'low' ? p[0] >= h : p[0] < h);
    }
    return base(r, c) + a * stride;
  };
  const p = [0, 0, 0];
  const fill = (i: number) => {
    const o = i * 3;
    for (let t = 0; t < ns; t++) {
      const tau = (t - lineStart[i]) * step;
      p[0] = origin[o] + tau * unit[0];
      p[1] = origin[o + 1] + tau * unit[1];
      p[2] = origin[o + 2] + tau * unit[2];
      const idx = sampleIndex(p);
      line[t] = idx === -1 ? VOLUME_END : idx < 0 ? OUTSIDE : beyond ? BEYOND : data[idx];
      if (profile && scan) profile[t] = idx < 0 ? NaN : scan[idx];
    }
  };
  return { line, profile, fill };
}

/** Tilted stage 1: surface sample index along each line of map rows [b0, b1) (block holds tiltedRowsNeeded). */
export function tiltedSurfaceRows(plan: MapPlan, fit: SurfaceFit, lines: TiltedLines, block: ColumnBlock, b0: number, b1: number): void {
  const cols = plan.g.cols;
  const { line, fill } = lineFiller(plan, fit, lines, block);
  for (let r = b0; r < b1; r++)
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      fill(i);
      lines.surfS[i] = surfaceOrMasked(line, lines.ns, lines.winSamples);
    }
}

/** Tilted stage 2 (map level, after every row's tiltedSurfaceRows). */
export function repairTiltedSurface(plan: MapPlan, lines: TiltedLines): void {
  lines.repaired = repairSurface(lines.surfS, plan.g.rows, plan.g.cols, plan.radius, (plan.threshold * plan.g.d) / lines.step);
}

/** Tilted stage 3: measure each line of map rows [b0, b1). */
export function tiltedMeasureRows(plan: MapPlan, fit: SurfaceFit, lines: TiltedLines, means: Array<number | null> | null, block: ColumnBlock, b0: number, b1: number, out: MapColumns, onRow?: (r: number) => void): void {
  const cols = plan.g.cols;
  const { line, profile, fill } = lineFiller(plan, fit, lines, block);
  const { ns, step, surfS, origin, lineStart } = lines;
  const unit = fit.unit;
  const { thickness, voxelCount, penetration, liTop } = out;
  for (let r = b0; r < b1; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      fill(i);
      const s = Number.isFinite(surfS[i]) ? surfS[i] : -1;
      const res = measureColumn(line, ns, s, step, profile, means);
      const bad = s < 0 || res.invalid;
      if (bad) out.invalid++;
      thickness[i] = bad ? NaN : res.thickness;
      voxelCount[i] = bad ? NaN : res.count * step;
      penetration[i] = bad ? NaN : res.penetration;
      if (res.through && !bad) out.through++;
      if (Number.isFinite(res.liTop) && !bad) {
        const tau = (res.liTop - lineStart[i]) * step;
        const h = origin[i * 3] + tau * unit[0];
        liTop[i] = h;
      } else liTop[i] = NaN;
    }
    onRow?.(r);
  }
}

