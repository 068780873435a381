/**
 * TORTUOSITY PLUG-IN POINT (issue #19): the one place where the conduction solve
 * (src/pores/tortuosity.ts, written on the `tortuosity` branch) joins the pores stage.
 *
 * After both branches are merged, replace `defaultTortuosity` below by the solver, e.g.
 *   import { tortuosity } from './tortuosity.js';
 *   export const defaultTortuosity: TortuosityFn | null = tortuosity;
 * (adapting the axis argument if the solver takes another form). Until then the stage writes
 * `tortuosity_factor: null` with the reason, and tests inject their own function.
 *
 * Contract: `phase` is 1 on the conducting voxels of a box [nz, ny, nx] cut from the electrolyte
 * layer (every column of the box lies inside the layer), 0 elsewhere; fixed potentials on the two
 * faces normal to `axis`, no flux through the others; TauFactor's τ = ε·D₀/D_eff.
 */
import type { Shape3, Spacing3 } from '../io/volume.js';
import type { Axis } from '../thickness/map.js';

export interface TortuosityOutcome {
  tortuosity_factor: number | null;
  effective_conductivity_ratio: number | null;
  volume_fraction: number;
  percolating: boolean;
  iterations: number;
  residual: number;
  converged: boolean;
  tol: number;
  /** Normalised through-plane flux on the inlet face ([rows, cols] of the face), when the solver gives it. */
  inlet_flux?: Float32Array;
  timings_ms?: Record<string, number>;
}

export type TortuosityFn = (phase: Uint8Array, shape: Shape3, options: { axis: Axis; tol: number; spacing: Spacing3 }) => TortuosityOutcome | Promise<TortuosityOutcome>;

/** The solver used when the caller injects none: none yet (see above). */
export const defaultTortuosity: TortuosityFn | null = null;
