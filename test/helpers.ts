import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'vitest';
import type { VoxelArray } from '../src/io/volume.js';

export const REPO = path.resolve(import.meta.dirname, '..');
export const SHARED_DATA = path.resolve(REPO, '..', 'shared', 'data');
export const BIN = path.join(REPO, 'bin', 'buried.js');

/** Debian's python3 with numpy/tifffile/h5py/vtk (the pyenv python on PATH lacks them). */
export const PYTHON = '/usr/bin/python3';

export function pythonHas(module: string): boolean {
  if (!existsSync(PYTHON)) return false;
  return spawnSync(PYTHON, ['-c', `import ${module}`]).status === 0;
}

/**
 * Tests that compare against an independent tool (Python modules, Chromium, redis-server, a WebGPU
 * adapter) or read the real data in ../shared/data say what they need with the `missing*` helpers
 * (null: all there; else one line saying what is absent) and call `requireAvailable` first. Locally
 * a missing requirement skips the test visibly (vitest lists it as skipped, with the reason); under
 * CI (CI=true, as .ci/run and CI services set it) it fails the test, since CI installs every tool and
 * has ../shared beside the checkout: a check that quietly did not run must not count as passed.
 */
export function inCi(): boolean {
  return process.env.CI === 'true' || process.env.CI === '1';
}

/** Why /usr/bin/python3 cannot be the reference (a module does not import), or null. */
export function missingPython(...modules: string[]): string | null {
  if (!existsSync(PYTHON)) return `${PYTHON} is absent`;
  const absent = modules.filter((m) => !pythonHas(m));
  return absent.length ? `${PYTHON} cannot import ${absent.join(', ')}` : null;
}

/** Which of these files (e.g. in ../shared/data) are absent, or null. */
export function missingFiles(...files: string[]): string | null {
  const absent = files.filter((f) => !existsSync(f));
  return absent.length ? `absent: ${absent.join(', ')}` : null;
}

/** A command that does not run with `args` (e.g. redis-server --version), or null. */
export function missingCommand(command: string, args: string[] = ['--version']): string | null {
  return spawnSync(command, args, { stdio: 'ignore' }).status === 0 ? null : `${command} is not installed`;
}

/** Why no WebGPU adapter can run the gpu tests (.ci/run installs chromium's SwiftShader and libvulkan1 for them), or null. */
export function missingAdapter(availability: { available: boolean; description: string }): string | null {
  return availability.available ? null : `WebGPU unavailable (${availability.description})`;
}

/** The first reason among several (null when none). */
export function missingAny(...reasons: (string | null)[]): string | null {
  return reasons.find((r) => r !== null) ?? null;
}

/**
 * Call first in a test, or in a beforeEach for a whole describe block: skips the test with the
 * reason locally, throws under CI. `missing` is null when everything is there.
 */
export function requireAvailable(ctx: TestContext, missing: string | null): void {
  if (missing === null) return;
  if (inCi()) throw new Error(`CI=true and a requirement of this test is missing: ${missing}`);
  console.warn(`skipped "${ctx.task.name}": ${missing}`);
  ctx.skip(missing);
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
