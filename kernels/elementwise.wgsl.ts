/** normalize, clip and classify: one invocation per output word (1, 2 or 4 voxels). */
import { ENTRY, INDEX, loadFn, perWord, type GpuDType } from './common.wgsl.js';

/** out[i] = clamp((v − lo)·scale, 0, 1) as f32. Params: n (voxels), lo, scale. */
export function normalizeWGSL(dtype: GpuDType): string {
  return `
struct P { n: u32, lo: f32, scale: f32, pad: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
${loadFn('src', dtype)}
${INDEX}
${ENTRY} {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.n) { return; }
  dst[i] = clamp((load_src(i) - p.lo) * p.scale, 0.0, 1.0);
}`;
}

/**
 * clip, same dtype out. Integers: v < cLo → loRes, v > fHi → hiRes, else v (all integers, chosen
 * on the host so the result equals min(hi, max(lo, v)) stored into the typed array). Floats:
 * min(hi, max(lo, v)) with f32 bounds (rounding is monotone, so this equals the reference).
 */
export function clipWGSL(dtype: GpuDType): string {
  const n = perWord(dtype);
  if (dtype === 'float32') {
    return `
struct P { words: u32, lo: f32, hi: f32, pad: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;
${INDEX}
${ENTRY} {
  let w = linear_index(wid, nwg, lid);
  if (w >= p.words) { return; }
  dst[w] = bitcast<u32>(min(p.hi, max(p.lo, bitcast<f32>(src[w]))));
}`;
  }
  const bits = dtype === 'uint8' ? 8 : 16;
  const mask = dtype === 'uint8' ? '0xffu' : '0xffffu';
  return `
struct P { words: u32, cLo: i32, fHi: i32, loRes: u32, hiRes: u32, pad0: u32, pad1: u32, pad2: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;
${INDEX}
${ENTRY} {
  let w = linear_index(wid, nwg, lid);
  if (w >= p.words) { return; }
  let word = src[w];
  var res = 0u;
  for (var q = 0u; q < ${n}u; q++) {
    let v = (word >> (q * ${bits}u)) & ${mask};
    var r = v;
    if (i32(v) < p.cLo) { r = p.loRes; } else if (i32(v) > p.fHi) { r = p.hiRes; }
    res |= (r & ${mask}) << (q * ${bits}u);
  }
  dst[w] = res;
}`;
}

/** label = #(thresholds t with v >= t), uint8 packed four per word. Params: n voxels, nt. */
export function classifyWGSL(dtype: GpuDType): string {
  return `
struct P { n: u32, nt: u32, pad0: u32, pad1: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;
@group(0) @binding(3) var<storage, read> thr: array<f32>;
${loadFn('src', dtype)}
${INDEX}
${ENTRY} {
  let w = linear_index(wid, nwg, lid);
  if (w * 4u >= p.n) { return; }
  var res = 0u;
  for (var q = 0u; q < 4u; q++) {
    let i = w * 4u + q;
    if (i < p.n) {
      let v = load_src(i);
      var label = 0u;
      for (var k = 0u; k < p.nt; k++) { if (v >= thr[k]) { label++; } }
      res |= label << (q * 8u);
    }
  }
  dst[w] = res;
}`;
}
