/**
 * Creep of Li into the electrolyte's roughness as a local sink of each contact spot.
 *
 * Li creeps as a Norton solid, ε̇ = A·⟨σ − σ0⟩ⁿ. A spot of radius a pressed with mean pressure p_m
 * into a power-law creeping half-space sinks at the steady rate ḣ = a·ε̇(p_m/c): the similarity
 * solution of Bower, Fleck, Needleman & Ogbonna 1993 (Proc. R. Soc. Lond. A 441:97,
 * doi 10.1098/rspa.1993.0050) for indentation of a power-law creeping solid, whose mean contact
 * pressure is a constraint factor c (≈ 3, Tabor's hardness/flow-stress ratio in the rate-independent
 * limit) times the flow stress at the representative strain rate ḣ/a. Applied pixel by pixel with
 * the spot's radius a (clusters.ts), the sink rate of a contact pixel at pressure p is
 * v = a·A·⟨p/c − σ0⟩ⁿ: a rate-dependent hardness, which tends to the perfectly plastic cap H = c·σ0 as
 * the rate goes to zero (the elastic–plastic solver's limit) and to elastic contact for short times.
 * This is the reduced, time-correlated picture of Zhang, Wang, Harrison, Roberts & Harris 2020
 * (Cell Rep. Phys. Sci. 1:100012, doi 10.1016/j.xcrp.2020.100012: contact area of rough Li growing
 * with hold time by creep), not their full volume model: the Li's subsurface creep field is lumped
 * into the spot's sink rate.
 *
 * Time stepping is backward Euler: over a step dt the sink Δw_i = dt·a_i·A·⟨p_i/c − σ0⟩ⁿ uses the end
 * pressures, which makes the step a convex problem solved by the contact solver (polonsky-keer.ts,
 * `sink`); the radii a_i are those of the spots at the step's start (a pixel next to a spot takes its
 * radius, so a growing spot's rim is not stiffer than its centre; an isolated new pixel takes the
 * pixel's own radius √(dx·dy/π)). Cost per step: one union-find pass plus the contact solve.
 */
import type { Clusters } from './clusters.js';
import type { SinkTerm } from './polonsky-keer.js';

/** Norton creep of the Li: ε̇ = A·⟨σ − σ0⟩ⁿ (A in MPa⁻ⁿ s⁻¹, σ0 in MPa). */
export interface NortonLaw { A: number; n: number; threshold: number }

/** Steady sink rate (µm/s) of a spot of radius a (µm) under mean pressure pm (MPa). */
export function spotSinkRate(pm: number, a: number, law: NortonLaw, constraint: number): number {
  const x = pm / constraint - law.threshold;
  return x > 0 ? a * law.A * Math.pow(x, law.n) : 0;
}

/** The backward-Euler sink term over a step dt, with the spot radii of `clusters` (dilated by one pixel). */
export function sinkTerm(clusters: Clusters, ny: number, nx: number, dy: number, dx: number, law: NortonLaw, constraint: number, dt: number): SinkTerm {
  const N = ny * nx;
  const a = new Float64Array(N).fill(Math.sqrt((dx * dy) / Math.PI));
  const { id, radius } = clusters;
  for (let r = 0; r < ny; r++) {
    for (let i = 0; i < nx; i++) {
      const k = r * nx + i;
      let best = id[k] >= 0 ? radius[id[k]] : 0;
      if (id[k] < 0) {
        const nb = [r * nx + ((i + 1) % nx), r * nx + ((i + nx - 1) % nx), ((r + 1) % ny) * nx + i, ((r + ny - 1) % ny) * nx + i];
        for (const j of nb) if (id[j] >= 0 && radius[id[j]] > best) best = radius[id[j]];
      }
      if (best > a[k]) a[k] = best;
    }
  }
  const b = new Float64Array(N);
  for (let k = 0; k < N; k++) b[k] = dt * a[k] * law.A;
  return { b, n: law.n, c: constraint, s0: law.threshold };
}
