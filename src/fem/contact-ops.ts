/** Small dense kernels of the contact iteration (ContactCell): Anderson mixing coefficients, products, set equality. */
/** Least-squares coefficients γ = argmin ‖f − Σ γ_j dF_j‖₂ over the first mk stored differences (normal equations with the Gram matrix, Tikhonov-regularised). */
export function andersonCoefficients(dF: Float64Array[], mk: number, stride: number, f: Float64Array, gram: Float64Array): Float64Array {
  const m = mk;
  const A = new Float64Array(m * m);
  const rhs = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const fi = dF[i];
    for (let j = 0; j < m; j++) A[i * m + j] = gram[i * stride + j];
    let s = 0;
    for (let k = 0; k < fi.length; k++) s += fi[k] * f[k];
    rhs[i] = s;
  }
  let tr = 0;
  for (let i = 0; i < m; i++) tr += A[i * m + i];
  for (let i = 0; i < m; i++) A[i * m + i] += 1e-10 * (tr / m) + 1e-300;
  // Gaussian elimination with partial pivoting
  const x = Float64Array.from(rhs);
  const M = A.slice();
  for (let c = 0; c < m; c++) {
    let piv = c;
    for (let r2 = c + 1; r2 < m; r2++) if (Math.abs(M[r2 * m + c]) > Math.abs(M[piv * m + c])) piv = r2;
    if (piv !== c) {
      for (let k = 0; k < m; k++) { const t = M[c * m + k]; M[c * m + k] = M[piv * m + k]; M[piv * m + k] = t; }
      const t = x[c]; x[c] = x[piv]; x[piv] = t;
    }
    const d = M[c * m + c];
    if (d === 0) return new Float64Array(m);
    for (let r2 = c + 1; r2 < m; r2++) {
      const fct = M[r2 * m + c] / d;
      if (fct === 0) continue;
      for (let k = c; k < m; k++) M[r2 * m + k] -= fct * M[c * m + k];
      x[r2] -= fct * x[c];
    }
  }
  for (let c = m - 1; c >= 0; c--) {
    let s = x[c];
    for (let k = c + 1; k < m; k++) s -= M[c * m + k] * x[k];
    x[c] = s / M[c * m + c];
  }
  return x;
}

/** y = A x for a dense n × n row-major matrix (four rows at a time). */
export function matVec(A: Float64Array, n: number, x: Float64Array): Float64Array {
  const y = new Float64Array(n);
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const r0 = i * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (let j = 0; j < n; j++) { const xj = x[j]; s0 += A[r0 + j] * xj; s1 += A[r1 + j] * xj; s2 += A[r2 + j] * xj; s3 += A[r3 + j] * xj; }
    y[i] = s0; y[i + 1] = s1; y[i + 2] = s2; y[i + 3] = s3;
  }
  for (; i < n; i++) { const ri = i * n; let s = 0; for (let j = 0; j < n; j++) s += A[ri + j] * x[j]; y[i] = s; }
  return y;
}

/** y = A x for a dense symmetric n × n matrix and x nonzero only at `idx`: y = Σ_j x_j A[j, :]. */
export function sparseMatVec(A: Float64Array, n: number, x: Float64Array, idx: number[]): Float64Array {
  const y = new Float64Array(n);
  for (const j of idx) {
    const xj = x[j], rj = j * n;
    for (let i = 0; i < n; i++) y[i] += A[rj + i] * xj;
  }
  return y;
}

export function sameSet(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
