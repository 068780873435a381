/**
 * Trainable segmentation benchmark (issue #18 point 6): ours (src/segment/trainable) against
 * scikit-image's trainable segmentation (`skimage.feature.multiscale_basic_features` +
 * scikit-learn's RandomForestClassifier through `skimage.future.fit_segmenter` /
 * `predict_segmenter`, the Debian packages) on the same scan and strokes, in the same run.
 *
 *   npm run build && node dist/scripts/bench/trainable.js [--size 256] [--threads 2] [--no-peer]
 *
 * Scan: the lab-CT symmetric phantom between steel plungers in a circular field of view (the cell
 * test/segment/trainable-features.test.ts checks), cube of --size voxels; strokes: 16 % of the
 * voxels of three xz slices, labelled from the truth. Each side runs in its own process, so its
 * peak memory (max RSS) is its own: features, training and prediction times, Dice of void, Li and
 * electrolyte against the truth. The peer uses the same scales (σ 0.7 … 10, 5 of them), 32 trees,
 * depth 14, n_jobs = --threads; it holds every feature of every voxel in memory (float64), so it is
 * run only where that fits in half the machine's memory.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { freemem, loadavg, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePhantom } from '../../src/synth/index.js';
import { makeVolume } from '../../src/io/volume.js';
import { segmentTrainable } from '../../src/segment/trainable/run.js';

const PYTHON = '/usr/bin/python3';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
}

interface SideResult { features_ms: number; train_ms: number; predict_ms: number; total_ms: number; max_rss_mb: number; threads: number; cpu_s?: number; predict_cpu_s?: number }

/** The child: our segmentation of the files the parent wrote. */
async function child(dir: string, n: number, threads: number): Promise<void> {
  const scanBytes = readFileSync(path.join(dir, 'scan.raw'));
  const scan = new Uint16Array(new SharedArrayBuffer(scanBytes.length));
  scan.set(new Uint16Array(scanBytes.buffer, scanBytes.byteOffset, scanBytes.length / 2));
  const ann = new Uint8Array(readFileSync(path.join(dir, 'strokes.raw')));
  const t = performance.now();
  const c0 = process.cpuUsage();
  const r = await segmentTrainable(makeVolume(scan, [n, n, n], [1.5, 1.5, 1.5]), makeVolume(ann, [n, n, n], null), { threads });
  const total = performance.now() - t;
  const c1 = process.cpuUsage(c0);
  writeFileSync(path.join(dir, 'ours.raw'), r.labels);
  const tm = r.report.timings_ms;
  const out: SideResult = { features_ms: tm.features_ms, train_ms: tm.train_ms, predict_ms: tm.predict_ms, total_ms: Math.round(total), max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024), threads: r.report.threads, cpu_s: (c1.user + c1.system) / 1e6, predict_cpu_s: tm.predict_cpu_ms / 1000 };
  console.log(JSON.stringify(out));
}

const PEER = `
import sys, json, time, resource
import numpy as np
from skimage import __version__ as skv
from skimage.feature import multiscale_basic_features
from skimage.future import fit_segmenter, predict_segmenter
from sklearn.ensemble import RandomForestClassifier
from sklearn import __version__ as sklv
d, n, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
scan = np.fromfile(d + '/scan.raw', dtype=np.uint16).reshape(n, n, n).astype(np.float32)
ann = np.fromfile(d + '/strokes.raw', dtype=np.uint8).reshape(n, n, n)
t0 = time.perf_counter()
f = multiscale_basic_features(scan, intensity=True, edges=True, texture=True, sigma_min=0.7, sigma_max=10, num_sigma=5)
t1 = time.perf_counter()
clf = RandomForestClassifier(n_estimators=32, max_depth=14, n_jobs=threads, random_state=1)
clf = fit_segmenter(ann, f, clf)
t2 = time.perf_counter()
lab = predict_segmenter(f, clf)
t3 = time.perf_counter()
(lab.astype(np.uint8) - 1).tofile(d + '/peer.raw')
print(json.dumps({'features_ms': (t1 - t0) * 1e3, 'train_ms': (t2 - t1) * 1e3, 'predict_ms': (t3 - t2) * 1e3, 'total_ms': (t3 - t0) * 1e3,
  'max_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'cpu_s': resource.getrusage(resource.RUSAGE_SELF).ru_utime + resource.getrusage(resource.RUSAGE_SELF).ru_stime, 'threads': threads, 'features': int(f.shape[-1]), 'dtype': str(f.dtype), 'versions': f'scikit-image {skv}, scikit-learn {sklv}'}))
`;

function dice(a: Uint8Array, truth: Uint8Array, c: number): number {
  let i = 0, x = 0, y = 0;
  for (let k = 0; k < truth.length; k++) {
    const p = a[k] === c, q = truth[k] === c;
    if (p && q) i++;
    if (p) x++;
    if (q) y++;
  }
  return (2 * i) / (x + y);
}

async function main(): Promise<void> {
  const n = Number(arg('size', '256'));
  const threads = Number(arg('threads', '2'));
  if (process.argv.includes('--child')) return child(arg('dir', ''), n, threads);
  const dir = mkdtempSync(path.join(tmpdir(), 'buried-bench-trainable-'));
  try {
    const ph = generatePhantom({ preset: 'symmetric', seed: 3, shape: [n, n, n], surroundings: 'plunger', fov: 'circle' });
    const truth = ph.labels.data;
    const ann = new Uint8Array(truth.length);
    let s = 7;
    const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (const y of [n >> 2, n >> 1, (3 * n) >> 2]) for (let z = 0; z < n; z++) for (let x = 0; x < n; x++) {
      const i = (z * n + y) * n + x;
      if (truth[i] <= 5 && rnd() < 0.16) ann[i] = truth[i] + 1;
    }
    let annotated = 0;
    for (const a of ann) if (a) annotated++;
    writeFileSync(path.join(dir, 'scan.raw'), ph.scan.data as Uint16Array);
    writeFileSync(path.join(dir, 'strokes.raw'), ann);
    console.log(`scan ${n}³ uint16 (${((n ** 3 * 2) / 2 ** 20).toFixed(0)} MiB), lab-CT symmetric cell in plungers and a field of view; ${annotated} voxels stroked (${((100 * annotated) / n ** 3).toFixed(2)} %); ${threads} threads`);
    const self = fileURLToPath(import.meta.url);
    const ours = JSON.parse(execFileSync(process.execPath, [self, '--child', '--dir', dir, '--size', String(n), '--threads', String(threads)], { encoding: 'utf8', maxBuffer: 1 << 24 }).trim().split('\n').pop()!) as SideResult;
    const ol = new Uint8Array(readFileSync(path.join(dir, 'ours.raw')));
    const d = (l: Uint8Array) => `Dice void ${dice(l, truth, 0).toFixed(3)}, Li ${dice(l, truth, 1).toFixed(3)}, electrolyte ${dice(l, truth, 2).toFixed(3)}`;
    const line = (name: string, r: SideResult, which = 'the annotated voxels') => `${name}: features ${(r.features_ms / 1000).toFixed(1)} s (${which}), train ${(r.train_ms / 1000).toFixed(1)} s, predict ${(r.predict_ms / 1000).toFixed(1)} s, total ${(r.total_ms / 1000).toFixed(1)} s on ${r.threads} threads; peak ${r.max_rss_mb} MiB`;
    console.log(`${line('ours', ours)}; ${d(ol)}; CPU time ${ours.cpu_s?.toFixed(1)} s over all threads, of which the prediction ${ours.predict_cpu_s?.toFixed(1)} s (on a busy machine wall time exceeds CPU time / threads; load average now ${loadavg()[0].toFixed(1)})`);
    // the peer's features: 5 per scale × 5 scales, float64, every voxel at once (+ the scan as float32)
    const peerBytes = n ** 3 * (25 * 8 + 8);
    if (process.argv.includes('--no-peer')) console.log('scikit-image: not run (--no-peer)');
    else if (peerBytes > Math.min(totalmem() / 2, freemem())) console.log(`scikit-image: not run (its features alone take ${(peerBytes / 2 ** 30).toFixed(1)} GiB of float64 here; ${(totalmem() / 2 ** 30).toFixed(0)} GiB machine)`);
    else {
      try {
        const peer = JSON.parse(execFileSync(PYTHON, ['-c', PEER, dir, String(n), String(threads)], { encoding: 'utf8', maxBuffer: 1 << 24 })) as SideResult & { versions: string; features: number; dtype: string };
        const pl = new Uint8Array(readFileSync(path.join(dir, 'peer.raw')));
        console.log(`${line(`${peer.versions} (${peer.features} ${peer.dtype} features per voxel)`, { ...peer, features_ms: peer.features_ms }, 'every voxel, held at once')}; ${d(pl)}; CPU time ${peer.cpu_s?.toFixed(1)} s`);
        console.log(`ratios peer / ours: train (features + fit) ${((peer.features_ms + peer.train_ms) / (ours.features_ms + ours.train_ms)).toFixed(1)}×, predict (features + forest) ${((peer.features_ms + peer.predict_ms) / ours.predict_ms).toFixed(1)}×, total ${(peer.total_ms / ours.total_ms).toFixed(1)}×, peak memory ${(peer.max_rss_mb / ours.max_rss_mb).toFixed(1)}×`);
      } catch (e) {
        console.log(`scikit-image: not run (${(e as Error).message.split('\n').find((l) => /Error/.test(l)) ?? (e as Error).message.split('\n')[0]})`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
