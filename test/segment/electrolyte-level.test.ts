/**
 * Step 9's local electrolyte level (phases/electrolyte-level.ts): the interpolation against the
 * closed form of a linear field, the field recovered from samples of a known cupping + drift field
 * with noise and pores, a flat field giving the global rule's threshold, and empty cells filled.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/compute/rng.js';
import { electrolyteLevelGrid, gridDims, gridValueAt, LevelRows } from '../../src/segment/phases/electrolyte-level.js';
import { median as medianOf } from '../../src/segment/phases/class-stats.js';

/** Standard normal deviates (Box–Muller) from a seeded uniform generator. */
function gaussian(seed: number): () => number {
  const r = mulberry32(seed);
  return () => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

const shape: [number, number, number] = [40, 60, 60];
const [nz, ny, nx] = shape;

/** Every `stride`-th voxel's grey from `field` + noise σ; a fraction `pores` of them 3000 darker. */
function samples(field: (z: number, y: number, x: number) => number, sigma: number, pores: number, stride: number, keep: (z: number) => boolean = () => true) {
  const n = Math.ceil((nz * ny * nx) / stride);
  const values = new Float32Array(n), index = new Float64Array(n);
  const g = gaussian(5), u = mulberry32(9);
  let count = 0;
  for (let i = 0; i < nz * ny * nx; i += stride) {
    const z = Math.floor(i / (ny * nx)), y = Math.floor((i % (ny * nx)) / nx), x = i % nx;
    if (!keep(z)) continue;
    index[count] = i;
    values[count++] = field(z, y, x) + sigma * g() - (u() < pores ? 3000 : 0);
  }
  return { values, index, count };
}

const cupping = (z: number, y: number, x: number) => {
  const r2 = ((y - ny / 2) ** 2 + (x - nx / 2) ** 2) / (nx / 2) ** 2;
  return 8000 + 1600 * r2 + 15 * z; // 20 % brighter at the rim, a drift along z
};

describe('local electrolyte level (step 9)', () => {
  it('interpolates a linear field exactly between the outer cell centres and clamps beyond them', () => {
    const dims: [number, number, number] = [4, 5, 6];
    const lin = (fz: number, fy: number, fx: number) => 100 + 7 * fz - 3 * fy + 2 * fx;
    const cells = new Float64Array(4 * 5 * 6);
    for (let a = 0; a < 4; a++) for (let b = 0; b < 5; b++) for (let c = 0; c < 6; c++) cells[(a * 5 + b) * 6 + c] = lin(a, b, c);
    const cellCoord = (v: number, n: number, g: number) => Math.min(Math.max(((v + 0.5) * g) / n - 0.5, 0), g - 1);
    for (const [z, y, x] of [[0, 0, 0], [17, 23, 31], [39, 59, 59], [10, 30, 5], [25, 1, 58]]) {
      const want = lin(cellCoord(z, nz, 4), cellCoord(y, ny, 5), cellCoord(x, nx, 6));
      expect(gridValueAt(cells, dims, shape, z, y, x)).toBeCloseTo(want, 9);
    }
    // the kernel's row-wise evaluation (slice, row, x step) gives the same values and bounds each row
    const r = mulberry32(3);
    const rough = Float64Array.from(cells, (v) => v + 50 * r());
    const rows = new LevelRows(rough, dims, shape);
    for (let z = 0; z < nz; z += 3) {
      rows.slice(z);
      for (let y = 0; y < ny; y += 4) {
        rows.rowAt(y);
        let max = -Infinity;
        for (let x = 0; x < nx; x++) {
          const v = rows.at(x);
          max = Math.max(max, v);
          expect(Math.abs(v - gridValueAt(rough, dims, shape, z, y, x))).toBeLessThan(1e-9);
        }
        expect(rows.rowMax).toBeGreaterThanOrEqual(max - 1e-9);
      }
    }
  });

  it('recovers a cupping + drift field under noise and 3 % pores; the residual σ is the noise, the global σ larger', () => {
    const s = samples(cupping, 300, 0.03, 1);
    const grid = electrolyteLevelGrid(s.values, s.index, s.count, shape, 4)!;
    expect(grid.dims).toEqual(gridDims(shape, s.count));
    expect(grid.ownCells).toBe(grid.dims[0] * grid.dims[1] * grid.dims[2]);
    expect(grid.sigma).toBeGreaterThan(280);
    expect(grid.sigma).toBeLessThan(340);
    expect(grid.globalSigma).toBeGreaterThan(1.5 * grid.sigma);
    // the threshold at a voxel: the field − 4 σ, within the cells' sampling and the field's curvature
    let worst = 0;
    for (let z = 2; z < nz; z += 7)
      for (let y = 3; y < ny; y += 11)
        for (let x = 5; x < nx; x += 13) worst = Math.max(worst, Math.abs(gridValueAt(grid.level, grid.dims, shape, z, y, x) - (cupping(z, y, x) - 4 * grid.sigma)));
    expect(worst).toBeLessThan(250);
    expect(grid.max).toBe(Math.max(...grid.level));
  });

  it('a flat electrolyte: the threshold everywhere is the global rule\'s (median − 4 σ) within sampling error', () => {
    const s = samples(() => 9000, 400, 0.03, 3);
    const grid = electrolyteLevelGrid(s.values, s.index, s.count, shape, 4)!;
    const sorted = Float64Array.from(s.values.subarray(0, s.count)).sort();
    const med = sorted[sorted.length >> 1];
    const global = med - 4 * grid.globalSigma;
    for (const v of grid.level) expect(Math.abs(v - global)).toBeLessThan(120);
  });

  it('cells without samples take their neighbours\' level (electrolyte in the lower half only)', () => {
    const s = samples(cupping, 300, 0, 1, (z) => z < nz / 2);
    const grid = electrolyteLevelGrid(s.values, s.index, s.count, shape, 4)!;
    const cellsTotal = grid.dims[0] * grid.dims[1] * grid.dims[2];
    expect(grid.ownCells).toBeLessThan(cellsTotal);
    for (const v of grid.level) expect(Number.isFinite(v)).toBe(true);
    // an empty cell's level is that of the filled cells below it (the field's lateral shape carried up)
    const top = gridValueAt(grid.level, grid.dims, shape, nz - 1, ny >> 1, nx >> 1);
    const below = gridValueAt(grid.level, grid.dims, shape, nz / 2 - 3, ny >> 1, nx >> 1);
    expect(Math.abs(top - below)).toBeLessThan(200);
    expect(electrolyteLevelGrid(s.values, s.index, 999, shape, 4)).toBeNull();
  });

  it('the median by quickselect equals the sorted middle (odd and even lengths, ties)', () => {
    const r = mulberry32(41);
    for (const n of [1, 2, 3, 10, 11, 1000, 1001]) {
      for (const levels of [5, 1e6]) {
        const a = Float32Array.from({ length: n }, () => Math.floor(r() * levels));
        const s = Float64Array.from(a).sort();
        const want = n % 2 ? s[n >> 1] : 0.5 * (s[n / 2 - 1] + s[n / 2]);
        expect(medianOf(a)).toBe(want);
      }
    }
  });
});
