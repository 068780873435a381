/**
 * A small WebAssembly binary writer (WebAssembly Core Specification 2.0, §5 "Binary Format"): the
 * opcodes and encodings code generators in this project need, nothing more. Used to compile data
 * (a trained forest) into machine code at run time, where an interpreter loop over typed arrays
 * spends its time on dependent loads.
 */

/** Opcodes used by the generators (spec §5.4). */
export const op = {
  block: 0x02, loop: 0x03, if: 0x04, else: 0x05, end: 0x0b, br: 0x0c, brIf: 0x0d, call: 0x10, select: 0x1b,
  localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Load: 0x28, i32Load8U: 0x2d, f32Load: 0x2a, f64Load: 0x2b, f32Store: 0x38, i32Const: 0x41, f32Const: 0x43,
  i32Eqz: 0x45, i32LtU: 0x49, i32GtU: 0x4b, i32GeU: 0x4f, f32Lt: 0x5d,
  i32Add: 0x6a, i32Sub: 0x6b, i32Mul: 0x6c, i32And: 0x71, i32Shl: 0x74, i32ShrU: 0x76, f32Add: 0x92, f32Div: 0x95,
  f64Add: 0xa0, f64Mul: 0xa2, f32DemoteF64: 0xb6, f64PromoteF32: 0xbb,
} as const;
/** memory.fill (bulk memory, spec §5.4.6): 0xfc 11, memory index 0. */
export const MEMORY_FILL = [0xfc, 0x0b, 0x00] as const;
/** Block type "no result" (spec §5.4.1). */
export const VOID = 0x40;
export const I32 = 0x7f;
export const V128 = 0x7b;
export const F64 = 0x7c;
/** 128-bit SIMD opcodes (prefix 0xfd; spec §5.4.8). */
export const simd = {
  load64Splat: 0x0a, load64Zero: 0x5d, store64Lane: 0x5b, const: 0x0c, bitselect: 0x52, demoteZero: 0x5e, promoteLow: 0x5f,
  f64x2Lt: 0x49, f64x2Neg: 0xed, f64x2Sqrt: 0xef, f64x2Add: 0xf0, f64x2Sub: 0xf1, f64x2Mul: 0xf2, f64x2Div: 0xf3, f64x2Pmin: 0xf6, f64x2Pmax: 0xf7,
} as const;

/** A growable byte buffer with the spec's integer and float encodings. */
export class Bytes {
  private buf = new Uint8Array(1024);
  length = 0;

  byte(b: number): this {
    if (this.length === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = b;
    return this;
  }
  bytes(bs: ArrayLike<number>): this {
    for (let i = 0; i < bs.length; i++) this.byte(bs[i]);
    return this;
  }
  /** Unsigned LEB128. */
  u32(v: number): this {
    let x = v >>> 0;
    do {
      const b = x & 0x7f;
      x >>>= 7;
      this.byte(x ? b | 0x80 : b);
    } while (x);
    return this;
  }
  /** Signed LEB128 of a 32-bit integer. */
  s32(v: number): this {
    let x = v | 0;
    for (;;) {
      const b = x & 0x7f;
      x >>= 7;
      const done = (x === 0 && (b & 0x40) === 0) || (x === -1 && (b & 0x40) !== 0);
      this.byte(done ? b : b | 0x80);
      if (done) return this;
    }
  }
  /** IEEE 754 binary32, little-endian (rounds `v` to float32). */
  f32(v: number): this {
    const b = new Uint8Array(new Float32Array([v]).buffer);
    return this.bytes(b);
  }
  /** A SIMD instruction (0xfd prefix). */
  simd(opcode: number): this {
    return this.byte(0xfd).u32(opcode);
  }
  /** v128.const of two equal float64 lanes. */
  f64x2(v: number): this {
    const b = new Uint8Array(new Float64Array([v, v]).buffer);
    return this.simd(simd.const).bytes(b);
  }
  /** A memory argument: alignment exponent and byte offset (spec §5.4.6). */
  mem(alignLog2: number, offset: number): this {
    return this.u32(alignLog2).u32(offset);
  }
  name(s: string): this {
    const b = new TextEncoder().encode(s);
    return this.u32(b.length).bytes(b);
  }
  /** Another buffer's bytes. */
  append(inner: Bytes): this {
    while (this.length + inner.length > this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf.set(inner.buf.subarray(0, inner.length), this.length);
    this.length += inner.length;
    return this;
  }
  /** Another buffer's bytes prefixed by their count (a section or a function body). */
  sized(inner: Bytes): this {
    return this.u32(inner.length).append(inner);
  }
  toUint8Array(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

export interface WasmFunction {
  params: number[];
  results: number[];
  /** Extra locals after the params: [count, type] runs. */
  locals: Array<[number, number]>;
  /** The body's instructions, without the final `end`. */
  body: Bytes;
}

/**
 * A module of `functions` (each its own type), one memory of `pages` × 64 KiB, exporting the
 * memory as "memory" and the functions under `exports` (name → function index). With
 * `importMemory`, the memory is imported as env.memory instead (at least `pages`) and not exported.
 */
export function wasmModule(functions: WasmFunction[], pages: number, exports: Record<string, number>, importMemory = false): Uint8Array {
  const out = new Bytes().bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
  const section = (id: number, body: Bytes) => out.byte(id).sized(body);
  const types = new Bytes().u32(functions.length);
  for (const f of functions) types.byte(0x60).u32(f.params.length).bytes(f.params).u32(f.results.length).bytes(f.results);
  section(1, types);
  if (importMemory) section(2, new Bytes().u32(1).name('env').name('memory').byte(0x02).byte(0x00).u32(pages));
  const funcs = new Bytes().u32(functions.length);
  functions.forEach((_, i) => funcs.u32(i));
  section(3, funcs);
  if (!importMemory) section(5, new Bytes().u32(1).byte(0x00).u32(pages));
  const names = Object.entries(exports);
  const ex = new Bytes().u32(names.length + (importMemory ? 0 : 1));
  if (!importMemory) ex.name('memory').byte(0x02).u32(0);
  for (const [n, i] of names) ex.name(n).byte(0x00).u32(i);
  section(7, ex);
  const code = new Bytes().u32(functions.length);
  for (const f of functions) {
    // a function body: its locals, its expression and `end`, prefixed by the body's size
    const body = new Bytes();
    body.u32(f.locals.length);
    for (const [count, type] of f.locals) body.u32(count).byte(type);
    body.append(f.body).byte(op.end);
    code.sized(body);
  }
  section(10, code);
  return out.toUint8Array();
}

/** The engine's WebAssembly API (Node's global; @types/node 20 does not declare it). */
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Memory: new (descriptor: { initial: number }) => WasmMemory;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

/** A module's memory, as the engine gives it (opaque here but for its buffer). */
export interface WasmMemory { readonly buffer: ArrayBuffer }

export interface WasmInstance {
  memory: WasmMemory;
  functions: Record<string, (...args: number[]) => number | undefined>;
}

const compiled = new WeakMap<Uint8Array, object>();

/** A fresh memory of `pages` × 64 KiB (zeroed), to give a module that imports env.memory. */
export function newMemory(pages: number): WasmMemory {
  return new (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly.Memory({ initial: pages });
}

/**
 * Compile and instantiate a module (synchronously): its memory (its own, or `memory` given as
 * env.memory) and its exported functions.
 */
export function instantiate(bytes: Uint8Array, memory?: WasmMemory): WasmInstance {
  const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  // a module instantiated again (a kernel per call) is compiled once
  let module = compiled.get(bytes);
  if (!module) compiled.set(bytes, (module = new api.Module(bytes)));
  const { exports } = new api.Instance(module, memory ? { env: { memory } } : {});
  const functions: Record<string, (...args: number[]) => number | undefined> = {};
  for (const [name, v] of Object.entries(exports)) if (typeof v === 'function') functions[name] = v as (...args: number[]) => number | undefined;
  return { memory: memory ?? (exports.memory as WasmMemory), functions };
}
