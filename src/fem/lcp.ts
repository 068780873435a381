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
  idx: Int32Array;
  L: Float64Array;
  /** W_AA⁻¹ 1 for the cached set. */
  w1: Float64Array;
  factorizations: number;
}

export function newComplianceCache(): ComplianceLcpCache {
  return { key: null, idx: new Int32Array(0), L: new Float64Array(0), w1: new Float64Array(0), factorizations: 0 };
}

export function solveComplianceLcp(
  nc: number, W: Float64Array, q: Float64Array, F: number, warm: Uint8Array, cache: ComplianceLcpCache, maxIt = 200,
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
    if (!cache.key || !sameBytes(cache.key, active)) {
      let na = 0;
      for (let i = 0; i < nc; i++) if (active[i]) na++;
      const idx = new Int32Array(na);
      for (let i = 0, k = 0; i < nc; i++) if (active[i]) idx[k++] = i;
      const L = new Float64Array(na * na);
      for (let a = 0; a < na; a++) {
        const ra = idx[a] * nc;
        for (let b = 0; b <= a; b++) L[a * na + b] = W[ra + idx[b]];
      }
      choleskyInPlace(L, na, 'compliance contact: W_AA');
      cache.key = active.slice();
      cache.idx = idx;
      cache.L = L;
      cache.w1 = choleskySolve(L, na, new Float64Array(na).fill(1));
      cache.factorizations++;
    }
    const { idx, L, w1 } = cache;
    const na = idx.length;
    const qa = new Float64Array(na);
    for (let a = 0; a < na; a++) qa[a] = q[idx[a]];
    const wq = choleskySolve(L, na, qa);
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
    active = next;
  }
  throw new Error('compliance contact: active-set iteration did not converge');
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Inverse of a dense SPD matrix (row-major), by Cholesky. */
export function denseSpdInverse(a: Float64Array, n: number): Float64Array {
  const L = a.slice();
  choleskyInPlace(L, n);
  const inv = new Float64Array(n * n);
  const e = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    e.fill(0);
    e[j] = 1;
    const x = choleskySolve(L, n, e);
    for (let i = 0; i < n; i++) inv[i * n + j] = x[i];
  }
  return inv;
}
