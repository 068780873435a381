/**
 * Masks of intensity classes for the connected-components passes, computed slab by slab from the
 * grey level (no class volume is stored), on the cpu backend's workers. The comparisons are those of
 * `classifier` (thresholds rounded to float32), inlined: these masks run over every voxel of each
 * components pass.
 * Complexity: O(voxels of the slab).
 */
import type { ComputeBackend } from '../../compute/types.js';
import { MemoryStore, type PhaseStore } from '../store.js';
import type { MaskData, SlabComponentsOptions } from '../slab-components.js';
import { classMaskRange } from './slab-kernels.js';
import { KERNELS_MODULE } from './slab-parallel.js';

export type MaskFiller = (z0: number, z1: number, m: Uint8Array) => void | Promise<void>;

/** Ranges of the mask per worker thread (the fill is memory-bound: a few per thread balance it). */
const RANGES_PER_THREAD = 4;

/**
 * The mask of classes `cs` (slab-kernels.ts classMaskRange): split over the cpu backend's workers
 * when the grey slices and the mask are shared memory, else on this thread. Element-wise: the same
 * mask either way.
 */
export const workerMask = (store: PhaseStore, thresholds: readonly number[], cs: number[], backend: ComputeBackend): MaskFiller => async (z0, z1, m) => {
  const grey = store.greySlices(z0, z1);
  const ts = thresholds.map(Math.fround); // those of `cls`
  const threads = backend.threads ?? 1;
  const sharedArrays = grey.buffer instanceof SharedArrayBuffer && m.buffer instanceof SharedArrayBuffer;
  if (threads < 2 || !backend.runModuleTasks || !sharedArrays || m.length < 1 << 16) {
    classMaskRange({ grey, mask: m, i0: 0, i1: m.length, ts, cs });
    return;
  }
  const parts = threads * RANGES_PER_THREAD;
  const args = Array.from({ length: parts }, (_, k) => ({ grey, mask: m, i0: Math.floor((k * m.length) / parts), i1: Math.floor(((k + 1) * m.length) / parts), ts, cs }));
  await backend.runModuleTasks(KERNELS_MODULE, 'classMaskRange', args);
};

/**
 * The same mask as data for slabComponents' workers (maskData: each makes the mask of the piece it
 * labels, in the same task): the grey slices of an in-memory store, which are shared memory; null
 * otherwise (fillMask, e.g. workerMask, then makes it).
 */
export const workerMaskData = (store: PhaseStore, thresholds: readonly number[], cs: number[]) => (z0: number, z1: number): MaskData | null => {
  if (!(store instanceof MemoryStore)) return null;
  const grey = store.greySlices(z0, z1);
  return grey.buffer instanceof SharedArrayBuffer ? { grey, ts: thresholds.map(Math.fround), cs } : null;
};

/** fillMask and maskData of slabComponents for the classes `cs`. */
export type ClassMask = Pick<SlabComponentsOptions, 'fillMask' | 'maskData'>;
export const classMask = (store: PhaseStore, thresholds: readonly number[], cs: number[], backend: ComputeBackend): ClassMask => ({
  fillMask: workerMask(store, thresholds, cs, backend),
  maskData: workerMaskData(store, thresholds, cs),
});
