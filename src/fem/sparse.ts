/**
 * Sparse symmetric LDLᵀ (up-looking, after T. Davis' LDL) with an optional trailing "Schur" block.
 *
 * Equations are numbered in elimination order by the caller (nested dissection on the structured
 * mesh, see mesh.ts), so no permutation is applied here. The matrix is stored as the upper triangle
 * in compressed columns (row ≤ column).
 *
 * With `nLast > 0` the last `nLast` equations are not eliminated: the factorisation of the leading
 * block K11 = L11 D1 L11ᵀ is computed together with L21, and the dense Schur complement
 * S = K22 − K21 K11⁻¹ K12 is returned. `condense(r)` gives the condensed load b = r2 − K21 K11⁻¹ r1 and
 * `expand(z)` the leading unknowns u1 = K11⁻¹ (r1 − K12 z) for given trailing values z. This is how the
 * contact problem is reduced to the interface (fem-verification.md, solver notes §4) without any
 * back-solve per interface node.
 */

export interface UpperCsc {
  n: number;
  colPtr: Int32Array;
  rowIdx: Int32Array;
  values: Float64Array;
}

/** Build the upper-triangular CSC pattern from a list of (row, col) pairs (duplicates merged, rows sorted). */
export function patternFromPairs(n: number, rows: Int32Array, cols: Int32Array, count: number): { colPtr: Int32Array; rowIdx: Int32Array } {
  const cnt = new Int32Array(n + 1);
  for (let k = 0; k < count; k++) {
    let i = rows[k], j = cols[k];
    if (i > j) { const t = i; i = j; j = t; }
    cnt[j + 1]++;
  }
  for (let j = 0; j < n; j++) cnt[j + 1] += cnt[j];
  const tmp = new Int32Array(cnt[n]);
  const fill = cnt.slice(0, n);
  for (let k = 0; k < count; k++) {
    let i = rows[k], j = cols[k];
    if (i > j) { const t = i; i = j; j = t; }
    tmp[fill[j]++] = i;
  }
  // sort + dedupe each column
  const colPtr = new Int32Array(n + 1);
  const out: number[] = [];
  for (let j = 0; j < n; j++) {
    const seg = Array.from(tmp.subarray(cnt[j], cnt[j + 1])).sort((a, b) => a - b);
    let last = -1;
    for (const r of seg) if (r !== last) { out.push(r); last = r; }
    colPtr[j + 1] = out.length;
  }
  return { colPtr, rowIdx: Int32Array.from(out) };
}

/** Position of entry (i, j), i ≤ j, in the CSC arrays (binary search), or −1. */
export function findEntry(colPtr: Int32Array, rowIdx: Int32Array, i: number, j: number): number {
  let lo = colPtr[j], hi = colPtr[j + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = rowIdx[mid];
    if (r === i) return mid;
    if (r < i) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** y = A x for the symmetric matrix stored as its upper triangle. */
export function symMatVec(a: UpperCsc, x: Float64Array, y: Float64Array): void {
  y.fill(0);
  const { n, colPtr, rowIdx, values } = a;
  for (let j = 0; j < n; j++) {
    const xj = x[j];
    let s = 0;
    for (let p = colPtr[j]; p < colPtr[j + 1]; p++) {
      const i = rowIdx[p];
      const v = values[p];
      if (i === j) s += v * xj;
      else { s += v * x[i]; y[i] += v * xj; }
    }
    y[j] += s;
  }
}

export interface FactorStats {
  nnzL: number;
  factorSeconds: number;
}

export class SparseLdl {
  readonly n: number;
  readonly n1: number;
  readonly nLast: number;
  private parent: Int32Array;
  private lp: Int32Array;
  private li: Int32Array;
  private lx: Float64Array;
  private lnz: Int32Array;
  private d: Float64Array;
  /** Dense Schur complement (row-major nLast × nLast), valid after factor(). */
  readonly schur: Float64Array;
  private y: Float64Array;
  private pattern: Int32Array;
  private flag: Int32Array;
  stats: FactorStats = { nnzL: 0, factorSeconds: 0 };
  factorizations = 0;
  solves = 0;
  solveSeconds = 0;

  /** Symbolic analysis (elimination tree, column counts) of the pattern; reused for every numeric factorisation. */
  constructor(private readonly colPtr: Int32Array, private readonly rowIdx: Int32Array, nLast = 0) {
    const n = colPtr.length - 1;
    this.n = n;
    this.nLast = nLast;
    this.n1 = n - nLast;
    const parent = new Int32Array(n).fill(-1);
    const flag = new Int32Array(n);
    const lnz = new Int32Array(n);
    const n1 = this.n1;
    for (let k = 0; k < n; k++) {
      parent[k] = -1;
      flag[k] = k;
      for (let p = colPtr[k]; p < colPtr[k + 1]; p++) {
        let i = rowIdx[p];
        if (i < k) {
          for (; flag[i] !== k; i = parent[i]) {
            if (parent[i] === -1) parent[i] = k;
            if (i < n1) lnz[i]++; // only columns of the eliminated block are stored
            flag[i] = k;
          }
        }
      }
    }
    const lp = new Int32Array(n + 1);
    for (let k = 0; k < n; k++) lp[k + 1] = lp[k] + lnz[k];
    this.parent = parent;
    this.lp = lp;
    this.li = new Int32Array(lp[n]);
    this.lx = new Float64Array(lp[n]);
    this.lnz = new Int32Array(n);
    this.d = new Float64Array(n);
    this.schur = new Float64Array(nLast * nLast);
    this.y = new Float64Array(n);
    this.pattern = new Int32Array(n);
    this.flag = flag;
    this.stats.nnzL = lp[n];
  }

  /** Numeric factorisation of the values (same pattern as at construction). Throws on a zero/negative-definite pivot in the eliminated block. */
  factor(values: Float64Array): void {
    const t0 = performance.now();
    const { n, n1, colPtr, rowIdx, parent, lp, li, lx, lnz, d, y, pattern, flag, schur, nLast } = this;
    for (let k = 0; k < n; k++) {
      y[k] = 0;
      let top = n;
      flag[k] = k;
      lnz[k] = 0;
      for (let p = colPtr[k]; p < colPtr[k + 1]; p++) {
        let i = rowIdx[p];
        y[i] += values[p];
        let len = 0;
        for (; i < n1 && flag[i] !== k; i = parent[i]) {
          pattern[len++] = i;
          flag[i] = k;
        }
        while (len > 0) pattern[--top] = pattern[--len];
      }
      let dk = y[k];
      y[k] = 0;
      for (; top < n; top++) {
        const i = pattern[top];
        const yi = y[i];
        y[i] = 0;
        const p2 = lp[i] + lnz[i];
        for (let p = lp[i]; p < p2; p++) y[li[p]] -= lx[p] * yi;
        const lki = yi / d[i];
        dk -= lki * yi;
        li[p2] = k;
        lx[p2] = lki;
        lnz[i]++;
      }
      if (k < n1) {
        if (!(dk > 0) && !(dk < 0)) throw new Error(`LDLᵀ: zero pivot at equation ${k}`);
        d[k] = dk;
      } else {
        const r = k - n1;
        schur[r * nLast + r] = dk;
        for (let j = n1; j < k; j++) {
          const c = j - n1;
          schur[c * nLast + r] = y[j];
          schur[r * nLast + c] = y[j];
          y[j] = 0;
        }
        d[k] = dk;
      }
    }
    this.factorizations++;
    this.stats.factorSeconds = (performance.now() - t0) / 1000;
  }

  /**
   * Forward elimination of r over the eliminated block: returns the condensed load b (length nLast)
   * and leaves w = D1⁻¹ L11⁻¹ r1 in `work` (length n) for expand().
   */
  condense(r: Float64Array, work: Float64Array): Float64Array {
    const t0 = performance.now();
    const { n, n1, lp, li, lx, lnz, d } = this;
    work.set(r);
    for (let j = 0; j < n1; j++) {
      const xj = work[j];
      if (xj === 0) continue;
      const pe = lp[j] + lnz[j];
      for (let p = lp[j]; p < pe; p++) work[li[p]] -= lx[p] * xj;
    }
    const b = work.slice(n1, n);
    for (let j = 0; j < n1; j++) work[j] /= d[j];
    this.solveSeconds += (performance.now() - t0) / 1000;
    return b;
  }

  /** Back substitution: with trailing values z, turn `work` (from condense) into the full solution. */
  expand(work: Float64Array, z: Float64Array | null): Float64Array {
    const t0 = performance.now();
    const { n1, lp, li, lx, lnz } = this;
    if (z) work.set(z, n1);
    else work.fill(0, n1);
    for (let j = n1 - 1; j >= 0; j--) {
      let s = work[j];
      const pe = lp[j] + lnz[j];
      for (let p = lp[j]; p < pe; p++) s -= lx[p] * work[li[p]];
      work[j] = s;
    }
    this.solves++;
    this.solveSeconds += (performance.now() - t0) / 1000;
    return work;
  }

  /** Full solve K x = r when nLast = 0 (or the trailing block is solved densely here). */
  solve(r: Float64Array): Float64Array {
    const work = new Float64Array(this.n);
    const b = this.condense(r, work);
    let z: Float64Array | null = null;
    if (this.nLast > 0) z = denseSolveSpd(this.schur.slice(), this.nLast, b);
    return this.expand(work, z);
  }
}

/** Dense Cholesky of a symmetric positive definite n×n row-major matrix; the lower triangle of `a` becomes L. */
export function choleskyInPlace(a: Float64Array, n: number, what = 'dense Cholesky'): void {
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let s = a[rj + j];
    for (let k = 0; k < j; k++) s -= a[rj + k] * a[rj + k];
    if (!(s > 0)) throw new Error(`${what}: matrix not positive definite at ${j} (${s})`);
    const ljj = Math.sqrt(s);
    a[rj + j] = ljj;
    const inv = 1 / ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let t = a[ri + j];
      for (let k = 0; k < j; k++) t -= a[ri + k] * a[rj + k];
      a[ri + j] = t * inv;
    }
  }
}

/** Solve L·Lᵀ·x = b with the factor from `choleskyInPlace`. */
export function choleskySolve(L: Float64Array, n: number, b: Float64Array): Float64Array {
  const x = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = x[i];
    for (let k = 0; k < i; k++) s -= L[ri + k] * x[k];
    x[i] = s / L[ri + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
  return x;
}

/** In-place dense Cholesky solve of a symmetric positive definite n×n row-major system. Returns x. */
export function denseSolveSpd(a: Float64Array, n: number, b: Float64Array): Float64Array {
  choleskyInPlace(a, n);
  return choleskySolve(a, n, b);
}

/** Jacobi-preconditioned conjugate gradients (for the solver comparison in the benchmark). */
export function pcg(a: UpperCsc, b: Float64Array, tol = 1e-10, maxIt = 100000): { x: Float64Array; iterations: number; relResidual: number } {
  const n = a.n;
  const diag = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const p = findEntry(a.colPtr, a.rowIdx, j, j);
    diag[j] = p >= 0 && a.values[p] !== 0 ? a.values[p] : 1;
  }
  const x = new Float64Array(n);
  const r = Float64Array.from(b);
  const z = new Float64Array(n);
  const p = new Float64Array(n);
  const q = new Float64Array(n);
  let bn = 0;
  for (let i = 0; i < n; i++) bn += b[i] * b[i];
  bn = Math.sqrt(bn) || 1;
  for (let i = 0; i < n; i++) { z[i] = r[i] / diag[i]; p[i] = z[i]; }
  let rz = 0;
  for (let i = 0; i < n; i++) rz += r[i] * z[i];
  let it = 0;
  let rn = bn;
  for (; it < maxIt; it++) {
    symMatVec(a, p, q);
    let pq = 0;
    for (let i = 0; i < n; i++) pq += p[i] * q[i];
    const alpha = rz / pq;
    rn = 0;
    for (let i = 0; i < n; i++) { x[i] += alpha * p[i]; r[i] -= alpha * q[i]; rn += r[i] * r[i]; }
    rn = Math.sqrt(rn);
    if (rn <= tol * bn) { it++; break; }
    let rz2 = 0;
    for (let i = 0; i < n; i++) { z[i] = r[i] / diag[i]; rz2 += r[i] * z[i]; }
    const beta = rz2 / rz;
    rz = rz2;
    for (let i = 0; i < n; i++) p[i] = z[i] + beta * p[i];
  }
  return { x, iterations: it, relResidual: rn / bn };
}
