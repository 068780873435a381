/**
 * Q1 plane-strain elements (2×2 Gauss) with optional mean-dilatation B-bar, assembled into the
 * upper-triangular CSC matrix of a Body's equation numbering, plus Gauss-point state handling.
 */
import type { Body } from './mesh.js';
import { patternFromPairs, findEntry, type UpperCsc } from './csc.js';
import { nortonReturn, stressUpdate, type Material } from './material.js';

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
  /** Trial σeq and dσeq/dσeq_trial of the last creep return per GP (first-order warm start). */
  private qtrLast: Float64Array;
  private slopeLast: Float64Array;
  /** Element order for the tangent assembly (see constructor). */
  private elemOrder: Int32Array;

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
    // elements in the order of their largest equation number: consecutive elements then scatter into
    // nearby columns of the matrix (the nested-dissection numbering is far from the mesh order)
    const key = new Float64Array(nEl);
    for (let e = 0; e < nEl; e++) {
      let mx = -1;
      for (let a = 0; a < 8; a++) mx = Math.max(mx, eq[2 * body.elems[e * 4 + (a >> 1)] + (a & 1)]);
      key[e] = mx;
    }
    this.elemOrder = Int32Array.from({ length: nEl }, (_, e) => e).sort((a, b) => key[a] - key[b]);
    const nGp = nEl * 4;
    this.ep = new Float64Array(nGp * 4);
    this.epTrial = new Float64Array(nGp * 4);
    this.eeq = new Float64Array(nGp);
    this.eeqTrial = new Float64Array(nGp);
    this.sigma = new Float64Array(nGp * 4);
    this.dEeq = new Float64Array(nGp);
    this.qLast = new Float64Array(nGp);
    this.qtrLast = new Float64Array(nGp);
    this.slopeLast = new Float64Array(nGp);
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
    if (!wantK) return this.residualOnly(u, dt, fint, warm);
    if (!kdu) return this.tangentAssemble(u, dt, fint, warm);
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

  /**
   * Residual-only assembly (no tangent): the B̄ strain and Bᵀσ products written out per component,
   * εzz and the mean-dilatation correction entering through θ̄ − θ and the mean stress.
   */
  private residualOnly(u: Float64Array, dt: number, fint: Float64Array, warm: boolean): number {
    const { body, gpData, bbarData, ep, epTrial, sigma, dEeq, eeq, eeqTrial, qLast, qtrLast, slopeLast } = this;
    const { elems, eq, group } = body;
    const eps = new Float64Array(4);
    const sig = new Float64Array(4);
    const epo = new Float64Array(4);
    const fe = new Float64Array(8);
    let maxDe = 0;
    let lastGroup = -1;
    let mat = this.materials[0], bbar = true, fast = false, creep = false;
    let Gs = 0, G2 = 0, Kb = 0, dtA = 0, nExp = 1, s0 = 0;
    for (let e = 0; e < this.nEl; e++) {
      if (group[e] !== lastGroup) {
        lastGroup = group[e];
        mat = this.materials[lastGroup];
        bbar = mat.bbar !== false;
        creep = mat.law === 'creep' && dt > 0 && (mat.A ?? 0) > 0;
        fast = mat.law === 'elastic' || mat.law === 'creep';
        Gs = mat.E / (2 * (1 + mat.nu)); G2 = 2 * Gs; Kb = mat.E / (3 * (1 - 2 * mat.nu));
        dtA = dt * (mat.A ?? 0); nExp = mat.n ?? 1; s0 = mat.sigmaY ?? 0;
      }
      const n0 = elems[e * 4], n1 = elems[e * 4 + 1], n2 = elems[e * 4 + 2], n3 = elems[e * 4 + 3];
      const u0 = u[2 * n0], v0 = u[2 * n0 + 1], u1 = u[2 * n1], v1 = u[2 * n1 + 1];
      const u2 = u[2 * n2], v2 = u[2 * n2 + 1], u3 = u[2 * n3], v3 = u[2 * n3 + 1];
      const bo = e * 8;
      const bx0 = bbarData[bo], bx1 = bbarData[bo + 1], bx2 = bbarData[bo + 2], bx3 = bbarData[bo + 3];
      const by0 = bbarData[bo + 4], by1 = bbarData[bo + 5], by2 = bbarData[bo + 6], by3 = bbarData[bo + 7];
      const thetaBar = bbar ? bx0 * u0 + bx1 * u1 + bx2 * u2 + bx3 * u3 + by0 * v0 + by1 * v1 + by2 * v2 + by3 * v3 : 0;
      let f0 = 0, f1 = 0, f2 = 0, f3 = 0, f4 = 0, f5 = 0, f6 = 0, f7 = 0;
      for (let g = 0; g < 4; g++) {
        const q = (e * 4 + g) * 9;
        const dx0 = gpData[q], dx1 = gpData[q + 1], dx2 = gpData[q + 2], dx3 = gpData[q + 3];
        const dy0 = gpData[q + 4], dy1 = gpData[q + 5], dy2 = gpData[q + 6], dy3 = gpData[q + 7];
        const w = gpData[q + 8];
        const exx = dx0 * u0 + dx1 * u1 + dx2 * u2 + dx3 * u3;
        const eyy = dy0 * v0 + dy1 * v1 + dy2 * v2 + dy3 * v3;
        const gxy = dy0 * u0 + dy1 * u1 + dy2 * u2 + dy3 * u3 + dx0 * v0 + dx1 * v1 + dx2 * v2 + dx3 * v3;
        const c = bbar ? (thetaBar - exx - eyy) / 3 : 0;
        eps[0] = exx + c; eps[1] = eyy + c; eps[2] = c; eps[3] = gxy;
        const gi = e * 4 + g;
        const o4 = gi * 4;
        let de = 0, sx: number, sy: number, sz: number, sxy: number;
        if (fast) {
          // elastic predictor and Norton radial return (same algebra as stressUpdate, inlined)
          const exe = eps[0] - ep[o4], eye = eps[1] - ep[o4 + 1], eze = eps[2] - ep[o4 + 2], exy = 0.5 * gxy - ep[o4 + 3];
          const tr = exe + eye + eze, t3 = tr / 3, pr = Kb * tr;
          let dxx = G2 * (exe - t3), dyy = G2 * (eye - t3), dzz = G2 * (eze - t3), dxy = G2 * exy;
          const qtr = Math.sqrt(1.5 * (dxx * dxx + dyy * dyy + dzz * dzz + 2 * dxy * dxy));
          let p0 = ep[o4], p1 = ep[o4 + 1], p2 = ep[o4 + 2], p3 = ep[o4 + 3];
          if (creep && qtr > s0) {
            const q = nortonReturn(qtr, Gs, dtA, nExp, s0, warm ? this.creepGuess(gi, qtr) : 0);
            de = (qtr - q) / (3 * Gs);
            qtrLast[gi] = qtr;
            if (de > 0) {
              const f = (1.5 * de) / qtr;
              p0 += f * dxx; p1 += f * dyy; p2 += f * dzz; p3 += f * dxy;
              const th = q / qtr;
              dxx *= th; dyy *= th; dzz *= th; dxy *= th;
              slopeLast[gi] = q - s0 > 0 ? 1 / (1 + (3 * Gs * nExp * de) / (q - s0)) : 1;
            } else { de = 0; slopeLast[gi] = 1; }
          }
          epTrial[o4] = p0; epTrial[o4 + 1] = p1; epTrial[o4 + 2] = p2; epTrial[o4 + 3] = p3;
          sx = pr + dxx; sy = pr + dyy; sz = pr + dzz; sxy = dxy;
        } else {
          de = stressUpdate(mat, eps, ep, dt, epo, sig, null, o4, warm ? qLast[gi] : 0);
          epTrial[o4] = epo[0]; epTrial[o4 + 1] = epo[1]; epTrial[o4 + 2] = epo[2]; epTrial[o4 + 3] = epo[3];
          sx = sig[0]; sy = sig[1]; sz = sig[2]; sxy = sig[3];
        }
        sigma[o4] = sx; sigma[o4 + 1] = sy; sigma[o4 + 2] = sz; sigma[o4 + 3] = sxy;
        const mm = (sx + sy + sz) / 3;
        const a0 = sx - mm, a1 = sy - mm, a2 = sz - mm;
        qLast[gi] = Math.sqrt(1.5 * (a0 * a0 + a1 * a1 + a2 * a2 + 2 * sxy * sxy));
        dEeq[gi] = de;
        eeqTrial[gi] = eeq[gi] + de;
        if (de > maxDe) maxDe = de;
        // Bᵀσ: u rows dx(σxx − p̄) + dy σxy + b̄x p̄, v rows dy(σyy − p̄) + dx σxy + b̄y p̄ (B-bar; p̄ = 0 and
        // the plain σxx, σyy without it)
        const pm = bbar ? mm : 0;
        const tx = w * (sx - pm), ty = w * (sy - pm), txy = w * sxy, tp = w * pm;
        f0 += dx0 * tx + dy0 * txy + bx0 * tp; f1 += dy0 * ty + dx0 * txy + by0 * tp;
        f2 += dx1 * tx + dy1 * txy + bx1 * tp; f3 += dy1 * ty + dx1 * txy + by1 * tp;
        f4 += dx2 * tx + dy2 * txy + bx2 * tp; f5 += dy2 * ty + dx2 * txy + by2 * tp;
        f6 += dx3 * tx + dy3 * txy + bx3 * tp; f7 += dy3 * ty + dx3 * txy + by3 * tp;
      }
      fe[0] = f0; fe[1] = f1; fe[2] = f2; fe[3] = f3; fe[4] = f4; fe[5] = f5; fe[6] = f6; fe[7] = f7;
      for (let a = 0; a < 4; a++) {
        const nd = elems[e * 4 + a];
        const eu = eq[2 * nd], ev = eq[2 * nd + 1];
        if (eu >= 0) fint[eu] += fe[2 * a];
        if (ev >= 0) fint[ev] += fe[2 * a + 1];
      }
    }
    return maxDe;
  }

  /**
   * Residual and tangent assembly (no prescribed-displacement predictor). Elastic and creep points use
   * the same algebra as stressUpdate written inline (radial return and its consistent tangent); the
   * element matrix uses the structure of the B̄ columns: u column = dx·e_xx + c_x·(1,1,1,0) + dy·e_γ,
   * v column = dy·e_yy + c_y·(1,1,1,0) + dx·e_γ, c = (b̄ − d)/3 (0 without B-bar).
   */
  private tangentAssemble(u: Float64Array, dt: number, fint: Float64Array, warm: boolean): number {
    const { body, gpData, bbarData, scatter, values, ep, epTrial, sigma, dEeq, eeq, eeqTrial, qLast, qtrLast, slopeLast } = this;
    const { elems, eq, group } = body;
    const eps = new Float64Array(4);
    const sig = new Float64Array(4);
    const epo = new Float64Array(4);
    const C = new Float64Array(16);
    const X = new Float64Array(32); // w·C·B̄ column per dof (4 entries)
    const S3 = new Float64Array(8); // X[0] + X[1] + X[2] per dof
    const ke = new Float64Array(64);
    const fe = new Float64Array(8);
    let maxDe = 0;
    const order = this.elemOrder;
    let lastGroup = -1;
    let mat = this.materials[0], bbar = true, fast = false, creep = false;
    let Gs = 0, G2 = 0, Kb = 0, dtA = 0, nExp = 1, s0 = 0;
    for (let ei = 0; ei < this.nEl; ei++) {
      const e = order[ei];
      if (group[e] !== lastGroup) {
        lastGroup = group[e];
        mat = this.materials[lastGroup];
        bbar = mat.bbar !== false;
        creep = mat.law === 'creep' && dt > 0 && (mat.A ?? 0) > 0;
        fast = mat.law === 'elastic' || mat.law === 'creep';
        Gs = mat.E / (2 * (1 + mat.nu)); G2 = 2 * Gs; Kb = mat.E / (3 * (1 - 2 * mat.nu));
        dtA = dt * (mat.A ?? 0); nExp = mat.n ?? 1; s0 = mat.sigmaY ?? 0;
      }
      const n0 = elems[e * 4], n1 = elems[e * 4 + 1], n2 = elems[e * 4 + 2], n3 = elems[e * 4 + 3];
      const u0 = u[2 * n0], v0 = u[2 * n0 + 1], u1 = u[2 * n1], v1 = u[2 * n1 + 1];
      const u2 = u[2 * n2], v2 = u[2 * n2 + 1], u3 = u[2 * n3], v3 = u[2 * n3 + 1];
      const bo = e * 8;
      const thetaBar = bbar
        ? bbarData[bo] * u0 + bbarData[bo + 1] * u1 + bbarData[bo + 2] * u2 + bbarData[bo + 3] * u3
          + bbarData[bo + 4] * v0 + bbarData[bo + 5] * v1 + bbarData[bo + 6] * v2 + bbarData[bo + 7] * v3
        : 0;
      ke.fill(0);
      fe.fill(0);
      for (let g = 0; g < 4; g++) {
        const q = (e * 4 + g) * 9;
        const w = gpData[q + 8];
        const exx = gpData[q] * u0 + gpData[q + 1] * u1 + gpData[q + 2] * u2 + gpData[q + 3] * u3;
        const eyy = gpData[q + 4] * v0 + gpData[q + 5] * v1 + gpData[q + 6] * v2 + gpData[q + 7] * v3;
        const gxy = gpData[q + 4] * u0 + gpData[q + 5] * u1 + gpData[q + 6] * u2 + gpData[q + 7] * u3
          + gpData[q] * v0 + gpData[q + 1] * v1 + gpData[q + 2] * v2 + gpData[q + 3] * v3;
        const cb = bbar ? (thetaBar - exx - eyy) / 3 : 0;
        const gi = e * 4 + g;
        const o4 = gi * 4;
        let de = 0, sx: number, sy: number, sz: number, sxy: number;
        if (fast) {
          const exe = exx + cb - ep[o4], eye = eyy + cb - ep[o4 + 1], eze = cb - ep[o4 + 2], exy = 0.5 * gxy - ep[o4 + 3];
          const tr = exe + eye + eze, t3 = tr / 3, pr = Kb * tr;
          let dxx = G2 * (exe - t3), dyy = G2 * (eye - t3), dzz = G2 * (eze - t3), dxy = G2 * exy;
          const qtr = Math.sqrt(1.5 * (dxx * dxx + dyy * dyy + dzz * dzz + 2 * dxy * dxy));
          let p0 = ep[o4], p1 = ep[o4 + 1], p2 = ep[o4 + 2], p3 = ep[o4 + 3];
          let theta = 1, tb = 0, nxx = 0, nyy = 0, nzz = 0, nxy = 0;
          if (creep && qtr > s0) {
            const qn = nortonReturn(qtr, Gs, dtA, nExp, s0, warm ? this.creepGuess(gi, qtr) : 0);
            de = (qtr - qn) / (3 * Gs);
            qtrLast[gi] = qtr;
            slopeLast[gi] = 1;
            if (de > 0) {
              const f = (1.5 * de) / qtr;
              p0 += f * dxx; p1 += f * dyy; p2 += f * dzz; p3 += f * dxy;
              theta = qn / qtr;
              const dphi = qn - s0 > 0 ? (nExp * de) / (qn - s0) : 0;
              slopeLast[gi] = 1 / (1 + 3 * Gs * dphi);
              tb = theta - slopeLast[gi];
              const nrm = Math.sqrt(dxx * dxx + dyy * dyy + dzz * dzz + 2 * dxy * dxy);
              nxx = dxx / nrm; nyy = dyy / nrm; nzz = dzz / nrm; nxy = dxy / nrm;
              dxx *= theta; dyy *= theta; dzz *= theta; dxy *= theta;
            } else de = 0;
          }
          epTrial[o4] = p0; epTrial[o4 + 1] = p1; epTrial[o4 + 2] = p2; epTrial[o4 + 3] = p3;
          sx = pr + dxx; sy = pr + dyy; sz = pr + dzz; sxy = dxy;
          const a = G2 * theta, kd = Kb + (2 / 3) * a, ko = Kb - a / 3;
          C[0] = kd; C[1] = ko; C[2] = ko; C[3] = 0;
          C[4] = ko; C[5] = kd; C[6] = ko; C[7] = 0;
          C[8] = ko; C[9] = ko; C[10] = kd; C[11] = 0;
          C[12] = 0; C[13] = 0; C[14] = 0; C[15] = 0.5 * a;
          if (de > 0) {
            const cc = G2 * tb;
            const m0 = cc * nxx, m1 = cc * nyy, m2 = cc * nzz, m3 = cc * nxy;
            C[0] -= m0 * nxx; C[1] -= m0 * nyy; C[2] -= m0 * nzz; C[3] -= m0 * nxy;
            C[4] -= m1 * nxx; C[5] -= m1 * nyy; C[6] -= m1 * nzz; C[7] -= m1 * nxy;
            C[8] -= m2 * nxx; C[9] -= m2 * nyy; C[10] -= m2 * nzz; C[11] -= m2 * nxy;
            C[12] -= m3 * nxx; C[13] -= m3 * nyy; C[14] -= m3 * nzz; C[15] -= m3 * nxy;
          }
        } else {
          eps[0] = exx + cb; eps[1] = eyy + cb; eps[2] = cb; eps[3] = gxy;
          de = stressUpdate(mat, eps, ep, dt, epo, sig, C, o4, warm ? qLast[gi] : 0);
          epTrial[o4] = epo[0]; epTrial[o4 + 1] = epo[1]; epTrial[o4 + 2] = epo[2]; epTrial[o4 + 3] = epo[3];
          sx = sig[0]; sy = sig[1]; sz = sig[2]; sxy = sig[3];
        }
        sigma[o4] = sx; sigma[o4 + 1] = sy; sigma[o4 + 2] = sz; sigma[o4 + 3] = sxy;
        const mm = (sx + sy + sz) / 3;
        const a0 = sx - mm, a1 = sy - mm, a2 = sz - mm;
        qLast[gi] = Math.sqrt(1.5 * (a0 * a0 + a1 * a1 + a2 * a2 + 2 * sxy * sxy));
        dEeq[gi] = de;
        eeqTrial[gi] = eeq[gi] + de;
        if (de > maxDe) maxDe = de;
        // columns of C (symmetric) and Cs = C·(1,1,1,0)
        const c00 = C[0], c01 = C[1], c02 = C[2], c03 = C[3], c11 = C[5], c12 = C[6], c13 = C[7];
        const c22 = C[10], c23 = C[11], c33 = C[15];
        const cs0 = c00 + c01 + c02, cs1 = c01 + c11 + c12, cs2 = c02 + c12 + c22, cs3 = c03 + c13 + c23;
        const ts = w * (sx + sy + sz);
        for (let a = 0; a < 4; a++) {
          const dx = gpData[q + a], dy = gpData[q + 4 + a];
          const cx = bbar ? (bbarData[bo + a] - dx) / 3 : 0;
          const cy = bbar ? (bbarData[bo + 4 + a] - dy) / 3 : 0;
          fe[2 * a] += w * (dx * sx + dy * sxy) + cx * ts;
          fe[2 * a + 1] += w * (dy * sy + dx * sxy) + cy * ts;
          const ou = 8 * a, ov = ou + 4;
          const wx = w * dx, wy = w * dy, wcx = w * cx, wcy = w * cy;
          let x0 = wx * c00 + wcx * cs0 + wy * c03, x1 = wx * c01 + wcx * cs1 + wy * c13;
          let x2 = wx * c02 + wcx * cs2 + wy * c23, x3 = wx * c03 + wcx * cs3 + wy * c33;
          X[ou] = x0; X[ou + 1] = x1; X[ou + 2] = x2; X[ou + 3] = x3; S3[2 * a] = x0 + x1 + x2;
          x0 = wy * c01 + wcy * cs0 + wx * c03; x1 = wy * c11 + wcy * cs1 + wx * c13;
          x2 = wy * c12 + wcy * cs2 + wx * c23; x3 = wy * c13 + wcy * cs3 + wx * c33;
          X[ov] = x0; X[ov + 1] = x1; X[ov + 2] = x2; X[ov + 3] = x3; S3[2 * a + 1] = x0 + x1 + x2;
        }
        // ke[α][β] (α ≤ β) = B̄_αᵀ X_β
        for (let a = 0; a < 4; a++) {
          const dx = gpData[q + a], dy = gpData[q + 4 + a];
          const cx = bbar ? (bbarData[bo + a] - dx) / 3 : 0;
          const cy = bbar ? (bbarData[bo + 4 + a] - dy) / 3 : 0;
          const au = 2 * a, ru = 8 * au, rv = ru + 8;
          for (let b = au; b < 8; b++) {
            const ob = 4 * b;
            ke[ru + b] += dx * X[ob] + cx * S3[b] + dy * X[ob + 3];
            if (b > au) ke[rv + b] += dy * X[ob + 1] + cy * S3[b] + dx * X[ob + 3];
          }
        }
      }
      const so = e * 64;
      for (let a = 0; a < 8; a++) {
        const ea = eq[2 * elems[e * 4 + (a >> 1)] + (a & 1)];
        if (ea >= 0) fint[ea] += fe[a];
        const ra = 8 * a;
        for (let b = 0; b < 8; b++) {
          const pos = scatter[so + ra + b];
          if (pos >= 0) values[pos] += a <= b ? ke[ra + b] : ke[8 * b + a];
        }
      }
    }
    this.qLastDt = dt;
    return maxDe;
  }

  /**
   * Warm start of the creep return at a Gauss point, same dt as the last call: the last σeq moved by
   * the algorithmic slope dq/dq_tr times the change of the trial σeq (error second order in that change).
   */
  private creepGuess(gi: number, qtr: number): number {
    const g = this.qLast[gi] + this.slopeLast[gi] * (qtr - this.qtrLast[gi]);
    return g < qtr ? g : this.qLast[gi];
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
