/**
 * Li thickness map (contract: "Interface geometry"): for each column along the interface normal,
 * the Li layer thickness between the collector/void side and the electrolyte surface, plus the
 * penetration depth of Li below that surface (filaments, dendrites), the electrolyte surface height
 * and the Li top height.
 *
 * Per column, walking from the collector side:
 *  1. electrolyte surface = first electrolyte voxel that starts the electrolyte body: at least 60 %
 *     of the next `window` voxels are electrolyte (isolated specks in the Li and pores in the
 *     electrolyte do not move it);
 *  2. columns whose surface lies more than `outlierVoxels` deeper than the median of their
 *     neighbourhood (a filament replacing the electrolyte, a pore at the surface) take the median;
 *  3. Li layer = Li voxels between the last collector voxel and the surface (interfacial voids are
 *     not counted); penetration = depth of the deepest Li voxel below the surface.
 * With a grey-level scan the two Li boundaries are refined to sub-voxel positions at the half-way
 * crossing between the adjacent phases' mean grey levels (means from the labels).
 *
 * Orientation: the Li/collector side is detected (either end). `normal: 'x'|'y'` measures along
 * that axis (the map is the volume without it); `'auto'` picks the layered axis, fits a plane to
 * the electrolyte surface and, when tilted, samples every column along the plane normal.
 */
import type { Shape3, Spacing3, Volume, VoxelArray } from '../io/volume.js';
import { InputError } from '../io/errors.js';
import { fitPlane, histogram, quantileSorted, roughness, type Histogram } from './stats.js';

export const LI_UM_PER_MAH_CM2 = 4.85;

const VOID = 0;
const LI = 1;
const ELECTROLYTE = 2;
const COLLECTOR = 3;
const OUTSIDE = 255;
const OUTSIDE_CELL = 5;
/** Walk samples beyond the other electrode's interface (two-electrode maps): not label codes. */
const BEYOND = 254;

export type NormalOption = 'x' | 'y' | 'z' | 'auto';
export type Axis = 'z' | 'y' | 'x';

export interface ThicknessMapOptions {
  normal?: NormalOption;
  /** Voxel size [dz, dy, dx] µm (default: the labels' spacing; required one way or the other). */
  spacing?: Spacing3 | null;
  /** Grey-level scan of the same shape: sub-voxel refinement of the Li boundaries. */
  scan?: Volume | null;
  /** Voxels looked ahead to accept an electrolyte surface (default 6). */
  window?: number;
  /** Surface deeper than the local median by more than this many voxels is repaired (default 2.5). */
  outlierVoxels?: number;
  /** Half-width (columns) of the neighbourhood for the surface median (default 6). */
  medianRadius?: number;
  /** Half-width (columns) of the lateral grey-profile average used for refinement (default 1). */
  greyRadius?: number;
  /** Tilts below this (degrees) are measured along the axis in auto mode (default 0.5). */
  minTiltDeg?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface ThicknessMapResult {
  /** Map shape [rows, cols]: the volume shape without the normal axis. */
  shape: [number, number];
  /** µm per map pixel [rows, cols]. */
  pixel_um: [number, number];
  /** Voxel size along the measuring axis. */
  axis_um: number;
  axis: Axis;
  /** Unit normal along which thickness is measured, in (axis, row, col) physical coordinates. */
  normal: [number, number, number];
  tilt_deg: number;
  /** Which end of the axis holds the collector / Li: 'low' = index 0 side. */
  li_side: 'low' | 'high';
  thickness: Float32Array;
  penetration: Float32Array;
  /** Electrolyte surface height along the axis, µm from index 0 (NaN: no electrolyte in column). */
  surface: Float32Array;
  /** Height of the Li top (collector side) along the axis, µm from index 0 (NaN: no Li). */
  liTop: Float32Array;
  /** Thickness without sub-voxel refinement (equal to `thickness` without a scan). */
  thicknessVoxelCount: Float32Array;
  refined: boolean;
  grey_means: Record<'void' | 'li' | 'electrolyte' | 'collector', number | null> | null;
  repaired_columns: number;
  invalid_columns: number;
  /** Columns where a Li run joins this electrode's interface to the other electrode's (0 with one electrode). */
  through_columns: number;
}

export interface ColumnGeometry {
  axis: Axis;
  n: number; // samples along the axis
  rows: number;
  cols: number;
  d: number; // µm per voxel along the axis
  pr: number; // µm per row
  pc: number; // µm per col
}

function geometryOf(shape: Shape3, spacing: Spacing3, axis: Axis): ColumnGeometry {
  const [nz, ny, nx] = shape;
  const [dz, dy, dx] = spacing;
  if (axis === 'z') return { axis, n: nz, rows: ny, cols: nx, d: dz, pr: dy, pc: dx };
  if (axis === 'y') return { axis, n: ny, rows: nz, cols: nx, d: dy, pr: dz, pc: dx };
  return { axis, n: nx, rows: nz, cols: ny, d: dx, pr: dz, pc: dy };
}

/**
 * Map rows [r0, r0 + held) of a volume of shape `shape`, as held in memory for the map's axis: for
 * axis z (rows = y) a [nz, held, nx] block of whole z-lines, for axes y and x (rows = z) a
 * [held, ny, nx] slab of slices. The whole volume is the block r0 = 0, held = rows.
 */
export interface ColumnBlock {
  labels: Uint8Array;
  /** Grey-level scan, same layout as `labels` (null: no refinement). */
  scan: VoxelArray | null;
  r0: number;
  held: number;
}

/** Index of voxel k = 0 of column (r, c) (global map row r) in a block, and the step along the axis. */
export interface ColumnAccess {
  stride: number;
  base: (r: number, c: number) => number;
}

export function columnAccess(shape: Shape3, axis: Axis, r0: number, held: number): ColumnAccess {
  const [, ny, nx] = shape;
  const plane = ny * nx;
  if (axis === 'z') return { stride: held * nx, base: (r, c) => (r - r0) * nx + c };
  if (axis === 'y') return { stride: nx, base: (r, c) => (r - r0) * plane + c };
  return { stride: 1, base: (r, c) => (r - r0) * plane + c * nx };
}

/** Electrolyte voxel counts per z, y and x index (the dominant-axis statistics), accumulated slab by slab. */
export interface AxisProfiles {
  pz: Float64Array;
  py: Float64Array;
  px: Float64Array;
}

export function newAxisProfiles(shape: Shape3): AxisProfiles {
  return { pz: new Float64Array(shape[0]), py: new Float64Array(shape[1]), px: new Float64Array(shape[2]) };
}

/** Add the slices [z0, z0 + slab.length / (ny·nx)) held in `slab` to the profiles. */
export function accumulateAxisProfiles(acc: AxisProfiles, slab: Uint8Array, shape: Shape3, z0: number): void {
  const [, ny, nx] = shape;
  const { pz, py, px } = acc;
  const depth = slab.length / (ny * nx);
  let i = 0;
  for (let k = z0; k < z0 + depth; k++)
    for (let j = 0; j < ny; j++)
      for (let x = 0; x < nx; x++, i++) {
        if (slab[i] === ELECTROLYTE) {
          pz[k]++;
          py[j]++;
          px[x]++;
        }
      }
}

/** The axis whose electrolyte fraction varies most, from complete profiles (integer counts: exact in any order). */
export function axisFromProfiles(acc: AxisProfiles, shape: Shape3): Axis {
  const [nz, ny, nx] = shape;
  const variance = (p: Float64Array, per: number) => {
    let m = 0;
    for (const v of p) m += v / per;
    m /= p.length;
    let s = 0;
    for (const v of p) s += (v / per - m) ** 2;
    return s / p.length;
  };
  const vz = variance(acc.pz, ny * nx);
  const vy = variance(acc.py, nz * nx);
  const vx = variance(acc.px, nz * ny);
  if (vz >= vy && vz >= vx) return 'z';
  return vy >= vx ? 'y' : 'x';
}

/** The axis along which the electrolyte fraction varies most (the layered direction). */
export function dominantAxis(labels: Uint8Array, shape: Shape3): Axis {
  const acc = newAxisProfiles(shape);
  accumulateAxisProfiles(acc, labels, shape, 0);
  return axisFromProfiles(acc, shape);
}

/**
 * Li-side statistics for one axis: over every (stepR, stepC)-th column, the sum and count of the
 * axis positions of electrolyte and of Li + collector voxels. Integer sums (exact in any order), so
 * they accumulate slab by slab over z whatever the axis.
 */
export interface LiSideCounts {
  axis: Axis;
  se: number;
  ne: number;
  sl: number;
  nl: number;
}

export function newLiSideCounts(axis: Axis): LiSideCounts {
  return { axis, se: 0, ne: 0, sl: 0, nl: 0 };
}

/** Add the slices [z0, …) held in `slab` (shape [depth, ny, nx]) to the Li-side counts. */
export function accumulateLiSide(acc: LiSideCounts, slab: Uint8Array, shape: Shape3, z0: number): void {
  const [nz, ny, nx] = shape;
  const g = geometryOf(shape, [1, 1, 1], acc.axis);
  const stepR = Math.max(1, Math.floor(g.rows / 64));
  const stepC = Math.max(1, Math.floor(g.cols / 64));
  const depth = slab.length / (ny * nx);
  let { se, ne, sl, nl } = acc;
  const add = (l: number, k: number) => {
    if (l === ELECTROLYTE) {
      se += k;
      ne++;
    } else if (l === LI || l === COLLECTOR) {
      sl += k;
      nl++;
    }
  };
  for (let z = z0; z < Math.min(nz, z0 + depth); z++) {
    const s = (z - z0) * ny * nx;
    if (acc.axis === 'z') {
      // rows y, cols x, k = z
      for (let y = 0; y < ny; y += stepR) for (let x = 0; x < nx; x += stepC) add(slab[s + y * nx + x], z);
    } else if (z % stepR === 0) {
      if (acc.axis === 'y') for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x += stepC) add(slab[s + y * nx + x], y);
      else for (let y = 0; y < ny; y += stepC) for (let x = 0; x < nx; x++) add(slab[s + y * nx + x], x);
    }
  }
  Object.assign(acc, { se, ne, sl, nl });
}

/** Which end of the axis the Li/collector is on: compares mean positions of electrolyte and Li+collector. */
export function liSideFromCounts(acc: LiSideCounts): 'low' | 'high' {
  const { se, ne, sl, nl } = acc;
  if (!ne) throw new InputError('no electrolyte (label 2) in the labels volume: there is no Li / electrolyte interface to measure');
  if (!nl) return 'low';
  return sl / nl <= se / ne ? 'low' : 'high';
}

/** Index of the electrolyte surface in a column walked from the collector side, or −1. */
function surfaceIndex(col: Uint8Array, n: number, window: number): number {
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
function repairSurface(surf: Float64Array, rows: number, cols: number, radius: number, threshold: number): number {
  const buf = new Float64Array((2 * radius + 1) ** 2);
  const repaired: Array<[number, number]> = [];
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const v = surf[r * cols + c];
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
function measureColumn(col: Uint8Array, n: number, s: number, d: number, profile: Float64Array | null, means: Array<number | null> | null): ColumnResult {
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
/**
 * The global decisions of a map (axis, Li side, parameters): everything the per-column passes share.
 * Built once for the whole volume; the passes then run on blocks of whole columns (rows of the map).
 */
export interface MapPlan {
  shape: Shape3;
  spacing: Spacing3;
  normal: NormalOption;
  g: ColumnGeometry;
  side: 'low' | 'high';
  window: number;
  threshold: number;
  radius: number;
  greyRadius: number;
  minTiltDeg: number;
  /**
   * The other electrode's interface heights (µm from index 0, NaN: none), when the cell has a Li
   * electrode at each end: Li past it is the other electrode's, Li between the two interfaces is
   * attributed by its run along the column (see measureColumn).
   */
  opposite: Float32Array | null;
}

export function mapPlan(shape: Shape3, spacing: Spacing3, axis: Axis, side: 'low' | 'high', options: Omit<ThicknessMapOptions, 'scan'>): MapPlan {
  return {
    shape,
    spacing,
    normal: options.normal ?? 'z',
    g: geometryOf(shape, spacing, axis),
    side,
    window: options.window ?? 6,
    threshold: options.outlierVoxels ?? 2.5,
    radius: options.medianRadius ?? 6,
    greyRadius: options.greyRadius ?? 1,
    minTiltDeg: options.minTiltDeg ?? 0.5,
    opposite: null,
  };
}

/** Map rows of the axis geometry (the rows blocks are made of). */
export function mapRows(plan: MapPlan): number {
  return plan.g.rows;
}

/**
 * The n walk samples of every column of map row r into out[c·n + t]. Read sample by sample across
 * the row (t outer, c inner) so the volume is walked along its fastest axis, not a slice apart.
 */
function gatherRow(plan: MapPlan, access: ColumnAccess, data: ArrayLike<number>, r: number, out: Uint8Array): void {
  const { n, cols } = plan.g;
  const b0 = access.base(r, 0);
  const dc = cols > 1 ? access.base(r, 1) - b0 : 0;
  for (let t = 0; t < n; t++) {
    let src = b0 + (plan.side === 'low' ? t : n - 1 - t) * access.stride;
    for (let c = 0, dst = t; c < cols; c++, src += dc, dst += n) out[dst] = data[src];
  }
  const other = plan.opposite;
  if (!other) return;
  // samples past the other electrode's interface belong to it (its Li layer, its filaments' roots)
  for (let c = 0; c < cols; c++) {
    const limit = walkIndexOf(plan, other[r * cols + c]);
    if (Number.isFinite(limit)) out.fill(BEYOND, c * n + Math.max(0, Math.min(n, Math.ceil(limit - 1e-9))), c * n + n);
  }
}

/** Walk coordinate (voxel edges at integers) of a height along the axis (µm from index 0): the inverse of the surface heights. */
function walkIndexOf(plan: MapPlan, height: number): number {
  const k = height / plan.g.d;
  return plan.side === 'low' ? k : plan.g.n - k;
}

/**
 * Lateral mean of the grey profile of every column of map row r over the (2·radius + 1)² columns
 * around it (clipped at the map edges) into out[c·n + t]: sums over rows, then over columns (exact
 * for integer scans, so equal to summing the columns one by one).
 */
function lateralMeanRow(plan: MapPlan, access: ColumnAccess, scan: ArrayLike<number>, r: number, radius: number, rowSums: Float64Array, out: Float64Array): void {
  const { n, cols, rows } = plan.g;
  const r0 = Math.max(0, r - radius), r1 = Math.min(rows - 1, r + radius);
  const dc = cols > 1 ? access.base(r, 1) - access.base(r, 0) : 0;
  for (let t = 0; t < n; t++) {
    const k = (plan.side === 'low' ? t : n - 1 - t) * access.stride;
    rowSums.fill(0);
    for (let rr = r0; rr <= r1; rr++) {
      let src = access.base(rr, 0) + k;
      for (let c = 0; c < cols; c++, src += dc) rowSums[c] += scan[src];
    }
    for (let c = 0; c < cols; c++) {
      const c0 = Math.max(0, c - radius), c1 = Math.min(cols - 1, c + radius);
      let sum = 0;
      for (let cc = c0; cc <= c1; cc++) sum += rowSums[cc];
      out[c * n + t] = sum / ((r1 - r0 + 1) * (c1 - c0 + 1));
    }
  }
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
      const s = surfaceIndex(col, n, plan.window);
      surf[r * cols + c] = s < 0 ? NaN : s;
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
    if (a < 0 || a >= dims[0] || r < 0 || r >= dims[1] || c < 0 || c >= dims[2]) return -1;
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
      line[t] = idx < 0 ? OUTSIDE : beyond ? BEYOND : data[idx];
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
      const s = surfaceIndex(line, lines.ns, lines.winSamples);
      lines.surfS[i] = s < 0 ? NaN : s;
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

export interface ThicknessSummary {
  mean_um: number;
  std_um: number;
  min_um: number;
  max_um: number;
  p05_um: number;
  p50_um: number;
  p95_um: number;
  zero_fraction: number;
  mean_capacity_mah_cm2: number;
  roughness: { electrolyte_surface: { rq_um: number; ra_um: number }; li_top: { rq_um: number; ra_um: number } };
  /** Li below the surface: `through_columns` are joined by Li to the other electrode (a short). */
  penetration: { max_um: number; mean_um: number; area_fraction: number; through_columns: number };
  histogram: Histogram;
  map: { shape: [number, number]; pixel_um: [number, number]; area_um2: number; area_mm2: number; valid_columns: number; invalid_columns: number };
  normal: { axis: Axis; vector: [number, number, number]; tilt_deg: number; li_side: 'low' | 'high' };
  refined_with_scan: boolean;
  mean_um_voxel_count: number;
  grey_means: ThicknessMapResult['grey_means'];
  surface_repaired_columns: number;
  li_um_per_mah_cm2: number;
}

function finiteSorted(a: Float32Array): Float64Array {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i])) n++;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i])) out[k++] = a[i];
  return out.sort();
}

const r6 = (v: number) => (Number.isFinite(v) ? +v.toPrecision(6) : v);

export function summarizeThickness(res: ThicknessMapResult, bins = 40): ThicknessSummary {
  const s = finiteSorted(res.thickness);
  const n = s.length;
  let sum = 0, zeros = 0;
  for (let i = 0; i < n; i++) {
    sum += s[i];
    if (s[i] <= 0) zeros++;
  }
  const mean = n ? sum / n : NaN;
  let v = 0;
  for (let i = 0; i < n; i++) v += (s[i] - mean) ** 2;
  const vc = finiteSorted(res.thicknessVoxelCount);
  let sumVc = 0;
  for (const x of vc) sumVc += x;
  const [rows, cols] = res.shape;
  const rs = roughness(res.surface, rows, cols, res.pixel_um[0], res.pixel_um[1]);
  const rl = roughness(res.liTop, rows, cols, res.pixel_um[0], res.pixel_um[1]);
  let pmax = 0, psum = 0, pn = 0, pv = 0;
  for (const p of res.penetration) {
    if (!Number.isFinite(p)) continue;
    pv++;
    if (p > 0) {
      pn++;
      psum += p;
      if (p > pmax) pmax = p;
    }
  }
  const area = rows * cols * res.pixel_um[0] * res.pixel_um[1];
  return {
    mean_um: r6(mean),
    std_um: r6(n ? Math.sqrt(v / n) : NaN),
    min_um: r6(n ? s[0] : NaN),
    max_um: r6(n ? s[n - 1] : NaN),
    p05_um: r6(quantileSorted(s, 0.05)),
    p50_um: r6(quantileSorted(s, 0.5)),
    p95_um: r6(quantileSorted(s, 0.95)),
    zero_fraction: r6(n ? zeros / n : NaN),
    mean_capacity_mah_cm2: r6(mean / LI_UM_PER_MAH_CM2),
    roughness: {
      electrolyte_surface: { rq_um: r6(rs.rq_um), ra_um: r6(rs.ra_um) },
      li_top: { rq_um: r6(rl.rq_um), ra_um: r6(rl.ra_um) },
    },
    penetration: { max_um: r6(pmax), mean_um: r6(pn ? psum / pn : 0), area_fraction: r6(pv ? pn / pv : 0), through_columns: res.through_columns },
    histogram: histogram(s, bins),
    map: { shape: res.shape, pixel_um: res.pixel_um, area_um2: r6(area), area_mm2: r6(area / 1e6), valid_columns: n, invalid_columns: rows * cols - n },
    normal: { axis: res.axis, vector: res.normal.map(r6) as [number, number, number], tilt_deg: r6(res.tilt_deg), li_side: res.li_side },
    refined_with_scan: res.refined,
    mean_um_voxel_count: r6(vc.length ? sumVc / vc.length : NaN),
    grey_means: res.grey_means,
    surface_repaired_columns: res.repaired_columns,
    li_um_per_mah_cm2: LI_UM_PER_MAH_CM2,
  };
}
