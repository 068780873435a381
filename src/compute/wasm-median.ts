/**
 * median3Slab (cpu/kernels.ts) for uint8 / uint16 in WebAssembly SIMD: 16 or 8 voxels per
 * instruction with i8x16 / i16x8 unsigned min/max. Per output row:
 *  1. every (z, y) 9-column at each padded x is sorted with the scalar code's 25-comparator network
 *     (vectors over consecutive x), stored rank-major: rank r of all columns in one row;
 *  2. for each output x the columns at x−1, x, x+1 form a 9×3 matrix; sorting each rank across the
 *     three columns keeps the columns sorted, so the matrix is sorted both ways. Element (i, j) has
 *     at least (i+1)(j+1) − 1 elements below it and (9−i)(3−j) − 1 above, so the median (14th of 27)
 *     is one of the 13 elements with (i+1)(j+1) ≤ 14 and (9−i)(3−j) ≤ 14, and exactly 7 of the 27
 *     lie certainly below them: it is the 7th smallest of the 13 (median13(), a pruned sorting network).
 * The median of integers is one value, so the result is the scalar code's, bit for bit
 * (test/compute/median-simd.test.ts). x, y, z edges replicate as in the scalar code.
 *
 * Memory (per thread, grown when a larger plane comes): three padded source planes (row stride S ≥
 * nx + 2 elements, x = −1 and x ≥ nx replicated), 9 rank rows, one output plane.
 */
import { Bytes, I32, V128, VOID, instantiate, newMemory, op, wasmModule, type WasmFunction, type WasmInstance } from './wasm-binary.js';
import type { GreyArray } from './types.js';

type Shape3 = [number, number, number];
const PAGE = 65536;

/** The scalar code's 25 compare-exchanges of a 9-column (z-major, then y: v = 3·dz + dy). */
export const SORT9: ReadonlyArray<readonly [number, number]> = [
  [0, 1], [3, 4], [6, 7], [1, 2], [4, 5], [7, 8], [0, 1], [3, 4], [6, 7], [0, 3], [3, 6], [0, 3], [1, 4],
  [4, 7], [1, 4], [2, 5], [5, 8], [2, 5], [1, 3], [5, 7], [2, 6], [4, 6], [2, 4], [2, 3], [5, 6],
];

/** The 13 candidates (rank i, column j after sorting ranks) that can hold the median of 27. */
export const CANDIDATES: ReadonlyArray<readonly [number, number]> = (() => {
  const c: Array<[number, number]> = [];
  for (let j = 0; j < 3; j++) for (let i = 0; i < 9; i++) if ((i + 1) * (j + 1) <= 14 && (9 - i) * (3 - j) <= 14) c.push([i, j]);
  return c;
})();

/**
 * A comparator of a selection network: min to `lo`, max to `hi`; `need` says which outputs a
 * later comparator or the result reads (the other is not computed).
 */
export interface Comparator { lo: number; hi: number; needLo: boolean; needHi: boolean }

/**
 * Batcher's odd-even merge sort for `n` inputs (padded to a power of two; comparators touching a
 * pad are no-ops when pads are +∞): [lo, hi] pairs.
 */
export function sortingNetwork(n: number): Array<[number, number]> {
  let p2 = 1;
  while (p2 < n) p2 *= 2;
  const all: Array<[number, number]> = [];
  // Knuth's iterative form of Batcher's merge exchange (TAOCP 5.2.2, Algorithm M)
  for (let p = 1; p < p2; p *= 2) {
    for (let kk = p; kk >= 1; kk = Math.floor(kk / 2)) {
      for (let j = kk % p; j + kk < p2; j += 2 * kk) {
        for (let i = 0; i < kk; i++) {
          const a = i + j, b = i + j + kk;
          if (Math.floor(a / (2 * p)) === Math.floor(b / (2 * p)) && b < n) all.push([a, b]);
        }
      }
    }
  }
  return all;
}

/** sortingNetwork(n) pruned backwards to the comparators that reach output `k`. */
export function selectionNetwork(n: number, k: number): Comparator[] {
  return prune(sortingNetwork(n).map(([lo, hi]) => ({ lo, hi, needLo: true, needHi: true })), k);
}

/**
 * Every 0-1 assignment of the 13 candidates that respects the matrix order ((i, j) ≤ (i', j') where
 * i ≤ i' and j ≤ j'): by the 0-1 principle (thresholds keep the order), a network is right on all
 * such matrices of any values iff it is right on these.
 */
export function orderedZeroOneInputs(): number[][] {
  const out: number[][] = [];
  for (let m = 0; m < 1 << 13; m++) {
    const v = CANDIDATES.map((_, k) => (m >> k) & 1);
    const ok = CANDIDATES.every(([i, j], a) => CANDIDATES.every(([i2, j2], b) => !(i <= i2 && j <= j2) || v[a] <= v[b]));
    if (ok) out.push(v);
  }
  return out;
}

/** Output 6 of `net` on `v` (a copy). */
export function runNetwork(net: ReadonlyArray<Comparator>, v: readonly number[]): number {
  const w = v.slice();
  for (const { lo, hi } of net) if (w[lo] > w[hi]) [w[lo], w[hi]] = [w[hi], w[lo]];
  return w[6];
}

/** Recompute which outputs of each comparator are read, dropping those none reads. */
function prune(net: ReadonlyArray<Comparator>, k: number): Comparator[] {
  const needed = new Set<number>([k]);
  const kept: Comparator[] = [];
  for (let c = net.length - 1; c >= 0; c--) {
    const { lo, hi } = net[c];
    const needLo = needed.has(lo), needHi = needed.has(hi);
    if (!needLo && !needHi) continue;
    kept.push({ lo, hi, needLo, needHi });
    needed.add(lo);
    needed.add(hi);
  }
  return kept.reverse();
}

let median13Net: Comparator[] | null = null;
/**
 * The median-of-13 network: selectionNetwork(13, 6) less every comparator the matrix order makes
 * redundant (greedily: dropped where output 6 stays the 7th smallest on every ordered 0-1 input;
 * the candidates come in three sorted runs, so many are).
 */
export function median13(): Comparator[] {
  // built once per thread, on first use (~50 ms: not at import, where most workers never need it)
  if (median13Net) return median13Net;
  const inputs = orderedZeroOneInputs();
  const right = (net: Comparator[]) => inputs.every((v) => runNetwork(net, v) === (v.filter((b) => b === 0).length >= 7 ? 0 : 1));
  let net = selectionNetwork(13, 6);
  for (let c = net.length - 1; c >= 0; c--) {
    const without = prune(net.filter((_, i) => i !== c), 6);
    // pruning may drop earlier comparators too: start again from the end
    if (right(without)) { net = without; c = net.length; }
  }
  return (median13Net = net);
}

/** The scheme in plain JS on one 3×3×3 neighbourhood (columns of 9): for tests of the argument. */
export function medianBySelection(columns: [number[], number[], number[]]): number {
  const cols = columns.map((c) => {
    const v = c.slice();
    for (const [a, b] of SORT9) if (v[a] > v[b]) [v[a], v[b]] = [v[b], v[a]];
    return v;
  });
  const ranks = Array.from({ length: 9 }, (_, i) => [cols[0][i], cols[1][i], cols[2][i]].sort((a, b) => a - b));
  const v = CANDIDATES.map(([i, j]) => ranks[i][j]);
  return runNetwork(median13(), v);
}

// wasm SIMD opcodes (spec §5.4.8) not in wasm-binary.ts
const V128_LOAD = 0x00, V128_STORE = 0x0b;
const LANES = { 1: { min: 0x77, max: 0x79 }, 2: { min: 0x97, max: 0x99 } } as const;

/**
 * row(a0..a8, cols, rankStride, out, nx): the medians of one output row. a0..a8: byte addresses of
 * the padded source rows (x = −1 at offset 0) in the scalar code's order; cols: 9 rank rows
 * rankStride bytes apart; out: nx results (a vector's overrun past nx is scratch).
 */
function rowFunction(esz: 1 | 2): WasmFunction {
  const A0 = 0, COLS = 9, RS = 10, OUT = 11, NX = 12;
  const P = 13, LIM = 14, Q = 15; // i32 locals
  const V = 16; // v128 locals: 9 column values, then 13 candidates, then 3 scratch
  const CAND = V + 9, T = CAND + 13;
  const { min, max } = LANES[esz];
  const c = new Bytes();
  const get = (l: number) => c.byte(op.localGet).u32(l);
  const set = (l: number) => c.byte(op.localSet).u32(l);
  const i32 = (v: number) => c.byte(op.i32Const).s32(v);
  const vmin = () => c.simd(min), vmax = () => c.simd(max);
  const load = (offset: number) => c.simd(V128_LOAD).mem(0, offset);
  const ce = (a: number, b: number, needA = true, needB = true) => {
    if (needA) { get(a); get(b); vmin(); }
    if (needB) { get(a); get(b); vmax(); set(b); }
    if (needA) set(a);
  };
  const loopStart = () => c.byte(op.block).byte(VOID).byte(op.loop).byte(VOID);
  const loopEnd = () => c.byte(op.br).u32(0).byte(op.end).byte(op.end);

  // 1. sorted columns at padded x = 0 .. nx + 1
  i32(0); set(P);
  get(NX); i32(2); c.byte(op.i32Add); if (esz === 2) { i32(1); c.byte(op.i32Shl); } set(LIM);
  loopStart();
  get(P); get(LIM); c.byte(op.i32GeU).byte(op.brIf).u32(1);
  for (let r = 0; r < 9; r++) { get(A0 + r); get(P); c.byte(op.i32Add); load(0); set(V + r); }
  for (const [a, b] of SORT9) ce(V + a, V + b);
  get(COLS); get(P); c.byte(op.i32Add); set(Q);
  for (let r = 0; r < 9; r++) {
    get(Q); get(V + r); c.simd(V128_STORE).mem(0, 0);
    if (r < 8) { get(Q); get(RS); c.byte(op.i32Add); set(Q); }
  }
  get(P); i32(16); c.byte(op.i32Add); set(P);
  loopEnd();

  // 2. outputs x = 0 .. nx − 1: columns x − 1, x, x + 1 are at padded x, x + 1, x + 2
  i32(0); set(P);
  get(NX); if (esz === 2) { i32(1); c.byte(op.i32Shl); } set(LIM);
  loopStart();
  get(P); get(LIM); c.byte(op.i32GeU).byte(op.brIf).u32(1);
  get(COLS); get(P); c.byte(op.i32Add); set(Q);
  const candidate = (i: number, j: number) => CAND + CANDIDATES.findIndex(([ci, cj]) => ci === i && cj === j);
  for (let r = 0; r < 9; r++) {
    const a = T, b = T + 1, cc = T + 2;
    get(Q); load(0); set(a);
    get(Q); load(esz); set(b);
    get(Q); load(2 * esz); set(cc);
    const wantMin = r >= 5, wantMid = r >= 2 && r <= 6, wantMax = r <= 3;
    if (wantMin) { get(a); get(b); vmin(); get(cc); vmin(); set(candidate(r, 0)); }
    if (wantMax) { get(a); get(b); vmax(); get(cc); vmax(); set(candidate(r, 2)); }
    // mid = max(min(a, b), min(max(a, b), c))
    if (wantMid) { get(a); get(b); vmin(); get(a); get(b); vmax(); get(cc); vmin(); vmax(); set(candidate(r, 1)); }
    if (r < 8) { get(Q); get(RS); c.byte(op.i32Add); set(Q); }
  }
  for (const { lo, hi, needLo, needHi } of median13()) ce(CAND + lo, CAND + hi, needLo, needHi);
  get(OUT); get(P); c.byte(op.i32Add); get(CAND + 6); c.simd(V128_STORE).mem(0, 0);
  get(P); i32(16); c.byte(op.i32Add); set(P);
  loopEnd();
  return { params: Array<number>(13).fill(I32), results: [], locals: [[3, I32], [9 + 13 + 3, V128]], body: c };
}

let module: Uint8Array | null = null;
let unsupported = false;
let state: { inst: WasmInstance; pages: number } | null = null;

/** The instance with at least `bytes` of memory, or null without WebAssembly SIMD. */
function instanceFor(bytes: number): WasmInstance | null {
  if (unsupported) return null;
  const pages = Math.ceil(bytes / PAGE);
  if (state && state.pages >= pages) return state.inst;
  try {
    module ??= wasmModule([rowFunction(1), rowFunction(2)], 1, { row8: 0, row16: 1 }, true);
    state = { inst: instantiate(module, newMemory(pages)), pages };
    return state.inst;
  } catch {
    // a module that does not compile means no SIMD here (for good); a memory refused, only this call
    try { instantiate(module as Uint8Array, newMemory(1)); } catch { unsupported = true; }
    return null;
  }
}

/**
 * median3Slab for uint8 / uint16 (same arguments, same result); false for float32, for a plane too
 * large for a 32-bit memory, or where the engine lacks WebAssembly SIMD (the caller runs the scalar code).
 */
export function median3SlabSimd(
  input: GreyArray, out: GreyArray, shape: Shape3, z0: number, z1: number,
  haloLo: GreyArray | null, haloHi: GreyArray | null,
): boolean {
  if (input instanceof Float32Array || out instanceof Float32Array) return false;
  const esz = input.BYTES_PER_ELEMENT as 1 | 2;
  if (out.BYTES_PER_ELEMENT !== esz) return false;
  const [nz, ny, nx] = shape;
  const plane = nx * ny;
  const W = 16 / esz;
  const S = (Math.ceil((nx + 2) / W) + 1) * W; // padded row: every column vector loads in bounds
  const rankStride = S + 2 * W;
  // layout (bytes): planes 3 × ny × S | ranks 9 × rankStride | out plane + W
  const planeBytes = ny * S * esz, ranksOff = 3 * planeBytes, outOff = ranksOff + 9 * rankStride * esz;
  const total = outOff + (plane + W) * esz + 16;
  if (total >= 2 ** 31) return false;
  const inst = instanceFor(total);
  if (!inst) return false;
  const row = inst.functions[esz === 1 ? 'row8' : 'row16'];
  const buffer = inst.memory.buffer;
  const Arr = esz === 1 ? Uint8Array : Uint16Array;
  const mem = new Arr(buffer) as Uint8Array | Uint16Array;
  const outView = new Arr(buffer, outOff, plane) as Uint8Array | Uint16Array;
  const clamp = (i: number, n: number) => (i < 0 ? 0 : i >= n ? n - 1 : i);
  /** Slice z (clamped; halo copies as in the scalar code) into padded plane slot `slot`. */
  const load = (z: number, slot: number) => {
    const zz = clamp(z, nz);
    const src = zz < z0 && haloLo ? haloLo : zz >= z1 && haloHi ? haloHi : input.subarray(zz * plane, (zz + 1) * plane);
    const base = (slot * planeBytes) / esz;
    for (let y = 0; y < ny; y++) {
      const r = base + y * S, o = y * nx;
      mem[r] = src[o];
      mem.set(src.subarray(o, o + nx), r + 1);
      mem.fill(src[o + nx - 1], r + 1 + nx, r + S);
    }
  };
  const slots = [0, 1, 2]; // prev, cur, next
  load(z0 - 1, slots[0]);
  load(z0, slots[1]);
  const rowAddr = (slot: number, y: number) => slot * planeBytes + clamp(y, ny) * S * esz;
  for (let z = z0; z < z1; z++) {
    load(z + 1, slots[2]);
    const [pa, pb, pc] = slots;
    for (let y = 0; y < ny; y++) {
      row(
        rowAddr(pa, y - 1), rowAddr(pa, y), rowAddr(pa, y + 1),
        rowAddr(pb, y - 1), rowAddr(pb, y), rowAddr(pb, y + 1),
        rowAddr(pc, y - 1), rowAddr(pc, y), rowAddr(pc, y + 1),
        ranksOff, rankStride * esz, outOff + y * nx * esz, nx,
      );
    }
    out.set(outView, z * plane);
    slots.push(slots.shift() as number);
  }
  return true;
}
