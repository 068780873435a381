/**
 * The thickness map's shared definitions: label codes, options and result types, the column
 * geometry of each axis, how a block of map rows is addressed, the global decisions (dominant axis,
 * Li side) and the plan every per-column pass works from (see map.ts for the method).
 */
import type { Shape3, Spacing3, Volume, VoxelArray } from '../io/volume.js';
import { InputError } from '../io/errors.js';

export const LI_UM_PER_MAH_CM2 = 4.85;

export const VOID = 0;
export const LI = 1;
export const ELECTROLYTE = 2;
export const COLLECTOR = 3;
export const OUTSIDE = 255;
export const OUTSIDE_CELL = 5;
/** Walk samples beyond the other electrode's interface (two-electrode maps): not label codes. */
export const BEYOND = 254;
/**
 * A tilted line's samples before or after the volume along the axis (through an end face): like a
 * column's own end, Li starting there is measured (what is in view), where a line leaving through
 * a side face (OUTSIDE) makes its layer unmeasurable. Not a label code.
 */
export const VOLUME_END = 253;

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

export function geometryOf(shape: Shape3, spacing: Spacing3, axis: Axis): ColumnGeometry {
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
export function gatherRow(plan: MapPlan, access: ColumnAccess, data: ArrayLike<number>, r: number, out: Uint8Array): void {
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
export function lateralMeanRow(plan: MapPlan, access: ColumnAccess, scan: ArrayLike<number>, r: number, radius: number, rowSums: Float64Array, out: Float64Array): void {
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

