/** Shared data makers and comparisons for the compute tests. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect } from 'vitest';
import type { GreyArray, Shape3 } from '../../src/compute/types.js';
import { mulberry32 } from '../../src/compute/rng.js';

/** Deterministic PRNG (mulberry32). */
export const rng = mulberry32;

export type DTypeName = 'uint8' | 'uint16' | 'float32';
export const DTYPES: DTypeName[] = ['uint8', 'uint16', 'float32'];

/** Smooth-ish field plus noise, with ties (integers) and negative values (float). */
export function greyVolume(dtype: DTypeName, shape: Shape3, seed = 1, shared = false): GreyArray {
  const n = shape[0] * shape[1] * shape[2];
  const r = rng(seed);
  const make = <T>(C: new (b: ArrayBufferLike | number) => T, bpe: number) => new C(shared ? new SharedArrayBuffer(n * bpe) : n);
  const a: GreyArray = dtype === 'uint8' ? make(Uint8Array, 1) : dtype === 'uint16' ? make(Uint16Array, 2) : make(Float32Array, 4);
  const [, ny, nx] = shape;
  for (let i = 0; i < n; i++) {
    const x = i % nx, y = Math.floor(i / nx) % ny, z = Math.floor(i / (nx * ny));
    const base = 0.5 + 0.3 * Math.sin(x / 3 + y / 5) * Math.cos(z / 4);
    const v = base + 0.25 * (r() - 0.5);
    if (dtype === 'uint8') a[i] = Math.round(v * 255);
    else if (dtype === 'uint16') a[i] = Math.round(v * 60000);
    else a[i] = (v - 0.4) * 1000;
  }
  return a;
}

export function randomMask(shape: Shape3, density: number, seed = 7): Uint8Array {
  const r = rng(seed);
  return Uint8Array.from({ length: shape[0] * shape[1] * shape[2] }, () => (r() < density ? 1 : 0));
}

export function expectEqualArrays(actual: ArrayLike<number>, expected: ArrayLike<number>, what = ''): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i]) && actual[i] !== expected[i]) {
      throw new Error(`${what}: first difference at ${i}: ${actual[i]} vs ${expected[i]}`);
    }
  }
}

/** |a − e| <= rel·|e| + abs for every element. */
export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, abs = 0, what = ''): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= rel * Math.abs(expected[i]) + abs)) throw new Error(`${what}: at ${i}: ${actual[i]} vs ${expected[i]} (|Δ| ${d})`);
  }
}

export function range(a: ArrayLike<number>): number {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < a.length; i++) { if (a[i] < lo) lo = a[i]; if (a[i] > hi) hi = a[i]; }
  return hi - lo;
}

/** Histogram spec for a dtype: integer lo/width for integer inputs. */
export function histSpec(dtype: DTypeName) {
  if (dtype === 'uint8') return { lo: 10, width: 7, bins: 30 };
  if (dtype === 'uint16') return { lo: 1000, width: 997, bins: 64 };
  return { lo: -100, width: 12.5, bins: 70 };
}

export function thresholdsFor(dtype: DTypeName): number[] {
  if (dtype === 'uint8') return [60, 100.5, 128, 190];
  if (dtype === 'uint16') return [15000, 25000.5, 30000, 45000];
  return [-50, 0, 100.3, 250];
}

export function clipBounds(dtype: DTypeName): [number, number] {
  if (dtype === 'uint8') return [70.5, 180.2];
  if (dtype === 'uint16') return [20000.5, 41000.7];
  return [-20.3, 300.1];
}

/** Chromium's SwiftShader Vulkan driver (CI installs it; the tests then run the WebGPU kernels on it). */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * Run an ES module body in a fresh node process whose Vulkan loader sees only `icd` (a driver
 * manifest, or a missing file for "no driver at all"), and return what it prints as JSON. The body
 * may `await` and reads the built modules through `dist(relPath)` (e.g. dist('src/compute/index.js')).
 * A fresh process because the adapter probe is cached per process.
 */
export function inChildWithIcd(icd: string, body: string): unknown {
  const env: NodeJS.ProcessEnv = { ...process.env, VK_ICD_FILENAMES: icd };
  delete env.VK_DRIVER_FILES; // newer Vulkan loaders prefer these over VK_ICD_FILENAMES
  delete env.VK_ADD_DRIVER_FILES;
  const root = path.resolve(import.meta.dirname, '..', '..');
  const code = `const dist = (p) => import(${JSON.stringify(pathToFileURL(path.join(root, 'dist')).href)} + '/' + p);\n${body}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { env, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`child exited ${r.status}: ${r.stderr}`);
  const last = r.stdout.trim().split('\n').pop() ?? '';
  return JSON.parse(last);
}
