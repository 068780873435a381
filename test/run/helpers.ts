import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO, tempDir } from '../helpers.js';
import { generatePhantom } from '../../src/synth/index.js';
import { writeTiff } from '../../src/io/tiff/index.js';

/** The CLI entry (it loads dist/; `npm test` builds first). */
export const RUN_BIN = path.join(REPO, 'bin', 'buried.js');

/** Small, fast stage settings for the tests. */
export const CHEAP_CONFIG = `# test configuration: small grids
strip:
  steps: 40
  current_steps: 6
  solve_grid: 16
current:
  grid: 32
  layers: 8
fem:
  pressures: [5]
  hold_s: 120
  nx: 16
  ny: 2
report:
  figure_width_px: 2400
`;

export interface Fixture {
  dir: string;
  scan: string;
  config: string;
  truth: { thickness: { mean_um: number }; phase_fractions: Record<string, number>; voxel_um: number };
}

/** A small plated phantom with its truth beside it (like `buried synth`), and the cheap config. */
export async function makeFixture(shape: [number, number, number] = [96, 64, 64], seed = 11): Promise<Fixture> {
  const dir = tempDir('buried-run-');
  const ph = generatePhantom({ preset: 'plated', seed, shape });
  const scan = path.join(dir, 'scan.tif');
  await writeTiff(scan, ph.scan, { compression: 'deflate' });
  await writeTiff(path.join(dir, 'thickness_um.tif'), ph.thickness);
  writeFileSync(path.join(dir, 'truth.json'), JSON.stringify(ph.truth));
  const config = path.join(dir, 'cheap.yaml');
  writeFileSync(config, CHEAP_CONFIG);
  return { dir, scan, config, truth: ph.truth as unknown as Fixture['truth'] };
}

export interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[]): Result {
  const r = spawnSync(process.execPath, [RUN_BIN, ...args], { cwd: REPO, encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, BURIED_DEBUG: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Start a run and SIGKILL it as soon as stderr matches `when`. Resolves with what it printed. */
export function runAndKill(args: string[], when: RegExp): Promise<{ killed: boolean; stderr: string; code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [RUN_BIN, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!killed && when.test(stderr)) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.stdout.resume();
    child.on('exit', (code, signal) => resolve({ killed, stderr, code, signal }));
  });
}

/** Every file under `dir` (relative paths), hidden ones included. */
export function walk(dir: string, rel = ''): string[] {
  if (!existsSync(path.join(dir, rel))) return [];
  const out: string[] = [];
  for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...walk(dir, r));
    else out.push(r);
  }
  return out.sort();
}

export const readJson = <T = any>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

export function pngWidth(file: string): number {
  const b = readFileSync(file);
  return b.readUInt32BE(16);
}

export const mtime = (file: string) => statSync(file).mtimeMs;
