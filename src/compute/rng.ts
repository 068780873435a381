/**
 * Small deterministic PRNG (mulberry32, T. Ettinger 2017): uniform in [0, 1) from a 32-bit seed.
 * For reproducible choices in the algorithms (random rough profiles, bootstrap samples of the
 * random forest); the phantoms use synth/rng.ts, which adds streams and distributions.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
