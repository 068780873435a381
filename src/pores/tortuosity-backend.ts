/**
 * Tortuosity on a chosen backend: 'gpu' runs the conduction solver's V-cycle as WGSL kernels on the
 * WebGPU device (src/current/gpu.ts solveConductionGpu; CG stays float64 on the cpu, so the answer
 * reaches the same residual), 'cpu' the float64 solver, 'auto' the gpu on a hardware adapter only.
 * Kept apart from tortuosity.ts so the synchronous cpu path never loads Dawn.
 */
import { gpuRefusal, requireGpuAdapter } from '../compute/index.js';
import { solveConductionGpu } from '../current/gpu.js';
import { finishTortuosity, nonPercolating, prepareTortuosity, tortuosity, type TortuosityOptions, type TortuosityResult } from './tortuosity.js';

export type TortuosityBackend = 'auto' | 'cpu' | 'gpu';

export async function tortuosityOn(
  backend: TortuosityBackend, phase: Uint8Array, shape: [number, number, number], o: TortuosityOptions = {},
  onWarning?: (msg: string) => void,
): Promise<TortuosityResult> {
  let useGpu = backend === 'gpu';
  if (useGpu) await requireGpuAdapter();
  let note = '';
  if (backend === 'auto') {
    const refusal = await gpuRefusal();
    useGpu = refusal === null;
    if (!useGpu) {
      note = `; auto: ${refusal}`;
      onWarning?.(`tortuosity: using cpu because ${refusal}`);
    }
  }
  if (!useGpu) {
    const r = tortuosity(phase, shape, o);
    return { ...r, backend: r.backend + note };
  }
  const t0 = performance.now();
  const p = prepareTortuosity(phase, shape, o);
  if (!p.percolating) return nonPercolating(p, 'gpu: not run (no percolating path)', performance.now() - t0);
  const s = await solveConductionGpu(p.problem, p.solveOptions);
  const prepMs = performance.now() - t0 - (s.stats.setup_s + s.stats.solve_s) * 1000;
  return finishTortuosity(p, s, s.description, prepMs + s.stats.setup_s * 1000, s.stats.solve_s * 1000);
}
