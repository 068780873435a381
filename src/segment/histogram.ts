/** Histogram binning choices, the histogram pass, and the JSON summary (≤ 512 bins). */
import type { ComputeBackend, GreyArray, HistogramSpec } from '../compute/types.js';
import { histogramRange } from '../compute/cpu/kernels.js';
import { classStats, multiOtsu } from './otsu.js';
import { InputError } from '../io/errors.js';
import { densityCrossing, fitGmm, type GaussianComponent } from './gmm.js';

export interface Binning extends HistogramSpec {
  /** Integer data with one bin per grey level (width 1). */
  integer: boolean;
}

/** Grey value that represents bin i: the level itself for integer bins, the bin centre otherwise. */
export function binValue(b: Binning, i: number): number {
  return b.integer ? b.lo + i * b.width : b.lo + (i + 0.5) * b.width;
}

export interface Histogram {
  binning: Binning;
  counts: Float64Array;
  total: number;
}

/** The part of a histogram below grey level `upper` (its first bins; at least `minBins`). */
export function histogramBelow(h: Histogram, upper: number, minBins = 0): Histogram {
  const b = h.binning;
  const end = Math.min(h.counts.length, Math.max(minBins, Math.ceil((upper - b.lo) / b.width)));
  const counts = h.counts.slice(0, Math.max(0, end));
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  return { binning: { ...b, bins: counts.length }, counts, total };
}

/** The part of a histogram at and above grey level `lower` (its last bins; at least `minBins`). */
export function histogramAbove(h: Histogram, lower: number, minBins = 0): Histogram {
  const b = h.binning;
  const start = Math.max(0, Math.min(h.counts.length - minBins, Math.floor((lower - b.lo) / b.width)));
  const counts = h.counts.slice(start);
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  return { binning: { ...b, lo: b.lo + start * b.width, bins: counts.length }, counts, total };
}

/** Min and max of the data in one pass (JS; cheap relative to the kernels). */
export function minMax(data: GreyArray): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/** Visits the data slab by slab (once, with the whole array, for data in memory). */
export type SlabVisitor = (visit: (data: GreyArray) => void | Promise<void>) => Promise<void>;

/**
 * Full-resolution histogram: integer data gets one bin per grey level between the data's min and max
 * (≤ 65536 bins for 16-bit, like scikit-image for integer images); float data gets `floatBins`
 * bins over [min, max] (scikit-image: 256).
 */
export async function fullHistogram(data: GreyArray, backend: ComputeBackend, floatBins = 4096, range?: { min: number; max: number }): Promise<Histogram> {
  const dtype = data instanceof Uint8Array ? 'uint8' : data instanceof Uint16Array ? 'uint16' : 'float32';
  return fullHistogramOfSlabs(async (visit) => { await visit(data); }, dtype, backend, floatBins, range);
}

/**
 * fullHistogram over data visited slab by slab: per-slab counts (exact integers) are summed, and the
 * float range comes from a min/max pass first, so the result equals the whole-array histogram.
 */
export async function fullHistogramOfSlabs(
  slabs: SlabVisitor, dtype: 'uint8' | 'uint16' | 'float32', backend: ComputeBackend | 'calling-thread', floatBins = 4096, range?: { min: number; max: number },
): Promise<Histogram> {
  const integer = dtype !== 'float32';
  let binning: Binning;
  let counts: Float64Array;
  const accumulate = async (spec: HistogramSpec): Promise<Float64Array> => {
    let acc: Float64Array | null = null;
    await slabs(async (data) => {
      if (!data.length) return;
      // 'calling-thread': the cpu backend's kernel run here (many small slabs: no per-task tables and
      // transfers); counts and bins are the same on every backend (see HistogramSpec)
      const c = backend === 'calling-thread' ? histogramRange(data, 0, data.length, spec) : await backend.histogram(data, spec);
      if (!acc) acc = c;
      else for (let i = 0; i < c.length; i++) acc[i] += c[i];
    });
    return acc ?? new Float64Array(spec.bins);
  };
  if (integer && !range) {
    // Whole dtype range first (backend pass), then trim the empty ends: no separate min/max pass.
    const bins = dtype === 'uint8' ? 256 : 65536;
    const all = await accumulate({ lo: 0, width: 1, bins });
    let a = 0;
    while (a < bins - 1 && all[a] === 0) a++;
    let b = bins - 1;
    while (b > a && all[b] === 0) b--;
    binning = { lo: a, width: 1, bins: b - a + 1, integer: true };
    counts = all.slice(a, b + 1);
  } else {
    let mm = range;
    if (!mm) {
      let min = Infinity, max = -Infinity;
      await slabs((data) => {
        const r = minMax(data);
        if (r.min < min) min = r.min;
        if (r.max > max) max = r.max;
      });
      mm = { min, max };
    }
    const { min, max } = mm;
    if (integer) {
      binning = { lo: Math.floor(min), width: 1, bins: Math.max(1, Math.floor(max) - Math.floor(min) + 1), integer: true };
    } else {
      const width = max > min ? (max - min) / floatBins : 1;
      binning = { lo: min, width, bins: floatBins, integer: false };
    }
    counts = await accumulate(binning);
  }
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  return { binning, counts, total };
}

export interface HistogramSummary {
  bins: number;
  lo: number;
  width: number;
  counts: number[];
  /** Resolution of the histogram the thresholds were computed on. */
  full_bins: number;
  full_width: number;
}

/** Downsample to ≤ maxBins bins (merging groups of whole bins) for the JSON report. */
export function summarise(h: Histogram, maxBins = 512): HistogramSummary {
  const group = Math.max(1, Math.ceil(h.counts.length / maxBins));
  const n = Math.ceil(h.counts.length / group);
  const counts: number[] = new Array(n).fill(0);
  for (let i = 0; i < h.counts.length; i++) counts[Math.floor(i / group)] += h.counts[i];
  const lo = h.binning.integer ? h.binning.lo - 0.5 : h.binning.lo;
  return { bins: n, lo, width: h.binning.width * group, counts, full_bins: h.counts.length, full_width: h.binning.width };
}

export type ThresholdConvention = 'skimage' | 'partition';

export interface ThresholdResult {
  method: 'otsu' | 'gmm';
  classes: number;
  /** Ascending grey thresholds for `classify` (label = count of t with v ≥ t). */
  thresholds: number[];
  /** skimage: t = value of the last bin of the lower class (np.digitize puts v == t in the upper
   * class, exactly like scikit-image + np.digitize); partition: t = first value of the upper class. */
  convention: ThresholdConvention;
  /** Class statistics from the histogram split by `thresholds`. */
  classes_stats: { weight: number; mean: number; std: number }[];
  otsu_last_bins: number[];
  gmm?: { components: GaussianComponent[]; iterations: number; converged: boolean; fallback: string[] };
}

/**
 * The distinct grey levels (non-empty bins) of `h`, counted up to `enough`; a scan with fewer than
 * two (constant, one voxel, all NaN or ±Inf) has no contrast to segment: bad input naming the cause.
 */
export function requireContrast(h: Histogram, enough: number): number {
  let levels = 0;
  for (let i = 0; i < h.counts.length && levels < enough; i++) if (h.counts[i] > 0) levels++;
  if (levels === 0) throw new InputError('the scan has no contrast to segment: it holds no finite voxel (all NaN or ±Inf)');
  if (levels === 1) throw new InputError('the scan has no contrast to segment: every finite voxel has the same grey level');
  return levels;
}

/** Multi-Otsu (exact DP) or GMM (EM initialised from multi-Otsu) thresholds on a histogram. */
export function thresholdsFromHistogram(
  h: Histogram,
  classes: number,
  method: 'otsu' | 'gmm',
  convention: ThresholdConvention,
  skimageFirstMoment = false,
): ThresholdResult {
  const b = h.binning;
  const val = (i: number) => binValue(b, i);
  // scikit-image: when the image holds exactly K distinct values, the thresholds are those values but the last.
  const nonEmpty: number[] = [];
  for (let i = 0; i < h.counts.length && nonEmpty.length <= classes; i++) if (h.counts[i] > 0) nonEmpty.push(i);
  if (nonEmpty.length < classes) throw new RangeError(`the data has only ${nonEmpty.length} distinct grey levels (bins): cannot split into ${classes} classes`);
  const lastBin = nonEmpty.length === classes ? nonEmpty.slice(0, -1) : multiOtsu(h.counts, classes, skimageFirstMoment).lastBin;
  const toThreshold = (i: number) => (convention === 'skimage' ? val(i) : b.lo + (i + 1) * b.width);
  let thresholds = lastBin.map(toThreshold);
  const stats = classStats(h.counts, lastBin, val);
  const result: ThresholdResult = { method, classes, thresholds, convention, classes_stats: stats, otsu_last_bins: lastBin };
  if (method === 'gmm') {
    const values = new Float64Array(h.counts.length);
    for (let i = 0; i < values.length; i++) values[i] = val(i);
    const init = stats.map((s) => ({ weight: Math.max(s.weight, 1e-6), mean: s.mean, std: Math.max(s.std, b.width) }));
    const fit = fitGmm(values, h.counts, init, { binWidth: b.width });
    const fallback: string[] = [];
    const gmmThresholds: number[] = [];
    for (let k = 0; k + 1 < fit.components.length; k++) {
      const x = densityCrossing(fit.components[k], fit.components[k + 1]);
      if (x === null || !Number.isFinite(x)) {
        fallback.push(`no density crossing between components ${k} and ${k + 1}: multi-Otsu threshold kept`);
        gmmThresholds.push(thresholds[k]);
      } else {
        // Crossing at grey x: values ≥ x belong to the upper component. Integer data: first level ≥ x.
        gmmThresholds.push(b.integer ? Math.ceil(x) : x);
      }
    }
    for (let k = 1; k < gmmThresholds.length; k++) if (gmmThresholds[k] <= gmmThresholds[k - 1]) gmmThresholds[k] = gmmThresholds[k - 1] + (b.integer ? 1 : b.width);
    thresholds = gmmThresholds;
    result.thresholds = thresholds;
    // Class statistics of the GMM split (histogram cut at the thresholds).
    const cut = thresholds.map((t) => Math.max(0, Math.min(h.counts.length - 2, Math.ceil((t - b.lo) / b.width - (b.integer ? 0 : 0.5)) - 1)));
    result.classes_stats = classStats(h.counts, cut, val);
    result.convention = 'partition';
    result.gmm = { components: fit.components, iterations: fit.iterations, converged: fit.converged, fallback };
  }
  return result;
}

/** EM fit on a histogram from explicit initial components; crossings of adjacent components. */
export function gmmOnHistogram(h: Histogram, init: GaussianComponent[]): { components: GaussianComponent[]; crossings: (number | null)[]; iterations: number; converged: boolean } {
  const b = h.binning;
  const values = new Float64Array(h.counts.length);
  for (let i = 0; i < values.length; i++) values[i] = binValue(b, i);
  const fit = fitGmm(values, h.counts, init.map((c) => ({ weight: Math.max(c.weight, 1e-6), mean: c.mean, std: Math.max(c.std, b.width) })), { binWidth: b.width });
  const crossings: (number | null)[] = [];
  for (let k = 0; k + 1 < fit.components.length; k++) crossings.push(densityCrossing(fit.components[k], fit.components[k + 1]));
  return { components: fit.components, crossings, iterations: fit.iterations, converged: fit.converged };
}
