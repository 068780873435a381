/**
 * One axis of a separable filter over a z-slab, f32 out. The source region covers global slices
 * [srcZ0, srcZ0 + srcNz), the destination [dstZ0, dstZ0 + dstNz) (inside the source region
 * extended by edge replication: z is clamped to the volume, then made local).
 *
 * gaussian: acc += w[k] · src[clamp(pos + k)] for k = −r..r, in the reference's order.
 * box statistics (local mean/variance): 'first' reads the grey input and sums (v − shift) and
 * (v − shift)²; 'sum' adds both channels; 'final' adds both channels and writes mean / variance.
 */
import { ENTRY, INDEX, loadFn, type GpuDType } from './common.wgsl.js';

const PARAMS = `struct P { nx: u32, ny: u32, nz: u32, srcZ0: u32, dstZ0: u32, n: u32, axis: u32, r: u32, shift: f32, count: f32, pad0: u32, pad1: u32 }`;

const POS = `
  let i = linear_index(wid, nwg, lid);
  if (i >= p.n) { return; }
  let x = i32(i % p.nx);
  let y = i32((i / p.nx) % p.ny);
  let gz = i32(i / (p.nx * p.ny) + p.dstZ0);
  let r = i32(p.r);`;

/** Source index of tap k along p.axis (0 = x, 1 = y, 2 = z). */
const TAP = `
fn tap(x: i32, y: i32, gz: i32, k: i32) -> u32 {
  var xx = x; var yy = y; var zz = gz;
  if (p.axis == 0u) { xx = clamp(x + k, 0i, i32(p.nx) - 1); }
  else if (p.axis == 1u) { yy = clamp(y + k, 0i, i32(p.ny) - 1); }
  else { zz = clamp(gz + k, 0i, i32(p.nz) - 1); }
  return (u32(zz - i32(p.srcZ0)) * p.ny + u32(yy)) * p.nx + u32(xx);
}`;

/** Gaussian pass; `srcDtype` 'float32' for passes after the first (reads f32 bits). */
export function gaussianPassWGSL(srcDtype: GpuDType): string {
  return `
${PARAMS}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<storage, read> wts: array<f32>;
${loadFn('src', srcDtype)}
${INDEX}
${TAP}
${ENTRY} {
  ${POS}
  var acc = 0.0f;
  for (var k = -r; k <= r; k++) { acc = acc + wts[u32(k + r)] * load_src(tap(x, y, gz, k)); }
  dst[i] = acc;
}`;
}

export function boxPassWGSL(mode: 'first' | 'sum' | 'final', srcDtype: GpuDType): string {
  const srcDecl = mode === 'first'
    ? `@group(0) @binding(1) var<storage, read> src: array<u32>;\n${loadFn('src', srcDtype)}`
    : `@group(0) @binding(1) var<storage, read> srcS: array<f32>;\n@group(0) @binding(4) var<storage, read> srcQ: array<f32>;`;
  const body = mode === 'first'
    ? `let v = load_src(j) - p.shift; s += v; q += v * v;`
    : `s += srcS[j]; q += srcQ[j];`;
  const write = mode === 'final'
    ? `let m = s / p.count; dstS[i] = p.shift + m; dstQ[i] = max(0.0, q / p.count - m * m);`
    : `dstS[i] = s; dstQ[i] = q;`;
  return `
${PARAMS}
@group(0) @binding(0) var<uniform> p: P;
${srcDecl}
@group(0) @binding(2) var<storage, read_write> dstS: array<f32>;
@group(0) @binding(3) var<storage, read_write> dstQ: array<f32>;
${INDEX}
${TAP}
${ENTRY} {
  ${POS}
  var s = 0.0f; var q = 0.0f;
  for (var k = -r; k <= r; k++) { let j = tap(x, y, gz, k); ${body} }
  ${write}
}`;
}
