/**
 * Runs a kernel of slab-kernels.ts over a window's interior slices: split into z-slabs on the
 * compute backend's worker threads (the cpu backend's one pool: runModuleTasks) when the window's
 * arrays are shared memory, else on this thread in one call. The kernels' outcome does not depend on
 * the split (see slab-kernels.ts), so both give the same labels; results come back in z order.
 * Typed-array arguments must be on SharedArrayBuffers for the split (a copy would hide the writes of
 * a worker): any other typed array keeps the kernel on this thread.
 */
import type { ComputeBackend } from '../../compute/types.js';
import type { Window } from '../store.js';
import * as kernels from './slab-kernels.js';
import type { SlabArgs } from './slab-kernels.js';

type Kernels = typeof kernels;
export type SlabKernelName = { [K in keyof Kernels]: Kernels[K] extends (a: never) => unknown ? (Parameters<Kernels[K]>[0] extends SlabArgs ? K : never) : never }[keyof Kernels];
type Params<N extends SlabKernelName> = Omit<Parameters<Kernels[N]>[0], keyof SlabArgs>;
type Result<N extends SlabKernelName> = ReturnType<Kernels[N]>;

/** The compiled kernels module, relative to the package's dist/ (the workers load JavaScript). */
export const KERNELS_MODULE = 'src/segment/phases/slab-kernels.js';
/** Slabs per worker thread: the work sits in a few slices (the Li layer, the interfaces), so finer slabs balance it. */
const SLABS_PER_THREAD = 16;
/** Fewest slices per slab (a task costs a message round trip). */
const MIN_SLAB_SLICES = 4;

const shared = (a: ArrayBufferView) => a.buffer instanceof SharedArrayBuffer;

/** Whether kernel arguments can go to the workers: every typed array shared. */
function allShared(values: readonly unknown[]): boolean {
  return values.every((v) => !ArrayBuffer.isView(v) || v.byteLength === 0 || shared(v));
}

/**
 * Kernel `name` over the interior of window `w` with `params`; the results of its slabs in z
 * order (one result when it ran on this thread). `slabsPerThread`: fewer for kernels whose results
 * are large (histograms).
 */
export async function runSlabKernel<N extends SlabKernelName>(
  backend: ComputeBackend, w: Window, shape: SlabArgs['shape'], name: N, params: Params<N>, slabsPerThread = SLABS_PER_THREAD,
): Promise<Result<N>[]> {
  const threads = backend.threads ?? 1;
  const slices = w.z1 - w.z0;
  const parts = Math.min(threads * slabsPerThread, Math.floor(slices / MIN_SLAB_SLICES));
  const fn = kernels[name] as unknown as (a: SlabArgs & Params<N>) => Result<N>;
  const base = { grey: w.grey, labels: w.labels, lo: w.lo, shape };
  if (threads < 2 || parts < 2 || !backend.runModuleTasks || !allShared([w.grey, w.labels, ...Object.values(params)])) {
    return [fn({ ...base, ...params, z0: w.z0, z1: w.z1 })];
  }
  const args: object[] = [];
  for (let k = 0; k < parts; k++) {
    const z0 = w.z0 + Math.floor((k * slices) / parts), z1 = w.z0 + Math.floor(((k + 1) * slices) / parts);
    args.push({ ...base, ...params, z0, z1 });
  }
  return backend.runModuleTasks<Result<N>>(KERNELS_MODULE, name, args);
}

export type ColumnKernelName = { [K in SlabKernelName]: Parameters<Kernels[K]>[0] extends kernels.ColumnArgs ? K : never }[SlabKernelName];
type ColumnParams<N extends ColumnKernelName> = Omit<Parameters<Kernels[N]>[0], keyof kernels.ColumnArgs> & { collectorAtStart: boolean };
/** Column ranges per worker thread (the work is even across columns: a few ranges each for balance). */
const RANGES_PER_THREAD = 4;

/**
 * Column kernel `name` (slab-kernels.ts ColumnArgs) over the interior of window `w`: split into
 * ranges of columns (y·nx + x) on the workers, the same conditions as runSlabKernel, else one call on
 * this thread; the results of the ranges in column order.
 */
export async function runColumnKernel<N extends ColumnKernelName>(backend: ComputeBackend, w: Window, shape: SlabArgs['shape'], name: N, params: ColumnParams<N>): Promise<Result<N>[]> {
  const threads = backend.threads ?? 1;
  const plane = shape[1] * shape[2];
  const parts = Math.min(threads * RANGES_PER_THREAD, Math.floor(plane / 1024));
  const fn = kernels[name] as unknown as (a: kernels.ColumnArgs & ColumnParams<N>) => Result<N>;
  const base = { grey: w.grey, labels: w.labels, lo: w.lo, z0: w.z0, z1: w.z1, shape };
  if (threads < 2 || parts < 2 || !backend.runModuleTasks || !allShared([w.grey, w.labels, ...Object.values(params)])) {
    return [fn({ ...base, ...params, p0: 0, p1: plane })];
  }
  const args: object[] = [];
  for (let k = 0; k < parts; k++) args.push({ ...base, ...params, p0: Math.floor((k * plane) / parts), p1: Math.floor(((k + 1) * plane) / parts) });
  return backend.runModuleTasks<Result<N>>(KERNELS_MODULE, name, args);
}
