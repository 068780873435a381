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
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { createBackend } from '../../src/compute/index.js';
import { openVolume, readVolume } from '../../src/io/open.js';
import { bytesPerVoxel, voxelCount } from '../../src/io/volume.js';
import { segment, segmentOutOfCore } from '../../src/segment/index.js';
import { scratchIo } from '../../src/io/scratch-volume.js';

const argv = process.argv.slice(2);
const arg = (name: string, def: string) => {
  const k = argv.indexOf(`--${name}`);
  return k >= 0 ? argv[k + 1] : def;
};
const file = argv[0];
const workers = Number(arg('workers', '2'));
const oocSlabs = Number(arg('ooc', '0'));

const rows: { step: string; wall: number; cpu: number; main: number; peak: number; readMiB: number; writtenMiB: number }[] = [];
/**
 * CPU ms of the main thread alone (Linux: /proc/self/task/<pid>/stat utime + stime, 10 ms ticks;
 * NaN elsewhere): with the workers' share, what the wall would be on idle cores (main + the
 * workers' CPU / workers, when they are balanced) — wall figures on shared cores are noise.
 */
let main0 = NaN;
const mainTicks = () => {
  try {
    const f = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(rest[11]) + Number(rest[12])) * 10;
  } catch {
    return NaN;
  }
};
const mainNow = () => {
  const t = mainTicks();
  const d = t - main0;
  main0 = t;
  return d;
};
let cpu0 = process.cpuUsage();
const cpuNow = () => {
  const c = process.cpuUsage(cpu0);
  cpu0 = process.cpuUsage();
  return (c.user + c.system) / 1000;
};
const peakMiB = () => process.resourceUsage().maxRSS / 1024;
let io0 = { ...scratchIo };
/** MiB read and written through scratch volumes since the last call (the streamed path's disk traffic). */
const ioNow = () => {
  const d = { readMiB: (scratchIo.read - io0.read) / 2 ** 20, writtenMiB: (scratchIo.written - io0.written) / 2 ** 20 };
  io0 = { ...scratchIo };
  return d;
};
const onStep = (step: string, wallMs: number) => rows.push({ step, wall: wallMs, cpu: cpuNow(), main: mainNow(), peak: peakMiB(), ...ioNow() });

const backend = await createBackend('cpu', { workers });
const source = await openVolume(file, {});
const scanBytes = voxelCount(source.shape) * bytesPerVoxel(source.dtype);
const load0 = os.loadavg()[0];
let labels: Uint8Array;
let t = performance.now();
cpuNow();
mainNow();
if (oocSlabs > 0) {
  const r = await segmentOutOfCore(source, { mode: 'phases', method: 'otsu', backend, onStep }, { budgetBytes: 1 << 30, slabSlices: oocSlabs });
  labels = r.labels.readSlices(0, r.labels.shape[0]) as Uint8Array;
  r.labels.discard();
  await source.close();
} else {
  const scan = await readVolume(source, { shared: true });
  await source.close();
  rows.push({ step: '(read)', wall: performance.now() - t, cpu: cpuNow(), main: mainNow(), peak: peakMiB(), ...ioNow() });
  const r = await segment(scan, { mode: 'phases', method: 'otsu', backend, onStep, inPlace: true });
  labels = r.labels;
}
const totalWall = performance.now() - t;
await backend.dispose();
const peak = process.resourceUsage().maxRSS * 1024;
console.log(`${file}: ${source.shape.join('×')} ${source.dtype}, ${oocSlabs ? `out of core (slabs of ${oocSlabs})` : 'in memory'}, ${workers} workers; load ${load0.toFixed(2)} → ${os.loadavg()[0].toFixed(2)}`);
console.log(`step                wall s   cpu s  main s  idle est s   peak RSS MiB after${oocSlabs ? '   scratch read / written MiB' : ''}`);
let sw = 0;
let sc = 0;
let sm = 0;
let se = 0;
let sr = 0;
let swr = 0;
const fmt = (ms: number) => (ms / 1000).toFixed(2).padStart(7);
for (const r of rows) {
  // idle estimate: the main thread's CPU, plus the workers' CPU spread over the workers
  const est = r.main + Math.max(0, r.cpu - r.main) / workers;
  sw += r.wall;
  sc += r.cpu;
  sm += r.main;
  se += est;
  const io = oocSlabs ? `   ${r.readMiB.toFixed(0).padStart(9)} / ${r.writtenMiB.toFixed(0)}` : '';
  sr += r.readMiB;
  swr += r.writtenMiB;
  console.log(`${r.step.padEnd(18)} ${fmt(r.wall)} ${fmt(r.cpu)} ${fmt(r.main)} ${fmt(est)}    ${r.peak.toFixed(0).padStart(8)}${io}`);
}
console.log(`${'total'.padEnd(18)} ${fmt(sw)} ${fmt(sc)} ${fmt(sm)} ${fmt(se)}   (wall incl. read ${(totalWall / 1000).toFixed(2)} s)${oocSlabs ? `; scratch I/O ${sr.toFixed(0)} MiB read, ${swr.toFixed(0)} MiB written = ${((sr + swr) / (scanBytes / 2 ** 20)).toFixed(1)}× the scan` : ''}`);
console.log(`peak RSS ${(peak / 2 ** 20).toFixed(0)} MiB = ${(peak / scanBytes).toFixed(3)}× the scan; labels sha256 ${createHash('sha256').update(labels).digest('hex').slice(0, 24)}`);
