import type { ComputeBackend } from './types.js';
import {
  classifyRef, clipRef, connectedComponentsRef, gaussianRef, histogramRef, localMeanVarianceRef, median3Ref, normalizeRef,
} from './reference.js';
import { gridScaleFeatures } from './scale-features.js';

/**
 * The reference kernels behind the backend interface: slow, single-threaded, obviously correct.
 * For tests and for checking a backend, never chosen by `--backend`.
 */
export const referenceBackend: ComputeBackend = {
  name: 'cpu',
  description: 'reference (single thread, unoptimised)',
  normalize: async (input, lo, hi, out) => copyInto(normalizeRef(input, lo, hi), out),
  clip: async (input, lo, hi, out) => copyInto(clipRef(input, lo, hi), out),
  median3: async (input, shape, out) => copyInto(median3Ref(input, shape), out),
  gaussian: async (input, shape, sigma, out) => copyInto(gaussianRef(input, shape, sigma), out),
  histogram: async (input, spec) => histogramRef(input, spec),
  classify: async (input, thresholds, out) => copyInto(classifyRef(input, thresholds), out),
  localMeanVariance: async (input, shape, radius) => localMeanVarianceRef(input, shape, radius),
  connectedComponents: async (mask, shape, connectivity) => connectedComponentsRef(mask, shape, connectivity),
  scaleFeatures: async (grid, [depth, ny, nx], sigma, c0, c1, h) => gridScaleFeatures(grid, depth, ny, nx, sigma, c0, c1, h),
  dispose: async () => {},
};

function copyInto<A extends { set(a: A): void }>(result: A, out?: A): A {
  if (!out) return result;
  out.set(result);
  return out;
}
