/**
 * The trainable segmentation's slabs with their per-scale features computed by a compute backend
 * (its `scaleFeatures`: the WebGPU kernel kernels/trainable-features.wgsl.ts, or the cpu twin),
 * on this thread, slab after slab; the rest of a slab (normalisation, block means, interpolation of
 * the coarse scales, the forest) as in features.ts and slab.ts. Fine scales are computed densely
 * over the slab's core (a GPU gains nothing from computing only the annotated voxels).
 */
import type { ComputeBackend } from '../../compute/types.js';
import { slabSteps, type FeatureSpec, type PreparedSlab } from './features.js';
import { predictSlab, type SlabStats, type SlabTask } from './slab.js';

/** prepareSlab (features.ts) with every scale's features from `backend`. */
export async function prepareSlabOn(
  backend: Pick<ComputeBackend, 'scaleFeatures'>, grey: ArrayLike<number>, h0: number, h1: number, z0: number, z1: number, nz: number, ny: number, nx: number, spec: FeatureSpec,
): Promise<PreparedSlab> {
  const steps = slabSteps(grey, h0, h1, z0, z1, nz, ny, nx, spec, true);
  for (let r = steps.next(); ; ) {
    if (r.done) return r.value;
    const j = r.value;
    r = steps.next(await backend.scaleFeatures(j.grid, [j.depth, j.ny, j.nx], j.sigma, j.c0, j.c1, j.h));
  }
}

/** predictSlab of each task in turn, its features from `backend`; `finished` hears each slab. */
export async function predictSlabsOn(backend: Pick<ComputeBackend, 'scaleFeatures'>, tasks: SlabTask[], finished: (s: SlabStats, t: SlabTask) => SlabStats): Promise<SlabStats[]> {
  const stats: SlabStats[] = [];
  for (const t of tasks) {
    const [nz, ny, nx] = t.shape;
    const plane = ny * nx;
    const slab = await prepareSlabOn(backend, t.scan.subarray(t.h0 * plane, t.h1 * plane), t.h0, t.h1, t.z0, t.z1, nz, ny, nx, t.spec);
    stats.push(finished(predictSlab(t, slab), t));
  }
  return stats;
}
