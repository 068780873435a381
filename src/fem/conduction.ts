/**
 * 2D conduction in the electrolyte below the interface (periodic cell, Q1, nested-dissection LDLᵀ).
 *
 * Counter electrode (bottom, y = h̄ − L) at potential V = 1; Li at 0 on the contact nodes, either
 * equipotential (primary distribution, Rct = 0, exact Dirichlet) or linear Butler–Volmer (Robin:
 * i = (φ_Li − φ)/Rct, lumped on the nodes); non-contact interface insulating; periodic sides.
 * Units: µm, σ in mS/cm, Rct in Ω·cm²; results in Ω·cm².
 */
import { gradedSizes, nestedDissection } from './mesh.js';
import { patternFromPairs, findEntry } from './csc.js';
import { SparseLdl } from './ldl-supernodal.js';

export interface ConductionInput {
  lambda: number;
  /** Surface heights per column (µm), uniform columns. */
  h: Float64Array;
  /** Contact flag per column. */
  contact: Uint8Array;
  /** Electrolyte thickness below the mean surface (µm). */
  thickness: number;
  sigmaMsPerCm: number;
  rctOhmCm2?: number;
  ny?: number;
  /** Averaging window for the hotspot metric (µm), default λ/50. */
  windowUm?: number;
  /**
   * Bulk resistance (Ω·cm²) of this geometry, when already known (conductionBulk): the reference of
   * the constriction. Default: solved here.
   */
  bulkOhmCm2?: number;
}

export interface ConductionResult {
  total_ohm_cm2: number;
  bulk_ohm_cm2: number;
  constriction_ohm_cm2: number;
  /** Dimensionless Rc·σ/λ (per-period constriction resistance × σ, as in fem-verification.md §3.11). */
  constriction_dimensionless: number;
  wagner: number;
  /** Current density normalised by the mean (i/ī) per column. */
  current_ratio: Float64Array;
  hotspot_p99: number;
  hotspot_window_max: number;
  hotspot_window_um: number;
  raw_nodal_max: number;
}

const GP = 1 / Math.sqrt(3);

/** Resistance (Ω·cm²) of the conduction domain with the whole surface in contact, Rct = 0. */
export function conductionBulk(inp: ConductionInput): number {
  return solveConduction({ ...inp, contact: new Uint8Array(inp.h.length).fill(1), rctOhmCm2: 0, bulkOhmCm2: 0 }).total_ohm_cm2;
}

export function solveConduction(inp: ConductionInput): ConductionResult {
  const { lambda, h, contact, thickness } = inp;
  const nx = h.length;
  const dx = lambda / nx;
  const ny = inp.ny ?? 32;
  const sigma = inp.sigmaMsPerCm * 1e-7; // S/µm
  const rct = (inp.rctOhmCm2 ?? 0) * 1e8; // Ω·µm²
  const robin = rct > 0;
  let hmean = 0;
  for (let i = 0; i < nx; i++) hmean += h[i] / nx;
  const base = hmean - thickness;
  const s = gradedSizes(1, ny, Math.min(1 / ny, dx / thickness));
  const sr = new Float64Array(ny + 1);
  for (let r = 0; r <= ny; r++) sr[r] = 1 - s[ny - r];
  const yOf = (r: number, i: number) => base + (h[i] - base) * sr[r];
  // equations: rows 1..ny (row 0 = counter electrode, fixed at V = 1)
  const eq = new Int32Array(nx * (ny + 1)).fill(-1);
  let m = 0;
  const ord = nestedDissection(nx, 1, ny);
  for (let k = 0; k < ord.length; k += 2) eq[ord[k + 1] * nx + ord[k]] = m++;
  const nEl = nx * ny;
  const rows: number[] = [], cols: number[] = [];
  for (let i = 0; i < m; i++) { rows.push(i); cols.push(i); }
  const elNodes = new Int32Array(nEl * 4);
  const ke = new Float64Array(nEl * 16);
  for (let r = 0, e = 0; r < ny; r++) for (let i = 0; i < nx; i++, e++) {
    const i1 = (i + 1) % nx;
    const nodes = [r * nx + i, r * nx + i1, (r + 1) * nx + i1, (r + 1) * nx + i];
    elNodes.set(nodes, e * 4);
    const xs = [i * dx, (i + 1) * dx, (i + 1) * dx, i * dx];
    const ys = [yOf(r, i), yOf(r, i1), yOf(r + 1, i1), yOf(r + 1, i)];
    for (const [xi, eta] of [[-GP, -GP], [GP, -GP], [GP, GP], [-GP, GP]]) {
      const NX = [-1, 1, 1, -1], NE = [-1, -1, 1, 1];
      const dxi = NX.map((a, k) => 0.25 * a * (1 + NE[k] * eta));
      const deta = NE.map((a, k) => 0.25 * a * (1 + NX[k] * xi));
      let j11 = 0, j12 = 0, j21 = 0, j22 = 0;
      for (let a = 0; a < 4; a++) { j11 += dxi[a] * xs[a]; j12 += dxi[a] * ys[a]; j21 += deta[a] * xs[a]; j22 += deta[a] * ys[a]; }
      const det = j11 * j22 - j12 * j21;
      const gx = [0, 0, 0, 0], gy = [0, 0, 0, 0];
      for (let a = 0; a < 4; a++) { gx[a] = (j22 * dxi[a] - j12 * deta[a]) / det; gy[a] = (-j21 * dxi[a] + j11 * deta[a]) / det; }
      for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) ke[e * 16 + a * 4 + b] += sigma * det * (gx[a] * gx[b] + gy[a] * gy[b]);
    }
    for (const a of nodes) for (const b of nodes) if (eq[a] >= 0 && eq[b] >= 0 && eq[a] <= eq[b]) { rows.push(eq[a]); cols.push(eq[b]); }
  }
  const pat = patternFromPairs(m, Int32Array.from(rows), Int32Array.from(cols), rows.length);
  const K0 = new Float64Array(pat.rowIdx.length);
  const f = new Float64Array(m);
  const V = 1;
  for (let e = 0; e < nEl; e++) for (let a = 0; a < 4; a++) {
    const na = elNodes[e * 4 + a], ea = eq[na];
    if (ea < 0) continue;
    for (let b = 0; b < 4; b++) {
      const nb = elNodes[e * 4 + b], eb = eq[nb];
      const v = ke[e * 16 + a * 4 + b];
      if (eb < 0) { f[ea] -= v * V; continue; }
      if (ea <= eb) K0[findEntry(pat.colPtr, pat.rowIdx, ea, eb)] += v;
    }
  }
  const top = ny * nx;
  const K = K0.slice();
  const isDir = new Uint8Array(m);
  for (let i = 0; i < nx; i++) {
    if (!contact[i]) continue;
    const e = eq[top + i];
    if (robin) K[findEntry(pat.colPtr, pat.rowIdx, e, e)] += dx / rct;
    else isDir[e] = 1;
  }
  if (!robin) {
    for (let j = 0; j < m; j++) for (let p = pat.colPtr[j]; p < pat.colPtr[j + 1]; p++) {
      const i = pat.rowIdx[p];
      if (isDir[i] || isDir[j]) K[p] = i === j ? 1 : 0;
    }
    for (let i = 0; i < m; i++) if (isDir[i]) f[i] = 0;
  }
  const ldl = new SparseLdl(pat.colPtr, pat.rowIdx, 0);
  ldl.factor(K);
  const phi = ldl.solve(f);
  // nodal currents into the Li (A per µm depth)
  const cur = new Float64Array(nx);
  if (robin) {
    for (let i = 0; i < nx; i++) if (contact[i]) cur[i] = (phi[eq[top + i]] * dx) / rct;
  } else {
    // reaction = (K0 φ − f) at the Dirichlet rows, recomputed from the element matrices
    for (let e = 0; e < nEl; e++) for (let a = 0; a < 4; a++) {
      const na = elNodes[e * 4 + a];
      if (na < top || !contact[na - top]) continue;
      let s = 0;
      for (let b = 0; b < 4; b++) {
        const nb = elNodes[e * 4 + b];
        const val = eq[nb] >= 0 ? phi[eq[nb]] : V;
        s += ke[e * 16 + a * 4 + b] * val;
      }
      cur[na - top] -= s;
    }
  }
  let I = 0;
  for (let i = 0; i < nx; i++) I += cur[i];
  const total = (V * lambda) / I; // Ω·µm²
  // the bulk is the same (rough) domain with the whole surface in contact and no Rct, so full contact
  // has zero constriction; a flat slab L/σ would not match the rough conduction domain
  let allContact = true;
  for (let i = 0; i < nx; i++) if (!contact[i]) allContact = false;
  const bulk = inp.bulkOhmCm2 !== undefined ? inp.bulkOhmCm2 * 1e8 : allContact && !robin ? total : conductionBulk(inp) * 1e8;
  const ratio = new Float64Array(nx);
  const ibar = I / lambda;
  for (let i = 0; i < nx; i++) ratio[i] = cur[i] / dx / ibar;
  // 99th percentile (length-weighted over the period)
  const sorted = Array.from(ratio).sort((a, b) => a - b);
  const p99 = sorted[Math.min(nx - 1, Math.floor(0.99 * nx))];
  const win = inp.windowUm ?? lambda / 50;
  const nw = Math.max(1, Math.round(win / dx));
  let wmax = 0;
  for (let i = 0; i < nx; i++) {
    let sum = 0;
    for (let k = 0; k < nw; k++) sum += cur[(i + k) % nx];
    wmax = Math.max(wmax, sum / (nw * dx) / ibar);
  }
  return {
    total_ohm_cm2: total * 1e-8,
    bulk_ohm_cm2: bulk * 1e-8,
    constriction_ohm_cm2: (total - bulk) * 1e-8,
    constriction_dimensionless: ((total - bulk) * sigma) / lambda,
    wagner: (sigma * rct) / lambda,
    current_ratio: ratio,
    hotspot_p99: p99,
    hotspot_window_max: wmax,
    hotspot_window_um: nw * dx,
    raw_nodal_max: sorted[nx - 1],
  };
}
