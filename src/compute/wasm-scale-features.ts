/**
 * voxelScaleFeatures (scale-features.ts) over the inner voxels of a plane, two voxels at a time in
 * WebAssembly SIMD (f64x2): the same float64 operations in the same order, so the same bits — the
 * scalar code stays the reference and computes the plane's border (its clamped neighbours), and
 * test/segment/trainable-features-simd.test.ts checks the identity. For a grid step h = 1 (the
 * fine scales, where the 1/h factors are exact no-ops and left out). The eigenvalues take the
 * polynomial cosThirdArccos, which is what makes them vectorisable (no acos/cos).
 *
 * The module is specialised to a plane of ny × nx (neighbour offsets are immediates) and works in
 * a memory it shares with its caller (the compiled forest's: features are written where the
 * forest reads them). The caller copies the three grid planes z − 1, z, z + 1 (clamped) into a
 * scratch region of 3 × ny·nx floats. O(ny·nx) per plane, ~100 operations per voxel pair.
 */
import { Bytes, I32, instantiate, op, simd, V128, VOID, wasmModule, type WasmFunction, type WasmMemory } from './wasm-binary.js';
import { voxelScaleFeatures, type FeatureGrid } from './scale-features.js';

/** Coefficients of cosThirdArccos (scale-features.ts), c0 … c10. */
const COS_THIRD = [0.7660444431250442, 0.24740906678683414, -0.015509188906099362, 0.0024663428623149745, -0.00050411888479964,
  0.00011648428483429881, -2.8945832530126128e-5, 7.401690756711217e-6, -1.984557799145723e-6, 7.041948766929666e-7, -2.0491559208749065e-7];

export interface PlaneScaleFeatures {
  /** Bytes of scratch the caller reserves in the memory (three planes). */
  readonly scratchBytes: number;
  /**
   * The six features of plane z (global) of grid g into `out` (a view on the shared memory),
   * feature k at out[at + k·stride + y·nx + x].
   */
  run(g: FeatureGrid, z: number, out: Float32Array, at: number, stride: number, ev: Float64Array): void;
}

/** Bytes of scratch a plane of ny × nx needs. */
export const planeScratchBytes = (ny: number, nx: number): number => 3 * ny * nx * 4;

/**
 * The kernel for planes of ny × nx in `memory`, its scratch at `scratchOffset`; null where the
 * engine lacks SIMD (the caller keeps the scalar loop).
 */
export function planeScaleFeatures(memory: WasmMemory, scratchOffset: number, ny: number, nx: number): PlaneScaleFeatures | null {
  if (ny < 3 || nx < 4) return null;
  let kernel: (base: number, out: number, stride: number) => void;
  try {
    const { functions } = instantiate(wasmModule([kernelFunction(ny, nx)], 1, { plane: 0 }, true), memory);
    kernel = (base, out, stride) => void functions.plane(base, out, stride);
  } catch {
    return null;
  }
  const plane = ny * nx;
  const scratch = new Float32Array(memory.buffer, scratchOffset, 3 * plane);
  return {
    scratchBytes: planeScratchBytes(ny, nx),
    run(g, z, out, at, stride, ev) {
      const lz = z - g.z0;
      const zm = lz > 0 ? lz - 1 : lz, zp = lz < g.depth - 1 ? lz + 1 : lz;
      scratch.set(g.data.subarray(zm * plane, (zm + 1) * plane), 0);
      scratch.set(g.data.subarray(lz * plane, (lz + 1) * plane), plane);
      scratch.set(g.data.subarray(zp * plane, (zp + 1) * plane), 2 * plane);
      if (out.buffer !== memory.buffer) throw new Error('plane features: the output is not in the kernel\'s memory');
      kernel(scratchOffset, out.byteOffset + at * 4, stride * 4);
      // the border (clamped neighbours) and the odd column left over by the pairs: the scalar code
      const last = 1 + 2 * Math.floor((nx - 2) / 2);
      for (let y = 0; y < ny; y++) {
        if (y === 0 || y === ny - 1) {
          for (let x = 0; x < nx; x++) voxelScaleFeatures(g, z, y, x, 1, out, at + y * nx + x, stride, ev);
          continue;
        }
        voxelScaleFeatures(g, z, y, 0, 1, out, at + y * nx, stride, ev);
        for (let x = last; x < nx; x++) voxelScaleFeatures(g, z, y, x, 1, out, at + y * nx + x, stride, ev);
      }
    },
  };
}

/**
 * plane(base, out, stride): base = byte offset of the scratch (planes z − 1, z, z + 1), out = byte
 * offset of feature 0 at voxel (0, 0), stride = bytes between features. Rows 1 … ny − 2, columns
 * 1 … in pairs.
 */
function kernelFunction(ny: number, nx: number): WasmFunction {
  const R = nx * 4, P = ny * nx * 4;
  const pairs = Math.floor((nx - 2) / 2);
  // params: base 0, out 1, stride 2; i32 locals: y 3, k 4, b 5 (corner (z−1, y−1, x−1) of the pair), o 6 (its output)
  const BASE = 0, OUT = 1, STRIDE = 2, Y = 3, K = 4, B = 5, O = 6;
  // v128 locals from 7
  let nextLocal = 7;
  const v = () => nextLocal++;
  const c = new Bytes();
  const get = (l: number) => c.byte(op.localGet).u32(l);
  const set = (l: number) => c.byte(op.localSet).u32(l);
  const S = (o: number) => c.simd(o);
  /** The two grid values at byte offset `off` from the pair's corner, as float64. */
  const load = (off: number) => { get(B); c.simd(simd.load64Zero).mem(2, off); S(simd.promoteLow); };
  const k = (x: number) => c.f64x2(x);
  const bin = (o: number) => S(o);
  const add = () => bin(simd.f64x2Add), sub = () => bin(simd.f64x2Sub), mul = () => bin(simd.f64x2Mul), div = () => bin(simd.f64x2Div);
  /** Store local l's two values (as float32) as feature f of the pair. */
  const store = (l: number, f: number) => {
    get(O);
    if (f > 0) { get(STRIDE); c.byte(op.i32Const).s32(f).byte(op.i32Mul).byte(op.i32Add); }
    get(l); S(simd.demoteZero); c.simd(simd.store64Lane).mem(2, 0).byte(0);
  };

  // y = 1; loop rows
  c.byte(op.i32Const).s32(1); set(Y);
  c.byte(op.block).byte(VOID).byte(op.loop).byte(VOID);
  get(Y); c.byte(op.i32Const).s32(ny - 1).byte(op.i32GeU).byte(op.brIf).u32(1);
  // b = base + (y − 1)·R (corner of x − 1 = 0), o = out + (y·nx + 1)·4
  get(BASE); get(Y); c.byte(op.i32Const).s32(1).byte(op.i32Sub).byte(op.i32Const).s32(R).byte(op.i32Mul).byte(op.i32Add); set(B);
  get(OUT); get(Y); c.byte(op.i32Const).s32(R).byte(op.i32Mul).byte(op.i32Add).byte(op.i32Const).s32(4).byte(op.i32Add); set(O);
  c.byte(op.i32Const).s32(0); set(K);
  c.byte(op.block).byte(VOID).byte(op.loop).byte(VOID);
  get(K); c.byte(op.i32Const).s32(pairs).byte(op.i32GeU).byte(op.brIf).u32(1);
  {
    const C = v(), XP = v(), XM = v(), YP = v(), YM = v(), ZP = v(), ZM = v();
    load(P + R + 4); set(C);
    load(P + R + 8); set(XP);
    load(P + R); set(XM);
    load(P + 2 * R + 4); set(YP);
    load(P + 4); set(YM);
    load(2 * P + R + 4); set(ZP);
    load(R + 4); set(ZM);
    store(C, 0);
    // gradient magnitude: sqrt(gx² + gy² + gz²), g = 0.5 (p − m)
    const GX = v(), GY = v(), GZ = v();
    for (const [g, p, m] of [[GX, XP, XM], [GY, YP, YM], [GZ, ZP, ZM]]) { k(0.5); get(p); get(m); sub(); mul(); set(g); }
    get(GX); get(GX); mul(); get(GY); get(GY); mul(); add(); get(GZ); get(GZ); mul(); add(); S(simd.f64x2Sqrt);
    const T = v();
    set(T); store(T, 1);
    // second derivatives: (p − 2c) + m
    const HXX = v(), HYY = v(), HZZ = v();
    for (const [h, p, m] of [[HXX, XP, XM], [HYY, YP, YM], [HZZ, ZP, ZM]]) { get(p); k(2); get(C); mul(); sub(); get(m); add(); set(h); }
    get(HXX); get(HYY); add(); get(HZZ); add(); set(T); store(T, 2);
    // mixed: 0.25 (((pp − pm) − mp) + mm)
    const HXY = v(), HXZ = v(), HYZ = v();
    const mixed = (h: number, pp: number, pm: number, mp: number, mm: number) => { k(0.25); load(pp); load(pm); sub(); load(mp); sub(); load(mm); add(); mul(); set(h); };
    mixed(HXY, P + 2 * R + 8, P + 2 * R, P + 8, P);
    mixed(HXZ, 2 * P + R + 8, 2 * P + R, R + 8, R);
    mixed(HYZ, 2 * P + 2 * R + 4, 2 * P + 4, 2 * R + 4, 4);
    eigenvalues(HXX, HYY, HZZ, HXY, HXZ, HYZ);
  }
  // next pair
  get(B); c.byte(op.i32Const).s32(8).byte(op.i32Add); set(B);
  get(O); c.byte(op.i32Const).s32(8).byte(op.i32Add); set(O);
  get(K); c.byte(op.i32Const).s32(1).byte(op.i32Add); set(K);
  c.byte(op.br).u32(0).byte(op.end).byte(op.end);
  get(Y); c.byte(op.i32Const).s32(1).byte(op.i32Add); set(Y);
  c.byte(op.br).u32(0).byte(op.end).byte(op.end);
  return { params: [I32, I32, I32], results: [], locals: [[4, I32], [nextLocal - 7, V128]], body: c };

  /** symmetricEigenvalues (scale-features.ts) of [[a, d, e], [d, b, f], [e, f, c]], stored as features 3, 4, 5. */
  function eigenvalues(a: number, b: number, cc: number, d: number, e: number, f: number): void {
    const P1 = v(), Q = v(), AQ = v(), BQ = v(), CQ = v(), PP = v(), DET = v(), R0 = v(), E1 = v(), E3 = v(), E2 = v();
    get(d); get(d); mul(); get(e); get(e); mul(); add(); get(f); get(f); mul(); add(); set(P1);
    get(a); get(b); add(); get(cc); add(); k(3); div(); set(Q);
    get(a); get(Q); sub(); set(AQ);
    get(b); get(Q); sub(); set(BQ);
    get(cc); get(Q); sub(); set(CQ);
    // p = sqrt((((aq² + bq²) + cq²) + 2 p1) / 6)
    get(AQ); get(AQ); mul(); get(BQ); get(BQ); mul(); add(); get(CQ); get(CQ); mul(); add(); k(2); get(P1); mul(); add(); k(6); div(); S(simd.f64x2Sqrt); set(PP);
    // det = (aq (bq cq − f²) − d (d cq − f e)) + e (d f − bq e)
    get(AQ); get(BQ); get(CQ); mul(); get(f); get(f); mul(); sub(); mul();
    get(d); get(d); get(CQ); mul(); get(f); get(e); mul(); sub(); mul(); sub();
    get(e); get(d); get(f); mul(); get(BQ); get(e); mul(); sub(); mul(); add(); set(DET);
    // r = clamp(det / (((2 p) p) p), −1, 1) as (half < −1 ? −1 : half > 1 ? 1 : half): pmax, then pmin
    get(DET); k(2); get(PP); mul(); get(PP); mul(); get(PP); mul(); div(); k(-1); S(simd.f64x2Pmax); k(1); S(simd.f64x2Pmin); set(R0);
    // e1 = q + (2p) cos3(r); e3 = q − (2p) cos3(−r); e2 = ((3q) − e1) − e3
    get(Q); k(2); get(PP); mul(); cosThird(R0, false); mul(); add(); set(E1);
    get(Q); k(2); get(PP); mul(); cosThird(R0, true); mul(); sub(); set(E3);
    k(3); get(Q); mul(); get(E1); sub(); get(E3); sub(); set(E2);
    // a diagonal matrix (p1 < 1e-30): a, b, c sorted by three compare-and-swaps, as the scalar code
    const X1 = v(), Y1 = v(), Y2 = v(), Z2 = v(), X3 = v(), Y3 = v(), M = v();
    get(a); get(b); S(simd.f64x2Pmax); set(X1);
    get(b); get(a); S(simd.f64x2Pmin); set(Y1);
    get(Y1); get(cc); S(simd.f64x2Pmax); set(Y2);
    get(cc); get(Y1); S(simd.f64x2Pmin); set(Z2);
    get(X1); get(Y2); S(simd.f64x2Pmax); set(X3);
    get(Y2); get(X1); S(simd.f64x2Pmin); set(Y3);
    get(P1); k(1e-30); S(simd.f64x2Lt); set(M);
    for (const [diag, gen, feature] of [[X3, E1, 3], [Y3, E2, 4], [Z2, E3, 5]]) {
      get(diag); get(gen); get(M); S(simd.bitselect); set(gen);
      store(gen, feature);
    }
  }

  /** Push cosThirdArccos(±r): t = sqrt(2 (1 + ±r)) − 1, then Horner from c10 down. */
  function cosThird(r: number, negate: boolean): void {
    const t = v(), acc = v();
    k(2); k(1); get(r);
    if (negate) S(simd.f64x2Neg);
    add(); mul(); S(simd.f64x2Sqrt); k(1); sub(); set(t);
    k(COS_THIRD[10]); set(acc);
    for (let j = 9; j >= 0; j--) { k(COS_THIRD[j]); get(t); get(acc); mul(); add(); set(acc); }
    get(acc);
  }
}
