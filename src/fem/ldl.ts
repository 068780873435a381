/**
 * What the two sparse symmetric LDLᵀ factorisations share: the elimination tree with the column counts
 * of L (symbolic analysis), and the base class LdlFactorization that holds D, the dense Schur complement
 * and the statistics and turns a factor's two triangular sweeps into condense / expand / solve.
 * The factorisations themselves are SparseLdl (supernodal multifrontal, ldl-supernodal.ts; used
 * everywhere) and SimplicialLdl (up-looking, ldl-simplicial.ts; the reference it is tested against).
 *
 * Equations are numbered in elimination order by the caller (nested dissection on the structured
 * mesh, see mesh.ts), so no permutation is applied here. The matrix is stored as the upper triangle
 * in compressed columns (row ≤ column, csc.ts).
 *
 * With `nLast > 0` the last `nLast` equations are not eliminated: the factorisation of the leading
 * block K11 = L11 D1 L11ᵀ is computed together with L21, and the dense Schur complement
 * S = K22 − K21 K11⁻¹ K12 is returned. `condense(r)` gives the condensed load b = r2 − K21 K11⁻¹ r1 and
 * `expand(z)` the leading unknowns u1 = K11⁻¹ (r1 − K12 z) for given trailing values z. This is how the
 * contact problem is reduced to the interface (fem-verification.md, solver notes §4) without any
 * back-solve per interface node.
 *
 * Reference: T. A. Davis, Direct Methods for Sparse Linear Systems (SIAM 2006), §4.1 (elimination
 * tree, cs_etree), §4.5 (column counts), §4.3–4.4 (triangular solves); J. W. H. Liu, "The role of
 * elimination trees in sparse factorization", SIAM J. Matrix Anal. Appl. 11 (1990) 134–172.
 * Complexity: eliminationTree O(|L|) (each row subtree walked once, no path compression: the walk
 * also counts the entries of L); condense / expand O(|L| + n) given the factor's sweeps.
 */
import { denseSolveSpd } from './dense.js';

export interface FactorStats {
  nnzL: number;
  factorSeconds: number;
}

/**
 * Elimination tree of the upper-CSC pattern and the number of off-diagonal entries of every column of
 * L that is eliminated (columns ≥ n1 are kept as the Schur block, so their counts stay 0). For each
 * column k the row subtree of every entry (i, k) is walked up to k, marking visited nodes with
 * flag = k: each visited i is one entry L(k, i).
 */
export function eliminationTree(colPtr: Int32Array, rowIdx: Int32Array, n1: number): { parent: Int32Array; colCount: Int32Array } {
  const n = colPtr.length - 1;
  const parent = new Int32Array(n).fill(-1);
  const flag = new Int32Array(n);
  const colCount = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    flag[k] = k;
    for (let p = colPtr[k]; p < colPtr[k + 1]; p++) {
      for (let i = rowIdx[p]; i < k && flag[i] !== k; i = parent[i]) {
        if (parent[i] === -1) parent[i] = k;
        if (i < n1) colCount[i]++;
        flag[i] = k;
      }
    }
  }
  return { parent, colCount };
}

/**
 * Base of the LDLᵀ factorisations with a trailing Schur block: a subclass supplies the numeric
 * factorisation and the two sweeps with its own storage of L; the scaling by D⁻¹, the trailing-block
 * bookkeeping, the dense Schur solve and the timings are here, once.
 */
export abstract class LdlFactorization {
  readonly n: number;
  /** Number of eliminated equations (n − nLast). */
  readonly n1: number;
  readonly nLast: number;
  /** Dense Schur complement (row-major nLast × nLast), valid after factor(). */
  readonly schur: Float64Array;
  stats: FactorStats = { nnzL: 0, factorSeconds: 0 };
  factorizations = 0;
  solves = 0;
  solveSeconds = 0;
  /** D of the eliminated block (length n1), written by factorNumeric. */
  protected readonly d: Float64Array;

  protected constructor(n: number, nLast: number) {
    this.n = n;
    this.nLast = nLast;
    this.n1 = n - nLast;
    this.schur = new Float64Array(nLast * nLast);
    this.d = new Float64Array(n - nLast);
  }

  /** Numeric factorisation into L, d and schur (no timing, no counting: factor() does those). */
  protected abstract factorNumeric(values: Float64Array): void;
  /** work ← L⁻¹ work over the eliminated columns; the trailing entries receive −L21 · (solved part). */
  protected abstract forwardSweep(work: Float64Array): void;
  /** work[0..n1) ← L11⁻ᵀ (work[0..n1) − L21ᵀ work[n1..n)), the trailing values already in place. */
  protected abstract backwardSweep(work: Float64Array): void;

  /** Numeric factorisation of the values (same pattern as at construction). Throws on a zero pivot in the eliminated block. */
  factor(values: Float64Array): void {
    const t0 = performance.now();
    this.factorNumeric(values);
    this.factorizations++;
    this.stats.factorSeconds = (performance.now() - t0) / 1000;
  }

  /**
   * Forward elimination of r over the eliminated block: returns the condensed load b (length nLast)
   * and leaves w = D1⁻¹ L11⁻¹ r1 in `work` (length n) for expand().
   */
  condense(r: Float64Array, work: Float64Array): Float64Array {
    const t0 = performance.now();
    const { n, n1, d } = this;
    work.set(r);
    this.forwardSweep(work);
    const b = work.slice(n1, n);
    for (let j = 0; j < n1; j++) work[j] /= d[j];
    this.solveSeconds += (performance.now() - t0) / 1000;
    return b;
  }

  /** Back substitution: with trailing values z, turn `work` (from condense) into the full solution. */
  expand(work: Float64Array, z: Float64Array | null): Float64Array {
    const t0 = performance.now();
    const n1 = this.n1;
    if (z) work.set(z, n1);
    else work.fill(0, n1);
    this.backwardSweep(work);
    this.solves++;
    this.solveSeconds += (performance.now() - t0) / 1000;
    return work;
  }

  /** Full solve K x = r (the trailing block, if any, is solved densely here). */
  solve(r: Float64Array): Float64Array {
    const work = new Float64Array(this.n);
    const b = this.condense(r, work);
    let z: Float64Array | null = null;
    if (this.nLast > 0) z = denseSolveSpd(this.schur.slice(), this.nLast, b);
    return this.expand(work, z);
  }
}
