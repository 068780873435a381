import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTiff } from '../../src/io/tiff/index.js';
import { makeVolume, type Shape3, type Spacing3 } from '../../src/io/volume.js';
import { generatePhantom } from '../../src/synth/index.js';
import { distanceTransformLabel, summarizeDistance } from '../../src/thickness/edt.js';
import { localThickness, summarizeLocalThickness, type LocalThicknessStats } from '../../src/thickness/local-thickness.js';
import { arraySource, streamDistance, streamLocalThickness, type SlabSink } from '../../src/thickness/out-of-core.js';
import { histogram } from '../../src/thickness/stats.js';
import { cli, tempDir } from '../helpers.js';

/** Random overlapping spheres and ellipsoids: label 1 (the phase), 2 (another phase), 0. */
function blobs(shape: Shape3, seed: number): Uint8Array {
  const [nz, ny, nx] = shape;
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const out = new Uint8Array(nz * ny * nx);
  for (let b = 0; b < 40; b++) {
    const cz = rnd() * nz, cy = rnd() * ny, cx = rnd() * nx;
    const rz = 2 + rnd() * 9, ry = 2 + rnd() * 9, rx = 2 + rnd() * 9;
    const lab = rnd() < 0.75 ? 1 : 2;
    for (let k = 0; k < nz; k++)
      for (let j = 0; j < ny; j++)
        for (let i = 0; i < nx; i++) {
          if (((k - cz) / rz) ** 2 + ((j - cy) / ry) ** 2 + ((i - cx) / rx) ** 2 <= 1) out[(k * ny + j) * nx + i] = lab;
        }
  }
  return out;
}

/** A sink that gathers slabs into one volume and checks they arrive in order, each once. */
function collector(shape: Shape3): { data: Float32Array; sink: SlabSink } {
  const plane = shape[1] * shape[2];
  const data = new Float32Array(shape[0] * plane).fill(NaN);
  let next = 0;
  return {
    data,
    sink: (z0, d) => {
      expect(z0).toBe(next);
      expect(d.length % plane).toBe(0);
      data.set(d, z0 * plane);
      next = z0 + d.length / plane;
    },
  };
}

/** Index of the first float32 whose bits differ, or -1. */
function firstBitDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  const ua = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const ub = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < ua.length; i++) if (ua[i] !== ub[i]) return i;
  return -1;
}

/** The summary as it was written before the streamed (counted) form: sort all values, sum in order. */
function referenceLocalThicknessStats(thickness: Float32Array, labels: Uint8Array, label: number, ridgeVoxels: number): LocalThicknessStats {
  let count = 0;
  for (let i = 0; i < thickness.length; i++) if (labels[i] === label) count++;
  const values = new Float32Array(count);
  let c = 0;
  for (let i = 0; i < thickness.length; i++) if (labels[i] === label) values[c++] = thickness[i];
  values.sort();
  let sum = 0;
  for (let i = 0; i < count; i++) sum += values[i];
  const mean = count ? sum / count : 0;
  let v = 0;
  for (let i = 0; i < count; i++) v += (values[i] - mean) ** 2;
  return {
    label,
    voxels: count,
    mean_um: mean,
    std_um: count ? Math.sqrt(v / count) : 0,
    median_um: count ? values[Math.floor((count - 1) / 2)] : 0,
    max_um: count ? values[count - 1] : 0,
    ridge_voxels: ridgeVoxels,
    histogram: histogram(values, 50),
  };
}

interface Case {
  name: string;
  data: Uint8Array;
  shape: Shape3;
  spacing: Spacing3;
  label: number;
}

const cases: Case[] = [];
{
  const shape: Shape3 = [40, 50, 60];
  cases.push({ name: 'random blobs 40×50×60, spacing 1.5/1/0.8', data: blobs(shape, 7), shape, spacing: [1.5, 1, 0.8], label: 1 });
}
{
  const p = generatePhantom({ preset: 'plated', seed: 5, shape: [48, 40, 44] });
  cases.push({ name: 'plated phantom labels (Li)', data: p.labels.data as Uint8Array, shape: p.labels.shape, spacing: p.labels.spacing as Spacing3, label: 1 });
}

const forced: Array<{ slabSlices: number; rowBlock: number }> = [
  { slabSlices: 1, rowBlock: 1 },
  { slabSlices: 2, rowBlock: 7 },
  { slabSlices: 5, rowBlock: 1 },
  { slabSlices: 5, rowBlock: 7 },
];

describe('out-of-core distance transform and local thickness', () => {
  for (const c of cases) {
    describe(c.name, () => {
      it('distance: streamed slabs equal the in-memory EDT bit for bit, summary equal', async () => {
        const ref = await distanceTransformLabel(c.data, c.shape, c.label, { spacing: c.spacing, threads: 1 });
        const refSummary = summarizeDistance(ref.distance, c.data, c.label);
        for (const f of [...forced, { slabSlices: undefined, rowBlock: undefined }]) {
          const { data, sink } = collector(c.shape);
          const r = await streamDistance(arraySource(c.data, c.shape), c.label, { spacing: c.spacing, threads: 1, ...f, sink });
          expect(firstBitDifference(data, ref.distance), JSON.stringify(f)).toBe(-1);
          expect(r.summary).toEqual(refSummary);
          if (f.slabSlices) expect(r.plan.slabs).toBe(Math.ceil(c.shape[0] / f.slabSlices));
        }
      });

      it('local thickness: streamed slabs equal the in-memory result bit for bit, stats equal', async () => {
        const ref = await localThickness(c.data, c.shape, c.label, { spacing: c.spacing, threads: 1 });
        const refStats = summarizeLocalThickness(ref.thickness, c.data, c.label, ref.ridgeVoxels);
        // the counted summary equals the sort-everything one it replaced
        expect(refStats).toEqual(referenceLocalThicknessStats(ref.thickness, c.data, c.label, ref.ridgeVoxels));
        const refDistance = summarizeDistance(ref.distance, c.data, c.label);
        for (const f of [...forced, { slabSlices: undefined, rowBlock: undefined }]) {
          const t = collector(c.shape);
          const d = collector(c.shape);
          const r = await streamLocalThickness(arraySource(c.data, c.shape), c.label, {
            spacing: c.spacing,
            threads: 1,
            ...f,
            thicknessSink: t.sink,
            distanceSink: d.sink,
          });
          expect(firstBitDifference(d.data, ref.distance), `distance ${JSON.stringify(f)}`).toBe(-1);
          expect(firstBitDifference(t.data, ref.thickness), `thickness ${JSON.stringify(f)}`).toBe(-1);
          expect(r.ridgeVoxels).toBe(ref.ridgeVoxels);
          expect(r.stats).toEqual(refStats);
          expect(r.distance).toEqual(refDistance);
          expect(r.plan.halo_slices).toBe(Math.ceil(r.maxDistance / c.spacing[0]));
        }
      });
    });
  }

  it('worker threads (pool) give the same bits', async () => {
    const c = cases[0];
    const ref = await localThickness(c.data, c.shape, c.label, { spacing: c.spacing, threads: 1 });
    const t = collector(c.shape);
    const d = collector(c.shape);
    await streamLocalThickness(arraySource(c.data, c.shape), c.label, {
      spacing: c.spacing,
      threads: 2,
      parallelMinVoxels: 0,
      slabSlices: 9,
      rowBlock: 7,
      thicknessSink: t.sink,
      distanceSink: d.sink,
    });
    expect(firstBitDifference(d.data, ref.distance)).toBe(-1);
    expect(firstBitDifference(t.data, ref.thickness)).toBe(-1);
  });

  it('degenerate phases: absent label (all 0) and no background (+Infinity) match too', async () => {
    const shape: Shape3 = [6, 5, 4];
    for (const [fill, label] of [[0, 1], [1, 1]] as const) {
      const data = new Uint8Array(6 * 5 * 4).fill(fill);
      const ref = await localThickness(data, shape, label, { threads: 1 });
      const t = collector(shape);
      const d = collector(shape);
      const r = await streamLocalThickness(arraySource(data, shape), label, { threads: 1, slabSlices: 2, rowBlock: 2, thicknessSink: t.sink, distanceSink: d.sink });
      expect(firstBitDifference(d.data, ref.distance)).toBe(-1);
      expect(firstBitDifference(t.data, ref.thickness)).toBe(-1);
      expect(r.noBackground).toBe(ref.noBackground);
      expect(r.stats).toEqual(summarizeLocalThickness(ref.thickness, data, label, ref.ridgeVoxels));
      expect(r.distance).toEqual(summarizeDistance(ref.distance, data, label));
    }
  });

  it('CLI: --memory small enough to stream gives the same TIFFs and records the memory block', async () => {
    const c = cases[0];
    const dir = tempDir();
    const input = path.join(dir, 'labels.tif');
    await writeTiff(input, makeVolume(c.data, c.shape, c.spacing));
    interface Mem { peak_rss_bytes: number; budget_bytes: number; out_of_core: boolean; slab_slices: number }
    for (const cmd of ['distance', 'local-thickness'] as const) {
      const a = cli([cmd, input, '--label', '1', '-o', path.join(dir, `${cmd}-mem`), '--threads', '2', '--json']);
      const b = cli([cmd, input, '--label', '1', '-o', path.join(dir, `${cmd}-ooc`), '--threads', '2', '--memory', '64M', '--json']);
      expect(a.status, a.stderr).toBe(0);
      expect(b.status, b.stderr).toBe(0);
      const ja = JSON.parse(a.stdout) as Record<string, unknown> & { memory: Mem };
      const jb = JSON.parse(b.stdout) as Record<string, unknown> & { memory: Mem };
      expect(ja.memory.out_of_core).toBe(false);
      expect(jb.memory.out_of_core).toBe(true);
      expect(jb.memory.budget_bytes).toBe(64 * 2 ** 20);
      expect(jb.memory.slab_slices).toBe(1);
      expect(jb.memory.peak_rss_bytes).toBeGreaterThan(0);
      const json = cmd === 'distance' ? 'distance.json' : 'local_thickness.json';
      expect((JSON.parse(readFileSync(path.join(dir, `${cmd}-ooc`, json), 'utf8')) as { memory: Mem }).memory.out_of_core).toBe(true);
      const files = cmd === 'distance' ? ['distance_um.tif'] : ['distance_um.tif', 'local_thickness_um.tif'];
      for (const f of files) expect(readFileSync(path.join(dir, `${cmd}-ooc`, f)).equals(readFileSync(path.join(dir, `${cmd}-mem`, f))), f).toBe(true);
      for (const k of ['voxels', 'max_um', 'mean_um', 'volume_fraction', 'std_um', 'median_um', 'ridge_voxels', 'histogram']) expect(jb[k], k).toEqual(ja[k]);
    }
  });
});
