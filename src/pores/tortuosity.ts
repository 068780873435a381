/**
 * Tortuosity factor of a voxel phase (TauFactor's definition, Cooper et al. 2016, SoftwareX 5:203):
 * steady-state Laplace (σ = D₀ = 1) on the conducting voxels, potential fixed on the two faces normal
 * to the axis (0 on the first layer's outer face, 1 on the last's), no flux through the other faces
 * nor into the other phase. With I the total current, L the length along the axis and A the face
 * area: D_eff/D₀ = I·L/(A·ΔV), τ = ε·D₀/D_eff, ε the phase's volume fraction in the whole box
 * (isolated clusters and dead ends included, as TauFactor counts them).
 *
 * The solve is the project's conduction solver (src/current/solver.ts: cell-centred finite
 * volumes, CG preconditioned by geometric multigrid), called with an all-contact top face,
 * insulating sides and the phase as its conducting mask. Its discretisation is TauFactor's: face
 * conductance A/h between two conducting voxels, and A/(h/2) from a first- or last-layer voxel to
 * its Dirichlet face (TauFactor's ghost layer at twice the boundary value, counted twice). A dense
 * slab of n layers is then n − 1 interior resistances plus two half ones, h·n/A = L/A: τ = 1 exactly.
 */
import { solveConduction, type ConductionProblem, type ConductionSolution, type SolveOptions } from '../current/solver.js';
import { axisView, type Axis, type AxisView } from './axis-view.js';
import { connectsFirstToLast } from './face-connectivity.js';

export type { Axis } from './axis-view.js';

export interface TortuosityOptions {
  /** Transport axis (default 'z', the stack normal). */
  axis?: Axis;
  /** Relative residual ‖b − Au‖/‖b‖ at which CG stops (default 1e-6: τ within 5e-6 of the 1e-10 answer on a 128³ porous phase). */
  tol?: number;
  maxIterations?: number;
  /** Voxel size [dz, dy, dx] (any unit; only ratios matter). Default isotropic. */
  spacing?: [number, number, number] | null;
  onProgress?: (iteration: number, residual: number) => void;
}

export interface TortuosityResult {
  axis: Axis;
  /** ε: conducting voxels / all voxels of the box. */
  volume_fraction: number;
  /** τ = ε·D₀/D_eff; Infinity (null in JSON) when the phase does not percolate. */
  tortuosity_factor: number;
  /** D_eff/D₀ = ε/τ (0 when not percolating). */
  effective_conductivity_ratio: number;
  /** The phase connects the two faces normal to the axis (face-sharing voxels). */
  percolating: boolean;
  iterations: number;
  /** Final true relative residual ‖b − Au‖/‖b‖ (0 when no solve ran). */
  residual: number;
  converged: boolean;
  tol: number;
  /** |I_in − I_out| / I: current conservation between the two faces, a physical check of the solve. */
  flux_imbalance: number;
  /** Shape of the flux maps: the face normal to the axis in original axis order ([ny, nx] for z, [nz, nx] for y, [nz, ny] for x). */
  face_shape: [number, number];
  /** Current through each voxel of the first face (axis index 0), divided by the mean over the face (mean 1; 0 off the phase). */
  inlet_flux: Float32Array;
  /** The same on the last face (axis index n − 1). */
  outlet_flux: Float32Array;
  /** Why τ is what it is when it is not a number (not percolating), else null. */
  note: string | null;
  /** What ran the solve. */
  backend: string;
  timings_ms: { setup: number; solve: number };
}

/** A conduction solve of the problem (cpu here; the gpu twin in tortuosity-backend.ts). */
export type ConductionSolve = (p: ConductionProblem, o: SolveOptions) => ConductionSolution;

export interface PreparedTortuosity {
  axis: Axis;
  view: AxisView;
  volumeFraction: number;
  percolating: boolean;
  problem: ConductionProblem;
  solveOptions: SolveOptions;
  tol: number;
}

export const DEFAULT_TOL = 1e-6;

/** Checks the input, permutes to the axis, counts ε and tests percolation (no solve). */
export function prepareTortuosity(phase: Uint8Array, shape: [number, number, number], o: TortuosityOptions = {}): PreparedTortuosity {
  const axis = o.axis ?? 'z';
  if (axis !== 'z' && axis !== 'y' && axis !== 'x') throw new Error(`tortuosity: axis must be z, y or x, not ${String(axis)}`);
  if (shape.length !== 3 || shape.some((s) => !Number.isInteger(s) || s < 1)) throw new Error(`tortuosity: shape ${JSON.stringify(shape)} is not three positive integers`);
  const n = shape[0] * shape[1] * shape[2];
  if (phase.length !== n) throw new Error(`tortuosity: phase has ${phase.length} voxels, shape ${shape.join('×')} needs ${n}`);
  const spacing = o.spacing ?? [1, 1, 1];
  if (spacing.length !== 3 || spacing.some((s) => !(s > 0) || !Number.isFinite(s))) throw new Error(`tortuosity: spacing ${JSON.stringify(spacing)} must be three positive numbers`);
  const tol = o.tol ?? DEFAULT_TOL;
  let count = 0;
  for (let i = 0; i < n; i++) if (phase[i]) count++;
  const view = axisView(phase, shape, spacing, axis);
  const [nz, ny, nx] = view.shape;
  const [dz, dy, dx] = view.spacing;
  const percolating = count > 0 && connectsFirstToLast(view.data, view.shape);
  const problem: ConductionProblem = {
    nx, ny, nz, dx, dy, dz, contact: new Uint8Array(nx * ny).fill(1), rho: 0, sides: 'insulating', conducting: view.data,
  };
  const solveOptions: SolveOptions = { tol, maxIter: o.maxIterations ?? 500, onIteration: o.onProgress };
  return { axis, view, volumeFraction: count / n, percolating, problem, solveOptions, tol };
}

/** The result when no solve is needed (phase does not percolate). */
export function nonPercolating(p: PreparedTortuosity, backend: string, setupMs: number): TortuosityResult {
  const [fy, fx] = p.view.face;
  return {
    axis: p.axis, volume_fraction: p.volumeFraction, tortuosity_factor: Infinity, effective_conductivity_ratio: 0,
    percolating: false, iterations: 0, residual: 0, converged: true, tol: p.tol, flux_imbalance: 0,
    face_shape: [fy, fx], inlet_flux: new Float32Array(fy * fx), outlet_flux: new Float32Array(fy * fx),
    note: `the phase (ε = ${p.volumeFraction.toFixed(4)}) does not connect the two faces normal to ${p.axis}: no current, D_eff = 0, τ infinite (null in JSON)`,
    backend, timings_ms: { setup: setupMs, solve: 0 },
  };
}

/** τ, D_eff/D₀ and the face flux maps from a converged solve. */
export function finishTortuosity(p: PreparedTortuosity, s: ConductionSolution, backend: string, setupMs: number, solveMs: number): TortuosityResult {
  const [nz, ny, nx] = p.view.shape;
  const [dz, dy, dx] = p.view.spacing;
  const [fy, fx] = p.view.face;
  const plane = nx * ny;
  const cellArea = dx * dy;
  const I = s.current;
  const mean = I / (fy * fx); // over the unpadded face
  const inlet = new Float32Array(fy * fx);
  const outlet = new Float32Array(fy * fx);
  const last = (nz - 1) * plane;
  const gBot = cellArea / (dz / 2);
  let Iout = 0;
  for (let y = 0; y < fy; y++)
    for (let x = 0; x < fx; x++) {
      const q = y * nx + x;
      // the solver keeps every last-layer conducting voxel (each touches the φ = 1 electrode)
      const out = p.view.data[last + q] ? gBot * (1 - s.phi[last + q]) : 0;
      Iout += out;
      if (mean > 0) {
        inlet[y * fx + x] = (s.jTop[q] * cellArea) / mean;
        outlet[y * fx + x] = out / mean;
      }
    }
  const L = nz * dz;
  const A = fy * fx * cellArea;
  const ratio = (I * L) / A; // ΔV = 1
  return {
    axis: p.axis, volume_fraction: p.volumeFraction,
    tortuosity_factor: ratio > 0 ? p.volumeFraction / ratio : Infinity,
    effective_conductivity_ratio: ratio, percolating: true,
    iterations: s.stats.iterations, residual: s.stats.relative_residual,
    converged: s.stats.relative_residual <= p.tol, tol: p.tol,
    flux_imbalance: I > 0 ? Math.abs(I - Iout) / I : 0,
    face_shape: [fy, fx], inlet_flux: inlet, outlet_flux: outlet, note: null, backend,
    timings_ms: { setup: setupMs, solve: solveMs },
  };
}

/** Tortuosity factor along one axis on the cpu (float64 multigrid-preconditioned CG, this thread). */
export function tortuosity(phase: Uint8Array, shape: [number, number, number], o: TortuosityOptions = {}): TortuosityResult {
  const t0 = performance.now();
  const p = prepareTortuosity(phase, shape, o);
  const backend = 'cpu: float64 multigrid-preconditioned CG, single thread';
  if (!p.percolating) return nonPercolating(p, backend, performance.now() - t0);
  const s = solveConduction(p.problem, p.solveOptions);
  const prepMs = performance.now() - t0 - (s.stats.setup_s + s.stats.solve_s) * 1000;
  return finishTortuosity(p, s, backend, prepMs + s.stats.setup_s * 1000, s.stats.solve_s * 1000);
}

/** The JSON-ready part of a result (for pores.json): the flux maps left out (they go to a TIFF), τ = Infinity written as null. */
export type TortuositySummary = Omit<TortuosityResult, 'inlet_flux' | 'outlet_flux' | 'tortuosity_factor'> & { tortuosity_factor: number | null };

export function tortuositySummary(r: TortuosityResult): TortuositySummary {
  const { inlet_flux: _i, outlet_flux: _o, ...rest } = r;
  return { ...rest, tortuosity_factor: Number.isFinite(r.tortuosity_factor) ? r.tortuosity_factor : null };
}
