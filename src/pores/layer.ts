/**
 * The electrolyte layer of a cell: per column along the stack normal, the voxels [lo, hi] between
 * the two electrolyte surfaces, each found as the thickness map finds it (map-surface.ts): walking
 * from an end, the first electrolyte voxel with ≥ 60 % electrolyte in the next `window` voxels;
 * columns whose surface lies more than `outlierVoxels` deeper than the median of their
 * neighbourhood (a filament or a pore replacing the electrolyte there) take that median. So
 * interface voids thinner than the threshold stay outside the layer, and Li or pores reaching into
 * the electrolyte lie inside it. A full cell's layer also ends before the first cathode voxel of
 * the column after the low surface (the composite's electrolyte is not the separator's), repaired
 * the same way from the other side.
 *
 * Streaming: one pass over z-slabs (with `window` slices of halo for the z axis) keeps O(columns)
 * state; the repair is a map-level pass. What lies before lo / beyond hi is "the low / high side"
 * (the electrode, collector or cathode there, or the volume's end).
 */
import type { Shape3 } from '../io/volume.js';
import { repairSurface } from '../thickness/map-surface.js';
import type { Axis } from '../thickness/map.js';

const LI = 1;
const ELECTROLYTE = 2;
const COLLECTOR = 3;
const CATHODE = 4;
const OUTSIDE_CELL = 5;

export type SideKind = 'li' | 'collector' | 'cathode' | 'open';

export interface LayerSide {
  /** What lies beyond the layer on this side in at least half the columns (li before collector before cathode); 'open': none. */
  kind: SideKind;
  /** Name used for this side's outputs: near / far (two Li electrodes), anode (one), else low / high. */
  name: string;
  /** Fractions of the layer's columns with Li, collector or cathode beyond the layer on this side. */
  li_fraction: number;
  collector_fraction: number;
  cathode_fraction: number;
}

export interface LayerGeometry {
  axis: Axis;
  /** Samples along the normal. */
  n: number;
  /** Map (columns) shape [rows, cols]: the volume's shape without the normal axis. */
  rows: number;
  cols: number;
}

export interface Layer extends LayerGeometry {
  /** First and last layer index of each column (−1 in both: no layer in that column). */
  lo: Int32Array;
  hi: Int32Array;
  /** Columns with a layer. */
  columns: number;
  repaired: { low: number; high: number; cathode: number; open_end: number };
  low: LayerSide;
  high: LayerSide;
}

export interface LayerOptions {
  /** Voxels looked ahead to accept an electrolyte surface (default 6, as the thickness map). */
  window?: number;
  /** Surfaces deeper than the local median by more than this many voxels are repaired (default 2.5). */
  outlierVoxels?: number;
  /** Half-width (columns) of the repair's median neighbourhood (default 6). */
  medianRadius?: number;
}

export function layerGeometry(shape: Shape3, axis: Axis): LayerGeometry {
  const [nz, ny, nx] = shape;
  if (axis === 'z') return { axis, n: nz, rows: ny, cols: nx };
  if (axis === 'y') return { axis, n: ny, rows: nz, cols: nx };
  return { axis, n: nx, rows: nz, cols: ny };
}

/**
 * (t, column) of every voxel of slices [z0, z1): calls visit(i, t, c) with i the index in the
 * slab buffer (slice z0 first). Raster order, so x runs fastest.
 */
export function forEachVoxel(g: LayerGeometry, shape: Shape3, z0: number, z1: number, visit: (i: number, t: number, c: number) => void): void {
  const [, ny, nx] = shape;
  let i = 0;
  for (let z = z0; z < z1; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, i++) {
        if (g.axis === 'z') visit(i, z, y * nx + x);
        else if (g.axis === 'y') visit(i, y, z * nx + x);
        else visit(i, x, z * ny + y);
      }
}

/** The (t, column) of a global voxel index. */
export function voxelAt(g: LayerGeometry, shape: Shape3, index: number): [t: number, c: number] {
  const [, ny, nx] = shape;
  const plane = ny * nx;
  const z = Math.floor(index / plane);
  const r = index - z * plane;
  const y = Math.floor(r / nx);
  const x = r - y * nx;
  if (g.axis === 'z') return [z, y * nx + x];
  if (g.axis === 'y') return [y, z * nx + x];
  return [x, z * ny + y];
}

/** Per-column state of the streaming surface walk. */
export class LayerScan {
  readonly g: LayerGeometry;
  private readonly shape: Shape3;
  private readonly w: number;
  private readonly low: Float64Array;
  private readonly high: Float64Array;
  private readonly cut: Float64Array;
  private readonly cell: Uint8Array;
  /**
   * Bits: 1 Li, 2 collector, 4 cathode, 64 outside the cell (5, 255) seen before the low surface;
   * 8, 16, 32, 128 the same after the last high candidate.
   */
  private readonly seen: Uint8Array;

  constructor(shape: Shape3, axis: Axis, window = 6) {
    this.shape = shape;
    this.g = layerGeometry(shape, axis);
    this.w = Math.max(1, window);
    const m = this.g.rows * this.g.cols;
    this.low = new Float64Array(m).fill(NaN);
    this.high = new Float64Array(m).fill(NaN);
    this.cut = new Float64Array(m).fill(NaN);
    this.cell = new Uint8Array(m);
    this.seen = new Uint8Array(m);
  }

  /** Slices the pass must hold around [z0, z1) (the window's halo, z axis only). */
  halo(): number {
    return this.g.axis === 'z' ? this.w : 0;
  }

  /**
   * Walk the interior slices [z0, z1) held in `slab` (slices [lo, hi), lo ≤ z0, hi ≥ z1 with the
   * halo). Slabs must come in increasing z.
   */
  add(slab: Uint8Array, lo: number, hi: number, z0: number, z1: number): void {
    const [, ny, nx] = this.shape;
    const plane = ny * nx;
    const { n, axis } = this.g;
    const w = this.w;
    // index of sample t of column c in the slab, the step along t, and the t range held
    const columns: Array<[c: number, base: number, stride: number, tFrom: number, tTo: number]> = [];
    if (axis === 'z') {
      for (let c = 0; c < plane; c++) columns.push([c, c - lo * plane, plane, z0, z1]);
    } else {
      for (let z = z0; z < z1; z++) {
        const zb = (z - lo) * plane;
        if (axis === 'y') for (let x = 0; x < nx; x++) columns.push([z * nx + x, zb + x, nx, 0, n]);
        else for (let y = 0; y < ny; y++) columns.push([z * ny + y, zb + y * nx, 1, 0, n]);
      }
    }
    const tMin = axis === 'z' ? lo : 0;
    const tMax = axis === 'z' ? hi : n;
    for (const [c, base, stride, tFrom, tTo] of columns) {
      for (let t = tFrom; t < tTo; t++) {
        const v = slab[base + t * stride];
        if (v < OUTSIDE_CELL) this.cell[c] = 1;
        const lowFound = !Number.isNaN(this.low[c]);
        if (v === ELECTROLYTE) {
          // low walk: ≥ 60 % electrolyte in [t, t + w)
          if (!lowFound) {
            const wt = Math.min(w, n - t);
            let run = 0;
            for (let k = t; k < Math.min(t + wt, tMax); k++) if (slab[base + k * stride] === ELECTROLYTE) run++;
            if (run >= Math.ceil(0.6 * wt)) this.low[c] = t;
          }
          // high walk (from the other end): ≥ 60 % electrolyte in (t − w, t]; the last such t wins
          const wt = Math.min(w, t + 1);
          let run = 0;
          for (let k = Math.max(t - wt + 1, tMin); k <= t; k++) if (slab[base + k * stride] === ELECTROLYTE) run++;
          if (run >= Math.ceil(0.6 * wt)) {
            this.high[c] = t;
            this.seen[c] &= 7 | 64;
          }
          continue;
        }
        if (v >= OUTSIDE_CELL) {
          this.seen[c] |= lowFound ? 128 : 64;
          continue;
        }
        const bit = v === LI ? 1 : v === COLLECTOR ? 2 : v === CATHODE ? 4 : 0;
        if (!bit) continue;
        if (!lowFound) this.seen[c] |= bit;
        else {
          this.seen[c] |= bit << 3;
          if (v === CATHODE && Number.isNaN(this.cut[c])) this.cut[c] = t;
        }
      }
    }
  }

  /** The layer after the map-level repairs. */
  finish(o: LayerOptions = {}): Layer {
    const { rows, cols, n } = this.g;
    const m = rows * cols;
    const radius = o.medianRadius ?? 6;
    const threshold = o.outlierVoxels ?? 2.5;
    // walk coordinates of each side (larger = deeper from that end); −∞: no cell in the column
    const low = new Float64Array(m);
    const high = new Float64Array(m);
    for (let c = 0; c < m; c++) {
      low[c] = !this.cell[c] ? -Infinity : this.low[c];
      high[c] = !this.cell[c] ? -Infinity : Number.isNaN(this.high[c]) ? NaN : n - 1 - this.high[c];
    }
    const repairedLow = repairSurface(low, rows, cols, radius, threshold);
    const repairedHigh = repairSurface(high, rows, cols, radius, threshold);
    // the cathode cut, deeper towards the cathode = larger index: repaired in index coordinates
    const cut = Float64Array.from(this.cut);
    let cathodeColumns = 0;
    for (let c = 0; c < m; c++) if (Number.isFinite(cut[c])) cathodeColumns++;
    let repairedCut = 0;
    if (cathodeColumns > 0) {
      for (let c = 0; c < m; c++) if (!this.cell[c]) cut[c] = -Infinity;
      repairedCut = repairSurface(cut, rows, cols, radius, threshold);
    }
    const lo = new Int32Array(m).fill(-1);
    const hi = new Int32Array(m).fill(-1);
    let columns = 0;
    const counts = { li: [0, 0], collector: [0, 0], cathode: [0, 0] };
    for (let c = 0; c < m; c++) {
      if (!Number.isFinite(low[c]) || !Number.isFinite(high[c])) continue;
      const a = Math.round(low[c]);
      let b = n - 1 - Math.round(high[c]);
      const cutHere = Number.isFinite(cut[c]) && cut[c] > a;
      if (cutHere) b = Math.min(b, Math.round(cut[c]) - 1);
      if (b < a) continue;
      lo[c] = a;
      hi[c] = b;
      columns++;
      const s = this.seen[c];
      if (s & 1) counts.li[0]++;
      if (s & 2) counts.collector[0]++;
      if (s & 4) counts.cathode[0]++;
      if (s & 8) counts.li[1]++;
      if (s & 16) counts.collector[1]++;
      if (cutHere || s & 32) counts.cathode[1]++;
    }
    const frac = (k: number) => (columns ? k / columns : 0);
    const side = (k: 0 | 1): Omit<LayerSide, 'name'> => {
      const li = frac(counts.li[k]), collector = frac(counts.collector[k]), cathode = frac(counts.cathode[k]);
      // a full cell's composite (cathode) outranks the Li specks it may hold; Li outranks its collector
      const kind: SideKind = k === 1 && cathode >= 0.5 ? 'cathode' : li >= 0.5 ? 'li' : collector >= 0.5 ? 'collector' : cathode >= 0.5 ? 'cathode' : 'open';
      return { kind, li_fraction: +li.toFixed(4), collector_fraction: +collector.toFixed(4), cathode_fraction: +cathode.toFixed(4) };
    };
    const sl = side(0), sh = side(1);
    // an open end (the scan cuts the pellet): a column with only pores and electrolyte beyond its
    // walk's surface runs to the volume's face — pores at a cut face are the pellet's, not
    // interface voids (a lab-CT foil cell cut along x lost 1780 of its 10 856 pore voxels there)
    let extended = 0;
    for (let c = 0; c < m; c++) {
      if (lo[c] < 0) continue;
      if (sl.kind === 'open' && !(this.seen[c] & (1 | 2 | 4 | 64)) && lo[c] > 0) { lo[c] = 0; extended++; }
      if (sh.kind === 'open' && !(this.seen[c] & (8 | 16 | 32 | 128)) && hi[c] < n - 1 && !(Number.isFinite(cut[c]) && cut[c] > lo[c])) { hi[c] = n - 1; extended++; }
    }
    const two = sl.kind === 'li' && sh.kind === 'li';
    const nameOf = (s: Omit<LayerSide, 'name'>, end: 'low' | 'high') => (s.kind !== 'li' ? end : two ? (end === 'low' ? 'near' : 'far') : 'anode');
    return {
      ...this.g,
      lo,
      hi,
      columns,
      repaired: { low: repairedLow, high: repairedHigh, cathode: repairedCut, open_end: extended },
      low: { ...sl, name: nameOf(sl, 'low') },
      high: { ...sh, name: nameOf(sh, 'high') },
    };
  }
}

/** Where a voxel (t, column c) lies: −1 before the layer (low side), 0 in it, 1 beyond it (high side), 2 no layer in the column. */
export function placeOf(layer: Pick<Layer, 'lo' | 'hi'>, t: number, c: number): -1 | 0 | 1 | 2 {
  const a = layer.lo[c];
  if (a < 0) return 2;
  return t < a ? -1 : t > layer.hi[c] ? 1 : 0;
}

/**
 * Whether a layer voxel (t, c) touches the low / high side: its face neighbour along the normal or
 * across to a neighbouring column lies before / beyond the layer (the ends of the volume along the
 * normal count as the sides: a virtual plane at t = −1 and t = n). Bits: 1 low, 2 high.
 */
export function touchBits(layer: Layer, t: number, c: number): number {
  const { rows, cols } = layer;
  let bits = 0;
  if (t === layer.lo[c]) bits |= 1;
  if (t === layer.hi[c]) bits |= 2;
  if (bits === 3) return 3;
  const r = Math.floor(c / cols);
  const k = c - r * cols;
  const check = (cc: number) => {
    const a = layer.lo[cc];
    if (a < 0) return;
    if (t < a) bits |= 1;
    else if (t > layer.hi[cc]) bits |= 2;
  };
  if (k > 0) check(c - 1);
  if (k < cols - 1) check(c + 1);
  if (r > 0) check(c - cols);
  if (r < rows - 1) check(c + cols);
  return bits;
}
