/**
 * Compressed sparse column (CSC) storage of a symmetric matrix by its upper triangle (row ≤ column),
 * the format every FEM assembly (solid.ts, conduction.ts) builds and every LDLᵀ factorisation reads:
 * pattern construction from (row, col) pairs, entry lookup, and the symmetric matrix–vector product.
 *
 * Reference: T. A. Davis, Direct Methods for Sparse Linear Systems (SIAM 2006), ch. 2 (CSC format,
 * cs_compress / cs_dupl).
 * Complexity: patternFromPairs O(count + Σ_j c_j log c_j) (c_j = pairs in column j; sort per column);
 * findEntry O(log c_j); symMatVec O(nnz).
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
