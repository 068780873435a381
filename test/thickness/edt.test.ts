import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadVolume } from '../../src/io/open.js';
import { distanceTransformLabel, distanceTransformMask, summarizeDistance } from '../../src/thickness/edt.js';
import { fhLine } from '../../src/thickness/edt-kernel.js';
import { SHARED_DATA, missingAny, missingFiles, requireAvailable } from '../helpers.js';
import { missingScipy, scipyEdt } from './scipy.js';

/** Brute-force reference for tiny volumes. */
function bruteEdt(mask: Uint8Array, shape: [number, number, number], sp: [number, number, number]): Float64Array {
  const [nz, ny, nx] = shape;
  const out = new Float64Array(mask.length);
  const bg: number[][] = [];
  for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) if (!mask[(k * ny + j) * nx + i]) bg.push([k, j, i]);
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const idx = (k * ny + j) * nx + i;
        if (!mask[idx]) continue;
        let best = Infinity;
        for (const [a, b, c] of bg) best = Math.min(best, ((a - k) * sp[0]) ** 2 + ((b - j) * sp[1]) ** 2 + ((c - i) * sp[2]) ** 2);
        out[idx] = Math.sqrt(best);
      }
  return out;
}

function maxRelError(ours: Float32Array, ref: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < ref.length; i++) {
    const a = ours[i];
    const b = ref[i];
    if (b === 0) {
      if (a !== 0) return Infinity;
      continue;
    }
    worst = Math.max(worst, Math.abs(a - b) / b);
  }
  return worst;
}

describe('exact EDT', () => {
  it('1D lower envelope matches brute force, with infinite samples', () => {
    const f = new Float64Array([Infinity, 4, Infinity, Infinity, 0, Infinity, 9, 1, Infinity]);
    const d = new Float64Array(f.length);
    fhLine(f, 0, d, 0, f.length, 1.5);
    for (let p = 0; p < f.length; p++) {
      let best = Infinity;
      for (let q = 0; q < f.length; q++) best = Math.min(best, (1.5 * (p - q)) ** 2 + f[q]);
      expect(d[p]).toBeCloseTo(best, 9);
    }
    const allInf = new Float64Array(4).fill(Infinity);
    fhLine(allInf, 0, d, 0, 4, 1);
    expect([...d.subarray(0, 4)]).toEqual([Infinity, Infinity, Infinity, Infinity]);
  });

  it('equals brute force on random small volumes (anisotropic, region touching the border)', async () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    for (const shape of [[5, 7, 9], [1, 6, 11], [9, 1, 4], [6, 8, 3]] as [number, number, number][]) {
      for (const sp of [[1, 1, 1], [2, 1, 1], [0.7, 1.3, 2.1]] as [number, number, number][]) {
        const n = shape[0] * shape[1] * shape[2];
        const mask = new Uint8Array(n);
        for (let i = 0; i < n; i++) mask[i] = rnd() < 0.8 ? 1 : 0;
        mask[0] = 0;
        const ours = await distanceTransformMask(mask, shape, { spacing: sp, threads: 1 });
        const ref = bruteEdt(mask, shape, sp);
        expect(maxRelError(ours.distance, ref)).toBeLessThan(1e-6);
      }
    }
  });

  it('a volume with no background gives +Infinity and flags it', async () => {
    const r = await distanceTransformLabel(new Uint8Array(24).fill(3), [2, 3, 4], 3);
    expect(r.noBackground).toBe(true);
    expect(r.distance.every((v) => v === Infinity)).toBe(true);
    expect(summarizeDistance(r.distance, new Uint8Array(24).fill(3), 3).no_background).toBe(true);
  });

  it('parallel workers give the same result as one thread', async () => {
    const shape: [number, number, number] = [40, 50, 60];
    const n = 40 * 50 * 60;
    const mask = new Uint8Array(n);
    for (let k = 0; k < 40; k++)
      for (let j = 0; j < 50; j++)
        for (let i = 0; i < 60; i++) mask[(k * 50 + j) * 60 + i] = Math.sin(k / 5) + Math.cos(j / 7) * Math.sin(i / 4) > 0.2 ? 1 : 0;
    const one = await distanceTransformMask(mask, shape, { spacing: [1.5, 1, 0.5], threads: 1 });
    const many = await distanceTransformMask(mask, shape, { spacing: [1.5, 1, 0.5], threads: 2, parallelMinVoxels: 0 });
    expect(many.threads).toBe(2);
    expect(maxRelError(many.distance, one.distance)).toBe(0);
  });
});

/** SciPy runs take seconds each at 256³: one isotropic and one anisotropic case per volume. */
const cases: Array<{ file: string; label: number; spacing: [number, number, number] }> = [
  { file: path.join(SHARED_DATA, 'taufactor', 'electrode.tiff'), label: 170, spacing: [1, 1, 1] },
  { file: path.join(SHARED_DATA, 'taufactor', 'electrode.tiff'), label: 0, spacing: [2, 1, 1] },
  { file: path.join(SHARED_DATA, 'matbox', 'nmc-1-cal_generatedCBD_bridge.tif'), label: 1, spacing: [2, 1, 1] },
  { file: path.join(SHARED_DATA, 'matbox', 'nmc-1-cal_generatedCBD_bridge.tif'), label: 0, spacing: [1, 1, 1] },
];

describe('EDT equals SciPy distance_transform_edt on real volumes', () => {
  for (const { file, label, spacing } of cases) {
    it(`${path.basename(file)} label ${label} spacing ${spacing.join(',')}`, async (ctx) => {
      requireAvailable(ctx, missingAny(missingScipy, missingFiles(file)));
      const v = await loadVolume(file);
      const ours = await distanceTransformLabel(v.data, v.shape, label, { spacing });
      const ref = scipyEdt(file, label, spacing);
      const err = maxRelError(ours.distance, ref.distance);
      console.log(`EDT vs SciPy ${path.basename(file)} label ${label} spacing ${spacing.join(',')}: max rel error ${err.toExponential(2)}`);
      expect(err).toBeLessThanOrEqual(1e-4);
    });
  }
});

describe('EDT equals committed SciPy fixtures (crops, no Python needed)', () => {
  const dir = path.join(import.meta.dirname, '..', 'fixtures', 'scipy');
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
    crops: Array<{ name: string; shape: [number, number, number]; cases: Array<{ label: number; spacing: [number, number, number]; file: string }> }>;
  };
  for (const crop of manifest.crops) {
    it(`${crop.name}: ${crop.cases.length} label/spacing cases`, async () => {
      const raw = readFileSync(path.join(dir, `${crop.name}.u8`));
      const data = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
      for (const c of crop.cases) {
        const b = readFileSync(path.join(dir, c.file));
        const ref = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
        const ours = await distanceTransformLabel(data, crop.shape, c.label, { spacing: c.spacing, threads: 1 });
        expect(maxRelError(ours.distance, ref), `${c.file}`).toBeLessThanOrEqual(1e-4);
      }
    });
  }
});
