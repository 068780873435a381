/**
 * Exact Euclidean distance transform on the WebGPU device shared with gpu.js (device.ts), one
 * WGSL kernel launch per axis (kernels/edt.wgsl.ts): x lines, then y, then z, then the square root
 * (fused into the z pass). Same semantics as src/thickness/edt.ts (SciPy's
 * `distance_transform_edt(phase, sampling)`), squared distances in f32 on the device.
 *
 * Volumes larger than the buffer limit are processed in slabs: the x and y passes over z-slabs of
 * whole slices, the z pass over y-slabs (rows y0..y1 of every slice, gathered on the host into a
 * contiguous [nz, y1 − y0, nx] block and scattered back). When the whole volume fits one buffer it
 * is uploaded once and read back once. The envelope scratch (3 words per sample per line) is
 * bounded by `maxScratchBytes`; lines beyond it run in further dispatches.
 */
import type { Shape3, Spacing3 } from '../../io/volume.js';
import { EDT_WGSL, edtScratchWordsPerLine } from '../../../kernels/edt.wgsl.js';
import { WORKGROUP } from '../../../kernels/common.wgsl.js';
import { acquireDevice, describeAdapter, isSoftwareAdapter } from './device.js';

const USAGE = { MAP_READ: 0x0001, COPY_SRC: 0x0004, COPY_DST: 0x0008, UNIFORM: 0x0040, STORAGE: 0x0080 } as const;
const MAP_READ = 0x0001;
const DEFAULT_SCRATCH = 256 * 2 ** 20;

export interface GpuDistanceOptions {
  /** Voxel size [dz, dy, dx] (µm); default 1. */
  spacing?: Spacing3 | null;
  /** Phase = voxels equal to `label`; without it, phase = non-zero voxels. */
  label?: number;
  /** Cap on the volume slab buffer (bytes); default the device limits. Small values force slabs (tests). */
  maxBufferBytes?: number;
  /** Cap on the envelope scratch buffer (bytes); default 256 MiB (or the device limit). */
  maxScratchBytes?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface GpuPassStats {
  /** z-slabs of the x/y passes and y-slabs of the z pass (1 and 1 when the volume fits one buffer). */
  slabs: { xy: number; z: number };
  /** Kernel launches (one per axis per slab per scratch batch). */
  dispatches: number;
  /** What ran, e.g. "gpu: WebGPU EDT, SwiftShader Device (software)". */
  description: string;
}

export interface GpuDistanceResult extends GpuPassStats {
  /** Distance in µm (voxels without spacing), 0 outside the phase. */
  distance: Float32Array;
  /** True when no voxel lies outside the phase (+Infinity everywhere; nothing ran on the device). */
  noBackground: boolean;
}

function checkSpacing(spacing: Spacing3 | null | undefined): [number, number, number] {
  const s = spacing ?? [1, 1, 1];
  if (s.length !== 3 || s.some((v) => !(v > 0) || !Number.isFinite(v))) throw new RangeError(`spacing must be three positive numbers, got ${s.join(',')}`);
  return [s[0], s[1], s[2]];
}

const pipelines = new WeakMap<GPUDevice, GPUComputePipeline>();

function pipelineFor(device: GPUDevice): GPUComputePipeline {
  let p = pipelines.get(device);
  if (!p) {
    const module = device.createShaderModule({ code: EDT_WGSL, label: 'edt' });
    p = device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: 'edt' });
    pipelines.set(device, p);
  }
  return p;
}

/** Smallest buffer (bytes) the slabbed transform needs: one slice (x/y passes) or one row over z (z pass). */
export function gpuEdtMinBufferBytes(shape: Shape3): number {
  const [nz, ny, nx] = shape;
  return 4 * Math.max(ny * nx, nz * nx);
}

class EdtRunner {
  dispatches = 0;
  private readonly pipeline: GPUComputePipeline;
  constructor(
    private readonly device: GPUDevice,
    private readonly spacing: [number, number, number],
    private readonly scratchBytes: number,
  ) {
    this.pipeline = pipelineFor(device);
  }

  upload(src: Float32Array): GPUBuffer {
    const buf = this.device.createBuffer({ size: Math.max(16, src.byteLength), usage: USAGE.STORAGE | USAGE.COPY_SRC | USAGE.COPY_DST });
    let data = src;
    if (!(src.buffer instanceof ArrayBuffer)) data = src.slice(); // Dawn wants an ordinary ArrayBuffer
    if (data.byteLength) this.device.queue.writeBuffer(buf, 0, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
    return buf;
  }

  async read(buf: GPUBuffer, target: Float32Array): Promise<void> {
    if (!target.byteLength) return;
    const staging = this.device.createBuffer({ size: target.byteLength, usage: USAGE.MAP_READ | USAGE.COPY_DST });
    const enc = this.device.createCommandEncoder();
    enc.copyBufferToBuffer(buf, 0, staging, 0, target.byteLength);
    this.device.queue.submit([enc.finish()]);
    await staging.mapAsync(MAP_READ);
    target.set(new Float32Array(staging.getMappedRange(), 0, target.length));
    staging.unmap();
    staging.destroy();
  }

  /**
   * Queue one axis pass over a buffer holding `nzl` slices of ny × nx (axis 2: the whole z extent
   * of `ny` rows). Dispatches are batched by the scratch budget.
   */
  pass(vol: GPUBuffer, axis: 0 | 1 | 2, nzl: number, ny: number, nx: number, sqrtOut: boolean): void {
    const n = axis === 0 ? nx : axis === 1 ? ny : nzl;
    const lines = axis === 0 ? nzl * ny : axis === 1 ? nzl * nx : ny * nx;
    if (lines === 0 || n === 0) return;
    const s = axis === 0 ? this.spacing[2] : axis === 1 ? this.spacing[1] : this.spacing[0];
    const perLine = edtScratchWordsPerLine(n) * 4;
    const cap = Math.max(1, Math.min(lines, Math.floor(this.scratchBytes / perLine)));
    const scratch = this.device.createBuffer({ size: Math.max(16, cap * perLine), usage: USAGE.STORAGE });
    const enc = this.device.createCommandEncoder();
    const uniforms: GPUBuffer[] = [];
    for (let lineStart = 0; lineStart < lines; lineStart += cap) {
      const count = Math.min(cap, lines - lineStart);
      const view = new DataView(new ArrayBuffer(48));
      const u32 = [n, count, lineStart, axis, nx, ny, nzl, sqrtOut ? 1 : 0, cap];
      u32.forEach((v, i) => view.setUint32(i * 4, v, true));
      view.setFloat32(36, s, true);
      view.setFloat32(40, 2 * s * s, true);
      const ub = this.device.createBuffer({ size: 48, usage: USAGE.UNIFORM | USAGE.COPY_DST });
      this.device.queue.writeBuffer(ub, 0, view.buffer);
      uniforms.push(ub);
      const bindGroup = this.device.createBindGroup({
        layout: this.pipeline.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: ub } },
          { binding: 1, resource: { buffer: vol } },
          { binding: 2, resource: { buffer: scratch } },
        ],
      });
      const groups = Math.ceil(count / WORKGROUP);
      const gx = Math.min(groups, 65535), gy = Math.ceil(groups / gx);
      // one compute pass per dispatch: the next batch reuses the scratch
      const pass = enc.beginComputePass();
      pass.setPipeline(this.pipeline);
      pass.setBindGroup(0, bindGroup);
      pass.dispatchWorkgroups(gx, gy);
      pass.end();
      this.dispatches++;
    }
    this.device.queue.submit([enc.finish()]);
    // destroying after submit is allowed: destruction waits for the queued work
    scratch.destroy();
    for (const ub of uniforms) ub.destroy();
  }
}

/**
 * Run the three passes in place on `buf`: squared distances (0 on features, +Infinity elsewhere)
 * in, distances out (square root taken). `buf` may be backed by a SharedArrayBuffer.
 */
export async function edtPassesGpu(
  buf: Float32Array,
  shape: Shape3,
  options: Pick<GpuDistanceOptions, 'spacing' | 'maxBufferBytes' | 'maxScratchBytes' | 'onProgress'> = {},
): Promise<GpuPassStats> {
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  if (buf.length !== nz * plane) throw new RangeError(`buffer length ${buf.length} does not match shape ${shape.join('×')}`);
  const spacing = checkSpacing(options.spacing);
  const { adapter, device } = await acquireDevice();
  const devLimit = Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize);
  const limit = Math.floor(Math.min(devLimit, options.maxBufferBytes ?? Infinity) / 4) * 4;
  const scratchBytes = Math.min(devLimit, options.maxScratchBytes ?? DEFAULT_SCRATCH);
  const soft = isSoftwareAdapter(adapter) ? ' (software)' : '';
  const description = `gpu: WebGPU EDT, ${describeAdapter(adapter)}${soft}`;
  const stats: GpuPassStats = { slabs: { xy: 0, z: 0 }, dispatches: 0, description };
  if (buf.length === 0) return stats;
  const minBytes = gpuEdtMinBufferBytes(shape);
  if (minBytes > limit) {
    throw new RangeError(`gpu EDT: a ${ny}×${nx} slice or a ${nz}×${nx} row block (${minBytes} bytes) exceeds the buffer limit of ${limit} bytes`);
  }
  const runner = new EdtRunner(device, spacing, scratchBytes);
  device.pushErrorScope('out-of-memory');
  device.pushErrorScope('validation');
  let failure: Error | null = null;
  try {
    if (buf.byteLength <= limit) {
      const vol = runner.upload(buf);
      runner.pass(vol, 0, nz, ny, nx, false);
      runner.pass(vol, 1, nz, ny, nx, false);
      runner.pass(vol, 2, nz, ny, nx, true);
      await runner.read(vol, buf);
      vol.destroy();
      stats.slabs = { xy: 1, z: 1 };
      options.onProgress?.(1, 1);
    } else {
      const slices = Math.floor(limit / (plane * 4));
      const rows = Math.floor(limit / (nz * nx * 4));
      const total = nz + ny;
      let done = 0;
      for (let z0 = 0; z0 < nz; z0 += slices) {
        const z1 = Math.min(nz, z0 + slices);
        const part = buf.subarray(z0 * plane, z1 * plane);
        const vol = runner.upload(part);
        runner.pass(vol, 0, z1 - z0, ny, nx, false);
        runner.pass(vol, 1, z1 - z0, ny, nx, false);
        await runner.read(vol, part);
        vol.destroy();
        stats.slabs.xy++;
        options.onProgress?.((done += z1 - z0), total);
      }
      for (let y0 = 0; y0 < ny; y0 += rows) {
        const y1 = Math.min(ny, y0 + rows);
        const ys = y1 - y0;
        const block = new Float32Array(nz * ys * nx);
        for (let k = 0; k < nz; k++) block.set(buf.subarray(k * plane + y0 * nx, k * plane + y1 * nx), k * ys * nx);
        const vol = runner.upload(block);
        runner.pass(vol, 2, nz, ys, nx, true);
        await runner.read(vol, block);
        vol.destroy();
        for (let k = 0; k < nz; k++) buf.set(block.subarray(k * ys * nx, (k + 1) * ys * nx), k * plane + y0 * nx);
        stats.slabs.z++;
        options.onProgress?.((done += ys), total);
      }
    }
  } catch (e) {
    failure = e as Error;
  } finally {
    const validation = await device.popErrorScope();
    const oom = await device.popErrorScope();
    const err = validation ?? oom;
    if (err && !failure) failure = new Error(`gpu EDT: WebGPU ${validation ? 'validation' : 'out-of-memory'} error: ${err.message}`);
  }
  if (failure) throw failure;
  stats.dispatches = runner.dispatches;
  return stats;
}

/**
 * EDT of a phase on the GPU: `label` given → voxels equal to it (SciPy
 * `distance_transform_edt(data == label, sampling)`), otherwise the non-zero voxels.
 * No background at all: +Infinity everywhere and `noBackground` (as on the cpu).
 */
export async function distanceTransformGpu(data: ArrayLike<number>, shape: Shape3, options: GpuDistanceOptions = {}): Promise<GpuDistanceResult> {
  const n = shape[0] * shape[1] * shape[2];
  if (data.length !== n) throw new RangeError(`data length ${data.length} does not match shape ${shape.join('×')}`);
  checkSpacing(options.spacing);
  const buf = new Float32Array(n);
  let background = 0;
  const label = options.label;
  if (label === undefined) {
    for (let i = 0; i < n; i++) {
      if (data[i] !== 0) buf[i] = Infinity;
      else background++;
    }
  } else {
    for (let i = 0; i < n; i++) {
      if (data[i] === label) buf[i] = Infinity;
      else background++;
    }
  }
  if (background === 0) {
    const { adapter } = await acquireDevice();
    options.onProgress?.(1, 1);
    return { distance: buf, noBackground: true, slabs: { xy: 0, z: 0 }, dispatches: 0, description: `gpu: WebGPU EDT, ${describeAdapter(adapter)} (nothing to do: no background)` };
  }
  const stats = await edtPassesGpu(buf, shape, options);
  return { distance: buf, noBackground: false, ...stats };
}
