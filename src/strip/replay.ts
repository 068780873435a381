/**
 * Uniform-rate stripping replay of a Li thickness map (S002 Fig 5e–g), computed exactly from the
 * thickness distribution.
 *
 * Map pixels: every finite t ≥ 0 (NaN or t < 0 = outside the map / masked, ignored everywhere).
 * Removing a uniform depth h from every pixel leaves max(t − h, 0), so with N map pixels
 *   active(h)   = #{t > h} / N
 *   S(h)        = Σ min(t, h)  (Li volume removed per pixel area, summed)
 *   stripped(h) = S(h) / Σ t
 * S is piecewise linear in h with breakpoints at the sorted thicknesses s_1 ≤ … ≤ s_N:
 *   S(h) = P(k) + h·(N − k),  k = #{s ≤ h},  P(k) = s_1 + … + s_k,
 * so one sort gives the whole curve and every target stripped fraction F is inverted exactly:
 * find k with S(s_k) ≤ F·Σt ≤ S(s_{k+1}), then h = (F·Σt − P(k)) / (N − k).
 * Sums are compensated (Neumaier), so the curve matches a direct Σ min(t, h) to ~1e-15.
 */

/** Sorted map thicknesses plus the map-pixel order (for the island sweep). */
export interface SortedMap {
  /** Map thickness values in ascending order (float64 copies of the float32 input). */
  values: Float64Array;
  /** Pixel index (y·nx + x) of values[i]. */
  order: Uint32Array;
  /** Number of map pixels (finite, ≥ 0). */
  n: number;
  /** Number of masked pixels (NaN or < 0). */
  masked: number;
  /** Σ t over map pixels (compensated). */
  total: number;
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/**
 * LSD radix sort of the map pixels by thickness. For t ≥ 0 the IEEE-754 bit pattern of a float32
 * is monotone in its value, so sorting the 32-bit keys (three 11-bit passes) sorts the values; the
 * pixel indices travel with them. O(N), ~10× faster than a comparator sort of indices.
 */
export function sortMap(t: ArrayLike<number>): SortedMap {
  const total = t.length;
  // float32 input: its bit patterns are the keys (no per-element conversion)
  const bitsView = t instanceof Float32Array ? new Uint32Array(t.buffer, t.byteOffset, t.length) : null;
  let n = 0;
  for (let i = 0; i < total; i++) {
    const v = t[i];
    if (v >= 0) n++; // false for NaN and negatives
  }
  let keys = new Uint32Array(n);
  let idx = new Uint32Array(n);
  let j = 0;
  for (let i = 0; i < total; i++) {
    const v = t[i];
    if (v >= 0) {
      if (v === 0) keys[j] = 0; // also maps -0 to 0
      else if (bitsView) keys[j] = bitsView[i];
      else {
        F32[0] = v;
        keys[j] = U32[0];
      }
      idx[j] = i;
      j++;
    }
  }
  let keys2 = new Uint32Array(n);
  let idx2 = new Uint32Array(n);
  // three passes of 11 bits: 2048 buckets stay in cache (faster than two 16-bit passes)
  const count = new Uint32Array(2048);
  for (let pass = 0; pass < 3; pass++) {
    const shift = pass * 11;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(keys[i] >>> shift) & 0x7ff]++;
    let sum = 0;
    for (let b = 0; b < 2048; b++) {
      const c = count[b];
      count[b] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const k = keys[i];
      const d = count[(k >>> shift) & 0x7ff]++;
      keys2[d] = k;
      idx2[d] = idx[i];
    }
    [keys, keys2] = [keys2, keys];
    [idx, idx2] = [idx2, idx];
  }
  const values = new Float64Array(n);
  const f = new Float32Array(keys.buffer, keys.byteOffset, n);
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const v = f[i];
    values[i] = v;
    const u = s + v;
    c += Math.abs(s) >= v ? s - u + v : v - u + s;
    s = u;
  }
  return { values, order: idx, n, masked: total - n, total: s + c };
}

/** One point of the stripping curve. */
export interface CurvePoint {
  /** Uniformly removed depth h (µm, or map units). */
  removed_depth: number;
  /** Fraction of the initial Li volume removed, S(h)/Σt. */
  stripped_fraction: number;
  /** Fraction of map pixels with t > h. */
  active_fraction: number;
  /** 1 / active_fraction (Infinity when nothing is left). */
  current_multiplier: number;
}

/**
 * Walks the sorted values with a compensated prefix sum; queries must come in non-decreasing order
 * (of depth or of target fraction). Exact up to floating-point rounding of one multiply-add.
 */
export class CurveWalker {
  private k = 0; // values[0..k) are ≤ the current depth bracket
  private ps = 0; // compensated prefix sum of values[0..k)
  private pc = 0;
  private ka = 0; // #values ≤ last h (for active counting)
  constructor(private readonly m: SortedMap) {}

  private advance(): void {
    const v = this.m.values[this.k];
    const u = this.ps + v;
    this.pc += Math.abs(this.ps) >= v ? this.ps - u + v : v - u + this.ps;
    this.ps = u;
    this.k++;
  }

  private point(h: number, sNum: number): CurvePoint {
    const { values, n } = this.m;
    while (this.ka < n && values[this.ka] <= h) this.ka++;
    const active = n === 0 ? 0 : (n - this.ka) / n;
    const stripped = this.m.total > 0 ? Math.min(1, sNum / this.m.total) : 1;
    return { removed_depth: h, stripped_fraction: stripped, active_fraction: active, current_multiplier: active > 0 ? 1 / active : Infinity };
  }

  /** Curve at removed depth h (h non-decreasing between calls). */
  atDepth(h: number): CurvePoint {
    const { values, n } = this.m;
    while (this.k < n && values[this.k] <= h) this.advance();
    const s = this.ps + this.pc + h * (n - this.k);
    return this.point(h, s);
  }

  /** Curve at stripped fraction F ∈ [0, 1] (F non-decreasing between calls): h solved exactly. */
  atFraction(F: number): CurvePoint {
    const { values, n, total } = this.m;
    if (!(F >= 0 && F <= 1)) throw new RangeError(`stripped fraction must be in [0, 1], got ${F}`);
    if (n === 0 || total === 0) return this.point(0, 0);
    const target = F * total;
    // advance while S(s_{k+1}) = P(k) + s_{k+1}·(N − k) < target
    while (this.k < n - 1 && this.ps + this.pc + values[this.k] * (n - this.k) < target) this.advance();
    const h = Math.max(this.k > 0 ? values[this.k - 1] : 0, Math.min(values[this.k], (target - (this.ps + this.pc)) / (n - this.k)));
    // the bracket can also sit below the first value (F small): h ∈ [0, s_1]
    const p = this.point(h, target);
    p.stripped_fraction = F; // exact by construction of h (the tests check Σmin(t,h)/Σt = F to 1e-12)
    return p;
  }
}

export type StepMode = 'depth' | 'fraction';

/**
 * Curve points: steps+1 points uniform in removed depth (0 … max t) or in stripped fraction
 * (0 … 1), merged with the exact `at` fractions; returned in increasing removed depth, each tagged
 * with whether it came from `at`.
 */
export function strippingCurve(
  m: SortedMap,
  steps: number,
  by: StepMode,
  at: number[] = [],
): { points: CurvePoint[]; isAt: boolean[]; atIndex: number[] } {
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`steps must be a positive integer, got ${steps}`);
  const tmax = m.n > 0 ? m.values[m.n - 1] : 0;
  // Targets as (kind, value) sorted by removed depth. Depth and fraction targets interleave
  // monotonically because stripped(h) is non-decreasing; convert depth targets to their fraction
  // ordering via a first pass.
  type Target = { frac?: number; depth?: number; at: boolean; atPos: number };
  const targets: Target[] = [];
  for (let k = 0; k <= steps; k++) {
    if (by === 'depth') targets.push({ depth: (tmax * k) / steps, at: false, atPos: -1 });
    else targets.push({ frac: k / steps, at: false, atPos: -1 });
  }
  at.forEach((f, i) => targets.push({ frac: f, at: true, atPos: i }));
  // Order key: depth targets need their fraction; compute with a throwaway walker.
  const keyed = targets.map((t) => ({ t, depth: t.depth ?? NaN, frac: t.frac ?? NaN }));
  if (by === 'depth') {
    const w = new CurveWalker(m);
    for (const k of keyed) if (!Number.isNaN(k.depth)) k.frac = w.atDepth(k.depth).stripped_fraction;
  }
  keyed.sort((a, b) => a.frac - b.frac || (Number.isNaN(a.depth) ? 1 : 0) - (Number.isNaN(b.depth) ? 1 : 0));
  const w = new CurveWalker(m);
  const points: CurvePoint[] = [];
  const isAt: boolean[] = [];
  const atIndex = new Array<number>(at.length).fill(-1);
  let lastDepth = 0;
  for (const k of keyed) {
    let p: CurvePoint;
    if (!Number.isNaN(k.depth)) {
      p = w.atDepth(Math.max(lastDepth, k.depth));
    } else {
      p = w.atFraction(k.frac);
      // the walker's depth bracket only moves forward; never report a depth behind the last one
      if (p.removed_depth < lastDepth) p = { ...p, removed_depth: lastDepth };
    }
    lastDepth = p.removed_depth;
    points.push(p);
    isAt.push(k.t.at);
    if (k.t.at) atIndex[k.t.atPos] = points.length - 1;
  }
  return { points, isAt, atIndex };
}

/** Direct (slow, O(N) per h) reference: used by the tests as the closed form. */
export function directCurvePoint(t: ArrayLike<number>, h: number): CurvePoint {
  let n = 0;
  let above = 0;
  let sum = 0;
  let removed = 0;
  for (let i = 0; i < t.length; i++) {
    const v = t[i];
    if (!(v >= 0)) continue;
    n++;
    sum += v;
    removed += Math.min(v, h);
    if (v > h) above++;
  }
  const active = n ? above / n : 0;
  return { removed_depth: h, stripped_fraction: sum > 0 ? removed / sum : 1, active_fraction: active, current_multiplier: active > 0 ? 1 / active : Infinity };
}
