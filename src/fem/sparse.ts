/**
 * Sparse symmetric LDLᵀ with an optional trailing "Schur" block: SparseLdl (supernodal multifrontal,
 * dense row-major kernels; used everywhere) and SimplicialLdl (up-looking, after T. Davis' LDL; the
 * reference it is tested against).
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

export { type UpperCsc, patternFromPairs, findEntry, symMatVec } from './csc.js';
export { pcg } from './pcg.js';
export { choleskyInPlace, choleskySolve, denseSolveSpd } from './dense.js';
import { denseSolveSpd } from './dense.js';

export interface FactorStats {
  nnzL: number;
  factorSeconds: number;
}

/** Simplicial up-looking LDLᵀ (reference implementation; SparseLdl is the supernodal one). */
export class SimplicialLdl {
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

/**
 * Supernodal multifrontal LDLᵀ with the same interface as the simplicial factorisation (trailing
 * `nLast` equations kept as a dense Schur complement, condense/expand, solve).
 *
 * Symbolic phase (once per pattern): elimination tree, the structure of every column of L,
 * fundamental supernodes (consecutive columns j, j+1 with parent(j) = j+1 and
 * struct(j) = {j+1} ∪ struct(j+1): on the nested-dissection numbering these are the separators),
 * and the scatter maps of the matrix entries and of every contribution block into its parent front.
 * Numeric phase: for each supernode in order, a dense front (its columns plus the rows of its
 * structure) receives the matrix entries and the children's contribution blocks, its columns are
 * factorised by a dense row-Crout LDLᵀ, and the trailing block minus L₂₁DL₂₁ᵀ (the contribution
 * block) is added into the parent front, or into the dense Schur complement when the parent
 * columns are the kept trailing equations. All dense kernels are row-major dot products over
 * contiguous rows (2×2 register blocking for the contribution block), which is what makes this
 * several times faster than the column-by-column up-looking factorisation.
 */
export class SparseLdl {
  readonly n: number;
  readonly n1: number;
  readonly nLast: number;
  /** Dense Schur complement (row-major nLast × nLast), valid after factor(). */
  readonly schur: Float64Array;
  stats: FactorStats = { nnzL: 0, factorSeconds: 0 };
  factorizations = 0;
  solves = 0;
  solveSeconds = 0;
  readonly nSuper: number;
  /** First column of each supernode (length nSuper + 1). */
  private sCol: Int32Array;
  /** Off-diagonal row lists R_s (global rows, ascending). */
  private rPtr: Int32Array;
  private rows: Int32Array;
  /** Offsets of each supernode's L block (m × k row-major: rows = [columns, R_s]). */
  private lPtr: Float64Array;
  private lx: Float64Array;
  private d: Float64Array;
  /** Matrix-entry scatter: per supernode, value index → front position (row·m + col). */
  private aPtr: Int32Array;
  private aVal: Int32Array;
  private aPos: Int32Array;
  /** Entries inside the trailing block: value index → Schur position (row·nLast + col, row ≥ col). */
  private sVal: Int32Array;
  private sPos: Int32Array;
  /** Parent supernode (−1: none; −2: the Schur block) and the positions of R_s in the parent's index list. */
  private sParent: Int32Array;
  private relPtr: Int32Array;
  private rel: Int32Array;
  private fronts: (Float64Array | null)[];
  private xs: Float64Array;
  private ldBuf = new Float64Array(0);

  constructor(colPtr: Int32Array, rowIdx: Int32Array, nLast = 0) {
    const n = colPtr.length - 1;
    this.n = n;
    this.nLast = nLast;
    const n1 = n - nLast;
    this.n1 = n1;
    this.schur = new Float64Array(nLast * nLast);
    // elimination tree and column counts of L (eliminated columns only)
    const parent = new Int32Array(n).fill(-1);
    const flag = new Int32Array(n).fill(-1);
    const cnt = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      flag[k] = k;
      for (let p = colPtr[k]; p < colPtr[k + 1]; p++) {
        for (let i = rowIdx[p]; i < k && flag[i] !== k; i = parent[i]) {
          if (parent[i] === -1) parent[i] = k;
          cnt[i]++;
          flag[i] = k;
        }
      }
    }
    // fundamental supernodes over the eliminated columns, then relaxed amalgamation: a supernode is
    // merged into the next one when that is its parent and the explicit zeros this adds stay a small
    // fraction of the merged block (small fronts cost more in overhead than in flops)
    const fund: number[] = [0];
    for (let j = 1; j < n1; j++) {
      if (!(parent[j - 1] === j && cnt[j - 1] === cnt[j] + 1)) fund.push(j);
    }
    const sColList: number[] = [0];
    if (n1 > 0) {
      fund.push(n1);
      let kG = fund[1] - fund[0], rG = cnt[fund[1] - 1], zG = 0;
      for (let q = 1; q < fund.length - 1; q++) {
        const c0 = fund[q], kq = fund[q + 1] - c0, rq = cnt[fund[q + 1] - 1];
        const lastG = c0 - 1;
        let merge = false, z = 0;
        if (parent[lastG] === c0) {
          z = zG + kG * (kq + rq - rG);
          const k = kG + kq;
          const total = (k * (k - 1)) / 2 + k * rq;
          const frac = z / total;
          merge = k <= 4 || (k <= 16 && frac < 0.5) || (k <= 48 && frac < 0.1) || frac < 0.05;
        }
        if (merge) { kG += kq; rG = rq; zG = z; }
        else { sColList.push(c0); kG = kq; rG = rq; zG = 0; }
      }
      sColList.push(n1);
    }
    const nSuper = Math.max(0, sColList.length - 1);
    this.nSuper = nSuper;
    const sCol = Int32Array.from(sColList);
    this.sCol = sCol;
    const snode = new Int32Array(n).fill(-1);
    for (let s = 0; s < nSuper; s++) for (let j = sCol[s]; j < sCol[s + 1]; j++) snode[j] = s;
    // row structure of the last column of each supernode: walk the row subtrees once more, keeping
    // only the rows of the supernodes' last columns
    const rPtr = new Int32Array(nSuper + 1);
    for (let s = 0; s < nSuper; s++) rPtr[s + 1] = rPtr[s] + cnt[sCol[s + 1] - 1];
    const rows = new Int32Array(rPtr[nSuper]);
    const fill = rPtr.slice(0, nSuper);
    flag.fill(-1);
    for (let k = 0; k < n; k++) {
      flag[k] = k;
      for (let p = colPtr[k]; p < colPtr[k + 1]; p++) {
        for (let i = rowIdx[p]; i < k && flag[i] !== k; i = parent[i]) {
          flag[i] = k;
          const s = snode[i];
          if (s >= 0 && i === sCol[s + 1] - 1) rows[fill[s]++] = k;
        }
      }
    }
    this.rPtr = rPtr;
    this.rows = rows;
    // L storage and stats
    const lPtr = new Float64Array(nSuper + 1);
    let nnzL = 0;
    for (let s = 0; s < nSuper; s++) {
      const k = sCol[s + 1] - sCol[s], m = k + rPtr[s + 1] - rPtr[s];
      lPtr[s + 1] = lPtr[s] + m * k;
      nnzL += (k * (k - 1)) / 2 + (m - k) * k;
    }
    this.lPtr = lPtr;
    this.lx = new Float64Array(lPtr[nSuper]);
    this.d = new Float64Array(n1);
    this.stats.nnzL = nnzL;
    // local index of every global row in the current front
    const loc = new Int32Array(n).fill(-1);
    // matrix-entry scatter maps: entry (row j ≤ col i) of the upper CSC is L-column j, row i
    const aCnt = new Int32Array(nSuper + 1);
    let nS = 0;
    for (let i = 0; i < n; i++) for (let p = colPtr[i]; p < colPtr[i + 1]; p++) {
      const j = rowIdx[p];
      if (j < n1) aCnt[snode[j] + 1]++;
      else nS++;
    }
    const aPtr = new Int32Array(nSuper + 1);
    for (let s = 0; s < nSuper; s++) aPtr[s + 1] = aPtr[s] + aCnt[s + 1];
    const aVal = new Int32Array(aPtr[nSuper]);
    const aPos = new Int32Array(aPtr[nSuper]);
    const sVal = new Int32Array(nS), sPos = new Int32Array(nS);
    // entries grouped by supernode: first bucket the value indices
    const aFill = aPtr.slice(0, nSuper);
    let sFill = 0;
    for (let i = 0; i < n; i++) for (let p = colPtr[i]; p < colPtr[i + 1]; p++) {
      const j = rowIdx[p];
      if (j < n1) aVal[aFill[snode[j]]++] = p;
      else { sVal[sFill] = p; sPos[sFill++] = (i - n1) * nLast + (j - n1); }
    }
    // column index of every value (upper CSC column)
    const colOf = new Int32Array(rowIdx.length);
    for (let i = 0; i < n; i++) for (let p = colPtr[i]; p < colPtr[i + 1]; p++) colOf[p] = i;
    const sParent = new Int32Array(nSuper).fill(-1);
    const relPtr = new Int32Array(nSuper + 1);
    for (let s = 0; s < nSuper; s++) relPtr[s + 1] = relPtr[s] + (rPtr[s + 1] - rPtr[s]);
    const rel = new Int32Array(relPtr[nSuper]);
    for (let s = 0; s < nSuper; s++) {
      const c0 = sCol[s], k = sCol[s + 1] - c0, r0 = rPtr[s], m = k + rPtr[s + 1] - r0;
      for (let a = 0; a < k; a++) loc[c0 + a] = a;
      for (let a = 0; a < m - k; a++) loc[rows[r0 + a]] = k + a;
      for (let t = aPtr[s]; t < aPtr[s + 1]; t++) {
        const p = aVal[t];
        const j = rowIdx[p], i = colOf[p]; // L(i, j), i ≥ j
        aPos[t] = loc[i] * m + (j - c0);
      }
      for (let a = 0; a < m - k; a++) loc[rows[r0 + a]] = -1;
      for (let a = 0; a < k; a++) loc[c0 + a] = -1;
    }
    // parent fronts and relative maps
    for (let s = 0; s < nSuper; s++) {
      const r0 = rPtr[s], nr = rPtr[s + 1] - r0;
      if (nr === 0) continue;
      const first = rows[r0];
      if (first >= n1) {
        sParent[s] = -2;
        for (let a = 0; a < nr; a++) rel[relPtr[s] + a] = rows[r0 + a] - n1;
        continue;
      }
      const ps = snode[first];
      sParent[s] = ps;
      const pc0 = sCol[ps], pk = sCol[ps + 1] - pc0, pr0 = rPtr[ps], pm = pk + rPtr[ps + 1] - pr0;
      for (let a = 0; a < pk; a++) loc[pc0 + a] = a;
      for (let a = 0; a < pm - pk; a++) loc[rows[pr0 + a]] = pk + a;
      for (let a = 0; a < nr; a++) {
        const l = loc[rows[r0 + a]];
        if (l < 0) throw new Error('supernodal LDLᵀ: contribution row outside the parent front');
        rel[relPtr[s] + a] = l;
      }
      for (let a = 0; a < pm - pk; a++) loc[rows[pr0 + a]] = -1;
      for (let a = 0; a < pk; a++) loc[pc0 + a] = -1;
    }
    this.aPtr = aPtr; this.aVal = aVal; this.aPos = aPos; this.sVal = sVal; this.sPos = sPos;
    this.sParent = sParent; this.relPtr = relPtr; this.rel = rel;
    this.fronts = new Array(nSuper).fill(null);
    this.xs = new Float64Array(0);
  }

  /** Numeric factorisation of the values (same pattern as at construction). Throws on a zero pivot. */
  factor(values: Float64Array): void {
    const t0 = performance.now();
    const { nSuper, sCol, rPtr, lPtr, lx, d, aPtr, aVal, aPos, sVal, sPos, sParent, relPtr, rel, fronts, schur, nLast } = this;
    schur.fill(0);
    for (let t = 0; t < sVal.length; t++) schur[sPos[t]] += values[sVal[t]];
    let ld = this.ldBuf;
    for (let s = 0; s < nSuper; s++) {
      const c0 = sCol[s], k = sCol[s + 1] - c0, m = k + rPtr[s + 1] - rPtr[s];
      let F = fronts[s];
      if (!F) F = new Float64Array(m * m);
      fronts[s] = null;
      for (let t = aPtr[s]; t < aPtr[s + 1]; t++) F[aPos[t]] += values[aVal[t]];
      if (ld.length < m * k) { ld = new Float64Array(Math.max(m * k, 2 * ld.length)); this.ldBuf = ld; }
      // (the dense kernels are separate functions: V8 optimises them far better than one large loop nest)
      frontDiagonal(F, m, k, d, c0, ld);
      frontRows(F, m, k, d, c0, ld);
      const lo = lPtr[s];
      for (let r = 0; r < m; r++) {
        const rr = r * m, li = lo + r * k;
        for (let p = 0; p < k; p++) lx[li + p] = F[rr + p];
      }
      if (m === k) continue;
      frontContribution(F, m, k, ld);
      // extend-add into the parent front or the Schur complement
      const ps = sParent[s];
      if (ps === -2) extendAdd(F, m, k, schur, nLast, rel, relPtr[s]);
      else if (ps >= 0) {
        const pm = sCol[ps + 1] - sCol[ps] + rPtr[ps + 1] - rPtr[ps];
        let P = fronts[ps];
        if (!P) { P = new Float64Array(pm * pm); fronts[ps] = P; }
        extendAdd(F, m, k, P, pm, rel, relPtr[s]);
      }
    }
    // symmetric Schur complement (lower → both triangles)
    for (let r = 0; r < nLast; r++) for (let c = 0; c < r; c++) schur[c * nLast + r] = schur[r * nLast + c];
    this.factorizations++;
    this.stats.factorSeconds = (performance.now() - t0) / 1000;
  }

  /**
   * Forward elimination of r over the eliminated block: returns the condensed load b (length nLast)
   * and leaves w = D1⁻¹ L11⁻¹ r1 in `work` (length n) for expand().
   */
  condense(r: Float64Array, work: Float64Array): Float64Array {
    const t0 = performance.now();
    const { n, n1, nSuper, sCol, rPtr, rows, lPtr, lx, d } = this;
    work.set(r);
    for (let s = 0; s < nSuper; s++) {
      const c0 = sCol[s];
      forwardSupernode(lx, lPtr[s], sCol[s + 1] - c0, c0, rows, rPtr[s], rPtr[s + 1] - rPtr[s], work);
    }
    const b = work.slice(n1, n);
    for (let j = 0; j < n1; j++) work[j] /= d[j];
    this.solveSeconds += (performance.now() - t0) / 1000;
    return b;
  }

  /** Back substitution: with trailing values z, turn `work` (from condense) into the full solution. */
  expand(work: Float64Array, z: Float64Array | null): Float64Array {
    const t0 = performance.now();
    const { n1, nSuper, sCol, rPtr, rows, lPtr, lx } = this;
    if (z) work.set(z, n1);
    else work.fill(0, n1);
    let v = this.xs;
    for (let s = nSuper - 1; s >= 0; s--) {
      const c0 = sCol[s], k = sCol[s + 1] - c0;
      if (v.length < k) { v = new Float64Array(2 * k); this.xs = v; }
      backwardSupernode(lx, lPtr[s], k, c0, rows, rPtr[s], rPtr[s + 1] - rPtr[s], work, v);
    }
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

/** Forward substitution through one supernode (L block at lo, m × k row-major; rows R at rows[r0..r0+nr)). */
function forwardSupernode(lx: Float64Array, lo: number, k: number, c0: number, rows: Int32Array, r0: number, nr: number, work: Float64Array): void {
  for (let a = 1; a < k; a++) {
    const la = lo + a * k;
    let t = work[c0 + a], t1 = 0;
    let b = 0;
    for (; b + 1 < a; b += 2) { t -= lx[la + b] * work[c0 + b]; t1 += lx[la + b + 1] * work[c0 + b + 1]; }
    if (b < a) t -= lx[la + b] * work[c0 + b];
    work[c0 + a] = t - t1;
  }
  // rows of L21: four at a time (independent dot products sharing the loads of x)
  let a = 0;
  for (; a + 3 < nr; a += 4) {
    const l0 = lo + (k + a) * k, l1 = l0 + k, l2 = l1 + k, l3 = l2 + k;
    let t0 = 0, t1 = 0, t2 = 0, t3 = 0;
    for (let b = 0; b < k; b++) {
      const x = work[c0 + b];
      t0 += lx[l0 + b] * x; t1 += lx[l1 + b] * x; t2 += lx[l2 + b] * x; t3 += lx[l3 + b] * x;
    }
    work[rows[r0 + a]] -= t0; work[rows[r0 + a + 1]] -= t1; work[rows[r0 + a + 2]] -= t2; work[rows[r0 + a + 3]] -= t3;
  }
  for (; a < nr; a++) {
    const la = lo + (k + a) * k;
    let t = 0;
    for (let b = 0; b < k; b++) t += lx[la + b] * work[c0 + b];
    work[rows[r0 + a]] -= t;
  }
}

/** Backward substitution through one supernode: x_cols = L11⁻ᵀ (x_cols − L21ᵀ x_R); v is scratch (≥ k). */
function backwardSupernode(lx: Float64Array, lo: number, k: number, c0: number, rows: Int32Array, r0: number, nr: number, work: Float64Array, v: Float64Array): void {
  for (let b = 0; b < k; b++) v[b] = work[c0 + b];
  // v −= L21ᵀ x_R, four rows of L21 at a time
  let a = 0;
  for (; a + 3 < nr; a += 4) {
    const l0 = lo + (k + a) * k, l1 = l0 + k, l2 = l1 + k, l3 = l2 + k;
    const x0 = work[rows[r0 + a]], x1 = work[rows[r0 + a + 1]], x2 = work[rows[r0 + a + 2]], x3 = work[rows[r0 + a + 3]];
    for (let b = 0; b < k; b++) v[b] -= lx[l0 + b] * x0 + lx[l1 + b] * x1 + lx[l2 + b] * x2 + lx[l3 + b] * x3;
  }
  for (; a < nr; a++) {
    const la = lo + (k + a) * k;
    const xa = work[rows[r0 + a]];
    if (xa === 0) continue;
    for (let b = 0; b < k; b++) v[b] -= lx[la + b] * xa;
  }
  for (let c = k - 1; c >= 0; c--) {
    const xa = v[c];
    work[c0 + c] = xa;
    const la = lo + c * k;
    for (let b = 0; b < c; b++) v[b] -= lx[la + b] * xa;
  }
}

/**
 * Dense kernels of the multifrontal LDLᵀ on a front F (m × m row-major, lower triangle) whose first k
 * columns are eliminated; ld (stride k) receives L(j, p)·D(p).
 */
function frontDiagonal(F: Float64Array, m: number, k: number, d: Float64Array, c0: number, ld: Float64Array): void {
  // row-Crout LDLᵀ of the k × k diagonal block
  for (let i = 0; i < k; i++) {
    const ri = i * m;
    for (let j = 0; j < i; j++) {
      let t = F[ri + j];
      const rj = j * k;
      for (let p = 0; p < j; p++) t -= F[ri + p] * ld[rj + p];
      F[ri + j] = t / d[c0 + j];
    }
    let dd = F[ri + i];
    for (let p = 0; p < i; p++) { const l = F[ri + p]; dd -= l * l * d[c0 + p]; }
    if (!(dd > 0) && !(dd < 0)) throw new Error(`LDLᵀ: zero pivot at equation ${c0 + i}`);
    d[c0 + i] = dd;
    const ri2 = i * k;
    for (let p = 0; p < i; p++) ld[ri2 + p] = F[ri + p] * d[c0 + p];
  }
}

/** Rows below the diagonal block: L21 = F21 L11⁻ᵀ D⁻¹ (4 rows × 2 columns at a time), and their ld rows. */
function frontRows(F: Float64Array, m: number, k: number, d: Float64Array, c0: number, ld: Float64Array): void {
  let i = k;
  for (; i + 3 < m; i += 4) {
    const r0 = i * m, r1 = r0 + m, r2 = r1 + m, r3 = r2 + m;
    let j = 0;
    for (; j + 1 < k; j += 2) {
      // columns j and j+1 together; column j+1 also needs L(·, j)·ld(j+1, j)
      let t0 = F[r0 + j], t1 = F[r1 + j], t2 = F[r2 + j], t3 = F[r3 + j];
      let u0 = F[r0 + j + 1], u1 = F[r1 + j + 1], u2 = F[r2 + j + 1], u3 = F[r3 + j + 1];
      const rj = j * k, rj1 = rj + k;
      for (let p = 0; p < j; p++) {
        const y = ld[rj + p], y1 = ld[rj1 + p];
        const a0 = F[r0 + p], a1 = F[r1 + p], a2 = F[r2 + p], a3 = F[r3 + p];
        t0 -= a0 * y; t1 -= a1 * y; t2 -= a2 * y; t3 -= a3 * y;
        u0 -= a0 * y1; u1 -= a1 * y1; u2 -= a2 * y1; u3 -= a3 * y1;
      }
      const dj = d[c0 + j], dj1 = d[c0 + j + 1], lc = ld[rj1 + j];
      t0 /= dj; t1 /= dj; t2 /= dj; t3 /= dj;
      F[r0 + j] = t0; F[r1 + j] = t1; F[r2 + j] = t2; F[r3 + j] = t3;
      F[r0 + j + 1] = (u0 - t0 * lc) / dj1; F[r1 + j + 1] = (u1 - t1 * lc) / dj1;
      F[r2 + j + 1] = (u2 - t2 * lc) / dj1; F[r3 + j + 1] = (u3 - t3 * lc) / dj1;
    }
    for (; j < k; j++) {
      let t0 = F[r0 + j], t1 = F[r1 + j], t2 = F[r2 + j], t3 = F[r3 + j];
      const rj = j * k;
      for (let p = 0; p < j; p++) {
        const y = ld[rj + p];
        t0 -= F[r0 + p] * y; t1 -= F[r1 + p] * y; t2 -= F[r2 + p] * y; t3 -= F[r3 + p] * y;
      }
      const dj = d[c0 + j];
      F[r0 + j] = t0 / dj; F[r1 + j] = t1 / dj; F[r2 + j] = t2 / dj; F[r3 + j] = t3 / dj;
    }
  }
  for (; i < m; i++) {
    const ri = i * m;
    for (let j = 0; j < k; j++) {
      let t = F[ri + j];
      const rj = j * k;
      for (let p = 0; p < j; p++) t -= F[ri + p] * ld[rj + p];
      F[ri + j] = t / d[c0 + j];
    }
  }
  for (let r = k; r < m; r++) {
    const rr = r * m, r2 = r * k;
    for (let p = 0; p < k; p++) ld[r2 + p] = F[rr + p] * d[c0 + p];
  }
}

/**
 * Contribution block C = F22 − L21·D·L21ᵀ in place (lower triangle; a few entries just above the
 * diagonal are computed too and never read), 4 × 2 register blocks.
 */
function frontContribution(F: Float64Array, m: number, k: number, ld: Float64Array): void {
  let i = k;
  for (; i + 3 < m; i += 4) {
    const a0 = i * m, a1 = a0 + m, a2 = a1 + m, a3 = a2 + m;
    for (let j = k; j <= i + 2; j += 2) {
      const e0 = j * k, e1 = e0 + k;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
      for (let p = 0; p < k; p++) {
        const y0 = ld[e0 + p], y1 = ld[e1 + p];
        let x = F[a0 + p]; s00 += x * y0; s01 += x * y1;
        x = F[a1 + p]; s10 += x * y0; s11 += x * y1;
        x = F[a2 + p]; s20 += x * y0; s21 += x * y1;
        x = F[a3 + p]; s30 += x * y0; s31 += x * y1;
      }
      F[a0 + j] -= s00; F[a0 + j + 1] -= s01;
      F[a1 + j] -= s10; F[a1 + j + 1] -= s11;
      F[a2 + j] -= s20; F[a2 + j + 1] -= s21;
      F[a3 + j] -= s30; F[a3 + j + 1] -= s31;
    }
  }
  for (; i < m; i++) {
    const a0 = i * m;
    for (let j = k; j <= i; j++) {
      const e0 = j * k;
      let s00 = 0;
      for (let p = 0; p < k; p++) s00 += F[a0 + p] * ld[e0 + p];
      F[a0 + j] -= s00;
    }
  }
}

/** Add the contribution block of F (rows/columns k..m−1) into P (row stride pm) at the relative positions rel[ro..]. */
function extendAdd(F: Float64Array, m: number, k: number, P: Float64Array, pm: number, rel: Int32Array, ro: number): void {
  const nr = m - k;
  for (let a = 0; a < nr; a++) {
    const ra = (k + a) * m + k, pa = rel[ro + a] * pm;
    for (let b = 0; b <= a; b++) P[pa + rel[ro + b]] += F[ra + b];
  }
}
