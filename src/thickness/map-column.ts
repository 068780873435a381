/**
 * Thickness map stage 3: each column measured from its surface — the Li layer between the last
 * collector voxel and the surface (sub-voxel with the grey levels: the half-way crossing between the
 * adjacent phases' means), the Li below it that belongs to this electrode (penetration), the Li top —
 * and the result assembled.
 */
import { BEYOND, COLLECTOR, LI, OUTSIDE, OUTSIDE_CELL, VOID, ELECTROLYTE, columnAccess, gatherRow, lateralMeanRow, type ColumnBlock, type MapPlan, type ThicknessMapResult } from './map-plan.js';
import type { SurfaceFit } from './map-surface.js';

/** Running sums of the grey-level means; order-sensitive (floats): rows must be added in increasing order. */
export interface GreyMeanSums {
  sums: Float64Array;
  counts: Float64Array;
}

export function newGreyMeanSums(): GreyMeanSums {
  return { sums: new Float64Array(4), counts: new Float64Array(4) };
}

/**
 * Mean grey level per label (0..3; air outside the cell counts as void) over voxels whose two
 * neighbours along the axis share the label, over
 * every (stepR, stepC)-th column: adds the sampled columns of map rows [b0, b1) (held in `block`).
 */
export function accumulateGreyMeans(plan: MapPlan, block: ColumnBlock, b0: number, b1: number, acc: GreyMeanSums): void {
  const g = plan.g;
  const scan = block.scan;
  if (!scan) return;
  const labels = block.labels;
  const { stride, base } = columnAccess(plan.shape, g.axis, block.r0, block.held);
  const { sums, counts } = acc;
  const stepR = Math.max(1, Math.floor(g.rows / 128));
  const stepC = Math.max(1, Math.floor(g.cols / 128));
  for (let r = Math.ceil(b0 / stepR) * stepR; r < b1; r += stepR)
    for (let c = 0; c < g.cols; c += stepC) {
      const b = base(r, c);
      for (let k = 1; k < g.n - 1; k++) {
        const idx = b + k * stride;
        const raw = labels[idx];
        if ((raw > 3 && raw !== OUTSIDE_CELL) || labels[idx - stride] !== raw || labels[idx + stride] !== raw) continue;
        // air outside the cell (5) is the void's material: its grey level is the void level
        const l = raw === OUTSIDE_CELL ? VOID : raw;
        sums[l] += scan[idx];
        counts[l]++;
      }
    }
}

export function greyMeansOf(acc: GreyMeanSums): Array<number | null> {
  return [0, 1, 2, 3].map((l) => (acc.counts[l] ? acc.sums[l] / acc.counts[l] : null));
}

/**
 * Sub-voxel position (walk coordinates, voxel edges at integers) of the boundary between a Li voxel
 * and a neighbouring phase near edge `edge`, from the grey profile: the crossing of the half-way
 * level closest to the label boundary, linear between voxel centres. `liBefore`: Li lies at
 * lower walk index than the boundary. Returns NaN when no crossing lies within ±2 voxels.
 */
function crossing(profile: Float64Array, n: number, edge: number, level: number, liBefore: boolean, liHigh: boolean): number {
  let best = NaN;
  let bestDist = Infinity;
  for (let t = Math.max(0, edge - 3); t < Math.min(n - 1, edge + 2); t++) {
    const a = profile[t] - level;
    const b = profile[t + 1] - level;
    // Li side of the boundary: sign of (grey − level) on the Li side is + if Li is brighter.
    const liSign = liHigh ? 1 : -1;
    const ok = liBefore ? a * liSign >= 0 && b * liSign < 0 : a * liSign < 0 && b * liSign >= 0;
    if (!ok) continue;
    const x = t + 0.5 + (a === b ? 0.5 : a / (a - b));
    const dist = Math.abs(x - edge);
    if (dist < bestDist) {
      bestDist = dist;
      best = x;
    }
  }
  return best;
}

interface ColumnResult {
  thickness: number;
  count: number;
  penetration: number;
  liTop: number; // walk index of the Li top edge, NaN if no Li
  invalid: boolean;
  /** A Li run joins this surface to the other electrode's (a short across the electrolyte). */
  through: boolean;
}

/** Measure one column given its surface index (walk coordinates). */
export function measureColumn(col: Uint8Array, n: number, s: number, d: number, profile: Float64Array | null, means: Array<number | null> | null): ColumnResult {
  if (s < 0) return { thickness: NaN, count: 0, penetration: 0, liTop: NaN, invalid: true, through: false };
  let start = 0;
  for (let t = s - 1; t >= 0; t--)
    if (col[t] === COLLECTOR) {
      start = t + 1;
      break;
    }
  let count = 0;
  let first = -1;
  let last = -1;
  let invalid = false;
  for (let t = start; t < s; t++) {
    const l = col[t];
    if (l === LI) {
      count++;
      if (first < 0) first = t;
      last = t;
    } else if (l === OUTSIDE && first >= 0) invalid = true;
  }
  if (first >= 0 && first > 0 && col[first - 1] === OUTSIDE) invalid = true;
  const { deepest, through } = deepestOwnLi(col, n, s);
  const penetration = deepest >= 0 ? (deepest + 1 - s) * d : 0;
  let thickness = count * d;
  if (profile && means && count > 0) {
    const muLi = means[LI];
    const above = first > 0 ? col[first - 1] : OUTSIDE;
    const below = last + 1 < n ? col[last + 1] : OUTSIDE;
    let top = first;
    let bottom = last + 1;
    if (muLi !== null && above <= 3 && means[above] !== null && above !== LI) {
      const mu = means[above] as number;
      const x = crossing(profile, n, first, (muLi + mu) / 2, false, muLi > mu);
      if (Number.isFinite(x)) top = x;
    }
    if (muLi !== null && below <= 3 && means[below] !== null && below !== LI) {
      const mu = means[below] as number;
      const x = crossing(profile, n, last + 1, (muLi + mu) / 2, true, muLi > mu);
      if (Number.isFinite(x)) bottom = x;
    }
    const inner = last + 1 - first - count; // non-Li voxels inside the layer (voids)
    thickness = Math.max(0, bottom - top - inner) * d;
  }
  return { thickness, count, penetration, liTop: first >= 0 ? first : NaN, invalid, through };
}

/**
 * Deepest Li sample below the surface s that belongs to this electrode. Without another electrode
 * every Li sample down the column does. With one (samples past its interface are BEYOND), the Li
 * runs between the two interfaces are attributed along the column: a run that starts at this
 * surface grows from this electrode, one that ends at the other interface from the other, one that
 * touches both is a filament across the electrolyte (`through`: counted for both), and a detached
 * run (a filament leaving the column and coming back) goes to the nearer interface.
 */
function deepestOwnLi(col: Uint8Array, n: number, s: number): { deepest: number; through: boolean } {
  let limit = n;
  for (let t = s; t < n; t++)
    if (col[t] === BEYOND) {
      limit = t;
      break;
    }
  const bounded = limit < n;
  let deepest = -1;
  let through = false;
  for (let t = s; t < limit; t++) {
    if (col[t] !== LI) continue;
    const a = t;
    while (t + 1 < limit && col[t + 1] === LI) t++;
    const b = t;
    const fromHere = a === s;
    const fromThere = bounded && b === limit - 1;
    if (fromHere && fromThere) through = true;
    const ours = fromHere || (!fromThere && a - s <= limit - 1 - b) || !bounded;
    if (ours) deepest = b;
  }
  return { deepest, through };
}
/** The per-column output maps. */
export interface MapColumns {
  thickness: Float32Array;
  voxelCount: Float32Array;
  penetration: Float32Array;
  liTop: Float32Array;
  invalid: number;
  /** Columns where a Li run joins the two electrodes' interfaces (two-electrode maps). */
  through: number;
}

export function newMapColumns(plan: MapPlan): MapColumns {
  const m = plan.g.rows * plan.g.cols;
  return { thickness: new Float32Array(m), voxelCount: new Float32Array(m), penetration: new Float32Array(m), liTop: new Float32Array(m), invalid: 0, through: 0 };
}

/** Map rows a block must hold to measure rows [b0, b1) along the axis: the lateral grey average's halo. */
export function measureRowsNeeded(plan: MapPlan, hasScan: boolean, b0: number, b1: number): [number, number] {
  const h = hasScan ? plan.greyRadius : 0;
  return [Math.max(0, b0 - h), Math.min(plan.g.rows, b1 + h)];
}

/** Stage 3 along the axis: measure every column of map rows [b0, b1) (the block holds measureRowsNeeded). */
export function measureRows(plan: MapPlan, fit: SurfaceFit, means: Array<number | null> | null, block: ColumnBlock, b0: number, b1: number, out: MapColumns, onRow?: (r: number) => void): void {
  const { g, side } = plan;
  const { cols, n } = g;
  const access = columnAccess(plan.shape, g.axis, block.r0, block.held);
  const scan = block.scan;
  const heightOf = (t: number) => (side === 'low' ? t * g.d : (n - t) * g.d);
  const surf = fit.surf;
  const row = new Uint8Array(cols * n);
  const profiles = scan ? new Float64Array(cols * n) : null;
  const rowSums = new Float64Array(cols);
  const { thickness, voxelCount, penetration, liTop } = out;
  for (let r = b0; r < b1; r++) {
    gatherRow(plan, access, block.labels, r, row);
    if (profiles && scan) lateralMeanRow(plan, access, scan, r, plan.greyRadius, rowSums, profiles);
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      const col = row.subarray(c * n, c * n + n);
      const profile = profiles ? profiles.subarray(c * n, c * n + n) : null;
      const s = Number.isFinite(surf[i]) ? surf[i] : -1;
      const res = measureColumn(col, n, s, g.d, profile, means);
      const withoutScan = res.count * g.d;
      thickness[i] = s < 0 ? NaN : res.thickness;
      voxelCount[i] = s < 0 ? NaN : withoutScan;
      penetration[i] = res.penetration;
      liTop[i] = Number.isFinite(res.liTop) ? heightOf(res.liTop) : NaN;
      if (s < 0) out.invalid++;
      if (res.through) out.through++;
    }
    onRow?.(r);
  }
}

/** Assemble the result from the plan, the surface fit and the measured columns. */
export function mapResult(plan: MapPlan, fit: SurfaceFit, means: Array<number | null> | null, cols: MapColumns): ThicknessMapResult {
  const g = plan.g;
  const gm = means
    ? { void: means[VOID], li: means[LI], electrolyte: means[ELECTROLYTE], collector: means[COLLECTOR] }
    : null;
  return {
    shape: [g.rows, g.cols],
    pixel_um: [g.pr, g.pc],
    axis_um: g.d,
    axis: g.axis,
    normal: fit.unit,
    tilt_deg: fit.tilt,
    li_side: plan.side,
    thickness: cols.thickness,
    penetration: cols.penetration,
    surface: fit.surface,
    liTop: cols.liTop,
    thicknessVoxelCount: cols.voxelCount,
    refined: Boolean(means),
    grey_means: gm,
    repaired_columns: fit.repaired,
    invalid_columns: cols.invalid,
    through_columns: cols.through,
  };
}

