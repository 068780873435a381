/**
 * gpu.js kernel functions (WebGPU mode) for one axis of the separable Gaussian, in the reference's
 * tap order (acc += w[k + r] · src[clamp(pos + k)], k = −r..r), edge replication by clamping.
 * Output [nx, ny, dstNz] (thread.z = slice within the output slab); `src` is a 3-D input
 * [nx, ny, srcNz] holding global slices [srcZ0, srcZ0 + srcNz). One function per axis, so the
 * translated WGSL has no per-tap branch on the axis.
 */
import type { GpuJsThis } from './normalize.gpujs.js';

export function gaussXGpuJs(this: GpuJsThis, src: Float32Array[][], w: Float32Array, r: number, nx: number): number {
  const x = this.thread.x;
  const y = this.thread.y;
  const z = this.thread.z;
  let acc = 0;
  for (let t = 0; t <= 2 * r; t++) {
    const k = t - r;
    const xx = Math.min(Math.max(x + k, 0), nx - 1);
    acc += w[t] * src[z][y][xx];
  }
  return acc;
}

export function gaussYGpuJs(this: GpuJsThis, src: Float32Array[][], w: Float32Array, r: number, ny: number): number {
  const x = this.thread.x;
  const y = this.thread.y;
  const z = this.thread.z;
  let acc = 0;
  for (let t = 0; t <= 2 * r; t++) {
    const k = t - r;
    const yy = Math.min(Math.max(y + k, 0), ny - 1);
    acc += w[t] * src[z][yy][x];
  }
  return acc;
}

/** z pass: output slice z is global slice z + dstZ0; the source holds global slices from srcZ0; nz is the volume's depth. */
export function gaussZGpuJs(this: GpuJsThis, src: Float32Array[][], w: Float32Array, r: number, nz: number, srcZ0: number, dstZ0: number): number {
  const x = this.thread.x;
  const y = this.thread.y;
  const gz = this.thread.z + dstZ0;
  let acc = 0;
  for (let t = 0; t <= 2 * r; t++) {
    const k = t - r;
    const zz = Math.min(Math.max(gz + k, 0), nz - 1);
    acc += w[t] * src[zz - srcZ0][y][x];
  }
  return acc;
}
