/**
 * Voxel compute layer: pick a backend.
 *
 * - 'cpu': worker threads (piscina) over z-slabs of SharedArrayBuffers.
 * - 'gpu': WebGPU (Dawn) compute shaders on any adapter, software ones (SwiftShader) included;
 *   without any adapter an InputError naming `--backend gpu` (bad usage: exit 2, one line).
 * - 'auto': gpu only on a hardware adapter whose buffer limits hold `bytesNeeded`; otherwise cpu,
 *   and `onWarning` (when given) hears why.
 */
import { InputError } from '../io/errors.js';
import { CpuBackend } from './cpu/backend.js';
import type { AdapterSummary } from './gpu/device.js';
import { probeAdapterSummary } from './gpu/probe-child.js';
import type { BackendChoice, ComputeBackend } from './types.js';

export type * from './types.js';
export { CpuBackend } from './cpu/backend.js';

/** The WebGPU backend's module, loaded only when it is used (Dawn is ≈ 60 MB resident). */
const gpuBackend = async () => (await import('./gpu/backend.js')).GpuBackend;

export interface CreateBackendOptions {
  /** Bytes of the largest array the caller will hand over (checked against the GPU's buffer limits). */
  bytesNeeded?: number;
  /** Worker threads of the cpu backend (default: available parallelism). */
  workers?: number;
  onWarning?: (msg: string) => void;
}

export interface GpuAvailability {
  available: boolean;
  hardware: boolean;
  description: string;
}

/** Whether a WebGPU adapter exists and whether it is real hardware. Never throws. */
export async function gpuAvailability(): Promise<GpuAvailability> {
  try {
    const summary = await probeAdapterSummary();
    if (!summary) return { available: false, hardware: false, description: 'no WebGPU adapter' };
    return {
      available: true,
      hardware: !summary.software,
      description: `${summary.description}${summary.software ? ' (software)' : ''}, maxBufferSize ${summary.maxBufferSize}, maxStorageBufferBindingSize ${summary.maxStorageBufferBindingSize}`,
    };
  } catch (e) {
    return { available: false, hardware: false, description: `WebGPU probe failed: ${(e as Error).message}` };
  }
}

/**
 * For an explicit 'gpu' choice (segment, distance, current): resolves when a WebGPU adapter exists,
 * otherwise throws an InputError naming `--backend gpu` and why (asked in the probe child, so Dawn's
 * own complaints never reach this process's stderr).
 */
export async function requireGpuAdapter(): Promise<void> {
  const a = await gpuAvailability();
  if (a.available) return;
  throw new InputError(
    `${a.description}: the gpu backend needs one (no GPU driver; without a GPU, set ` +
      'VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json to use SwiftShader), or choose --backend cpu or auto',
    '--backend gpu',
  );
}

/** Why 'auto' would not use the gpu for this request (null: it would). */
export async function gpuRefusal(bytesNeeded?: number): Promise<string | null> {
  let summary: AdapterSummary | null = null;
  try {
    summary = await probeAdapterSummary();
  } catch (e) {
    return `WebGPU probe failed (${(e as Error).message})`;
  }
  return refusalFor(summary, bytesNeeded);
}

/** gpuRefusal's rule for a given adapter summary (null: no adapter). */
export function refusalFor(summary: AdapterSummary | null, bytesNeeded?: number): string | null {
  if (!summary) return 'no WebGPU adapter';
  if (summary.software) return `the only WebGPU adapter is a software renderer (${summary.description})`;
  const limit = Math.min(summary.maxBufferSize, summary.maxStorageBufferBindingSize);
  // the gpu backend works in z-slabs, so `bytesNeeded` must fit the device buffers once (as f32
  // intermediates of one slab it is usually much smaller); refuse when even one array cannot
  if (bytesNeeded !== undefined && bytesNeeded > limit) {
    return `${bytesNeeded} bytes exceed the GPU buffer limit (${limit} bytes) of ${summary.description}`;
  }
  return null;
}

export async function createBackend(choice: BackendChoice, options: CreateBackendOptions = {}): Promise<ComputeBackend> {
  if (choice === 'cpu') return new CpuBackend({ workers: options.workers });
  if (choice === 'gpu') {
    await requireGpuAdapter();
    return (await gpuBackend()).create({ workers: options.workers });
  }
  if (choice !== 'auto') throw new Error(`unknown backend '${choice as string}' (expected auto, cpu or gpu)`);
  const refusal = await gpuRefusal(options.bytesNeeded);
  if (refusal === null) {
    try {
      return await (await gpuBackend()).create({ workers: options.workers });
    } catch (e) {
      options.onWarning?.(`auto: gpu device creation failed (${(e as Error).message}); using cpu`);
      return new CpuBackend({ workers: options.workers });
    }
  }
  options.onWarning?.(`auto: using cpu because ${refusal}`);
  // the CpuBackend itself, not a wrapper: a wrapper that forwarded only the required methods hid
  // `threads` and `runModuleTasks`, and every slab kernel of the segmentation ran on the calling
  // thread (512³ `buried segment` 17 s instead of 9.8 s)
  return new CpuBackend({ workers: options.workers, note: `auto: ${refusal}` });
}
