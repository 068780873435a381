/**
 * gpu.js (WebGPU mode) against WGSL for the gpu backend's float-output ops, normalize and the
 * Gaussian, per input type: the figures behind GPUJS_DEFAULT in src/compute/gpu/backend.ts. For
 * scale, NumPy (normalize: clip((v − lo)/(hi − lo), 0, 1) in float32) and SciPy
 * (gaussian_filter, σ = 1, mode 'nearest', float32 output) on the same volume in the same run.
 *
 *   npm run build && VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json \
 *     node dist/scripts/bench/gpujs.js [--shape 16,48,48] [--repeat 3] [--no-scipy]
 *
 * Each figure is the median of --repeat calls after one warm-up call (pipeline compilation);
 * SciPy/NumPy are timed inside Python around the call only. Ratios: gpu.js / WGSL, and WGSL /
 * SciPy (or NumPy). On SwiftShader every kernel runs on the CPU, so the absolute figures say
 * nothing about a real GPU; rerun at a realistic size on hardware before flipping a default.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GpuBackend } from '../../src/compute/gpu/backend.js';
import { gpuAvailability } from '../../src/compute/index.js';
import type { GreyArray, Shape3 } from '../../src/compute/types.js';

const PYTHON = '/usr/bin/python3';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
}
const shape = arg('shape', '16,48,48').split(',').map(Number) as Shape3;
const repeat = Number(arg('repeat', '3'));
const n = shape[0] * shape[1] * shape[2];

type DType = 'uint8' | 'uint16' | 'float32';
const DTYPES: DType[] = ['uint8', 'uint16', 'float32'];
const BOUNDS: Record<DType, [number, number]> = { uint8: [70.5, 180.2], uint16: [20000.5, 41000.7], float32: [-20.3, 300.1] };

/** Smooth field plus noise (deterministic LCG). */
function volume(dtype: DType): GreyArray {
  const a = dtype === 'uint8' ? new Uint8Array(n) : dtype === 'uint16' ? new Uint16Array(n) : new Float32Array(n);
  let s = 2;
  const [, ny, nx] = shape;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const x = i % nx, y = Math.floor(i / nx) % ny, z = Math.floor(i / (nx * ny));
    const v = 0.5 + 0.3 * Math.sin(x / 3 + y / 5) * Math.cos(z / 4) + 0.25 * (s / 2 ** 32 - 0.5);
    a[i] = dtype === 'uint8' ? Math.round(v * 255) : dtype === 'uint16' ? Math.round(v * 60000) : (v - 0.4) * 1000;
  }
  return a;
}

async function medianMs(f: () => Promise<unknown>): Promise<number> {
  await f(); // warm-up: pipeline compilation
  const ts: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t = performance.now();
    await f();
    ts.push(performance.now() - t);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}

const PY = `
import json, sys, time
import numpy as np
from scipy import ndimage
dtype, shape, lo, hi, repeat = sys.argv[2], [int(v) for v in sys.argv[3].split(',')], float(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
v = np.fromfile(sys.argv[1], dtype=dtype).reshape(shape)
def med(f):
    f(); ts = []
    for _ in range(repeat):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    return sorted(ts)[len(ts) // 2] * 1e3
scale = np.float32(1 / (hi - lo))
norm = med(lambda: np.clip((v.astype(np.float32) - np.float32(lo)) * scale, 0, 1))
gauss = med(lambda: ndimage.gaussian_filter(v, sigma=1, mode='nearest', truncate=4.0, output=np.float32))
print(json.dumps({'normalize': norm, 'gaussian': gauss}))
`;

const availability = await gpuAvailability();
if (!availability.available) {
  console.log(`no WebGPU adapter (${availability.description}); set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json for SwiftShader`);
  process.exit(2);
}
const viaGpuJs = await GpuBackend.create({ workers: 1, gpujs: { normalize: true, gaussian: true } });
const viaWgsl = await GpuBackend.create({ workers: 1, gpujs: { normalize: false, gaussian: false } });
const scipy = !process.argv.includes('--no-scipy') && existsSync(PYTHON);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'buried-bench-gpujs-'));
console.log(`gpu.js vs WGSL on ${availability.description}; ${shape.join('×')}, median of ${repeat}`);
try {
  for (const dtype of DTYPES) {
    const input = volume(dtype);
    const [lo, hi] = BOUNDS[dtype];
    const sigma: [number, number, number] = [1, 1, 1];
    const nJ = await medianMs(() => viaGpuJs.normalize(input, lo, hi));
    const nW = await medianMs(() => viaWgsl.normalize(input, lo, hi));
    const gJ = await medianMs(() => viaGpuJs.gaussian(input, shape, sigma));
    const gW = await medianMs(() => viaWgsl.gaussian(input, shape, sigma));
    let peer = '';
    if (scipy) {
      try {
        const file = path.join(tmp, `${dtype}.raw`);
        writeFileSync(file, new Uint8Array(input.buffer, input.byteOffset, input.byteLength));
        const py = JSON.parse(execFileSync(PYTHON, ['-c', PY, file, dtype, shape.join(','), String(lo), String(hi), String(repeat)], { encoding: 'utf8' })) as { normalize: number; gaussian: number };
        peer = `\n    NumPy normalize ${py.normalize.toFixed(2)} ms (WGSL / NumPy ${(nW / py.normalize).toFixed(1)}×); SciPy gaussian_filter ${py.gaussian.toFixed(2)} ms (WGSL / SciPy ${(gW / py.gaussian).toFixed(1)}×)`;
      } catch (e) {
        peer = `\n    SciPy/NumPy: not run (${(e as Error).message.split('\n')[0]})`;
      }
    }
    console.log(`  ${dtype}: normalize gpu.js ${nJ.toFixed(1)} ms vs WGSL ${nW.toFixed(1)} ms (${(nJ / nW).toFixed(2)}×); gaussian σ=1 gpu.js ${gJ.toFixed(1)} ms vs WGSL ${gW.toFixed(1)} ms (${(gJ / gW).toFixed(2)}×)${peer}`);
  }
} finally {
  await viaGpuJs.dispose();
  await viaWgsl.dispose();
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(0); // Dawn keeps handles open
