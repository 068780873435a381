/**
 * Condensed frictionless contact on the interface by a primal–dual active set method
 * (Hüeber–Wohlmuth): exact non-penetration (gap = 0 on the active set, P = 0 off it), no penalty.
 *
 * Unknowns x = [Δz (Li interface v increments, nc; then the platen δ increment), w_e (electrolyte
 * surface v, nc; only for an elastic electrolyte)]. Equations: S Δz = b + [P; 0], S_e w_e = b_e − P,
 * gap_i = ĝ_i + Δz_i − w_e,i ≥ 0, P_i ≥ 0, P_i·gap_i = 0. The platen force sits in b (δ row), so the
 * total contact force equals the stack force exactly at every solve.
 */
import { choleskyInPlace, choleskySolve, denseSolveSpd } from './sparse.js';

export interface LcpInput {
  nc: number;
  /** Li Schur complement (nL × nL, nL = nc + 1), row-major. */
  S: Float64Array;
  b: Float64Array;
  /** Electrolyte Schur complement (nc × nc) and load, or null (rigid). */
  Se: Float64Array | null;
  be: Float64Array | null;
  /** Gap before the increment (g0 + current Li interface displacement), per column. */
  gHat: Float64Array;
  /** Warm-start active set. */
  active: Uint8Array;
}

export interface LcpResult {
  dz: Float64Array;
  we: Float64Array | null;
  P: Float64Array;
  gap: Float64Array;
  active: Uint8Array;
  iterations: number;
}

export function solveContactLcp(inp: LcpInput, maxIt = 200): LcpResult {
  const { nc, S, b, Se, be, gHat } = inp;
  const nL = nc + 1;
  const m = Se ? nL + nc : nL;
  // block-diagonal M and q
  const M = (k: number, l: number): number => {
    if (k < nL) return l < nL ? S[k * nL + l] : 0;
    return l >= nL ? Se![(k - nL) * nc + (l - nL)] : 0;
  };
  const q = new Float64Array(m);
  q.set(b);
  if (Se && be) q.set(be, nL);
  let cScale = 0;
  for (let i = 0; i < nc; i++) cScale += Math.abs(S[i * nL + i]);
  cScale /= nc;
  let active = Uint8Array.from(inp.active);
  let anyActive = active.some((v) => v === 1);
  if (!anyActive) {
    let best = 0;
    for (let i = 1; i < nc; i++) if (gHat[i] < gHat[best]) best = i;
    active[best] = 1;
  }
  const map = new Int32Array(m);
  const off = new Float64Array(m);
  const x = new Float64Array(m);
  const P = new Float64Array(nc);
  const gap = new Float64Array(nc);
  for (let it = 1; it <= maxIt; it++) {
    // reduced numbering
    let nr = 0;
    if (Se) {
      for (let k = nL; k < m; k++) map[k] = nr++;
      map[nc] = nr++; // δ
      for (let i = 0; i < nc; i++) {
        if (active[i]) { map[i] = map[nL + i]; off[i] = -gHat[i]; }
        else { map[i] = nr++; off[i] = 0; }
      }
    } else {
      for (let i = 0; i < nc; i++) {
        if (active[i]) { map[i] = -1; off[i] = -gHat[i]; }
        else { map[i] = nr++; off[i] = 0; }
      }
      map[nc] = nr++;
      off[nc] = 0;
    }
    if (Se) { off[nc] = 0; for (let k = nL; k < m; k++) off[k] = 0; }
    const Mr = new Float64Array(nr * nr);
    const qr = new Float64Array(nr);
    for (let k = 0; k < m; k++) {
      let s = q[k];
      for (let l = 0; l < m; l++) { const o = off[l]; if (o !== 0) s -= M(k, l) * o; }
      const rk = map[k];
      if (rk < 0) continue;
      qr[rk] += s;
      const rowOff = rk * nr;
      for (let l = 0; l < m; l++) {
        const rl = map[l];
        if (rl < 0) continue;
        const v = M(k, l);
        if (v !== 0) Mr[rowOff + rl] += v;
      }
    }
    const y = denseSolveSpd(Mr, nr, qr);
    for (let k = 0; k < m; k++) x[k] = (map[k] >= 0 ? y[map[k]] : 0) + off[k];
    // contact forces and gaps
    const next = new Uint8Array(nc);
    let changed = false;
    for (let i = 0; i < nc; i++) {
      let s = -q[i];
      for (let l = 0; l < nL; l++) s += S[i * nL + l] * x[l];
      const we = Se ? x[nL + i] : 0;
      if (active[i]) { P[i] = s; gap[i] = 0; }
      else { P[i] = 0; gap[i] = gHat[i] + x[i] - we; }
      next[i] = P[i] - cScale * gap[i] > 0 ? 1 : 0;
      if (next[i] !== active[i]) changed = true;
    }
    if (!next.some((v) => v === 1)) {
      // keep the node closest to contact so the floating Li stays supported
      let best = 0;
      for (let i = 1; i < nc; i++) if (gap[i] - P[i] / cScale < gap[best] - P[best] / cScale) best = i;
      next[best] = 1;
      changed = changed || !active[best];
    }
    if (!changed) {
      return { dz: x.slice(0, nL), we: Se ? x.slice(nL) : null, P, gap, active, iterations: it };
    }
    active = next;
  }
  throw new Error('contact active-set iteration did not converge');
}

/**
 * Contact on a constant interface compliance (Tamaas-style "pressure primal with mean constraint").
 *
 * gap = q + W·P + c·1 ≥ 0, P ≥ 0, P·gap = 0, ΣP = F, with the rigid approach c as the extra unknown.
 * W (nc × nc, SPD, row-major) is the combined Li + electrolyte interface compliance, computed once
 * from the Schur complements of one factorisation. Primal–dual active set: on A solve
 * [W_AA 1; 1ᵀ 0][P_A; c] = [−q_A; F] (dense Cholesky of W_AA, cached while A does not change).
 */
export interface ComplianceLcpCache {
  key: Uint8Array | null;
  /** Active indices in factor order (not sorted: additions are appended). */
  idx: Int32Array;
  /** Cholesky factor of W_AA in idx order, row-major with row stride `stride` (lower triangle). */
  L: Float64Array;
  stride: number;
  /** W_AA⁻¹ 1 for the cached set. */
  w1: Float64Array;
  factorizations: number;
  /** Row additions / deletions applied to the factor instead of refactorising. */
  updates: number;
}

export function newComplianceCache(): ComplianceLcpCache {
  return { key: null, idx: new Int32Array(0), L: new Float64Array(0), stride: 0, w1: new Float64Array(0), factorizations: 0, updates: 0 };
}

/** Cholesky of the leading na × na block of a row-major array with row stride s (lower triangle). */
function choleskyStrided(a: Float64Array, na: number, s: number): boolean {
  for (let j = 0; j < na; j++) {
    const rj = j * s;
    let d = a[rj + j];
    for (let k = 0; k < j; k++) d -= a[rj + k] * a[rj + k];
    if (!(d > 0)) return false;
    const ljj = Math.sqrt(d);
    a[rj + j] = ljj;
    const inv = 1 / ljj;
    let i = j + 1;
    for (; i + 3 < na; i += 4) {
      const r0 = i * s, r1 = r0 + s, r2 = r1 + s, r3 = r2 + s;
      let t0 = a[r0 + j], t1 = a[r1 + j], t2 = a[r2 + j], t3 = a[r3 + j];
      for (let k = 0; k < j; k++) {
        const y = a[rj + k];
        t0 -= a[r0 + k] * y; t1 -= a[r1 + k] * y; t2 -= a[r2 + k] * y; t3 -= a[r3 + k] * y;
      }
      a[r0 + j] = t0 * inv; a[r1 + j] = t1 * inv; a[r2 + j] = t2 * inv; a[r3 + j] = t3 * inv;
    }
    for (; i < na; i++) {
      const ri = i * s;
      let t = a[ri + j];
      for (let k = 0; k < j; k++) t -= a[ri + k] * a[rj + k];
      a[ri + j] = t * inv;
    }
  }
  return true;
}

/** Solve L Lᵀ x = b with the strided factor. */
function solveStrided(L: Float64Array, na: number, s: number, b: Float64Array): Float64Array {
  const x = Float64Array.from(b);
  for (let i = 0; i < na; i++) {
    const ri = i * s;
    let t = x[i];
    for (let k = 0; k < i; k++) t -= L[ri + k] * x[k];
    x[i] = t / L[ri + i];
  }
  for (let i = na - 1; i >= 0; i--) {
    const ri = i * s;
    const xi = x[i] / L[ri + i];
    x[i] = xi;
    if (xi === 0) continue;
    for (let k = 0; k < i; k++) x[k] -= L[ri + k] * xi;
  }
  return x;
}

/** Factor of W_AA for the active set: refactorised, or updated by row deletions and additions when few changed. */
function setActiveFactor(nc: number, W: Float64Array, active: Uint8Array, cache: ComplianceLcpCache): void {
  const full = () => {
    let na = 0;
    for (let i = 0; i < nc; i++) if (active[i]) na++;
    const idx = new Int32Array(na);
    for (let i = 0, k = 0; i < nc; i++) if (active[i]) idx[k++] = i;
    const L = new Float64Array(na * na);
    for (let a = 0; a < na; a++) {
      const ra = idx[a] * nc;
      for (let b = 0; b <= a; b++) L[a * na + b] = W[ra + idx[b]];
    }
    if (!choleskyStrided(L, na, na)) throw new Error('compliance contact: W_AA not positive definite');
    cache.idx = idx; cache.L = L; cache.stride = na;
    cache.factorizations++;
  };
  const key = cache.key;
  let nDel = 0, nAdd = 0;
  if (key) for (let i = 0; i < nc; i++) { if (key[i] && !active[i]) nDel++; else if (!key[i] && active[i]) nAdd++; }
  const na0 = cache.idx.length;
  if (!key || nDel + nAdd > Math.max(4, na0 >> 3) || na0 - nDel < 1) full();
  else {
    // work in a buffer with row stride nc
    const s = nc;
    let L = cache.L;
    if (cache.stride !== s) {
      const B = new Float64Array(nc * nc);
      const s0 = cache.stride;
      for (let a = 0; a < na0; a++) for (let b = 0; b <= a; b++) B[a * s + b] = L[a * s0 + b];
      L = B;
    }
    let idx = Array.from(cache.idx);
    let ok = true;
    // deletions: drop row/column p, then the trailing factor absorbs the dropped column (rank-1 update)
    for (let p = idx.length - 1; p >= 0 && ok; p--) {
      if (active[idx[p]]) continue;
      const na = idx.length;
      const m = na - p - 1;
      const x = new Float64Array(m);
      for (let i = 0; i < m; i++) x[i] = L[(p + 1 + i) * s + p];
      // shift rows p+1.. up and columns p+1.. left
      for (let i = p + 1; i < na; i++) {
        const src = i * s, dst = (i - 1) * s;
        for (let j = 0; j < p; j++) L[dst + j] = L[src + j];
        for (let j = p + 1; j <= i; j++) L[dst + j - 1] = L[src + j];
      }
      // L33 L33ᵀ + x xᵀ: rows/cols p .. na−2
      for (let k = 0; k < m; k++) {
        const rk = (p + k) * s + p + k;
        const lkk = L[rk];
        const r = Math.sqrt(lkk * lkk + x[k] * x[k]);
        const c = r / lkk, sn = x[k] / lkk;
        L[rk] = r;
        for (let i = k + 1; i < m; i++) {
          const pos = (p + i) * s + p + k;
          const v = (L[pos] + sn * x[i]) / c;
          L[pos] = v;
          x[i] = c * x[i] - sn * v;
        }
      }
      idx.splice(p, 1);
      cache.updates++;
    }
    // additions: append rows
    for (let j = 0; j < nc && ok; j++) {
      if (!active[j] || key[j]) continue;
      const na = idx.length;
      const rj = j * nc, rn = na * s;
      for (let a = 0; a < na; a++) {
        let t = W[rj + idx[a]];
        const ra = a * s;
        for (let k = 0; k < a; k++) t -= L[ra + k] * L[rn + k];
        L[rn + a] = t / L[ra + a];
      }
      let d = W[rj + j];
      for (let k = 0; k < na; k++) d -= L[rn + k] * L[rn + k];
      if (!(d > 1e-12 * W[rj + j])) { ok = false; break; }
      L[rn + na] = Math.sqrt(d);
      idx.push(j);
      cache.updates++;
    }
    if (ok) { cache.idx = Int32Array.from(idx); cache.L = L; cache.stride = s; }
    else full();
  }
  cache.key = active.slice();
  cache.w1 = solveStrided(cache.L, cache.idx.length, cache.stride, new Float64Array(cache.idx.length).fill(1));
}

export function solveComplianceLcp(
  nc: number, W: Float64Array, q: Float64Array, F: number, warm: Uint8Array, cache: ComplianceLcpCache, maxIt = 25 + 4 * nc,
): { P: Float64Array; gap: Float64Array; c: number; active: Uint8Array; iterations: number } {
  let active = Uint8Array.from(warm);
  if (!active.some((v) => v === 1)) {
    let best = 0;
    for (let i = 1; i < nc; i++) if (q[i] < q[best]) best = i;
    active[best] = 1;
  }
  const P = new Float64Array(nc);
  const gap = new Float64Array(nc);
  for (let it = 1; it <= maxIt; it++) {
    if (!cache.key || !sameBytes(cache.key, active)) setActiveFactor(nc, W, active, cache);
    const { idx, L, w1, stride } = cache;
    const na = idx.length;
    const qa = new Float64Array(na);
    for (let a = 0; a < na; a++) qa[a] = q[idx[a]];
    const wq = solveStrided(L, na, stride, qa);
    let s1 = 0, sq = 0;
    for (let a = 0; a < na; a++) { s1 += w1[a]; sq += wq[a]; }
    const c = -(F + sq) / s1;
    P.fill(0);
    for (let a = 0; a < na; a++) P[idx[a]] = -(wq[a] + c * w1[a]);
    const next = new Uint8Array(nc);
    let changed = false;
    for (let i = 0; i < nc; i++) {
      if (active[i]) {
        gap[i] = 0;
        next[i] = P[i] > 0 ? 1 : 0;
      } else {
        const ri = i * nc;
        let g = q[i] + c;
        for (let a = 0; a < na; a++) g += W[ri + idx[a]] * P[idx[a]];
        gap[i] = g;
        next[i] = g < 0 ? 1 : 0;
      }
      if (next[i] !== active[i]) changed = true;
    }
    if (!next.some((v) => v === 1)) {
      let best = 0;
      for (let i = 1; i < nc; i++) if (gap[i] - P[i] < gap[best] - P[best]) best = i;
      next[best] = 1;
      changed = changed || !active[best];
    }
    if (!changed) return { P, gap, c, active, iterations: it };
    if (it > 25) {
      // the full primal–dual update can cycle when W is far from an M-matrix (creep-softened
      // tangent compliance): from here on change only the lowest violating index (Murty's
      // least-index rule, finite for the strictly convex problem)
      for (let i = 0; i < nc; i++) if (next[i] !== active[i]) {
        const flip = active.slice();
        flip[i] = next[i];
        if (flip.some((v) => v === 1)) { next.set(flip); break; }
      }
    }
    active = next;
  }
  throw new Error('compliance contact: active-set iteration did not converge');
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
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
