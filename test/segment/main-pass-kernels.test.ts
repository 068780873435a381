/**
 * The passes moved off the calling thread (issue #20 point 1) give bit-identical numbers on the
 * workers: label statistics, slice class fractions and the stack-normal column sums of a phantom,
 * computed with the cpu backend's workers and on the calling thread, against each other and against
 * a plain raster loop written here (the independent count).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../src/compute/index.js';
import type { ComputeBackend } from '../../src/compute/types.js';
import type { Shape3 } from '../../src/io/volume.js';
import { generatePhantom } from '../../src/synth/index.js';
import { detectStackAxis } from '../../src/segment/axis.js';
import { labelStats } from '../../src/segment/common.js';
import { sliceFractions } from '../../src/segment/phases/class-stats.js';
import { MemoryStore } from '../../src/segment/store.js';

const pool = createBackend('cpu', { workers: 3 });
afterAll(async () => (await pool).dispose());

/** The backend with its module tasks counted (proof that the split ran). */
function counting(b: ComputeBackend): { backend: ComputeBackend; calls: () => number } {
  let n = 0;
  const backend = Object.create(b, {
    runModuleTasks: { value: (m: string, name: string, args: readonly object[]) => { n += args.length; return b.runModuleTasks!(m, name, args); } },
  }) as ComputeBackend;
  return { backend, calls: () => n };
}

/** A plated phantom's scan (uint16) and true labels, on shared memory as the segmentation holds them. */
function phantom(shape: Shape3) {
  const p = generatePhantom({ preset: 'plated', seed: 11, shape });
  const grey = new Uint16Array(new SharedArrayBuffer(2 * p.scan.data.length));
  grey.set(p.scan.data as Uint16Array);
  const labels = new Uint8Array(new SharedArrayBuffer(p.labels.data.length));
  labels.set(p.labels.data as Uint8Array);
  return { grey, labels };
}

describe('main-thread passes on the workers', () => {
  it('labelStats: counts and grey means per label equal the calling thread and a raster loop', async () => {
    const shape: Shape3 = [72, 64, 64];
    const { grey, labels } = phantom(shape);
    const c = counting(await pool);
    const split = await labelStats(new MemoryStore(grey, shape, labels), 4, 5, c.backend);
    expect(c.calls(), 'slabs on the workers').toBeGreaterThan(2);
    const serial = await labelStats(new MemoryStore(grey, shape, labels), 4, 5);
    expect(split).toEqual(serial);
    const counts = new Float64Array(256), sums = new Float64Array(256);
    for (let i = 0; i < labels.length; i++) {
      counts[labels[i]]++;
      sums[labels[i]] += grey[i];
    }
    for (const l of [0, 1, 2, 3]) if (counts[l]) expect(split.meansByLabel[String(l)]).toBe(sums[l] / counts[l]);
    expect(counts[1]).toBeGreaterThan(1000); // a Li layer to measure
  });

  it('sliceFractions: per-slice class fractions equal the calling thread and a raster loop', async () => {
    const shape: Shape3 = [72, 64, 64];
    const { grey } = phantom(shape);
    const ts = [9000.5, 20000.25, 40000];
    const c = counting(await pool);
    const split = await sliceFractions(new MemoryStore(grey, shape), ts, 4, c.backend);
    expect(c.calls()).toBeGreaterThan(2);
    const serial = await sliceFractions(new MemoryStore(grey, shape), ts, 4);
    expect(split).toEqual(serial);
    const plane = shape[1] * shape[2];
    const f32 = ts.map((t) => Math.fround(t));
    for (const z of [0, 20, 40, 71]) {
      const n = [0, 0, 0, 0];
      for (let i = z * plane; i < (z + 1) * plane; i++) {
        let k = 0;
        while (k < 3 && grey[i] >= f32[k]) k++;
        n[k]++;
      }
      for (let k = 0; k < 4; k++) expect(split[k][z]).toBe(n[k] / plane);
    }
  });

  it('detectStackAxis: column sums, scores and ratio equal the calling thread (rows split over the workers)', async () => {
    // ≥ 2^20 voxels per read: the row split engages
    const shape: Shape3 = [96, 112, 112];
    const { grey } = phantom(shape);
    const c = counting(await pool);
    const split = await detectStackAxis(grey, shape, null, c.backend);
    expect(c.calls()).toBeGreaterThan(2);
    const serial = await detectStackAxis(grey, shape, null);
    expect(split.axis).toBe('z');
    expect(split.scores).toEqual(serial.scores);
    expect(split.ratio).toBe(serial.ratio);
    expect(Buffer.compare(Buffer.from(split.columnsZ.s1.buffer.slice(0)), Buffer.from(serial.columnsZ.s1.buffer.slice(0)))).toBe(0);
    expect(Buffer.compare(Buffer.from(split.columnsZ.s2.buffer.slice(0)), Buffer.from(serial.columnsZ.s2.buffer.slice(0)))).toBe(0);
    // a column's sum by a plain loop
    const [nz, ny, nx] = shape;
    const p = 57 * nx + 33;
    let s = 0;
    for (let z = 0; z < nz; z++) s += grey[z * ny * nx + p];
    expect(split.columnsZ.s1[p]).toBe(s);
  });
});
