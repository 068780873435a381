/**
 * WebGPU in Node: Dawn through the `webgpu` package, installed as `navigator.gpu` so gpu.js (WebGPU
 * mode) and our own WGSL pipelines share one GPUDevice, the singleton of gpu.js's
 * `WebGPUContext.acquire()` (it requests the adapter's maximum buffer limits).
 *
 * Without a hardware GPU, SwiftShader (Chromium's Vulkan ICD) can serve: run with
 * VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json.
 */
import { createRequire } from 'node:module';
import os from 'node:os';

const require = createRequire(import.meta.url);

export interface AdapterSummary {
  description: string;
  software: boolean;
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

let installed: Promise<GPU | null> | null = null;

/** Install Dawn's `navigator.gpu` (and WebGPU globals) once; null when the module cannot load. */
export function installNavigatorGpu(): Promise<GPU | null> {
  installed ??= (async () => {
    // Dawn complains about an invalid XDG_RUNTIME_DIR on headless machines; harmless, but quiet it
    process.env.XDG_RUNTIME_DIR ??= os.tmpdir();
    try {
      const { create, globals } = await import('webgpu');
      Object.assign(globalThis, globals);
      const gpu = create([]);
      const g = globalThis as { navigator?: { gpu?: GPU } };
      if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
      else if (!g.navigator.gpu) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true, writable: true });
      return g.navigator!.gpu ?? gpu;
    } catch {
      return null;
    }
  })();
  return installed;
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|software|microsoft basic render|warp/i;

export function isSoftwareAdapter(adapter: GPUAdapter): boolean {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean; adapterType?: string; type?: string };
  if (info.isFallbackAdapter || (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter) return true;
  const kind = info.adapterType ?? info.type;
  if (kind && /cpu/i.test(kind)) return true;
  return SOFTWARE.test([info.vendor, info.architecture, info.device, info.description].join(' '));
}

export function describeAdapter(adapter: GPUAdapter): string {
  const { vendor, architecture, device, description } = adapter.info;
  const main = description || [vendor, architecture].filter(Boolean).join(' ') || 'unknown adapter';
  const extra = [vendor, architecture, device].filter((s) => s && !main.includes(s)).join(', ');
  return extra ? `${main} (${extra})` : main;
}

/** Adapter that gpu.js's context would use (the default one), or null. */
export async function probeAdapter(): Promise<{ adapter: GPUAdapter; summary: AdapterSummary } | null> {
  const gpu = await installNavigatorGpu();
  if (!gpu) return null;
  let adapter: GPUAdapter | null = null;
  try {
    adapter = await gpu.requestAdapter();
  } catch {
    adapter = null;
  }
  if (!adapter) return null;
  return {
    adapter,
    summary: {
      description: describeAdapter(adapter),
      software: isSoftwareAdapter(adapter),
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    },
  };
}

interface GpuJsContext { adapter: GPUAdapter; device: GPUDevice; isLost: boolean }
interface WebGPUContextStatic { acquire(): Promise<GpuJsContext>; destroy(): Promise<void> }

function webGpuContext(): WebGPUContextStatic {
  return (require('gpu.js/src/backend/web-gpu/context.js') as { WebGPUContext: WebGPUContextStatic }).WebGPUContext;
}

/** The shared device (gpu.js's singleton). Throws when there is no adapter. */
export async function acquireDevice(): Promise<{ adapter: GPUAdapter; device: GPUDevice }> {
  const gpu = await installNavigatorGpu();
  if (!gpu) throw new Error('WebGPU unavailable: the `webgpu` (Dawn) module could not be loaded');
  const ctx = await webGpuContext().acquire();
  return { adapter: ctx.adapter, device: ctx.device };
}

/** Destroy the shared device (next acquire creates a fresh one). */
export function releaseDevice(): Promise<void> {
  return webGpuContext().destroy();
}

/**
 * Compute pipelines built once per key on one device (entry point `main`, auto layout): the WGSL
 * is generated and compiled on first use only.
 */
export class PipelineCache {
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  constructor(private readonly device: GPUDevice) {}

  get(key: string, code: () => string): GPUComputePipeline {
    let p = this.pipelines.get(key);
    if (!p) {
      const module = this.device.createShaderModule({ code: code(), label: key });
      p = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' }, label: key });
      this.pipelines.set(key, p);
    }
    return p;
  }
}
