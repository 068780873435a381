/**
 * The foil-creep test of Ding et al. 2021 run on the FEM's own material update: one material point of
 * a free-standing foil under uniaxial compression σyy = −p (σxx = σzz = σxy = 0, frictionless
 * platens), integrated by the same backward-Euler return the contact FEM uses, with the normal
 * strains found by Newton on the consistent tangent at every step. The thinning rate is the foil
 * thickness times the through-thickness strain rate over the hold (see DING_CREEP in material.ts
 * for why this geometry).
 */
import { stressUpdate, type Material } from './material.js';

export interface FoilCreepResult {
  /** Mean thinning rate over the hold after the elastic step (µm/h). */
  umPerHour: number;
  /** Through-thickness strain after loading and at the end of the hold. */
  strainLoaded: number;
  strainEnd: number;
}

export function foilCreepRate(m: Material, pressureMpa: number, holdSeconds: number, foilUm: number, steps = 40): FoilCreepResult {
  const eps = new Float64Array(4);
  let ep = new Float64Array(4);
  const epOut = new Float64Array(4), sig = new Float64Array(4), C = new Float64Array(16);
  const target = [0, -pressureMpa, 0];
  const solve = (dt: number) => {
    for (let it = 0; it < 50; it++) {
      stressUpdate(m, eps, ep, dt, epOut, sig, C);
      const r = [sig[0] - target[0], sig[1] - target[1], sig[2] - target[2]];
      // stress tolerance: relative to p, and above the round-off of E·ε at large creep strains
      const tol = 1e-12 * Math.max(1, pressureMpa) + 1e-14 * m.E * Math.max(Math.abs(eps[0]), Math.abs(eps[1]), Math.abs(eps[2]));
      if (Math.max(Math.abs(r[0]), Math.abs(r[1]), Math.abs(r[2])) < tol) return;
      const d = solve3([C[0], C[1], C[2], C[4], C[5], C[6], C[8], C[9], C[10]], r);
      for (let k = 0; k < 3; k++) eps[k] -= d[k];
    }
    throw new Error('foil creep: the material-point Newton iteration did not converge');
  };
  solve(0);
  ep = epOut.slice();
  const strainLoaded = eps[1];
  // geometric steps resolve the primary transient; backward Euler is exact at steady state
  const ratio = 1.2;
  let dt = (holdSeconds * (ratio - 1)) / (Math.pow(ratio, steps) - 1);
  for (let s = 0; s < steps; s++, dt *= ratio) { solve(dt); ep = epOut.slice(); }
  const strainEnd = eps[1];
  return { umPerHour: (-(strainEnd - strainLoaded) * foilUm * 3600) / holdSeconds, strainLoaded, strainEnd };
}

/** x = M⁻¹ r for a 3×3 row-major M (Cramer). */
function solve3(M: number[], r: number[]): number[] {
  const [a, b, c, d, e, f, g, h, i] = M;
  const det = a * (e * i - f * h) - b * (d * i - f * g) + c * (d * h - e * g);
  return [
    (r[0] * (e * i - f * h) - b * (r[1] * i - f * r[2]) + c * (r[1] * h - e * r[2])) / det,
    (a * (r[1] * i - f * r[2]) - r[0] * (d * i - f * g) + c * (d * r[2] - r[1] * g)) / det,
    (a * (e * r[2] - r[1] * h) - b * (d * r[2] - r[1] * g) + r[0] * (d * h - e * g)) / det,
  ];
}
