/**
 * Phase segmentation speed and peak memory per layout, and against an earlier build on the same scans.
 *
 *   node dist/scripts/bench/segment-layouts.js [--size 512] [--lateral 512] [--baseline DIR] [--cases plated,symmetric,...] [--repeat N]
 *
 * Each case: `buried synth` writes the phantom (not timed), then `buried segment` runs in a child
 * process per build (this checkout, and `DIR/bin/buried.js` when --baseline names a built checkout
 * of another commit: the peer measured in the same run). Wall time from the child's start to its
 * exit (reading the TIFF included); CPU seconds (user + system, all threads) and peak RSS from
 * /usr/bin/time; the ratio to the scan's bytes; Dice per phase against the phantom's truth for each
 * build. --repeat N runs each pair N times, the order alternating (this, baseline; baseline, this;
 * …): on a shared machine the load drifts within a run, and CPU seconds drift less than wall time.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadVolume } from '../../src/io/open.js';

const argv = process.argv.slice(2);
const arg = (name: string, def: string) => {
  const k = argv.indexOf(`--${name}`);
  return k >= 0 ? argv[k + 1] : def;
};
const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const ours = path.join(here, 'bin', 'buried.js');
const baselineDir = arg('baseline', '');
const baseline = baselineDir ? path.join(path.resolve(baselineDir), 'bin', 'buried.js') : '';
const depth = Number(arg('size', '512'));
const lateral = Number(arg('lateral', String(depth)));
const cases: Record<string, string[]> = {
  plated: ['--preset', 'plated'],
  symmetric: ['--preset', 'symmetric', '--surroundings', 'plunger'],
  labct: ['--preset', 'labct'],
  fullcell: ['--preset', 'fullcell'],
  'plated-x': ['--preset', 'plated', '--axis', 'x'],
};
const wanted = arg('cases', 'plated,symmetric,labct,fullcell,plated-x').split(',');
const repeat = Math.max(1, Number(arg('repeat', '1')));

function dice(a: Uint8Array, b: Uint8Array, l: number): number {
  let i = 0, na = 0, nb = 0;
  for (let k = 0; k < a.length; k++) {
    const x = a[k] === l, y = b[k] === l;
    if (x) na++;
    if (y) nb++;
    if (x && y) i++;
  }
  return na + nb ? (2 * i) / (na + nb) : NaN;
}

async function run(bin: string, scan: string, out: string): Promise<{ s: number; cpu: number; peakMiB: number; labels: Uint8Array }> {
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', 'PEAK_KB %M CPU_S %U %S', process.execPath, bin, 'segment', scan, '-o', out], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${bin} segment exited ${r.status}: ${r.stderr?.toString().slice(-500)}`);
  const stderr = r.stderr.toString();
  const s = (performance.now() - t0) / 1000;
  const m = /PEAK_KB (\d+)/.exec(stderr);
  const c = /CPU_S ([\d.]+) ([\d.]+)/.exec(stderr);
  const labels = (await loadVolume(path.join(out, 'labels.tif'))).data as Uint8Array;
  return { s, cpu: c ? Number(c[1]) + Number(c[2]) : NaN, peakMiB: m ? Number(m[1]) / 1024 : NaN, labels };
}

const tmp = mkdtempSync(path.join(process.env.BURIED_SCRATCH ?? os.tmpdir(), 'bench-layouts-'));
try {
  console.log(`| case | shape | scan MB | build | s | CPU s | MB/s | peak MiB | peak / scan | Dice (void, Li, electrolyte, collector, cathode, outside, fov) |`);
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const name of wanted) {
    const flags = cases[name];
    if (!flags) throw new Error(`unknown case ${name}`);
    const dir = path.join(tmp, name);
    const axis = flags.includes('x') ? 'x' : 'z';
    const shape = axis === 'x' ? [lateral, lateral, depth] : [depth, lateral, lateral];
    execFileSync(process.execPath, [ours, 'synth', dir, ...flags, '--shape', shape.join(','), '--seed', '3'], { stdio: 'ignore' });
    const scan = path.join(dir, 'scan.tif');
    const truth = (await loadVolume(path.join(dir, 'labels.tif'))).data as Uint8Array;
    const scanMB = (shape[0] * shape[1] * shape[2] * 2) / 1e6; // uint16
    const builds = ([['this', ours], ['baseline', baseline]] as const).filter(([, bin]) => bin);
    for (let k = 0; k < repeat; k++) {
      for (const [build, bin] of k % 2 ? [...builds].reverse() : builds) {
        if (!existsSync(bin)) throw new Error(`no build at ${bin}`);
        const r = await run(bin, scan, path.join(dir, `out-${build}`));
        const d = [0, 1, 2, 3, 4, 5, 255].map((l) => dice(r.labels, truth, l)).map((v) => (Number.isFinite(v) ? v.toFixed(3) : '—')).join(', ');
        console.log(`| ${name} | ${shape.join('×')} | ${scanMB.toFixed(0)} | ${build} | ${r.s.toFixed(1)} | ${r.cpu.toFixed(1)} | ${(scanMB / r.s).toFixed(1)} | ${r.peakMiB.toFixed(0)} | ${((r.peakMiB * 2 ** 20) / (scanMB * 1e6)).toFixed(2)} | ${d} |`);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
