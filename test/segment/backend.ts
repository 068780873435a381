import { createBackend } from '../../src/compute/index.js';
import type { ComputeBackend } from '../../src/compute/types.js';

let shared: Promise<ComputeBackend> | null = null;

/** One cpu backend (worker pool) per test file; needs `npm run build` for the worker (npm test does it). */
export function testBackend(): Promise<ComputeBackend> {
  return (shared ??= createBackend('cpu'));
}
