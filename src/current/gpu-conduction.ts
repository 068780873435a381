/**
 * gpu twin of the conduction multigrid preconditioner (src/current/solver.ts): the V-cycle's stencil
 * work — Gauss–Seidel colour sweeps, residuals, restriction, prolongation — runs as WGSL kernels
 * (kernels/conduction.wgsl.ts) in float32 on the shared WebGPU device (src/compute/gpu/device.ts); the coarsest
 * level (≤ 1024 cells) is read back and solved by the cpu's banded Cholesky. CG itself stays on the
 * cpu in float64 with the float64 matrix-free apply, so the solution converges to the same relative
 * residual as the cpu solver (mixed precision: only the preconditioner is float32). Only constant
 * prolongation (the solver's default) is mirrored.
 */
import { PipelineCache, acquireDevice, describeAdapter, isSoftwareAdapter } from '../compute/gpu/device.js';
import { WORKGROUP } from '../../kernels/common.wgsl.js';
import {
  conductionApplyWGSL, conductionGsWGSL, conductionProlongWGSL, conductionRestrictWGSL, conductionZeroWGSL,
} from '../../kernels/conduction.wgsl.js';
import type { Level, Multigrid, Preconditioner } from './solver.js';

const STORAGE = 0x0080;
const COPY_SRC = 0x0004;
const COPY_DST = 0x0008;
const UNIFORM = 0x0040;
const MAP_READ = 0x0001;

interface GpuLevel {
  L: Level;
  n: number;
  gx: GPUBuffer;
  gy: GPUBuffer;
  gz: GPUBuffer;
  diag: GPUBuffer;
  u: GPUBuffer;
  b: GPUBuffer;
  r: GPUBuffer;
  /** params for colour 0 / colour 1 (and apply etc. use colour 0's) */
  p: [GPUBuffer, GPUBuffer];
  /** params of the coarse level with this level's coarsening factors (restrict), and fine ones (prolong) */
  pRestrict?: GPUBuffer;
  pProlong?: GPUBuffer;
}

export class GpuConduction implements Preconditioner {
  readonly description: string;
  private readonly levels: GpuLevel[];
  private pipelineCache: PipelineCache | null = null;
  private readonly staging: GPUBuffer;
  private readonly stagingCoarse: GPUBuffer;
  private readonly f32: Float32Array;
  private readonly coarseB: Float64Array;
  private readonly coarseU: Float64Array;
  private readonly coarseF32: Float32Array;

  private constructor(private readonly device: GPUDevice, adapter: GPUAdapter, private readonly mg: Multigrid) {
    if (mg.prolongation !== 'constant') throw new Error('gpu conduction preconditioner: only constant prolongation is mirrored');
    const soft = isSoftwareAdapter(adapter) ? ' (software)' : '';
    this.description = `gpu: WebGPU ${describeAdapter(adapter)}${soft}; float32 multigrid preconditioner on the gpu, float64 CG on the cpu`;
    this.levels = mg.levels.map((L, l) => {
      const n = L.nx * L.ny * L.nz;
      const params = (Lv: Level, color: number, c: [number, number, number]) =>
        this.uniform([Lv.nx, Lv.ny, Lv.nz, color, c[0], c[1], c[2], Lv.nx * Lv.ny * Lv.nz]);
      const g: GpuLevel = {
        L, n,
        gx: this.upload(Float32Array.from(L.gx)),
        gy: this.upload(Float32Array.from(L.gy)),
        gz: this.upload(Float32Array.from(L.gz)),
        diag: this.upload(Float32Array.from(L.diag)),
        u: this.buffer(n * 4),
        b: this.buffer(n * 4),
        r: this.buffer(n * 4),
        p: [params(L, 0, [1, 1, 1]), params(L, 1, [1, 1, 1])],
      };
      if (l + 1 < mg.levels.length) {
        g.pRestrict = params(mg.levels[l + 1], 0, [L.cx, L.cy, L.cz]);
        g.pProlong = params(L, 0, [L.cx, L.cy, L.cz]);
      }
      return g;
    });
    const n0 = this.levels[0].n;
    const nc = this.levels[this.levels.length - 1].n;
    this.staging = device.createBuffer({ size: Math.max(16, n0 * 4), usage: MAP_READ | COPY_DST });
    this.stagingCoarse = device.createBuffer({ size: Math.max(16, nc * 4), usage: MAP_READ | COPY_DST });
    this.f32 = new Float32Array(n0);
    this.coarseB = new Float64Array(nc);
    this.coarseU = new Float64Array(nc);
    this.coarseF32 = new Float32Array(nc);
  }

  static async create(mg: Multigrid): Promise<GpuConduction> {
    const { adapter, device } = await acquireDevice();
    return new GpuConduction(device, adapter, mg);
  }

  private buffer(bytes: number): GPUBuffer {
    return this.device.createBuffer({ size: Math.max(16, Math.ceil(bytes / 4) * 4), usage: STORAGE | COPY_SRC | COPY_DST });
  }

  private upload(a: Float32Array): GPUBuffer {
    const buf = this.buffer(a.byteLength);
    if (a.byteLength) this.device.queue.writeBuffer(buf, 0, a.buffer as ArrayBuffer, a.byteOffset, a.byteLength);
    return buf;
  }

  private uniform(v: number[]): GPUBuffer {
    const a = Uint32Array.from(v);
    const buf = this.device.createBuffer({ size: 32, usage: UNIFORM | COPY_DST });
    this.device.queue.writeBuffer(buf, 0, a.buffer as ArrayBuffer);
    return buf;
  }

  private pipeline(key: string, code: () => string): GPUComputePipeline {
    this.pipelineCache ??= new PipelineCache(this.device);
    return this.pipelineCache.get(key, code);
  }

  private dispatch(enc: GPUCommandEncoder, pipe: GPUComputePipeline, bindings: GPUBuffer[], threads: number): void {
    const groups = Math.ceil(threads / WORKGROUP);
    const gx = Math.min(groups, 65535);
    const gy = Math.ceil(groups / gx);
    const bg = this.device.createBindGroup({
      layout: pipe.getBindGroupLayout(0),
      entries: bindings.map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    const pass = enc.beginComputePass();
    pass.setPipeline(pipe);
    pass.setBindGroup(0, bg);
    pass.dispatchWorkgroups(gx, gy);
    pass.end();
  }

  private gs(enc: GPUCommandEncoder, g: GpuLevel, color: 0 | 1): void {
    this.dispatch(enc, this.pipeline('gs', conductionGsWGSL), [g.p[color], g.gx, g.gy, g.gz, g.diag, g.u, g.b], g.n);
  }

  private zero(enc: GPUCommandEncoder, g: GpuLevel, buf: GPUBuffer): void {
    this.dispatch(enc, this.pipeline('zero', conductionZeroWGSL), [g.p[0], buf], g.n);
  }

  private async read(src: GPUBuffer, staging: GPUBuffer, out: Float32Array, enc: GPUCommandEncoder): Promise<void> {
    enc.copyBufferToBuffer(src, 0, staging, 0, out.byteLength);
    this.device.queue.submit([enc.finish()]);
    await staging.mapAsync(MAP_READ, 0, out.byteLength);
    out.set(new Float32Array(staging.getMappedRange(0, out.byteLength)));
    staging.unmap();
  }

  /** out = A u on the finest level, in float32 on the gpu (the twin of applyRange; for tests). */
  async apply(u: Float64Array, out: Float64Array, residualOf?: Float64Array): Promise<void> {
    const g = this.levels[0];
    this.device.queue.writeBuffer(g.u, 0, Float32Array.from(u).buffer as ArrayBuffer);
    const enc = this.device.createCommandEncoder();
    if (residualOf) {
      this.device.queue.writeBuffer(g.b, 0, Float32Array.from(residualOf).buffer as ArrayBuffer);
      this.dispatch(enc, this.pipeline('residual', () => conductionApplyWGSL('residual')), [g.p[0], g.gx, g.gy, g.gz, g.diag, g.u, g.r, g.b], g.n);
    } else this.dispatch(enc, this.pipeline('apply', () => conductionApplyWGSL('apply')), [g.p[0], g.gx, g.gy, g.gz, g.diag, g.u, g.r], g.n);
    await this.read(g.r, this.staging, this.f32, enc);
    for (let i = 0; i < out.length; i++) out[i] = this.f32[i];
  }

  /** z = M⁻¹ r: one V-cycle (the cpu Multigrid's, in float32). */
  async precondition(r: Float64Array, z: Float64Array): Promise<void> {
    const last = this.levels.length - 1;
    const sweeps = this.mg.sweeps;
    this.f32.set(r);
    this.device.queue.writeBuffer(this.levels[0].b, 0, this.f32.buffer as ArrayBuffer);
    let enc = this.device.createCommandEncoder();
    for (let l = 0; l < last; l++) {
      const g = this.levels[l];
      const c = this.levels[l + 1];
      this.zero(enc, g, g.u);
      for (let s = 0; s < sweeps; s++) {
        this.gs(enc, g, 0);
        this.gs(enc, g, 1);
      }
      this.dispatch(enc, this.pipeline('residual', () => conductionApplyWGSL('residual')), [g.p[0], g.gx, g.gy, g.gz, g.diag, g.u, g.r, g.b], g.n);
      this.dispatch(enc, this.pipeline('restrict', conductionRestrictWGSL), [g.pRestrict!, g.r, c.b], c.n);
    }
    const gc = this.levels[last];
    if (last > 0) {
      await this.read(gc.b, this.stagingCoarse, this.coarseF32, enc);
      for (let i = 0; i < gc.n; i++) this.coarseB[i] = this.coarseF32[i];
    } else for (let i = 0; i < gc.n; i++) this.coarseB[i] = r[i];
    this.mg.solveCoarsest(this.coarseB, this.coarseU);
    this.coarseF32.set(this.coarseU);
    this.device.queue.writeBuffer(gc.u, 0, this.coarseF32.buffer as ArrayBuffer, 0, gc.n * 4);
    enc = this.device.createCommandEncoder();
    for (let l = last - 1; l >= 0; l--) {
      const g = this.levels[l];
      const c = this.levels[l + 1];
      this.dispatch(enc, this.pipeline('prolong', conductionProlongWGSL), [g.pProlong!, c.u, g.u], g.n);
      for (let s = 0; s < sweeps; s++) {
        this.gs(enc, g, 1);
        this.gs(enc, g, 0);
      }
    }
    await this.read(this.levels[0].u, this.staging, this.f32, enc);
    for (let i = 0; i < z.length; i++) z[i] = this.f32[i];
  }

  dispose(): void {
    for (const g of this.levels) for (const b of [g.gx, g.gy, g.gz, g.diag, g.u, g.b, g.r, g.p[0], g.p[1], g.pRestrict, g.pProlong]) b?.destroy();
    this.staging.destroy();
    this.stagingCoarse.destroy();
  }
}
