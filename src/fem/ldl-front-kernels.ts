/**
 * Dense kernels of the supernodal multifrontal LDLᵀ (ldl-supernodal.ts): the row-Crout factorisation
 * of a front's diagonal block, the rows below it, the contribution block (Schur update), the
 * extend-add into the parent front, and the forward / backward substitution through one supernode.
 * Fronts and L blocks are row-major so every inner loop is a dot product over contiguous memory, with
 * 4-row × 2-column register blocking where it pays. They are separate small functions because V8
 * optimises them far better than one large loop nest; their floating-point order is fixed (the
 * tests and the contact results depend on it bit for bit), so change a kernel only with that in mind.
 *
 * Reference: J. W. H. Liu, "The multifrontal method for sparse matrix solution: theory and practice",
 * SIAM Review 34 (1992) 82–109 (frontal matrix, extend-add); G. H. Golub, C. F. Van Loan, Matrix
 * Computations, 4th ed. (2013), §4.1 (LDLᵀ, Crout form).
 * Complexity, for a front of m rows with k eliminated columns: frontDiagonal k³/6, frontRows
 * (m − k)·k²/2, frontContribution (m − k)²·k/2 multiply-adds; extendAdd (m − k)²/2; the substitutions
 * k²/2 + (m − k)·k each.
 */

/** Forward substitution through one supernode (L block at lo, m × k row-major; rows R at rows[r0..r0+nr)). */
export function forwardSupernode(lx: Float64Array, lo: number, k: number, c0: number, rows: Int32Array, r0: number, nr: number, work: Float64Array): void {
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
export function backwardSupernode(lx: Float64Array, lo: number, k: number, c0: number, rows: Int32Array, r0: number, nr: number, work: Float64Array, v: Float64Array): void {
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
export function frontDiagonal(F: Float64Array, m: number, k: number, d: Float64Array, c0: number, ld: Float64Array): void {
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
export function frontRows(F: Float64Array, m: number, k: number, d: Float64Array, c0: number, ld: Float64Array): void {
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
export function frontContribution(F: Float64Array, m: number, k: number, ld: Float64Array): void {
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
export function extendAdd(F: Float64Array, m: number, k: number, P: Float64Array, pm: number, rel: Int32Array, ro: number): void {
  const nr = m - k;
  for (let a = 0; a < nr; a++) {
    const ra = (k + a) * m + k, pa = rel[ro + a] * pm;
    for (let b = 0; b <= a; b++) P[pa + rel[ro + b]] += F[ra + b];
  }
}
