/** Typed arrays joined in order into one of the same type (parts of a pass made slab by slab or on workers). */
export function concatArrays<T extends Float64Array | Float32Array | Int32Array | Uint8Array>(parts: readonly T[], Ctor: new (n: number) => T): T {
  const out = new Ctor(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
