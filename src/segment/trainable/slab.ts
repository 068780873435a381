/**
 * One slab of the trainable segmentation: for the training pass the features of its annotated voxels,
 * for the prediction its features (features.ts), the forest's
 * class probabilities (forest.ts) and the outputs written into the shared volumes at the slab's
 * place. The same function runs in this thread or in a worker (worker.ts); a slab's outputs do not
 * depend on where it ran.
 */
import type { Shape3, VoxelArray } from '../../io/volume.js';
import { featureCount, prepareSlab, type FeatureSpec, type PreparedSlab, type Pyramid } from './features.js';
import { predictPacked, type PackedForest } from './forest.js';
import { compileForest, type CompiledForest } from './forest-wasm.js';
import { planeScaleFeatures, planeScratchBytes, type PlaneScaleFeatures } from '../../compute/wasm-scale-features.js';

/** What every slab task carries: the scan, its slab and the feature set. */
export interface SlabWork {
  /** The whole scan (shared memory in a worker), shape [nz, ny, nx]. */
  scan: VoxelArray;
  shape: Shape3;
  /** Core slices [z0, z1) and the slices read with their halo [h0, h1). */
  z0: number;
  z1: number;
  h0: number;
  h1: number;
  spec: FeatureSpec;
  /** The large scales' coarse grids of the whole scan (shared memory in a worker). */
  pyramid: Pyramid;
  /** Lines outside the reconstruction field of view (fov.ts), labelled 255 like NaN voxels; null: none. */
  fov: OutsideLines | null;
}

export interface SlabTask extends SlabWork {
  forest: PackedForest;
  classCodes: number[];
  /** Outputs over the whole volume (shared memory in a worker). */
  labels: Uint8Array;
  probabilities: Uint8Array[];
  uncertainty: Uint8Array;
}

/** Masked lines along an axis over the perpendicular plane (FieldOfView's axis and mask). */
export interface OutsideLines {
  axis: 'z' | 'y' | 'x';
  mask: Uint8Array;
}

/**
 * 1 where a voxel of plane z lies outside the field of view (NaN/Inf grey or a masked line),
 * written into `out` (ny·nx): row by row from the line mask, not voxel by voxel.
 */
export function outsidePlane(t: SlabWork, z: number, out: Uint8Array): Uint8Array {
  const [, ny, nx] = t.shape;
  const plane = ny * nx;
  const o = t.fov;
  if (!o) out.fill(0);
  else if (o.axis === 'z') out.set(o.mask);
  else if (o.axis === 'y') for (let y = 0; y < ny; y++) out.set(o.mask.subarray(z * nx, z * nx + nx), y * nx);
  else for (let y = 0; y < ny; y++) out.fill(o.mask[z * ny + y], y * nx, y * nx + nx);
  const base = z * plane;
  for (let j = 0; j < plane; j++) if (!Number.isFinite(Number(t.scan[base + j]))) out[j] = 1;
  return out;
}

export interface SlabStats {
  /** Voxels per contract code (index = code). */
  perCode: Float64Array;
  uncertaintySum: number;
  /** Voxels with P(Li) ≥ 0.3 and ≥ 0.7 (0 without a Li class). */
  li30: number;
  li70: number;
}

/** `prepared`: the slab's features prepared elsewhere (backend-slab.ts); by default here. */
export function predictSlab(t: SlabTask, prepared?: PreparedSlab): SlabStats {
  const [nz, ny, nx] = t.shape;
  const plane = ny * nx;
  const K = t.classCodes.length;
  const grey = t.scan.subarray(t.h0 * plane, t.h1 * plane);
  const slab = prepared ?? prepareSlab(grey, t.h0, t.h1, t.z0, t.z1, nz, ny, nx, t.spec, t.pyramid);
  // one plane of features at a time: F × ny·nx floats, whatever the slab's depth, written straight
  // into the compiled forest's memory (forest-wasm.ts; the interpreted walk where it cannot compile)
  const F = featureCount(t.spec);
  const { compiled, kernel } = compiledFor(t.forest, F, ny, nx);
  const f = compiled?.features ?? new Float32Array(F * plane);
  const p = compiled?.probabilities ?? new Float32Array(plane * K);
  const masked = compiled?.skip ?? new Uint8Array(plane);
  const liClass = t.classCodes.indexOf(1);
  const stats: SlabStats = { perCode: new Float64Array(256), uncertaintySum: 0, li30: 0, li70: 0 };
  for (let z = t.z0; z < t.z1; z++) {
    const base = z * plane;
    // outside the field of view: masked (255), no probabilities, not counted in the uncertainty,
    // not walked through the forest
    outsidePlane(t, z, masked);
    slab.plane(z, f, kernel);
    if (compiled) compiled.predict(0, plane);
    else predictPacked(t.forest, f, plane, p, masked);
    for (let j = 0; j < plane; j++) {
      if (masked[j]) {
        t.labels[base + j] = 255;
        stats.perCode[255]++;
        continue;
      }
      let k = 0;
      for (let c = 1; c < K; c++) if (p[j * K + c] > p[j * K + k]) k = c;
      const code = t.classCodes[k];
      t.labels[base + j] = code;
      stats.perCode[code]++;
      for (let c = 0; c < K; c++) t.probabilities[c][base + j] = Math.round(255 * p[j * K + c]);
      if (liClass >= 0) {
        const pl = p[j * K + liClass];
        if (pl >= 0.3) stats.li30++;
        if (pl >= 0.7) stats.li70++;
      }
      const u = 1 - p[j * K + k];
      t.uncertainty[base + j] = Math.round(255 * u);
      stats.uncertaintySum += u;
    }
  }
  return stats;
}

/**
 * The forest compiled for planes of n voxels, kept between the slabs a thread predicts (one per
 * thread: a worker thread's ends with its pool; this thread's is let go by releaseCompiledForest).
 */
let compiledCache: { key: string; compiled: CompiledForest | null; kernel: PlaneScaleFeatures | null } | null = null;

/** The compiled forest and, in its memory, the SIMD plane features (each null where it cannot be had). */
function compiledFor(forest: PackedForest, F: number, ny: number, nx: number): { compiled: CompiledForest | null; kernel: PlaneScaleFeatures | null } {
  const key = `${forest.key}/${F}/${ny}x${nx}`;
  if (compiledCache?.key !== key) {
    const compiled = compileForest(forest, F, ny * nx, planeScratchBytes(ny, nx));
    const kernel = compiled ? planeScaleFeatures(compiled.memory, compiled.scratchOffset, ny, nx) : null;
    compiledCache = { key, compiled, kernel };
  }
  return compiledCache;
}

/** Drop this thread's compiled forest (its F × plane features), after a prediction. */
export function releaseCompiledForest(): void {
  compiledCache = null;
}

/** One slab of the training pass: the features of its annotated voxels (in voxel order). */
export interface TrainingSlabTask extends SlabWork {
  kind: 'train';
  /** Annotation values 0–6 over the whole volume (shared memory in a worker). */
  annotations: Uint8Array;
  /** Class index of each annotation value (−1: not a class). */
  classOf: number[];
}

export interface TrainingRows {
  /** Sample-major features, n × F. */
  X: Float32Array;
  y: Uint8Array;
  n: number;
}

/** `prepared`: as for predictSlab. */
export function trainingSlab(t: TrainingSlabTask, prepared?: PreparedSlab): TrainingRows {
  const [nz, ny, nx] = t.shape;
  const plane = ny * nx;
  const F = featureCount(t.spec);
  let n = 0;
  for (let j = t.z0 * plane; j < t.z1 * plane; j++) if (t.annotations[j] !== 0) n++;
  const X = new Float32Array(n * F), y = new Uint8Array(n);
  if (n === 0) return { X, y, n };
  // the annotated voxels are a small part of a slab: features (and smoothing) only where they are
  const marked = t.annotations.subarray(t.z0 * plane, t.z1 * plane);
  const slab = prepared ?? prepareSlab(t.scan.subarray(t.h0 * plane, t.h1 * plane), t.h0, t.h1, t.z0, t.z1, nz, ny, nx, t.spec, t.pyramid, undefined, marked);
  let s = 0;
  const masked = new Uint8Array(plane);
  for (let z = t.z0; z < t.z1; z++) {
    outsidePlane(t, z, masked);
    for (let j = 0, i = z * plane; j < plane; j++, i++) {
      const a = t.annotations[i];
      // annotated outside the field of view: not trained on
      if (a === 0 || masked[j]) continue;
      slab.voxel(z, Math.floor(j / nx), j % nx, X, s * F, 1);
      y[s++] = t.classOf[a];
    }
  }
  return { X, y, n: s };
}
