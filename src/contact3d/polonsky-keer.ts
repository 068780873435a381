/**
 * Frictionless normal contact of a periodic elastic half-space with a rigid rough surface under an
 * imposed mean pressure: the constrained conjugate gradient of Polonsky & Keer 1999 (Wear 231:206,
 * doi 10.1016/S0043-1648(99)00113-1), as in Tamaas (Frérot, Anciaux, Rey & Molinari 2020, JOSS 5:2121,
 * doi 10.21105/joss.02121), extended by
 * - a hardness cap H for elastic–perfectly-plastic contact (Almqvist, Sahlin, Larsson & Lundberg
 *   2007, Tribol. Int. 40:574, doi 10.1016/j.triboint.2005.11.008): a pixel at p = H deforms
 *   plastically and stays there while its gap would be negative;
 * - an optional convex local term Φ_i(p) per pixel whose derivative Φ'_i(p) = b_i⟨p/c − σ0⟩ⁿ is a
 *   creep sink over one backward-Euler time step (creep.ts). With it the problem stays the
 *   minimisation of a convex energy ½pᵀKp − pᵀh + ΣΦ_i(p_i) over p ≥ 0, Σp = P; the direction is
 *   Jacobi-preconditioned with the pixel self-compliance + Φ''_i (which keeps stiff creep steps at
 *   tens of iterations) and the line search solves the scalar stationarity condition exactly.
 *
 * Find p with 0 ≤ p ≤ H, mean(p) = p̄ and a rigid approach c such that g = K p − h + Φ'(p) + c is 0
 * where 0 < p < H, ≥ 0 where p = 0 and ≤ 0 where p = H. Each iteration: one convolution for the gap,
 * a conjugate direction on the working set (0 < p < H, or at H with a gap above the free pixels'),
 * one convolution of the direction, the line search, projection onto 0 ≤ p ≤ H, re-entry of
 * penetrating pixels (restarting the conjugacy) and a rescale of the pressures below the cap to the
 * imposed force. Cost: 2 real FFT pairs per iteration, O(N log N); tens of iterations from a warm start.
 */
import type { HalfSpace } from './kernel.js';

/** Φ'_i(p) = b_i·⟨p/c − σ0⟩ⁿ (µm): the creep sink of pixel i over the step at pressure p. */
export interface SinkTerm { b: Float64Array; n: number; c: number; s0: number }

export interface PkOptions {
  /** Imposed mean pressure p̄ (MPa) over the whole cell. */
  meanPressure: number;
  /** Hardness cap H (MPa); Infinity = elastic. */
  hardness?: number;
  /** Creep sink over the step (backward Euler); absent = none. */
  sink?: SinkTerm | null;
  /** Relative tolerance on the rms gap over the working set, in units of the height range (default 1e-9). */
  tol?: number;
  /** The height range (µm) the tolerance is relative to; default that of `h`. */
  scale?: number;
  maxIter?: number;
  /**
   * Give up (converged = false, aborted = true) once the number of contact pixels lies outside
   * [min, max] after 10 iterations: a creep step whose contact changes far beyond its tolerance is
   * rejected by its caller anyway, and such over-long steps are where the iteration converges slowest.
   */
  abortContact?: { min: number; max: number };
  /** Called every iteration with the residual and the sizes of the working set and the contact. */
  onIteration?: (it: number, residual: number, working: number, contact: number, mixing: boolean) => void;
}

export interface PkResult {
  iterations: number;
  converged: boolean;
  /** Final rms gap over the working set / height range. */
  residual: number;
  /** The rigid approach c (µm). */
  approach: number;
  /** Size of the last working set (free contact pixels). */
  working: number;
  /** Stopped by `abortContact`. */
  aborted: boolean;
}

const sinkOf = (s: SinkTerm, i: number, p: number): number => {
  const x = p / s.c - s.s0;
  return x > 0 ? s.b[i] * Math.pow(x, s.n) : 0;
};

/**
 * Solve in place: `p` holds the start (a previous solution, or anything ≥ 0) and gets the pressures;
 * `gap` (optional) gets the final gap g (µm; ≥ 0 off contact, ≤ 0 at plastic pixels, 0 on contact).
 */
export function solveContact(hs: HalfSpace, h: Float64Array, p: Float64Array, o: PkOptions, gap?: Float64Array): PkResult {
  const N = h.length;
  const H = o.hardness ?? Infinity;
  const P = o.meanPressure * N;
  const sink = o.sink ?? null;
  if (!(P > 0)) throw new Error('mean pressure must be positive');
  if (P > H * N * (1 + 1e-12)) throw new Error(`mean pressure ${o.meanPressure} MPa exceeds the hardness ${H} MPa`);
  const tol = o.tol ?? 1e-9;
  const maxIter = o.maxIter ?? 2000;
  let hmin = Infinity, hmax = -Infinity;
  for (let i = 0; i < N; i++) { if (h[i] < hmin) hmin = h[i]; if (h[i] > hmax) hmax = h[i]; }
  const scale = o.scale !== undefined && o.scale > 0 ? o.scale : hmax - hmin > 0 ? hmax - hmin : 1;
  const d0 = hs.selfCompliance();
  const g = new Float64Array(N), t = new Float64Array(N), r = new Float64Array(N), dinv = new Float64Array(N);
  const work = new Uint8Array(N);
  const phi1 = sink ? new Float64Array(N) : g, phi2 = sink ? new Float64Array(N) : g, rOld = sink ? new Float64Array(N) : g;
  let sum = 0;
  for (let i = 0; i < N; i++) { p[i] = Math.min(H, Math.max(0, p[i])); sum += p[i]; }
  if (!(sum > 0)) p.fill(o.meanPressure);
  else rescale(p, P, H);
  let zgOld = 1, restart = true, residual = Infinity, gm = 0, mixFactor = 0.5, stable = 0;
  const chosen = new Uint8Array(N);
  let it = 0, lastWorking = 0, aborted = false;
  for (; it < maxIter; it++) {
    hs.displacement(p, g);
    for (let i = 0; i < N; i++) g[i] -= h[i];
    if (sink) {
      // Φ' once per pixel and iteration; Φ'' = n·Φ'/(c·x) needs no second power
      for (let i = 0; i < N; i++) {
        const x = p[i] / sink.c - sink.s0;
        const v = p[i] > 0 && x > 0 ? sink.b[i] * Math.pow(x, sink.n) : 0;
        phi1[i] = v;
        phi2[i] = v > 0 ? (sink.n * v) / (sink.c * x) : 0;
        g[i] += v;
      }
    }
    // working set: the free contact pixels 0 < p < H; the rigid shift is their mean gap
    let nw = 0, nc = 0, gs = 0, wsum = 0, wg = 0;
    for (let i = 0; i < N; i++) {
      const w = p[i] > 0 && p[i] < H ? 1 : 0;
      work[i] = w;
      if (p[i] > 0) nc++;
      if (w) {
        nw++; gs += g[i];
        const di = 1 / (d0 + (sink ? phi2[i] : 0));
        dinv[i] = di; wsum += di; wg += di * g[i];
      }
    }
    lastWorking = nw;
    o.onIteration?.(it, residual, nw, nc, Number.isFinite(H) && nw < 0.01 * nc);
    if (o.abortContact && it >= 10 && (nc > o.abortContact.max || nc < o.abortContact.min)) { aborted = true; break; }
    if (Number.isFinite(H) && nw < 0.01 * nc) {
      // nearly all contact is plastic: relax towards the bearing-area solution on the deformed gap
      // (p = H where g lies below the level that carries the force), as ContactMechanics does
      const k = Math.min(N, Math.ceil(P / H - 1e-9));
      const level = kthSmallest(g, k);
      let changed = 0, placed = 0;
      for (let i = 0; i < N; i++) {
        const inSet = g[i] < level || (g[i] === level && placed < k) ? 1 : 0;
        if (inSet && g[i] === level) placed++;
        if (inSet !== chosen[i]) changed++;
        chosen[i] = inSet;
      }
      // a pixel or two at the level flip back and forth: stable when at most 0.5 % of the set changes
      stable = changed <= 2 + 5e-3 * k ? stable + 1 : 0;
      gm = level;
      residual = changed / N;
      if (stable >= 3) {
        // the plastic set stopped changing: p = H on it, the force's remainder on its highest-gap pixel
        let last = -1;
        for (let i = 0; i < N; i++) { p[i] = chosen[i] ? H : 0; if (chosen[i] && (last < 0 || g[i] > g[last])) last = i; }
        if (last >= 0) p[last] = Math.max(0, P - H * (k - 1));
        residual = 0;
        break;
      }
      for (let i = 0; i < N; i++) p[i] = (1 - mixFactor) * p[i] + mixFactor * (chosen[i] ? H : 0);
      mixFactor = Math.max(0.05, mixFactor * 0.9);
      rescale(p, P, H);
      restart = true;
      continue;
    }
    stable = 0;
    gm = nw > 0 ? gs / nw : 0;
    const lambda = nw > 0 ? wg / wsum : 0;
    let G = 0;
    for (let i = 0; i < N; i++) if (work[i]) G += (g[i] - gm) ** 2;
    residual = nw > 0 ? Math.sqrt(G / nw) / scale : 0;
    // complementarity outside the working set: no penetration without pressure, no plastic pixel with a gap
    let violated = false;
    for (let i = 0; i < N; i++) {
      if ((p[i] === 0 && g[i] - gm < -tol * scale) || (p[i] >= H && g[i] - gm > tol * scale)) { violated = true; break; }
    }
    if (residual < tol && !violated && it > 0) break;
    let tau = 0;
    if (nw > 0) {
      // preconditioned direction z = D⁻¹(g − λ) sums to zero over the working set (force kept).
      // With a sink the energy is not quadratic and D changes between iterations: Polak–Ribière+
      // (β ≥ 0, with the previous residual) instead of Fletcher–Reeves, which drifts off descent there
      let zg = 0, zgPrev = 0;
      for (let i = 0; i < N; i++) {
        if (!work[i]) continue;
        const ri = g[i] - lambda;
        zg += dinv[i] * ri * ri;
        if (sink) zgPrev += dinv[i] * ri * rOld[i];
      }
      let beta = restart ? 0 : sink ? Math.max(0, (zg - zgPrev) / zgOld) : zg / zgOld;
      for (let pass = 0; pass < 2; pass++) {
        let ts = 0;
        for (let i = 0; i < N; i++) { if (work[i]) { t[i] = dinv[i] * (g[i] - lambda) + beta * t[i]; ts += t[i]; } else t[i] = 0; }
        const shift = ts / wsum;
        for (let i = 0; i < N; i++) if (work[i]) t[i] -= shift * dinv[i];
        if (beta === 0) break;
        let tg0 = 0;
        for (let i = 0; i < N; i++) if (work[i]) tg0 += t[i] * g[i];
        if (tg0 > 0) break;
        // not a descent direction (nonlinear sink): restart from the preconditioned gradient, which
        // is one (Σ D⁻¹(g − λ)·g = Σ D⁻¹(g − λ)² ≥ 0); t must first lose its old part
        for (let i = 0; i < N; i++) t[i] = 0;
        beta = 0;
      }
      zgOld = zg > 0 ? zg : 1;
      if (sink) for (let i = 0; i < N; i++) rOld[i] = work[i] ? g[i] - lambda : 0;
      hs.displacement(t, r);
      let tg = 0, tr = 0;
      for (let i = 0; i < N; i++) if (work[i]) { tg += t[i] * g[i]; tr += t[i] * r[i]; }
      if (tr > 0 && tg > 0) {
        tau = tg / tr;
        if (sink) tau = lineSearch(sink, p, t, work, tg, tr, tau, phi1, phi2);
        for (let i = 0; i < N; i++) {
          if (work[i]) { const v = p[i] - tau * t[i]; p[i] = v < 0 ? 0 : v > H ? H : v; }
        }
      } else if (!violated) break;
    }
    // pixels that penetrate without pressure enter, plastic pixels with a gap are released, each by
    // its gap over the self-compliance scaled like the step (restarts the conjugacy)
    // with a sink τ is measured in the stiff pixels' preconditioned units and can exceed 1 by far; an
    // entering pixel has no sink (Φ'' = 0 at p = 0), so its Jacobi step −(g − gm)/d0 is capped at τ = 1
    // (uncapped, τ ≈ 2–6 near full contact gave entering pressures that the rescale then crushed)
    const step = tau > 0 ? (sink ? Math.min(tau, 1) : tau) : 1;
    let changed = 0;
    for (let i = 0; i < N; i++) {
      if (work[i]) continue;
      if (p[i] === 0 && g[i] - gm < 0) { p[i] = Math.min(H, (-step * (g[i] - gm)) / d0); changed++; }
      else if (p[i] >= H && g[i] - gm > 0) { p[i] = Math.max(0, H - (step * (g[i] - gm)) / d0); changed++; }
    }
    restart = changed > 0;
    rescale(p, P, H);
  }
  if (gap) {
    hs.displacement(p, gap);
    for (let i = 0; i < N; i++) gap[i] = gap[i] - h[i] - gm + (sink && p[i] > 0 ? sinkOf(sink, i, p[i]) : 0);
  }
  return { iterations: it, converged: !aborted && residual < tol, residual, approach: -gm, working: lastWorking, aborted };
}

/** The k-th smallest value (1-based) of a, by sorting a copy: O(N log N), used only by plastic relaxation. */
function kthSmallest(a: Float64Array, k: number): number {
  const s = Float64Array.from(a).sort();
  return s[Math.max(0, Math.min(a.length - 1, k - 1))];
}

/**
 * The step τ along −t where Σ t_i·g_i(p − τt) = 0: f(τ) = tg − τ·tr + Σ t_i(Φ'(p_i − τt_i) − Φ'(p_i))
 * decreases (Φ convex), f(0) = tg > 0 and f(tg/tr) ≤ 0. Newton from τ = 0 with the cached Φ'' gives
 * the first iterate; safeguarded Newton steps on [0, tg/tr] refine it to 1e-10 of tg (an inexact line
 * search stalls the iteration at creep thresholds).
 */
function lineSearch(s: SinkTerm, p: Float64Array, t: Float64Array, work: Uint8Array, tg: number, tr: number, tauMax: number, phi1: Float64Array, phi2: Float64Array): number {
  const N = p.length;
  let curv = tr;
  for (let i = 0; i < N; i++) if (work[i]) curv += t[i] * t[i] * phi2[i];
  let lo = 0, hi = tauMax, tau = Math.min(tauMax, tg / curv);
  for (let k = 0; k < 30; k++) {
    let f = tg - tau * tr, df = -tr;
    for (let i = 0; i < N; i++) {
      if (!work[i] || t[i] === 0) continue;
      const q = p[i] - tau * t[i];
      const x = q / s.c - s.s0;
      if (q > 0 && x > 0) {
        const v = s.b[i] * Math.pow(x, s.n);
        f += t[i] * (v - phi1[i]);
        df -= (t[i] * t[i] * s.n * v) / (s.c * x);
      } else f -= t[i] * phi1[i];
    }
    if (f > 0) lo = tau; else hi = tau;
    if (Math.abs(f) <= 1e-10 * Math.abs(tg) || hi - lo <= 1e-12 * tauMax) break;
    let next = tau - f / df;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    tau = next;
  }
  return tau;
}

/**
 * Scale the pressures below the cap so that Σ p = P with p ≤ H: Σ min(H, s·p) is increasing in s, so
 * s comes from a bisection when plain scaling would cross the cap.
 */
function rescale(p: Float64Array, P: number, H: number): void {
  const N = p.length;
  let sum = 0, atCap = 0;
  for (let i = 0; i < N; i++) { sum += p[i]; if (p[i] >= H) atCap += H; }
  if (!(sum > 0) || Math.abs(sum - P) <= 1e-14 * P) return;
  const below = sum - atCap;
  if (!Number.isFinite(H) || below <= 0) {
    const s = P / sum;
    for (let i = 0; i < N; i++) p[i] *= s;
    return;
  }
  const s0 = (P - atCap) / below;
  let maxBelow = 0;
  for (let i = 0; i < N; i++) if (p[i] < H && p[i] > maxBelow) maxBelow = p[i];
  if (s0 > 0 && s0 * maxBelow <= H) {
    for (let i = 0; i < N; i++) if (p[i] < H) p[i] *= s0;
    return;
  }
  const total = (s: number) => { let v = 0; for (let i = 0; i < N; i++) v += p[i] >= H ? H : Math.min(H, s * p[i]); return v; };
  let lo = 0, hi = Math.max(1, s0);
  while (total(hi) < P && hi < 1e12) hi *= 2;
  if (total(hi) < P) { for (let i = 0; i < N; i++) if (p[i] > 0) p[i] = Math.min(H, hi * p[i]); return; }
  for (let k = 0; k < 60; k++) { const m = 0.5 * (lo + hi); if (total(m) < P) lo = m; else hi = m; }
  for (let i = 0; i < N; i++) if (p[i] < H) p[i] = Math.min(H, hi * p[i]);
}
