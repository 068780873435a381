/**
 * Kernels of steps 5 and 6 over the layer's electrode voxels (electrode voxels of rows with
 * low-density voxels in the layer or far-layer zone, fringe.ts), loaded with slab-kernels.ts (which
 * re-exports them) on the cpu backend's workers. The samplers keep every stride-th voxel of their
 * kind in raster order; a slab finds where its own sequence starts from the per-slice counts of the
 * first pass, so the slabs' samples, in z order, are the samples of one raster pass.
 */
import { DMAX, ELECTRODE } from './codes.js';
import type { ColumnTables } from './layout-kernels.js';
import { zoneOf } from './layout-kernels.js';
import type { SlabArgs } from './slab-kernels.js';

/** Fringe bins: 0 far, 1..DMAX from the electrolyte, DMAX+1..2·DMAX from the collector. */
export const FRINGE_BINS = 2 * DMAX + 1;

type LayerArgs = SlabArgs & ColumnTables & { lowRows: Uint8Array; collectorAtStart: boolean };

/** Visits the layer's electrode voxels of slices [z0, z1) in raster order: visit(local index). */
function forLayer(a: LayerArgs, visit: (i: number) => void): void {
  const { labels: L, lo, z0, z1, lowRows } = a;
  const [nz, ny, nx] = a.shape;
  const plane = ny * nx;
  for (let z = z0; z < z1; z++) {
    const k = a.collectorAtStart ? z : nz - 1 - z;
    const base = (z - lo) * plane;
    for (let y = 0; y < ny; y++) {
      if (!lowRows[z * ny + y]) continue;
      for (let p = y * nx; p < (y + 1) * nx; p++) {
        if ((L[base + p] & 15) !== ELECTRODE) continue;
        const zone = zoneOf(a, p, k);
        if (zone === 2 || zone === 4) visit(base + p);
      }
    }
  }
}

/** Step 5, first pass: layer voxels per (slice, fringe bin) → counts[z · FRINGE_BINS + bin] (each slice its own entries). */
export function layerCountsSlab(a: LayerArgs & { counts: Float64Array }): number {
  const { labels: L, lo, counts } = a;
  const plane = a.shape[1] * a.shape[2];
  forLayer(a, (i) => {
    counts[(lo + Math.floor(i / plane)) * FRINGE_BINS + (L[i] >> 4)]++;
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
  forLayer(a, (i) => {
    const l = L[i], b = l >> 4, g = G[i];
    if (strides[b] && seen[b]++ % strides[b] === 0) bins[b].push(g);
    if (refKind && isRef(b) && refSeen++ % refStride === 0) ref.push(g);
    if (allSeen++ % allStride === 0) {
      allGrey.push(g);
      allLabel.push(l);
    }
  });
  return { bins: bins.map((v) => Float32Array.from(v)), ref: Float32Array.from(ref), allGrey: Float64Array.from(allGrey), allLabel: Uint8Array.from(allLabel) };
}
