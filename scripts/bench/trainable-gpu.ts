/**
 * The trainable segmentation's per-scale features (Gaussian + gradient, Laplacian, Hessian
 * eigenvalues) on the cpu (compute/scale-features.ts: the cpu backend's scaleFeatures, one thread,
 * as each slab worker runs it) against WebGPU (GpuBackend.scaleFeatures, upload and read-back
 * included), per scale of the default set on a phantom slab: the fine scales on the voxel grid, the
 * large ones on their pyramid grid (f³ block means), as features.ts computes them.
 *
 *   npm run build && VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json \
 *     node dist/scripts/bench/trainable-gpu.js [--shape 128,128,128] [--repeat 3]
 *
 * Each figure is the median of --repeat calls after one warm-up call (pipeline compilation). On
 * SwiftShader (software Vulkan) every kernel runs on this machine's CPU cores: those figures say
 * nothing about a real GPU, and the script says so.
 */
import { CpuBackend } from '../../src/compute/cpu/backend.js';
import { GpuBackend } from '../../src/compute/gpu/backend.js';
import { gpuAvailability } from '../../src/compute/index.js';
import type { Shape3 } from '../../src/compute/types.js';
import { coarseSigma, DEFAULT_SCALES, defaultFactor } from '../../src/segment/trainable/features.js';
import { blockMean } from '../../src/segment/trainable/smooth.js';
import { generatePhantom } from '../../src/synth/index.js';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
}
const shape = arg('shape', '128,128,128').split(',').map(Number) as Shape3;
const repeat = Number(arg('repeat', '3'));

async function median(f: () => Promise<unknown>): Promise<number> {
  await f();
  const t: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t0 = performance.now();
    await f();
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b)[Math.floor(t.length / 2)];
}

const availability = await gpuAvailability();
if (!availability.available) {
  console.error(`no WebGPU adapter (${availability.description}); without a GPU set VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json`);
  process.exit(2);
}
const [nz, ny, nx] = shape;
const scan = generatePhantom({ preset: 'symmetric', seed: 1, shape }).scan.data;
let lo = Infinity, hi = -Infinity;
for (const v of scan) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
const norm = (v: number) => (v - lo) / (hi - lo);
const grid = Float32Array.from(scan, norm);
const gpu = await GpuBackend.create({ workers: 1 });
const cpu = new CpuBackend({ workers: 1 });
console.log(`trainable features, ${shape.join('×')} symmetric phantom slab (all planes), median of ${repeat} after a warm-up`);
console.log(`gpu: ${gpu.description}`);
if (!availability.hardware) console.log('NOTE: software adapter (SwiftShader: Vulkan emulated on this machine\'s CPU cores); the WebGPU figures below say nothing about a real GPU');
console.log('scale  grid            cpu ms (1 thread)  webgpu ms  cpu/webgpu  max |Δ|');
let tc = 0, tg = 0;
for (const sigma of DEFAULT_SCALES) {
  const f = defaultFactor(sigma);
  const g = f === 1 ? grid : blockMean(scan, 0, nz, ny, nx, f, 0, Math.ceil(nz / f), lo, 1 / (hi - lo));
  const gs: Shape3 = [Math.ceil(nz / f), Math.ceil(ny / f), Math.ceil(nx / f)];
  const s = coarseSigma(sigma, f);
  let a: Float32Array = new Float32Array(0), b: Float32Array = new Float32Array(0);
  const c = await median(async () => (a = await cpu.scaleFeatures(g, gs, s, 0, gs[0], f)));
  const w = await median(async () => (b = await gpu.scaleFeatures(g, gs, s, 0, gs[0], f)));
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  tc += c; tg += w;
  console.log(`σ ${String(sigma).padEnd(4)} ${`${gs.join('×')}${f > 1 ? ` (f ${f})` : ''}`.padEnd(16)}${c.toFixed(0).padStart(17)}  ${w.toFixed(0).padStart(9)}  ${(c / w).toFixed(2).padStart(10)}  ${d.toExponential(1)}`);
}
console.log(`all scales: cpu ${tc.toFixed(0)} ms, webgpu ${tg.toFixed(0)} ms (${(tc / tg).toFixed(2)}×)`);
await gpu.dispose();
await cpu.dispose();
process.exit(0);
