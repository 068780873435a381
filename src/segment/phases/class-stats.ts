/**
 * Intensity classes and the per-slice / sampled statistics the layout steps read from them: the
 * class of a grey level, class fractions per slice and at the volume's ends, a strided median
 * sampler, and the slab filter of the sparse passes. Classes are recomputed from the grey level
 * where needed rather than stored (one uint8 label volume is the only full-volume working memory).
 * Complexity: sliceFractions one pass over the volume, O(N); the rest O(nz) or O(samples · log).
 */
import type { ComputeBackend } from '../../compute/types.js';
import type { PhaseStore } from '../store.js';
import { sliceFractionsSlab } from './slab-kernels.js';
import { runSlabKernel } from './slab-parallel.js';

/** Intensity class of a grey level (thresholds rounded to float32 like `classify`). */
export type ClassOf = (g: number) => number;

export function classifier(thresholds: readonly number[]): ClassOf {
  const t0 = Math.fround(thresholds[0]);
  if (thresholds.length === 1) return (g) => (g >= t0 ? 1 : 0);
  const t1 = Math.fround(thresholds[1]);
  if (thresholds.length === 2) return (g) => (g >= t1 ? 2 : g >= t0 ? 1 : 0);
  const t2 = Math.fround(thresholds[2]);
  return (g) => (g >= t2 ? 3 : g >= t1 ? 2 : g >= t0 ? 1 : 0);
}

/** Every `stride`-th offered value (stride from the expected count, ≤ ~200k kept), then their median. */
export class Sampler {
  readonly stride: number;
  readonly buf: Float32Array;
  m = 0;
  seen = 0;
  constructor(count: number) {
    this.stride = Math.max(1, Math.ceil(count / 200_000));
    this.buf = new Float32Array(Math.ceil(count / this.stride) + 1);
  }
  offer(g: number): void {
    if (this.seen++ % this.stride === 0 && this.m < this.buf.length) this.buf[this.m++] = g;
  }
  /** Values kept elsewhere from this sampler's voxels, in order (slab kernels: each slab's kept values, in z order). */
  append(values: Float32Array): void {
    const n = Math.min(values.length, this.buf.length - this.m);
    this.buf.set(values.subarray(0, n), this.m);
    this.m += n;
  }
  median(): number {
    return median(this.buf.subarray(0, this.m));
  }
}

/**
 * Fraction of each class 0..K−1 per slice (K ≤ 4; the classes of `classifier(thresholds)`): one
 * count per slice, so z-slabs run on the workers (slab-kernels.ts sliceFractionsSlab) when a
 * backend is given.
 */
export async function sliceFractions(store: PhaseStore, thresholds: readonly number[], K: number, backend?: ComputeBackend): Promise<Float64Array[]> {
  const nz = store.shape[0];
  // shared: the workers write their slices' entries
  const f = new Float64Array(new SharedArrayBuffer(8 * K * nz));
  const ts = [...thresholds];
  await store.sweep({ grey: true }, async (w) => {
    if (backend) await runSlabKernel(backend, w, store.shape, 'sliceFractionsSlab', { ts, K, f });
    else sliceFractionsSlab({ grey: w.grey, labels: w.labels, lo: w.lo, z0: w.z0, z1: w.z1, shape: store.shape, ts, K, f });
  });
  return Array.from({ length: K }, (_, k) => f.slice(k * nz, (k + 1) * nz));
}

/** Mean fraction of class c over the last 10 % (or `depth`; ≥ 2) slices at one end. */
export function endFraction(f: Float64Array[], c: number, end: 'start' | 'end', depth = 0.1): number {
  const nz = f[0].length;
  const m = Math.max(2, Math.round(depth * nz));
  let s = 0;
  for (let k = 0; k < Math.min(m, nz); k++) s += f[c][end === 'start' ? k : nz - 1 - k];
  return s / Math.min(m, nz);
}

/** Median of `a` (not modified; NaN when empty; even counts: the mean of the two middle values): a copy partitioned by quickselect (Hoare), O(n) expected. */
export function median(a: Float64Array | Float32Array): number {
  if (!a.length) return NaN;
  const s = Float64Array.from(a);
  const n = s.length;
  const upper = kth(s, n >> 1);
  if (n % 2) return upper;
  // the lower middle: the largest value left of the upper one after the partition
  let lower = -Infinity;
  for (let i = 0; i < n >> 1; i++) if (s[i] > lower) lower = s[i];
  return 0.5 * (lower + upper);
}

/** The k-th smallest of s (0-based), s partitioned around it in place. */
function kth(s: Float64Array, k: number): number {
  let lo = 0, hi = s.length - 1;
  while (lo < hi) {
    const pivot = s[(lo + hi) >> 1];
    let i = lo, j = hi;
    while (i <= j) {
      while (s[i] < pivot) i++;
      while (s[j] > pivot) j--;
      if (i <= j) {
        const t = s[i];
        s[i] = s[j];
        s[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else break;
  }
  return s[k];
}


/** Whether any of counts[z0..z1) is non-zero (slabs a sparse pass may skip). */
export const anyIn = (counts: Float64Array) => (z0: number, z1: number): boolean => {
  for (let z = z0; z < z1; z++) if (counts[z]) return true;
  return false;
};
