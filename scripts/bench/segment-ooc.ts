/**
 * Phase segmentation in memory vs out of core on one scan, each in its own process so that
 * process.resourceUsage().maxRSS covers one path only.
 *
 *   node dist/scripts/bench/segment-ooc.js <scan> [--slab 16] [--workers 2] [--denoise auto]
 *   node dist/scripts/bench/segment-ooc.js <scan> --child memory|ooc ...   (one path, JSON line)
 *
 * Prints wall time (reading included), peak RSS, and whether labels (FNV-1a hash) and the report
 * numbers agree.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createBackend } from '../../src/compute/index.js';
import { openVolume, readVolume } from '../../src/io/open.js';
import { segment, segmentOutOfCore, type SegmentReport } from '../../src/segment/index.js';
import type { DenoiseChoice } from '../../src/segment/types.js';

const argv = process.argv.slice(2);
const arg = (name: string, def: string) => {
  const k = argv.indexOf(`--${name}`);
  return k >= 0 ? argv[k + 1] : def;
};
const scan = argv[0];
const child = arg('child', '');

function fnv(h: number, a: Uint8Array): number {
  for (let i = 0; i < a.length; i++) h = Math.imul(h ^ a[i], 16777619) >>> 0;
  return h;
}
const numbers = (r: SegmentReport) => {
  const { timings_ms: _t, backend: _b, ...rest } = r;
  return JSON.stringify(rest);
};

if (child) {
  const backend = await createBackend('cpu', { workers: Number(arg('workers', '2')) });
  // resident set sampled at every progress report: the stage where the peak happens
  const rssByStage: Record<string, number> = {};
  const onProgress = (stage: string) => {
    const mib = Math.round(process.memoryUsage().rss / 2 ** 20);
    rssByStage[stage] = Math.max(rssByStage[stage] ?? 0, mib);
  };
  const options = { mode: 'phases' as const, method: 'otsu' as const, denoise: arg('denoise', 'auto') as DenoiseChoice, onProgress };
  onProgress('start');
  const t0 = performance.now();
  const source = await openVolume(scan);
  let hash = 2166136261, report: SegmentReport, extra = {};
  if (child === 'memory') {
    const vol = await readVolume(source);
    const res = await segment(vol, { ...options, backend });
    hash = fnv(hash, res.labels);
    report = res.report;
  } else {
    const res = await segmentOutOfCore(source, { ...options, backend }, { budgetBytes: 1 << 30, slabSlices: Number(arg('slab', '16')) });
    const [nz] = res.labels.shape;
    for (let z = 0; z < nz; z += 16) hash = fnv(hash, res.labels.readSlices(z, Math.min(nz, z + 16)) as Uint8Array);
    res.labels.discard();
    report = res.report;
    extra = { slab_slices: res.slab_slices, max_window_voxels: res.max_window_voxels, scratch_bytes: res.scratch_bytes };
  }
  const ms = performance.now() - t0;
  await source.close();
  await backend.dispose();
  console.log(JSON.stringify({ path: child, ms: Math.round(ms), maxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024), hash, denoise: report.denoise.applied, timings: report.timings_ms, rssByStage, numbers: numbers(report), ...extra }));
} else {
  const self = fileURLToPath(import.meta.url);
  const run = (which: string) => JSON.parse(execFileSync(process.execPath, [self, scan, '--child', which, ...argv.slice(1)], { encoding: 'utf8' }).trim().split('\n').pop()!);
  const mem = run('memory');
  const ooc = run('ooc');
  for (const r of [mem, ooc]) console.log(`${r.path.padEnd(6)} ${String(r.ms).padStart(7)} ms  peak RSS ${r.maxRssMiB} MiB  denoise ${r.denoise}  ${r.slab_slices ? `slab ${r.slab_slices}, max window ${r.max_window_voxels} voxels, scratch ${(r.scratch_bytes / 2 ** 20).toFixed(1)} MiB` : ''}\n        stages ${JSON.stringify(r.timings)}\n        RSS MiB at progress reports ${JSON.stringify(r.rssByStage)}`);
  console.log(`labels identical: ${mem.hash === ooc.hash}; report numbers identical: ${mem.numbers === ooc.numbers}`);
}
