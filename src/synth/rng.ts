/**
 * Seeded randomness for the phantom generator. Never Math.random: every number comes from
 * (seed, stream name), so one stream (e.g. the thickness field) does not change when another
 * (e.g. the filaments) draws more or fewer numbers, and per-voxel noise is a pure hash of
 * (seed, z, y, x) so any z-slab can be generated on its own.
 */

/** 32-bit integer mixer (lowbias32, Chris Wellons); good avalanche, cheap. */
export function hash32(x: number): number {
  x = x >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** FNV-1a of a string, for naming random streams. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Key for a named stream of a seed. */
export function streamKey(seed: number, stream: string): number {
  return hash32(hash32(seed >>> 0) ^ hashString(stream));
}

/** mulberry32 generator with a few distributions on top. */
export class Rng {
  private a: number;
  private spare: number | null = null;

  constructor(seed: number, stream = '') {
    this.a = streamKey(seed, stream);
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.a = (this.a + 0x6d2b79f5) | 0;
    let t = Math.imul(this.a ^ (this.a >>> 15), 1 | this.a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** Standard normal (Box–Muller, caching the second value). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = this.next();
    while (u <= 1e-12) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
}

/** Per-slice key for hashNormal: depends only on (key, z). */
export function sliceKey(key: number, z: number): number {
  return hash32((z + Math.imul(key, 0x9e3779b1)) >>> 0) ^ key;
}

/**
 * Approximately standard-normal value that depends only on (slice key, index within the slice):
 * Irwin–Hall sum of four 16-bit uniforms, rescaled to unit variance (tails end at ±3.46σ, harmless
 * for image noise and for white noise that is blurred afterwards). Pure function of position, so
 * any z-slab can be generated on its own.
 */
export function hashNormal(zKey: number, planeIndex: number): number {
  // Multiply before mixing in the slice key, so no two slices are shifted copies of each other.
  const h1 = hash32((Math.imul(planeIndex, 0x9e3779b1) ^ zKey) >>> 0);
  const h2 = hash32(h1 ^ 0x9e3779b9);
  const s = (h1 & 0xffff) + (h1 >>> 16) + (h2 & 0xffff) + (h2 >>> 16);
  // mean 4 · 32767.5, variance 4 · (65536² − 1) / 12
  return (s - 131070) * 2.6430916e-5;
}

/** Inverse standard-normal CDF (Acklam's rational approximation, |error| < 1.2e-9). */
export function invNormCdf(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p > 1 - pl) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}
