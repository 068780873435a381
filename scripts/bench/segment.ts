/**
 * Segmentation benchmark: ours (classes 4, 3×3×3 median, exact multi-Otsu, classify; cpu backend)
 * vs SciPy ndimage.median_filter(size=3) + scikit-image threshold_multiotsu(float32, classes=4,
 * nbins=256) + np.digitize, on the same uint16 TIFF.
 *
 *   npx tsc -p tsconfig.json && node dist/scripts/bench/segment.js [--size 512] [--backend cpu|gpu|auto] [--keep]
 *
 * The volume (smooth random 4-phase structure + noise, like a reconstructed tomogram) is written by
 * a child process so this process's peak RSS (process.resourceUsage().maxRSS) covers only our
 * read + segment. Timings include reading the TIFF on both sides. --no-reference skips the Python side.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTiffWriter } from '../../src/io/tiff/index.js';
import { loadVolume } from '../../src/io/open.js';
import type { ComputeBackend } from '../../src/compute/types.js';
import { segment } from '../../src/segment/index.js';

const PYTHON = '/usr/bin/python3';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : def;
}

async function generate(file: string, n: number): Promise<void> {
  const w = await createTiffWriter(file, { shape: [n, n, n], dtype: 'uint16', spacing: [1, 1, 1] });
  const levels = [1200, 2200, 5500, 9000];
  const slab = 8;
  const buf = new Uint16Array(slab * n * n);
  let seed = 987654321;
  const gauss = () => {
    // Box–Muller on an LCG
    seed = (seed * 1664525 + 1013904223) >>> 0;
    const u = (seed + 1) / 4294967297;
    seed = (seed * 1664525 + 1013904223) >>> 0;
    const v = seed / 4294967296;
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  for (let z0 = 0; z0 < n; z0 += slab) {
    const m = Math.min(slab, n - z0);
    for (let k = 0; k < m; k++) {
      const z = z0 + k;
      for (let y = 0; y < n; y++) {
        for (let x = 0; x < n; x++) {
          const f = Math.sin(x / 23 + Math.cos(z / 31)) + Math.cos(y / 19 + Math.sin(x / 41)) + Math.sin(z / 17 + y / 53);
          const phase = f < -1 ? 0 : f < 0 ? 1 : f < 1.1 ? 2 : 3;
          const v = levels[phase] + 400 * gauss();
          buf[(k * n + y) * n + x] = v <= 0 ? 0 : v >= 65535 ? 65535 : Math.round(v);
        }
      }
    }
    await w.writeSlices(buf.subarray(0, m * n * n));
  }
  await w.close();
}

const PY = `
import sys, time, numpy as np, tifffile
from scipy import ndimage
from skimage.filters import threshold_multiotsu
t0 = time.perf_counter()
img = tifffile.imread(sys.argv[1])
t1 = time.perf_counter()
med = ndimage.median_filter(img, size=3)
t2 = time.perf_counter()
f = med.astype(np.float32)
th = threshold_multiotsu(f, classes=4, nbins=256)
t3 = time.perf_counter()
lab = np.digitize(f, bins=th).astype(np.uint8)
t4 = time.perf_counter()
lab.tofile(sys.argv[2])
import resource
print(t4 - t0, t1 - t0, t2 - t1, t3 - t2, t4 - t3, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, ' '.join(str(float(t)) for t in th))
`;

async function main(): Promise<void> {
  const n = Number(arg('size', '512'));
  const file = arg('file', path.join(os.tmpdir(), `buried-bench-segment-${n}.tif`));
  if (process.argv.includes('--generate-only')) {
    await generate(file, n);
    return;
  }
  const self = fileURLToPath(import.meta.url);
  if (!existsSync(file)) {
    const t = performance.now();
    execFileSync(process.execPath, [self, '--generate-only', '--size', String(n), '--file', file], { stdio: 'inherit' });
    console.log(`generated ${file} (${n}³ uint16, ${((n ** 3 * 2) / 1e6).toFixed(0)} MB) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const inputBytes = n ** 3 * 2;
  const choice = arg('backend', 'cpu') as 'cpu' | 'gpu' | 'auto';
  const { createBackend } = (await import('../../src/compute/index.js' as string)) as {
    createBackend: (c: 'auto' | 'cpu' | 'gpu', o?: { bytesNeeded?: number }) => Promise<ComputeBackend>;
  };
  const backend = await createBackend(choice, { bytesNeeded: inputBytes * 2 });
  const rss0 = process.memoryUsage().rss;
  let rssMax = rss0;
  const timer = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 10);

  const t0 = performance.now();
  const vol = await loadVolume(file, { shared: true }); // workers use SharedArrayBuffer input without a copy
  const t1 = performance.now();
  const res = await segment(vol, { backend, mode: 'classes', classes: 4, method: 'otsu', denoise: 'median', inPlace: true });
  const t2 = performance.now();
  clearInterval(timer);
  rssMax = Math.max(rssMax, process.memoryUsage().rss);
  const maxRssTotal = process.resourceUsage().maxRSS * 1024;
  const ours = (t2 - t0) / 1000;
  console.log(`ours (${backend.description}): ${ours.toFixed(2)} s  [read ${((t1 - t0) / 1000).toFixed(2)} s, segment ${((t2 - t1) / 1000).toFixed(2)} s: ${JSON.stringify(res.report.timings_ms)}]`);
  console.log(`  thresholds ${JSON.stringify(res.report.thresholds)} (exact multi-Otsu on ${res.report.histogram.full_bins} bins)`);
  console.log(`  peak RSS sampled ${(rssMax / 1e6).toFixed(0)} MB (${(rssMax / inputBytes).toFixed(2)}× input), process maxRSS ${(maxRssTotal / 1e6).toFixed(0)} MB (${(maxRssTotal / inputBytes).toFixed(2)}× input; baseline before read ${(rss0 / 1e6).toFixed(0)} MB); target ≤ 2.5×`);
  await backend.dispose();

  if (!existsSync(PYTHON) || process.argv.includes('--no-reference')) {
    console.log('reference skipped');
    if (!process.argv.includes('--keep')) await fs.rm(file, { force: true });
    return;
  }
  const labelsFile = path.join(os.tmpdir(), `buried-bench-segment-${n}-labels.u8`);
  const out = execFileSync(PYTHON, ['-c', PY, file, labelsFile], { encoding: 'utf8', maxBuffer: 1 << 20 }).trim().split(/\s+/).map(Number);
  const [total, read, med, otsu, dig, pyRss, ...pyTh] = out;
  console.log(`reference (SciPy median_filter + skimage threshold_multiotsu float32/256 bins + np.digitize): ${total.toFixed(2)} s  [read ${read.toFixed(2)}, median ${med.toFixed(2)}, multi-Otsu ${otsu.toFixed(2)}, digitize ${dig.toFixed(2)}], thresholds ${JSON.stringify(pyTh)}, maxRSS ${(pyRss / 1e6).toFixed(0)} MB`);
  const ref = new Uint8Array(await fs.readFile(labelsFile));
  let same = 0;
  for (let i = 0; i < ref.length; i++) if (ref[i] === res.labels[i]) same++;
  console.log(`speed-up ${(total / ours).toFixed(2)}× (target ≥ 2×); label agreement ${((100 * same) / ref.length).toFixed(4)} %`);
  await fs.rm(labelsFile, { force: true });
  if (!process.argv.includes('--keep')) await fs.rm(file, { force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
