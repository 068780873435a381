/**
 * createBackend / gpuAvailability / requireGpuAdapter, and `--backend gpu` on the command line.
 *
 * What the machine has is not taken from gpuAvailability() (the function under test): each case
 * runs in a child process whose Vulkan loader is pointed at a known driver manifest:
 *   - a missing file: no driver, so no WebGPU adapter at all;
 *   - Chromium's SwiftShader manifest: exactly one adapter, a software one. CI installs chromium,
 *     so there (CI=true) these cases must run; elsewhere they are skipped when it is not installed.
 * A hardware adapter cannot be arranged this way: the rule 'auto' applies to one (the buffer limit)
 * is checked on adapter summaries (refusalFor).
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBackend, refusalFor } from '../../src/compute/index.js';
import { writeTiff } from '../../src/io/tiff/index.js';
import { cli, missingFiles, requireAvailable, tempDir } from '../helpers.js';
import { inChildWithIcd, SWIFTSHADER_ICD } from './util.js';

const NO_DRIVER = '/nonexistent/vk_icd.json';

interface ChoiceReport {
  availability: { available: boolean; hardware: boolean; description: string };
  auto: { name: string; description: string; warnings: string[]; threads: number | null; moduleTasks: boolean };
  gpu?: { name: string; description: string; classify: number[]; threads: number | null; moduleTasks: boolean };
  gpuError?: { name: string; message: string };
}

/** gpuAvailability, createBackend('auto') and createBackend('gpu') as a process with only `icd` sees them. */
function backendChoices(icd: string): ChoiceReport {
  return inChildWithIcd(icd, `
    const { createBackend, gpuAvailability } = await dist('src/compute/index.js');
    const out = { availability: await gpuAvailability() };
    const warnings = [];
    const auto = await createBackend('auto', { workers: 1, bytesNeeded: 1 << 20, onWarning: (w) => warnings.push(w) });
    out.auto = { name: auto.name, description: auto.description, warnings, threads: auto.threads ?? null, moduleTasks: typeof auto.runModuleTasks === 'function' };
    await auto.dispose();
    try {
      const g = await createBackend('gpu', { workers: 1 });
      out.gpu = { name: g.name, description: g.description, classify: Array.from(await g.classify(Uint16Array.of(1, 5, 9, 200), [5, 100])), threads: g.threads ?? null, moduleTasks: typeof g.runModuleTasks === 'function' };
      await g.dispose();
    } catch (e) {
      out.gpuError = { name: e.name, message: e.message };
    }
    console.log(JSON.stringify(out));
    process.exit(0); // Dawn keeps handles open
  `) as ChoiceReport;
}

describe('createBackend', () => {
  it('cpu', async () => {
    const b = await createBackend('cpu', { workers: 2 });
    expect(b.name).toBe('cpu');
    expect(b.description).toBe('cpu: 2 worker threads (piscina)');
    await b.dispose();
  });

  it("auto's rule on adapter summaries: none, software, and the smaller buffer limit", () => {
    const hw = { description: 'Test GPU', software: false, maxBufferSize: 2 ** 32, maxStorageBufferBindingSize: 2 ** 27 };
    expect(refusalFor(null, 1)).toBe('no WebGPU adapter');
    expect(refusalFor({ ...hw, software: true }, 1)).toBe('the only WebGPU adapter is a software renderer (Test GPU)');
    expect(refusalFor(hw)).toBeNull();
    expect(refusalFor(hw, 2 ** 27)).toBeNull(); // exactly at the limit: fits
    expect(refusalFor(hw, 2 ** 27 + 1)).toBe('134217729 bytes exceed the GPU buffer limit (134217728 bytes) of Test GPU');
    expect(refusalFor({ ...hw, maxBufferSize: 2 ** 26 }, 2 ** 26 + 1)).toBe('67108865 bytes exceed the GPU buffer limit (67108864 bytes) of Test GPU');
  });

  it('rejects an unknown choice', async () => {
    await expect(createBackend('tpu' as never)).rejects.toThrow(/unknown backend/);
  });
});

describe('no Vulkan driver (VK_ICD_FILENAMES → a missing file)', () => {
  const r = backendChoices(NO_DRIVER);

  it('gpuAvailability: unavailable, not hardware, "no WebGPU adapter"', () => {
    expect(r.availability).toEqual({ available: false, hardware: false, description: 'no WebGPU adapter' });
  });
  it('auto: cpu, with the reason in one warning and in the description', () => {
    expect(r.auto.name).toBe('cpu');
    expect(r.auto.warnings).toEqual(['auto: using cpu because no WebGPU adapter']);
    expect(r.auto.description).toBe('cpu: 1 worker thread (piscina); auto: no WebGPU adapter');
  });
  it("auto's cpu keeps the worker pool for the stages' slab kernels (threads, runModuleTasks)", () => {
    // a wrapper once hid them: every segmentation kernel then ran on the calling thread (17 s vs 9.8 s at 512³)
    expect(r.auto.threads).toBe(1);
    expect(r.auto.moduleTasks).toBe(true);
  });
  it('gpu: a bad-usage error naming --backend gpu and how to get SwiftShader', () => {
    expect(r.gpu).toBeUndefined();
    expect(r.gpuError?.name).toBe('InputError');
    expect(r.gpuError?.message).toMatch(/^--backend gpu: no WebGPU adapter: /);
    expect(r.gpuError?.message).toContain('VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json');
    expect(r.gpuError?.message).not.toContain('\n');
  });
});

describe('SwiftShader only (VK_ICD_FILENAMES → chromium\'s ICD; required in CI)', () => {
  // without chromium's SwiftShader: skipped visibly here, a failure in CI
  const missing = missingFiles(SWIFTSHADER_ICD);
  beforeEach((ctx) => requireAvailable(ctx, missing));
  let r = {} as ReturnType<typeof backendChoices>;
  beforeAll(() => {
    if (!missing) r = backendChoices(SWIFTSHADER_ICD);
  });

  it('gpuAvailability: available, software, described as SwiftShader', () => {
    expect(r.availability.available).toBe(true);
    expect(r.availability.hardware).toBe(false);
    expect(r.availability.description).toMatch(/^SwiftShader.* \(software\), maxBufferSize \d+, maxStorageBufferBindingSize \d+$/);
  });
  it('auto: cpu, because the only adapter is a software renderer', () => {
    expect(r.auto.name).toBe('cpu');
    expect(r.auto.warnings).toHaveLength(1);
    expect(r.auto.warnings[0]).toMatch(/^auto: using cpu because the only WebGPU adapter is a software renderer \(SwiftShader/);
    expect(r.auto.description).toContain('; auto: the only WebGPU adapter is a software renderer');
  });
  it('gpu: runs on the software adapter and says so', () => {
    expect(r.gpuError).toBeUndefined();
    expect(r.gpu?.name).toBe('gpu');
    expect(r.gpu?.description).toMatch(/^gpu: WebGPU, SwiftShader.*\(software\)/);
    expect(r.gpu?.classify).toEqual([0, 1, 1, 2]);
    // the stages' slab kernels run on the gpu backend's cpu pool
    expect(r.gpu?.threads).toBe(1);
    expect(r.gpu?.moduleTasks).toBe(true);
  });
});

describe('CLI: --backend gpu with no Vulkan driver is bad usage (exit 2, one line, no outputs)', () => {
  const dir = tempDir();
  const labels = path.join(dir, 'labels.tif');
  const scan = path.join(dir, 'scan.tif');
  const contact = path.join(dir, 'contact.tif');
  const ready = (async () => {
    const shape: [number, number, number] = [8, 12, 12];
    const n = 8 * 12 * 12;
    await writeTiff(scan, { data: Uint16Array.from({ length: n }, (_, i) => 1000 + ((i * 7919) % 5000)), shape, dtype: 'uint16', spacing: [1, 1, 1] });
    await writeTiff(labels, { data: Uint8Array.from({ length: n }, (_, i) => (i % 12 < 6 ? 1 : 2)), shape, dtype: 'uint8', spacing: [1, 1, 1] });
    await writeTiff(contact, { data: Uint8Array.from({ length: 144 }, (_, i) => (i % 5 ? 1 : 0)), shape: [1, 12, 12], dtype: 'uint8', spacing: [1, 1, 1] });
  })();

  for (const [name, args] of [
    ['segment', () => ['segment', scan, '--classes', '2']],
    ['distance', () => ['distance', labels, '--label', '1']],
    ['local-thickness', () => ['local-thickness', labels, '--label', '1']],
    ['current', () => ['current', contact, '--thickness', '10']],
  ] as [string, () => string[]][]) {
    it(name, async () => {
      await ready;
      const out = path.join(dir, `out-${name}`);
      const r = cli([...args(), '-o', out, '--backend', 'gpu'], { env: { VK_ICD_FILENAMES: NO_DRIVER, VK_DRIVER_FILES: '', VK_ADD_DRIVER_FILES: '' } });
      expect(r.status, r.stderr).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^buried: --backend gpu: no WebGPU adapter: the gpu backend needs one .*VK_ICD_FILENAMES=.*or choose --backend cpu or auto$/);
      mkdirSync(out, { recursive: true }); // the command may have created it; it must hold nothing
      expect(readdirSync(out)).toEqual([]);
    });
  }
});
