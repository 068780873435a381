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

export type NormalOption = 'x' | 'y' | 'z' | 'auto';
type Axis = 'z' | 'y' | 'x';

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
}

interface ColumnGeometry {
  axis: Axis;
  n: number; // samples along the axis
  rows: number;
  cols: number;
  stride: number;
  base: (r: number, c: number) => number;
  d: number; // µm per voxel along the axis
  pr: number; // µm per row
  pc: number; // µm per col
}

function geometryOf(shape: Shape3, spacing: Spacing3, axis: Axis): ColumnGeometry {
  const [nz, ny, nx] = shape;
  const [dz, dy, dx] = spacing;
  const plane = ny * nx;
  if (axis === 'z') return { axis, n: nz, rows: ny, cols: nx, stride: plane, base: (r, c) => r * nx + c, d: dz, pr: dy, pc: dx };
  if (axis === 'y') return { axis, n: ny, rows: nz, cols: nx, stride: nx, base: (r, c) => r * plane + c, d: dy, pr: dz, pc: dx };
  return { axis, n: nx, rows: nz, cols: ny, stride: 1, base: (r, c) => r * plane + c * nx, d: dx, pr: dz, pc: dy };
}

/** The axis along which the electrolyte fraction varies most (the layered direction). */
export function dominantAxis(labels: Uint8Array, shape: Shape3): Axis {
  const [nz, ny, nx] = shape;
  const pz = new Float64Array(nz);
  const py = new Float64Array(ny);
  const px = new Float64Array(nx);
  let i = 0;
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let x = 0; x < nx; x++, i++) {
        if (labels[i] === ELECTROLYTE) {
          pz[k]++;
          py[j]++;
          px[x]++;
        }
      }
  const variance = (p: Float64Array, per: number) => {
    let m = 0;
    for (const v of p) m += v / per;
    m /= p.length;
    let s = 0;
    for (const v of p) s += (v / per - m) ** 2;
    return s / p.length;
  };
  const vz = variance(pz, ny * nx);
  const vy = variance(py, nz * nx);
  const vx = variance(px, nz * ny);
  if (vz >= vy && vz >= vx) return 'z';
  return vy >= vx ? 'y' : 'x';
}

/** Which end of the axis the Li/collector is on: compares mean positions of electrolyte and Li+collector. */
function liSideOf(labels: Uint8Array, g: ColumnGeometry): 'low' | 'high' {
  let se = 0, ne = 0, sl = 0, nl = 0;
  const stepR = Math.max(1, Math.floor(g.rows / 64));
  const stepC = Math.max(1, Math.floor(g.cols / 64));
  for (let r = 0; r < g.rows; r += stepR)
    for (let c = 0; c < g.cols; c += stepC) {
      const b = g.base(r, c);
      for (let k = 0; k < g.n; k++) {
        const l = labels[b + k * g.stride];
        if (l === ELECTROLYTE) {
          se += k;
          ne++;
        } else if (l === LI || l === COLLECTOR) {
          sl += k;
          nl++;
        }
      }
    }
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

/** Mean grey level per label over voxels whose two neighbours along the axis share the label. */
function greyMeans(labels: Uint8Array, scan: VoxelArray, g: ColumnGeometry): Array<number | null> {
  const sums = new Float64Array(4);
  const counts = new Float64Array(4);
  const stepR = Math.max(1, Math.floor(g.rows / 128));
  const stepC = Math.max(1, Math.floor(g.cols / 128));
  for (let r = 0; r < g.rows; r += stepR)
    for (let c = 0; c < g.cols; c += stepC) {
      const b = g.base(r, c);
      for (let k = 1; k < g.n - 1; k++) {
        const idx = b + k * g.stride;
        const l = labels[idx];
        if (l > 3 || labels[idx - g.stride] !== l || labels[idx + g.stride] !== l) continue;
        sums[l] += scan[idx];
        counts[l]++;
      }
    }
  return [0, 1, 2, 3].map((l) => (counts[l] ? sums[l] / counts[l] : null));
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
}

/** Measure one column given its surface index (walk coordinates). */
function measureColumn(col: Uint8Array, n: number, s: number, d: number, profile: Float64Array | null, means: Array<number | null> | null): ColumnResult {
  if (s < 0) return { thickness: NaN, count: 0, penetration: 0, liTop: NaN, invalid: true };
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
  let deepest = -1;
  for (let t = s; t < n; t++) if (col[t] === LI) deepest = t;
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
  return { thickness, count, penetration, liTop: first >= 0 ? first : NaN, invalid };
}

/** Li thickness map of a labels volume (uint8 codes 0 void, 1 Li, 2 electrolyte, 3 collector). */
export function thicknessMap(labels: Volume, options: ThicknessMapOptions = {}): ThicknessMapResult {
  if (!(labels.data instanceof Uint8Array)) throw new InputError(`labels must be uint8 (got ${labels.dtype})`);
  const spacing = options.spacing ?? labels.spacing;
  if (!spacing) throw new InputError('the thickness map needs the voxel size: give --voxel UM (or DZ,DY,DX)');
  const data = labels.data;
  const shape = labels.shape;
  const scan = options.scan ?? null;
  if (scan && scan.shape.join(',') !== shape.join(',')) throw new InputError(`--scan shape ${scan.shape.join('×')} differs from the labels' ${shape.join('×')}`);
  const normal = options.normal ?? 'z';
  const axis: Axis = normal === 'auto' ? dominantAxis(data, shape) : normal;
  const g = geometryOf(shape, spacing, axis);
  const side = liSideOf(data, g);
  const window = options.window ?? 6;
  const threshold = options.outlierVoxels ?? 2.5;
  const radius = options.medianRadius ?? 6;
  const { rows, cols, n } = g;
  const m = rows * cols;
  const col = new Uint8Array(n);
  const kOf = (t: number) => (side === 'low' ? t : n - 1 - t);
  const gather = (r: number, c: number) => {
    const b = g.base(r, c);
    for (let t = 0; t < n; t++) col[t] = data[b + kOf(t) * g.stride];
  };
  const progress = options.onProgress;
  // Stage 1–2: surface indices along the axis.
  const surf = new Float64Array(m);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      gather(r, c);
      const s = surfaceIndex(col, n, window);
      surf[r * cols + c] = s < 0 ? NaN : s;
    }
    if (progress && r % 16 === 0) progress(r, rows * 3);
  }
  const repaired = repairSurface(surf, rows, cols, radius, threshold);
  progress?.(rows, rows * 3);
  const heightOf = (t: number) => (side === 'low' ? t * g.d : (n - t) * g.d);
  const surface = new Float32Array(m);
  for (let i = 0; i < m; i++) surface[i] = Number.isFinite(surf[i]) ? heightOf(surf[i]) : NaN;

  // Plane fit (auto mode): tilt of the electrolyte surface.
  let tilt = 0;
  let unit: [number, number, number] = [side === 'low' ? 1 : -1, 0, 0];
  let plane = { a: 0, b: 0, c: 0 };
  if (normal === 'auto') {
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
  const tilted = normal === 'auto' && tilt >= (options.minTiltDeg ?? 0.5);

  // Grey levels for refinement.
  const means = scan ? greyMeans(data, scan.data, g) : null;
  const greyRadius = options.greyRadius ?? 1;

  const thickness = new Float32Array(m);
  const voxelCount = new Float32Array(m);
  const penetration = new Float32Array(m);
  const liTop = new Float32Array(m);
  let invalidColumns = 0;

  if (!tilted) {
    const profile = scan ? new Float64Array(n) : null;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        gather(r, c);
        if (profile && scan) {
          // lateral average of the grey profile over (2·greyRadius + 1)² columns
          profile.fill(0);
          let w = 0;
          for (let rr = Math.max(0, r - greyRadius); rr <= Math.min(rows - 1, r + greyRadius); rr++)
            for (let cc = Math.max(0, c - greyRadius); cc <= Math.min(cols - 1, c + greyRadius); cc++) {
              const b = g.base(rr, cc);
              for (let t = 0; t < n; t++) profile[t] += scan.data[b + kOf(t) * g.stride];
              w++;
            }
          for (let t = 0; t < n; t++) profile[t] /= w;
        }
        const s = Number.isFinite(surf[i]) ? surf[i] : -1;
        const res = measureColumn(col, n, s, g.d, profile, means);
        const withoutScan = res.count * g.d;
        thickness[i] = s < 0 ? NaN : res.thickness;
        voxelCount[i] = s < 0 ? NaN : withoutScan;
        penetration[i] = res.penetration;
        liTop[i] = Number.isFinite(res.liTop) ? heightOf(res.liTop) : NaN;
        if (s < 0) invalidColumns++;
      }
      if (progress && r % 16 === 0) progress(rows + 2 * r, rows * 3);
    }
  } else {
    // Sample each column along the fitted normal through the plane point above the column centre.
    const step = 0.5 * Math.min(...spacing);
    const dims = [g.n, g.rows, g.cols];
    const ds = [g.d, g.pr, g.pc];
    const depth = g.n * g.d;
    const span = depth / Math.abs(unit[0]) + Math.hypot(g.rows * g.pr, g.cols * g.pc);
    const ns = Math.ceil(span / step);
    const line = new Uint8Array(ns);
    const profile = scan ? new Float64Array(ns) : null;
    const sampleIndex = (p: number[]): number => {
      const a = Math.floor(p[0] / ds[0]);
      const r = Math.floor(p[1] / ds[1]);
      const c = Math.floor(p[2] / ds[2]);
      if (a < 0 || a >= dims[0] || r < 0 || r >= dims[1] || c < 0 || c >= dims[2]) return -1;
      return g.base(r, c) + a * g.stride;
    };
    const winSamples = Math.round((window * g.d) / step);
    const surfS = new Float64Array(m);
    const origin = new Float64Array(m * 3);
    const lineStart = new Int32Array(m);
    const p = [0, 0, 0];
    const fillLine = (i: number) => {
      const o = i * 3;
      for (let t = 0; t < ns; t++) {
        const tau = (t - lineStart[i]) * step;
        p[0] = origin[o] + tau * unit[0];
        p[1] = origin[o + 1] + tau * unit[1];
        p[2] = origin[o + 2] + tau * unit[2];
        const idx = sampleIndex(p);
        line[t] = idx < 0 ? OUTSIDE : data[idx];
        if (profile && scan) profile[t] = idx < 0 ? NaN : scan.data[idx];
      }
    };
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        const y = (r + 0.5) * g.pr;
        const x = (c + 0.5) * g.pc;
        origin[i * 3] = plane.a + plane.b * y + plane.c * x;
        origin[i * 3 + 1] = y;
        origin[i * 3 + 2] = x;
        lineStart[i] = Math.floor(ns / 2); // the plane point sits in the middle of the line
        fillLine(i);
        const s = surfaceIndex(line, ns, winSamples);
        surfS[i] = s < 0 ? NaN : s;
      }
    const rep = repairSurface(surfS, rows, cols, radius, (threshold * g.d) / step);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) {
        const i = r * cols + c;
        fillLine(i);
        const s = Number.isFinite(surfS[i]) ? surfS[i] : -1;
        const res = measureColumn(line, ns, s, step, profile, means);
        const bad = s < 0 || res.invalid;
        if (bad) invalidColumns++;
        thickness[i] = bad ? NaN : res.thickness;
        voxelCount[i] = bad ? NaN : res.count * step;
        penetration[i] = bad ? NaN : res.penetration;
        if (Number.isFinite(res.liTop) && !bad) {
          const tau = (res.liTop - lineStart[i]) * step;
          const h = origin[i * 3] + tau * unit[0];
          liTop[i] = h;
        } else liTop[i] = NaN;
      }
      if (progress && r % 16 === 0) progress(rows + 2 * r, rows * 3);
    }
    void rep;
  }
  progress?.(1, 1);
  const gm = means
    ? { void: means[VOID], li: means[LI], electrolyte: means[ELECTROLYTE], collector: means[COLLECTOR] }
    : null;
  return {
    shape: [rows, cols],
    pixel_um: [g.pr, g.pc],
    axis_um: g.d,
    axis,
    normal: unit,
    tilt_deg: tilt,
    li_side: side,
    thickness,
    penetration,
    surface,
    liTop,
    thicknessVoxelCount: voxelCount,
    refined: Boolean(scan),
    grey_means: gm,
    repaired_columns: repaired,
    invalid_columns: invalidColumns,
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
  penetration: { max_um: number; mean_um: number; area_fraction: number };
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
    penetration: { max_um: r6(pmax), mean_um: r6(pn ? psum / pn : 0), area_fraction: r6(pv ? pn / pv : 0) },
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
