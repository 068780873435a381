/**
 * Exact Euclidean distance transform on the GPU: one pass of the 1D Felzenszwalb–Huttenlocher lower
 * envelope of parabolas per axis (x, then y, then z), one invocation per line, in place on a buffer
 * of squared distances (f32, µm²). Mirrors `fhLine` in src/thickness/edt-kernel.ts.
 *
 * Data: `vol` holds the raw f32 bits (array<u32>). +Infinity (bits 0x7f800000) means "no feature
 * known yet"; it is recognised by its bit pattern, so no arithmetic or comparison in the shader ever
 * touches an infinity (WGSL lets implementations assume finite floats). A line without any finite
 * sample is left untouched (it stays +Infinity, as on the cpu).
 *
 * Scratch: WGSL has no private arrays of runtime size, so each invocation keeps its envelope in a
 * storage buffer region indexed by its line within the dispatch (`cap` lines per dispatch,
 * interleaved so that neighbouring invocations touch neighbouring words):
 *   v[k]  (vertex index of parabola k)        at word            k·cap + t
 *   fv[k] (f at that vertex, f32 bits)        at word   (n + k)·cap + t
 *   z[k]  (left boundary of parabola k, k ≥ 1) at word (2n + k)·cap + t
 * i.e. 3·n·cap words. z[0] = −∞ and z[k+1] = +∞ are implicit (loop guards), not stored.
 *
 * Float32 differs from the cpu's float64 line arithmetic: the intersection abscissa is computed as
 * (f_q − f_p) / (2 s² (q − p)) + (q + p)/2, which avoids the cancellation of the textbook form
 * ((f_q + s²q²) − (f_p + s²p²)) / (2 s² (q − p)) when q is large.
 *
 * Line geometry by axis, for a buffer of `nzl` slices of ny × nx:
 *   0 (x): lines nzl·ny, start g·nx,                     stride 1,      length nx
 *   1 (y): lines nzl·nx, start (g / nx)·ny·nx + g % nx,  stride nx,     length ny
 *   2 (z): lines ny·nx,  start g,                        stride ny·nx,  length nzl
 */
import { ENTRY, INDEX } from './common.wgsl.js';

/** Words of scratch per line of length n. */
export const edtScratchWordsPerLine = (n: number) => 3 * n;

export const EDT_WGSL = /* wgsl */ `
struct P {
  n: u32, lines: u32, lineStart: u32, axis: u32,
  nx: u32, ny: u32, nzl: u32, sqrtOut: u32,
  cap: u32, s: f32, twoS2: f32, pad: u32,
}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> vol: array<u32>;
@group(0) @binding(2) var<storage, read_write> scratch: array<u32>;

const INF_BITS = 0x7f800000u;

${INDEX}

${ENTRY} {
  let t = linear_index(wid, nwg, lid);
  if (t >= p.lines) { return; }
  let g = p.lineStart + t;
  var start = 0u;
  var stride = 1u;
  if (p.axis == 0u) {
    start = g * p.nx;
  } else if (p.axis == 1u) {
    start = (g / p.nx) * p.ny * p.nx + g % p.nx;
    stride = p.nx;
  } else {
    start = g;
    stride = p.ny * p.nx;
  }
  let n = p.n;
  let cap = p.cap;
  let vBase = t;
  let fBase = n * cap + t;
  let zBase = 2u * n * cap + t;

  // lower envelope of the parabolas rooted at the finite samples
  var k = 0u;
  var found = false;
  for (var q = 0u; q < n; q++) {
    let bits = vol[start + q * stride];
    if (bits == INF_BITS) { continue; }
    let fq = bitcast<f32>(bits);
    if (!found) {
      found = true;
      k = 0u;
      scratch[vBase] = q;
      scratch[fBase] = bits;
      continue;
    }
    var x = 0.0f;
    loop {
      let vp = scratch[vBase + k * cap];
      let fp = bitcast<f32>(scratch[fBase + k * cap]);
      x = (fq - fp) / (p.twoS2 * f32(q - vp)) + f32(q + vp) * 0.5;
      if (k == 0u) { break; }
      if (x > bitcast<f32>(scratch[zBase + k * cap])) { break; }
      k--;
    }
    k++;
    scratch[vBase + k * cap] = q;
    scratch[fBase + k * cap] = bits;
    scratch[zBase + k * cap] = bitcast<u32>(x);
  }
  if (!found) { return; }

  // evaluate: sample i takes the parabola whose interval holds it
  var j = 0u;
  for (var i = 0u; i < n; i++) {
    let fi = f32(i);
    while (j < k && bitcast<f32>(scratch[zBase + (j + 1u) * cap]) < fi) { j++; }
    let vq = scratch[vBase + j * cap];
    let d = p.s * (fi - f32(vq));
    var r = d * d + bitcast<f32>(scratch[fBase + j * cap]);
    if (p.sqrtOut != 0u) { r = sqrt(r); }
    vol[start + i * stride] = bitcast<u32>(r);
  }
}`;

