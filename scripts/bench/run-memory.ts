/**
 * Peak memory of `buried run` against the scan's size (issue target: ≤ 2.5× for a 512×512×400 uint16
 * scan on 2 cores). Generates a plated phantom, runs the whole pipeline in a fresh process with 2
 * worker threads, and prints per-stage wall time and the process peak RSS after each stage from
 * manifest.json, then the ratio peak / scan bytes.
 *   node dist/scripts/bench/run-memory.js [--shape 400,512,512] [--seed 3] [--dir /tmp/buried-run-memory] [--keep]
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const arg = (name: string, def: string) => {
  const k = process.argv.indexOf(`--${name}`);
  return k >= 0 ? process.argv[k + 1] : def;
};
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = path.join(root, 'bin', 'buried.js');
const shape = arg('shape', '400,512,512');
const dir = arg('dir', path.join(os.tmpdir(), 'buried-run-memory'));
const scanDir = path.join(dir, `plated-${shape.replace(/,/g, 'x')}`);
const out = path.join(dir, 'run');

if (!existsSync(path.join(scanDir, 'scan.tif'))) {
  console.log(`# generating a plated phantom ${shape} in ${scanDir}`);
  execFileSync(process.execPath, [cli, 'synth', scanDir, '--preset', 'plated', '--seed', arg('seed', '3'), '--shape', shape], { stdio: 'inherit' });
}
mkdirSync(dir, { recursive: true });
rmSync(out, { recursive: true, force: true });
// 2 worker threads (the target is for 2 cores); small current and FEM grids: this measures the voxel stages
const config = {
  run: { workers: 2, note: `memory benchmark, ${shape} uint16, 2 worker threads` },
  strip: { current_steps: 10, solve_grid: 32 },
  current: { grid: 64, layers: 16 },
  fem: { pressures: [5], hold_s: 300, nx: 16, ny: 2 },
};
const cfgFile = path.join(dir, 'config.json');
writeFileSync(cfgFile, JSON.stringify(config, null, 1));
const t0 = performance.now();
execFileSync(process.execPath, [cli, 'run', path.join(scanDir, 'scan.tif'), '-o', out, '--config', cfgFile, '--quiet'], { stdio: 'inherit' });
const wall = (performance.now() - t0) / 1000;

interface Manifest {
  stages: { stage: string; status: string; seconds: number; peak_rss_bytes_after: number }[];
  memory: { peak_rss_bytes: number; scan_bytes: number; peak_over_scan: number; peak_reached_in_stage: string };
}
const m = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as Manifest;
const mib = (b: number) => (b / 2 ** 20).toFixed(0);
console.log(`# buried run on ${shape} uint16 (${(m.memory.scan_bytes / 1e6).toFixed(1)} MB), ${os.cpus().length} cores, wall ${wall.toFixed(1)} s`);
console.log('stage       seconds  peak RSS so far (MiB)  × scan');
for (const s of m.stages) {
  console.log(`${s.stage.padEnd(11)} ${s.seconds.toFixed(1).padStart(7)}  ${mib(s.peak_rss_bytes_after).padStart(21)}  ${(s.peak_rss_bytes_after / m.memory.scan_bytes).toFixed(2).padStart(6)}`);
}
console.log(`peak ${mib(m.memory.peak_rss_bytes)} MiB = ${m.memory.peak_over_scan.toFixed(2)}× the scan (target ≤ 2.5×), reached in ${m.memory.peak_reached_in_stage}`);
if (!process.argv.includes('--keep')) rmSync(out, { recursive: true, force: true });
