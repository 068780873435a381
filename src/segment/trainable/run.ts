/**
 * Trainable segmentation (issue #18 point 3): a random forest (forest.ts) trained on the voxels the
 * user annotated (a few strokes on a few slices) over ilastik-like features (features.ts), then
 * applied to every voxel slab by slab. Returns contract labels, one probability map per class
 * (uint8, 0–255), an uncertainty map (1 − max probability, uint8) and the model, reusable on other
 * scans of the same series (the grey range it was trained on travels with it).
 *
 * Annotations: a volume of the scan's shape, 0 = not annotated, k = contract phase code k − 1
 * (1 void/pore, 2 Li, 3 electrolyte, 4 collector, 5 cathode, 6 outside the cell).
 * Memory: the scan, the outputs (labels, K probability maps, uncertainty: (K + 2) bytes per voxel)
 * and one slab of features (F × slab voxels × 4 bytes). Time: features O(N · Σ 8σ), prediction
 * O(N · trees · depth).
 */
import { InputError } from '../../io/errors.js';
import { parseLabelMap } from '../import-labels.js';
import type { Volume } from '../../io/volume.js';
import { buildPyramid, DEFAULT_SCALES, defaultFactor, featureCount, featureNames, prepareSlab, slabRange, type FeatureSpec, type Pyramid } from './features.js';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import { packageRoot } from '../../compute/cpu/backend.js';
import { forestFromJson, forestToJson, packForest, predictForest, trainForest, type Forest } from './forest.js';
import { predictSlab, releaseCompiledForest, trainingSlab, type OutsideLines, type SlabTask, type TrainingSlabTask } from './slab.js';
import { detectFieldOfView } from '../fov.js';
import type { ComputeBackend, GreyArray } from '../../compute/types.js';
import { predictSlabsOn, trainingSlabsOn } from './backend-slab.js';
import { applyPhaseRules, type PhaseRulesOptions, type PhaseRulesReport } from './rules.js';

/** --annotation-map: the file's code → annotation value (phase code + 1). */
function annotationLookup(text: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const [src, code] of parseLabelMap(text, '--annotation-map')) {
    if (src === 0) throw new InputError('--annotation-map: 0 means "not annotated" and cannot be mapped');
    if (code > 5) throw new InputError(`--annotation-map: ${src} is mapped to ${code === 255 ? 'masked' : code}, not a phase to learn (void, li, electrolyte, collector, cathode, outside)`);
    out.set(src, code + 1);
  }
  return out;
}

/** Annotation value k ↔ contract code k − 1. */
const PHASE_OF_ANNOTATION = [-1, 0, 1, 2, 3, 4, 5];
const PHASE_WORDS: Record<number, string> = { 0: 'void/pore', 1: 'Li', 2: 'electrolyte', 3: 'collector', 4: 'cathode', 5: 'outside the cell' };

export interface TrainableModel {
  version: 1;
  kind: 'random-forest';
  spec: FeatureSpec;
  feature_names: string[];
  /** Contract code of each class index. */
  class_codes: number[];
  forest: unknown;
}

export interface TrainableOptions {
  /** A model from an earlier run (model.json): no training, annotations not needed. */
  model?: TrainableModel | null;
  trees?: number;
  maxDepth?: number;
  seed?: number;
  scales?: number[];
  /** Every scale on the voxel grid (no pyramid): ~3× slower features, for comparison. */
  exactFeatures?: boolean;
  /** Worker threads for the prediction (default: all cores; 1 = this thread). */
  threads?: number;
  /** Voxels per slab of features (default 2²³). */
  slabVoxels?: number;
  onProgress?: (step: 'features' | 'train' | 'predict', done: number, total: number) => void;
  /**
   * The annotation file's own codes onto phases, "SRC:PHASE,…" as --label-map (e.g. "1:li,2:electrolyte,
   * 7:void"); 0 stays "not annotated". Null: the file holds phase code + 1.
   */
  annotationMap?: string | null;
  /** Connectivity rules on the labels (rules.ts): false = off; default on with its defaults. */
  rules?: boolean | PhaseRulesOptions;
  /** A gpu backend computes each slab's fine-scale features (backend-slab.ts; slabs in turn, this thread); otherwise cpu code, slabs on worker threads. */
  backend?: ComputeBackend;
  /** Names the files in errors. */
  names?: { scan?: string; annotations?: string };
}

export interface TrainableReport {
  mode: 'trainable';
  classes: { code: number; name: string; annotated_voxels: number }[];
  annotated_voxels: number;
  annotated_fraction: number;
  /** Fraction of the annotated voxels the forest labels as annotated (resubstitution). */
  training_accuracy: number | null;
  trees: number;
  features: string[];
  model_source: 'trained' | 'given';
  phase_fractions: Record<string, number>;
  mean_uncertainty: number;
  /** Threads the prediction ran on. */
  threads: number;
  /** Where the per-scale features were computed: 'cpu' (worker threads) or the gpu backend's description. */
  features_backend: string;
  /** The reconstruction's field of view found in the scan (fov.ts); outside it the labels are 255. NaN voxels are 255 too. */
  field_of_view: { detected: boolean; axis: 'z' | 'y' | 'x' | null; fill: number | 'nan' | null; masked_fraction: number };
  /**
   * Li inventory with its boundary uncertainty: the Li voxels (and µm³) where P(Li) ≥ 0.3, the
   * labelled Li, and P(Li) ≥ 0.7 — the labelled value and a band around it. Null without a Li class.
   */
  li_band: { p30_voxels: number; labelled_voxels: number; p70_voxels: number; p30_um3: number | null; labelled_um3: number | null; p70_um3: number | null; relative_half_width: number } | null;
  timings_ms: Record<string, number>;
  /** What the connectivity rules changed (null: switched off). */
  rules: PhaseRulesReport | null;
}

export interface TrainableResult {
  labels: Uint8Array;
  /** One uint8 map per class (class_codes order), 255 = certain. */
  probabilities: Uint8Array[];
  uncertainty: Uint8Array;
  model: TrainableModel;
  report: TrainableReport;
}

export async function segmentTrainable(scan: Volume, annotations: Volume | null, o: TrainableOptions = {}): Promise<TrainableResult> {
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const [nz, ny, nx] = scan.shape;
  const plane = ny * nx;
  const N = nz * plane;
  if (annotations && annotations.shape.join() !== scan.shape.join()) {
    throw new InputError(`annotations shape ${annotations.shape.join('×')} differs from the scan's ${scan.shape.join('×')}`, o.names?.annotations);
  }
  const progress = o.onProgress ?? (() => {});
  const gpu = o.backend?.name === 'gpu' ? o.backend : null;
  // the large scales' coarse grids, smoothed once for the whole volume (shared with the workers)
  let pyramid: Pyramid | null = null;
  const pyramidOf = (spec: FeatureSpec): Pyramid => (pyramid ??= buildPyramid(scan.data, nz, ny, nx, spec, true));
  // the reconstruction's circular field of view (a constant fill outside): 255, never trained on
  const fov = await detectFieldOfView(scan.data as GreyArray, scan.shape);
  const outside: OutsideLines | null = fov.detected && fov.axis && fov.mask ? { axis: fov.axis, mask: fov.mask } : null;
  let model: TrainableModel;
  let forest: Forest;
  let trainingAccuracy: number | null = null;
  const counts = new Map<number, number>();
  if (o.model) {
    model = o.model;
    forest = forestFromJson(model.forest as Parameters<typeof forestFromJson>[0]);
    if (forest.features !== featureCount(model.spec)) throw new InputError('model.json: feature count does not match its feature set');
  } else {
    if (!annotations) throw new InputError('trainable segmentation needs annotations (or a model)');
    // annotation values 0–6 (phase code + 1), through the user's map of their own codes if given
    const ann8 = new Uint8Array(isShared(scan.data) ? new SharedArrayBuffer(N) : new ArrayBuffer(N));
    const map = o.annotationMap ? annotationLookup(o.annotationMap) : null;
    for (let i = 0; i < N; i++) {
      const v = Number(annotations.data[i]);
      if (v === 0) continue;
      const a = map ? map.get(v) : v;
      if (a === undefined) throw new InputError(`annotation code ${v} is not in --annotation-map (0 = not annotated; map every other code the file holds)`, o.names?.annotations);
      if (!(a >= 1 && a <= 6 && Number.isInteger(a))) throw new InputError(`annotation value ${a} is not 0 (none) or 1–6 (phase code + 1)${map ? '' : '; a file with other codes needs --annotation-map'}`, o.names?.annotations);
      ann8[i] = a;
      counts.set(a, (counts.get(a) ?? 0) + 1);
    }
    const annotated = [...counts.keys()].sort((p, q) => p - q);
    if (annotated.length < 2) throw new InputError(`annotations name ${annotated.length} phase${annotated.length === 1 ? '' : 's'}: annotate at least two (e.g. Li and electrolyte)`, o.names?.annotations);
    const scales = o.scales ?? DEFAULT_SCALES;
    const spec: FeatureSpec = { scales, ...robustRange(scan.data), factors: scales.map((s) => (o.exactFeatures ? 1 : defaultFactor(s))) };
    model = { version: 1, kind: 'random-forest', spec, feature_names: featureNames(spec), class_codes: annotated.map((a) => PHASE_OF_ANNOTATION[a]), forest: null };
    const classOf = new Int16Array(7).fill(-1);
    annotated.forEach((a, k) => (classOf[a] = k));
    // features of the annotated voxels only, slab by slab (in worker threads when there are several)
    const F = featureCount(spec);
    const total = [...counts.values()].reduce((x, y) => x + y, 0);
    const trainTasks: TrainingSlabTask[] = [];
    for (const slab of slabs(nz, ny, nx, o.slabVoxels, spec)) {
      let any = false;
      for (let i = slab.z0 * plane; i < slab.z1 * plane && !any; i++) any = ann8[i] !== 0;
      if (any) trainTasks.push({ kind: 'train', scan: scan.data, shape: scan.shape, ...slab, spec, pyramid: pyramidOf(spec), annotations: ann8, fov: outside, classOf: Array.from(classOf) });
    }
    const trained = (t: TrainingSlabTask) => progress('features', t.z1, nz);
    const rows = gpu ? await trainingSlabsOn(gpu, trainTasks, trained) : await runSlabs(trainTasks, o.threads, scan.data, (t) => trainingSlab(t), trained);
    const X = new Float32Array(total * F);
    const y = new Uint8Array(total);
    let s = 0;
    for (const r of rows) {
      X.set(r.X.subarray(0, r.n * F), s * F);
      y.set(r.y.subarray(0, r.n), s);
      s += r.n;
    }
    timings.features_ms = performance.now() - t0;
    if (s === 0) throw new InputError('every annotated voxel lies outside the field of view', o.names?.annotations);
    const t1 = performance.now();
    forest = trainForest(X, y, s, F, annotated.length, { trees: o.trees ?? 16, maxDepth: o.maxDepth ?? 14, seed: o.seed ?? 1 });
    timings.train_ms = performance.now() - t1;
    progress('train', 1, 1);
    model.forest = forestToJson(forest);
    // resubstitution accuracy on the annotated voxels
    const Xf = new Float32Array(s * F);
    for (let i = 0; i < s; i++) for (let k = 0; k < F; k++) Xf[k * s + i] = X[i * F + k];
    const p = predictForest(forest, Xf, s);
    let right = 0;
    for (let i = 0; i < s; i++) if (argmax(p, i, annotated.length) === y[i]) right++;
    trainingAccuracy = right / s;
  }
  const K = model.class_codes.length;
  const shared = (n: number) => new Uint8Array(new SharedArrayBuffer(n));
  const labels = shared(N);
  const probabilities = Array.from({ length: K }, () => shared(N));
  const uncertainty = shared(N);
  const t2 = performance.now();
  // CPU time of this process's threads (workers included): the prediction's cost apart from the machine's load
  const cpu2 = process.cpuUsage();
  // slabs in worker threads when there are several (same outputs as in this thread: slab.ts)
  const packed = packForest(forest);
  const tasks: SlabTask[] = [...slabs(nz, ny, nx, o.slabVoxels, model.spec)].map((slab) => ({
    scan: scan.data, shape: scan.shape, ...slab, spec: model.spec, pyramid: pyramidOf(model.spec), forest: packed, fov: outside, classCodes: model.class_codes, labels, probabilities, uncertainty,
  }));
  let done = 0;
  const predicted = (t: SlabTask) => {
    done += t.z1 - t.z0;
    progress('predict', done, nz);
  };
  const stats = gpu ? await predictSlabsOn(gpu, tasks, predicted) : await runSlabs(tasks, o.threads, scan.data, (t) => predictSlab(t), predicted);
  releaseCompiledForest();
  const usedThreads = gpu ? 1 : slabThreads(tasks.length, o.threads, scan.data);
  const perCode = new Float64Array(256);
  let uSum = 0, li30 = 0, li70 = 0;
  for (const st of stats) {
    for (let c = 0; c < 256; c++) perCode[c] += st.perCode[c];
    uSum += st.uncertaintySum;
    li30 += st.li30;
    li70 += st.li70;
  }
  const liClass = model.class_codes.indexOf(1);
  timings.predict_ms = performance.now() - t2;
  const cpu = process.cpuUsage(cpu2);
  timings.predict_cpu_ms = (cpu.user + cpu.system) / 1000;
  // connectivity rules (rules.ts) correct the labels in place; the counts below follow them
  const rules = o.rules === false ? null : (await applyPhaseRules({ labels, probabilities, classCodes: model.class_codes, shape: scan.shape }, o.rules === true ? {} : o.rules)).report;
  for (const [c, d] of Object.entries(rules?.code_delta ?? {})) perCode[Number(c)] += d;
  timings.total_ms = performance.now() - t0;
  const analysed = N - perCode[5] - perCode[255];
  const phase_fractions: Record<string, number> = {};
  for (let k = 0; k <= 4; k++) phase_fractions[String(k)] = analysed ? perCode[k] / analysed : 0;
  const annotatedTotal = [...counts.values()].reduce((x, y) => x + y, 0);
  return {
    labels, probabilities, uncertainty, model,
    report: {
      mode: 'trainable',
      classes: model.class_codes.map((code) => ({ code, name: PHASE_WORDS[code], annotated_voxels: counts.get(code + 1) ?? 0 })),
      annotated_voxels: annotatedTotal,
      annotated_fraction: annotatedTotal / N,
      training_accuracy: trainingAccuracy,
      trees: forest.trees.length,
      features: model.feature_names,
      model_source: o.model ? 'given' : 'trained',
      phase_fractions,
      mean_uncertainty: N > perCode[255] ? uSum / (N - perCode[255]) : 0,
      threads: usedThreads,
      features_backend: gpu ? gpu.description : 'cpu',
      field_of_view: { detected: fov.detected, axis: fov.axis, fill: fov.fill, masked_fraction: fov.masked_fraction },
      li_band: liClass < 0 ? null : liBand(li30, perCode[1], li70, scan.spacing),
      timings_ms: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])),
      rules,
    },
  };
}

function liBand(p30: number, labelled: number, p70: number, spacing: Volume['spacing']): TrainableReport['li_band'] {
  const v = spacing ? spacing[0] * spacing[1] * spacing[2] : null;
  const um3 = (n: number) => (v !== null ? n * v : null);
  return {
    p30_voxels: p30, labelled_voxels: labelled, p70_voxels: p70,
    p30_um3: um3(p30), labelled_um3: um3(labelled), p70_um3: um3(p70),
    relative_half_width: labelled ? (p30 - p70) / (2 * labelled) : 0,
  };
}

interface Slab { z0: number; z1: number; h0: number; h1: number }

/**
 * Slabs of about `slabVoxels` voxels (default 2²³) with the slices their features read. At least
 * 16 slices deep by default: the fine scales smooth ~8 slices of halo on each side of a slab.
 */
function* slabs(nz: number, ny: number, nx: number, slabVoxels: number | undefined, spec: FeatureSpec): Generator<Slab> {
  const plane = ny * nx;
  // enough slabs to share among threads (at least 8) unless that makes them thinner than 16 slices
  const depth = slabVoxels !== undefined ? Math.max(1, Math.floor(slabVoxels / plane)) : Math.max(16, Math.min(Math.floor((1 << 23) / plane), Math.ceil(nz / 8)));
  for (let z0 = 0; z0 < nz; z0 += depth) {
    const z1 = Math.min(nz, z0 + depth);
    const [h0, h1] = slabRange(spec, z0, z1, nz);
    yield { z0, z1, h0, h1 };
  }
}

/** The compiled slab worker (dist/…/trainable/worker.js), or null when it is not built. */
function slabWorkerFile(): string | null {
  const file = path.join(packageRoot(), 'dist', 'src', 'segment', 'trainable', 'worker.js');
  return existsSync(file) ? file : null;
}

/** Threads the slabs run on: the requested (default all cores) where there are that many tasks, a shared scan and a built worker. */
function slabThreads(tasks: number, threads: number | undefined, scan: ArrayLike<number> & { buffer?: ArrayBufferLike }): number {
  const n = Math.min(threads ?? availableParallelism(), tasks);
  return n > 1 && isShared(scan) && slabWorkerFile() ? n : 1;
}

/**
 * Run slab tasks in worker threads when there are several threads, tasks and a shared scan (same
 * results as in this thread: slab.ts), else here; results in task order.
 */
async function runSlabs<T extends { z1: number }, R>(tasks: T[], threads: number | undefined, scan: ArrayLike<number> & { buffer?: ArrayBufferLike }, here: (t: T) => R, finished: (t: T) => void): Promise<R[]> {
  const n = slabThreads(tasks.length, threads, scan);
  const file = slabWorkerFile();
  if (n === 1 || !file) return tasks.map((t) => { const r = here(t); finished(t); return r; });
  const pool = new Piscina({ filename: pathToFileURL(file).href, minThreads: n, maxThreads: n, idleTimeout: 1000 });
  try {
    return await Promise.all(tasks.map(async (t) => { const r = (await pool.run(t)) as R; finished(t); return r; }));
  } finally {
    await pool.destroy();
  }
}

const isShared = (a: ArrayLike<number> & { buffer?: ArrayBufferLike }): boolean => typeof SharedArrayBuffer !== 'undefined' && a.buffer instanceof SharedArrayBuffer;

function argmax(p: Float32Array, i: number, K: number): number {
  let best = 0;
  for (let k = 1; k < K; k++) if (p[i * K + k] > p[i * K + best]) best = k;
  return best;
}

/** 0.5 and 99.5 percentiles of (a strided sample of) the grey levels. */
function robustRange(data: ArrayLike<number>): { greyLo: number; greyHi: number } {
  const step = Math.max(1, Math.floor(data.length / 1_000_000));
  const sample: number[] = [];
  for (let i = 0; i < data.length; i += step) {
    const v = Number(data[i]);
    if (Number.isFinite(v)) sample.push(v);
  }
  sample.sort((a, b) => a - b);
  const lo = sample[Math.floor(0.005 * (sample.length - 1))];
  const hi = sample[Math.floor(0.995 * (sample.length - 1))];
  return { greyLo: lo, greyHi: hi > lo ? hi : lo + 1 };
}

