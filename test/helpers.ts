import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import type { VoxelArray } from '../src/io/volume.js';

export const REPO = path.resolve(import.meta.dirname, '..');
export const SHARED_DATA = path.resolve(REPO, '..', 'shared', 'data');
export const hasSharedData = existsSync(SHARED_DATA);
export const BIN = path.join(REPO, 'bin', 'buried.js');

/** Debian's python3 with numpy/tifffile/h5py/vtk (the pyenv python on PATH lacks them). */
export const PYTHON = '/usr/bin/python3';

export function pythonHas(module: string): boolean {
  if (!existsSync(PYTHON)) return false;
  return spawnSync(PYTHON, ['-c', `import ${module}`]).status === 0;
}

export function runPython(code: string, args: string[] = []): string {
  return execFileSync(PYTHON, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
}

export function sha256(data: VoxelArray): string {
  return createHash('sha256').update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength)).digest('hex');
}

export function tempDir(prefix = 'buried-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Run the built CLI (npm test builds first). */
export function cli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? REPO,
    encoding: 'utf8',
    env: { ...process.env, ...options.env },
    maxBuffer: 1 << 26,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
