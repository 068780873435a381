/**
 * Columns outside the cell: a die wall or holder (PEEK, glass) around a pellet narrower than the
 * field of view. Along the stack normal a column through the cell crosses its layers and its grey
 * swings between them; a column through the wall is one material end to end, its spread is the
 * noise. Columns are split by 2-class Otsu on log(spread along the normal); the low-spread columns
 * are the wall when they lie outside the largest 4-connected block of high-spread columns (the cell:
 * componentsSlab on the plane),
 * reach the plane's border or the field of view (they surround the cell), cover ≥ 1 % of the plane, and the two spreads differ ≥ 3× (median to median). Those columns are
 * labelled 5 (outside the cell) and filled from their nearest cell column for the analysis, like the
 * field of view. One pass; memory: three per-column float64 tables.
 */
import type { Shape3 } from '../io/volume.js';
import { componentsSlab } from '../compute/cpu/kernels.js';
import { thresholdsFromHistogram, type Histogram } from './histogram.js';
import { forEachSlab, planeShape, type SliceReader } from './fov.js';
import type { AxisName } from './types.js';
import type { ColumnSums } from './axis.js';

export interface OutsideColumns {
  detected: boolean;
  /** 1 for wall columns (labelled 5), over the plane perpendicular to the normal (planeShape order). */
  mask: Uint8Array | null;
  /**
   * The wall columns of the spread split alone, before the half-way ring joined `mask`: the grey
   * filled in for the analysis grows from these (frame.ts), so the ring only changes final labels.
   */
  splitMask?: Uint8Array | null;
  fraction: number;
  evidence: Record<string, unknown>;
}

const MIN_FRACTION = 0.01;
const MIN_RATIO = 3;

/** `excluded`: plane mask of columns already masked (field of view along the normal), or null. */
export async function detectOutsideColumns(
  read: SliceReader, shape: Shape3, normal: AxisName, excluded: Uint8Array | null, slabSlices: number, sums?: ColumnSums | null,
): Promise<OutsideColumns> {
  const [nz, ny, nx] = shape;
  const [a, b] = planeShape(shape, normal);
  const n = a * b;
  // column sums along the normal: given (gathered with the stack-normal pass), or one pass here
  const { s1, s2, cnt } = sums ?? { s1: new Float64Array(n), s2: new Float64Array(n), cnt: new Float64Array(n) };
  if (!sums) await forEachSlab(read, nz, slabSlices, (g, z0, z1) => {
    for (let z = z0; z < z1; z++)
      for (let y = 0; y < ny; y++) {
        const row = ((z - z0) * ny + y) * nx;
        if (normal === 'x') {
          // the whole row is one column
          const p = z * ny + y;
          let a1 = 0, a2 = 0, c = 0;
          for (let x = 0; x < nx; x++) { const v = g[row + x]; if (v === v) { a1 += v; a2 += v * v; c++; } }
          s1[p] += a1; s2[p] += a2; cnt[p] += c;
          continue;
        }
        const base = normal === 'z' ? y * nx : z * nx;
        for (let x = 0; x < nx; x++) {
          const v = g[row + x];
          if (v !== v) continue;
          const p = base + x;
          s1[p] += v; s2[p] += v * v; cnt[p]++;
        }
      }
  });
  const none = (evidence: Record<string, unknown>): OutsideColumns => ({ detected: false, mask: null, fraction: 0, evidence });
  const logSpread = new Float64Array(n).fill(NaN);
  let lo = Infinity, hi = -Infinity;
  for (let p = 0; p < n; p++) {
    if ((excluded && excluded[p]) || cnt[p] < 2) continue;
    const m = s1[p] / cnt[p];
    const sd = Math.sqrt(Math.max(0, s2[p] / cnt[p] - m * m));
    const v = Math.log(Math.max(sd, 1e-6));
    logSpread[p] = v;
    lo = Math.min(lo, v); hi = Math.max(hi, v);
  }
  if (!(hi > lo)) return none({ reason: 'no spread along the normal to compare' });
  const BINS = 512;
  const counts = new Float64Array(BINS);
  let total = 0;
  const width = (hi - lo) / BINS;
  for (let p = 0; p < n; p++) if (logSpread[p] === logSpread[p]) { counts[Math.min(BINS - 1, Math.floor((logSpread[p] - lo) / width))]++; total++; }
  const h: Histogram = { binning: { lo, width, bins: BINS, integer: false }, counts, total };
  const th = thresholdsFromHistogram(h, 2, 'otsu', 'partition');
  const t = th.thresholds[0];
  const [low, high] = th.classes_stats;
  const ratio = Math.exp(high.mean - low.mean);
  const evidence: Record<string, unknown> = { spread_ratio: ratio, low_spread_fraction: low.weight / Math.max(1, total), threshold_log_spread: t };
  if (ratio < MIN_RATIO) return none({ ...evidence, reason: `column spreads along the normal differ ${ratio.toFixed(1)}× (< ${MIN_RATIO}×): no uniform wall` });
  // the cell: the largest 4-connected block of high-spread columns (components of a one-slice volume)
  const spread = new Uint8Array(n);
  for (let p = 0; p < n; p++) spread[p] = logSpread[p] >= t ? 1 : 0;
  const blocks = new Uint32Array(n);
  const blockSizes = componentsSlab(spread, blocks, [1, a, b], 0, 1, 6);
  let cellId = 0;
  for (let c = 1; c < blockSizes.length; c++) if (cellId === 0 || blockSizes[c] > blockSizes[cellId]) cellId = c;
  const mask = new Uint8Array(n);
  let considered = 0;
  for (let p = 0; p < n; p++) {
    if (excluded && excluded[p]) continue;
    considered++;
    if (blocks[p] !== cellId) mask[p] = 1;
  }
  // a wall surrounds the cell: keep only wall regions that reach the plane's border or the field of view
  const regions = new Uint32Array(n);
  const regionSizes = componentsSlab(mask, regions, [1, a, b], 0, 1, 6);
  const outer = new Uint8Array(regionSizes.length);
  for (let p = 0; p < n; p++) {
    const id = regions[p];
    if (!id || outer[id]) continue;
    const r = Math.floor(p / b), c = p - r * b;
    if (r === 0 || c === 0 || r === a - 1 || c === b - 1) { outer[id] = 1; continue; }
    if (excluded && (excluded[p - 1] || excluded[p + 1] || excluded[p - b] || excluded[p + b])) outer[id] = 1;
  }
  let wall = 0;
  for (let p = 0; p < n; p++) {
    if (mask[p] && !outer[regions[p]]) mask[p] = 0;
    wall += mask[p];
  }
  if (wall < MIN_FRACTION * considered) return none({ ...evidence, wall_fraction: wall / Math.max(1, n), reason: 'no block of uniform columns around the cell' });
  const splitMask = Uint8Array.from(mask);
  wall += halfWayRing(mask, s1, s2, cnt, a, b, excluded, evidence);
  const fraction = wall / Math.max(1, n);
  evidence.wall_fraction = fraction;
  return { detected: true, mask, splitMask, fraction, evidence };
}

/** Columns of the partial-volume ring moved to the wall at most this many times (the blur's reach). */
const RING_PASSES = 2;

/**
 * The wall | cell edge by the half-way rule. The detector blur mixes the first wall column with its
 * cell neighbour; the cell's layers then give it far more spread than the wall's noise, so the Otsu
 * split on log spread counts it as cell although its centre lies outside the bore (in the die-wall
 * phantoms ≈ half a ring of columns too many, 2–3 % of the cell's electrolyte and collector voxels).
 * Along a column the wall is one material, so its variance is the noise's; a mixed column's own
 * variance above that grows with the cell's share f squared: f = √((v − v_wall) / (v_cell − v_wall))
 * with the medians of wall and cell columns. A cell column next to the wall with f < 1/2 joins the
 * wall, ring by ring (≤ RING_PASSES). Returns the number of columns moved.
 */
function halfWayRing(
  mask: Uint8Array, s1: Float64Array, s2: Float64Array, cnt: Float64Array, a: number, b: number, excluded: Uint8Array | null, evidence: Record<string, unknown>,
): number {
  const n = a * b;
  const variance = (p: number) => { const m = s1[p] / cnt[p]; return Math.max(0, s2[p] / cnt[p] - m * m); };
  const vw: number[] = [], vc: number[] = [];
  for (let p = 0; p < n; p++) {
    if ((excluded && excluded[p]) || cnt[p] < 2) continue;
    (mask[p] ? vw : vc).push(variance(p));
  }
  const med = (v: number[]) => v.sort((x, y) => x - y)[v.length >> 1];
  if (!vw.length || !vc.length) return 0;
  const vWall = med(vw), vCell = med(vc);
  if (!(vCell > vWall)) return 0;
  let moved = 0;
  for (let pass = 0; pass < RING_PASSES; pass++) {
    const ring: number[] = [];
    for (let p = 0; p < n; p++) {
      if (mask[p] || (excluded && excluded[p]) || cnt[p] < 2) continue;
      const r = Math.floor(p / b), c = p - r * b;
      const byWall = (c > 0 && mask[p - 1]) || (c < b - 1 && mask[p + 1]) || (r > 0 && mask[p - b]) || (r < a - 1 && mask[p + b]);
      if (byWall && (variance(p) - vWall) / (vCell - vWall) < 0.25) ring.push(p);
    }
    for (const p of ring) mask[p] = 1;
    moved += ring.length;
    if (!ring.length) break;
  }
  evidence.half_way_ring = { columns: moved, wall_variance: vWall, cell_variance: vCell };
  return moved;
}
