/**
 * Multi-Otsu benchmark: our exact DP (src/segment/otsu.ts) against scikit-image's
 * `threshold_multiotsu(hist=…)` on the same histograms, measured in the same run.
 *
 *   npm run build && node dist/scripts/bench/otsu.js [--repeat 5] [--no-skimage]
 *
 * Histograms: five Gaussian modes (means 3000, 12000, 20000, 40000, 52000, σ 900) on a uniform
 * floor (no empty gaps, so no tied optima), sampled on 65536 bins (full 16-bit resolution) and the same shape on 256 bins. scikit-image searches every
 * threshold vector (C(B−1, K−1) of them), so it is timed on 256 bins only (K = 3, 4); on 65536 bins
 * at K = 5 that would be C(65535, 4) ≈ 7.7e17 vectors, and only ours is timed. Ours is run with
 * skimageFirstMoment = true for the comparison, so the thresholds agree up to near-ties (scikit-image
 * works on float32 class probabilities; a difference is printed with both objectives); the ratio is
 * scikit-image's time over ours (median of --repeat runs each; scikit-image timed inside Python
 * around the call only).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { multiOtsu } from '../../src/segment/otsu.js';

const PYTHON = '/usr/bin/python3';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
}
const repeat = Number(arg('repeat', '5'));
const MEANS = [3000, 12000, 20000, 40000, 52000];

function modes(bins: number): Float64Array {
  // a uniform floor of 20 · 256 / bins per bin: no empty gaps between modes, so no exact ties
  const counts = new Float64Array(bins).fill(Math.max(1, Math.round((20 * 256) / bins)));
  const scale = bins / 65536;
  for (let i = 0; i < bins; i++) for (const m of MEANS) counts[i] += Math.round(1e5 * Math.exp(-0.5 * ((i - m * scale) / (900 * scale)) ** 2));
  return counts;
}

/** Between-class variance of the classes ending at `lastBin` (float64; bin 0 at position 1 as scikit-image 0.19 has it). */
function betweenVariance(counts: Float64Array, lastBin: number[]): number {
  let total = 0, mean = 0;
  for (let i = 0; i < counts.length; i++) { total += counts[i]; mean += counts[i] * (i || 1); }
  mean /= total;
  let v = 0, start = 0;
  for (const end of [...lastBin, counts.length - 1]) {
    let w = 0, m = 0;
    for (let i = start; i <= end; i++) { w += counts[i]; m += counts[i] * (i || 1); }
    if (w > 0) v += (w / total) * (m / w - mean) ** 2;
    start = end + 1;
  }
  return v;
}

function medianMs(f: () => unknown): number {
  f(); // warm-up (JIT)
  const ts: number[] = [];
  for (let i = 0; i < repeat; i++) {
    const t = performance.now();
    f();
    ts.push(performance.now() - t);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}

const PY = `
import json, sys, time
import numpy as np
from skimage import __version__
from skimage.filters import threshold_multiotsu
hist = np.array(json.loads(sys.argv[1]), dtype=np.float64)
classes, repeat = int(sys.argv[2]), int(sys.argv[3])
threshold_multiotsu(hist=hist, classes=classes)
ts = []
for _ in range(repeat):
    t = time.perf_counter(); th = threshold_multiotsu(hist=hist, classes=classes); ts.append(time.perf_counter() - t)
print(json.dumps({'ms': sorted(ts)[len(ts) // 2] * 1e3, 'thresholds': [int(v) for v in th], 'version': __version__}))
`;

const big = modes(65536);
const t5 = medianMs(() => multiOtsu(big, 5));
const r5 = multiOtsu(big, 5);
console.log(`ours, 65536 bins, K = 5: ${t5.toFixed(2)} ms (median of ${repeat}); last bins ${JSON.stringify(r5.lastBin)}`);
console.log('scikit-image, 65536 bins, K = 5: not run (exhaustive search over C(65535, 4) ≈ 7.7e17 threshold vectors)');

const small = modes(256);
const skimage = !process.argv.includes('--no-skimage') && existsSync(PYTHON);
for (const K of [3, 4]) {
  const ours = medianMs(() => multiOtsu(small, K, true));
  const r = multiOtsu(small, K, true);
  let line = `256 bins, K = ${K}: ours ${ours.toFixed(3)} ms, last bins ${JSON.stringify(r.lastBin)}`;
  if (skimage) {
    try {
      const out = JSON.parse(execFileSync(PYTHON, ['-c', PY, JSON.stringify(Array.from(small)), String(K), String(repeat)], { encoding: 'utf8' })) as { ms: number; thresholds: number[]; version: string };
      const same = JSON.stringify(out.thresholds) === JSON.stringify(r.lastBin);
      // scikit-image works on float32 probabilities, so a near-tie can go the other way
      const verdict = same ? 'same' : `different: between-class variance ours ${betweenVariance(small, r.lastBin).toFixed(6)}, scikit-image's ${betweenVariance(small, out.thresholds).toFixed(6)} (float64)`;
      line += `; scikit-image ${out.version} ${out.ms.toFixed(3)} ms, thresholds ${JSON.stringify(out.thresholds)} (${verdict}); scikit-image / ours ${(out.ms / ours).toFixed(1)}×`;
    } catch (e) {
      line += `; scikit-image: not run (${(e as Error).message.split('\n')[0]})`;
    }
  }
  console.log(line);
}
