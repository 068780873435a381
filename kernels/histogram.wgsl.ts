/**
 * Histogram: each workgroup counts into workgroup-shared atomic<u32> bins (when they fit), then
 * adds its partial counts to the global atomic bins. Integer inputs bin in i32 arithmetic
 * (floor division of v − lo by width); float inputs as floor((v − lo) / width) in f32.
 */
import { ENTRY, INDEX, loadFn, WORKGROUP, type GpuDType } from './common.wgsl.js';

/** Largest bin count that uses workgroup memory (16 KiB, the WebGPU minimum). */
export const LOCAL_BINS = 4096;
/** Voxels per invocation. */
export const HIST_PER_THREAD = 16;

export function histogramWGSL(dtype: GpuDType, bins: number): string {
  const local = bins <= LOCAL_BINS;
  const integer = dtype !== 'float32';
  const binOf = integer
    ? `let d = i32(load_src(i)) - p.loI;
      var b = 0i;
      if (d >= 0) { b = d / p.widthI; }
      b = min(b, i32(p.bins) - 1);`
    : `var b = i32(floor((load_src(i) - p.loF) / p.widthF));
      b = clamp(b, 0i, i32(p.bins) - 1);`;
  return `
struct P { n: u32, bins: u32, loI: i32, widthI: i32, loF: f32, widthF: f32, pad0: u32, pad1: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> counts: array<atomic<u32>>;
${local ? `var<workgroup> wbins: array<atomic<u32>, ${bins}>;` : ''}
${loadFn('src', dtype)}
${INDEX}
${ENTRY} {
  ${local ? `for (var k = lid.x; k < ${bins}u; k += ${WORKGROUP}u) { atomicStore(&wbins[k], 0u); }
  workgroupBarrier();` : ''}
  let t = linear_index(wid, nwg, lid);
  for (var q = 0u; q < ${HIST_PER_THREAD}u; q++) {
    let i = t * ${HIST_PER_THREAD}u + q;
    if (i < p.n) {
      ${binOf}
      ${local ? 'atomicAdd(&wbins[u32(b)], 1u);' : 'atomicAdd(&counts[u32(b)], 1u);'}
    }
  }
  ${local ? `workgroupBarrier();
  for (var k = lid.x; k < ${bins}u; k += ${WORKGROUP}u) {
    let c = atomicLoad(&wbins[k]);
    if (c != 0u) { atomicAdd(&counts[k], c); }
  }` : ''}
}`;
}
