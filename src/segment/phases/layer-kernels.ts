/**
 * Kernels of steps 5 and 6 over the layer's electrode voxels (electrode voxels of rows with
 * low-density voxels in the layer or far-layer zone, fringe.ts), loaded with slab-kernels.ts (which
 * re-exports them) on the cpu backend's workers. The samplers keep every stride-th voxel of their
 * kind in raster order; a slab finds where its own sequence starts from the per-slice counts of the
 * first pass, so the slabs' samples, in z order, are the samples of one raster pass.
 */
import { DMAX, ELECTRODE } from './codes.js';
import type { ColumnTables } from './layout-kernels.js';
import { columnTables, zoneOf } from './layout-kernels.js';
import { fourOf } from '../../compute/words.js';
import { wordsOf } from './word-kernels.js';
import type { SlabArgs } from './slab-kernels.js';

/** Fringe bins: 0 far, 1..DMAX from the electrolyte, DMAX+1..2·DMAX from the collector. */
export const FRINGE_BINS = 2 * DMAX + 1;

type LayerArgs = SlabArgs & ColumnTables & { lowRows: Uint8Array; collectorAtStart: boolean };

/** Visits the layer's electrode voxels of slices [z0, z1) in raster order: visit(local index, z). */
function forLayer(a: LayerArgs, visit: (i: number, z: number) => void): void {
  const { labels: L, lo, z0, z1, lowRows } = a;
  const t = columnTables(a);
  const [nz, ny, nx] = a.shape;
  const plane = ny * nx;
  // four equal label bytes of another state (the electrolyte's bulk) are skipped at once
  const W = wordsOf(L, nx);
  for (let z = z0; z < z1; z++) {
    const k = a.collectorAtStart ? z : nz - 1 - z;
    const base = (z - lo) * plane;
    for (let y = 0; y < ny; y++) {
      if (!lowRows[z * ny + y]) continue;
      for (let p = y * nx; p < (y + 1) * nx; p++) {
        const l = L[base + p];
        if ((l & 15) !== ELECTRODE) {
          if (W && (p & 3) === 0 && W[(base + p) >> 2] === fourOf(l)) p += 3;
          continue;
        }
        const zone = zoneOf(t, p, k);
        if (zone === 2 || zone === 4) visit(base + p, z);
      }
    }
  }
}

/** Step 5, first pass: layer voxels per (slice, fringe bin) → counts[z · FRINGE_BINS + bin] (each slice its own entries). */
export function layerCountsSlab(a: LayerArgs & { counts: Float64Array }): number {
  const { labels: L, counts } = a;
  forLayer(a, (i, z) => {
    counts[z * FRINGE_BINS + (L[i] >> 4)]++;
  });
  return 0;
}

export interface LayerSamples {
  /** Per fringe bin: the grey of its kept voxels (empty where `strides[bin]` is 0). */
  bins: Float32Array[];
  /** The Li reference sampler's kept grey. */
  ref: Float32Array;
  /** Every `allStride`-th layer voxel: its grey and label byte (step 6's spread of the Li level). */
  allGrey: Float64Array;
  allLabel: Uint8Array;
}

/**
 * Step 5, second pass (with step 6's spread sample): every strides[b]-th voxel of bin b (0: none),
 * every refStride-th of the reference set (refKind 1: far or ≥ 3 steps from bright phases, 2: all,
 * 0: none) and every allStride-th of all layer voxels, counted from the slab's first voxel's place
 * in the raster sequence (`counts`: layerCountsSlab's table).
 */
export function layerSamplesSlab(a: LayerArgs & { counts: Float64Array; strides: number[]; refKind: number; refStride: number; allStride: number }): LayerSamples {
  const { grey: G, labels: L, z0, counts, strides, refKind, refStride, allStride } = a;
  const seen = new Float64Array(FRINGE_BINS);
  for (let z = 0; z < z0; z++) for (let b = 0; b < FRINGE_BINS; b++) seen[b] += counts[z * FRINGE_BINS + b];
  const isRef = (b: number) => refKind === 2 || !b || ((b - 1) % DMAX) + 1 >= 3;
  let refSeen = 0, allSeen = 0;
  for (let b = 0; b < FRINGE_BINS; b++) {
    allSeen += seen[b];
    if (refKind && isRef(b)) refSeen += seen[b];
  }
  const bins: number[][] = Array.from({ length: FRINGE_BINS }, () => []);
  const ref: number[] = [], allGrey: number[] = [], allLabel: number[] = [];
  // places in each sequence modulo its stride (kept at 0), counted on rather than divided per voxel
  const binAt = Int32Array.from(seen, (n, b) => (strides[b] ? n % strides[b] : 0));
  let refAt = refSeen % refStride, allAt = allSeen % allStride;
  forLayer(a, (i) => {
    const l = L[i], b = l >> 4, g = G[i];
    const sb = strides[b];
    if (sb) {
      if (binAt[b] === 0) bins[b].push(g);
      if (++binAt[b] === sb) binAt[b] = 0;
    }
    if (refKind && isRef(b)) {
      if (refAt === 0) ref.push(g);
      if (++refAt === refStride) refAt = 0;
    }
    if (allAt === 0) {
      allGrey.push(g);
      allLabel.push(l);
    }
    if (++allAt === allStride) allAt = 0;
  });
  return { bins: bins.map((v) => Float32Array.from(v)), ref: Float32Array.from(ref), allGrey: Float64Array.from(allGrey), allLabel: Uint8Array.from(allLabel) };
}
