/**
 * Q1 plane-strain elements (2×2 Gauss) with optional mean-dilatation B-bar, assembled into the
 * upper-triangular CSC matrix of a Body's equation numbering, plus Gauss-point state handling.
 */
import type { Body } from './mesh.js';
import { patternFromPairs, findEntry, type UpperCsc } from './sparse.js';
import { stressUpdate, type Material } from './material.js';

const GP = 1 / Math.sqrt(3);
const XI = [-GP, GP, GP, -GP];
const ETA = [-GP, -GP, GP, GP];
const NXI = [-1, 1, 1, -1];
const NETA = [-1, -1, 1, 1];

export class Solid {
  readonly body: Body;
  readonly materials: Material[];
  readonly nEl: number;
  /** Per element per GP: dNdx(4), dNdy(4), w·detJ → 9 numbers; per element bbar gradients (8). */
  private gpData: Float64Array;
  private bbarData: Float64Array;
  readonly pattern: { colPtr: Int32Array; rowIdx: Int32Array };
  /** Per element 64 positions into values (−1 = not stored). */
  private scatter: Int32Array;
  readonly values: Float64Array;
  /** Committed and trial plastic/creep strain (4 per GP) and accumulated εeq (1 per GP). */
  ep: Float64Array;
  epTrial: Float64Array;
  eeq: Float64Array;
  eeqTrial: Float64Array;
  /** Trial stress (4 per GP) and Δεeq of the current step per GP. */
  sigma: Float64Array;
  dEeq: Float64Array;
  /** σeq of the last stress update per GP and the (dt) it was computed with: warm start of the creep return. */
  private qLast: Float64Array;
  private qLastDt = -1;

  constructor(body: Body, materials: Material[]) {
    this.body = body;
    this.materials = materials;
    const nEl = body.elems.length / 4;
    this.nEl = nEl;
    this.gpData = new Float64Array(nEl * 36);
    this.bbarData = new Float64Array(nEl * 8);
    for (let e = 0; e < nEl; e++) this.precompute(e);
    // pattern
    const { eq } = body;
    const rows = new Int32Array(nEl * 64 + body.nEq), cols = new Int32Array(nEl * 64 + body.nEq);
    let cnt = 0;
    for (let i = 0; i < body.nEq; i++) { rows[cnt] = i; cols[cnt++] = i; }
    for (let e = 0; e < nEl; e++) {
      for (let a = 0; a < 8; a++) {
        const ea = eq[2 * body.elems[e * 4 + (a >> 1)] + (a & 1)];
        if (ea < 0) continue;
        for (let b = 0; b < 8; b++) {
          const eb = eq[2 * body.elems[e * 4 + (b >> 1)] + (b & 1)];
          if (eb < 0 || ea > eb) continue;
          rows[cnt] = ea; cols[cnt++] = eb;
        }
      }
    }
    this.pattern = patternFromPairs(body.nEq, rows, cols, cnt);
    this.values = new Float64Array(this.pattern.rowIdx.length);
    this.scatter = new Int32Array(nEl * 64).fill(-1);
    for (let e = 0; e < nEl; e++) {
      for (let a = 0; a < 8; a++) {
        const ea = eq[2 * body.elems[e * 4 + (a >> 1)] + (a & 1)];
        if (ea < 0) continue;
        for (let b = 0; b < 8; b++) {
          const eb = eq[2 * body.elems[e * 4 + (b >> 1)] + (b & 1)];
          if (eb < 0 || ea > eb) continue;
          this.scatter[e * 64 + a * 8 + b] = findEntry(this.pattern.colPtr, this.pattern.rowIdx, ea, eb);
        }
      }
    }
    const nGp = nEl * 4;
    this.ep = new Float64Array(nGp * 4);
    this.epTrial = new Float64Array(nGp * 4);
    this.eeq = new Float64Array(nGp);
    this.eeqTrial = new Float64Array(nGp);
    this.sigma = new Float64Array(nGp * 4);
    this.dEeq = new Float64Array(nGp);
    this.qLast = new Float64Array(nGp);
  }

  get matrix(): UpperCsc {
    return { n: this.body.nEq, colPtr: this.pattern.colPtr, rowIdx: this.pattern.rowIdx, values: this.values };
  }

  private precompute(e: number): void {
    const c = this.body.ecoords;
    const o = e * 8;
    let area = 0;
    const bx = [0, 0, 0, 0], by = [0, 0, 0, 0];
    for (let g = 0; g < 4; g++) {
      const xi = XI[g], eta = ETA[g];
      let j11 = 0, j12 = 0, j21 = 0, j22 = 0;
      const dxi = [0, 0, 0, 0], deta = [0, 0, 0, 0];
      for (let a = 0; a < 4; a++) {
        dxi[a] = 0.25 * NXI[a] * (1 + NETA[a] * eta);
        deta[a] = 0.25 * NETA[a] * (1 + NXI[a] * xi);
        const xa = c[o + 2 * a], ya = c[o + 2 * a + 1];
        j11 += dxi[a] * xa; j12 += dxi[a] * ya;
        j21 += deta[a] * xa; j22 += deta[a] * ya;
      }
      const det = j11 * j22 - j12 * j21;
      if (!(det > 0)) throw new Error(`element ${e}: non-positive Jacobian (${det})`);
      const q = (e * 4 + g) * 9;
      for (let a = 0; a < 4; a++) {
        const dx = (j22 * dxi[a] - j12 * deta[a]) / det;
        const dy = (-j21 * dxi[a] + j11 * deta[a]) / det;
        this.gpData[q + a] = dx;
        this.gpData[q + 4 + a] = dy;
        bx[a] += dx * det;
        by[a] += dy * det;
      }
      this.gpData[q + 8] = det;
      area += det;
    }
    for (let a = 0; a < 4; a++) { this.bbarData[e * 8 + a] = bx[a] / area; this.bbarData[e * 8 + 4 + a] = by[a] / area; }
  }

  /** Element area (µm²) and centroid-free measures. */
  elementArea(e: number): number {
    let s = 0;
    for (let g = 0; g < 4; g++) s += this.gpData[(e * 4 + g) * 9 + 8];
    return s;
  }

  /** Full nodal displacement vector (2 per node) from equation values U. */
  fullDisplacement(U: Float64Array, out: Float64Array = new Float64Array(2 * this.body.nNodes)): Float64Array {
    const { eq, prescribed } = this.body;
    for (let k = 0; k < eq.length; k++) out[k] = eq[k] >= 0 ? U[eq[k]] : prescribed[k];
    return out;
  }

  /**
   * Stress update at every Gauss point for the full displacement `u`, time step dt; internal forces
   * into fint (equation space) and, with wantK, the tangent into `values`. Returns max Δεeq.
   */
  assemble(u: Float64Array, dt: number, fint: Float64Array, wantK: boolean, kdu?: { du: Float64Array; out: Float64Array }): number {
    const { body, gpData, bbarData, scatter, values, ep, epTrial, sigma, dEeq, eeq, eeqTrial } = this;
    const { elems, eq, group } = body;
    fint.fill(0);
    if (wantK) values.fill(0);
    const ue = new Float64Array(8);
    const eps = new Float64Array(4);
    const sig = new Float64Array(4);
    const C = new Float64Array(16);
    const Bm = new Float64Array(32); // 4 × 8
    const CB = new Float64Array(32);
    const ke = new Float64Array(64);
    const fe = new Float64Array(8);
    const epo = new Float64Array(4);
    let maxDe = 0;
    const { qLast } = this;
    const warm = dt > 0 && dt === this.qLastDt;
    this.qLastDt = dt;
    for (let e = 0; e < this.nEl; e++) {
      const mat = this.materials[group[e]];
      const bbar = mat.bbar !== false;
      for (let a = 0; a < 4; a++) { const n = elems[e * 4 + a]; ue[2 * a] = u[2 * n]; ue[2 * a + 1] = u[2 * n + 1]; }
      fe.fill(0);
      if (wantK) ke.fill(0);
      const bo = e * 8;
      let thetaBar = 0;
      if (bbar) for (let a = 0; a < 4; a++) thetaBar += bbarData[bo + a] * ue[2 * a] + bbarData[bo + 4 + a] * ue[2 * a + 1];
      for (let g = 0; g < 4; g++) {
        const q = (e * 4 + g) * 9;
        const w = gpData[q + 8];
        // B̄ rows: xx, yy, zz, γ
        for (let a = 0; a < 4; a++) {
          const dx = gpData[q + a], dy = gpData[q + 4 + a];
          const cx = bbar ? (bbarData[bo + a] - dx) / 3 : 0;
          const cy = bbar ? (bbarData[bo + 4 + a] - dy) / 3 : 0;
          const u0 = 2 * a, v0 = 2 * a + 1;
          Bm[u0] = dx + cx; Bm[v0] = cy;
          Bm[8 + u0] = cx; Bm[8 + v0] = dy + cy;
          Bm[16 + u0] = cx; Bm[16 + v0] = cy;
          Bm[24 + u0] = dy; Bm[24 + v0] = dx;
        }
        for (let r = 0; r < 4; r++) {
          let s = 0;
          for (let k = 0; k < 8; k++) s += Bm[r * 8 + k] * ue[k];
          eps[r] = s;
        }
        const gi = e * 4 + g;
        const de = stressUpdate(mat, eps, ep, dt, epo, sig, wantK ? C : null, gi * 4, warm ? qLast[gi] : 0);
        const o4 = gi * 4;
        epTrial[o4] = epo[0]; epTrial[o4 + 1] = epo[1]; epTrial[o4 + 2] = epo[2]; epTrial[o4 + 3] = epo[3];
        sigma[o4] = sig[0]; sigma[o4 + 1] = sig[1]; sigma[o4 + 2] = sig[2]; sigma[o4 + 3] = sig[3];
        {
          const mm = (sig[0] + sig[1] + sig[2]) / 3;
          const a0 = sig[0] - mm, a1 = sig[1] - mm, a2 = sig[2] - mm;
          qLast[gi] = Math.sqrt(1.5 * (a0 * a0 + a1 * a1 + a2 * a2 + 2 * sig[3] * sig[3]));
        }
        dEeq[gi] = de;
        eeqTrial[gi] = eeq[gi] + de;
        if (de > maxDe) maxDe = de;
        for (let k = 0; k < 8; k++) fe[k] += w * (Bm[k] * sig[0] + Bm[8 + k] * sig[1] + Bm[16 + k] * sig[2] + Bm[24 + k] * sig[3]);
        if (wantK) {
          for (let r = 0; r < 4; r++) for (let k = 0; k < 8; k++) {
            CB[r * 8 + k] = C[r * 4] * Bm[k] + C[r * 4 + 1] * Bm[8 + k] + C[r * 4 + 2] * Bm[16 + k] + C[r * 4 + 3] * Bm[24 + k];
          }
          for (let a = 0; a < 8; a++) for (let b = a; b < 8; b++) {
            ke[a * 8 + b] += w * (Bm[a] * CB[b] + Bm[8 + a] * CB[8 + b] + Bm[16 + a] * CB[16 + b] + Bm[24 + a] * CB[24 + b]);
          }
        }
      }
      for (let a = 0; a < 8; a++) {
        const ea = eq[2 * elems[e * 4 + (a >> 1)] + (a & 1)];
        if (ea >= 0) fint[ea] += fe[a];
      }
      if (wantK && kdu) {
        // tangent times a full-vector increment (prescribed-displacement predictor)
        for (let a = 0; a < 8; a++) {
          const ea = eq[2 * elems[e * 4 + (a >> 1)] + (a & 1)];
          if (ea < 0) continue;
          let sacc = 0;
          for (let b = 0; b < 8; b++) {
            const d = kdu.du[2 * elems[e * 4 + (b >> 1)] + (b & 1)];
            if (d !== 0) sacc += (a <= b ? ke[a * 8 + b] : ke[b * 8 + a]) * d;
          }
          kdu.out[ea] += sacc;
        }
      }
      if (wantK) {
        const so = e * 64;
        for (let a = 0; a < 8; a++) for (let b = 0; b < 8; b++) {
          const pos = scatter[so + a * 8 + b];
          if (pos < 0) continue;
          values[pos] += a <= b ? ke[a * 8 + b] : ke[b * 8 + a];
        }
      }
    }
    return maxDe;
  }

  /** Accept the trial state as the committed one. */
  commit(): void {
    this.ep.set(this.epTrial);
    this.eeq.set(this.eeqTrial);
  }

  /** Nodal reaction-type force vector (2 per node, all dofs) of the current stresses (for prescribed-dof reactions). */
  nodalForces(): Float64Array {
    const { body, gpData, bbarData, sigma } = this;
    const out = new Float64Array(2 * body.nNodes);
    for (let e = 0; e < this.nEl; e++) {
      const bbar = this.materials[body.group[e]].bbar !== false;
      for (let g = 0; g < 4; g++) {
        const q = (e * 4 + g) * 9, w = gpData[q + 8], gi = e * 4 + g;
        const sx = sigma[gi * 4], sy = sigma[gi * 4 + 1], sz = sigma[gi * 4 + 2], sxy = sigma[gi * 4 + 3];
        const m = (sx + sy + sz) / 3;
        for (let a = 0; a < 4; a++) {
          const dx = gpData[q + a], dy = gpData[q + 4 + a];
          const cx = bbar ? bbarData[e * 8 + a] - dx : 0, cy = bbar ? bbarData[e * 8 + 4 + a] - dy : 0;
          const n = body.elems[e * 4 + a];
          out[2 * n] += w * (dx * sx + dy * sxy + cx * m);
          out[2 * n + 1] += w * (dy * sy + dx * sxy + cy * m);
        }
      }
    }
    return out;
  }
}
