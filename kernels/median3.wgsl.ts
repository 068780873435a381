/**
 * 3×3×3 median on one z-slab: invocation per output word (1, 2 or 4 voxels). The 27 values are
 * reduced by a generated forgetful-selection network (min/max only): keep 15 values, drop the
 * smallest and largest, add the next, …, and take the median of the last three.
 * Input slab covers global slices [srcZ0, srcZ0 + srcNz) (the output slab plus one halo slice
 * each side where it exists); the output slab covers [dstZ0, dstZ0 + dstNz).
 */
import { ENTRY, INDEX, loadFn, perWord, type GpuDType } from './common.wgsl.js';

/** Straight-line code: variables v0..v26 in, `med` out. Exported for testing the network on the CPU. */
export function forgetfulMedian27(min = 'min', max = 'max'): string[] {
  const lines: string[] = [];
  let set = Array.from({ length: 15 }, (_, i) => `v${i}`);
  let next = 15;
  const cas = (a: string, b: string) => {
    lines.push(`t = ${min}(${a}, ${b}); ${b} = ${max}(${a}, ${b}); ${a} = t;`);
  };
  for (;;) {
    for (let i = 1; i < set.length; i++) cas(set[0], set[i]); // min to set[0]
    for (let i = 1; i < set.length - 1; i++) cas(set[i], set[set.length - 1]); // max to the end
    set = set.slice(1, -1);
    if (next === 27) break;
    set.push(`v${next++}`);
  }
  if (set.length !== 1) throw new Error('forgetful network: unexpected final size ' + set.length);
  lines.push(`med = ${set[0]};`);
  return lines;
}

export function median3WGSL(dtype: GpuDType): string {
  const n = perWord(dtype);
  const loads: string[] = [];
  let k = 0;
  for (let dz = -1; dz <= 1; dz++)
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++)
        loads.push(`var v${k++} = load_src((u32(clamp(gz + ${dz}, 0i, nz - 1) - i32(p.srcZ0)) * p.ny + u32(clamp(y + ${dy}, 0i, ny - 1))) * p.nx + u32(clamp(x + ${dx}, 0i, nx - 1)));`);
  const store = dtype === 'float32'
    ? 'dst[w] = bitcast<u32>(med);'
    : `res |= u32(med) << (q * ${dtype === 'uint8' ? 8 : 16}u);`;
  return `
struct P { nx: u32, ny: u32, nz: u32, srcZ0: u32, dstZ0: u32, n: u32, pad0: u32, pad1: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;
${loadFn('src', dtype)}
${INDEX}
${ENTRY} {
  let w = linear_index(wid, nwg, lid);
  if (w * ${n}u >= p.n) { return; }
  let nx = i32(p.nx); let ny = i32(p.ny); let nz = i32(p.nz);
  var res = 0u;
  for (var q = 0u; q < ${n}u; q++) {
    let i = w * ${n}u + q;
    if (i >= p.n) { break; }
    let x = i32(i % p.nx);
    let y = i32((i / p.nx) % p.ny);
    let gz = i32(i / (p.nx * p.ny) + p.dstZ0);
    ${loads.join('\n    ')}
    var t: f32;
    var med: f32;
    ${forgetfulMedian27().join('\n    ')}
    ${store}
  }
  ${dtype === 'float32' ? '' : 'dst[w] = res;'}
}`;
}
