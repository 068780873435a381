/**
 * Exact multi-Otsu thresholds on a histogram for any number of classes.
 *
 * Maximising the between-class variance (Otsu) is the same as minimising the within-class sum of
 * squares, i.e. optimal 1-D weighted k-means on the histogram with contiguous classes. The cost of a
 * class spanning bins i..j, SSE(i, j) = Q − S²/P (prefix sums of w, w·x, w·x² in float64), satisfies
 * the quadrangle inequality, so the optimal split points are monotone and the dynamic programme
 * F_k(i) = min_j SSE(i, j) + F_{k−1}(j + 1) is solved exactly by divide and conquer in
 * O(K · B · log B): 65536 bins (full 16-bit resolution) take milliseconds.
 *
 * Ties are broken like scikit-image's brute-force search (strict '>' over thresholds in
 * lexicographic order), i.e. the lexicographically smallest optimal threshold vector is returned:
 * the DP runs over suffixes and each argmin is the leftmost one.
 */

export interface MultiOtsuResult {
  /** Index of the last bin of each lower class (classes − 1 entries, strictly increasing). */
  lastBin: number[];
  /** Between-class variance of the optimum in bin units² (weights normalised to 1). */
  betweenVariance: number;
}

/**
 * @param counts histogram counts (any non-negative weights)
 * @param classes number of classes K ≥ 2
 * @param skimageFirstMoment reproduce scikit-image 0.19's first-moment initialisation
 *   (`first_moment[0] = prob[0]`, i.e. the first bin counted at position 1 instead of 0). That slip
 *   shifts some thresholds by one level (e.g. 100_fiberform K=3: 35 instead of the exact optimum 34);
 *   set it only to reproduce scikit-image bit for bit.
 */
export function multiOtsu(counts: ArrayLike<number>, classes: number, skimageFirstMoment = false): MultiOtsuResult {
  const B = counts.length;
  const K = Math.floor(classes);
  if (!(K >= 2)) throw new RangeError(`classes must be ≥ 2 (got ${classes})`);
  if (B < K) throw new RangeError(`${B} bins cannot be split into ${K} classes`);
  let total = 0;
  let sx = 0;
  for (let i = 0; i < B; i++) {
    total += counts[i];
    sx += counts[i] * i;
  }
  if (!(total > 0)) throw new RangeError('empty histogram');
  const centre = sx / total;
  // Prefix sums with a leading 0: P[i] = Σ_{b < i} w_b.
  const P = new Float64Array(B + 1);
  const S = new Float64Array(B + 1);
  const Q = new Float64Array(B + 1);
  for (let i = 0; i < B; i++) {
    const w = counts[i] / total;
    const x = (i === 0 && skimageFirstMoment ? 1 : i) - centre;
    P[i + 1] = P[i] + w;
    S[i + 1] = S[i] + w * x;
    Q[i + 1] = Q[i] + w * x * x;
  }
  const sse = (i: number, j: number): number => {
    const p = P[j + 1] - P[i];
    if (p <= 0) return 0;
    const s = S[j + 1] - S[i];
    const v = Q[j + 1] - Q[i] - (s * s) / p;
    return v > 0 ? v : 0;
  };

  // prev[i] = F_{k−1}(i): cost of bins i..B−1 in k−1 classes. F_1(i) = SSE(i, B−1).
  let prev = new Float64Array(B + 1);
  for (let i = 0; i < B; i++) prev[i] = sse(i, B - 1);
  const opt: Int32Array[] = []; // opt[k][i]: last bin of the first class of F_k(i)
  for (let k = 2; k <= K; k++) {
    const cur = new Float64Array(B + 1).fill(Infinity);
    const arg = new Int32Array(B).fill(-1);
    // F_k(i) defined for i ∈ [0, B − k]; first class ends at j ∈ [i, B − k].
    const iHi = B - k;
    const solve = (lo: number, hi: number, oLo: number, oHi: number): void => {
      // Iterative stack to avoid deep recursion (log B depth anyway, recursion is fine).
      if (lo > hi) return;
      const mid = (lo + hi) >> 1;
      let best = Infinity;
      let bestJ = -1;
      const jLo = Math.max(mid, oLo);
      const jHi = Math.min(iHi, oHi);
      for (let j = jLo; j <= jHi; j++) {
        const c = sse(mid, j) + prev[j + 1];
        if (c < best) {
          best = c;
          bestJ = j;
        }
      }
      if (bestJ < 0) {
        bestJ = jLo;
        best = sse(mid, bestJ) + prev[bestJ + 1];
      }
      cur[mid] = best;
      arg[mid] = bestJ;
      solve(lo, mid - 1, oLo, bestJ);
      solve(mid + 1, hi, bestJ, oHi);
    };
    solve(0, iHi, 0, iHi);
    opt[k] = arg;
    prev = cur;
  }
  const lastBin: number[] = [];
  let i = 0;
  for (let k = K; k >= 2; k--) {
    const j = opt[k][i];
    lastBin.push(j);
    i = j + 1;
  }
  // Between-class variance = total variance − within.
  const totalVar = Q[B] - (S[B] * S[B]) / P[B];
  return { lastBin, betweenVariance: totalVar - prev[0] };
}

/** Within-class means and weights of the classes given by `lastBin` (bin units → caller maps). */
export function classStats(counts: ArrayLike<number>, lastBin: readonly number[], binValue: (i: number) => number): { weight: number; mean: number; std: number }[] {
  const out: { weight: number; mean: number; std: number }[] = [];
  let start = 0;
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  const ends = [...lastBin, counts.length - 1];
  for (const end of ends) {
    let w = 0, s = 0, s2 = 0;
    for (let i = start; i <= end; i++) {
      const c = counts[i];
      if (!c) continue;
      const v = binValue(i);
      w += c;
      s += c * v;
      s2 += c * v * v;
    }
    const mean = w ? s / w : binValue((start + end) / 2);
    out.push({ weight: total ? w / total : 0, mean, std: w ? Math.sqrt(Math.max(0, s2 / w - mean * mean)) : 0 });
    start = end + 1;
  }
  return out;
}

/** Brute-force multi-Otsu (O(B^(K−1))) used by tests to check the DP on small histograms. */
export function multiOtsuBruteForce(counts: ArrayLike<number>, classes: number): MultiOtsuResult {
  const B = counts.length;
  let total = 0;
  for (let i = 0; i < B; i++) total += counts[i];
  const P = new Float64Array(B + 1);
  const S = new Float64Array(B + 1);
  for (let i = 0; i < B; i++) {
    P[i + 1] = P[i] + counts[i] / total;
    S[i + 1] = S[i] + (counts[i] / total) * i;
  }
  const term = (i: number, j: number) => {
    const p = P[j + 1] - P[i];
    if (p <= 0) return 0;
    const s = S[j + 1] - S[i];
    return (s * s) / p;
  };
  let best = -Infinity;
  let bestT: number[] = [];
  const t: number[] = [];
  const rec = (start: number, k: number): void => {
    if (k === classes - 1) {
      let v = 0;
      let a = 0;
      for (const e of t) {
        v += term(a, e);
        a = e + 1;
      }
      v += term(a, B - 1);
      if (bestT.length === 0 || v > best + 1e-12 * Math.abs(best)) {
        best = v;
        bestT = [...t];
      }
      return;
    }
    for (let j = start; j <= B - classes + k; j++) {
      t.push(j);
      rec(j + 1, k + 1);
      t.pop();
    }
  };
  rec(0, 0);
  const mean = S[B];
  return { lastBin: bestT, betweenVariance: best - mean * mean };
}
