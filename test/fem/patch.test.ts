import { describe, expect, it } from 'vitest';
import { bodyFrom } from '../../src/fem/mesh.js';
import { Solid } from '../../src/fem/solid.js';
import { StaticSolver } from '../../src/fem/static.js';
import { elasticMatrix, type Material } from '../../src/fem/material.js';

// MacNeal–Harder distorted 5-element patch in a 0.24 × 0.12 rectangle
const X = [0, 0.24, 0.24, 0, 0.04, 0.18, 0.16, 0.08];
const Y = [0, 0, 0.12, 0.12, 0.02, 0.03, 0.08, 0.08];
const QUADS = [
  [0, 1, 5, 4],
  [1, 2, 6, 5],
  [2, 3, 7, 6],
  [3, 0, 4, 7],
  [4, 5, 6, 7],
];

function patch(bbar: boolean) {
  const eps0 = { xx: 1e-3, yy: -4e-4, g: 6e-4 };
  const disp = (x: number, y: number, c: 0 | 1) => (c === 0 ? eps0.xx * x + 0.5 * eps0.g * y + 2e-4 : eps0.yy * y + 0.5 * eps0.g * x - 1e-4);
  const elems = Int32Array.from(QUADS.flat());
  const ecoords = new Float64Array(40);
  QUADS.forEach((q, e) => q.forEach((n, a) => { ecoords[e * 8 + 2 * a] = X[n]; ecoords[e * 8 + 2 * a + 1] = Y[n]; }));
  const body = bodyFrom(Float64Array.from(X), Float64Array.from(Y), elems, ecoords, (n, c, x, y) => (n < 4 ? disp(x, y, c) : null));
  const mat: Material = { E: 7820, nu: 0.38, law: 'elastic', bbar };
  const solid = new Solid(body, [mat]);
  const solver = new StaticSolver(solid);
  solver.step(0, null, { tol: 1e-14 });
  const D = elasticMatrix(mat);
  const e4 = [eps0.xx, eps0.yy, 0, eps0.g];
  const ref = [0, 1, 2, 3].map((i) => D[i * 4] * e4[0] + D[i * 4 + 1] * e4[1] + D[i * 4 + 2] * e4[2] + D[i * 4 + 3] * e4[3]);
  const scale = Math.max(...ref.map(Math.abs));
  let err = 0;
  for (let g = 0; g < 20; g++) for (let i = 0; i < 4; i++) err = Math.max(err, Math.abs(solid.sigma[g * 4 + i] - ref[i]) / scale);
  // interior nodes reproduce the linear field
  let uerr = 0;
  const u = solid.fullDisplacement(solver.U);
  for (let n = 4; n < 8; n++) for (const c of [0, 1] as const) uerr = Math.max(uerr, Math.abs(u[2 * n + c] - disp(X[n], Y[n], c)));
  return { err, uerr };
}

describe('plane-strain patch test (distorted 5-element patch)', () => {
  it('plain Q1 gives constant stress D·ε0 to 1e-10', () => {
    const { err, uerr } = patch(false);
    expect(err).toBeLessThan(1e-10);
    expect(uerr).toBeLessThan(1e-14);
  });
  it('B-bar Q1 gives constant stress D·ε0 to 1e-10', () => {
    const { err, uerr } = patch(true);
    expect(err).toBeLessThan(1e-10);
    expect(uerr).toBeLessThan(1e-14);
  });
});
