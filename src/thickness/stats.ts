/** Small statistics helpers shared by the thickness outputs. */

export interface Histogram {
  /** bins + 1 edges (µm). */
  edges: number[];
  counts: number[];
}

/** "Nice" bin width so `bins` bins span [0, max]. */
export function niceStep(range: number, bins: number): number {
  if (!(range > 0)) return 1;
  const raw = range / bins;
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

/** Histogram of the finite values with nice edges from min(0, min) up to cover max. */
export function histogram(values: ArrayLike<number>, bins = 50): Histogram {
  return histogramCounted(values, null, bins);
}

/**
 * The same histogram from values with multiplicities (`counts[i]` copies of `values[i]`; null: one
 * each): the exact-counting form used by the streamed summaries.
 */
export function histogramCounted(values: ArrayLike<number>, counts: ArrayLike<number> | null, bins = 50): Histogram {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (counts && counts[i] === 0) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!Number.isFinite(lo)) return { edges: [0, 1], counts: [0] };
  const start = Math.min(0, lo);
  const step = niceStep(hi - start, bins);
  const nb = Math.max(1, Math.floor((hi - start) / step) + 1);
  const edges = Array.from({ length: nb + 1 }, (_, k) => +(start + k * step).toPrecision(12));
  const out = new Array<number>(nb).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    const b = Math.min(nb - 1, Math.floor((v - start) / step));
    out[b] += counts ? counts[i] : 1;
  }
  return { edges, counts: out };
}

/**
 * Exact multiset of float32 values, built from slabs without holding them all: sorted distinct
 * values with their counts (values arrive in a pending buffer, sorted and merged when it fills).
 * Memory: 12 bytes per distinct value plus the pending buffer.
 */
export class ValueCounts {
  private values = new Float32Array(0);
  private counts = new Float64Array(0);
  private pending: Float32Array;
  private used = 0;

  constructor(pendingCapacity = 1 << 20) {
    this.pending = new Float32Array(Math.max(1, pendingCapacity));
  }

  push(v: number): void {
    if (this.used === this.pending.length) this.flush();
    this.pending[this.used++] = v;
  }

  /** Sorted distinct values and their counts. */
  result(): { values: Float32Array; counts: Float64Array } {
    this.flush();
    return { values: this.values, counts: this.counts };
  }

  private flush(): void {
    if (this.used === 0) return;
    const p = this.pending.subarray(0, this.used).sort();
    // run-length encode the sorted pending values
    const pv = new Float32Array(this.used);
    const pc = new Float64Array(this.used);
    let m = 0;
    for (let i = 0; i < p.length; ) {
      const v = p[i];
      let j = i + 1;
      while (j < p.length && Object.is(p[j], v)) j++;
      pv[m] = v;
      pc[m] = j - i;
      m++;
      i = j;
    }
    // merge with the distinct values so far
    const a = this.values;
    const ac = this.counts;
    const outV = new Float32Array(a.length + m);
    const outC = new Float64Array(a.length + m);
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < a.length || j < m) {
      if (j >= m || (i < a.length && before(a[i], pv[j]))) {
        outV[k] = a[i];
        outC[k++] = ac[i++];
      } else if (i >= a.length || before(pv[j], a[i])) {
        outV[k] = pv[j];
        outC[k++] = pc[j++];
      } else {
        outV[k] = a[i];
        outC[k++] = ac[i++] + pc[j++];
      }
    }
    this.values = outV.slice(0, k);
    this.counts = outC.slice(0, k);
    this.used = 0;
  }
}

/** Float32Array sort order (−0 before +0, NaN last). */
function before(x: number, y: number): boolean {
  if (Number.isNaN(y)) return !Number.isNaN(x);
  if (Number.isNaN(x)) return false;
  if (x === y) return Object.is(x, -0) && Object.is(y, 0);
  return x < y;
}

/** Quantile (linear interpolation) of sorted values. */
export function quantileSorted(s: ArrayLike<number>, p: number): number {
  const n = s.length;
  if (!n) return NaN;
  const pos = p * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export interface Roughness {
  rq_um: number;
  ra_um: number;
  /** Best-fit plane h = a + b·y + c·x (µm, y/x in µm). */
  plane: { a: number; b: number; c: number };
  /** Angle between the fitted plane and the map plane (degrees). */
  tilt_deg: number;
}

/**
 * Least-squares plane through a height map (finite values only), then Rq (rms) and Ra (mean
 * absolute) of the residuals.
 */
export function roughness(map: ArrayLike<number>, ny: number, nx: number, dy: number, dx: number): Roughness {
  const fit = fitPlane(map, ny, nx, dy, dx);
  let sq = 0;
  let ab = 0;
  let n = 0;
  for (let j = 0; j < ny; j++)
    for (let i = 0; i < nx; i++) {
      const h = map[j * nx + i];
      if (!Number.isFinite(h)) continue;
      const r = h - (fit.a + fit.b * (j + 0.5) * dy + fit.c * (i + 0.5) * dx);
      sq += r * r;
      ab += Math.abs(r);
      n++;
    }
  return {
    rq_um: n ? Math.sqrt(sq / n) : NaN,
    ra_um: n ? ab / n : NaN,
    plane: fit,
    tilt_deg: (Math.atan(Math.hypot(fit.b, fit.c)) * 180) / Math.PI,
  };
}

/** Least squares h ≈ a + b·y + c·x over finite samples, y = (j + ½)·dy, x = (i + ½)·dx. */
export function fitPlane(map: ArrayLike<number>, ny: number, nx: number, dy: number, dx: number, weight?: (j: number, i: number) => boolean): { a: number; b: number; c: number } {
  // Normal equations in centred coordinates for conditioning.
  let n = 0, sy = 0, sx = 0, sh = 0;
  for (let j = 0; j < ny; j++)
    for (let i = 0; i < nx; i++) {
      const h = map[j * nx + i];
      if (!Number.isFinite(h) || (weight && !weight(j, i))) continue;
      n++;
      sy += (j + 0.5) * dy;
      sx += (i + 0.5) * dx;
      sh += h;
    }
  if (n < 3) return { a: n ? sh / n : NaN, b: 0, c: 0 };
  const my = sy / n, mx = sx / n, mh = sh / n;
  let syy = 0, sxx = 0, sxy = 0, syh = 0, sxh = 0;
  for (let j = 0; j < ny; j++)
    for (let i = 0; i < nx; i++) {
      const h = map[j * nx + i];
      if (!Number.isFinite(h) || (weight && !weight(j, i))) continue;
      const y = (j + 0.5) * dy - my;
      const x = (i + 0.5) * dx - mx;
      const hh = h - mh;
      syy += y * y;
      sxx += x * x;
      sxy += x * y;
      syh += y * hh;
      sxh += x * hh;
    }
  const det = syy * sxx - sxy * sxy;
  let b = 0, c = 0;
  if (Math.abs(det) > 1e-12 * (syy * sxx + 1e-30)) {
    b = (syh * sxx - sxh * sxy) / det;
    c = (sxh * syy - syh * sxy) / det;
  } else if (syy > 0) b = syh / syy;
  else if (sxx > 0) c = sxh / sxx;
  return { a: mh - b * my - c * mx, b, c };
}
