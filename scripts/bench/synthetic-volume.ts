/**
 * The benches' synthetic uint16 volume: a smooth 3D pattern plus uniform noise from a fixed LCG, in
 * shared memory (the worker pool reads it in place). Deterministic, so runs compare across builds.
 */
export function syntheticVolume(n: number): Uint16Array {
  const a = new Uint16Array(new SharedArrayBuffer(n ** 3 * 2));
  let s = 12345;
  for (let z = 0, i = 0; z < n; z++)
    for (let y = 0; y < n; y++)
      for (let x = 0; x < n; x++, i++) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        const base = 20000 + 15000 * Math.sin(x / 9 + y / 13) * Math.cos(z / 11);
        a[i] = Math.max(0, Math.min(65535, Math.round(base + ((s >>> 8) % 6000) - 3000)));
      }
  return a;
}
