/**
 * Where the conduction solve (tortuosity.ts: TauFactor's τ on the project's multigrid/CG solver)
 * joins the pores stage, and the shape the stage expects of it (tests inject their own function).
 *
 * Contract: `phase` is 1 on the conducting voxels of a box [nz, ny, nx] cut from the electrolyte
 * layer (every column of the box lies inside the layer), 0 elsewhere; fixed potentials on the two
 * faces normal to `axis`, no flux through the others; TauFactor's τ = ε·D₀/D_eff.
 */
import type { Shape3, Spacing3 } from '../io/volume.js';
import type { Axis } from '../thickness/map.js';
import { tortuosity, type TortuosityResult } from './tortuosity.js';
import type { TortuosityBackend } from './tortuosity-backend.js';

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
  /** What solved it (the solver's description). */
  backend?: string;
}

export type TortuosityFn = (phase: Uint8Array, shape: Shape3, options: { axis: Axis; tol: number; spacing: Spacing3 }) => TortuosityOutcome | Promise<TortuosityOutcome>;

/** The outcome of tortuosity.ts as the stage records it (τ = ∞, no path, as null). */
function outcome(r: TortuosityResult): TortuosityOutcome {
  const finite = Number.isFinite(r.tortuosity_factor);
  return {
    tortuosity_factor: finite ? r.tortuosity_factor : null, effective_conductivity_ratio: finite ? r.effective_conductivity_ratio : null,
    volume_fraction: r.volume_fraction, percolating: r.percolating, iterations: r.iterations, residual: r.residual, converged: r.converged, tol: r.tol,
    inlet_flux: r.inlet_flux, timings_ms: r.timings_ms, backend: r.backend,
  };
}

/**
 * The solver the stage uses unless the caller injects another: tortuosity.ts on the cpu, or its
 * V-cycle on the WebGPU device (tortuosity-backend.ts; 'auto': a hardware adapter only).
 */
export function tortuosityWith(backend: TortuosityBackend): TortuosityFn {
  if (backend === 'cpu') return (phase, shape, o) => outcome(tortuosity(phase, shape, { axis: o.axis, tol: o.tol, spacing: o.spacing }));
  return async (phase, shape, o) => {
    // loaded only here: the cpu path never loads Dawn
    const { tortuosityOn } = await import('./tortuosity-backend.js');
    return outcome(await tortuosityOn(backend, phase, shape, { axis: o.axis, tol: o.tol, spacing: o.spacing }));
  };
}

