/**
 * Step 5: the phase-contrast fringe. Fringes darken Li next to the electrolyte to void levels; the
 * median grey of layer voxels at distance d (1..DMAX voxels) from each bright phase, minus the
 * far-field (Li) median, is the shift the void | Li decision subtracts (step 6).
 * Distances: 6-connected steps through low-density voxels from the electrolyte or the collector,
 * kept as a bin in the label byte's high nibble (0 far, 1..DMAX from the electrolyte, DMAX+1..2·DMAX
 * from the collector); one sweep per distance, so a voxel set at distance d is not read as d − 1.
 * Complexity: DMAX + 2 passes over the rows holding low-density voxels; ≤ ~200k samples per bin.
 */
import type { Window } from '../store.js';
import { Sampler } from './class-stats.js';
import { COLLECTOR, DMAX, ELECTRODE, ELECTROLYTE } from './codes.js';
import { runSlabKernel } from './slab-parallel.js';
import { isLayer, type Columns } from './columns.js';
import type { StepContext } from './types.js';

/** Distance (1..DMAX) of a fringe bin, 0 for bin 0 (far). */
export const distOfBin = (b: number): number => (b ? ((b - 1) % DMAX) + 1 : 0);

export interface Fringe {
  /** Grey shift per bin (0 for bin 0 and bins with too few samples). */
  shift: Float64Array;
  /** Layer electrode voxels per bin, and in all. */
  binCounts: Float64Array;
  totalLayer: number;
  /** The Li level: median of the far field, else of voxels ≥ 3 steps from bright phases, else of all layer voxels. */
  reference: number;
}

/** Electrode voxels in the layer (between collector and electrolyte surface, or the far layer), visited in raster order. */
export type LayerVisitor = (grey: boolean, visit: (w: Window, i: number) => void) => Promise<void>;

export function layerVisitor(ctx: StepContext, columns: Columns, lowRows: Uint8Array): LayerVisitor {
  const { store, ny, nx, plane } = ctx;
  const { oz, zoneAt } = columns;
  return (grey, visit) => store.sweep({ grey, labels: 'read' }, (w) => {
    for (let z = w.z0; z < w.z1; z++) {
      const k = oz(z);
      const base = (z - w.lo) * plane;
      for (let y = 0; y < ny; y++) {
        if (!lowRows[z * ny + y]) continue;
        for (let p = y * nx; p < (y + 1) * nx; p++) if ((w.labels[base + p] & 15) === ELECTRODE && isLayer(zoneAt(p, k))) visit(w, base + p);
      }
    }
  });
}

/** Fringe bins into the labels' high nibble, then the fringe profile. */
export async function fringeCorrection(ctx: StepContext, forEachLayer: LayerVisitor, lowRows: Uint8Array): Promise<Fringe> {
  await fringeBins(ctx, lowRows);
  const fringe = await fringeProfile(forEachLayer);
  ctx.lap('fringe_profile');
  return fringe;
}

async function fringeBins(ctx: StepContext, lowRows: Uint8Array): Promise<void> {
  const { store, backend, shape } = ctx;
  // The bin a voxel takes in sweep d from a neighbour depends only on the neighbour's label byte v
  // (0: none): d = 1 from a bright phase, else from a low voxel whose bin is at distance d − 1 (its
  // source kept). One table per sweep. The sweeps run over z-slabs on the workers (slab-kernels.ts):
  // a bin written in sweep d is never read in it, so the order of the voxels does not matter.
  const binFrom = (v: number, d: number): number => {
    if (d === 1) return (v & 15) === ELECTROLYTE ? 1 : (v & 15) === COLLECTOR ? DMAX + 1 : 0;
    const b = v >> 4;
    return b && distOfBin(b) === d - 1 ? b + 1 : 0;
  };
  const table = new Uint8Array(new SharedArrayBuffer(256));
  for (let d = 1; d <= DMAX; d++) {
    for (let v = 0; v < 256; v++) table[v] = binFrom(v, d);
    await store.sweep({ halo: 1, labels: 'write' }, async (w) => {
      await runSlabKernel(backend, w, shape, 'fringeBinsSlab', { lowRows, table });
    });
  }
}

/**
 * Median grey per (source phase, distance) over electrode voxels in the layer (where Li dominates),
 * minus the far-field (Li) median. Every sample in one pass (each sampler keeps every stride-th of
 * its own voxels in raster order).
 */
async function fringeProfile(forEachLayer: LayerVisitor): Promise<Fringe> {
  const NB = 2 * DMAX + 1;
  const binCounts = new Float64Array(NB);
  let deep = 0;
  await forEachLayer(false, (w, i) => {
    const b = w.labels[i] >> 4;
    binCounts[b]++;
    if (!b || distOfBin(b) >= 3) deep++;
  });
  let totalLayer = 0;
  for (const c of binCounts) totalLayer += c;
  // Li level: far-field median; thin layers: voxels ≥ 3 steps from bright phases; else all layer voxels.
  const binSamplers = Array.from(binCounts, (c) => (c >= 200 ? new Sampler(c) : null));
  const refKind = binCounts[0] >= 1000 ? 'far' : deep >= 1000 ? 'deep' : 'all';
  const refSampler = refKind === 'deep' ? new Sampler(deep) : refKind === 'all' && totalLayer > 0 ? new Sampler(totalLayer) : null;
  await forEachLayer(true, (w, i) => {
    const b = w.labels[i] >> 4;
    const g = w.grey[i];
    binSamplers[b]?.offer(g);
    if (refSampler && (refKind === 'all' || !b || distOfBin(b) >= 3)) refSampler.offer(g);
  });
  const med = binSamplers.map((s) => (s ? s.median() : NaN));
  const reference = refKind === 'far' ? med[0] : refSampler ? refSampler.median() : NaN;
  const shift = new Float64Array(NB);
  for (let b = 1; b < NB; b++) shift[b] = Number.isFinite(med[b]) && Number.isFinite(reference) ? med[b] - reference : 0;
  return { shift, binCounts, totalLayer, reference };
}
