/**
 * The QC assessment on hand-made label/grey volumes whose faults are known: each check fails exactly
 * when its fault is present, and the phantoms the segmentation handles come out 'high'.
 */
import { describe, expect, it } from 'vitest';
import { assessQuality, QC_LIMITS, type QcInputs } from '../../src/segment/qc.js';
import { MemoryStore } from '../../src/segment/store.js';
import { segment } from '../../src/segment/index.js';
import { generatePhantom } from '../../src/synth/index.js';
import { Rng } from '../../src/synth/rng.js';
import type { Shape3 } from '../../src/io/volume.js';
import { testBackend } from './backend.js';

const SHAPE: Shape3 = [40, 32, 32];
const N = SHAPE[0] * SHAPE[1] * SHAPE[2];
const PLANE = SHAPE[1] * SHAPE[2];

/** collector (z < 6) | Li (6..14) | electrolyte (≥ 14), grey = phase level + Gaussian noise σ. */
function layered(levels: Record<number, number>, sigma: number, seed = 1): { grey: Float32Array; labels: Uint8Array } {
  const rng = new Rng(seed, 'qc');
  const grey = new Float32Array(N);
  const labels = new Uint8Array(N);
  for (let i = 0; i < N; i++) {
    const z = Math.floor(i / PLANE);
    const l = z < 6 ? 3 : z < 14 ? 1 : 2;
    labels[i] = l;
    grey[i] = levels[l] + sigma * rng.normal();
  }
  return { grey, labels };
}

function inputs(grey: Float32Array, labels: Uint8Array, fallbackVoxels = 0): QcInputs {
  let lo = Infinity, hi = -Infinity;
  for (const g of grey) { lo = Math.min(lo, g); hi = Math.max(hi, g); }
  return {
    store: new MemoryStore(grey, SHAPE, labels),
    greyRange: { lo, hi },
    layout: { name: 'anode-free', normal_axis: 'z', source: 'detected', collector: 'carbon', electrodes: 1, evidence: {} },
    fieldOfView: { detected: false, axis: null, fill: null, masked_fraction: 0, evidence: {} },
    fallbackVoxels,
    adjacentPairs: [[0, 1], [1, 2], [1, 3]],
  };
}

const check = (q: Awaited<ReturnType<typeof assessQuality>>, name: string) => q.checks.find((c) => c.name === name)!;

describe('QC assessment', () => {
  const LEVELS = { 1: 2200, 2: 9000, 3: 5500 };

  it('a clean layered cell is high confidence', async () => {
    const { grey, labels } = layered(LEVELS, 300);
    const q = await assessQuality(inputs(grey, labels));
    expect(q.confidence).toBe('high');
    expect(q.warnings).toEqual([]);
    // interior means recover the levels; separation Li | electrolyte = 6800 / 300
    expect(q.contrast.phase_means['2']).toBeCloseTo(9000, -1);
    expect(check(q, 'separation_li_electrolyte').value as number).toBeGreaterThan(20);
    expect(check(q, 'fragmentation').value as number).toBeCloseTo((2 * 2 * PLANE) / N, 3); // two interfaces, a voxel each side
  });

  it('two materials under one label fail the unimodal check', async () => {
    const { grey, labels } = layered(LEVELS, 300);
    // a steel plunger (30000) in the electrolyte label over the last 8 slices
    for (let i = 32 * PLANE; i < N; i++) grey[i] = 30000 + 300 * Math.sin(i);
    const q = await assessQuality(inputs(grey, labels));
    expect(check(q, 'unimodal_electrolyte').ok).toBe(false);
    expect(q.confidence).toBe('low');
    expect(q.warnings.join(' ')).toMatch(/electrolyte label holds two grey populations/);
  });

  it('labels of noise fail the fragmentation check', async () => {
    const rng = new Rng(3, 'noise');
    const grey = new Float32Array(N);
    const labels = new Uint8Array(N);
    for (let i = 0; i < N; i++) {
      grey[i] = rng.uniform(0, 1000);
      labels[i] = grey[i] < 500 ? 0 : 2;
    }
    const q = await assessQuality(inputs(grey, labels));
    expect(check(q, 'fragmentation').value as number).toBeGreaterThan(QC_LIMITS.fragmentation);
    expect(check(q, 'fragmentation').ok).toBe(false);
  });

  it('phases whose grey levels overlap fail the separation check', async () => {
    const { grey, labels } = layered({ 1: 2200, 2: 2500, 3: 5500 }, 300);
    const q = await assessQuality(inputs(grey, labels));
    expect(check(q, 'separation_li_electrolyte').ok).toBe(false);
    expect(q.contrast.min_separation!).toBeLessThan(QC_LIMITS.separation);
  });

  it('fallback decisions above the limit and missing electrolyte lower the confidence', async () => {
    const { grey, labels } = layered(LEVELS, 300);
    const q = await assessQuality(inputs(grey, labels, Math.ceil(0.06 * N)));
    expect(check(q, 'fallback').ok).toBe(false);
    for (let i = 14 * PLANE; i < N; i++) labels[i] = 1;
    const q2 = await assessQuality(inputs(grey, labels));
    expect(check(q2, 'electrolyte').ok).toBe(false);
  });

  it('outside-cell (5) and field-of-view (255) voxels are not analysed', async () => {
    const { grey, labels } = layered(LEVELS, 300);
    const ref = await assessQuality(inputs(grey, labels));
    const g2 = Float32Array.from(grey), l2 = Uint8Array.from(labels);
    for (let i = 0; i < N; i++) if (i % 32 < 4) { l2[i] = 255; g2[i] = 0; }
    const q = await assessQuality(inputs(g2, l2));
    expect(q.confidence).toBe('high');
    expect(q.contrast.phase_means['3']).toBeCloseTo(ref.contrast.phase_means['3']!, -1);
  });

  it('the phantoms the default segmentation handles are high confidence', async () => {
    const backend = await testBackend();
    for (const preset of ['plated', 'foil'] as const) {
      const p = generatePhantom({ preset, seed: 1, shape: preset === 'foil' ? [200, 64, 64] : [160, 64, 64] });
      const res = await segment(p.scan, { backend, mode: 'phases', method: 'otsu' });
      expect(res.report.qc?.confidence, `${preset}: ${res.report.qc?.warnings.join('; ')}`).toBe('high');
      expect(res.report.qc?.layout.name).toBe(preset === 'foil' ? 'li-foil' : 'anode-free');
    }
  });
});
