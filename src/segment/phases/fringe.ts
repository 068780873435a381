/**
 * Step 5: the phase-contrast fringe. Fringes darken Li next to the electrolyte to void levels; the
 * median grey of layer voxels at distance d (1..DMAX voxels) from each bright phase, minus the
 * far-field (Li) median, is the shift the void | Li decision subtracts (step 6).
 * Distances: 6-connected steps through low-density voxels from the electrolyte or the collector,
 * kept as a bin in the label byte's high nibble (0 far, 1..DMAX from the electrolyte, DMAX+1..2·DMAX
 * from the collector); one sweep per distance, so a voxel set at distance d is not read as d − 1.
 * Complexity: DMAX + 2 passes over the rows holding low-density voxels; ≤ ~200k samples per bin.
 */
import { Sampler } from './class-stats.js';
import { COLLECTOR, DMAX, ELECTRODE, ELECTROLYTE } from './codes.js';
import type { Columns } from './columns.js';
import { FRINGE_BINS } from './layer-kernels.js';
import { runSlabKernel } from './slab-parallel.js';
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
  /** Every ⌈totalLayer / 200 000⌉-th layer voxel in raster order: grey and label byte (step 6: the Li level's spread). */
  layerSample: { grey: Float64Array; labels: Uint8Array };
}

/** Fringe bins into the labels' high nibble, then the fringe profile. */
export async function fringeCorrection(ctx: StepContext, columns: Columns, lowRows: Uint8Array): Promise<Fringe> {
  await fringeBins(ctx, lowRows);
  const fringe = await fringeProfile(ctx, columns, lowRows);
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
  // the rows each sweep set a bin in: the next sweep visits only the rows beside them (same bins)
  let changedIn: Uint8Array | null = null;
  for (let d = 1; d <= DMAX; d++) {
    for (let v = 0; v < 256; v++) table[v] = binFrom(v, d);
    const changedOut = new Uint8Array(new SharedArrayBuffer(lowRows.length));
    let set = 0;
    await store.sweep({ halo: 1, labels: 'write' }, async (w) => {
      for (const n of await runSlabKernel(backend, w, shape, 'fringeBinsSlab', { lowRows, table, changedIn, changedOut })) set += n;
    });
    if (!set) break;
    changedIn = changedOut;
  }
}

/**
 * Median grey per (source phase, distance) over electrode voxels in the layer (where Li dominates),
 * minus the far-field (Li) median. Two passes over z-slabs on the workers (layer-kernels.ts): the
 * layer voxels per slice and bin, then every sampler's voxels (each keeps every stride-th of its own
 * voxels in raster order; a slab starts its count where the slices below it end), and the sample
 * of all layer voxels that step 6 takes the Li level's spread from.
 */
async function fringeProfile(ctx: StepContext, columns: Columns, lowRows: Uint8Array): Promise<Fringe> {
  const { store, backend, shape, nz } = ctx;
  const NB = FRINGE_BINS;
  const { collectorAtStart, collOuter, collInner, elSurf, elBack, farInner, farOuter, farLayer } = columns;
  const layer = { lowRows, collectorAtStart, collOuter, collInner, elSurf, elBack, farInner, farOuter, farLayer };
  // shared: each slab writes its slices' rows
  const counts = new Float64Array(new SharedArrayBuffer(8 * nz * NB));
  await store.sweep({ labels: 'read' }, async (w) => {
    await runSlabKernel(backend, w, shape, 'layerCountsSlab', { ...layer, counts });
  });
  // integer counts: exact in any order
  const binCounts = new Float64Array(NB);
  for (let z = 0; z < nz; z++) for (let b = 0; b < NB; b++) binCounts[b] += counts[z * NB + b];
  let deep = 0, totalLayer = 0;
  for (let b = 0; b < NB; b++) {
    totalLayer += binCounts[b];
    if (!b || distOfBin(b) >= 3) deep += binCounts[b];
  }
  // Li level: far-field median; thin layers: voxels ≥ 3 steps from bright phases; else all layer voxels.
  const binSamplers = Array.from(binCounts, (c) => (c >= 200 ? new Sampler(c) : null));
  const refKind = binCounts[0] >= 1000 ? 'far' : deep >= 1000 ? 'deep' : 'all';
  const refSampler = refKind === 'deep' ? new Sampler(deep) : refKind === 'all' && totalLayer > 0 ? new Sampler(totalLayer) : null;
  const allStride = Math.max(1, Math.ceil(totalLayer / 200_000));
  const params = {
    ...layer, counts, strides: binSamplers.map((s) => s?.stride ?? 0),
    refKind: refSampler ? (refKind === 'deep' ? 1 : 2) : 0, refStride: refSampler?.stride ?? 1, allStride,
  };
  const allGrey: Float64Array[] = [], allLabel: Uint8Array[] = [];
  await store.sweep({ grey: true, labels: 'read' }, async (w) => {
    for (const part of await runSlabKernel(backend, w, shape, 'layerSamplesSlab', params)) {
      part.bins.forEach((v, b) => binSamplers[b]?.append(v));
      refSampler?.append(part.ref);
      allGrey.push(part.allGrey);
      allLabel.push(part.allLabel);
    }
  });
  const med = binSamplers.map((s) => (s ? s.median() : NaN));
  const reference = refKind === 'far' ? med[0] : refSampler ? refSampler.median() : NaN;
  const shift = new Float64Array(NB);
  for (let b = 1; b < NB; b++) shift[b] = Number.isFinite(med[b]) && Number.isFinite(reference) ? med[b] - reference : 0;
  return { shift, binCounts, totalLayer, reference, layerSample: { grey: concat(allGrey, Float64Array), labels: concat(allLabel, Uint8Array) } };
}

function concat<T extends Float64Array | Uint8Array>(parts: T[], Ctor: new (n: number) => T): T {
  const out = new Ctor(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
