/**
 * Condensed frictionless contact on the interface by a primal–dual active set method
 * (Hüeber–Wohlmuth): exact non-penetration (gap = 0 on the active set, P = 0 off it), no penalty.
 *
 * Unknowns x = [Δz (Li interface v increments, nc; then the platen δ increment), w_e (electrolyte
 * surface v, nc; only for an elastic electrolyte)]. Equations: S Δz = b + [P; 0], S_e w_e = b_e − P,
 * gap_i = ĝ_i + Δz_i − w_e,i ≥ 0, P_i ≥ 0, P_i·gap_i = 0. The platen force sits in b (δ row), so the
 * total contact force equals the stack force exactly at every solve.
 */
import { choleskyStrided, choleskySolveStrided, denseSolveSpd } from './dense.js';

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
    if (choleskyStrided(L, na, na) >= 0) throw new Error('compliance contact: W_AA not positive definite');
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
  cache.w1 = choleskySolveStrided(cache.L, cache.idx.length, cache.stride, new Float64Array(cache.idx.length).fill(1));
}

/**
 * Contact on the interface compliance W: gap = q + c + W·P ≥ 0, P ≥ 0, P·gap = 0, with the uniform
 * platen shift c either free and set by the total force ΣP = F (load control), or given (`cFixed`:
 * displacement control of the platen, F unused; then the contact set may be empty).
 */
export function solveComplianceLcp(
  nc: number, W: Float64Array, q: Float64Array, F: number, warm: Uint8Array, cache: ComplianceLcpCache, maxIt = 25 + 4 * nc, cFixed?: number,
): { P: Float64Array; gap: Float64Array; c: number; active: Uint8Array; iterations: number } {
  const fixed = cFixed !== undefined;
  let active = Uint8Array.from(warm);
  if (fixed && !active.some((v) => v === 1)) {
    // no contact so far: start from the nodes the shift closes
    for (let i = 0; i < nc; i++) active[i] = q[i] + cFixed < 0 ? 1 : 0;
  }
  if (!fixed && !active.some((v) => v === 1)) {
    let best = 0;
    for (let i = 1; i < nc; i++) if (q[i] < q[best]) best = i;
    active[best] = 1;
  }
  const P = new Float64Array(nc);
  const gap = new Float64Array(nc);
  for (let it = 1; it <= maxIt; it++) {
    const none = !active.some((v) => v === 1); // only with a fixed platen
    if (!none && (!cache.key || !sameBytes(cache.key, active))) setActiveFactor(nc, W, active, cache);
    const { idx, L, w1, stride } = none ? { idx: new Int32Array(0), L: new Float64Array(0), w1: new Float64Array(0), stride: 0 } : cache;
    const na = idx.length;
    const qa = new Float64Array(na);
    for (let a = 0; a < na; a++) qa[a] = q[idx[a]];
    const wq = na > 0 ? choleskySolveStrided(L, na, stride, qa) : qa;
    let s1 = 0, sq = 0;
    for (let a = 0; a < na; a++) { s1 += w1[a]; sq += wq[a]; }
    const c = fixed ? cFixed : -(F + sq) / s1;
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
    if (!fixed && !next.some((v) => v === 1)) {
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
        if (fixed || flip.some((v) => v === 1)) { next.set(flip); break; }
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
