/**
 * Simplicial up-looking sparse LDLᵀ with a trailing Schur block (see ldl.ts for the interface). Row k
 * of L is found by walking the row subtrees of column k of the upper-CSC matrix in the elimination
 * tree, then computed by a sparse triangular solve against the rows already factorised; L is stored
 * by columns. Column by column with indirect addressing, it is several times slower than the
 * supernodal SparseLdl; it is kept as the independent reference the tests and the benchmark compare
 * SparseLdl against.
 *
 * Reference: T. A. Davis, "Algorithm 849: a concise sparse Cholesky factorization package", ACM TOMS
 * 31 (2005) 587–591 (LDL: ldl_symbolic / ldl_numeric, which this follows); Davis, Direct Methods for
 * Sparse Linear Systems (SIAM 2006), §4.7 (up-looking Cholesky).
 * Complexity: symbolic O(|L|); numeric O(Σ_j |L(:, j)|²) flops (the same as any LDLᵀ) plus O(|L|)
 * pattern work; solves O(|L|).
 */
import { eliminationTree, LdlFactorization } from './ldl.js';

/** Simplicial up-looking LDLᵀ (reference implementation; SparseLdl is the supernodal one). */
export class SimplicialLdl extends LdlFactorization {
  private parent: Int32Array;
  /** Column pointers of L (eliminated columns only; columns ≥ n1 are empty). */
  private lp: Int32Array;
  private li: Int32Array;
  private lx: Float64Array;
  /** Entries of each column of L filled so far (numeric phase). */
  private lnz: Int32Array;
  private y: Float64Array;
  private pattern: Int32Array;
  private flag: Int32Array;

  /** Symbolic analysis (elimination tree, column counts) of the pattern; reused for every numeric factorisation. */
  constructor(private readonly colPtr: Int32Array, private readonly rowIdx: Int32Array, nLast = 0) {
    const n = colPtr.length - 1;
    super(n, nLast);
    const { parent, colCount } = eliminationTree(colPtr, rowIdx, this.n1);
    const lp = new Int32Array(n + 1);
    for (let k = 0; k < n; k++) lp[k + 1] = lp[k] + colCount[k];
    this.parent = parent;
    this.lp = lp;
    this.li = new Int32Array(lp[n]);
    this.lx = new Float64Array(lp[n]);
    this.lnz = new Int32Array(n);
    this.y = new Float64Array(n);
    this.pattern = new Int32Array(n);
    // scratch marks of the numeric phase: flag[k] = k is set before any read at step k, so no reset is needed
    this.flag = new Int32Array(n);
    this.stats.nnzL = lp[n];
  }

  /** Throws on a zero pivot in the eliminated block (an indefinite one is accepted: D may have either sign). */
  protected factorNumeric(values: Float64Array): void {
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
      }
    }
  }

  /** Column-oriented forward sweep: each solved x_j updates the rows of column j of L (trailing rows included). */
  protected forwardSweep(work: Float64Array): void {
    const { n1, lp, li, lx, lnz } = this;
    for (let j = 0; j < n1; j++) {
      const xj = work[j];
      if (xj === 0) continue;
      const pe = lp[j] + lnz[j];
      for (let p = lp[j]; p < pe; p++) work[li[p]] -= lx[p] * xj;
    }
  }

  /** Backward sweep by columns of L, i.e. rows of Lᵀ: a dot product per unknown. */
  protected backwardSweep(work: Float64Array): void {
    const { n1, lp, li, lx, lnz } = this;
    for (let j = n1 - 1; j >= 0; j--) {
      let s = work[j];
      const pe = lp[j] + lnz[j];
      for (let p = lp[j]; p < pe; p++) s -= lx[p] * work[li[p]];
      work[j] = s;
    }
  }
}
