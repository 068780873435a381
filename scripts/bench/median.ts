/**
 * 3×3×3 median benchmark (issue #20): node dist/scripts/bench/median.js [--sizes 256,512] [--workers 2]
 * On a size³ uint16 volume (smooth field + noise, as bench/compute.ts), in one run: the scalar
 * median3Slab and the WebAssembly SIMD median3SlabSimd on the calling thread, the cpu backend's
 * median3 (worker pool, now on the SIMD path), and scipy.ndimage.median_filter(size=3,
 * mode='nearest'); CPU time (process.cpuUsage / time.process_time) and wall, and whether every
 * output equals the scalar one.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { CpuBackend } from '../../src/compute/cpu/backend.js';
import { median3Slab } from '../../src/compute/cpu/kernels.js';
import type { Shape3 } from '../../src/compute/types.js';
import { median3SlabSimd } from '../../src/compute/wasm-median.js';
import { syntheticVolume } from './synthetic-volume.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const sizes = arg('sizes', '256,512').split(',').map(Number);
const workers = Number(arg('workers', '2'));

const volume = syntheticVolume;

const equal = (a: Uint16Array, b: Uint16Array) => a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

async function timed(f: () => unknown): Promise<{ cpu: number; wall: number }> {
  const c = process.cpuUsage(), t = performance.now();
  await f();
  const d = process.cpuUsage(c);
  return { cpu: (d.user + d.system) / 1e6, wall: (performance.now() - t) / 1000 };
}

const PY = `
import sys, time, numpy as np, scipy, scipy.ndimage as ndi
n = int(sys.argv[2])
a = np.fromfile(sys.argv[1], dtype=np.uint16).reshape(n, n, n)
c, t = time.process_time(), time.perf_counter()
m = ndi.median_filter(a, size=3, mode='nearest')
print(time.process_time() - c, time.perf_counter() - t, scipy.__version__)
m.tofile(sys.argv[1] + '.out')
`;

console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}; ${availableParallelism()} cores; node ${process.version}`);
const dir = mkdtempSync(path.join(tmpdir(), 'median-bench-'));
const backend = new CpuBackend({ workers });
try {
  for (const n of sizes) {
    const shape: Shape3 = [n, n, n];
    const vox = n ** 3;
    const data = volume(n);
    const row = (label: string, r: { cpu: number; wall: number }, threads: number, same: string) =>
      console.log(`  ${label.padEnd(34)} cpu ${r.cpu.toFixed(2).padStart(6)} s (${((r.cpu / vox) * 1e9).toFixed(1).padStart(5)} ns/voxel)  wall ${r.wall.toFixed(2).padStart(6)} s  threads ${threads}  ${same}`);
    console.log(`\n${n}³ uint16 (${(vox / 1e6).toFixed(1)} MVox)`);
    const ref = new Uint16Array(vox);
    row('scalar median3Slab', await timed(() => median3Slab(data, ref, shape, 0, n, null, null)), 1, '(reference)');
    const simd = new Uint16Array(vox);
    let ok = false;
    const tSimd = await timed(() => { ok = median3SlabSimd(data, simd, shape, 0, n, null, null); });
    if (!ok) throw new Error('median3SlabSimd: no WebAssembly SIMD here');
    row('SIMD median3SlabSimd', tSimd, 1, equal(simd, ref) ? 'equal' : 'DIFFERENT');
    // the pool's time is in its worker threads: process.cpuUsage counts the whole process
    const pooled = new Uint16Array(new SharedArrayBuffer(vox * 2));
    pooled.set(data);
    await backend.median3(volume(16), [16, 16, 16]);
    row(`cpu backend median3 (in place)`, await timed(() => backend.median3(pooled, shape, pooled)), workers, equal(pooled, ref) ? 'equal' : 'DIFFERENT');
    const file = path.join(dir, `v${n}.u16`);
    writeFileSync(file, data);
    const py = spawnSync('/usr/bin/python3', ['-c', PY, file, String(n)], { encoding: 'utf8' });
    if (py.status !== 0) console.log(`  scipy: not run (${(py.stderr || py.error?.message || '').trim().split('\n').pop()})`);
    else {
      const [cpu, wall, version] = py.stdout.trim().split(/\s+/);
      const sp = new Uint16Array(readFileSync(`${file}.out`).buffer.slice(0));
      row(`scipy ${version} median_filter`, { cpu: Number(cpu), wall: Number(wall) }, 1, equal(sp, ref) ? 'equal' : 'DIFFERENT');
      rmSync(`${file}.out`);
    }
    rmSync(file);
  }
} finally {
  await backend.dispose();
  rmSync(dir, { recursive: true, force: true });
}
