/**
 * gpu backend: WGSL compute pipelines (kernels/*.wgsl.ts) on the WebGPU device shared with gpu.js
 * (src/compute/gpu/device.ts).
 *
 * - Grey inputs are uploaded as raw bytes (uint8/uint16 packed in u32 words) and unpacked in the
 *   shader; uint8/uint16 results are packed the same way, so what is read back is the typed
 *   array's own byte layout.
 * - Volumes are processed in z-slabs (element-wise ops in index chunks) sized so that no buffer
 *   exceeds the device's maxStorageBufferBindingSize / maxBufferSize (or `maxSlabBytes`); filters
 *   upload their halo slices with each slab. median3 in place delays writing a slab's result until
 *   the next slab (whose halo overlaps it) has been uploaded.
 * - connectedComponents runs on the cpu backend (union-find on worker threads): a union-find over
 *   a GPU buffer is not worth its complexity here. The `description` says so.
 * - Integer histograms with non-integer lo/width (outside the documented contract) also run on cpu.
 * - scaleFeatures (the trainable segmentation's per-scale features) reuses the Gaussian passes with
 *   z clamped to the grid, then kernels/trainable-features.wgsl.ts; its cpu twin is
 *   compute/scale-features.ts.
 */
import type { Shape3 } from '../../io/volume.js';
import { gaussianWeights } from '../reference.js';
import type { ComponentResult, ComputeBackend, GreyArray, HistogramSpec } from '../types.js';
import { CpuBackend, splitRange } from '../cpu/backend.js';
import { PipelineCache, acquireDevice, describeAdapter, isSoftwareAdapter } from './device.js';
import { perWord, WORKGROUP, type GpuDType } from '../../../kernels/common.wgsl.js';
import { classifyWGSL, clipWGSL, normalizeWGSL } from '../../../kernels/elementwise.wgsl.js';
import { histogramWGSL, HIST_PER_THREAD } from '../../../kernels/histogram.wgsl.js';
import { median3WGSL } from '../../../kernels/median3.wgsl.js';
import { boxPassWGSL, gaussianPassWGSL } from '../../../kernels/separable.wgsl.js';
import { trainableFeaturesWGSL } from '../../../kernels/trainable-features.wgsl.js';
import { normalizeGpuJs } from '../../../kernels/normalize.gpujs.js';
import { gaussXGpuJs, gaussYGpuJs, gaussZGpuJs } from '../../../kernels/gaussian.gpujs.js';

// GPUBufferUsage / GPUMapMode values (spec constants), so this module does not depend on globals
const USAGE = { MAP_READ: 0x0001, COPY_SRC: 0x0004, COPY_DST: 0x0008, UNIFORM: 0x0040, STORAGE: 0x0080 } as const;
const MAP_READ = 0x0001;

type Field = ['u32' | 'i32' | 'f32', number];

function dtypeOf(a: GreyArray): GpuDType {
  if (a instanceof Uint8Array) return 'uint8';
  if (a instanceof Uint16Array) return 'uint16';
  if (a instanceof Float32Array) return 'float32';
  throw new TypeError('gpu backend: unsupported array type ' + (a as object).constructor.name);
}

const ceil4 = (n: number) => Math.ceil(n / 4) * 4;

function bytesOf(a: ArrayBufferView, byteStart = 0, byteLength = a.byteLength - byteStart): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset + byteStart, byteLength);
}

function checkShape(a: { length: number }, shape: Shape3): void {
  if (a.length !== shape[0] * shape[1] * shape[2]) throw new RangeError(`array length ${a.length} does not match shape ${shape.join('×')}`);
}

export interface GpuBackendOptions {
  /** Cap on any one buffer (bytes); default: the device limits. Small values force many slabs (tests). */
  maxSlabBytes?: number;
  /** Worker threads of the cpu backend used for connected components. */
  workers?: number;
  /**
   * Run these float-output ops as gpu.js (WebGPU mode) kernels instead of WGSL. Default: see
   * GPUJS_DEFAULT and the measurements next to it. Tests set both ways to compare.
   */
  gpujs?: { normalize?: boolean | 'float32'; gaussian?: boolean };
}

/**
 * Which ops go through gpu.js (WebGPU mode) by default. The project standard is gpu.js where it can
 * express a kernel well and WGSL directly where it cannot. gpu.js kernels read and write f32
 * storage buffers only (no packed uint8/uint16 input, no integer output, no atomics), so median3,
 * clip, classify and histogram stay WGSL. For the float-output ops both versions were written and
 * measured (scripts/bench/gpujs.ts prints the figures; test/compute/gpujs.test.ts checks that both
 * agree with the cpu backend within 1e-5 relative for uint8, uint16 and float32, slabbed, in place):
 *
 * SwiftShader 5.0.0 (software Vulkan on this 2-core host), median of 3 after warm-up, 48×96×96 (the
 * figures below; a 24×64×64 run: normalize 1.47× uint8, 1.30× uint16, 0.85× float32; gaussian 1.16–1.55×):
 *   normalize  float32: gpu.js 1.04× the WGSL time (48×96×96: 121 vs 117 ms)
 *              uint16:  gpu.js 1.38× (132 vs 96 ms): gpu.js widens each chunk to f32 on the host
 *                       and uploads 4 bytes per voxel where WGSL uploads the packed 2 (uint8: 1);
 *                       on a discrete GPU that upload dominates an element-wise op
 *   gaussian   gpu.js 1.25× (uint16, 1979 vs 1583 ms) to 1.43× (float32, 2433 vs 1701 ms): the
 *              translated shader keeps positions and tap offsets in f32 and recomputes the 3-D
 *              index per tap; it also caps loops at 1000 iterations (kernels wider than that would
 *              need the WGSL path anyway) and widens integer input on the host
 *   localMeanVariance box sums: not ported (two outputs per pass: gpu.js kernel maps are not
 *              supported in webgpu mode, so it would take twice the passes)
 * Hence: normalize of float32 input runs through gpu.js; normalize of packed integers and the
 * Gaussian stay WGSL (measurably slower through gpu.js, and the gap grows with the upload on
 * hardware). No hardware GPU was available for these measurements. Small volumes are dominated by
 * per-call overhead and noise: a 16×48×48 run inside the full parallel test suite gave
 * gaussian 0.81–0.91× and normalize 0.2–4.4×, so rerun at a realistic size on hardware before
 * flipping a default.
 */
export const GPUJS_DEFAULT: { normalize: boolean | 'float32'; gaussian: boolean } = { normalize: 'float32', gaussian: false };

/** gpu.js translates loops with a safety cap of 1000 iterations (LOOP_MAX): longer Gaussian kernels stay in WGSL. */
const GPUJS_LOOP_MAX = 1000;

// Minimal structural types for the gpu.js pieces used here (its .d.ts predates webgpu mode).
interface GpuJsKernel {
  (...args: unknown[]): Promise<unknown>;
  setOutput(output: number[]): GpuJsKernel;
  destroy?(): void;
}
interface GpuJsHandle { delete(): void }
interface GpuJsInstance {
  createKernel(fn: (...args: never[]) => number, settings: Record<string, unknown>): GpuJsKernel;
  destroy(): Promise<void> | void;
}
interface GpuJsModule {
  GPU: new (settings: { mode: string }) => GpuJsInstance;
  input(value: ArrayLike<number>, size: number[]): unknown;
}

export class GpuBackend implements ComputeBackend {
  readonly name = 'gpu' as const;
  readonly description: string;
  private pipelineCache: PipelineCache | null = null;
  private cpu: CpuBackend | null = null;
  private readonly maxBytes: number;
  private gpujsKernels: { gpu: GpuJsInstance; kernels: Map<string, GpuJsKernel> } | null = null;
  private readonly useGpuJs: { normalize: boolean | 'float32'; gaussian: boolean };

  private constructor(
    private readonly device: GPUDevice,
    adapter: GPUAdapter,
    private readonly options: GpuBackendOptions,
  ) {
    const limit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
    this.maxBytes = Math.max(1024, Math.min(limit, options.maxSlabBytes ?? Infinity)) & ~3;
    this.useGpuJs = { ...GPUJS_DEFAULT, ...options.gpujs };
    const soft = isSoftwareAdapter(adapter) ? ' (software)' : '';
    const viaGpuJs = [
      this.useGpuJs.normalize ? `normalize${this.useGpuJs.normalize === 'float32' ? ' (float32)' : ''}` : '',
      this.useGpuJs.gaussian ? 'gaussian' : '',
    ].filter(Boolean);
    this.description = `gpu: WebGPU, ${describeAdapter(adapter)}${soft}; ${viaGpuJs.length ? `gpu.js: ${viaGpuJs.join(', ')}; ` : ''}connected components on cpu worker threads`;
  }

  static async create(options: GpuBackendOptions = {}): Promise<GpuBackend> {
    const { adapter, device } = await acquireDevice();
    return new GpuBackend(device, adapter, options);
  }

  /** Which float-output ops run as gpu.js kernels for this input type. */
  gpujsOps(dtype: GpuDType): { normalize: boolean; gaussian: boolean } {
    const n = this.useGpuJs.normalize;
    return { normalize: n === true || (n === 'float32' && dtype === 'float32'), gaussian: this.useGpuJs.gaussian };
  }

  /** Largest single buffer this backend will create. */
  get bufferLimit(): number {
    return this.maxBytes;
  }

  // ------------------------------------------------------------------ plumbing

  private pipeline(key: string, code: () => string): GPUComputePipeline {
    this.pipelineCache ??= new PipelineCache(this.device);
    return this.pipelineCache.get(key, code);
  }

  private storage(bytes: number, extra = 0): GPUBuffer {
    return this.device.createBuffer({ size: Math.max(16, ceil4(bytes)), usage: USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST | extra });
  }

  /** Storage buffer holding `data` (copied when not 4-byte sized or not in an ordinary ArrayBuffer). */
  private upload(data: Uint8Array): GPUBuffer {
    const buf = this.storage(data.byteLength);
    let src = data;
    if (data.byteLength % 4 !== 0 || !(data.buffer instanceof ArrayBuffer)) {
      src = new Uint8Array(ceil4(data.byteLength));
      src.set(data);
    }
    if (src.byteLength) this.device.queue.writeBuffer(buf, 0, src.buffer as ArrayBuffer, src.byteOffset, src.byteLength);
    return buf;
  }

  private uniform(fields: Field[]): GPUBuffer {
    const bytes = Math.max(16, Math.ceil((fields.length * 4) / 16) * 16);
    const view = new DataView(new ArrayBuffer(bytes));
    fields.forEach(([t, v], i) => {
      if (t === 'u32') view.setUint32(i * 4, v, true);
      else if (t === 'i32') view.setInt32(i * 4, v, true);
      else view.setFloat32(i * 4, v, true);
    });
    const buf = this.device.createBuffer({ size: bytes, usage: USAGE.UNIFORM | USAGE.COPY_DST });
    this.device.queue.writeBuffer(buf, 0, view.buffer);
    return buf;
  }

  private dispatch(pipeline: GPUComputePipeline, bindings: Record<number, GPUBuffer>, threads: number): void {
    if (threads <= 0) return;
    const groups = Math.ceil(threads / WORKGROUP);
    const gx = Math.min(groups, 65535), gy = Math.ceil(groups / gx);
    const bindGroup = this.device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: Object.entries(bindings).map(([b, buffer]) => ({ binding: Number(b), resource: { buffer } })),
    });
    const enc = this.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(gx, gy);
    pass.end();
    this.device.queue.submit([enc.finish()]);
  }

  /** Copy `byteLength` bytes of `buffer` into `target`. */
  private async readInto(buffer: GPUBuffer, target: Uint8Array): Promise<void> {
    const size = ceil4(target.byteLength);
    if (!size) return;
    const staging = this.device.createBuffer({ size, usage: USAGE.MAP_READ | USAGE.COPY_DST });
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(buffer, 0, staging, 0, size);
    this.device.queue.submit([enc.finish()]);
    await staging.mapAsync(MAP_READ);
    target.set(new Uint8Array(staging.getMappedRange(), 0, target.byteLength));
    staging.unmap();
    staging.destroy();
  }

  private destroy(...buffers: GPUBuffer[]): void {
    for (const b of buffers) b.destroy();
  }

  /** Element-wise chunks: multiples of 4 voxels, at most maxBytes of f32 each. */
  private chunks(n: number): [number, number][] {
    const per = Math.max(4, Math.floor(this.maxBytes / 16) * 4);
    const out: [number, number][] = [];
    for (let i = 0; i < n; i += per) out.push([i, Math.min(n, i + per)]);
    return out;
  }

  /** z-slabs whose source region (slab plus `halo` slices each side) fits `maxBytes` at 4 bytes/voxel. */
  private slabs(shape: Shape3, halo: number): [number, number][] {
    const [nz, ny, nx] = shape;
    const planeBytes = nx * ny * 4;
    const slices = Math.floor(this.maxBytes / planeBytes) - 2 * halo;
    if (slices < 1) throw new RangeError(`gpu backend: a ${ny}×${nx} slice with ${halo} halo slices exceeds the buffer limit of ${this.maxBytes} bytes`);
    return splitRange(nz, Math.ceil(nz / slices));
  }

  private cpuBackend(): CpuBackend {
    this.cpu ??= new CpuBackend({ workers: this.options.workers });
    return this.cpu;
  }

  /** gpu.js kernel `key` (created once), on gpu.js's WebGPU singleton device, which is ours too. */
  private async gpujsKernel(key: string, fn: (...args: never[]) => number, settings: Record<string, unknown>): Promise<GpuJsKernel> {
    if (!this.gpujsKernels) {
      const mod = (await import('gpu.js')) as unknown as GpuJsModule & { default?: GpuJsModule };
      const GPUClass = mod.GPU ?? mod.default!.GPU;
      this.gpujsKernels = { gpu: new GPUClass({ mode: 'webgpu' }), kernels: new Map() };
    }
    let k = this.gpujsKernels.kernels.get(key);
    if (!k) {
      k = this.gpujsKernels.gpu.createKernel(fn, { output: [1], dynamicOutput: true, dynamicArguments: true, ...settings });
      this.gpujsKernels.kernels.set(key, k);
    }
    return k;
  }

  private async gpujsInput(value: ArrayLike<number>, size: number[]): Promise<unknown> {
    const mod = (await import('gpu.js')) as unknown as GpuJsModule & { default?: GpuJsModule };
    return (mod.input ?? mod.default!.input)(value, size);
  }

  // ------------------------------------------------------------------ element-wise

  async normalize(input: GreyArray, lo: number, hi: number, out?: Float32Array): Promise<Float32Array> {
    const dtype = dtypeOf(input);
    const result = out ?? new Float32Array(input.length);
    if (result.length !== input.length) throw new RangeError('out has the wrong length');
    if (this.gpujsOps(dtype).normalize) {
      // gpu.js widens the chunk to a fresh Float32Array on the host (its argument snapshot) and
      // resolves a new Float32Array, copied into `result`
      const k = await this.gpujsKernel('normalize', normalizeGpuJs, { argumentTypes: { v: 'Array', lo: 'Float', scale: 'Float' } });
      const scale = Math.fround(1 / (hi - lo));
      for (const [i0, i1] of this.chunks(input.length)) {
        k.setOutput([i1 - i0]);
        result.set((await k(input.subarray(i0, i1), lo, scale)) as Float32Array, i0);
      }
      return result;
    }
    const pipe = this.pipeline(`normalize:${dtype}`, () => normalizeWGSL(dtype));
    const bpe = input.BYTES_PER_ELEMENT;
    const staged: Promise<void>[] = [];
    for (const [i0, i1] of this.chunks(input.length)) {
      const n = i1 - i0;
      const src = this.upload(bytesOf(input, i0 * bpe, n * bpe));
      const dst = this.storage(n * 4);
      const p = this.uniform([['u32', n], ['f32', lo], ['f32', 1 / (hi - lo)], ['u32', 0]]);
      this.dispatch(pipe, { 0: p, 1: src, 2: dst }, n);
      staged.push(this.readInto(dst, bytesOf(result, i0 * 4, n * 4)).then(() => this.destroy(src, dst, p)));
    }
    await Promise.all(staged);
    return result;
  }

  async clip<A extends GreyArray>(input: A, lo: number, hi: number, out?: A): Promise<A> {
    const dtype = dtypeOf(input);
    const result = out ?? (new (input.constructor as new (n: number) => A)(input.length));
    if (result.length !== input.length) throw new RangeError('out has the wrong length');
    const pipe = this.pipeline(`clip:${dtype}`, () => clipWGSL(dtype));
    const bpe = input.BYTES_PER_ELEMENT;
    const per = perWord(dtype);
    let fields: (words: number) => Field[];
    if (dtype === 'float32') {
      fields = (words) => [['u32', words], ['f32', lo], ['f32', hi], ['u32', 0]];
    } else {
      // v < ceil(lo) ⇔ v < lo for integer v; then the typed-array store truncates and wraps
      const wrap = (v: number) => { const t = new (input.constructor as new (n: number) => A)(1); t[0] = v; return t[0]; };
      const cLo = Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.ceil(lo)));
      const fHi = Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, Math.floor(hi)));
      fields = (words) => [['u32', words], ['i32', cLo], ['i32', fHi], ['u32', wrap(Math.min(hi, lo))], ['u32', wrap(hi)]];
    }
    const staged: Promise<void>[] = [];
    for (const [i0, i1] of this.chunks(input.length)) {
      const n = i1 - i0;
      const words = Math.ceil(n / per);
      const src = this.upload(bytesOf(input, i0 * bpe, n * bpe));
      const dst = this.storage(words * 4);
      const p = this.uniform(fields(words));
      this.dispatch(pipe, { 0: p, 1: src, 2: dst }, words);
      staged.push(this.readInto(dst, bytesOf(result, i0 * bpe, n * bpe)).then(() => this.destroy(src, dst, p)));
    }
    await Promise.all(staged);
    return result;
  }

  async classify(input: GreyArray, thresholds: readonly number[], out?: Uint8Array): Promise<Uint8Array> {
    const dtype = dtypeOf(input);
    if (thresholds.length > 255) throw new RangeError('classify: at most 255 thresholds');
    const result = out ?? new Uint8Array(input.length);
    if (result.length !== input.length) throw new RangeError('out has the wrong length');
    const pipe = this.pipeline(`classify:${dtype}`, () => classifyWGSL(dtype));
    const thr = this.upload(bytesOf(Float32Array.from(thresholds.length ? thresholds : [0])));
    const bpe = input.BYTES_PER_ELEMENT;
    const staged: Promise<void>[] = [];
    for (const [i0, i1] of this.chunks(input.length)) {
      const n = i1 - i0;
      const words = Math.ceil(n / 4);
      const src = this.upload(bytesOf(input, i0 * bpe, n * bpe));
      const dst = this.storage(words * 4);
      const p = this.uniform([['u32', n], ['u32', thresholds.length], ['u32', 0], ['u32', 0]]);
      this.dispatch(pipe, { 0: p, 1: src, 2: dst, 3: thr }, words);
      staged.push(this.readInto(dst, bytesOf(result, i0, n)).then(() => this.destroy(src, dst, p)));
    }
    await Promise.all(staged);
    thr.destroy();
    return result;
  }

  async histogram(input: GreyArray, spec: HistogramSpec): Promise<Float64Array> {
    const dtype = dtypeOf(input);
    const { lo, width, bins } = spec;
    if (!(bins >= 1) || !Number.isInteger(bins)) throw new RangeError('histogram: bins must be a positive integer');
    const intOk = Number.isInteger(lo) && Number.isInteger(width) && width >= 1 && Math.abs(lo) < 2 ** 31 && width < 2 ** 31;
    if (dtype !== 'float32' && !intOk) return this.cpuBackend().histogram(input, spec);
    const pipe = this.pipeline(`histogram:${dtype}:${bins}`, () => histogramWGSL(dtype, bins));
    const counts = new Float64Array(bins);
    const bpe = input.BYTES_PER_ELEMENT;
    const part = new Uint32Array(bins);
    for (const [i0, i1] of this.chunks(input.length)) {
      const n = i1 - i0;
      const src = this.upload(bytesOf(input, i0 * bpe, n * bpe));
      const dst = this.storage(bins * 4);
      const p = this.uniform([
        ['u32', n], ['u32', bins], ['i32', intOk ? lo : 0], ['i32', intOk ? width : 1], ['f32', lo], ['f32', width], ['u32', 0], ['u32', 0],
      ]);
      this.dispatch(pipe, { 0: p, 1: src, 2: dst }, Math.ceil(n / HIST_PER_THREAD));
      await this.readInto(dst, bytesOf(part));
      for (let b = 0; b < bins; b++) counts[b] += part[b];
      this.destroy(src, dst, p);
    }
    return counts;
  }

  // ------------------------------------------------------------------ neighbourhood filters

  async median3<A extends GreyArray>(input: A, shape: Shape3, out?: A): Promise<A> {
    checkShape(input, shape);
    const dtype = dtypeOf(input);
    const [nz, ny, nx] = shape;
    const plane = nx * ny;
    const result = out ?? (new (input.constructor as new (n: number) => A)(input.length));
    if (result.length !== input.length) throw new RangeError('out has the wrong length');
    const pipe = this.pipeline(`median3:${dtype}`, () => median3WGSL(dtype));
    const bpe = input.BYTES_PER_ELEMENT;
    const per = perWord(dtype);
    // a slab's result is written only after the next slab's source (whose lower halo is the last
    // slice of this slab) has been uploaded, so in-place operation reads original values
    let pending: { data: Uint8Array; at: number } | null = null;
    const flush = () => {
      if (pending) bytesOf(result).set(pending.data, pending.at);
      pending = null;
    };
    for (const [z0, z1] of this.slabs(shape, 1)) {
      const s0 = Math.max(0, z0 - 1), s1 = Math.min(nz, z1 + 1);
      const src = this.upload(bytesOf(input, s0 * plane * bpe, (s1 - s0) * plane * bpe));
      flush();
      const n = (z1 - z0) * plane;
      const words = Math.ceil(n / per);
      const dst = this.storage(words * 4);
      const p = this.uniform([['u32', nx], ['u32', ny], ['u32', nz], ['u32', s0], ['u32', z0], ['u32', n], ['u32', 0], ['u32', 0]]);
      this.dispatch(pipe, { 0: p, 1: src, 2: dst }, words);
      const data = new Uint8Array(n * bpe);
      await this.readInto(dst, data);
      pending = { data, at: z0 * plane * bpe };
      this.destroy(src, dst, p);
    }
    flush();
    return result;
  }

  async gaussian(input: GreyArray, shape: Shape3, sigma: [number, number, number], out?: Float32Array): Promise<Float32Array> {
    checkShape(input, shape);
    const dtype = dtypeOf(input);
    const [nz, ny, nx] = shape;
    const plane = nx * ny;
    if (out && out.length !== input.length) throw new RangeError('out has the wrong length');
    // out aliasing the input would be overwritten before later slabs read their halos
    const aliased = !!out && out.buffer === input.buffer;
    const result = out && !aliased ? out : new Float32Array(input.length);
    const wz = gaussianWeights(sigma[0]), wy = gaussianWeights(sigma[1]), wx = gaussianWeights(sigma[2]);
    const rz = (wz.length - 1) / 2;
    if (this.useGpuJs.gaussian && Math.max(wx.length, wy.length, wz.length) <= GPUJS_LOOP_MAX) {
      await this.gaussianGpuJs(input, shape, [wz, wy, wx], result);
      if (out && aliased) {
        out.set(result);
        return out;
      }
      return result;
    }
    const first = this.pipeline(`gauss:${dtype}`, () => gaussianPassWGSL(dtype));
    const next = this.pipeline('gauss:float32', () => gaussianPassWGSL('float32'));
    const wbufs = [wx, wy, wz].map((w) => this.upload(bytesOf(w)));
    const bpe = input.BYTES_PER_ELEMENT;
    for (const [z0, z1] of this.slabs(shape, rz)) {
      const s0 = Math.max(0, z0 - rz), s1 = Math.min(nz, z1 + rz);
      const ns = (s1 - s0) * plane, n = (z1 - z0) * plane;
      const src = this.upload(bytesOf(input, s0 * plane * bpe, ns * bpe));
      const a = this.storage(ns * 4), b = this.storage(ns * 4), c = this.storage(n * 4);
      const params = (axis: number, r: number, dstZ0: number, count: number) =>
        this.uniform([['u32', nx], ['u32', ny], ['u32', nz], ['u32', s0], ['u32', dstZ0], ['u32', count], ['u32', axis], ['u32', r], ['f32', 0], ['f32', 0], ['u32', 0], ['u32', 0]]);
      const px = params(0, (wx.length - 1) / 2, s0, ns), py = params(1, (wy.length - 1) / 2, s0, ns), pz = params(2, rz, z0, n);
      this.dispatch(first, { 0: px, 1: src, 2: a, 3: wbufs[0] }, ns);
      this.dispatch(next, { 0: py, 1: a, 2: b, 3: wbufs[1] }, ns);
      this.dispatch(next, { 0: pz, 1: b, 2: c, 3: wbufs[2] }, n);
      await this.readInto(c, bytesOf(result, z0 * plane * 4, n * 4));
      this.destroy(src, a, b, c, px, py, pz);
    }
    this.destroy(...wbufs);
    if (out && aliased) {
      out.set(result);
      return out;
    }
    return result;
  }

  /** The three Gaussian passes as gpu.js kernels: x and y in pipeline mode (GPU-resident), z read back. */
  private async gaussianGpuJs(input: GreyArray, shape: Shape3, [wz, wy, wx]: Float32Array[], result: Float32Array): Promise<void> {
    const [nz, ny, nx] = shape;
    const plane = nx * ny;
    const rz = (wz.length - 1) / 2, ry = (wy.length - 1) / 2, rx = (wx.length - 1) / 2;
    const kx = await this.gpujsKernel('gauss-x', gaussXGpuJs, { pipeline: true, argumentTypes: { src: 'Input', w: 'Array', r: 'Integer', nx: 'Integer' } });
    const ky = await this.gpujsKernel('gauss-y', gaussYGpuJs, { pipeline: true, argumentTypes: { src: 'WebGPUBuffer', w: 'Array', r: 'Integer', ny: 'Integer' } });
    const kz = await this.gpujsKernel('gauss-z', gaussZGpuJs, {
      argumentTypes: { src: 'WebGPUBuffer', w: 'Array', r: 'Integer', nz: 'Integer', srcZ0: 'Integer', dstZ0: 'Integer' },
    });
    for (const [z0, z1] of this.slabs(shape, rz)) {
      const s0 = Math.max(0, z0 - rz), s1 = Math.min(nz, z1 + rz);
      const src = await this.gpujsInput(input.subarray(s0 * plane, s1 * plane), [nx, ny, s1 - s0]);
      const hx = (await kx.setOutput([nx, ny, s1 - s0])(src, wx, rx, nx)) as GpuJsHandle;
      const hy = (await ky.setOutput([nx, ny, s1 - s0])(hx, wy, ry, ny)) as GpuJsHandle;
      const rows = (await kz.setOutput([nx, ny, z1 - z0])(hy, wz, rz, nz, s0, z0)) as Float32Array[][];
      hx.delete();
      hy.delete();
      // memory-optimised 3-D result: subarrays of one Float32Array
      const first = rows[0][0];
      result.set(new Float32Array(first.buffer, first.byteOffset, (z1 - z0) * plane), z0 * plane);
    }
  }

  async localMeanVariance(input: GreyArray, shape: Shape3, radius: number): Promise<{ mean: Float32Array; variance: Float32Array }> {
    checkShape(input, shape);
    if (!(radius >= 0) || !Number.isInteger(radius)) throw new RangeError('localMeanVariance: radius must be a non-negative integer');
    const dtype = dtypeOf(input);
    const [nz, ny, nx] = shape;
    const plane = nx * ny;
    const mean = new Float32Array(input.length), variance = new Float32Array(input.length);
    // sums of (v − shift) in f32: shifting by a typical value keeps the variance from cancelling
    const step = Math.max(1, Math.floor(input.length / 4096));
    let acc = 0, cnt = 0;
    for (let i = 0; i < input.length; i += step) { acc += input[i]; cnt++; }
    const shift = cnt ? Math.fround(acc / cnt) : 0;
    const count = (2 * radius + 1) ** 3;
    const firstP = this.pipeline(`box-first:${dtype}`, () => boxPassWGSL('first', dtype));
    const sumP = this.pipeline('box-sum', () => boxPassWGSL('sum', 'float32'));
    const finalP = this.pipeline('box-final', () => boxPassWGSL('final', 'float32'));
    const bpe = input.BYTES_PER_ELEMENT;
    for (const [z0, z1] of this.slabs(shape, radius)) {
      const s0 = Math.max(0, z0 - radius), s1 = Math.min(nz, z1 + radius);
      const ns = (s1 - s0) * plane, n = (z1 - z0) * plane;
      const src = this.upload(bytesOf(input, s0 * plane * bpe, ns * bpe));
      const s1b = this.storage(ns * 4), q1 = this.storage(ns * 4), s2 = this.storage(ns * 4), q2 = this.storage(ns * 4);
      const m = this.storage(n * 4), v = this.storage(n * 4);
      const params = (axis: number, dstZ0: number, cnt: number) =>
        this.uniform([['u32', nx], ['u32', ny], ['u32', nz], ['u32', s0], ['u32', dstZ0], ['u32', cnt], ['u32', axis], ['u32', radius], ['f32', shift], ['f32', count], ['u32', 0], ['u32', 0]]);
      const px = params(0, s0, ns), py = params(1, s0, ns), pz = params(2, z0, n);
      this.dispatch(firstP, { 0: px, 1: src, 2: s1b, 3: q1 }, ns);
      this.dispatch(sumP, { 0: py, 1: s1b, 4: q1, 2: s2, 3: q2 }, ns);
      this.dispatch(finalP, { 0: pz, 1: s2, 4: q2, 2: m, 3: v }, n);
      await this.readInto(m, bytesOf(mean, z0 * plane * 4, n * 4));
      await this.readInto(v, bytesOf(variance, z0 * plane * 4, n * 4));
      this.destroy(src, s1b, q1, s2, q2, m, v, px, py, pz);
    }
    return { mean, variance };
  }

  /**
   * The trainable features of one scale (kernels/trainable-features.wgsl.ts) after the Gaussian
   * passes of gaussian() with z clamped to the grid: in chunks of feature planes [a, b) whose grid
   * planes (b − a + 2 halo slices for the differences, r more each side for the smoothing) and six
   * output planes fit the buffer limit; x and y passes over those planes only, z over [a − 1, b + 1).
   */
  async scaleFeatures(grid: Float32Array, shape: Shape3, sigma: number, c0: number, c1: number, h: number): Promise<Float32Array> {
    checkShape(grid, shape);
    const [depth, ny, nx] = shape;
    if (!(0 <= c0 && c0 <= c1 && c1 <= depth)) throw new RangeError(`planes ${c0}–${c1} outside a grid of ${depth}`);
    const plane = nx * ny;
    const N = (c1 - c0) * plane;
    const result = new Float32Array(6 * N);
    const w = gaussianWeights(sigma);
    const r = (w.length - 1) / 2;
    const planes = Math.floor(this.maxBytes / (plane * 4));
    const per = Math.min(planes - 2 - 2 * r, Math.floor(planes / 6));
    if (per < 1) throw new RangeError(`gpu backend: a ${ny}×${nx} plane with ${r + 1} halo planes exceeds the buffer limit of ${this.maxBytes} bytes`);
    const gauss = this.pipeline('gauss:float32', () => gaussianPassWGSL('float32'));
    const feats = this.pipeline('trainable-features', trainableFeaturesWGSL);
    const wbuf = this.upload(bytesOf(w));
    const h1 = 1 / h;
    for (const [a, b] of splitRange(c1 - c0, Math.ceil((c1 - c0) / per)).map(([p, q]) => [p + c0, q + c0])) {
      const e0 = Math.max(0, a - 1), e1 = Math.min(depth, b + 1);
      const s0 = Math.max(0, e0 - r), s1 = Math.min(depth, e1 + r);
      const ns = (s1 - s0) * plane, ne = (e1 - e0) * plane, n = (b - a) * plane;
      const src = this.upload(bytesOf(grid, s0 * plane * 4, ns * 4));
      const bx = this.storage(ns * 4), by = this.storage(ns * 4), bz = this.storage(ne * 4), out = this.storage(6 * n * 4);
      const params = (axis: number, dstZ0: number, count: number) =>
        this.uniform([['u32', nx], ['u32', ny], ['u32', depth], ['u32', s0], ['u32', dstZ0], ['u32', count], ['u32', axis], ['u32', r], ['f32', 0], ['f32', 0], ['u32', 0], ['u32', 0]]);
      const px = params(0, s0, ns), py = params(1, s0, ns), pz = params(2, e0, ne);
      const pf = this.uniform([['u32', nx], ['u32', ny], ['u32', depth], ['u32', a], ['u32', e0], ['u32', n], ['f32', h1], ['f32', h1 * h1]]);
      this.dispatch(gauss, { 0: px, 1: src, 2: bx, 3: wbuf }, ns);
      this.dispatch(gauss, { 0: py, 1: bx, 2: by, 3: wbuf }, ns);
      this.dispatch(gauss, { 0: pz, 1: by, 2: bz, 3: wbuf }, ne);
      this.dispatch(feats, { 0: pf, 1: bz, 2: out }, n);
      const chunk = new Float32Array(6 * n);
      await this.readInto(out, bytesOf(chunk));
      for (let k = 0; k < 6; k++) result.set(chunk.subarray(k * n, (k + 1) * n), k * N + (a - c0) * plane);
      this.destroy(src, bx, by, bz, out, px, py, pz, pf);
    }
    wbuf.destroy();
    return result;
  }

  /** The cpu pool's threads: the stages' slab kernels (runModuleTasks) run there beside the gpu kernels. */
  get threads(): number {
    return this.cpuBackend().threads;
  }

  runModuleTasks<R>(distModule: string, name: string, args: readonly object[]): Promise<R[]> {
    return this.cpuBackend().runModuleTasks<R>(distModule, name, args);
  }

  connectedComponents(mask: Uint8Array, shape: Shape3, connectivity: 6 | 26, out?: Uint32Array): Promise<ComponentResult> {
    return this.cpuBackend().connectedComponents(mask, shape, connectivity, out);
  }

  async dispose(): Promise<void> {
    this.pipelineCache = null;
    if (this.gpujsKernels) {
      for (const k of this.gpujsKernels.kernels.values()) k.destroy?.();
      // gpu.destroy() leaves the shared device alone (WebGPUContext outlives GPU instances)
      await this.gpujsKernels.gpu.destroy();
      this.gpujsKernels = null;
    }
    if (this.cpu) await this.cpu.dispose();
    this.cpu = null;
  }
}
