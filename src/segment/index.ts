/**
 * Phase segmentation of tomograms.
 *
 *   segment(scan, { mode: 'phases' | 'classes', method: 'otsu' | 'gmm', backend?, ... })
 *
 * 'classes' (generic, K classes by increasing intensity): exact multi-Otsu (or GMM) thresholds on a
 * full-resolution histogram, then `classify`. With method 'otsu' the thresholds follow scikit-image's
 * convention, so the labels equal threshold_multiotsu + np.digitize.
 * 'phases' (default): contract codes 0 void, 1 Li, 2 electrolyte, 3 collector, decided from physics
 * (attenuation order) and layout (collector slab at one z end, Li layer between collector and
 * electrolyte, topology of the low-density phase), with half-way boundary refinement. See phases.ts.
 *
 * Every full-volume voxel kernel goes through the ComputeBackend of the options (cpu or gpu; a cpu
 * backend of its own when none is given).
 *
 * Volumes larger than memory: segmentOutOfCore (out-of-core.ts), phase mode, same labels and report
 * numbers bit for bit; both paths share the kernels of phases.ts over a PhaseStore (store.ts) and the
 * steps in common.ts.
 */
import type { ComputeBackend, GreyArray } from '../compute/types.js';
import type { DType, Shape3, Volume } from '../io/volume.js';
import { bytesPerVoxel, voxelCount } from '../io/volume.js';
import { InputError } from '../io/errors.js';
import { createBackend } from '../compute/index.js';
import { fullHistogram, minMax, requireContrast, summarise, thresholdsFromHistogram } from './histogram.js';
import { estimateNoise } from './noise.js';
import { cleanup } from './cleanup.js';
import { segmentPhases } from './phases.js';
import { secondPassLikelyInMemory, secondPassInMemory, secondPassAllowed, secondPassWanted } from './second-pass.js';
import { MemoryStore } from './store.js';
import { prepareFrame, qcFieldOfView, type Frame } from './frame.js';
import { denoiseDecision, denoiseReport, invertGrey, labelStats, phasesReport, stageTimer } from './common.js';
import type { SegmentOptions, SegmentReport, SegmentResult } from './types.js';

export type { SegmentOptions, SegmentReport, SegmentResult, DenoiseReport, PhaseDecision, DenoiseChoice } from './types.js';
export { multiOtsu, multiOtsuBruteForce, classStats } from './otsu.js';
export { fitGmm, densityCrossing } from './gmm.js';
export { fullHistogram, thresholdsFromHistogram, summarise } from './histogram.js';
export { estimateNoise } from './noise.js';
export { writeSegmentation, writeSegmentationFromScratch } from './write.js';
export { PHASE_NAMES, UM_PER_MAH_CM2, lowRangeSplit } from './common.js';
export { segmentOutOfCore, type OutOfCoreOptions, type OutOfCoreResult } from './out-of-core.js';

export function asGrey(data: Volume['data']): { grey: GreyArray; converted: boolean } {
  if (data instanceof Uint8Array || data instanceof Uint16Array || data instanceof Float32Array) return { grey: data, converted: false };
  return { grey: Float32Array.from(data as ArrayLike<number>), converted: true };
}

export async function segment(scan: Volume, options: SegmentOptions): Promise<SegmentResult> {
  if (options.backend) return segmentOn(scan, options.backend, options);
  const backend = await createBackend('cpu');
  try {
    return await segmentOn(scan, backend, options);
  } finally {
    await backend.dispose();
  }
}

async function segmentOn(scan: Volume, backend: ComputeBackend, options: SegmentOptions): Promise<SegmentResult> {
  const { timings, lap } = stageTimer(options.onStep);
  const progress = options.onProgress ?? (() => {});
  const mode = options.mode ?? 'phases';
  const method = options.method ?? 'otsu';
  let shape: Shape3 = [...scan.shape];
  const n = voxelCount(shape);
  if (scan.data.length !== n) throw new InputError(`volume data length ${scan.data.length} does not match shape ${shape.join('×')}`);
  if (mode === 'classes') {
    const K = options.classes ?? 3;
    if (!Number.isInteger(K) || K < 2 || K > 16) throw new InputError(`--classes must be an integer from 2 to 16 (got ${options.classes})`);
  }
  if (method !== 'otsu' && method !== 'gmm') throw new InputError(`unknown method '${String(method)}' (expected otsu or gmm)`);
  const liContrast = options.liContrast ?? 'dark';
  const inputSpacing = options.spacing !== undefined ? options.spacing : scan.spacing;
  let spacing = inputSpacing;

  // 0. Grey array (uint8/uint16/float32 as is; other types to float32), optional inversion.
  let { grey, converted } = asGrey(scan.data);
  let owned = converted; // may we overwrite `grey`?
  const inverted = mode === 'phases' && liContrast === 'bright';
  if (inverted) {
    const { min, max } = minMax(grey);
    const out = owned || options.inPlace ? grey : (new (grey.constructor as new (n: number) => GreyArray)(n));
    invertGrey(grey, out, min, max);
    grey = out;
    owned = true;
  }
  // Phase mode works with the stack normal along z and without the field-of-view fill.
  let frame: Frame | null = null;
  // the input's memory, free once the frame has permuted a copy (stack normal along y or x) of a
  // grey the caller gave up (inPlace) or that is our own: the labels, and their copy back in the
  // input frame, live there instead of in new buffers (a uint16 scan holds both)
  let spare: SharedArrayBuffer | null = null;
  if (mode === 'phases') {
    const before = grey;
    frame = await prepareFrame(grey, shape, spacing ?? null, { normal: options.normal, fieldOfView: options.fieldOfView, mask: options.mask }, owned || Boolean(options.inPlace), backend);
    if (frame.normal !== 'z' && (owned || options.inPlace) && before.buffer instanceof SharedArrayBuffer && before.byteOffset === 0) spare = before.buffer;
    grey = frame.grey;
    owned ||= frame.owned;
    shape = frame.shape;
    spacing = frame.spacing;
  }
  lap('prepare');

  // 1. Quick histogram, quick thresholds, noise estimate → denoise choice.
  progress('histogram', 0, 1);
  const floatBins = options.floatBins ?? (mode === 'classes' ? 256 : 4096);
  const quickHist = await fullHistogram(grey, backend, floatBins);
  const dn = denoiseDecision(mode, options, quickHist, (classOf, classes) => estimateNoise(grey, shape, classOf, classes));
  lap('noise_estimate');

  // 2. Denoise.
  progress('denoise', 0, 1);
  let work: GreyArray = grey;
  // all cells but anode-free get a second pass on the scan itself (second-pass.ts): then the median goes to a copy
  const twoPass = secondPassAllowed(mode, options, dn.applied) && (await secondPassLikelyInMemory(backend, grey, shape, options, method));
  if (dn.applied === 'median') {
    work = await backend.median3(grey, shape, (owned || options.inPlace) && !twoPass ? grey : undefined);
  } else if (dn.applied === 'gaussian') {
    const s = dn.sigma;
    work = await backend.gaussian(grey, shape, [s, s, s]);
  }
  lap('denoise');
  progress('denoise', 1, 1);
  const denoise = denoiseReport(options, dn);

  let report: SegmentReport;
  let labels: Uint8Array;
  if (mode === 'classes') {
    const K = options.classes ?? 3;
    progress('thresholds', 0, 1);
    // Histogram of the denoised data (same as the quick one when nothing was applied).
    const hist = dn.applied === 'none' ? quickHist : await fullHistogram(work, backend, floatBins);
    lap('histogram');
    const levels = requireContrast(hist, K);
    if (levels < K) throw new InputError(`the scan has only ${levels} distinct grey levels: it cannot be split into ${K} classes (--classes ${levels} or fewer)`);
    const th = thresholdsFromHistogram(hist, K, method, method === 'otsu' ? 'skimage' : 'partition', options.otsuVariant === 'skimage');
    lap('thresholds');
    progress('classify', 0, 1);
    labels = await backend.classify(work, th.thresholds);
    lap('classify');
    const cl = await cleanup(labels, shape, backend, K, options.minIslandVoxels ?? 0, options.fillHoles ?? false);
    lap('cleanup');
    const { fractions, meansByLabel } = await labelStats(new MemoryStore(work, shape, labels), K, 256, backend);
    report = {
      version: 1, mode, method, classes: K, shape, input_dtype: scan.dtype, spacing_um: spacing ?? null, li_contrast: liContrast, grey_inverted: false,
      thresholds: th.thresholds, threshold_convention: th.convention, otsu_variant: options.otsuVariant ?? 'exact', histogram: summarise(hist), gmm: th.gmm ?? null,
      class_means: meansByLabel, phase_fractions: fractions, phase_names: Object.fromEntries(Array.from({ length: K }, (_, k) => [String(k), `class ${k}`])),
      li: null, denoise,
      decisions: [{ step: 'classes', decision: `generic mode: ${K} classes by increasing intensity (${method})`, evidence: { thresholds: th.thresholds, class_stats: th.classes_stats } }],
      cleanup: cl, refinement: null, backend: backend.description, timings_ms: timings,
    };
  } else {
    const fr = frame!;
    let store = new MemoryStore(work, shape, spare && spare.byteLength >= n ? new Uint8Array(spare, 0, n) : undefined);
    let res = await segmentPhases({ store, spacing: spacing ?? null, backend, method, options, progress, lap });
    if (twoPass && secondPassWanted(res.layout)) {
      const second = await secondPassInMemory({ spacing: spacing ?? null, backend, method, options, progress, lap: (name) => lap(`pass2_${name}`) }, grey, work, store.labels, shape, res);
      // the report and QC read the median grey, as for every other cell
      store = new MemoryStore(work, shape, second.labels);
      res = second.res;
    }
    res.decisions.unshift(...fr.decisions);
    const cl = await cleanup(store.labels, shape, backend, 4, options.minIslandVoxels ?? 0, options.fillHoles ?? false);
    fr.markOutside(store.labels);
    lap('cleanup');
    report = await phasesReport({
      store, res, cleanup: cl, options, spacing: spacing ?? null, inputDtype: scan.dtype, inverted, denoise, backend, timings,
      frame: { normal: fr.normal, source: fr.normalSource, fieldOfView: qcFieldOfView(fr.fov), inputShape: fr.inputShape, inputSpacing: inputSpacing ?? null },
    });
    labels = fr.restore(store.labels, spare && spare.byteLength >= 2 * n && store.labels.buffer === spare ? new Uint8Array(spare, n, n) : undefined);
  }
  timings.total = Object.entries(timings).reduce((a, [k, v]) => (k === 'total' ? a : a + v), 0);
  progress('done', 1, 1);
  return { labels, report };
}


/**
 * Resident bytes of the in-memory phase segmentation of a scan: the scan, the labels and the
 * backend's denoise/temporary buffers (measured: 2.43× a uint16 scan for the whole run, 4.8× in the
 * segment CLI with median denoise on 200×512×512); above the budget, segmentOutOfCore streams.
 */
export function segmentInMemoryBytes(shape: Shape3, dtype: DType): number {
  return voxelCount(shape) * (2 * bytesPerVoxel(dtype) + 2) + 64 * 2 ** 20;
}
