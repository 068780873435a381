/**
 * Compute-layer benchmark: node dist/scripts/bench/compute.js [--size 256] [--backend cpu|gpu|both]
 *   [--workers N] [--ops median3,gaussian,...]
 * Times each op on a size³ synthetic uint16 volume (smooth field + noise) per backend, and the
 * reference implementation on a 64³ crop for scale. Reports seconds, MVox/s and peak RSS.
 */
import { CpuBackend } from '../../src/compute/cpu/backend.js';
import { createBackend } from '../../src/compute/index.js';
import { referenceBackend } from '../../src/compute/reference-backend.js';
import type { ComputeBackend, Shape3 } from '../../src/compute/types.js';
import { syntheticVolume } from './synthetic-volume.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const size = Number(arg('size', '256'));
const which = arg('backend', 'cpu');
const workers = Number(arg('workers', '0')) || undefined;
const ALL = ['median3', 'gaussian', 'histogram', 'classify', 'localMeanVariance', 'connectedComponents'];
const ops = arg('ops', ALL.join(',')).split(',');

const volume = syntheticVolume;

let peak = 0;
const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);

async function bench(b: ComputeBackend, n: number, label: string): Promise<void> {
  const shape: Shape3 = [n, n, n];
  const vox = n ** 3;
  const data = volume(n);
  console.log(`\n${label}: ${b.description}; ${n}³ uint16 (${(vox / 1e6).toFixed(1)} MVox)`);
  const row = (op: string, s: number, note = '') =>
    console.log(`  ${op.padEnd(28)} ${s.toFixed(3).padStart(8)} s  ${(vox / 1e6 / s).toFixed(1).padStart(8)} MVox/s ${note}`);
  const time = async (op: string, f: () => Promise<unknown>, note = '') => {
    if (!ops.includes(op)) return;
    const t = performance.now();
    await f();
    row(op, (performance.now() - t) / 1000, note);
  };
  const work = new Uint16Array(new SharedArrayBuffer(vox * 2));
  work.set(data);
  await time('median3', () => b.median3(work, shape, work), '(uint16, in place)');
  await time('gaussian', () => b.gaussian(data, shape, [1, 1, 1]), '(σ = 1)');
  await time('histogram', () => b.histogram(data, { lo: 0, width: 256, bins: 256 }));
  await time('classify', () => b.classify(data, [12000, 20000, 28000]), '(4 classes)');
  await time('localMeanVariance', () => b.localMeanVariance(data, shape, 1), '(r = 1)');
  if (ops.includes('connectedComponents')) {
    const labels = await b.classify(data, [24000]);
    await time('connectedComponents', () => b.connectedComponents(labels, shape, 26), '(26-conn., threshold mask)');
  }
}

const backends: string[] = which === 'both' ? ['cpu', 'gpu'] : [which];
for (const name of backends) {
  const b = name === 'cpu' ? new CpuBackend({ workers }) : await createBackend(name as 'gpu', { workers });
  // warm up workers / pipelines
  await b.median3(volume(16), [16, 16, 16]);
  await bench(b, size, name);
  await b.dispose();
}
if (ops.includes('reference')) await bench(referenceBackend, 64, 'reference');
else if (!process.argv.includes('--no-reference')) await bench(referenceBackend, 64, 'reference (64³ crop for scale)');
clearInterval(sampler);
console.log(`\npeak RSS (sampled every 20 ms): ${(peak / 2 ** 20).toFixed(0)} MiB`);
