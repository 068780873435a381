/**
 * gaussian3 (scale-features.ts) in WebAssembly SIMD: each pass is rows of
 *   out[x] = w0·c[x] + Σ_k w_k·(a_k[x] + b_k[x])
 * (a_k, b_k the input rows k before and after, clamped at the faces; along x, an edge-padded copy
 * of the row), two elements at a time in float64 lanes (f64x2), in the scalar code's order of
 * operations, float32 between passes: the same bits as the scalar code, which stays the reference
 * (test/segment/trainable-features-simd.test.ts). O(voxels × (r + 1)) per axis.
 *
 * Memory: the x and y passes' outputs (2 × depth × ny × nx floats) in a memory of its own per call,
 * copied back into `dst` at the end; the module is compiled once per thread.
 */
import { Bytes, F64, I32, instantiate, newMemory, op, simd, V128, VOID, wasmModule, type WasmFunction } from './wasm-binary.js';
import { gaussianWeights } from './reference.js';

const PAGE = 65536;
let module: Uint8Array | null = null;

/**
 * The Gaussian of `src` into `dst`, as gaussian3 (same arguments, same result bits); false where
 * the engine lacks WebAssembly SIMD (the caller runs the scalar code).
 */
export function gaussian3Simd(src: Float32Array, dst: Float32Array, depth: number, ny: number, nx: number, sigma: number, c0: number, c1: number): boolean {
  const w = gaussianWeights(sigma);
  const r = (w.length - 1) / 2;
  const plane = ny * nx;
  const n = depth * plane;
  // layout: weights (f64, r + 1) | table (i32 pairs, r) | line (nx + 2r floats) | tmp (n) | out (n)
  const wOff = 0, tOff = 8 * (r + 1), lOff = tOff + 8 * r, tmpOff = Math.ceil((lOff + 4 * (nx + 2 * r) + 8) / 16) * 16, outOff = tmpOff + 4 * n;
  const bytes = outOff + 4 * n + 16;
  if (bytes >= 2 ** 31) return false;
  let combine: (dst: number, c: number, table: number, r: number, weights: number, len: number) => void;
  let buffer: ArrayBuffer;
  try {
    module ??= wasmModule([combineFunction()], 1, { combine: 0 }, true);
    const memory = newMemory(Math.ceil(bytes / PAGE));
    const { functions } = instantiate(module, memory);
    combine = (a, b, c, d, e, f) => void functions.combine(a, b, c, d, e, f);
    buffer = memory.buffer;
  } catch {
    return false;
  }
  const weights = new Float64Array(buffer, wOff, r + 1);
  for (let k = 0; k <= r; k++) weights[k] = w[r + k];
  const table = new Int32Array(buffer, tOff, 2 * r);
  const line = new Float32Array(buffer, lOff, nx + 2 * r);
  const tmp = new Float32Array(buffer, tmpOff, n);
  const out = new Float32Array(buffer, outOff, n);
  // x pass src → tmp: rows of an edge-padded line
  for (let k = 1; k <= r; k++) { table[2 * k - 2] = lOff + 4 * (r - k); table[2 * k - 1] = lOff + 4 * (r + k); }
  for (let row = 0; row < depth * ny; row++) {
    const o = row * nx;
    line.fill(src[o], 0, r);
    line.set(src.subarray(o, o + nx), r);
    line.fill(src[o + nx - 1], r + nx, 2 * r + nx);
    combine(tmpOff + 4 * o, lOff + 4 * r, tOff, r, wOff, nx);
  }
  // y pass tmp → out, every plane (the z pass reads the halo)
  for (let z = 0; z < depth; z++) {
    const p = z * plane;
    for (let y = 0; y < ny; y++) {
      for (let k = 1; k <= r; k++) {
        table[2 * k - 2] = tmpOff + 4 * (p + (y - k < 0 ? 0 : y - k) * nx);
        table[2 * k - 1] = tmpOff + 4 * (p + (y + k >= ny ? ny - 1 : y + k) * nx);
      }
      combine(outOff + 4 * (p + y * nx), tmpOff + 4 * (p + y * nx), tOff, r, wOff, nx);
    }
  }
  // z pass out → tmp for the planes asked for; dst = out with those planes replaced
  for (let z = c0; z < c1; z++) {
    for (let k = 1; k <= r; k++) {
      table[2 * k - 2] = outOff + 4 * (z - k < 0 ? 0 : z - k) * plane;
      table[2 * k - 1] = outOff + 4 * (z + k >= depth ? depth - 1 : z + k) * plane;
    }
    combine(tmpOff + 4 * z * plane, outOff + 4 * z * plane, tOff, r, wOff, plane);
  }
  dst.set(out.subarray(0, c0 * plane), 0);
  dst.set(tmp.subarray(c0 * plane, c1 * plane), c0 * plane);
  dst.set(out.subarray(c1 * plane, n), c1 * plane);
  return true;
}

/**
 * combine(dst, c, table, r, weights, len): dst[x] = f32(w0·c[x] + Σ_{k=1..r} w_k·(a_k[x] + b_k[x]))
 * for x < len, in float64; table holds the byte offsets (a_k, b_k), weights w0 … w_r (float64).
 */
function combineFunction(): WasmFunction {
  const DST = 0, C = 1, TABLE = 2, R = 3, W = 4, LEN = 5;
  const X = 6, K = 7, T = 8, A = 9; // i32 locals: x (bytes), k, table cursor, weight cursor
  const ACC = 10, S = 11; // v128 accumulator, float64 accumulator of the odd element
  const c = new Bytes();
  const get = (l: number) => c.byte(op.localGet).u32(l);
  const set = (l: number) => c.byte(op.localSet).u32(l);
  const i32 = (v: number) => c.byte(op.i32Const).s32(v);
  const pairs = () => { get(LEN); i32(1); c.byte(op.i32ShrU); i32(3); c.byte(op.i32Shl); }; // bytes covered by pairs
  /** The pair at byte x of the row whose offset is on the stack, as float64. */
  const loadPair = () => { get(X); c.byte(op.i32Add).simd(simd.load64Zero).mem(2, 0).simd(simd.promoteLow); };
  /**
   * acc = w0·c[x] + Σ_k w_k·(a_k[x] + b_k[x]) into local `acc`, with the lane width's weight load,
   * element load (address on the stack), add and multiply: the same order for pairs and the odd element.
   */
  const taps = (acc: number, o: { weight: () => void; load: () => void; add: () => void; mul: () => void }) => {
    get(W); o.weight(); get(C); o.load(); o.mul(); set(acc);
    get(TABLE); set(T); get(W); set(A); i32(1); set(K);
    c.byte(op.block).byte(VOID).byte(op.loop).byte(VOID);
    get(K); get(R); c.byte(op.i32GtU).byte(op.brIf).u32(1);
    get(A); i32(8); c.byte(op.i32Add); set(A);
    get(acc);
    get(A); o.weight();
    get(T); c.byte(op.i32Load).mem(2, 0); o.load();
    get(T); c.byte(op.i32Load).mem(2, 4); o.load();
    o.add(); o.mul(); o.add(); set(acc);
    get(T); i32(8); c.byte(op.i32Add); set(T);
    get(K); i32(1); c.byte(op.i32Add); set(K);
    c.byte(op.br).u32(0).byte(op.end).byte(op.end);
  };
  // pairs
  i32(0); set(X);
  c.byte(op.block).byte(VOID).byte(op.loop).byte(VOID);
  get(X); pairs(); c.byte(op.i32GeU).byte(op.brIf).u32(1);
  const pairOps = { weight: () => c.simd(simd.load64Splat).mem(3, 0), load: loadPair, add: () => c.simd(simd.f64x2Add), mul: () => c.simd(simd.f64x2Mul) };
  taps(ACC, pairOps);
  get(DST); get(X); c.byte(op.i32Add); get(ACC); c.simd(simd.demoteZero).simd(simd.store64Lane).mem(2, 0).byte(0);
  get(X); i32(8); c.byte(op.i32Add); set(X);
  c.byte(op.br).u32(0).byte(op.end).byte(op.end);
  // an odd length's last element, in scalar float64
  get(LEN); i32(1); c.byte(op.i32And);
  c.byte(op.if).byte(VOID);
  {
    const loadOne = () => { get(X); c.byte(op.i32Add).byte(op.f32Load).mem(2, 0).byte(op.f64PromoteF32); };
    taps(S, { weight: () => c.byte(op.f64Load).mem(3, 0), load: loadOne, add: () => c.byte(op.f64Add), mul: () => c.byte(op.f64Mul) });
    get(DST); get(X); c.byte(op.i32Add); get(S); c.byte(op.f32DemoteF64).byte(op.f32Store).mem(2, 0);
  }
  c.byte(op.end);
  return { params: [I32, I32, I32, I32, I32, I32], results: [], locals: [[4, I32], [1, V128], [1, F64]], body: c };
}
