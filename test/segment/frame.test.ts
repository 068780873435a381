/**
 * The segmentation's frame: field-of-view detection, stack-normal detection, the permutation to the
 * working frame and back, and the labels of a permuted / masked phantom against the z phantom's.
 */
import { describe, expect, it } from 'vitest';
import { detectFieldOfView } from '../../src/segment/fov.js';
import { detectStackAxis } from '../../src/segment/axis.js';
import { fromCanonical, nearestUnmasked, toCanonical } from '../../src/segment/orient.js';
import { segment } from '../../src/segment/index.js';
import { generatePhantom } from '../../src/synth/index.js';
import { Rng } from '../../src/synth/rng.js';
import type { Shape3 } from '../../src/io/volume.js';
import { testBackend } from './backend.js';
import { dice } from './metrics.js';

const outsideDisc = (y: number, x: number, ny: number, nx: number) => (x + 0.5 - nx / 2) ** 2 + (y + 0.5 - ny / 2) ** 2 > (Math.min(nx, ny) / 2) ** 2;

describe('permutation to the working frame', () => {
  const shape: Shape3 = [5, 6, 7];
  const src = Uint16Array.from({ length: 5 * 6 * 7 }, (_, i) => i);
  it('normal x: C[k][z][y] = V[z][y][k], and back', () => {
    const c = toCanonical(src, shape, 'x');
    // V[z=2][y=3][x=4] → C[4][2][3] in shape [7, 5, 6]
    expect(c[(4 * 5 + 2) * 6 + 3]).toBe(src[(2 * 6 + 3) * 7 + 4]);
    expect(Array.from(fromCanonical(c, shape, 'x'))).toEqual(Array.from(src));
  });
  it('normal y: C[k][z][x] = V[z][k][x], and back', () => {
    const c = toCanonical(src, shape, 'y');
    expect(c[(3 * 5 + 2) * 7 + 4]).toBe(src[(2 * 6 + 3) * 7 + 4]);
    expect(Array.from(fromCanonical(c, shape, 'y'))).toEqual(Array.from(src));
  });
  it('nearest unmasked pixel', () => {
    const mask = Uint8Array.from([1, 1, 0, 0, 1, 1, 1, 1, 1]); // 3×3, pixels 2 and 3 unmasked
    const near = nearestUnmasked(mask, 3, 3);
    expect(Array.from(near)).toEqual([3, 2, 2, 3, 2, 2, 3, 3, 2].map((v, i) => (mask[i] ? v : i)));
  });
});

describe('field of view', () => {
  const shape: Shape3 = [20, 40, 48];
  const [nz, ny, nx] = shape;
  const rng = new Rng(5, 'fov');
  const base = () => Float32Array.from({ length: nz * ny * nx }, () => 1000 + 300 * rng.normal());

  for (const fill of [0, -1.5, NaN]) {
    it(`disc along z filled with ${fill} is found and its mask is the disc's outside`, async () => {
      const g = base();
      let outside = 0;
      for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) if (outsideDisc(y, x, ny, nx)) { g[(z * ny + y) * nx + x] = fill; if (z === 0) outside++; }
      const fov = await detectFieldOfView(g, shape);
      expect(fov.detected).toBe(true);
      expect(fov.axis).toBe('z');
      expect(fov.fill).toBe(Number.isNaN(fill) ? 'nan' : fill);
      expect(fov.masked_fraction).toBeCloseTo(outside / (ny * nx), 6);
      for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) expect(fov.mask![y * nx + x]).toBe(outsideDisc(y, x, ny, nx) ? 1 : 0);
    });
  }

  it('a disc along x (stack along x) is found along x', async () => {
    const g = base();
    for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) if (outsideDisc(z, y, nz, ny)) g[(z * ny + y) * nx + x] = 0;
    const fov = await detectFieldOfView(g, shape);
    expect(fov.axis).toBe('x');
  });

  it('clipped air (zeros in a slab at one end) and plain noise are not a field of view', async () => {
    const g = base();
    for (let i = 0; i < 5 * ny * nx; i++) g[i] = 0; // first 5 slices clipped to 0
    expect((await detectFieldOfView(g, shape)).detected).toBe(false);
    // lab CT air at the offset with noise clipped at 0: a third of the voxels are exactly 0
    const h = Float32Array.from({ length: nz * ny * nx }, () => Math.max(0, 200 * rng.normal()));
    expect((await detectFieldOfView(h, shape)).detected).toBe(false);
  });
});

describe('segmentation in any frame', () => {
  it('stack along y and x, and inside a circular field of view, gives the z labels', async () => {
    const backend = await testBackend();
    const p = generatePhantom({ preset: 'plated', seed: 4, shape: [160, 64, 64] });
    const shape = p.scan.shape;
    const ref = await segment(p.scan, { backend, mode: 'phases', method: 'otsu' });
    expect(ref.report.qc?.layout.normal_axis).toBe('z');
    const [nz, ny, nx] = shape;
    for (const normal of ['y', 'x'] as const) {
      // the same cell with its stack along y (W[j][k][i] = V[k][j][i]) or x (W[j][i][k] = V[k][j][i])
      const inShape: Shape3 = normal === 'y' ? [ny, nz, nx] : [ny, nx, nz];
      const data = fromCanonical(p.scan.data, inShape, normal);
      expect(data[normal === 'y' ? (3 * nz + 100) * nx + 5 : (3 * nx + 5) * nz + 100]).toBe(p.scan.data[(100 * ny + 3) * nx + 5]);
      const res = await segment({ ...p.scan, data, shape: inShape }, { backend, mode: 'phases', method: 'otsu' });
      expect(res.report.qc?.layout.normal_axis).toBe(normal);
      expect(res.report.shape).toEqual(inShape);
      const back = toCanonical(res.labels, inShape, normal);
      let same = 0;
      for (let i = 0; i < back.length; i++) if (back[i] === ref.labels[i]) same++;
      expect(same / back.length, `normal ${normal}`).toBeGreaterThan(0.999);
    }
    // circular field of view (0 outside the inscribed disc)
    const data = Uint16Array.from(p.scan.data);
    const truth = Uint8Array.from(p.labels.data);
    for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) if (outsideDisc(y, x, ny, nx)) { data[(z * ny + y) * nx + x] = 0; truth[(z * ny + y) * nx + x] = 255; }
    const res = await segment({ ...p.scan, data }, { backend, mode: 'phases', method: 'otsu' });
    expect(res.report.qc?.field_of_view.detected).toBe(true);
    expect(res.report.qc?.confidence).toBe('high');
    expect(dice(res.labels, truth, 255)).toBe(1);
    expect(dice(res.labels, truth, 1)).toBeGreaterThan(0.97);
    expect(dice(res.labels, truth, 3)).toBeGreaterThan(0.97);
    // fractions exclude the masked voxels: Li fraction close to the unmasked reference's
    expect(res.report.excluded_fractions?.['255']).toBeCloseTo(1 - Math.PI / 4, 1);
    expect(Math.abs(res.report.phase_fractions['2'] - ref.report.phase_fractions['2'])).toBeLessThan(0.01);
    expect(res.report.li?.mean_thickness_um).toBeCloseTo(ref.report.li!.mean_thickness_um!, 0);
  });

  it('stack along y or x with inPlace: the labels and their copy back live in the scan\'s own memory, and equal a run that keeps the scan', async () => {
    const backend = await testBackend();
    const p = generatePhantom({ preset: 'plated', seed: 4, shape: [96, 48, 48] });
    const [nz, ny, nx] = p.scan.shape;
    for (const normal of ['y', 'x'] as const) {
      const inShape: Shape3 = normal === 'y' ? [ny, nz, nx] : [ny, nx, nz];
      const permuted = fromCanonical(p.scan.data as Uint16Array, inShape, normal);
      // the scan on shared memory, as segmentScan reads it
      const shared = () => { const d = new Uint16Array(new SharedArrayBuffer(permuted.byteLength)); d.set(permuted); return d; };
      const kept = shared();
      const ref = await segment({ ...p.scan, data: kept, shape: inShape }, { backend, mode: 'phases', method: 'otsu' });
      expect([...kept].every((v, i) => v === permuted[i]), 'the scan left as it was').toBe(true);
      const given = shared();
      const res = await segment({ ...p.scan, data: given, shape: inShape }, { backend, mode: 'phases', method: 'otsu', inPlace: true });
      expect(res.labels.buffer, `normal ${normal}: labels in the scan's buffer`).toBe(given.buffer);
      expect(res.labels.byteOffset).toBe(res.labels.length);
      expect(Buffer.from(res.labels).equals(Buffer.from(ref.labels)), `normal ${normal}: same labels`).toBe(true);
      expect(res.report.phase_fractions).toEqual(ref.report.phase_fractions);
    }
  });

  it('the stack normal is the axis whose slice means vary most', async () => {
    const p = generatePhantom({ preset: 'foil', seed: 2, shape: [200, 48, 48], noise: 1000 });
    const ax = await detectStackAxis(p.scan.data, p.scan.shape, null);
    expect(ax.axis).toBe('z');
    expect(ax.ratio).toBeGreaterThan(10);
  });
});
