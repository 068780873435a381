/**
 * TIFF read benchmark: our fast path vs geotiff (high-level API) vs tifffile.
 *
 *   npm run build && node dist/scripts/bench/tiff-read.js [--nz 512] [--geotiff-pages 32]
 *
 * Writes a 512×512×512 uint16 stack (268 MB) to os.tmpdir() with our writer, uncompressed and
 * Deflate, reads it back several ways and prints MB/s (decoded bytes, 1 MB = 1e6 bytes).
 * geotiff is timed on a subset of pages and extrapolated (it is slow); timings are the best of
 * a few runs, with the file in the page cache.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fromFile } from 'geotiff';
import { createTiffWriter, openTiff } from '../../src/io/tiff/index.js';

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
}

const NZ = arg('nz', 512);
const NY = 512;
const NX = 512;
const GEOTIFF_PAGES = Math.min(NZ, arg('geotiff-pages', 32));
const REPEAT = 3;
const PYTHON = '/usr/bin/python3';

async function best(fn: () => Promise<void>, n = REPEAT): Promise<number> {
  let b = Infinity;
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    b = Math.min(b, (performance.now() - t) / 1000);
  }
  return b;
}

function tifffileSeconds(file: string): number | null {
  if (!existsSync(PYTHON)) return null;
  const code = `
import sys, time, tifffile
best = 1e9
for i in range(${REPEAT}):
    t = time.perf_counter(); a = tifffile.imread(sys.argv[1]); best = min(best, time.perf_counter() - t)
assert a.shape == (${NZ}, ${NY}, ${NX}), a.shape
print(best)
`;
  try {
    return Number(execFileSync(PYTHON, ['-c', code, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim());
  } catch (err) {
    console.error(`tifffile not usable: ${String((err as Error).message).split('\n')[0]}`);
    return null;
  }
}

async function writeStack(file: string, compression: 'none' | 'deflate'): Promise<void> {
  const w = await createTiffWriter(file, { shape: [NZ, NY, NX], dtype: 'uint16', spacing: [1, 1, 1], compression });
  const slab = 16;
  const buf = new Uint16Array(slab * NY * NX);
  let seed = 12345;
  for (let z0 = 0; z0 < NZ; z0 += slab) {
    const n = Math.min(slab, NZ - z0);
    for (let k = 0; k < n; k++) {
      const z = z0 + k;
      for (let y = 0; y < NY; y++) {
        const row = (k * NY + y) * NX;
        for (let x = 0; x < NX; x++) {
          seed = (seed * 1103515245 + 12345) >>> 0;
          // Smooth structure plus ~5 bits of noise, like a reconstructed tomogram.
          buf[row + x] = (20000 + 8000 * Math.sin(x / 37 + z / 50) * Math.cos(y / 41) + (seed >>> 27)) & 0xffff;
        }
      }
    }
    await w.writeSlices(buf.subarray(0, n * NY * NX));
  }
  await w.close();
}

async function main(): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'buried-tiff-bench-'));
  const bytes = NZ * NY * NX * 2;
  const mb = bytes / 1e6;
  const rate = (s: number) => `${(mb / s).toFixed(0).padStart(6)} MB/s`;
  console.log(`stack ${NZ}×${NY}×${NX} uint16 = ${mb.toFixed(0)} MB, node ${process.version}, ${os.cpus()[0]?.model ?? ''}`);
  try {
    for (const compression of ['none', 'deflate'] as const) {
      const file = path.join(dir, `stack-${compression}.tif`);
      let t = performance.now();
      await writeStack(file, compression);
      const size = (await fs.stat(file)).size;
      console.log(`\n[${compression}] generated and written in ${((performance.now() - t) / 1000).toFixed(2)} s, file ${(size / 1e6).toFixed(0)} MB`);
      await fs.readFile(file).then(() => undefined); // page cache

      let check = 0;
      const ours = await best(async () => {
        const src = await openTiff(file);
        const a = await src.readSlices(0, NZ);
        check = a[12345];
        await src.close();
      });
      console.log(`  ours (fast path)            ${ours.toFixed(3)} s  ${rate(ours)}`);

      t = performance.now();
      const tiff = await fromFile(file);
      let gsum = 0;
      for (let k = 0; k < GEOTIFF_PAGES; k++) {
        const img = await tiff.getImage(k);
        const r = (await img.readRasters({ samples: [0], interleave: true })) as unknown as Uint16Array;
        gsum += r[0];
      }
      const gSub = (performance.now() - t) / 1000;
      const geo = (gSub * NZ) / GEOTIFF_PAGES;
      console.log(
        `  geotiff (readRasters)       ${geo.toFixed(3)} s  ${rate(geo)}  (${GEOTIFF_PAGES} of ${NZ} pages timed, ${gSub.toFixed(2)} s, extrapolated)`,
      );

      const tf = tifffileSeconds(file);
      if (tf !== null) console.log(`  tifffile (imread)           ${tf.toFixed(3)} s  ${rate(tf)}`);
      else console.log('  tifffile: not available');
      console.log(`  ratio ours/geotiff = ${(geo / ours).toFixed(1)}×${tf !== null ? `, ours/tifffile = ${(tf / ours).toFixed(2)}×` : ''}  (speed ratios; check ${check}, ${gsum})`);
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
