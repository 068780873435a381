/**
 * EDT benchmark: ours (cpu, worker threads) vs SciPy `distance_transform_edt` on the same mask,
 * plus local thickness at 256³.
 *
 *   npm run build && node dist/scripts/bench/edt.js [--size 512] [--lt-size 256] [--threads N] [--no-scipy]
 *     [--backend cpu|gpu|both]
 *
 * --backend gpu (or both) also times the WebGPU transform (src/compute/gpu/edt.ts) in its own child
 * and reports its agreement with the cpu result (max relative difference) and with SciPy. Without
 * a GPU, VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json runs it on SwiftShader (slow;
 * use a small --size). Default: cpu.
 *
 * The mask is a thresholded smooth random field (sum of random plane waves, ~50 % foreground).
 * SciPy is timed inside Python around the transform call only (load excluded); its peak memory is
 * the child's ru_maxrss. Our peak is process.resourceUsage().maxRSS of this process, measured in a
 * fresh child process per measurement (`--child`) so the two do not mix.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { distanceTransformMask } from '../../src/thickness/edt.js';
import { localThickness, summarizeLocalThickness } from '../../src/thickness/local-thickness.js';
import { defaultThreads } from '../../src/thickness/pool.js';

const PYTHON = '/usr/bin/python3';

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

/** Smooth random binary field, ~50 % foreground, deterministic. */
export function smoothMask(size: number, seed = 1): Uint8Array {
  const n = size;
  const mask = new Uint8Array(n * n * n);
  let s = seed >>> 0;
  const rnd = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const waves = Array.from({ length: 12 }, () => {
    const th = Math.acos(2 * rnd() - 1);
    const ph = 2 * Math.PI * rnd();
    const k = ((2 * Math.PI) / n) * (3 + 9 * rnd());
    return { kz: k * Math.cos(th), ky: k * Math.sin(th) * Math.sin(ph), kx: k * Math.sin(th) * Math.cos(ph), p: 2 * Math.PI * rnd() };
  });
  // cos(a + kx·i) = cos a · cos(kx·i) − sin a · sin(kx·i): per-wave tables along x
  const W = waves.length;
  const cx = waves.map((w) => Float64Array.from({ length: n }, (_, i) => Math.cos(w.kx * i)));
  const sx = waves.map((w) => Float64Array.from({ length: n }, (_, i) => Math.sin(w.kx * i)));
  const ca = new Float64Array(W);
  const sa = new Float64Array(W);
  const row = new Float64Array(n);
  for (let k = 0; k < n; k++)
    for (let j = 0; j < n; j++) {
      row.fill(0);
      for (let w = 0; w < W; w++) {
        const a = waves[w].kz * k + waves[w].ky * j + waves[w].p;
        ca[w] = Math.cos(a);
        sa[w] = Math.sin(a);
        const c = cx[w];
        const sn = sx[w];
        const cw = ca[w];
        const sw = sa[w];
        for (let i = 0; i < n; i++) row[i] += cw * c[i] - sw * sn[i];
      }
      const base = (k * n + j) * n;
      for (let i = 0; i < n; i++) mask[base + i] = row[i] > 0 ? 1 : 0;
    }
  return mask;
}

const SCIPY = `
import sys, time, resource, numpy as np
from scipy import ndimage as nd
n = int(sys.argv[2])
a = np.fromfile(sys.argv[1], dtype=np.uint8).reshape(n, n, n)
t = time.perf_counter()
d = nd.distance_transform_edt(a != 0)
el = time.perf_counter() - t
d.astype(np.float32).tofile(sys.argv[3])
print(el, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
`;

const MiB = 1 << 20;
const fmtMiB = (b: number) => `${(b / MiB).toFixed(0)} MiB`;

async function child(): Promise<void> {
  // --child edt|lt file size threads out backend
  const [, kind, file, sizeText, threadsText, out, backendText] = process.argv.slice(process.argv.indexOf('--child'));
  const backend = (backendText ?? 'cpu') as 'cpu' | 'gpu';
  const size = Number(sizeText);
  const threads = Number(threadsText);
  const bytes = readFileSync(file);
  const mask = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: [number, number, number] = [size, size, size];
  const t = performance.now();
  let extra: Record<string, unknown> = {};
  if (kind === 'edt') {
    const c0 = process.cpuUsage();
    const r = await distanceTransformMask(mask, shape, { threads, backend });
    const seconds = (performance.now() - t) / 1000;
    const c = process.cpuUsage(c0); // this process and its worker threads
    // maxRSS before the result is written out (writing may map more)
    const maxRss = process.resourceUsage().maxRSS * 1024;
    writeFileSync(out, new Uint8Array(r.distance.buffer as ArrayBuffer, r.distance.byteOffset, r.distance.byteLength));
    process.stdout.write(JSON.stringify({ seconds, cpuSeconds: (c.user + c.system) / 1e6, threads: r.threads, backend: r.backendDescription, maxRss }));
    return;
  } else {
    const c0 = process.cpuUsage();
    const r = await localThickness(mask, shape, 1, { threads, backend });
    const seconds = (performance.now() - t) / 1000;
    const c = process.cpuUsage(c0);
    const s = summarizeLocalThickness(r.thickness, mask, 1, r.ridgeVoxels);
    extra = { seconds, cpuSeconds: (c.user + c.system) / 1e6, threads: r.threads, backend: r.backendDescription, timings_ms: r.timings_ms, mean: s.mean_um, max: s.max_um, ridge: r.ridgeVoxels };
  }
  // maxRSS is in KiB
  process.stdout.write(JSON.stringify({ ...extra, maxRss: process.resourceUsage().maxRSS * 1024 }));
}

async function main(): Promise<void> {
  if (flag('child')) return child();
  const size = Number(arg('size', '512'));
  const ltSize = Number(arg('lt-size', '256'));
  const threads = Number(arg('threads', String(defaultThreads())));
  const backendArg = arg('backend', 'cpu');
  if (!['cpu', 'gpu', 'both'].includes(backendArg)) throw new Error(`--backend must be cpu, gpu or both, got '${backendArg}'`);
  const backends = (backendArg === 'both' ? ['cpu', 'gpu'] : [backendArg]) as Array<'cpu' | 'gpu'>;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'buried-bench-edt-'));
  const self = fileURLToPath(import.meta.url);
  try {
    console.log(`EDT benchmark: ${size}³ binary mask, ${threads} threads, ${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}`);
    const t0 = performance.now();
    const mask = smoothMask(size);
    let fg = 0;
    for (let i = 0; i < mask.length; i++) fg += mask[i];
    console.log(`mask: ${(fg / mask.length * 100).toFixed(1)} % foreground (made in ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    const maskFile = path.join(dir, 'mask.u8');
    writeFileSync(maskFile, mask);
    const inOut = mask.length + 4 * mask.length; // the input bytes and the float32 output
    console.log(`load: ${os.loadavg().map((v) => v.toFixed(2)).join(' ')} (1, 5, 15 min) on ${os.cpus().length} cpus; times below are wall unless marked cpu`);
    const files: Partial<Record<'cpu' | 'gpu', string>> = {};
    const seconds: Partial<Record<'cpu' | 'gpu', number>> = {};
    const readF32 = (file: string) => {
      const b = readFileSync(file);
      return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
    };
    for (const b of backends) {
      const file = path.join(dir, `ours-${b}.f32`);
      try {
        const r = JSON.parse(execFileSync(process.execPath, [self, '--child', 'edt', maskFile, String(size), String(threads), file, b], { encoding: 'utf8', maxBuffer: 1 << 20 }));
        files[b] = file;
        seconds[b] = r.seconds;
        const beyond = r.maxRss - inOut;
        const cpuText = r.cpuSeconds !== undefined ? `, cpu ${r.cpuSeconds.toFixed(2)} s` : '';
        console.log(`ours ${b}: ${r.seconds.toFixed(2)} s${cpuText}, peak RSS ${fmtMiB(r.maxRss)} = input + output + ${fmtMiB(beyond)} (${(beyond / mask.length).toFixed(2)} B/voxel; target ≤ 4.5) [${r.backend}]`);
      } catch (err) {
        console.log(`ours ${b}: not run (${(err as Error).message.split('\n').filter(Boolean).slice(-1)[0]})`);
      }
    }
    if (files.cpu && files.gpu) {
      const c = readF32(files.cpu);
      const g = readF32(files.gpu);
      let maxRel = 0;
      for (let i = 0; i < c.length; i++) if (c[i] !== g[i]) maxRel = Math.max(maxRel, c[i] === 0 ? Infinity : Math.abs(g[i] - c[i]) / c[i]);
      console.log(`gpu vs cpu: max relative difference ${maxRel.toExponential(2)}; gpu ${(seconds.cpu! / seconds.gpu!).toFixed(2)}× the cpu speed`);
    }
    if (!flag('no-scipy') && existsSync(PYTHON)) {
      const refFile = path.join(dir, 'scipy.f32');
      try {
        const [sec, rss] = execFileSync(PYTHON, ['-c', SCIPY, maskFile, String(size), refFile], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
        const fb = readF32(refFile);
        console.log(`scipy: ${sec.toFixed(2)} s (transform call only), peak RSS ${fmtMiB(rss)}`);
        for (const b of backends) {
          if (!files[b]) continue;
          const fa = readF32(files[b]!);
          let maxAbs = 0;
          for (let i = 0; i < fa.length; i++) maxAbs = Math.max(maxAbs, Math.abs(fa[i] - fb[i]));
          let differ = 0;
          for (let i = 0; i < fa.length; i++) if (fa[i] !== fb[i]) differ++;
          console.log(`speed-up ours ${b} vs SciPy: ${(sec / seconds[b]!).toFixed(1)}× (wall, same volume); max |ours − SciPy| = ${maxAbs}, ${differ} voxels differ in float32`);
        }
      } catch (err) {
        console.log(`scipy: not run (${(err as Error).message.split('\n')[0]})`);
      }
    }
    if (ltSize > 0) {
      const ltMask = ltSize === size ? mask : smoothMask(ltSize);
      const ltFile = path.join(dir, 'lt.u8');
      writeFileSync(ltFile, ltMask);
      for (const b of backends) {
      const lt = JSON.parse(execFileSync(process.execPath, [self, '--child', 'lt', ltFile, String(ltSize), String(threads), '-', b], { encoding: 'utf8' }));
      console.log(`local thickness ${ltSize}³ ${b} (smooth field phase): ${lt.seconds.toFixed(2)} s, cpu ${lt.cpuSeconds.toFixed(2)} s (wall: edt ${(lt.timings_ms.distance / 1000).toFixed(2)} s, ridge ${(lt.timings_ms.ridge / 1000).toFixed(2)} s, balls ${(lt.timings_ms.balls / 1000).toFixed(2)} s; ${lt.ridge} ridge voxels), mean ${lt.mean.toFixed(2)} max ${lt.max.toFixed(2)} voxels, peak RSS ${fmtMiB(lt.maxRss)}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
