import { describe, expect, it } from 'vitest';
import { localThickness, summarizeLocalThickness } from '../../src/thickness/local-thickness.js';
import { rasterBalls } from '../../src/thickness/local-thickness-kernel.js';

type Shape = [number, number, number];

function volume(shape: Shape, inside: (z: number, y: number, x: number) => boolean): Uint8Array {
  const [nz, ny, nx] = shape;
  const out = new Uint8Array(nz * ny * nx);
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) out[(k * ny + j) * nx + i] = inside(k, j, i) ? 1 : 0;
  return out;
}

/** Median and max of the local thickness over voxels where `interior` holds. */
function statsWhere(t: Float32Array, shape: Shape, interior: (z: number, y: number, x: number) => boolean) {
  const [nz, ny, nx] = shape;
  const v: number[] = [];
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) if (interior(k, j, i)) v.push(t[(k * ny + j) * nx + i]);
  v.sort((a, b) => a - b);
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return { median: v[Math.floor(v.length / 2)], max: v[v.length - 1], mean, min: v[0] };
}

describe('local thickness (Hildebrand–Rüegsegger)', () => {
  for (const R of [5, 10]) {
    it(`ball of radius ${R} → 2R ± 1`, async () => {
      const n = 2 * R + 7;
      const shape: Shape = [n, n, n];
      const c = (n - 1) / 2;
      const inBall = (z: number, y: number, x: number) => (z - c) ** 2 + (y - c) ** 2 + (x - c) ** 2 <= R * R;
      const data = volume(shape, inBall);
      const r = await localThickness(data, shape, 1, { threads: 1 });
      const s = statsWhere(r.thickness, shape, (z, y, x) => (z - c) ** 2 + (y - c) ** 2 + (x - c) ** 2 <= (R / 2) ** 2);
      console.log(`ball R=${R}: interior median ${s.median}, mean ${s.mean.toFixed(3)}, max ${s.max}`);
      expect(Math.abs(s.median - 2 * R)).toBeLessThanOrEqual(1);
      expect(Math.abs(s.mean - 2 * R)).toBeLessThanOrEqual(1);
      expect(Math.abs(s.max - 2 * R)).toBeLessThanOrEqual(1);
      // every phase voxel gets a thickness, nothing outside does
      for (let i = 0; i < data.length; i++) expect(r.thickness[i] > 0).toBe(data[i] === 1);
    });
  }
  for (const t of [8, 15]) {
    it(`plate of thickness ${t} → t ± 1 (anisotropic voxels too)`, async () => {
      const shape: Shape = [t + 8, 40, 40];
      const z0 = 4;
      const data = volume(shape, (z) => z >= z0 && z < z0 + t);
      const r = await localThickness(data, shape, 1, { threads: 1 });
      const s = statsWhere(r.thickness, shape, (z) => z >= z0 && z < z0 + t);
      console.log(`plate t=${t}: median ${s.median}, mean ${s.mean.toFixed(3)}, max ${s.max}, min ${s.min}`);
      expect(Math.abs(s.median - t)).toBeLessThanOrEqual(1);
      expect(Math.abs(s.max - t)).toBeLessThanOrEqual(1);
      // same plate, 2 µm voxels along z and 0.5 µm in-plane: thickness in µm
      const r2 = await localThickness(data, shape, 1, { threads: 1, spacing: [2, 0.5, 0.5] });
      const s2 = statsWhere(r2.thickness, shape, (z) => z >= z0 && z < z0 + t);
      expect(Math.abs(s2.median - 2 * t)).toBeLessThanOrEqual(2);
    });
  }
  for (const R of [5, 10]) {
    it(`cylinder of radius ${R} → 2R ± 1`, async () => {
      const n = 2 * R + 7;
      const shape: Shape = [24, n, n];
      const c = (n - 1) / 2;
      const data = volume(shape, (_z, y, x) => (y - c) ** 2 + (x - c) ** 2 <= R * R);
      const r = await localThickness(data, shape, 1, { threads: 1 });
      const s = statsWhere(r.thickness, shape, (_z, y, x) => (y - c) ** 2 + (x - c) ** 2 <= (R / 2) ** 2);
      console.log(`cylinder R=${R}: interior median ${s.median}, mean ${s.mean.toFixed(3)}, max ${s.max}`);
      expect(Math.abs(s.median - 2 * R)).toBeLessThanOrEqual(1);
      expect(Math.abs(s.max - 2 * R)).toBeLessThanOrEqual(1);
    });
  }
  it('parallel ball rasterisation equals one thread', async () => {
    const shape: Shape = [48, 48, 48];
    const data = volume(shape, (z, y, x) => Math.sin(z / 4) + Math.sin(y / 5) * Math.cos(x / 3) > 0.3);
    const one = await localThickness(data, shape, 1, { threads: 1 });
    const two = await localThickness(data, shape, 1, { threads: 2, parallelMinVoxels: 0 });
    expect(two.threads).toBe(2);
    expect(two.ridgeVoxels).toBe(one.ridgeVoxels); // the ridge found on the workers' z ranges
    expect(Buffer.from(two.thickness.buffer).equals(Buffer.from(one.thickness.buffer))).toBe(true);
    const s = summarizeLocalThickness(one.thickness, data, 1, one.ridgeVoxels);
    expect(s.max_um).toBeGreaterThan(0);
    expect(s.histogram.counts.reduce((a, b) => a + b, 0)).toBe(s.voxels);
  });
  it('the ridge-pruned result equals every voxel ball (brute force), anisotropic too', async () => {
    const shape: Shape = [20, 22, 26];
    const data = volume(shape, (z, y, x) => Math.sin(z / 3) + Math.sin(y / 4) * Math.cos(x / 2.5) > 0.1);
    for (const spacing of [[1, 1, 1], [2, 1, 1], [1.7, 0.6, 1.3]] as [number, number, number][]) {
      const r = await localThickness(data, shape, 1, { threads: 1, spacing });
      const all: number[] = [];
      for (let i = 0; i < data.length; i++) if (data[i] === 1) all.push(i);
      const radii = Float32Array.from(all, (i) => r.distance[i]);
      const brute = new Float32Array(data.length);
      rasterBalls(brute, data, 1, shape, spacing, Int32Array.from(all), radii, 0, shape[0]);
      expect(r.ridgeVoxels).toBeLessThan(all.length / 2);
      let diff = 0;
      for (let i = 0; i < data.length; i++) diff = Math.max(diff, Math.abs(brute[i] - r.thickness[i]));
      expect(diff).toBe(0);
    }
  });
});

