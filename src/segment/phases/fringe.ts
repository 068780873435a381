/**
 * Step 5: the phase-contrast fringe. Fringes darken Li next to the electrolyte to void levels; the
 * median grey of layer voxels at distance d (1..DMAX voxels) from each bright phase, minus the
 * far-field (Li) median, is the shift the void | Li decision subtracts (step 6).
 * Distances: 6-connected steps through low-density voxels from the electrolyte or the collector,
 * kept as a bin in the label byte's high nibble (0 far, 1..DMAX from the electrolyte, DMAX+1..2·DMAX
 * from the collector); one sweep per distance, so a voxel set at distance d is not read as d − 1.
 * Complexity: DMAX + 2 passes over the rows holding low-density voxels; ≤ ~200k samples per bin.
 */
import { concatArrays } from '../../compute/concat.js';
import { Sampler } from './class-stats.js';
import { AIR, COLLECTOR, DMAX, ELECTRODE, ELECTROLYTE, VOID } from './codes.js';
import { openFace } from './air.js';
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
  /** Robust σ of the Li level when it was taken from the brighter of two far-field populations (liLevelUnderAir), else undefined. */
  referenceSpread?: number;
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
  const farSample = binSamplers[0];
  const openFace = refKind === 'far' && farSample ? await lowDensityFace(ctx, columns) : null;
  const upper = openFace ? liLevelUnderAir(farSample!.buf.subarray(0, farSample!.m)) : null;
  if (upper) ctx.decisions.push({ step: 'li level', decision: `low density at the ${openFace} face with no collector in view, and the layer's far field holds two grey populations, the darker the larger (${(100 * upper.lowerWeight).toFixed(0)} %, ${upper.separation.toFixed(1)} σ apart): air beyond the Li face (a tilted face leaves a wedge of it); the Li level is the brighter population's median (${upper.level.toFixed(1)}), not the far field's (${med[0].toFixed(1)})`, evidence: { ...upper, far_field_median: med[0], face: openFace } });
  const reference = upper ? upper.level : refKind === 'far' ? med[0] : refSampler ? refSampler.median() : NaN;
  const shift = new Float64Array(NB);
  for (let b = 1; b < NB; b++) shift[b] = Number.isFinite(med[b]) && Number.isFinite(reference) ? med[b] - reference : 0;
  return { shift, binCounts, totalLayer, reference, referenceSpread: upper?.spread, layerSample: { grey: concatArrays(allGrey, Float64Array), labels: concatArrays(allLabel, Uint8Array) } };
}

/** An end whose face voxel is low density (void or electrode states) in at least half of the columns, with no collector there: where air may lie beyond a Li face. */
async function lowDensityFace(ctx: StepContext, columns: Columns): Promise<'start' | 'end' | null> {
  const low = (l: number) => { const s = l & 15; return s === VOID || s === ELECTRODE || s === AIR; };
  for (const end of ['start', 'end'] as const) if (await openFace(ctx, columns, end, low)) return end;
  return null;
}

/**
 * Two populations this many pooled within-class σ apart (after the split, which trims each one's
 * tails: one Gaussian split at its mean reads 2.7, two 2.7 σ apart 3.2) count as two. Air | Li
 * beyond a tilted face on the lab phantoms after the 3³ median: 7.1–7.6.
 */
export const LI_LEVEL_SEPARATION = 4;

/**
 * The Li level when the layer's far field is mostly something darker: an Otsu split of the sample
 * into two populations ≥ LI_LEVEL_SEPARATION pooled σ apart with the darker ≥ half of it (its median
 * then lies in the darker one) → the brighter population's median; else null (the far-field median
 * stands: Li is the majority). Complexity: O(n log n) for the sort.
 */
export function liLevelUnderAir(sample: Float32Array | Float64Array): { level: number; spread: number; lowerWeight: number; separation: number; split: number } | null {
  const n = sample.length;
  if (n < 1000) return null;
  const v = Float64Array.from(sample).sort();
  const pre = new Float64Array(n + 1), pre2 = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) { pre[i + 1] = pre[i] + v[i]; pre2[i + 1] = pre2[i] + v[i] * v[i]; }
  // Otsu over split positions i (lower = v[0..i)) at value changes
  let best = -1, bestI = 0;
  for (let i = 1; i < n; i++) {
    if (v[i] === v[i - 1]) continue;
    const w0 = i / n, m0 = pre[i] / i, m1 = (pre[n] - pre[i]) / (n - i);
    const b = w0 * (1 - w0) * (m1 - m0) * (m1 - m0);
    if (b > best) { best = b; bestI = i; }
  }
  if (best <= 0) return null;
  const i = bestI;
  const m0 = pre[i] / i, m1 = (pre[n] - pre[i]) / (n - i);
  const within = (pre2[n] - i * m0 * m0 - (n - i) * m1 * m1) / n;
  const separation = (m1 - m0) / Math.sqrt(Math.max(within, 1e-12));
  const lowerWeight = i / n;
  if (!(lowerWeight >= 0.5 && separation >= LI_LEVEL_SEPARATION)) return null;
  const k = i + ((n - i) >> 1);
  const level = (n - i) % 2 ? v[k] : 0.5 * (v[k - 1] + v[k]);
  // robust spread of the brighter population (MAD), not of the mixture
  const dev = Float64Array.from(v.subarray(i), (x) => Math.abs(x - level)).sort();
  const spread = 1.4826 * dev[dev.length >> 1];
  return { level, spread, lowerWeight, separation, split: v[i] };
}
