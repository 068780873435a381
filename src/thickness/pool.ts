/**
 * Worker pool for the thickness kernels. The worker is the compiled `edt-worker.js`: next to this
 * module when running from dist/, or in dist/ when this module runs from its TypeScript source
 * (vitest). Without a built worker the callers fall back to running the kernels in this thread.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Piscina } from 'piscina';
import type { RidgePart, RidgeTask, WorkerTask } from './edt-worker.js';

/** Path of the compiled worker, or null when it has not been built. */
export function workerPath(): string | null {
  const here = fileURLToPath(import.meta.url);
  const dir = path.dirname(here);
  if (here.endsWith('.js')) {
    const p = path.join(dir, 'edt-worker.js');
    return existsSync(p) ? p : null;
  }
  // src/thickness/pool.ts → <repo>/dist/src/thickness/edt-worker.js
  const repo = path.resolve(dir, '..', '..');
  const p = path.join(repo, 'dist', 'src', 'thickness', 'edt-worker.js');
  return existsSync(p) ? p : null;
}

export function defaultThreads(): number {
  return Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length);
}

export interface TaskPool {
  threads: number;
  run(task: WorkerTask): Promise<number>;
  ridge(task: RidgeTask): Promise<RidgePart>;
  close(): Promise<void>;
}

/** A pool of `threads` workers, or null when workers are unavailable or not worth it (threads ≤ 1). */
export function openPool(threads: number): TaskPool | null {
  if (threads <= 1) return null;
  const file = workerPath();
  if (!file) return null;
  const pool = new Piscina({ filename: pathToFileURL(file).href, minThreads: threads, maxThreads: threads, idleTimeout: 1000 });
  return {
    threads,
    run: (task) => pool.run(task) as Promise<number>,
    ridge: (task) => pool.run(task) as Promise<RidgePart>,
    close: () => pool.destroy(),
  };
}

/** Split [0, n) into about `parts` contiguous ranges. */
export function ranges(n: number, parts: number): Array<[number, number]> {
  const p = Math.max(1, Math.min(n, parts));
  const out: Array<[number, number]> = [];
  for (let i = 0; i < p; i++) {
    const a = Math.floor((i * n) / p);
    const b = Math.floor(((i + 1) * n) / p);
    if (b > a) out.push([a, b]);
  }
  return out;
}
