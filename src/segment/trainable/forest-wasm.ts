/**
 * The forest compiled to WebAssembly: every tree becomes nested `if`s on constant feature offsets
 * and thresholds, every leaf adds its constant distribution (the "native tree" code generation of
 * treelite, Cho & Li 2018, and of the early compiled-ensemble work of Asadi et al. 2014). The walk
 * of forest.ts loads feature index, threshold and child of every node before it can load the
 * feature; compiled, the only loads left are the features themselves, and the branch predictor
 * runs ahead.
 *
 * Same bits as predictPacked (forest.ts), which stays the reference: the same float32 comparisons
 * (x < t, NaN goes right), the leaves added tree by tree in float32 in the same order, the sum
 * divided by the tree count in float32 (an f32 add or divide equals JS's double one rounded to
 * float32). test/segment/trainable-forest-wasm.test.ts checks the identity.
 *
 * Specialised to one plane size n (feature offsets f × n × 4 are immediates). Memory: F × n × 4
 * bytes of features, n × K × 4 of probabilities and n of skip flags, in the module's own memory,
 * which the caller writes through the views below. Code: ~20 bytes per node, compiled once per
 * worker in a few ms per 10⁴ nodes.
 */
import { Bytes, I32, instantiate, MEMORY_FILL, op, VOID, wasmModule, type WasmFunction, type WasmMemory } from '../../compute/wasm-binary.js';
import type { PackedForest } from './forest.js';

/** Samples per block: all trees walk a block while its features are in cache (as forest.ts). */
const BLOCK = 1024;
const PAGE = 65536;

export interface CompiledForest {
  /** Feature-major features of n samples (x[f × n + i]), written by the caller. */
  features: Float32Array;
  /** Samples to leave out (≠ 0): their probabilities stay 0. */
  skip: Uint8Array;
  /** Class probabilities, out[i × K + k]. */
  probabilities: Float32Array;
  /** Walk samples [i0, i1) (probabilities of that range are overwritten). */
  predict(i0: number, i1: number): void;
  /** The module's memory (the views above lie in it) and a free region of `scratchBytes` in it. */
  memory: WasmMemory;
  scratchOffset: number;
}

/**
 * Compile `forest` for feature-major inputs of `n` samples × `F` features. Null when the memory it
 * needs exceeds 4 GiB (wasm32): the caller walks with predictPacked then.
 */
export function compileForest(forest: PackedForest, F: number, n: number, scratchBytes = 0): CompiledForest | null {
  const K = forest.classes;
  const T = forest.roots.length;
  const probOff = F * n * 4;
  const skipOff = probOff + n * K * 4;
  const scratchOffset = Math.ceil((skipOff + n) / 16) * 16;
  const bytes = scratchOffset + scratchBytes;
  if (bytes >= 2 ** 32 - PAGE) return null;
  const functions: WasmFunction[] = [];
  for (let t = 0; t < T; t++) functions.push(treeFunction(forest, t, n, probOff, skipOff));
  functions.push(mainFunction(T, K, probOff));
  const { memory, functions: exported } = instantiate(wasmModule(functions, Math.ceil(bytes / PAGE), { predict: T }));
  const predict = exported.predict;
  return {
    features: new Float32Array(memory.buffer, 0, F * n),
    probabilities: new Float32Array(memory.buffer, probOff, n * K),
    skip: new Uint8Array(memory.buffer, skipOff, n),
    predict: (i0, i1) => void predict(i0, i1),
    memory, scratchOffset,
  };
}

// locals of a tree function: params b0 (0), b1 (1); i (2), a = 4i (3), p = 4Ki (4)
const B0 = 0, B1 = 1, I = 2, A = 3, P = 4;

/** Tree t over samples [b0, b1): for each sample not skipped, add its leaf's distribution. */
function treeFunction(forest: PackedForest, t: number, n: number, probOff: number, skipOff: number): WasmFunction {
  const K = forest.classes;
  const c = new Bytes();
  c.byte(op.localGet).u32(B0).byte(op.localSet).u32(I);
  c.byte(op.block).byte(VOID).byte(op.loop).byte(VOID);
  c.byte(op.localGet).u32(I).byte(op.localGet).u32(B1).byte(op.i32GeU).byte(op.brIf).u32(1);
  c.byte(op.localGet).u32(I).byte(op.i32Load8U).mem(0, skipOff).byte(op.i32Eqz);
  c.byte(op.if).byte(VOID);
  c.byte(op.localGet).u32(I).byte(op.i32Const).s32(2).byte(op.i32Shl).byte(op.localSet).u32(A);
  c.byte(op.localGet).u32(I).byte(op.i32Const).s32(K * 4).byte(op.i32Mul).byte(op.localSet).u32(P);
  emitNode(c, forest, forest.roots[t], n, probOff);
  c.byte(op.end);
  c.byte(op.localGet).u32(I).byte(op.i32Const).s32(1).byte(op.i32Add).byte(op.localSet).u32(I);
  c.byte(op.br).u32(0);
  c.byte(op.end).byte(op.end);
  return { params: [I32, I32], results: [], locals: [[3, I32]], body: c };
}

/** A node: a split on a constant offset and threshold, or a leaf adding its constants. */
function emitNode(c: Bytes, forest: PackedForest, root: number, n: number, probOff: number): void {
  const K = forest.classes;
  // an explicit stack (no recursion limit on deep trees): a number is a node to emit, a string an opcode
  const todo: Array<number | 'else' | 'end'> = [root];
  while (todo.length) {
    const item = todo.pop()!;
    if (item === 'else') { c.byte(op.else); continue; }
    if (item === 'end') { c.byte(op.end); continue; }
    const node = item;
    const f = forest.feature[node];
    if (f < 0) {
      for (let k = 0; k < K; k++) {
        const v = forest.value[node * K + k];
        // adding 0 leaves a float32 sum unchanged: only the classes the leaf holds
        if (v === 0) continue;
        const off = probOff + k * 4;
        c.byte(op.localGet).u32(P).byte(op.localGet).u32(P).byte(op.f32Load).mem(2, off);
        c.byte(op.f32Const).f32(v).byte(op.f32Add).byte(op.f32Store).mem(2, off);
      }
      continue;
    }
    c.byte(op.localGet).u32(A).byte(op.f32Load).mem(2, f * n * 4);
    c.byte(op.f32Const).f32(forest.threshold[node]).byte(op.f32Lt).byte(op.if).byte(VOID);
    todo.push('end', forest.right[node], 'else', forest.left[node]);
  }
}

/** predict(i0, i1): blocks of samples; zero, every tree in turn, divide by T. */
function mainFunction(T: number, K: number, probOff: number): WasmFunction {
  // params i0 (0), i1 (1); b0 (2), b1 (3), a (4)
  const i0 = 0, i1 = 1, b0 = 2, b1 = 3, a = 4;
  const c = new Bytes();
  c.byte(op.localGet).u32(i0).byte(op.localSet).u32(b0);
  c.byte(op.block).byte(VOID).byte(op.loop).byte(VOID);
  c.byte(op.localGet).u32(b0).byte(op.localGet).u32(i1).byte(op.i32GeU).byte(op.brIf).u32(1);
  // b1 = min(b0 + BLOCK, i1)
  c.byte(op.localGet).u32(b0).byte(op.i32Const).s32(BLOCK).byte(op.i32Add).byte(op.localTee).u32(b1);
  c.byte(op.localGet).u32(i1).byte(op.localGet).u32(b1).byte(op.localGet).u32(i1).byte(op.i32LtU).byte(op.select).byte(op.localSet).u32(b1);
  // zero the block's probabilities
  c.byte(op.localGet).u32(b0).byte(op.i32Const).s32(K * 4).byte(op.i32Mul).byte(op.i32Const).s32(probOff).byte(op.i32Add);
  c.byte(op.i32Const).s32(0);
  c.byte(op.localGet).u32(b1).byte(op.localGet).u32(b0).byte(op.i32Sub).byte(op.i32Const).s32(K * 4).byte(op.i32Mul);
  c.bytes(MEMORY_FILL);
  for (let t = 0; t < T; t++) c.byte(op.localGet).u32(b0).byte(op.localGet).u32(b1).byte(op.call).u32(t);
  // divide the block's sums by T
  c.byte(op.localGet).u32(b0).byte(op.i32Const).s32(K * 4).byte(op.i32Mul).byte(op.localSet).u32(a);
  c.byte(op.block).byte(VOID).byte(op.loop).byte(VOID);
  c.byte(op.localGet).u32(a).byte(op.localGet).u32(b1).byte(op.i32Const).s32(K * 4).byte(op.i32Mul).byte(op.i32GeU).byte(op.brIf).u32(1);
  c.byte(op.localGet).u32(a).byte(op.localGet).u32(a).byte(op.f32Load).mem(2, probOff);
  c.byte(op.f32Const).f32(T).byte(op.f32Div).byte(op.f32Store).mem(2, probOff);
  c.byte(op.localGet).u32(a).byte(op.i32Const).s32(4).byte(op.i32Add).byte(op.localSet).u32(a);
  c.byte(op.br).u32(0);
  c.byte(op.end).byte(op.end);
  c.byte(op.localGet).u32(b1).byte(op.localSet).u32(b0);
  c.byte(op.br).u32(0);
  c.byte(op.end).byte(op.end);
  return { params: [I32, I32], results: [], locals: [[3, I32]], body: c };
}
