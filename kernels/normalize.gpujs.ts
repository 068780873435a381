/**
 * gpu.js kernel functions (WebGPU mode) for the float-output element-wise ops. gpu.js translates
 * the function source to WGSL over f32 storage buffers: inputs arrive as f32 (the host widens
 * uint8/uint16), one output value per thread.
 */
export interface GpuJsThis {
  thread: { x: number; y: number; z: number };
}

/** (v − lo)·scale clamped to [0, 1]; one thread per voxel (1-D output). Same arithmetic as normalizeWGSL. */
export function normalizeGpuJs(this: GpuJsThis, v: Float32Array, lo: number, scale: number): number {
  return Math.min(Math.max((v[this.thread.x] - lo) * scale, 0), 1);
}
