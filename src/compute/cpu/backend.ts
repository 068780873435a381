/**
 * cpu backend: a piscina pool of worker threads working on z-slabs (or flat index ranges) of
 * arrays in SharedArrayBuffers.
 *
 * Memory: inputs backed by a SharedArrayBuffer are used as they are. An input in an ordinary
 * ArrayBuffer is copied once into a SharedArrayBuffer (one extra input-sized allocation and an
 * O(n) memcpy per call; pass shared arrays, e.g. `allocate(dtype, n, true)`, to avoid it). Results
 * are allocated in SharedArrayBuffers (they are ordinary typed arrays to the caller). An `out`
 * that is not shared is filled from a shared temporary at the end (another output-sized copy).
 * median3 in place on a shared array needs only the input plus two slices per slab boundary and
 * three float64 slices per running task.
 *
 * Worker file: piscina loads compiled JavaScript, so the pool always points at
 * `<package root>/dist/src/compute/cpu/worker.js`, the package root being the nearest folder above
 * this module with the buried-li package.json. That works from dist/ (production) and under
 * vitest, which runs the TypeScript sources but needs `npm run build` first (`npm test` does it).
 */
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import type { Shape3 } from '../../io/volume.js';
import { gaussianWeights } from '../reference.js';
import { gridScaleFeatures } from '../scale-features.js';
import type { ComponentResult, ComputeBackend, GreyArray, HistogramSpec } from '../types.js';
import { findRoot, mergeAcrossPlane } from '../union-find.js';
import type { GreyDType, SharedRef, Task } from './protocol.js';

/** Nearest ancestor folder of this module holding the buried-li package.json. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'buried-li') return dir;
      } catch { /* keep looking */ }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('cpu backend: cannot find the buried-li package root above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

export function workerPath(): string {
  const file = join(packageRoot(), 'dist', 'src', 'compute', 'cpu', 'worker.js');
  if (!existsSync(file)) throw new Error(`cpu backend: worker ${file} is missing; run \`npm run build\` first`);
  return file;
}

type AnyArray = GreyArray | Uint32Array;

/** File URLs of stage kernel modules (runModuleTasks), resolved once. */
const moduleUrls = new Map<string, string>();

function dtypeOfGrey(a: AnyArray): GreyDType | 'uint32' {
  if (a instanceof Uint8Array) return 'uint8';
  if (a instanceof Uint16Array) return 'uint16';
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Uint32Array) return 'uint32';
  throw new TypeError('unsupported array type ' + (a as object).constructor.name);
}

const isShared = (a: AnyArray) => a.buffer instanceof SharedArrayBuffer;

function sharedLike<A extends AnyArray>(a: A, length = a.length): A {
  const Ctor = a.constructor as unknown as { new (b: SharedArrayBuffer, o: number, n: number): A; BYTES_PER_ELEMENT: number };
  return new Ctor(new SharedArrayBuffer(length * Ctor.BYTES_PER_ELEMENT), 0, length);
}

/** The array itself when shared, else a shared copy. */
function toShared<A extends AnyArray>(a: A): A {
  if (isShared(a)) return a;
  const s = sharedLike(a);
  s.set(a as never);
  return s;
}

function ref(a: AnyArray): SharedRef {
  return { buffer: a.buffer as SharedArrayBuffer, dtype: dtypeOfGrey(a), byteOffset: a.byteOffset, length: a.length };
}

/** Split [0, n) into at most `parts` contiguous non-empty ranges. */
export function splitRange(n: number, parts: number): [number, number][] {
  const k = Math.max(1, Math.min(parts, n));
  const out: [number, number][] = [];
  for (let i = 0; i < k; i++) {
    const a = Math.floor((i * n) / k), b = Math.floor(((i + 1) * n) / k);
    if (b > a) out.push([a, b]);
  }
  return out;
}

function checkShape(a: { length: number }, shape: Shape3): void {
  if (a.length !== shape[0] * shape[1] * shape[2]) throw new RangeError(`array length ${a.length} does not match shape ${shape.join('×')}`);
}

export interface CpuBackendOptions {
  workers?: number;
  /** Slabs per worker (load balance vs. halo work); default 4. */
  slabsPerWorker?: number;
  /** Appended to the description (e.g. why 'auto' chose the cpu). */
  note?: string;
}

export class CpuBackend implements ComputeBackend {
  readonly name = 'cpu' as const;
  readonly description: string;
  readonly workers: number;
  readonly threads: number;
  private readonly pool: Piscina;
  private readonly parts: number;

  constructor(options: CpuBackendOptions = {}) {
    this.workers = Math.max(1, Math.floor(options.workers ?? availableParallelism()));
    this.threads = this.workers;
    this.parts = this.workers * (options.slabsPerWorker ?? 4);
    this.pool = new Piscina({
      filename: pathToFileURL(workerPath()).href,
      minThreads: this.workers,
      maxThreads: this.workers,
      idleTimeout: 60_000,
      concurrentTasksPerWorker: 1,
    });
    this.description = `cpu: ${this.workers} worker thread${this.workers === 1 ? '' : 's'} (piscina)${options.note ? `; ${options.note}` : ''}`;
  }

  private run<T = null>(task: Task): Promise<T> {
    return this.pool.run(task) as Promise<T>;
  }

  /** Run an element-wise op over index ranges into a shared output, then deliver into `out`. */
  private async elementwise<O extends AnyArray>(
    input: GreyArray, out: O | undefined, alloc: () => O, make: (inRef: SharedRef, outRef: SharedRef, i0: number, i1: number) => Task,
  ): Promise<O> {
    const src = toShared(input);
    const target = out && isShared(out) ? out : alloc();
    if (out && out.length !== input.length) throw new RangeError('out has the wrong length');
    const inRef = ref(src), outRef = ref(target);
    await Promise.all(splitRange(input.length, this.parts).map(([a, b]) => this.run(make(inRef, outRef, a, b))));
    if (out && out !== target) {
      out.set(target as never);
      return out;
    }
    return target;
  }

  normalize(input: GreyArray, lo: number, hi: number, out?: Float32Array): Promise<Float32Array> {
    return this.elementwise(input, out, () => sharedLike(new Float32Array(0), input.length),
      (inRef, outRef, i0, i1) => ({ op: 'normalize', input: inRef, out: outRef, i0, i1, lo, hi }));
  }

  clip<A extends GreyArray>(input: A, lo: number, hi: number, out?: A): Promise<A> {
    return this.elementwise(input, out, () => sharedLike(input),
      (inRef, outRef, i0, i1) => ({ op: 'clip', input: inRef, out: outRef, i0, i1, lo, hi }));
  }

  classify(input: GreyArray, thresholds: readonly number[], out?: Uint8Array): Promise<Uint8Array> {
    if (thresholds.length > 255) throw new RangeError('classify: at most 255 thresholds');
    const t = [...thresholds];
    return this.elementwise(input, out, () => sharedLike(new Uint8Array(0), input.length),
      (inRef, outRef, i0, i1) => ({ op: 'classify', input: inRef, out: outRef, i0, i1, thresholds: t }));
  }

  async histogram(input: GreyArray, spec: HistogramSpec): Promise<Float64Array> {
    if (!(spec.bins >= 1) || !Number.isInteger(spec.bins)) throw new RangeError('histogram: bins must be a positive integer');
    const src = toShared(input);
    const inRef = ref(src);
    const s = { lo: spec.lo, width: spec.width, bins: spec.bins };
    const parts = await Promise.all(splitRange(input.length, this.parts).map(([i0, i1]) =>
      this.run<Float64Array>({ op: 'histogram', input: inRef, i0, i1, spec: s })));
    const counts = new Float64Array(spec.bins);
    for (const p of parts) for (let b = 0; b < p.length; b++) counts[b] += p[b];
    return counts;
  }

  async median3<A extends GreyArray>(input: A, shape: Shape3, out?: A): Promise<A> {
    checkShape(input, shape);
    const [nz, ny, nx] = shape;
    const plane = nx * ny;
    const inPlace = !!out && out.buffer === input.buffer && out.byteOffset === input.byteOffset;
    if (out && !inPlace && out.buffer === input.buffer) throw new RangeError('median3: out overlaps input without being it');
    const src = toShared(input);
    const target: A = inPlace ? src : out && isShared(out) ? out : sharedLike(input);
    const slabs = splitRange(nz, this.parts);
    const halo = (z: number): SharedRef | null => {
      if (!inPlace || z < 0 || z >= nz) return null;
      const copy = sharedLike(input, plane);
      copy.set(src.subarray(z * plane, (z + 1) * plane) as never);
      return ref(copy);
    };
    // every halo copy is taken before any task starts writing
    const tasks: Task[] = slabs.map(([z0, z1]) => ({
      op: 'median3', input: ref(src), out: ref(target), shape: [nz, ny, nx], z0, z1, haloLo: halo(z0 - 1), haloHi: halo(z1),
    }));
    await Promise.all(tasks.map((t) => this.run(t)));
    if (out && out !== target) {
      out.set(target as never);
      return out;
    }
    return target;
  }

  async gaussian(input: GreyArray, shape: Shape3, sigma: [number, number, number], out?: Float32Array): Promise<Float32Array> {
    checkShape(input, shape);
    const [nz, ny, nx] = shape;
    const src = toShared(input);
    const tmp = sharedLike(new Float32Array(0), input.length);
    const slabs = splitRange(nz, this.parts);
    const wz = Array.from(gaussianWeights(sigma[0])), wy = Array.from(gaussianWeights(sigma[1])), wx = Array.from(gaussianWeights(sigma[2]));
    await Promise.all(slabs.map(([z0, z1]) => this.run({ op: 'gaussianXY', input: ref(src), tmp: ref(tmp), shape: [nz, ny, nx], z0, z1, wx, wy })));
    // the z pass reads only tmp, so `out` may even be the input
    if (out && out.length !== input.length) throw new RangeError('out has the wrong length');
    const target = out && isShared(out) ? out : sharedLike(tmp);
    await Promise.all(slabs.map(([z0, z1]) => this.run({ op: 'gaussianZ', tmp: ref(tmp), out: ref(target), shape: [nz, ny, nx], z0, z1, wz })));
    if (out && out !== target) {
      out.set(target);
      return out;
    }
    return target;
  }

  async localMeanVariance(input: GreyArray, shape: Shape3, radius: number): Promise<{ mean: Float32Array; variance: Float32Array }> {
    checkShape(input, shape);
    if (!(radius >= 0) || !Number.isInteger(radius)) throw new RangeError('localMeanVariance: radius must be a non-negative integer');
    const [nz, ny, nx] = shape;
    const src = toShared(input);
    const mean = sharedLike(new Float32Array(0), input.length);
    const variance = sharedLike(new Float32Array(0), input.length);
    await Promise.all(splitRange(nz, this.parts).map(([z0, z1]) => this.run({
      op: 'localMeanVariance', input: ref(src), mean: ref(mean), variance: ref(variance), shape: [nz, ny, nx], z0, z1, radius,
    })));
    return { mean, variance };
  }

  async connectedComponents(mask: Uint8Array, shape: Shape3, connectivity: 6 | 26, out?: Uint32Array): Promise<ComponentResult> {
    checkShape(mask, shape);
    if (connectivity !== 6 && connectivity !== 26) throw new RangeError('connectivity must be 6 or 26');
    const [nz, ny, nx] = shape;
    const plane = nx * ny;
    const n = mask.length;
    if (n >= 2 ** 32 - 1) throw new RangeError('connectedComponents: volume too large for uint32 labels');
    const src = toShared(mask);
    // a shared `out` of the right length is written directly (the workers overwrite every voxel)
    const labels = out && out.length === n && isShared(out) ? out : sharedLike(new Uint32Array(0), n);
    // one slab per worker: every slab boundary is merged on this thread afterwards, and labelling
    // by runs is fast enough that finer slabs cost more in merging than they gain in balance
    const slabs = splitRange(nz, this.workers);
    // 1. union-find inside every slab; slab-local ids in raster order of first voxel
    const pieceSizes = await Promise.all(slabs.map(([z0, z1]) => this.run<Float64Array>({
      op: 'components', mask: ref(src), labels: ref(labels), shape: [nz, ny, nx], z0, z1, connectivity,
    })));
    const offsets: number[] = [];
    let total = 0;
    for (const s of pieceSizes) {
      offsets.push(total);
      total += s.length - 1;
    }
    // 2. merge pieces across slab boundaries (global ids = offset + local id; root = smallest id,
    //    which is also the piece whose first voxel comes first in raster order)
    const parent = new Int32Array(total + 1);
    for (let g = 0; g <= total; g++) parent[g] = g;
    for (let s = 1; s < slabs.length; s++) {
      const i0 = slabs[s][0] * plane;
      mergeAcrossPlane(parent, labels.subarray(i0, i0 + plane), offsets[s], labels.subarray(i0 - plane, i0), offsets[s - 1], ny, nx, connectivity);
    }
    // 3. final numbers in order of first voxel, sizes, and relabelling in the workers
    const map = sharedLike(new Uint32Array(0), total + 1);
    let count = 0;
    for (let g = 1; g <= total; g++) {
      const r = findRoot(parent, g);
      map[g] = r === g ? ++count : map[r];
    }
    const sizes = new Float64Array(count + 1);
    pieceSizes.forEach((ps, s) => {
      for (let l = 1; l < ps.length; l++) sizes[map[offsets[s] + l]] += ps[l];
    });
    let fg = 0;
    for (let k = 1; k <= count; k++) fg += sizes[k];
    sizes[0] = n - fg;
    await Promise.all(slabs.map(([z0, z1], s) => this.run({
      op: 'relabel', labels: ref(labels), map: ref(map), offset: offsets[s], i0: z0 * plane, i1: z1 * plane,
    })));
    return { labels, count, sizes };
  }

  async runModuleTasks<R>(distModule: string, name: string, args: readonly object[]): Promise<R[]> {
    let url = moduleUrls.get(distModule);
    if (!url) {
      const file = join(packageRoot(), 'dist', distModule);
      if (!existsSync(file)) throw new Error(`cpu backend: kernel module ${file} is missing; run \`npm run build\` first`);
      moduleUrls.set(distModule, (url = pathToFileURL(file).href));
    }
    const u = url;
    return Promise.all(args.map((arg) => this.run<R>({ op: 'module', url: u, name, arg })));
  }

  /** On the calling thread: the trainable segmentation parallelises over slabs (segment/trainable/run.ts). */
  async scaleFeatures(grid: Float32Array, [depth, ny, nx]: Shape3, sigma: number, c0: number, c1: number, h: number): Promise<Float32Array> {
    return gridScaleFeatures(grid, depth, ny, nx, sigma, c0, c1, h);
  }

  async dispose(): Promise<void> {
    await this.pool.destroy();
  }
}
