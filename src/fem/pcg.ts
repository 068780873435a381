/**
 * Jacobi-preconditioned conjugate gradients on the upper-triangle CSC matrix. Not used by the solvers:
 * it is the iterative baseline the benchmark (scripts/bench/fem.ts) compares the direct LDLᵀ against.
 *
 * Reference: Y. Saad, Iterative Methods for Sparse Linear Systems, 2nd ed. (SIAM 2003), alg. 9.1
 * (preconditioned CG).
 * Complexity: O(nnz) per iteration (one symMatVec + five vector sweeps); iterations grow like
 * √κ(K), which is why it loses to the direct factorisation on the contact meshes.
 */
import { findEntry, symMatVec, type UpperCsc } from './csc.js';

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
