/**
 * Backend selection for the conduction solve: 'cpu' (float64 multigrid + CG, this thread), 'gpu'
 * (the V-cycle's stencil kernels in WGSL on the compute layer's WebGPU device, CG in float64 on the
 * cpu: src/current/gpu-conduction.ts), 'auto' (gpu on a hardware adapter, else cpu — the compute
 * layer's rule, src/compute/index.ts).
 */
import { gpuRefusal, requireGpuAdapter } from '../compute/index.js';
import { GpuConduction } from './gpu-conduction.js';
import { buildFineLevel, finishSolution, Multigrid, now, pcgAsync, rhsOf, type ConductionProblem, type ConductionSolution, type SolveOptions } from './solver.js';
import { runCurrent, runCurrentWith, type CurrentOptions, type CurrentResult } from './index.js';

export type CurrentBackend = 'auto' | 'cpu' | 'gpu';

/** The conduction solve with the gpu preconditioner (constant prolongation). */
export async function solveConductionGpu(p: ConductionProblem, o: SolveOptions = {}): Promise<ConductionSolution & { description: string }> {
  const t0 = now();
  const fine = buildFineLevel(p);
  const mg = new Multigrid(fine, p.rho ?? 0, { sweeps: o.sweeps, prolongation: 'constant' });
  const gpu = await GpuConduction.create(mg);
  try {
    const b = rhsOf(fine);
    const t1 = now();
    const res = await pcgAsync(fine, gpu, b, o);
    return { ...finishSolution(p, fine, mg, res, t0, t1, now(), o.tol ?? 1e-8), description: gpu.description };
  } finally {
    gpu.dispose();
  }
}

/** runCurrent on the chosen backend; the summary's `backend` says what ran (and why, for auto). */
export async function runCurrentOn(
  backend: CurrentBackend, contact: ArrayLike<number>, ny: number, nx: number, dx: number, dy: number, o: CurrentOptions,
  onWarning?: (msg: string) => void,
): Promise<CurrentResult> {
  let useGpu = backend === 'gpu';
  let note = '';
  if (useGpu) await requireGpuAdapter();
  if (backend === 'auto') {
    const refusal = await gpuRefusal();
    useGpu = refusal === null;
    if (!useGpu) {
      note = `; auto: ${refusal}`;
      onWarning?.(`auto: using cpu because ${refusal}`);
    }
  }
  if (!useGpu) return runCurrent(contact, ny, nx, dx, dy, { ...o, backendDescription: `cpu: float64, single thread${note}` });
  let desc = '';
  const r = await runCurrentWith(
    async (p, so) => {
      const s = await solveConductionGpu(p, so);
      desc = s.description;
      return s;
    },
    contact, ny, nx, dx, dy, { ...o, solve: { ...o.solve, prolongation: 'constant' } },
  );
  r.summary.backend = desc;
  return r;
}
