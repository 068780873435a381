/**
 * Shared WGSL snippets for the gpu backend. Grey inputs are uploaded as their raw little-endian
 * bytes in an array<u32> (uint8: four voxels per word, uint16: two, float32: one), so a volume
 * is never widened on the host; `load(i)` unpacks voxel i as f32 (exact for uint8/uint16).
 */
export type GpuDType = 'uint8' | 'uint16' | 'float32';

export const WORKGROUP = 64;

/** `fn load_<name>(i: u32) -> f32` reading binding `name` (array<u32>) of the given dtype. */
export function loadFn(name: string, dtype: GpuDType): string {
  switch (dtype) {
    case 'uint8':
      return `fn load_${name}(i: u32) -> f32 { return f32((${name}[i >> 2u] >> ((i & 3u) * 8u)) & 0xffu); }`;
    case 'uint16':
      return `fn load_${name}(i: u32) -> f32 { return f32((${name}[i >> 1u] >> ((i & 1u) * 16u)) & 0xffffu); }`;
    case 'float32':
      return `fn load_${name}(i: u32) -> f32 { return bitcast<f32>(${name}[i]); }`;
  }
}

/** Voxels per packed u32 word. */
export const perWord = (dtype: GpuDType) => (dtype === 'uint8' ? 4 : dtype === 'uint16' ? 2 : 1);

/** Linear invocation index over a 2-D grid of workgroups (65535 per dimension at most). */
export const INDEX = /* wgsl */ `
fn linear_index(wid: vec3<u32>, nwg: vec3<u32>, lid: vec3<u32>) -> u32 {
  return (wid.y * nwg.x + wid.x) * ${WORKGROUP}u + lid.x;
}`;

export const ENTRY = `@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>)`;
