/**
 * Dense Cholesky for the symmetric positive definite blocks of the contact solver: the Schur
 * complements of the interface (SimplicialLdl / SparseLdl `solve`, the active-set LCP of lcp.ts), the
 * compliance factor W_AA of the constant-compliance LCP (a leading block of a larger buffer, hence the
 * row stride), and the interface compliance W = S⁻¹ (contact.ts).
 *
 * All matrices are row-major; the factor L overwrites the lower triangle. Left-looking by columns with
 * the column's entries as dot products of contiguous row prefixes: that keeps every inner loop on
 * contiguous memory, which matters more than the loop order for V8.
 *
 * Reference: G. H. Golub, C. F. Van Loan, Matrix Computations, 4th ed. (2013), §4.2 (Cholesky,
 * gaxpy/dot-product forms), §3.1 (triangular solves); N. J. Higham, Accuracy and Stability of
 * Numerical Algorithms (2002), ch. 14 (inverse via the factor).
 * Complexity: factor n³/3 multiply-adds, solve 2n² (forward + backward), inverse ≈ 2n³/3 beyond the
 * factor; memory in place (inverse: two n × n arrays).
 */

/**
 * Cholesky of the leading n × n block of a row-major array with row stride `stride` (lower triangle
 * becomes L). Returns −1, or the first column whose pivot is not positive (the factor is then only
 * valid before that column). Both the sparse Schur solves (stride = n) and the LCP's W_AA factor
 * (stride = nc, a block of a reused buffer) run this one loop nest.
 */
export function choleskyStrided(a: Float64Array, n: number, stride: number): number {
  // left-looking by columns: column j of L from dot products of row prefixes, four rows at a time
  const s = stride;
  for (let j = 0; j < n; j++) {
    const rj = j * s;
    let d = a[rj + j];
    for (let k = 0; k < j; k++) d -= a[rj + k] * a[rj + k];
    if (!(d > 0)) return j;
    const ljj = Math.sqrt(d);
    a[rj + j] = ljj;
    const inv = 1 / ljj;
    let i = j + 1;
    for (; i + 3 < n; i += 4) {
      const r0 = i * s, r1 = r0 + s, r2 = r1 + s, r3 = r2 + s;
      let t0 = a[r0 + j], t1 = a[r1 + j], t2 = a[r2 + j], t3 = a[r3 + j];
      for (let k = 0; k < j; k++) {
        const y = a[rj + k];
        t0 -= a[r0 + k] * y; t1 -= a[r1 + k] * y; t2 -= a[r2 + k] * y; t3 -= a[r3 + k] * y;
      }
      a[r0 + j] = t0 * inv; a[r1 + j] = t1 * inv; a[r2 + j] = t2 * inv; a[r3 + j] = t3 * inv;
    }
    for (; i < n; i++) {
      const ri = i * s;
      let t = a[ri + j];
      for (let k = 0; k < j; k++) t -= a[ri + k] * a[rj + k];
      a[ri + j] = t * inv;
    }
  }
  return -1;
}

/** Dense Cholesky of a symmetric positive definite n×n row-major matrix; the lower triangle of `a` becomes L. Throws when not positive definite. */
export function choleskyInPlace(a: Float64Array, n: number, what = 'dense Cholesky'): void {
  const j = choleskyStrided(a, n, n);
  if (j < 0) return;
  // the failed pivot, for the message: row j still holds L(j, 0..j−1) and the untouched a(j, j), so
  // this repeats the factor's own sum in the same order
  const rj = j * n;
  let d = a[rj + j];
  for (let k = 0; k < j; k++) d -= a[rj + k] * a[rj + k];
  throw new Error(`${what}: matrix not positive definite at ${j} (${d})`);
}

/** Back substitution Lᵀ x = y in place (both sweeps stay on contiguous rows of L: column-oriented on Lᵀ). */
function backwardRows(L: Float64Array, n: number, s: number, x: Float64Array): void {
  for (let i = n - 1; i >= 0; i--) {
    const ri = i * s;
    const xi = x[i] / L[ri + i];
    x[i] = xi;
    if (xi === 0) continue;
    for (let k = 0; k < i; k++) x[k] -= L[ri + k] * xi;
  }
}

/**
 * Solve L·Lᵀ·x = b with the factor from `choleskyInPlace` (both sweeps along contiguous rows of L).
 * The forward sweep splits each row's dot product into two accumulators (even / odd k) for
 * instruction-level parallelism.
 */
export function choleskySolve(L: Float64Array, n: number, b: Float64Array): Float64Array {
  const x = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s0 = x[i], s1 = 0;
    let k = 0;
    for (; k + 1 < i; k += 2) { s0 -= L[ri + k] * x[k]; s1 -= L[ri + k + 1] * x[k + 1]; }
    if (k < i) s0 -= L[ri + k] * x[k];
    x[i] = (s0 + s1) / L[ri + i];
  }
  backwardRows(L, n, n, x);
  return x;
}

/**
 * Solve L Lᵀ x = b with the factor from `choleskyStrided` (row stride `stride`). The forward sweep
 * keeps a single accumulator per row: its sums round differently from choleskySolve's two, and the
 * compliance LCP's active-set decisions (and so every contact result) were established with it.
 */
export function choleskySolveStrided(L: Float64Array, n: number, stride: number, b: Float64Array): Float64Array {
  const x = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    const ri = i * stride;
    let t = x[i];
    for (let k = 0; k < i; k++) t -= L[ri + k] * x[k];
    x[i] = t / L[ri + i];
  }
  backwardRows(L, n, stride, x);
  return x;
}

/** In-place dense Cholesky solve of a symmetric positive definite n×n row-major system. Returns x. */
export function denseSolveSpd(a: Float64Array, n: number, b: Float64Array): Float64Array {
  choleskyInPlace(a, n);
  return choleskySolve(a, n, b);
}

/**
 * Inverse of a dense SPD matrix (row-major), by Cholesky: A = L Lᵀ, X = L⁻¹ (lower, in place of a
 * copy, row-oriented), A⁻¹ = Xᵀ X (only the lower triangle computed, then mirrored). About n³·2/3
 * multiply-adds instead of the 2n³ of n column solves.
 */
export function denseSpdInverse(a: Float64Array, n: number): Float64Array {
  const L = a.slice();
  choleskyInPlace(L, n);
  // Y = L⁻ᵀ (upper triangular), row j of Y = column j of L⁻¹: from L⁻¹ L = I by columns,
  // X[i][j] = −(Σ_{k=j}^{i−1} L[i][k] X[k][j]) / L[i][i], i.e. Y[j][i] = −(Σ_k Y[j][k] L[i][k]) / L[i][i]:
  // a dot product of the row prefix of L with the row of Y; four rows j at a time share the L row
  const Y = new Float64Array(n * n);
  const dinv = new Float64Array(n);
  for (let i = 0; i < n; i++) dinv[i] = 1 / L[i * n + i];
  let j = 0;
  for (; j + 3 < n; j += 4) {
    const y0 = j * n, y1 = y0 + n, y2 = y1 + n, y3 = y2 + n;
    // the 4 × 4 diagonal block first (Y[j+r][i] for i in j..j+3)
    for (let r = 0; r < 4; r++) {
      const yr = (j + r) * n;
      Y[yr + j + r] = dinv[j + r];
      for (let i = j + r + 1; i < j + 4; i++) {
        const li = i * n;
        let t = 0;
        for (let k = j + r; k < i; k++) t += Y[yr + k] * L[li + k];
        Y[yr + i] = -t * dinv[i];
      }
    }
    let i = j + 4;
    for (; i + 1 < n; i += 2) {
      // Y[j+r][i] and Y[j+r][i+1] together: the second needs the first through L[i+1][i]
      const li = i * n, li1 = li + n;
      let t0 = 0, t1 = 0, t2 = 0, t3 = 0, u0 = 0, u1 = 0, u2 = 0, u3 = 0;
      for (let k = j; k < i; k++) {
        const l = L[li + k], l1 = L[li1 + k];
        const a0 = Y[y0 + k], a1 = Y[y1 + k], a2 = Y[y2 + k], a3 = Y[y3 + k];
        t0 += a0 * l; t1 += a1 * l; t2 += a2 * l; t3 += a3 * l;
        u0 += a0 * l1; u1 += a1 * l1; u2 += a2 * l1; u3 += a3 * l1;
      }
      const d = dinv[i], d1 = dinv[i + 1], lc = L[li1 + i];
      const z0 = -t0 * d, z1 = -t1 * d, z2 = -t2 * d, z3 = -t3 * d;
      Y[y0 + i] = z0; Y[y1 + i] = z1; Y[y2 + i] = z2; Y[y3 + i] = z3;
      Y[y0 + i + 1] = -(u0 + z0 * lc) * d1; Y[y1 + i + 1] = -(u1 + z1 * lc) * d1;
      Y[y2 + i + 1] = -(u2 + z2 * lc) * d1; Y[y3 + i + 1] = -(u3 + z3 * lc) * d1;
    }
    for (; i < n; i++) {
      const li = i * n;
      let t0 = 0, t1 = 0, t2 = 0, t3 = 0;
      for (let k = j; k < i; k++) {
        const l = L[li + k];
        t0 += Y[y0 + k] * l; t1 += Y[y1 + k] * l; t2 += Y[y2 + k] * l; t3 += Y[y3 + k] * l;
      }
      const d = dinv[i];
      Y[y0 + i] = -t0 * d; Y[y1 + i] = -t1 * d; Y[y2 + i] = -t2 * d; Y[y3 + i] = -t3 * d;
    }
  }
  for (; j < n; j++) {
    const yj = j * n;
    Y[yj + j] = dinv[j];
    for (let i = j + 1; i < n; i++) {
      const li = i * n;
      let t = 0;
      for (let k = j; k < i; k++) t += Y[yj + k] * L[li + k];
      Y[yj + i] = -t * dinv[i];
    }
  }
  // A⁻¹ = Y Yᵀ: A⁻¹[r][j] = Σ_k Y[r][k] Y[j][k]; Y is upper triangular with explicit zeros, so for a
  // block of rows i..i+3 every sum may start at k = i. 4 × 2 register blocks; entries above the
  // diagonal that fall inside a block are the (symmetric) values themselves.
  const inv = new Float64Array(n * n);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const r0 = i * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
    for (let jj = 0; jj < i + 4; jj += 2) {
      const e0 = jj * n, e1 = e0 + n;
      let s00 = 0, s01 = 0, s10 = 0, s11 = 0, s20 = 0, s21 = 0, s30 = 0, s31 = 0;
      for (let k = i; k < n; k++) {
        const b0 = Y[e0 + k], b1 = Y[e1 + k];
        let a = Y[r0 + k]; s00 += a * b0; s01 += a * b1;
        a = Y[r1 + k]; s10 += a * b0; s11 += a * b1;
        a = Y[r2 + k]; s20 += a * b0; s21 += a * b1;
        a = Y[r3 + k]; s30 += a * b0; s31 += a * b1;
      }
      inv[r0 + jj] = s00; inv[r0 + jj + 1] = s01; inv[r1 + jj] = s10; inv[r1 + jj + 1] = s11;
      inv[r2 + jj] = s20; inv[r2 + jj + 1] = s21; inv[r3 + jj] = s30; inv[r3 + jj + 1] = s31;
    }
  }
  for (; i < n; i++) {
    const r0 = i * n;
    for (let jj = 0; jj <= i; jj++) {
      const e0 = jj * n;
      let s0 = 0;
      for (let k = i; k < n; k++) s0 += Y[r0 + k] * Y[e0 + k];
      inv[r0 + jj] = s0;
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) inv[j * n + i] = inv[i * n + j];
  return inv;
}
