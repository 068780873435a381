/**
 * Out-of-core benchmark (issue 9): a mirror-tiled plated phantom run through segment → thickness →
 * strip with a memory budget (--memory), against the in-memory run on the same scan. Prints per-stage
 * wall time, throughput (scan MB / s) and peak RSS after each stage, then whether the outputs are
 * identical (labels voxel for voxel, thickness / contact maps bit for bit, strip curves).
 *
 *   node dist/scripts/bench/out-of-core.js [--base 400,256,256] [--tile 512,512] [--memory 256M]
 *        [--reference 20G | --no-reference] [--parallel] [--until strip] [--dir /tmp/buried-ooc] [--workers 2] [--keep]
 *
 * --parallel runs the streamed and the in-memory run at the same time (the segmentation is mostly
 * one thread: two runs share two cores), so per-stage seconds are not those of a run alone.
 *
 * Issue figures: --base 1536,256,256 --tile 1536,1536 --memory 4G --reference 22G (7.2 GB scan,
 * compared with the in-memory run, which needs ≈ 6 bytes per voxel of budget to stay in memory); --base 3200,256,256 --tile 2048,2048 --memory 4G --no-reference (27 GB, larger than RAM).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openVolume } from '../../src/io/open.js';
import { slicesPerSlab } from '../../src/compute/budget.js';

const argv = process.argv.slice(2);
const arg = (name: string, def: string) => {
  const k = argv.indexOf(`--${name}`);
  return k >= 0 ? argv[k + 1] : def;
};
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = path.join(root, 'bin', 'buried.js');
const base = arg('base', '400,256,256');
const tile = arg('tile', '512,512');
const memory = arg('memory', '256M');
const reference = argv.includes('--no-reference') ? null : arg('reference', '20G');
const until = arg('until', 'strip');
const dir = arg('dir', path.join(os.tmpdir(), 'buried-ooc'));
const workers = arg('workers', '2');
const scanDir = path.join(dir, `plated-${base.replace(/,/g, 'x')}-tiled-${tile.replace(/,/g, 'x')}`);
const scan = path.join(scanDir, 'scan.tif');

mkdirSync(dir, { recursive: true });
if (!existsSync(scan)) {
  console.log(`# generating a plated phantom ${base}, mirror-tiled to ${tile} laterally, in ${scanDir}`);
  const t = performance.now();
  execFileSync(process.execPath, [cli, 'synth', scanDir, '--preset', 'plated', '--seed', '3', '--shape', base, '--tile', tile], { stdio: ['ignore', 'ignore', 'inherit'] });
  console.log(`# phantom written in ${((performance.now() - t) / 1000).toFixed(1)} s (${(statSync(scan).size / 1e9).toFixed(2)} GB)`);
}

interface Manifest {
  wall_seconds: number;
  stages: { stage: string; status: string; seconds: number; peak_rss_bytes_after: number }[];
  memory: { peak_rss_bytes: number; scan_bytes: number; budget_bytes: number; streamed_stages: string[] };
}

async function run(name: string, budget: string): Promise<Manifest> {
  const out = path.join(dir, name);
  rmSync(out, { recursive: true, force: true });
  const cfgFile = path.join(dir, `${name}.json`);
  // the replay's current-aware mode solves on a 32² grid: this benchmark measures the voxel stages
  writeFileSync(cfgFile, JSON.stringify({ run: { workers: Number(workers), memory: budget, note: `out-of-core benchmark, ${name}` }, strip: { current_steps: 10, solve_grid: 32 } }, null, 1));
  console.log(`# ${name}: buried run --memory ${budget} --until ${until}`);
  const child = spawn(process.execPath, [cli, 'run', scan, '-o', out, '--config', cfgFile, '--until', until, '--quiet'], { stdio: 'inherit' });
  const code = await new Promise<number | null>((resolve, reject) => child.on('error', reject).on('exit', resolve));
  if (code !== 0) throw new Error(`${name} run failed (exit ${code})`);
  return JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
}

function table(name: string, m: Manifest): void {
  const mib = (b: number) => (b / 2 ** 20).toFixed(0);
  const mb = m.memory.scan_bytes / 1e6;
  console.log(`## ${name}: scan ${mb.toFixed(0)} MB, budget ${mib(m.memory.budget_bytes)} MiB, streamed stages: ${m.memory.streamed_stages.join(', ') || 'none'}, wall ${m.wall_seconds.toFixed(1)} s`);
  console.log('stage       seconds   scan MB/s  peak RSS so far (MiB)');
  for (const s of m.stages) console.log(`${s.stage.padEnd(11)} ${s.seconds.toFixed(1).padStart(7)} ${(mb / s.seconds).toFixed(1).padStart(11)} ${mib(s.peak_rss_bytes_after).padStart(22)}`);
  const over = m.memory.peak_rss_bytes - m.memory.budget_bytes;
  console.log(`peak RSS ${mib(m.memory.peak_rss_bytes)} MiB = budget ${over >= 0 ? '+' : '−'} ${mib(Math.abs(over))} MiB`);
}

/** Voxels that differ between two volumes, compared slab by slab (never whole). */
async function differingVoxels(a: string, b: string): Promise<{ differ: number; voxels: number }> {
  const va = await openVolume(a), vb = await openVolume(b);
  try {
    if (va.shape.join() !== vb.shape.join() || va.dtype !== vb.dtype) throw new Error(`${a} and ${b} differ in shape or type`);
    const [nz, ny, nx] = va.shape;
    const step = slicesPerSlab(512 * 2 ** 20, ny * nx * 8, nz);
    let differ = 0;
    for (let z = 0; z < nz; z += step) {
      const z1 = Math.min(nz, z + step);
      const x = await va.readSlices(z, z1), y = await vb.readSlices(z, z1);
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i] && !(Number.isNaN(x[i]) && Number.isNaN(y[i]))) differ++;
    }
    return { differ, voxels: nz * ny * nx };
  } finally {
    await va.close();
    await vb.close();
  }
}

/** Dice of each phase of a labels file against the phantom's truth labels, slab by slab. */
async function diceAgainstTruth(labelsFile: string, truthFile: string): Promise<string> {
  const va = await openVolume(labelsFile), vt = await openVolume(truthFile);
  try {
    const [nz, ny, nx] = va.shape;
    const step = slicesPerSlab(512 * 2 ** 20, ny * nx * 2, nz);
    const both = new Float64Array(256), inA = new Float64Array(256), inT = new Float64Array(256);
    for (let z = 0; z < nz; z += step) {
      const z1 = Math.min(nz, z + step);
      const a = await va.readSlices(z, z1), t = await vt.readSlices(z, z1);
      for (let i = 0; i < a.length; i++) {
        inA[a[i]]++;
        inT[t[i]]++;
        if (a[i] === t[i]) both[a[i]]++;
      }
    }
    return ['void', 'Li', 'electrolyte', 'collector'].map((name, k) => `${name} ${((2 * both[k]) / (inA[k] + inT[k])).toFixed(4)}`).join(', ');
  } finally {
    await va.close();
    await vt.close();
  }
}

const parallel = argv.includes('--parallel') && reference !== null;
const [streamed, inMemory] = parallel
  ? await Promise.all([run('streamed', memory), run('in-memory', reference)])
  : [await run('streamed', memory), null];
table(`streamed (--memory ${memory})${parallel ? ', run beside the in-memory run' : ''}`, streamed);
console.log(`Dice vs ground truth (streamed labels): ${await diceAgainstTruth(path.join(dir, 'streamed', 'segment', 'labels.tif'), path.join(scanDir, 'labels.tif'))}`);
if (reference) {
  const inMem = inMemory ?? (await run('in-memory', reference));
  table(`in memory (--memory ${reference})${parallel ? ', run beside the streamed run' : ''}`, inMem);
  console.log('## identical outputs?');
  const files = ['segment/labels.tif', 'thickness/thickness_um.tif', 'thickness/contact.tif', 'thickness/surface_height_um.tif', 'thickness/li_top_height_um.tif', 'thickness/penetration_um.tif'];
  for (const f of files) {
    const a = path.join(dir, 'streamed', f), b = path.join(dir, 'in-memory', f);
    if (!existsSync(a) || !existsSync(b)) continue;
    const d = await differingVoxels(a, b);
    console.log(`${f.padEnd(34)} ${d.differ === 0 ? 'identical' : `${d.differ} of ${d.voxels} voxels differ`}`);
  }
  for (const f of ['segment/segment.json', 'thickness/thickness.json', 'thickness/interface.json', 'strip/stripping.json', 'strip/stripping.csv']) {
    const a = path.join(dir, 'streamed', f), b = path.join(dir, 'in-memory', f);
    if (!existsSync(a) || !existsSync(b)) continue;
    const differ = f.endsWith('.csv') ? (readFileSync(a, 'utf8') === readFileSync(b, 'utf8') ? [] : ['(text)']) : jsonDifferences(JSON.parse(readFileSync(a, 'utf8')), JSON.parse(readFileSync(b, 'utf8')));
    console.log(`${f.padEnd(34)} ${differ.length === 0 ? 'same numbers' : `differs at ${differ.slice(0, 5).join(', ')}`}`);
  }
}

/** Paths where two JSON values differ, skipping what legitimately differs between runs (timing, memory, paths, streaming plan). */
function jsonDifferences(a: unknown, b: unknown, at = ''): string[] {
  const volatile = /seconds|(^|_)(s|ms)$|^timings$|memory|rss|^backend$|^input$|^out_of_core$|^files$/;
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b) ? [] : [at || '(root)'];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  const out: string[] = [];
  for (const k of keys) {
    if (volatile.test(k)) continue;
    out.push(...jsonDifferences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], at ? `${at}.${k}` : k));
  }
  return out;
}
if (!argv.includes('--keep')) for (const n of ['streamed', 'in-memory']) rmSync(path.join(dir, n), { recursive: true, force: true });
