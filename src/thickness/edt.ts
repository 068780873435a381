/**
 * Exact Euclidean distance transform with anisotropic voxel size, in parallel over lines.
 *
 * Matches SciPy `distance_transform_edt(labels == N, sampling=[dz, dy, dx])`: every voxel labelled
 * N gets the distance (µm, or voxels when no spacing is given) from its centre to the nearest voxel
 * centre not labelled N inside the volume; voxels not labelled N get 0. Outside the volume counts as
 * neither (SciPy semantics), so a region touching the border measures to the nearest in-volume
 * background.
 *
 * No background at all (every voxel labelled N): the distance is undefined; we return +Infinity
 * everywhere (`noBackground: true`). SciPy returns an artefact there (distances to a virtual
 * voxel at index (−1, 0, 0)); we deliberately do not copy it. The CLI refuses such input.
 *
 * Memory: one float32 output (a SharedArrayBuffer so workers pass over it in place), the phase as
 * bytes the workers read (a copy of a Uint8Array input, 1 byte/voxel; none on one thread) and
 * per-thread line scratch. Peak ≈ input + 5 bytes/voxel. The x pass reads the bytes directly, so
 * there is no full-volume initialisation loop. For volumes larger than memory, out-of-core.ts
 * (`streamDistance`) runs the same kernels over slabs, bit-identically.
 *
 * Backends (`options.backend`): 'cpu' (default; worker threads, float64 line arithmetic, bit-identical
 * to SciPy on real data), 'gpu' (WebGPU, src/compute/gpu/edt.ts: the same passes with f32 line
 * arithmetic, within ~1e-6 relative of the cpu), 'auto' (gpu only on a hardware adapter whose buffer
 * limits hold one slice, as the compute layer's 'auto'), or a ComputeBackend (its `name` decides).
 * The result says which ran (`backend`, `backendDescription`).
 */
import type { BackendChoice, BackendName, ComputeBackend } from '../compute/types.js';
import type { Shape3, Spacing3 } from '../io/volume.js';
import { passXYMask, passZ, volumeScratch } from './edt-kernel.js';
import { defaultThreads, openPool, ranges, type TaskPool } from './pool.js';

export interface DistanceOptions {
  /** Voxel size [dz, dy, dx] (µm); default 1 (distances in voxels). */
  spacing?: Spacing3 | null;
  /** Worker threads (default: available cores). 1 runs in this thread. */
  threads?: number;
  /** Volumes smaller than this run in this thread (default 2²¹ voxels). */
  parallelMinVoxels?: number;
  /** An open pool to reuse (not closed here). */
  pool?: TaskPool | null;
  onProgress?: (done: number, total: number) => void;
  /** Where the passes run: 'cpu' (default), 'gpu', 'auto', or a compute backend (by its name). */
  backend?: ComputeBackend | BackendChoice;
  /** gpu only: cap on one device buffer (bytes; small values force slabs, for tests). */
  gpuMaxBufferBytes?: number;
  /** Hears why 'auto' chose the cpu. */
  onWarning?: (message: string) => void;
}

export interface DistanceResult {
  /** Distance in µm (voxels without spacing), 0 outside the phase; length nz·ny·nx. */
  distance: Float32Array;
  /** True when no voxel lies outside the phase (the distance is +Infinity everywhere). */
  noBackground: boolean;
  /** Threads that did the passes (1 = this thread; 1 on the gpu). */
  threads: number;
  /** Which backend ran the passes. */
  backend: BackendName;
  /** What ran, e.g. "cpu: 8 worker threads" or "gpu: WebGPU EDT, NVIDIA H100 …". */
  backendDescription: string;
}

/** The backend a distance transform will use, resolved from `options.backend`. */
export interface ResolvedEdtBackend {
  name: BackendName;
  /** Why 'auto' chose the cpu (absent otherwise). */
  reason?: string;
  /** gpu: the buffer cap of a GpuBackend handed over (its `bufferLimit`). */
  maxBufferBytes?: number;
}

/** Resolve 'auto' / a backend object to cpu or gpu for a volume of this shape. Throws for 'gpu' without an adapter. */
export async function resolveEdtBackend(backend: DistanceOptions['backend'], shape: Shape3, onWarning?: (message: string) => void): Promise<ResolvedEdtBackend> {
  if (backend === undefined || backend === 'cpu') return { name: 'cpu' };
  if (typeof backend === 'object') {
    if (backend.name === 'gpu') {
      const limit = (backend as { bufferLimit?: unknown }).bufferLimit;
      return { name: 'gpu', maxBufferBytes: typeof limit === 'number' ? limit : undefined };
    }
    return { name: 'cpu' };
  }
  if (backend === 'gpu') {
    const { requireGpuAdapter } = await import('../compute/index.js');
    await requireGpuAdapter();
    return { name: 'gpu' };
  }
  if (backend !== 'auto') throw new Error(`unknown backend '${backend as string}' (expected auto, cpu or gpu)`);
  const { gpuRefusal } = await import('../compute/index.js');
  const { gpuEdtMinBufferBytes } = await import('../compute/gpu/edt.js');
  const refusal = await gpuRefusal(gpuEdtMinBufferBytes(shape));
  if (refusal === null) return { name: 'gpu' };
  onWarning?.(`auto: distance transform on cpu because ${refusal}`);
  return { name: 'cpu', reason: refusal };
}

function checkSpacing(spacing: Spacing3 | null | undefined): [number, number, number] {
  const s = spacing ?? [1, 1, 1];
  if (s.length !== 3 || s.some((v) => !(v > 0) || !Number.isFinite(v))) throw new RangeError(`spacing must be three positive numbers, got ${s.join(',')}`);
  return [s[0], s[1], s[2]];
}

/**
 * The phase as bytes the x pass reads (`passXYMask`), in a SharedArrayBuffer when workers will
 * read it. A Uint8Array is used as it is (one thread) or copied (one memcpy); any other input is
 * reduced to 0/1 bytes. `match` is the label the kernel compares with, or −1 for "non-zero".
 */
function phaseBytes(data: ArrayLike<number>, label: number | undefined, shared: boolean): { src: Uint8Array; match: number } {
  const n = data.length;
  const byteLabel = label === undefined || (Number.isInteger(label) && label >= 0 && label <= 255);
  if (data instanceof Uint8Array && byteLabel) {
    const match = label ?? -1;
    if (!shared || data.buffer instanceof SharedArrayBuffer) return { src: data, match };
    const src = new Uint8Array(new SharedArrayBuffer(n));
    src.set(data);
    return { src, match };
  }
  const src = shared ? new Uint8Array(new SharedArrayBuffer(n)) : new Uint8Array(n);
  if (label === undefined) for (let i = 0; i < n; i++) src[i] = data[i] !== 0 ? 1 : 0;
  else for (let i = 0; i < n; i++) src[i] = data[i] === label ? 1 : 0;
  return { src, match: -1 };
}

/**
 * All three passes from the phase bytes into `buf` (float32, zero-filled): x and y per slice, then
 * z. Returns the threads used and the number of voxels outside the phase; with none, `buf` is
 * +Infinity everywhere after the x pass and the z pass is skipped.
 */
async function runPasses(
  buf: Float32Array,
  src: Uint8Array,
  match: number,
  shape: Shape3,
  options: DistanceOptions,
  pool: TaskPool | null,
): Promise<{ threads: number; background: number }> {
  const spacing = checkSpacing(options.spacing);
  const [nz, ny] = shape;
  const total = nz + ny;
  let done = 0;
  let background = 0;
  const report = (k: number) => options.onProgress?.((done += k), total);
  if (!pool || !(buf.buffer instanceof SharedArrayBuffer) || !(src.buffer instanceof SharedArrayBuffer)) {
    const scratch = volumeScratch(shape);
    const stepZ = Math.max(1, Math.ceil(nz / 16));
    for (let z = 0; z < nz; z += stepZ) {
      background += passXYMask(buf, src, match, shape, spacing, z, Math.min(nz, z + stepZ), scratch);
      report(Math.min(nz, z + stepZ) - z);
    }
    if (background === 0) report(ny);
    else {
      const stepY = Math.max(1, Math.ceil(ny / 16));
      for (let y = 0; y < ny; y += stepY) {
        passZ(buf, shape, spacing, y, Math.min(ny, y + stepY), scratch);
        report(Math.min(ny, y + stepY) - y);
      }
    }
    return { threads: 1, background };
  }
  const buffer = buf.buffer;
  const parts = pool.threads * 4;
  const common = { buffer, shape: [...shape], spacing: [...spacing] };
  await Promise.all(
    ranges(nz, parts).map(([from, to]) =>
      pool.run({ op: 'xym', ...common, src: src.buffer as SharedArrayBuffer, match, from, to }).then((b) => {
        background += b;
        report(to - from);
      }),
    ),
  );
  if (background === 0) report(ny);
  else await Promise.all(ranges(ny, parts).map(([from, to]) => pool.run({ op: 'z', ...common, from, to }).then(() => report(to - from))));
  return { threads: pool.threads, background };
}

/** The cpu transform of the phase (`label`, or the non-zero voxels when undefined). */
async function onCpu(data: ArrayLike<number>, shape: Shape3, label: number | undefined, options: DistanceOptions, resolved: ResolvedEdtBackend): Promise<DistanceResult> {
  const n = shape[0] * shape[1] * shape[2];
  const threads = options.threads ?? defaultThreads();
  const ownPool = options.pool === undefined && threads > 1 && n >= (options.parallelMinVoxels ?? 1 << 21);
  const pool = options.pool !== undefined ? options.pool : ownPool ? openPool(threads) : null;
  try {
    const buf = new Float32Array(new SharedArrayBuffer(n * 4));
    const { src, match } = phaseBytes(data, label, pool !== null);
    const r = await runPasses(buf, src, match, shape, options, pool);
    const used = r.background === 0 ? 1 : r.threads;
    return { distance: buf, noBackground: r.background === 0, threads: used, backend: 'cpu', backendDescription: cpuDescription(used, resolved) };
  } finally {
    if (ownPool && pool) await pool.close();
  }
}

/** EDT of the voxels equal to `label` (SciPy `distance_transform_edt(data == label, sampling)`). */
export async function distanceTransformLabel(
  data: ArrayLike<number>,
  shape: Shape3,
  label: number,
  options: DistanceOptions = {},
): Promise<DistanceResult> {
  const n = shape[0] * shape[1] * shape[2];
  if (data.length !== n) throw new RangeError(`data length ${data.length} does not match shape ${shape.join('×')}`);
  const resolved = await resolveEdtBackend(options.backend, shape, options.onWarning);
  if (resolved.name === 'gpu') return onGpu(data, shape, label, resolved, options);
  return onCpu(data, shape, label, options, resolved);
}

/** EDT of the non-zero voxels of a mask (SciPy `distance_transform_edt(mask != 0, sampling)`). */
export async function distanceTransformMask(mask: ArrayLike<number>, shape: Shape3, options: DistanceOptions = {}): Promise<DistanceResult> {
  const n = shape[0] * shape[1] * shape[2];
  if (mask.length !== n) throw new RangeError(`mask length ${mask.length} does not match shape ${shape.join('×')}`);
  const resolved = await resolveEdtBackend(options.backend, shape, options.onWarning);
  if (resolved.name === 'gpu') return onGpu(mask, shape, undefined, resolved, options);
  return onCpu(mask, shape, undefined, options, resolved);
}

async function onGpu(data: ArrayLike<number>, shape: Shape3, label: number | undefined, resolved: ResolvedEdtBackend, options: DistanceOptions): Promise<DistanceResult> {
  const { distanceTransformGpu } = await import('../compute/gpu/edt.js');
  const r = await distanceTransformGpu(data, shape, {
    label,
    spacing: options.spacing,
    maxBufferBytes: options.gpuMaxBufferBytes ?? resolved.maxBufferBytes,
    onProgress: options.onProgress,
  });
  return { distance: r.distance, noBackground: r.noBackground, threads: 1, backend: 'gpu', backendDescription: r.description };
}

function cpuDescription(threads: number, resolved: ResolvedEdtBackend): string {
  const main = threads > 1 ? `cpu: ${threads} worker threads` : 'cpu: main thread';
  return resolved.reason ? `${main}; auto: ${resolved.reason}` : main;
}

export interface DistanceSummary {
  label: number;
  voxels: number;
  volume_fraction: number;
  max_um: number;
  mean_um: number;
  /** Mean over the phase voxels of the distance, i.e. the mean depth inside the phase. */
  no_background: boolean;
}

/**
 * Running max / mean of the distance over the voxels labelled `label`, fed slab by slab in z order
 * (the sums run in voxel order, so a streamed summary equals the in-memory one bit for bit).
 */
export class DistanceSummaryAccumulator {
  private count = 0;
  private sum = 0;
  private max = 0;
  private total = 0;

  constructor(readonly label: number) {}

  /** Add a slab: distances and labels of the same voxels, in voxel order. */
  add(distance: ArrayLike<number>, labels: ArrayLike<number>): void {
    const label = this.label;
    let count = this.count;
    let sum = this.sum;
    let max = this.max;
    for (let i = 0; i < distance.length; i++) {
      if (labels[i] !== label) continue;
      const d = distance[i];
      count++;
      sum += d;
      if (d > max) max = d;
    }
    this.count = count;
    this.sum = sum;
    this.max = max;
    this.total += distance.length;
  }

  result(): DistanceSummary {
    const { count, sum, max, total } = this;
    return {
      label: this.label,
      voxels: count,
      volume_fraction: total ? count / total : 0,
      max_um: max,
      mean_um: count ? sum / count : 0,
      no_background: count === total && count > 0,
    };
  }
}

/** Max and mean distance over the voxels labelled `label`. */
export function summarizeDistance(distance: Float32Array, labels: ArrayLike<number>, label: number): DistanceSummary {
  const acc = new DistanceSummaryAccumulator(label);
  acc.add(distance, labels);
  return acc.result();
}
