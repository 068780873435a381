/**
 * Per-step time of the default phase segmentation of one scan, in memory: wall and CPU seconds
 * (process.cpuUsage: user + system of all threads, the workers included) and the peak RSS after each
 * step, the run's peak RSS against the scan's bytes, and the sha256 of the labels.
 *
 *   node dist/scripts/bench/segment-steps.js <scan.tif> [--workers 2] [--ooc SLABS]
 *
 * --ooc SLABS streams it instead (segmentOutOfCore, slabs of SLABS slices through scratch files).
 * Reading the TIFF is its own line, outside the steps. Run it in a fresh process per measurement:
 * the peak RSS is the process's.
 */
import { createHash } from 'node:crypto';
import os from 'node:os';
import { createBackend } from '../../src/compute/index.js';
import { openVolume, readVolume } from '../../src/io/open.js';
import { bytesPerVoxel, voxelCount } from '../../src/io/volume.js';
import { segment, segmentOutOfCore } from '../../src/segment/index.js';

const argv = process.argv.slice(2);
const arg = (name: string, def: string) => {
  const k = argv.indexOf(`--${name}`);
  return k >= 0 ? argv[k + 1] : def;
};
const file = argv[0];
const workers = Number(arg('workers', '2'));
const oocSlabs = Number(arg('ooc', '0'));

const rows: { step: string; wall: number; cpu: number; peak: number }[] = [];
let cpu0 = process.cpuUsage();
const cpuNow = () => {
  const c = process.cpuUsage(cpu0);
  cpu0 = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
const peakMiB = () => process.resourceUsage().maxRSS / 1024;
const onStep = (step: string, wallMs: number) => rows.push({ step, wall: wallMs, cpu: cpuNow(), peak: peakMiB() });

const backend = await createBackend('cpu', { workers });
const source = await openVolume(file, {});
const scanBytes = voxelCount(source.shape) * bytesPerVoxel(source.dtype);
const load0 = os.loadavg()[0];
let labels: Uint8Array;
let t = performance.now();
cpuNow();
if (oocSlabs > 0) {
  const r = await segmentOutOfCore(source, { mode: 'phases', method: 'otsu', backend, onStep }, { budgetBytes: 1 << 30, slabSlices: oocSlabs });
  labels = r.labels.readSlices(0, r.labels.shape[0]) as Uint8Array;
  r.labels.discard();
  await source.close();
} else {
  const scan = await readVolume(source, { shared: true });
  await source.close();
  rows.push({ step: '(read)', wall: performance.now() - t, cpu: cpuNow(), peak: peakMiB() });
  const r = await segment(scan, { mode: 'phases', method: 'otsu', backend, onStep, inPlace: true });
  labels = r.labels;
}
const totalWall = performance.now() - t;
await backend.dispose();
const peak = process.resourceUsage().maxRSS * 1024;
console.log(`${file}: ${source.shape.join('×')} ${source.dtype}, ${oocSlabs ? `out of core (slabs of ${oocSlabs})` : 'in memory'}, ${workers} workers; load ${load0.toFixed(2)} → ${os.loadavg()[0].toFixed(2)}`);
console.log('step                wall s   cpu s   peak RSS MiB after');
let sw = 0;
let sc = 0;
for (const r of rows) {
  sw += r.wall;
  sc += r.cpu;
  console.log(`${r.step.padEnd(18)} ${(r.wall / 1000).toFixed(2).padStart(7)} ${(r.cpu / 1000).toFixed(2).padStart(7)} ${r.peak.toFixed(0).padStart(8)}`);
}
console.log(`${'total'.padEnd(18)} ${(sw / 1000).toFixed(2).padStart(7)} ${(sc / 1000).toFixed(2).padStart(7)}   (wall incl. read ${(totalWall / 1000).toFixed(2)} s)`);
console.log(`peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB = ${(peak / scanBytes).toFixed(3)}× the scan; labels sha256 ${createHash('sha256').update(labels).digest('hex').slice(0, 24)}`);
