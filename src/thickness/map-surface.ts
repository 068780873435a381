/**
 * Thickness map stage 1 and 2: the electrolyte surface of every column (the first voxel that starts
 * the electrolyte body), its repair where it lies much deeper than its neighbourhood, and the plane
 * fit of `normal: 'auto'`. Cost: one walk per column, the repair a median over (2r+1)² columns.
 */
import { fitPlane } from './stats.js';
import { ELECTROLYTE, LI, OUTSIDE_CELL, columnAccess, gatherRow, type ColumnBlock, type MapPlan } from './map-plan.js';

/**
 * Surface index of a column for the surface map: the index, NaN when the column holds the cell but no
 * electrolyte body (repaired from its neighbours), −Infinity when it holds no cell voxel at all
 * (outside the field of view, a die wall: 255, 5 or the other electrode's side end to end), which
 * the repair leaves alone, so those columns have no surface and no thickness.
 */
export function surfaceOrMasked(col: Uint8Array, n: number, window: number): number {
  const s = surfaceIndex(col, n, window);
  if (s >= 0) return s;
  for (let t = 0; t < n; t++) if (col[t] < OUTSIDE_CELL) return NaN;
  return -Infinity;
}

/** Index of the electrolyte surface in a column walked from the collector side, or −1. */
export function surfaceIndex(col: Uint8Array, n: number, window: number): number {
  let run = 0; // electrolyte count in the window starting at t (maintained incrementally)
  const w = Math.max(1, window);
  for (let t = 0; t < Math.min(n, w); t++) if (col[t] === ELECTROLYTE) run++;
  for (let t = 0; t < n; t++) {
    const wt = Math.min(w, n - t);
    if (col[t] === ELECTROLYTE && run >= Math.ceil(0.6 * wt)) return t;
    if (col[t] === ELECTROLYTE) run--;
    if (t + w < n && col[t + w] === ELECTROLYTE) run++;
  }
  return -1;
}

/** Median of the finite values in a (2r+1)² window, every `step` samples. */
function localMedian(map: Float64Array, rows: number, cols: number, r0: number, c0: number, radius: number, buf: Float64Array): number {
  let n = 0;
  for (let r = Math.max(0, r0 - radius); r <= Math.min(rows - 1, r0 + radius); r++)
    for (let c = Math.max(0, c0 - radius); c <= Math.min(cols - 1, c0 + radius); c++) {
      const v = map[r * cols + c];
      if (Number.isFinite(v)) buf[n++] = v;
    }
  if (!n) return NaN;
  const s = buf.subarray(0, n).sort();
  return s[(n - 1) >> 1];
}

/**
 * Repair surfaces lying much deeper than their neighbourhood. Works on indices in walk
 * coordinates (voxels or samples). Returns the number of repaired columns.
 */
export function repairSurface(surf: Float64Array, rows: number, cols: number, radius: number, threshold: number): number {
  const buf = new Float64Array((2 * radius + 1) ** 2);
  const repaired: Array<[number, number]> = [];
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const v = surf[r * cols + c];
      if (v === -Infinity) continue; // no cell in the column (see surfaceOrMasked)
      if (!Number.isFinite(v)) {
        // no electrolyte body found (e.g. a filament down to the end of the volume): take the
        // neighbourhood's surface when it has one
        const m = localMedian(surf, rows, cols, r, c, radius, buf);
        if (Number.isFinite(m)) repaired.push([r * cols + c, Math.round(m)]);
        continue;
      }
      // quick reject: compare against 4 neighbours first
      let deeper = true;
      for (const [dr, dc] of [[0, 1], [0, -1], [1, 0], [-1, 0]]) {
        const rr = r + dr, cc = c + dc;
        if (rr < 0 || rr >= rows || cc < 0 || cc >= cols) continue;
        const u = surf[rr * cols + cc];
        if (Number.isFinite(u) && v - u <= threshold) {
          deeper = false;
          break;
        }
      }
      // a filament wider than one column: its neighbours are deep too, so use the median anyway
      const m = localMedian(surf, rows, cols, r, c, radius, buf);
      if (Number.isFinite(m) && v - m > threshold) repaired.push([r * cols + c, Math.round(m)]);
      else if (deeper && Number.isFinite(m) && v - m > threshold) repaired.push([r * cols + c, Math.round(m)]);
    }
  for (const [i, m] of repaired) surf[i] = m;
  return repaired.length;
}

/**
 * Stage 1: electrolyte surface index (walk coordinates, NaN: none) of every column of map rows
 * [b0, b1); with `liAbove`, also 1 where the column holds Li before its surface (an electrode on
 * this side: the evidence for a second electrode).
 */
export function surfaceRows(plan: MapPlan, block: ColumnBlock, b0: number, b1: number, surf: Float64Array, onRow?: (r: number) => void, liAbove?: Uint8Array): void {
  const { n, cols } = plan.g;
  const access = columnAccess(plan.shape, plan.g.axis, block.r0, block.held);
  const row = new Uint8Array(cols * n);
  for (let r = b0; r < b1; r++) {
    gatherRow(plan, access, block.labels, r, row);
    for (let c = 0; c < cols; c++) {
      const col = row.subarray(c * n, c * n + n);
      const s = surfaceOrMasked(col, n, plan.window);
      surf[r * cols + c] = s;
      if (liAbove) liAbove[r * cols + c] = s > 0 && col.subarray(0, s).includes(LI) ? 1 : 0;
    }
    onRow?.(r);
  }
}

/** The surface after the map-level repair, and the fitted plane (auto mode). */
export interface SurfaceFit {
  surf: Float64Array;
  repaired: number;
  surface: Float32Array;
  tilt: number;
  unit: [number, number, number];
  plane: { a: number; b: number; c: number };
  tilted: boolean;
}

/** Stage 2 and the plane fit: map-level work on the complete surface-index map (repaired in place). */
export function fitSurface(plan: MapPlan, surf: Float64Array): SurfaceFit {
  const { g, side } = plan;
  const { rows, cols, n } = g;
  const m = rows * cols;
  const repaired = repairSurface(surf, rows, cols, plan.radius, plan.threshold);
  const heightOf = (t: number) => (side === 'low' ? t * g.d : (n - t) * g.d);
  const surface = new Float32Array(m);
  for (let i = 0; i < m; i++) surface[i] = Number.isFinite(surf[i]) ? heightOf(surf[i]) : NaN;

  // Plane fit (auto mode): tilt of the electrolyte surface.
  let tilt = 0;
  let unit: [number, number, number] = [side === 'low' ? 1 : -1, 0, 0];
  let plane = { a: 0, b: 0, c: 0 };
  if (plan.normal === 'auto') {
    plane = fitPlane(surface, rows, cols, g.pr, g.pc);
    // one trimming pass: drop residuals beyond 3 rms
    let sq = 0, k = 0;
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) {
        const h = surface[r * cols + c];
        if (!Number.isFinite(h)) continue;
        sq += (h - (plane.a + plane.b * (r + 0.5) * g.pr + plane.c * (c + 0.5) * g.pc)) ** 2;
        k++;
      }
    const rms = k ? Math.sqrt(sq / k) : 0;
    if (rms > 0) {
      const p0 = plane;
      plane = fitPlane(surface, rows, cols, g.pr, g.pc, (r, c) => Math.abs(surface[r * cols + c] - (p0.a + p0.b * (r + 0.5) * g.pr + p0.c * (c + 0.5) * g.pc)) <= 3 * rms);
    }
    tilt = (Math.atan(Math.hypot(plane.b, plane.c)) * 180) / Math.PI;
    // normal of h = a + b·y + c·x is (1, −b, −c); oriented along the walk (collector → electrolyte)
    const len = Math.hypot(1, plane.b, plane.c);
    const sgn = side === 'low' ? 1 : -1;
    unit = [sgn / len, (-plane.b * sgn) / len, (-plane.c * sgn) / len];
  }
  const tilted = plan.normal === 'auto' && tilt >= plan.minTiltDeg;
  return { surf, repaired, surface, tilt, unit, plane, tilted };
}

