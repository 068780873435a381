/**
 * Steps shared by the in-memory (index.ts) and out-of-core (out-of-core.ts) phase segmentation:
 * grey inversion, the denoise decision, label statistics and the phase-mode report.
 */
import type { ComputeBackend, GreyArray } from '../compute/types.js';
import type { Shape3, Spacing3 } from '../io/volume.js';
import { voxelCount } from '../io/volume.js';
import { histogramBelow, summarise, thresholdsFromHistogram, type Histogram } from './histogram.js';
import type { NoiseEstimate } from './noise.js';
import type { CleanupReport } from './cleanup.js';
import type { PhaseResult } from './phases.js';
import type { PhaseStore } from './store.js';
import type { AxisName, DenoiseReport, LayoutName, QcBlock, SegmentOptions, SegmentReport } from './types.js';
import { assessQuality } from './qc.js';
import { labelSumsSlab } from './phases/slab-kernels.js';
import { runSlabKernel } from './phases/slab-parallel.js';

export const PHASE_NAMES: Record<string, string> = { '0': 'void/pore', '1': 'Li', '2': 'electrolyte', '3': 'collector', '4': 'cathode', '5': 'outside the cell', '255': 'outside the field of view' };
export const UM_PER_MAH_CM2 = 4.85;

/** Grey scale inverted within its range (max + min − v), in the type of `out` (may be `src`). */
export function invertGrey(src: GreyArray, out: GreyArray, min: number, max: number): void {
  for (let i = 0; i < src.length; i++) out[i] = max + min - src[i];
}

/** Quick class means and noise → the denoise choice, with the numbers and the reason. */
export function chooseDenoise(
  options: SegmentOptions,
  quickMeans: number[],
  noise: NoiseEstimate,
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

export function countNonEmpty(h: Histogram): number {
  let c = 0;
  for (let i = 0; i < h.counts.length; i++) if (h.counts[i] > 0) c++;
  return c;
}

/** 2-class Otsu inside the low-density range (bins below `upper`): void | Li. */
export function lowRangeSplit(h: Histogram, upper: number): { means: number[]; threshold: number } | null {
  const sub = histogramBelow(h, upper);
  if (sub.counts.length < 4 || countNonEmpty(sub) < 2) return null;
  const th = thresholdsFromHistogram(sub, 2, 'otsu', 'partition');
  return { means: th.classes_stats.map((s) => s.mean), threshold: th.thresholds[0] };
}

/**
 * Voxel fraction and mean grey per label (sums in raster order). With `excludeFrom`, labels ≥ it
 * (outside the cell, outside the field of view) are left out of the fractions' denominator and
 * reported as fractions of the whole volume in `excluded`.
 */
export async function labelStats(store: PhaseStore, K: number, excludeFrom = 256, backend?: ComputeBackend): Promise<{ fractions: Record<string, number>; meansByLabel: Record<string, number | null>; excluded: Record<string, number> }> {
  const n = voxelCount(store.shape);
  // integer grey levels sum exactly in float64 (below 2⁵³) in any order: z-slabs on the workers,
  // their sums added; float grey is summed on this thread in raster order (the same float sums)
  const exact = store.greyDtype !== 'float32';
  let acc: Float64Array = new Float64Array(512);
  await store.sweep({ grey: true, labels: 'read' }, async (w) => {
    if (!backend || !exact) {
      acc = labelSumsSlab({ grey: w.grey, labels: w.labels, lo: w.lo, z0: w.z0, z1: w.z1, shape: store.shape, acc });
      return;
    }
    for (const p of await runSlabKernel(backend, w, store.shape, 'labelSumsSlab', { acc: null })) for (let k = 0; k < 512; k++) acc[k] += p[k];
  });
  const counts = acc.subarray(0, 256), sums = acc.subarray(256);
  const fractions: Record<string, number> = {};
  const meansByLabel: Record<string, number | null> = {};
  const excluded: Record<string, number> = {};
  let analysed = 0;
  for (let k = 0; k < Math.min(256, excludeFrom); k++) analysed += counts[k];
  for (let k = 0; k < 256; k++) {
    if (k >= excludeFrom) {
      if (counts[k] > 0) excluded[String(k)] = counts[k] / n;
    } else if (k < K || counts[k] > 0) {
      fractions[String(k)] = analysed ? counts[k] / analysed : 0;
      meansByLabel[String(k)] = counts[k] ? sums[k] / counts[k] : null;
    }
  }
  return { fractions, meansByLabel, excluded };
}

/**
 * Quick thresholds on the quick histogram, the noise estimate (`noiseOf`: per class of the quick
 * classification), and from them the denoise choice. Phase mode: the void | Li split of the
 * low-density class is the smallest contrast that matters.
 */
export function denoiseDecision(
  mode: 'phases' | 'classes', options: SegmentOptions, quickHist: Histogram,
  noiseOf: (classOf: (v: number) => number, classes: number) => NoiseEstimate,
): ReturnType<typeof chooseDenoise> {
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
  let lowSplit: { means: number[]; threshold: number } | null = null;
  if (mode === 'phases') {
    lowSplit = lowRangeSplit(quickHist, quick.thresholds[0]);
  }
  const noise = noiseOf(classOf, quickMeans.length);
  const means = [...quickMeans];
  if (lowSplit) {
    // void | Li: both inside quick class 0, whose noise σ stands for the pair.
    means.push(lowSplit.means[0], lowSplit.means[1]);
    noise.perClass.push(noise.perClass[0], noise.perClass[0]);
    pairs.push([quickMeans.length, quickMeans.length + 1]);
  }
  return chooseDenoise(options, means, noise, pairs);
}

export function denoiseReport(options: SegmentOptions, dn: ReturnType<typeof chooseDenoise>): DenoiseReport {
  return {
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
}

/** The phase-mode report (label statistics from the store's final labels). */
export async function phasesReport(a: {
  store: PhaseStore; res: PhaseResult; cleanup: CleanupReport; options: SegmentOptions; spacing: Spacing3 | null; inputDtype: string;
  inverted: boolean; denoise: DenoiseReport; backend: ComputeBackend; timings: Record<string, number>;
  /** Working frame vs input frame (stack normal, field of view); absent: normal z, nothing masked. */
  frame?: { normal: AxisName; source: 'detected' | 'requested'; fieldOfView: QcBlock['field_of_view']; inputShape: Shape3; inputSpacing: Spacing3 | null };
}): Promise<SegmentReport> {
  const { store, res, spacing } = a;
  const shape: Shape3 = [...(a.frame?.inputShape ?? store.shape)];
  const n = voxelCount(shape);
  const { fractions, meansByLabel, excluded } = await labelStats(store, 4, 5, a.backend);
  const analysedVoxels = n * (1 - Object.values(excluded).reduce((x, y) => x + y, 0));
  const liVoxels = Math.round(fractions['1'] * analysedVoxels);
  const vox = spacing ? spacing[0] * spacing[1] * spacing[2] : null;
  // map area: the working plane (normal along z) inside the field of view
  const fovFraction = 1 - (a.frame?.fieldOfView.masked_fraction ?? 0);
  const area = spacing ? store.shape[1] * store.shape[2] * spacing[1] * spacing[2] * fovFraction : null;
  const volume = vox !== null ? liVoxels * vox : null;
  const meanT = volume !== null && area ? volume / area : null;
  const li: SegmentReport['li'] = { voxels: liVoxels, volume_um3: volume, map_area_um2: area, mean_thickness_um: meanT, areal_capacity_mah_cm2: meanT !== null ? meanT / UM_PER_MAH_CM2 : null, um_per_mah_cm2: UM_PER_MAH_CM2 };
  const qcStart = performance.now();
  const qc = await assessQuality({
    store,
    greyRange: { lo: res.histogram.binning.lo, hi: res.histogram.binning.lo + res.histogram.binning.bins * res.histogram.binning.width },
    layout: { name: layoutName(res.layout), normal_axis: a.frame?.normal ?? 'z', source: a.frame?.source ?? 'detected', requested: a.options.layout && a.options.layout !== 'auto' ? a.options.layout : null, collector: res.layout.collector, electrodes: res.layout.electrodes, evidence: { ...res.layout } },
    fieldOfView: a.frame?.fieldOfView ?? { detected: false, axis: null, fill: null, masked_fraction: 0, evidence: {} },
    fallbackVoxels: res.fallbackVoxels,
    collectorMaterials: res.layout.collector_materials,
    denoise: { requested: a.denoise.requested, applied: a.denoise.applied, min_cnr: a.denoise.min_cnr },
    adjacentPairs: [[0, 1], [1, 2], [0, 2], ...(res.layout.collector !== 'none' ? [[1, 3]] as [number, number][] : []), ...(res.layout.cathode ? [[2, 4], [0, 4]] as [number, number][] : [])],
  });
  a.timings.qc = Math.round((performance.now() - qcStart) * 10) / 10;
  return {
    version: 1, mode: 'phases', method: a.options.method ?? 'otsu', classes: 4, shape, input_dtype: a.inputDtype, spacing_um: a.frame ? a.frame.inputSpacing : spacing, li_contrast: a.options.liContrast ?? 'dark', grey_inverted: a.inverted,
    thresholds: res.thresholds, threshold_convention: 'partition', void_li_threshold: res.voidLiThreshold,
    histogram: summarise(res.histogram), gmm: res.gmm ?? null,
    class_means: meansByLabel, phase_fractions: fractions, excluded_fractions: excluded, phase_names: { ...PHASE_NAMES },
    li, denoise: a.denoise, decisions: res.decisions, cleanup: a.cleanup, refinement: res.refinement, qc, backend: a.backend.description, timings_ms: a.timings,
  };
}

/**
 * Layout name from what the layout steps found: a composite cathode is 'full-cell'; two Li electrodes (one each side of the electrolyte)
 * is 'symmetric'; collector | Li | electrolyte is 'anode-free' when the collector is carbon or Li is
 * missing from some columns, else 'li-foil' (a foil on a metal collector or plunger, or a foil with no
 * collector in view); nothing else is a layout these steps know.
 */
export function layoutName(l: PhaseResult['layout']): LayoutName {
  if (l.cathode) return 'full-cell';
  if (l.electrodes === 2) return 'symmetric';
  if (l.collector === 'none') return l.electrodes === 1 ? 'li-foil' : 'unknown';
  return l.collector === 'carbon' || l.li_column_coverage < 0.99 ? 'anode-free' : 'li-foil';
}

/** Step timings in ms (`lap(name)` closes the step started at the previous lap), as in the segment report. */
export function stageTimer(onStep?: (step: string, wallMs: number) => void): { timings: Record<string, number>; lap: (name: string) => void } {
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round((now - t) * 10) / 10;
    onStep?.(name, now - t);
    t = now;
  };
  return { timings, lap };
}
