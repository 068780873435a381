/**
 * piscina worker of the cpu backend (runs as compiled JS: dist/src/compute/cpu/worker.js).
 * Rebuilds typed-array views on the shared buffers of a task and runs the slab kernel.
 */
import type { GreyArray } from '../types.js';
import type { SharedRef, Task } from './protocol.js';
import {
  classifyRange, clipRange, componentsSlab, gaussianXYSlab, gaussianZSlab, histogramRange, localMeanVarianceSlab,
  median3Slab, normalizeRange, relabelRange,
} from './kernels.js';
import { median3SlabSimd } from '../wasm-median.js';
import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * Each task's shared buffers arrive as new SharedArrayBuffer objects, and each keeps its memory
 * alive until this thread's heap is next collected. The kernels allocate little, so that can be
 * seconds: the scratch of a finished step (40 MiB of components buffers at 512²) stayed resident.
 * A young-generation collection after a task, at most every MINOR_GC_MS, lets them go: 512³
 * plated, 2 workers, peak 636–641 → 605–622 MiB, CPU within the runs' spread (a full collection
 * instead: 587–606 MiB but +1.5–2.5 CPU s). The collector comes from a context
 * created with --expose-gc set (v8.setFlagsFromString; null where that is refused).
 */
const MINOR_GC_MS = 100;
const collect = ((): ((o: { type: 'minor' }) => void) | null => {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as (o: { type: 'minor' }) => void) : null;
  } catch {
    return null;
  }
})();
/** Whether this thread can collect its young generation (the flag trick above took). */
export const canCollectYoung = (): boolean => collect !== null;
let lastCollect = 0;
function afterTask(): void {
  const now = performance.now();
  if (!collect || now - lastCollect < MINOR_GC_MS) return;
  lastCollect = now;
  collect({ type: 'minor' });
}

function view(ref: SharedRef): GreyArray | Uint32Array {
  switch (ref.dtype) {
    case 'uint8': return new Uint8Array(ref.buffer, ref.byteOffset, ref.length);
    case 'uint16': return new Uint16Array(ref.buffer, ref.byteOffset, ref.length);
    case 'float32': return new Float32Array(ref.buffer, ref.byteOffset, ref.length);
    case 'uint32': return new Uint32Array(ref.buffer, ref.byteOffset, ref.length);
  }
}
const grey = (ref: SharedRef) => view(ref) as GreyArray;
const f32 = (ref: SharedRef) => view(ref) as Float32Array;
const u32 = (ref: SharedRef) => view(ref) as Uint32Array;

type ModuleKernel = (arg: object) => unknown;
/** Modules of stage kernels, imported once per worker. */
const modules = new Map<string, Promise<Record<string, unknown>>>();

async function runModule(url: string, name: string, arg: object): Promise<unknown> {
  let m = modules.get(url);
  if (!m) modules.set(url, (m = import(url) as Promise<Record<string, unknown>>));
  const fn = (await m)[name];
  if (typeof fn !== 'function') throw new Error(`cpu worker: ${url} has no function ${name}`);
  return (fn as ModuleKernel)(arg);
}

export default async function run(task: Task): Promise<unknown> {
  try {
    return await runTask(task);
  } finally {
    afterTask();
  }
}

function runTask(task: Task): Float64Array | null | Promise<unknown> {
  switch (task.op) {
    case 'module':
      return runModule(task.url, task.name, task.arg);
    case 'normalize':
      normalizeRange(grey(task.input), f32(task.out), task.i0, task.i1, task.lo, task.hi);
      return null;
    case 'clip':
      clipRange(grey(task.input), grey(task.out), task.i0, task.i1, task.lo, task.hi);
      return null;
    case 'classify':
      classifyRange(grey(task.input), view(task.out) as Uint8Array, task.i0, task.i1, task.thresholds);
      return null;
    case 'histogram':
      return histogramRange(grey(task.input), task.i0, task.i1, task.spec);
    case 'median3': {
      const args = [grey(task.input), grey(task.out), task.shape, task.z0, task.z1,
        task.haloLo ? grey(task.haloLo) : null, task.haloHi ? grey(task.haloHi) : null] as const;
      // uint8/uint16 in WebAssembly SIMD (same bits); float32, or no SIMD: the scalar code
      if (!median3SlabSimd(...args)) median3Slab(...args);
      return null;
    }
    case 'gaussianXY':
      gaussianXYSlab(grey(task.input), f32(task.tmp), task.shape, task.z0, task.z1, Float32Array.from(task.wx), Float32Array.from(task.wy));
      return null;
    case 'gaussianZ':
      gaussianZSlab(f32(task.tmp), f32(task.out), task.shape, task.z0, task.z1, Float32Array.from(task.wz));
      return null;
    case 'localMeanVariance':
      localMeanVarianceSlab(grey(task.input), f32(task.mean), f32(task.variance), task.shape, task.z0, task.z1, task.radius);
      return null;
    case 'components':
      return componentsSlab(view(task.mask) as Uint8Array, u32(task.labels), task.shape, task.z0, task.z1, task.connectivity);
    case 'relabel':
      relabelRange(u32(task.labels), u32(task.map), task.offset, task.i0, task.i1);
      return null;
  }
}
