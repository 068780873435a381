/**
 * The trainable segmentation's slabs with their fine scales' features computed by a compute backend
 * (its `scaleFeatures`: the WebGPU kernel kernels/trainable-features.wgsl.ts, or the cpu twin), on
 * this thread, slab after slab; the rest of a slab (normalisation, the coarse scales from the
 * pyramid and their interpolation, the forest) as in features.ts and slab.ts. Fine scales are
 * computed densely over the slab's core (a GPU gains nothing from computing only the annotated voxels).
 */
import type { ComputeBackend } from '../../compute/types.js';
import { prepareSlab, slabGrey, type DenseFine, type FeatureSpec, type PreparedSlab, type Pyramid } from './features.js';
import { predictSlab, trainingSlab, type SlabStats, type SlabTask, type TrainingRows, type TrainingSlabTask } from './slab.js';

/** prepareSlab (features.ts) with the fine scales' features from `backend`. */
export async function prepareSlabOn(
  backend: Pick<ComputeBackend, 'scaleFeatures'>, grey: ArrayLike<number>, h0: number, h1: number, z0: number, z1: number, nz: number, ny: number, nx: number,
  spec: FeatureSpec, pyramid: Pyramid,
): Promise<PreparedSlab> {
  const { g, f0, depth } = slabGrey(grey, h0, h1, z0, z1, nz, ny, nx, spec);
  const dense: DenseFine = new Map();
  for (const [s, sigma] of spec.scales.entries()) {
    if ((spec.factors?.[s] ?? 1) !== 1) continue;
    dense.set(s, await backend.scaleFeatures(g, [depth, ny, nx], sigma, z0 - f0, z1 - f0, 1));
  }
  return prepareSlab(grey, h0, h1, z0, z1, nz, ny, nx, spec, pyramid, dense);
}

const slabOf = (t: SlabTask | TrainingSlabTask) => t.scan.subarray(t.h0 * t.shape[1] * t.shape[2], t.h1 * t.shape[1] * t.shape[2]);

/** predictSlab of each task in turn, its features from `backend`; `finished` hears each slab. */
export async function predictSlabsOn(backend: Pick<ComputeBackend, 'scaleFeatures'>, tasks: SlabTask[], finished: (t: SlabTask) => void): Promise<SlabStats[]> {
  const stats: SlabStats[] = [];
  for (const t of tasks) {
    const slab = await prepareSlabOn(backend, slabOf(t), t.h0, t.h1, t.z0, t.z1, ...t.shape, t.spec, t.pyramid);
    stats.push(predictSlab(t, slab));
    finished(t);
  }
  return stats;
}

/** trainingSlab of each task in turn, its features from `backend`. */
export async function trainingSlabsOn(backend: Pick<ComputeBackend, 'scaleFeatures'>, tasks: TrainingSlabTask[], finished: (t: TrainingSlabTask) => void): Promise<TrainingRows[]> {
  const rows: TrainingRows[] = [];
  for (const t of tasks) {
    const slab = await prepareSlabOn(backend, slabOf(t), t.h0, t.h1, t.z0, t.z1, ...t.shape, t.spec, t.pyramid);
    rows.push(trainingSlab(t, slab));
    finished(t);
  }
  return rows;
}
