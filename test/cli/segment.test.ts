import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { generatePhantom } from '../../src/synth/index.js';
import { writeTiff } from '../../src/io/tiff/index.js';
import { loadVolume } from '../../src/io/open.js';
import { cli, missingFiles, requireAvailable, tempDir } from '../helpers.js';
import { dice } from '../segment/metrics.js';

const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';

async function smallScan(): Promise<{ dir: string; scan: string; truth: Uint8Array }> {
  const dir = tempDir();
  const phantom = generatePhantom({ preset: 'plated', seed: 3, shape: [96, 64, 64] });
  const scan = path.join(dir, 'scan.tif');
  await writeTiff(scan, phantom.scan);
  return { dir, scan, truth: phantom.labels.data };
}

describe('buried segment (CLI)', () => {
  it('writes labels.tif with the voxel size and segment.json with backend, thresholds and memory', async () => {
    const { dir, scan, truth } = await smallScan();
    const out = path.join(dir, 'seg');
    const r = cli(['segment', scan, '-o', out, '--backend', 'cpu', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { backend: string; thresholds: number[]; memory: { peak_rss_bytes: number }; phase_fractions: Record<string, number> };
    expect(summary.backend).toMatch(/^cpu: 2 worker threads|^cpu: \d+ worker threads/);
    expect(summary.thresholds.length).toBeGreaterThanOrEqual(2);
    expect(summary.memory.peak_rss_bytes).toBeGreaterThan(0);
    const labels = await loadVolume(path.join(out, 'labels.tif'));
    expect(labels.dtype).toBe('uint8');
    expect(labels.spacing).toEqual([1.7, 1.7, 1.7]);
    const report = JSON.parse(readFileSync(path.join(out, 'segment.json'), 'utf8')) as { mode: string };
    expect(report.mode).toBe('phases');
    // the phantom truth: electrolyte and collector are easy, Li layer ~14 voxels thick
    expect(dice(labels.data as Uint8Array, truth, 2)).toBeGreaterThan(0.95);
    expect(dice(labels.data as Uint8Array, truth, 1)).toBeGreaterThan(0.93);
  });

  it('gpu backend (SwiftShader) gives the same generic-mode labels as cpu, and records it', async (ctx) => {
    requireAvailable(ctx, missingFiles(SWIFTSHADER));
    const { dir, scan } = await smallScan();
    const env = { VK_ICD_FILENAMES: SWIFTSHADER };
    const cpu = cli(['segment', scan, '-o', path.join(dir, 'cpu'), '--classes', '4', '--denoise', 'median', '--backend', 'cpu', '--json'], { env });
    const gpu = cli(['segment', scan, '-o', path.join(dir, 'gpu'), '--classes', '4', '--denoise', 'median', '--backend', 'gpu', '--json'], { env });
    expect(cpu.status, cpu.stderr).toBe(0);
    expect(gpu.status, gpu.stderr).toBe(0);
    expect((JSON.parse(gpu.stdout) as { backend: string }).backend).toMatch(/^gpu: WebGPU/);
    expect((JSON.parse(gpu.stdout) as { thresholds: number[] }).thresholds).toEqual((JSON.parse(cpu.stdout) as { thresholds: number[] }).thresholds);
    const a = await loadVolume(path.join(dir, 'cpu', 'labels.tif'));
    const b = await loadVolume(path.join(dir, 'gpu', 'labels.tif'));
    expect(Buffer.from(a.data.buffer).equals(Buffer.from(b.data.buffer))).toBe(true);
  });

  it('each bad option exits 2 with one line naming the option and value, writes nothing; the same command without it succeeds', async () => {
    // a valid scan, so that only the option can be the reason for exit 2
    const dir = tempDir();
    const scan = path.join(dir, 'scan.tif');
    await writeTiff(scan, generatePhantom({ preset: 'plated', seed: 3, shape: [96, 32, 32] }).scan);
    const out = path.join(dir, 'seg');
    const base = ['segment', scan, '-o', out, '--backend', 'cpu', '--denoise', 'none'];
    const bad: [string[], RegExp][] = [
      [['--backend', 'quantum'], /--backend must be one of auto, cpu, gpu, got 'quantum'/],
      [['--classes', '1'], /--classes must be an integer ≥ 2, got '1'/],
      [['--classes', '2.5'], /--classes must be an integer ≥ 2, got '2\.5'/],
      [['--classes', '17'], /--classes must be at most 16/],
      [['--method', 'kmeans'], /--method must be one of otsu, gmm, got 'kmeans'/],
      [['--denoise', 'bilateral'], /--denoise must be one of auto, none, median, gaussian, got 'bilateral'/],
      [['--denoise', 'gaussian', '--sigma', '0'], /--sigma must be a positive number of voxels, got '0'/],
      [['--li-contrast', 'grey'], /--li-contrast must be one of auto, dark, bright, got 'grey'/],
      [['--collector', 'gold'], /--collector must be one of auto, carbon, metal, none, got 'gold'/],
      [['--normal', 'w'], /--normal must be one of auto, z, y, x, got 'w'/],
      [['--field-of-view', 'square'], /--field-of-view must be one of auto, none, got 'square'/],
      [['--layout', 'pouch'], /--layout must be one of auto, anode-free, li-foil, symmetric, full-cell, got 'pouch'/],
      [['--min-island', '-1'], /--min-island must be an integer ≥ 0, got '-1'/],
    ];
    for (const [args, message] of bad) {
      const r = cli([...base, ...args]);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines, args.join(' ')).toHaveLength(1);
      expect(lines[0], args.join(' ')).toMatch(message);
      expect(existsSync(out), args.join(' ')).toBe(false);
    }
    const ok = cli(base);
    expect(ok.status, ok.stderr).toBe(0);
    expect(existsSync(path.join(out, 'labels.tif'))).toBe(true);
  });

  it('a two-level (binary) scan in phase mode exits 2 with one line naming the file, no labels written', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'binary.tif');
    const data = Uint8Array.from({ length: 16 * 24 * 24 }, (_, i) => (i % 7 < 3 ? 0 : 255));
    await writeTiff(file, { data, shape: [16, 24, 24], dtype: 'uint8', spacing: [1, 1, 1] });
    const out = path.join(dir, 'out');
    const r = cli(['segment', file, '-o', out, '--backend', 'cpu']);
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('buried:') && !l.includes('note:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(file);
    expect(lines[0]).toMatch(/only 2 distinct grey levels/);
    expect(existsSync(path.join(out, 'labels.tif'))).toBe(false);
  });
});
