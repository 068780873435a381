import { describe, expect, it } from 'vitest';
import { buildCell, rectBody } from '../../src/fem/mesh.js';
import { Solid } from '../../src/fem/solid.js';
import { SimplicialLdl, SparseLdl, symMatVec } from '../../src/fem/sparse.js';
import { newComplianceCache, solveComplianceLcp } from '../../src/fem/lcp.js';
import { denseSpdInverse } from '../../src/fem/dense.js';
import { selfAffineProfile } from '../../src/fem/profile.js';
import type { Material } from '../../src/fem/material.js';

const LI_CREEP: Material = { E: 7820, nu: 0.38, law: 'creep', A: 6.85e-3, n: 6.6, bbar: true };

function cellLi(nx: number, ny: number) {
  const h = selfAffineProfile(0.5, 0.8, 2, 50, 50, nx, 5);
  return buildCell(50, h, { nyLi: ny, nyEl: Math.max(2, Math.round((2 * ny) / 3)), liThickness: 25, elDepth: 25 });
}

const relMax = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let d = 0, m = 0;
  for (let i = 0; i < a.length; i++) { d = Math.max(d, Math.abs(a[i] - b[i])); m = Math.max(m, Math.abs(b[i])); }
  return m > 0 ? d / m : d;
};

describe('supernodal multifrontal LDLᵀ', () => {
  it('reproduces the simplicial factorisation: Schur complement, condensed load and solution (creep tangent of a contact cell)', () => {
    const mesh = cellLi(64, 10);
    for (const body of [mesh.li, mesh.el!]) {
      const solid = new Solid(body, [LI_CREEP]);
      const u = new Float64Array(2 * body.nNodes).map((_, i) => 1e-3 * Math.sin(0.37 * i) + 3e-4 * Math.cos(1.3 * i));
      solid.assemble(u, 1e-3, new Float64Array(body.nEq), true);
      const a = new SimplicialLdl(solid.pattern.colPtr, solid.pattern.rowIdx, body.nLast);
      const b = new SparseLdl(solid.pattern.colPtr, solid.pattern.rowIdx, body.nLast);
      a.factor(solid.values);
      b.factor(solid.values);
      expect(relMax(b.schur, a.schur)).toBeLessThan(1e-10);
      const r = new Float64Array(body.nEq).map((_, i) => Math.sin(i));
      const wa = new Float64Array(body.nEq), wb = new Float64Array(body.nEq);
      expect(relMax(b.condense(r, wb), a.condense(r, wa))).toBeLessThan(1e-10);
      const z = new Float64Array(body.nLast).map((_, i) => 1e-3 * Math.cos(i));
      expect(relMax(b.expand(wb, z), a.expand(wa, z))).toBeLessThan(1e-10);
    }
  });

  it('solves K x = r without a trailing block (residual at round-off)', () => {
    const xs = Float64Array.from({ length: 13 }, (_, i) => i * 0.1);
    const body = rectBody(xs, xs, (_n, _c, _x, y) => (y === 0 ? 0 : null));
    const solid = new Solid(body, [{ E: 7820, nu: 0.38, law: 'elastic', bbar: true }]);
    solid.assemble(new Float64Array(2 * body.nNodes), 0, new Float64Array(body.nEq), true);
    const ldl = new SparseLdl(solid.pattern.colPtr, solid.pattern.rowIdx, 0);
    ldl.factor(solid.values);
    const r = new Float64Array(body.nEq).map((_, i) => Math.cos(0.7 * i));
    const x = ldl.solve(r);
    const kx = new Float64Array(body.nEq);
    symMatVec(solid.matrix, x, kx);
    expect(relMax(kx, r)).toBeLessThan(1e-10);
  });
});

describe('dense kernels of the interface problem', () => {
  it('SPD inverse: A·A⁻¹ = I', () => {
    for (const n of [1, 2, 3, 5, 8, 33]) {
      const A = new Float64Array(n * n);
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) A[i * n + j] = 1 / (1 + Math.abs(i - j)) + (i === j ? 1 : 0);
      const X = denseSpdInverse(A, n);
      let err = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += A[i * n + k] * X[k * n + j];
        err = Math.max(err, Math.abs(s - (i === j ? 1 : 0)));
      }
      expect(err).toBeLessThan(1e-12);
    }
  });

  it('compliance contact: the active-set factor updated by row additions/deletions gives the same pressures as a fresh factorisation', () => {
    const nc = 120;
    const K = new Float64Array(nc * nc);
    for (let i = 0; i < nc; i++) { K[i * nc + i] = 2.2; K[i * nc + ((i + 1) % nc)] = -1; K[((i + 1) % nc) * nc + i] = -1; }
    const W = denseSpdInverse(K, nc);
    const cache = newComplianceCache();
    let warm = new Uint8Array(nc);
    warm[0] = 1;
    let worst = 0;
    for (let t = 0; t < 40; t++) {
      const q = new Float64Array(nc).map((_, i) => 0.3 * Math.sin((6 * Math.PI * i) / nc + 0.1 * t) + 0.1 * Math.cos(0.7 * i + t) + 0.002 * t);
      const F = 5 + 0.5 * t;
      const a = solveComplianceLcp(nc, W, q, F, warm, cache);
      const b = solveComplianceLcp(nc, W, q, F, warm, newComplianceCache());
      let sum = 0;
      for (let i = 0; i < nc; i++) {
        worst = Math.max(worst, Math.abs(a.P[i] - b.P[i]));
        expect(a.P[i]).toBeGreaterThanOrEqual(0);
        expect(a.gap[i]).toBeGreaterThanOrEqual(-1e-12);
        sum += a.P[i];
      }
      expect(Math.abs(sum - F) / F).toBeLessThan(1e-12);
      warm = a.active;
    }
    expect(worst).toBeLessThan(1e-10);
    expect(cache.updates).toBeGreaterThan(0);
  });
});

describe('element assembly fast paths', () => {
  it('residual-only and tangent assembly equal the generic B̄ path (elastic, creep, plastic; with and without B-bar)', () => {
    const mesh = cellLi(32, 6);
    for (const law of ['elastic', 'creep', 'plastic'] as const) for (const bbar of [true, false]) {
      const mat: Material = { E: 7820, nu: 0.38, law, A: 6.85e-3, n: 6.6, sigmaY: 0.5, bbar };
      const a = new Solid(mesh.li, [mat]), b = new Solid(mesh.li, [mat]), c = new Solid(mesh.li, [mat]);
      const u = new Float64Array(2 * mesh.li.nNodes).map((_, i) => 1e-4 * Math.sin(0.37 * i) + 2e-5 * Math.cos(1.3 * i));
      const fa = new Float64Array(mesh.li.nEq), fb = new Float64Array(mesh.li.nEq), fc = new Float64Array(mesh.li.nEq);
      a.assemble(u, 1e-3, fa, true); // tangent fast path
      // generic path: a (zero) prescribed-displacement increment forces it
      b.assemble(u, 1e-3, fb, true, { du: new Float64Array(u.length), out: new Float64Array(mesh.li.nEq) });
      c.assemble(u, 1e-3, fc, false); // residual only
      expect(relMax(a.values, b.values)).toBeLessThan(1e-13);
      expect(relMax(fa, fb)).toBeLessThan(1e-13);
      expect(relMax(fc, fb)).toBeLessThan(1e-13);
      expect(relMax(c.sigma, b.sigma)).toBeLessThan(1e-13);
      expect(relMax(c.epTrial, b.epTrial)).toBeLessThan(1e-9); // creep increments of 1e-9: cancellation in qtr − q
    }
  });
});
