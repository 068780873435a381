/**
 * A second phase pass on a lighter denoise than the 3×3×3 median, for every layout but anode-free.
 *
 * Why: the median flattens what is 1–3 voxels across (the electrolyte's pores, voids at the Li
 * interface, the corners of a composite cathode's 3–7-voxel NMC particles). On the layout matrix's
 * full-cell phantoms the per-voxel oracle (each grey level → the label with most truth voxels there)
 * reaches electrolyte 0.943 / cathode 0.901 after the median but 0.951 / 0.916 after a Gaussian of
 * σ 0.6 voxels (median 5³, two medians, σ 1, bilateral, Perona–Malik, TV and non-local means do no
 * better; a Potts prior on the median grey neither); on the symmetric cells with a field of view or
 * a die wall the void oracle goes 0.86 → 0.89 and 0.83 → 0.86. The same Gaussian in place of the
 * median breaks the layout of other cells (an anode-free cell with a plunger is taken for a Li foil)
 * and blurs a plunger's steel face into cathode grey, so: pass 1 runs as before on the median; when
 * it finds a full cell, a symmetric cell or a Li foil, pass 2 runs on the Gaussian of the scan, except
 * that voxels pass 1 called collector or outside keep their median grey; pass 1's Li, collector and
 * outside labels stand (the Li thickness per column stays the median pass's), and pass 2 stands only
 * where it finds pass 1's layout. Anode-free cells (a carbon collector) keep one pass: no time added
 * to their 512³ default path beyond the predictor.
 *
 * The scan must still exist after the median, which is otherwise computed in place: a predictor on a
 * central crop (≤ 64 × 64 columns, every slice, median-filtered) runs step 1 (phases/plan.ts) before
 * the denoise, and only where it finds a cathode or a collector that is not carbon is the median
 * written to a copy. Its cost does not grow with the columns: ≈ 0.1 s of CPU per 512 slices.
 *
 * The Gaussian is stored in the scan's own type (rounded for integer types) so that the in-memory and
 * streamed paths, which filter windows of slabs, give the same grey.
 */
import { gaussianWeights } from '../compute/reference.js';
import { planSlabs } from '../compute/slabs.js';
import type { ComputeBackend, GreyArray } from '../compute/types.js';
import type { ScratchVolume } from '../io/scratch-volume.js';
import { allocate, type Shape3 } from '../io/volume.js';
import { segmentPhases } from './phases.js';
import { COLLECTOR, LI, OUTSIDE } from './phases/codes.js';
import { classPlan } from './phases/plan.js';
import type { PhaseContext, PhaseResult, StepContext } from './phases/types.js';
import { greyDtypeOf, MemoryStore } from './store.js';
import type { DenoiseReport, PhaseDecision, SegmentOptions } from './types.js';
import { layoutName } from './common.js';

/** Gaussian σ (voxels) of pass 2: the best of 0.5–1 on the full-cell phantoms (oracle and segmentation). */
export const SECOND_PASS_SIGMA = 0.6;
/** Columns of the predictor's central crop per side. */
export const CROP_COLUMNS = 64;

/** Pass 2 may apply when the denoise was the automatic median of phase mode and the requested layout is not anode-free. */
export function secondPassAllowed(mode: 'phases' | 'classes', options: SegmentOptions, applied: DenoiseReport['applied']): boolean {
  return options.secondPass === true && mode === 'phases' && applied === 'median' && (options.denoise ?? 'auto') === 'auto' && options.layout !== 'anode-free';
}

/** The central ≤ 64 × 64 columns of every slice, gathered from slabs of slices in z order. */
export class CentralCrop {
  readonly shape: Shape3;
  readonly data: GreyArray;
  private readonly y0: number;
  private readonly x0: number;
  constructor(private readonly full: Shape3, make: (n: number) => GreyArray) {
    const [nz, ny, nx] = full;
    const cy = Math.min(CROP_COLUMNS, ny), cx = Math.min(CROP_COLUMNS, nx);
    this.shape = [nz, cy, cx];
    this.y0 = (ny - cy) >> 1;
    this.x0 = (nx - cx) >> 1;
    this.data = make(nz * cy * cx);
  }
  /** Slices [z0, z1) of the volume (`slab` holds exactly those). */
  add(slab: GreyArray, z0: number, z1: number): void {
    const [, ny, nx] = this.full;
    const [, cy, cx] = this.shape;
    for (let z = z0; z < z1; z++)
      for (let y = 0; y < cy; y++) {
        const from = (z - z0) * ny * nx + (y + this.y0) * nx + this.x0;
        this.data.set(slab.subarray(from, from + cx) as ArrayLike<number> & GreyArray, (z * cy + y) * cx);
      }
  }
}

/**
 * Whether pass 2 may apply, from step 1 (phases/plan.ts) on the median-filtered crop: a composite
 * cathode, or a collector that is not carbon (a metal collector or plunger, or none: Li foil,
 * symmetric). A carbon collector is the anode-free cell, whose default path stays one pass.
 */
export async function secondPassLikely(backend: ComputeBackend, crop: CentralCrop, options: SegmentOptions, method: 'otsu' | 'gmm'): Promise<boolean> {
  const shape = crop.shape;
  const [nz, ny, nx] = shape;
  const store = new MemoryStore(await backend.median3(crop.data, shape), shape);
  const noop = () => {};
  const step: StepContext = {
    store, backend, method, options, progress: noop, lap: noop, decisions: [],
    shape, nz, ny, nx, plane: ny * nx, slabDepth: nz,
  };
  const { plan } = await classPlan(step);
  return plan.cathodeClass >= 0 || plan.collectorKind !== 'carbon';
}

/** Float Gaussian output into the grey's type: rounded for integer types (values stay in range: the weights are positive and sum to 1). */
export function roundInto(src: Float32Array, out: GreyArray): void {
  if (out instanceof Float32Array) out.set(src);
  else for (let i = 0; i < src.length; i++) out[i] = Math.round(src[i]);
}

/** Pass 2's grey, in place in `gauss`: the median where pass 1 labelled collector or outside (steel faces keep the stronger denoise). */
export function hybridGrey(gauss: GreyArray, median: GreyArray, labels1: Uint8Array): void {
  for (let i = 0; i < gauss.length; i++) if (labels1[i] === COLLECTOR || labels1[i] === OUTSIDE) gauss[i] = median[i];
}

/** Labels pass 2 neither takes nor gives: Li (its thickness per column stays pass 1's: pass 2's Li ↔ void flips are near coin tosses that add column noise), collector, outside. */
const KEPT = (() => {
  const k = new Uint8Array(256);
  for (const l of [LI, COLLECTOR, OUTSIDE]) k[l] = 1;
  return k;
})();

/** Pass 2's labels, in place in `labels2`: pass 1's Li, collector and outside stand, and pass 2 gives none of them elsewhere. */
export function mergeLabels(labels2: Uint8Array, labels1: Uint8Array): { taken: number; changed: number } {
  let taken = 0, changed = 0;
  for (let i = 0; i < labels2.length; i++) {
    const a = labels1[i], b = labels2[i];
    if (a === b) continue;
    if (KEPT[a] || KEPT[b]) {
      labels2[i] = a;
      taken++;
    } else changed++;
  }
  return { taken, changed };
}

/** Gaussian of `src` into `out` (the same type, not `src`), over windows of slabs plus the filter's halo: float32 buffers of a window only. */
export async function gaussianSameType(backend: ComputeBackend, src: GreyArray, shape: Shape3, sigma: number, out: GreyArray, windowVoxels = 1 << 23): Promise<GreyArray> {
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const halo = (gaussianWeights(sigma).length - 1) / 2;
  for (const { lo, hi, z0, z1 } of planSlabs(nz, Math.max(1, Math.floor(windowVoxels / plane)), halo)) {
    const g = await backend.gaussian(src.subarray(lo * plane, hi * plane), [hi - lo, ny, nx], [sigma, sigma, sigma]);
    roundInto(g.subarray((z0 - lo) * plane, (z1 - lo) * plane), out.subarray(z0 * plane, z1 * plane));
  }
  return out;
}

/** Layouts that get pass 2 (pass 1's verdict): full cell, symmetric, Li foil; not anode-free or unknown. */
export function secondPassWanted(layout: PhaseResult['layout']): boolean {
  const name = layoutName(layout);
  return name === 'full-cell' || name === 'symmetric' || name === 'li-foil';
}

/** Pass 2 stands only where it finds pass 1's layout; else pass 1's labels stand and this says why. */
export function secondPassRejected(res1: PhaseResult, res2: PhaseResult): PhaseDecision | null {
  const a = layoutName(res1.layout), b = layoutName(res2.layout);
  if (a === b) return null;
  return { step: 'second pass not kept', decision: `pass 2 found layout ${b}, pass 1 ${a}: pass 1's labels kept`, evidence: { pass1: a, pass2: b } };
}

/** The record of pass 2 in segment.json's decisions. */
export function secondPassDecision(changed: number, taken: number, total: number): PhaseDecision {
  return {
    step: 'second pass',
    decision: `phases decided again on a Gaussian (σ ${SECOND_PASS_SIGMA} voxels) of the scan instead of the 3×3×3 median (small particles and pores keep their contrast), collector and outside grey and labels from the median pass; ${changed} voxels changed`,
    evidence: { sigma_voxels: SECOND_PASS_SIGMA, voxels_changed: changed, voxels_kept_from_median_pass: taken, voxels: total },
  };
}

/** The predictor in memory: the crop of the (framed, possibly inverted) scan. */
export async function secondPassLikelyInMemory(backend: ComputeBackend, grey: GreyArray, shape: Shape3, options: SegmentOptions, method: 'otsu' | 'gmm'): Promise<boolean> {
  const crop = new CentralCrop(shape, (n) => allocate(greyDtypeOf(grey), n) as GreyArray);
  crop.add(grey, 0, shape[0]);
  return secondPassLikely(backend, crop, options, method);
}

/**
 * Pass 2 in memory over the kept scan `raw`; `median` and `labels1` are pass 1's grey and labels.
 * Returns the merged labels and pass 2's result (its decisions end with the pass-2 record).
 */
export async function secondPassInMemory(ctx: Omit<PhaseContext, 'store'>, raw: GreyArray, median: GreyArray, labels1: Uint8Array, shape: Shape3, res1: PhaseResult): Promise<{ labels: Uint8Array; res: PhaseResult }> {
  const grey2 = await gaussianSameType(ctx.backend, raw, shape, SECOND_PASS_SIGMA, allocate(greyDtypeOf(raw), raw.length, true) as GreyArray);
  hybridGrey(grey2, median, labels1);
  const store2 = new MemoryStore(grey2, shape);
  const res = await segmentPhases({ ...ctx, store: store2 });
  const rejected = secondPassRejected(res1, res);
  if (rejected) {
    res1.decisions.push(rejected);
    return { labels: labels1, res: res1 };
  }
  const { taken, changed } = mergeLabels(store2.labels, labels1);
  res.decisions.push(secondPassDecision(changed, taken, labels1.length));
  return { labels: store2.labels, res };
}

/** The central crop of a scratch volume, read by slabs of `slabSlices` (the memory budget's), one buffer for all. */
export function cropOfScratch(grey: ScratchVolume, slabSlices: number): CentralCrop {
  const dtype = grey.dtype as 'uint8' | 'uint16' | 'float32';
  const crop = new CentralCrop(grey.shape, (n) => allocate(dtype, n) as GreyArray);
  const buf = allocate(dtype, Math.min(slabSlices, grey.shape[0]) * grey.shape[1] * grey.shape[2]);
  for (const { z0, z1 } of planSlabs(grey.shape[0], slabSlices, 0)) crop.add(grey.readSlices(z0, z1, buf) as GreyArray, z0, z1);
  return crop;
}

/** The predictor streamed: the crop read from the grey scratch file. */
export async function secondPassLikelyStreamed(backend: ComputeBackend, grey: ScratchVolume, slabSlices: number, options: SegmentOptions, method: 'otsu' | 'gmm'): Promise<boolean> {
  return secondPassLikely(backend, cropOfScratch(grey, slabSlices), options, method);
}

/** Pass 2's grey streamed into `out`: the Gaussian of `raw` over windows of slabs plus its halo, the median where pass 1 said collector or outside. Returns the widest window (voxels). */
export async function secondPassGreyStreamed(backend: ComputeBackend, raw: ScratchVolume, median: ScratchVolume, labels1: ScratchVolume, out: ScratchVolume, slabSlices: number): Promise<number> {
  const [nz, ny, nx] = raw.shape;
  const plane = ny * nx;
  const halo = (gaussianWeights(SECOND_PASS_SIGMA).length - 1) / 2;
  let widest = 0;
  for (const { lo, hi, z0, z1 } of planSlabs(nz, slabSlices, halo)) {
    widest = Math.max(widest, (hi - lo) * plane);
    const g = await backend.gaussian(raw.readSlices(lo, hi) as GreyArray, [hi - lo, ny, nx], [SECOND_PASS_SIGMA, SECOND_PASS_SIGMA, SECOND_PASS_SIGMA]);
    const o = allocate(raw.dtype, (z1 - z0) * plane) as GreyArray;
    roundInto(g.subarray((z0 - lo) * plane, (z1 - lo) * plane), o);
    hybridGrey(o, median.readSlices(z0, z1) as GreyArray, labels1.readSlices(z0, z1) as Uint8Array);
    out.writeSlices(z0, o);
  }
  return widest;
}

/** mergeLabels slab by slab over scratch label volumes (`labels2` rewritten). */
export function mergeLabelsStreamed(labels2: ScratchVolume, labels1: ScratchVolume, slabSlices: number): { taken: number; changed: number } {
  let taken = 0, changed = 0;
  for (const { z0, z1 } of planSlabs(labels1.shape[0], slabSlices, 0)) {
    const l2 = labels2.readSlices(z0, z1) as Uint8Array;
    const r = mergeLabels(l2, labels1.readSlices(z0, z1) as Uint8Array);
    labels2.writeSlices(z0, l2);
    taken += r.taken;
    changed += r.changed;
  }
  return { taken, changed };
}
