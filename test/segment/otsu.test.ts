import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { multiOtsu, multiOtsuBruteForce, fitGmm, densityCrossing, segment, writeSegmentation } from '../../src/segment/index.js';
import { loadVolume } from '../../src/io/open.js';
import { makeVolume } from '../../src/io/volume.js';
import { testBackend } from './backend.js';

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

describe('multi-Otsu DP', () => {
  it('equals brute force on random histograms (K = 2..4, with empty bins)', () => {
    const r = rng(5);
    for (let trial = 0; trial < 60; trial++) {
      const B = 5 + Math.floor(r() * 40);
      const counts = Array.from({ length: B }, () => (r() < 0.25 ? 0 : Math.floor(r() * 100)));
      counts[0] ||= 1;
      for (const K of [2, 3, 4]) {
        if (counts.filter((c) => c > 0).length <= K) continue;
        const dp = multiOtsu(counts, K);
        const bf = multiOtsuBruteForce(counts, K);
        expect(dp.betweenVariance).toBeCloseTo(bf.betweenVariance, 8);
        expect(dp.lastBin).toEqual(bf.lastBin);
      }
    }
  });
  // its time against scikit-image: scripts/bench/otsu.ts
  it('65536 bins, K = 5: one threshold in the gap between each pair of modes', () => {
    const counts = new Float64Array(65536);
    const means = [3000, 12000, 20000, 40000, 52000];
    for (let i = 0; i < 65536; i++) for (const m of means) counts[i] += 1e5 * Math.exp(-0.5 * ((i - m) / 900) ** 2);
    const res = multiOtsu(counts, 5);
    for (let k = 0; k < 4; k++) expect(res.lastBin[k]).toBeGreaterThan(means[k] + 1000), expect(res.lastBin[k]).toBeLessThan(means[k + 1] - 1000);
  });
});

describe('GMM on a histogram', () => {
  it('recovers two components and their density crossing', () => {
    const xs = Array.from({ length: 400 }, (_, i) => i);
    const counts = xs.map((x) => 3000 * Math.exp(-0.5 * ((x - 100) / 15) ** 2) + 1000 * Math.exp(-0.5 * ((x - 250) / 30) ** 2));
    const fit = fitGmm(xs, counts, [{ weight: 0.5, mean: 80, std: 30 }, { weight: 0.5, mean: 300, std: 30 }]);
    expect(fit.components[0].mean).toBeCloseTo(100, 0);
    expect(fit.components[1].mean).toBeCloseTo(250, 0);
    const x = densityCrossing(fit.components[0], fit.components[1])!;
    const d = (c: { weight: number; mean: number; std: number }) => (c.weight / c.std) * Math.exp(-0.5 * ((x - c.mean) / c.std) ** 2);
    expect(Math.abs(d(fit.components[0]) - d(fit.components[1]))).toBeLessThan(1e-6);
  });
});

describe('writeSegmentation', () => {
  it('writes labels.tif with the voxel size and segment.json', async () => {
    const shape: [number, number, number] = [8, 16, 16];
    const data = new Uint16Array(8 * 16 * 16);
    for (let i = 0; i < data.length; i++) data[i] = (i % 16 < 8 ? 1000 : 5000) + (i % 7) * 10;
    const scan = makeVolume(data, shape, [2, 1.5, 1.5]);
    const res = await segment(scan, { backend: await testBackend(), mode: 'classes', classes: 2, method: 'gmm' });
    const dir = mkdtempSync(path.join(os.tmpdir(), 'seg-'));
    const files = await writeSegmentation(dir, res, scan);
    const back = await loadVolume(files.labels);
    expect(back.dtype).toBe('uint8');
    expect(back.spacing).toEqual([2, 1.5, 1.5]);
    expect(Buffer.from(back.data.buffer, back.data.byteOffset, back.data.byteLength).equals(Buffer.from(res.labels))).toBe(true);
    const json = JSON.parse(readFileSync(files.json, 'utf8'));
    expect(json.method).toBe('gmm');
    expect(json.thresholds.length).toBe(1);
    expect(json.phase_fractions['0']).toBeCloseTo(0.5, 6);
  });
});
