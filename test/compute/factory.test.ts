/** createBackend / gpuAvailability. */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createBackend, gpuAvailability } from '../../src/compute/index.js';

const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (existsSync(SWIFTSHADER)) process.env.VK_ICD_FILENAMES ??= SWIFTSHADER;

describe('createBackend', () => {
  it('cpu', async () => {
    const b = await createBackend('cpu', { workers: 2 });
    expect(b.name).toBe('cpu');
    expect(b.description).toBe('cpu: 2 worker threads (piscina)');
    await b.dispose();
  });

  it('auto picks gpu only on a hardware adapter, otherwise cpu and says why', async () => {
    const avail = await gpuAvailability();
    const warnings: string[] = [];
    const b = await createBackend('auto', { workers: 2, bytesNeeded: 1 << 20, onWarning: (w) => warnings.push(w) });
    try {
      if (avail.hardware) {
        expect(b.name).toBe('gpu');
      } else {
        expect(b.name).toBe('cpu');
        expect(warnings.length).toBe(1);
        expect(warnings[0]).toMatch(/auto: using cpu because (no WebGPU adapter|the only WebGPU adapter is a software renderer)/);
        expect(b.description).toContain('auto:');
      }
    } finally {
      await b.dispose();
    }
  });

  it('auto refuses the gpu when the data exceeds the device buffer limit', async () => {
    const warnings: string[] = [];
    const b = await createBackend('auto', { workers: 1, bytesNeeded: 2 ** 50, onWarning: (w) => warnings.push(w) });
    expect(b.name).toBe('cpu');
    expect(warnings[0]).toMatch(/auto: using cpu because/);
    await b.dispose();
  });

  it('gpu uses any adapter, software included, or fails clearly', async () => {
    const avail = await gpuAvailability();
    if (!avail.available) {
      await expect(createBackend('gpu')).rejects.toThrow(/no WebGPU adapter/);
      return;
    }
    const b = await createBackend('gpu', { workers: 1 });
    expect(b.name).toBe('gpu');
    if (!avail.hardware) expect(b.description).toContain('(software)');
    const out = await b.classify(Uint16Array.of(1, 5, 9, 200), [5, 100]);
    expect(Array.from(out)).toEqual([0, 1, 1, 2]);
    await b.dispose();
  });

  it('rejects an unknown choice', async () => {
    await expect(createBackend('tpu' as never)).rejects.toThrow(/unknown backend/);
  });
});
