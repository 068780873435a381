/**
 * Phase segmentation of tomograms.
 *
 *   segment(scan, backend, { mode: 'phases' | 'classes', method: 'otsu' | 'gmm', ... })
 *
 * 'classes' (generic, K classes by increasing intensity): exact multi-Otsu (or GMM) thresholds on a
 * full-resolution histogram, then `classify`. With method 'otsu' the thresholds follow scikit-image's
 * convention, so the labels equal threshold_multiotsu + np.digitize.
 * 'phases' (default): contract codes 0 void, 1 Li, 2 electrolyte, 3 collector, decided from physics
 * (attenuation order) and layout (collector slab at one z end, Li layer between collector and
 * electrolyte, topology of the low-density phase), with half-way boundary refinement. See phases.ts.
 *
 * Every full-volume voxel kernel goes through the ComputeBackend passed in (cpu or gpu).
 */
import type { ComputeBackend, GreyArray } from '../compute/types.js';
import type { Shape3, Volume } from '../io/volume.js';
import { voxelCount } from '../io/volume.js';
import { InputError } from '../io/errors.js';
import { fullHistogram, minMax, summarise, thresholdsFromHistogram, type Histogram } from './histogram.js';
import { estimateNoise } from './noise.js';
import { cleanup } from './cleanup.js';
import { segmentPhases } from './phases.js';
import type { DenoiseReport, SegmentOptions, SegmentReport, SegmentResult } from './types.js';

export type { SegmentOptions, SegmentReport, SegmentResult, DenoiseReport, PhaseDecision, DenoiseChoice } from './types.js';
export { multiOtsu, multiOtsuBruteForce, classStats } from './otsu.js';
export { fitGmm, densityCrossing } from './gmm.js';
export { fullHistogram, thresholdsFromHistogram, summarise } from './histogram.js';
export { estimateNoise } from './noise.js';
export { writeSegmentation } from './write.js';

export const PHASE_NAMES: Record<string, string> = { '0': 'void/pore', '1': 'Li', '2': 'electrolyte', '3': 'collector', '255': 'masked' };
export const UM_PER_MAH_CM2 = 4.85;

function asGrey(data: Volume['data']): { grey: GreyArray; converted: boolean } {
  if (data instanceof Uint8Array || data instanceof Uint16Array || data instanceof Float32Array) return { grey: data, converted: false };
  return { grey: Float32Array.from(data as ArrayLike<number>), converted: true };
}

/** Quick class means and noise → the denoise choice, with the numbers and the reason. */
function chooseDenoise(
  options: SegmentOptions,
  quickMeans: number[],
  noise: ReturnType<typeof estimateNoise>,
  pairs: [number, number][],
): Omit<DenoiseReport, 'requested'> & { sigma: number } {
  const requested = options.denoise ?? 'auto';
  const perClass = noise.perClass;
  let minCnr: number | null = null;
  let worst = '';
  for (const [a, b] of pairs) {
    const sa = perClass[a] ?? noise.sigma;
    const sb = perClass[b] ?? noise.sigma;
    const s = Math.max(sa, sb, 1e-12);
    const cnr = Math.abs(quickMeans[b] - quickMeans[a]) / s;
    if (minCnr === null || cnr < minCnr) {
      minCnr = cnr;
      worst = `classes ${a}/${b} (means ${quickMeans[a].toFixed(1)} / ${quickMeans[b].toFixed(1)}, noise σ ${s.toFixed(1)})`;
    }
  }
  const base = { noise_sigma: noise.sigma, noise_sigma_per_class: perClass, min_cnr: minCnr, class_means_quick: quickMeans, noise_method: noise.method };
  if (requested !== 'auto') {
    const sigma = requested === 'gaussian' ? (options.sigma ?? 1) : 0;
    return { ...base, applied: requested, sigma_voxels: requested === 'gaussian' ? sigma : null, sigma, reason: `requested by the caller (--denoise ${requested})` };
  }
  if (minCnr === null || minCnr >= 8) {
    return { ...base, applied: 'none', sigma_voxels: null, sigma: 0, reason: `noise negligible: smallest contrast-to-noise ratio ${minCnr?.toFixed(2) ?? 'n/a'} ≥ 8 (${worst}); a half-way threshold misclassifies < 1e-4 of voxels` };
  }
  if (minCnr >= 1.5) {
    return {
      ...base, applied: 'median', sigma_voxels: null, sigma: 0,
      reason: `smallest contrast-to-noise ratio ${minCnr.toFixed(2)} < 8 (${worst}): 3×3×3 median (≈ 4× less white noise, keeps edges and thin layers) brings it to ≈ ${(4 * minCnr).toFixed(1)}`,
    };
  }
  const sigma = Math.min(2.5, Math.max(0.5, Math.pow(8 / minCnr, 2 / 3) / (2 * Math.sqrt(Math.PI))));
  return {
    ...base, applied: 'gaussian', sigma_voxels: sigma, sigma,
    reason: `smallest contrast-to-noise ratio ${minCnr.toFixed(2)} < 1.5 (${worst}): a median is not enough; Gaussian σ = ${sigma.toFixed(2)} voxels (white-noise reduction (2√π σ)^1.5 ≈ ${Math.pow(2 * Math.sqrt(Math.PI) * sigma, 1.5).toFixed(1)}×) at the cost of edge blur`,
  };
}

export async function segment(scan: Volume, backend: ComputeBackend, options: SegmentOptions): Promise<SegmentResult> {
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round((now - t) * 10) / 10;
    t = now;
  };
  const progress = options.onProgress ?? (() => {});
  const mode = options.mode ?? 'phases';
  const method = options.method ?? 'otsu';
  const shape: Shape3 = [...scan.shape];
  const n = voxelCount(shape);
  if (scan.data.length !== n) throw new InputError(`volume data length ${scan.data.length} does not match shape ${shape.join('×')}`);
  if (mode === 'classes') {
    const K = options.classes ?? 3;
    if (!Number.isInteger(K) || K < 2 || K > 16) throw new InputError(`--classes must be an integer from 2 to 16 (got ${options.classes})`);
  }
  if (method !== 'otsu' && method !== 'gmm') throw new InputError(`unknown method '${String(method)}' (expected otsu or gmm)`);
  const liContrast = options.liContrast ?? 'dark';
  const spacing = options.spacing !== undefined ? options.spacing : scan.spacing;

  // 0. Grey array (uint8/uint16/float32 as is; other types to float32), optional inversion.
  let { grey, converted } = asGrey(scan.data);
  let owned = converted; // may we overwrite `grey`?
  const inverted = mode === 'phases' && liContrast === 'bright';
  if (inverted) {
    const { min, max } = minMax(grey);
    const out = owned || options.inPlace ? grey : (new (grey.constructor as new (n: number) => GreyArray)(n));
    for (let i = 0; i < n; i++) out[i] = max + min - grey[i];
    grey = out;
    owned = true;
  }
  lap('prepare');

  // 1. Quick histogram, quick thresholds, noise estimate → denoise choice.
  progress('histogram', 0, 1);
  const floatBins = options.floatBins ?? (mode === 'classes' ? 256 : 4096);
  const quickHist = await fullHistogram(grey, backend, floatBins);
  const quickK = mode === 'classes' ? (options.classes ?? 3) : 3;
  const quick = thresholdsFromHistogram(quickHist, Math.min(quickK, countNonEmpty(quickHist)), 'otsu', 'partition');
  const quickMeans = quick.classes_stats.map((s) => s.mean);
  const pairs: [number, number][] = [];
  for (let k = 0; k + 1 < quickMeans.length; k++) pairs.push([k, k + 1]);
  const classOf = (v: number) => {
    let c = 0;
    for (const th of quick.thresholds) if (v >= th) c++;
    return c;
  };
  // Phase mode: the void | Li split of the low-density class is the smallest contrast that matters.
  let lowSplit: { means: number[]; threshold: number } | null = null;
  if (mode === 'phases') {
    lowSplit = lowRangeSplit(quickHist, quick.thresholds[0]);
  }
  const noise = estimateNoise(grey, shape, classOf, quickMeans.length);
  const means = [...quickMeans];
  if (lowSplit) {
    // void | Li: both inside quick class 0, whose noise σ stands for the pair.
    means.push(lowSplit.means[0], lowSplit.means[1]);
    noise.perClass.push(noise.perClass[0], noise.perClass[0]);
    pairs.push([quickMeans.length, quickMeans.length + 1]);
  }
  const dn = chooseDenoise(options, means, noise, pairs);
  lap('noise_estimate');

  // 2. Denoise.
  progress('denoise', 0, 1);
  let work: GreyArray = grey;
  if (dn.applied === 'median') {
    work = await backend.median3(grey, shape, owned || options.inPlace ? grey : undefined);
  } else if (dn.applied === 'gaussian') {
    const s = dn.sigma;
    work = await backend.gaussian(grey, shape, [s, s, s]);
  }
  lap('denoise');
  progress('denoise', 1, 1);
  const denoise: DenoiseReport = {
    requested: options.denoise ?? 'auto',
    applied: dn.applied,
    sigma_voxels: dn.sigma_voxels,
    noise_sigma: dn.noise_sigma,
    noise_sigma_per_class: dn.noise_sigma_per_class,
    min_cnr: dn.min_cnr,
    class_means_quick: dn.class_means_quick,
    reason: dn.reason,
    noise_method: dn.noise_method,
  };

  let report: SegmentReport;
  let labels: Uint8Array;
  if (mode === 'classes') {
    const K = options.classes ?? 3;
    progress('thresholds', 0, 1);
    // Histogram of the denoised data (same as the quick one when nothing was applied).
    const hist = dn.applied === 'none' ? quickHist : await fullHistogram(work, backend, floatBins);
    lap('histogram');
    const th = thresholdsFromHistogram(hist, K, method, method === 'otsu' ? 'skimage' : 'partition', options.otsuVariant === 'skimage');
    lap('thresholds');
    progress('classify', 0, 1);
    labels = await backend.classify(work, th.thresholds);
    lap('classify');
    const cl = await cleanup(labels, shape, backend, K, options.minIslandVoxels ?? 0, options.fillHoles ?? false);
    lap('cleanup');
    const { fractions, meansByLabel } = labelStats(labels, work, K);
    report = {
      version: 1, mode, method, classes: K, shape, input_dtype: scan.dtype, spacing_um: spacing ?? null, li_contrast: liContrast, grey_inverted: false,
      thresholds: th.thresholds, threshold_convention: th.convention, otsu_variant: options.otsuVariant ?? 'exact', histogram: summarise(hist), gmm: th.gmm ?? null,
      class_means: meansByLabel, phase_fractions: fractions, phase_names: Object.fromEntries(Array.from({ length: K }, (_, k) => [String(k), `class ${k}`])),
      li: null, denoise,
      decisions: [{ step: 'classes', decision: `generic mode: ${K} classes by increasing intensity (${method})`, evidence: { thresholds: th.thresholds, class_stats: th.classes_stats } }],
      cleanup: cl, refinement: null, backend: backend.description, timings_ms: timings,
    };
  } else {
    const res = await segmentPhases({ grey: work, shape, spacing: spacing ?? null, backend, method, options, progress, lap });
    labels = res.labels;
    const cl = await cleanup(labels, shape, backend, 4, options.minIslandVoxels ?? 0, options.fillHoles ?? false);
    lap('cleanup');
    const { fractions, meansByLabel } = labelStats(labels, work, 4);
    let li: SegmentReport['li'] = null;
    {
      const liVoxels = Math.round(fractions['1'] * n);
      const vox = spacing ? spacing[0] * spacing[1] * spacing[2] : null;
      const area = spacing ? shape[1] * shape[2] * spacing[1] * spacing[2] : null;
      const volume = vox !== null ? liVoxels * vox : null;
      const meanT = volume !== null && area ? volume / area : null;
      li = { voxels: liVoxels, volume_um3: volume, map_area_um2: area, mean_thickness_um: meanT, areal_capacity_mah_cm2: meanT !== null ? meanT / UM_PER_MAH_CM2 : null, um_per_mah_cm2: UM_PER_MAH_CM2 };
    }
    report = {
      version: 1, mode, method, classes: 4, shape, input_dtype: scan.dtype, spacing_um: spacing ?? null, li_contrast: liContrast, grey_inverted: inverted,
      thresholds: res.thresholds, threshold_convention: 'partition', void_li_threshold: res.voidLiThreshold,
      histogram: summarise(res.histogram), gmm: res.gmm ?? null,
      class_means: meansByLabel, phase_fractions: fractions, phase_names: { '0': PHASE_NAMES['0'], '1': PHASE_NAMES['1'], '2': PHASE_NAMES['2'], '3': PHASE_NAMES['3'] },
      li, denoise, decisions: res.decisions, cleanup: cl, refinement: res.refinement, backend: backend.description, timings_ms: timings,
    };
  }
  timings.total = Object.entries(timings).reduce((a, [k, v]) => (k === 'total' ? a : a + v), 0);
  progress('done', 1, 1);
  return { labels, report };
}

function countNonEmpty(h: Histogram): number {
  let c = 0;
  for (let i = 0; i < h.counts.length; i++) if (h.counts[i] > 0) c++;
  return c;
}

/** 2-class Otsu inside the low-density range (bins below `upper`): void | Li. */
export function lowRangeSplit(h: Histogram, upper: number): { means: number[]; threshold: number } | null {
  const b = h.binning;
  const end = Math.min(h.counts.length, Math.max(0, Math.ceil((upper - b.lo) / b.width)));
  if (end < 4) return null;
  const sub: Histogram = { binning: { ...b, bins: end }, counts: h.counts.slice(0, end), total: 0 };
  for (let i = 0; i < end; i++) sub.total += sub.counts[i];
  if (countNonEmpty(sub) < 2) return null;
  const th = thresholdsFromHistogram(sub, 2, 'otsu', 'partition');
  return { means: th.classes_stats.map((s) => s.mean), threshold: th.thresholds[0] };
}

function labelStats(labels: Uint8Array, grey: GreyArray, K: number): { fractions: Record<string, number>; meansByLabel: Record<string, number | null> } {
  const counts = new Float64Array(256);
  const sums = new Float64Array(256);
  for (let i = 0; i < labels.length; i++) {
    counts[labels[i]]++;
    sums[labels[i]] += grey[i];
  }
  const fractions: Record<string, number> = {};
  const meansByLabel: Record<string, number | null> = {};
  for (let k = 0; k < 256; k++) {
    if (k < K || counts[k] > 0) {
      fractions[String(k)] = counts[k] / labels.length;
      meansByLabel[String(k)] = counts[k] ? sums[k] / counts[k] : null;
    }
  }
  return { fractions, meansByLabel };
}
