/**
 * Normal-equation solve for the 6 rigid (or 12 affine) parameters that leaves out directions the data do not
 * determine: H is scaled so rotations count as displacements at the samples' reach, then
 * eigen-decomposed (cyclic Jacobi, Golub & Van Loan §8.5, O(6³) per sweep) and only components
 * with eigenvalue ≥ `relative` × the largest are solved: a guard for data with no information in
 * some direction (ideal flat layers: no lateral texture), which then stays put instead of taking a
 * huge step. On the phantoms no direction falls below 1e-3 (the lateral ones sit near 5 % at the
 * coarsest level); the wrong-basin problem there is solved by the translation search instead.
 */

/** Eigenvalues and column eigenvectors (row-major V, V[r*n + c] = component r of vector c) of symmetric A. */
export function jacobiEigen(A: Float64Array, n: number): { values: Float64Array; V: Float64Array } {
  const a = Float64Array.from(A);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 50; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off < 1e-30 * (a.reduce((s, v) => s + v * v, 0) || 1)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p];
          const vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i];
  return { values, V };
}

/**
 * Solve H d = g for n parameters, each scaled by s[r] before the eigen-decomposition (so all count as
 * displacements in µm), keeping eigen-directions with eigenvalue ≥ relative × max.
 */
export function solveScaled(H: Float64Array, g: Float64Array, s: readonly number[], relative: number): { d: Float64Array; rank: number; values: Float64Array } {
  const n = s.length;
  const Hs = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) Hs[r * n + c] = H[r * n + c] * s[r] * s[c];
  const { values, V } = jacobiEigen(Hs, n);
  const max = Math.max(...values);
  const y = new Float64Array(n);
  let rank = 0;
  for (let e = 0; e < n; e++) {
    if (!(values[e] > 0) || values[e] < relative * max) continue;
    rank++;
    let proj = 0;
    for (let r = 0; r < n; r++) proj += V[r * n + e] * g[r] * s[r];
    for (let r = 0; r < n; r++) y[r] += (V[r * n + e] * proj) / values[e];
  }
  const d = new Float64Array(n);
  for (let r = 0; r < n; r++) d[r] = y[r] * s[r];
  return { d, rank, values };
}

/** d = [Δt (µm), ω (rad)], rotations scaled by `reach` (µm). */
export function solveRigid(H: Float64Array, g: Float64Array, reach: number, relative: number): { d: Float64Array; rank: number; values: Float64Array } {
  return solveScaled(H, g, [1, 1, 1, 1 / reach, 1 / reach, 1 / reach], relative);
}

/** d = [Δt (µm), ΔA row-major (9, dimensionless)], the matrix entries scaled by `reach` (µm). */
export function solveAffine(H: Float64Array, g: Float64Array, reach: number, relative: number): { d: Float64Array; rank: number; values: Float64Array } {
  return solveScaled(H, g, [1, 1, 1, ...new Array<number>(9).fill(1 / reach)], relative);
}
