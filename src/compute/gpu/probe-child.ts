/**
 * Is there a WebGPU adapter? Asked in a short-lived child process (≈ 0.3 s): loading Dawn and a Vulkan
 * loader costs ≈ 60 MB of resident memory that a process without a usable GPU would otherwise carry
 * through every voxel stage. The answer is cached for the process.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../cpu/backend.js';
import type { AdapterSummary } from './device.js';

let cached: Promise<AdapterSummary | null> | null = null;

export function probeAdapterSummary(): Promise<AdapterSummary | null> {
  cached ??= new Promise((resolve, reject) => {
    // the compiled script (also when this module runs from the TypeScript sources, as under vitest)
    const script = join(packageRoot(), 'dist', 'src', 'compute', 'gpu', 'probe-main.js');
    if (!existsSync(script)) {
      reject(new Error(`adapter probe script ${script} is missing; run \`npm run build\` first`));
      return;
    }
    execFile(process.execPath, [script], { timeout: 60_000, maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err) {
        reject(new Error(`adapter probe process failed (${err.message.split('\n')[0]})`));
        return;
      }
      try {
        resolve(JSON.parse(stdout) as AdapterSummary | null);
      } catch {
        reject(new Error('adapter probe process printed no summary'));
      }
    });
  });
  return cached;
}
