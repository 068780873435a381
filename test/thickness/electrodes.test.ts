/**
 * One map per Li electrode: a symmetric Li | electrolyte | Li phantom measured against its exact
 * per-electrode truth maps (thickness, penetration), the electrode decision, flips (near ↔ far),
 * attribution of Li between the two interfaces, and the streamed path bit for bit.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTiff } from '../../src/io/tiff/index.js';
import { loadVolume, openVolume } from '../../src/io/open.js';
import { makeVolume, type Shape3, type Volume, type VoxelArray } from '../../src/io/volume.js';
import { generatePhantom } from '../../src/synth/index.js';
import { electrodeMaps, type ElectrodeMapsResult } from '../../src/thickness/electrodes.js';
import { electrodeMapsFromSource } from '../../src/thickness/out-of-core-map.js';
import type { NormalOption } from '../../src/thickness/map.js';
import { segment } from '../../src/segment/index.js';
import { testBackend } from '../segment/backend.js';
import { tempDir } from '../helpers.js';
import { flipZ, mae } from './map-helpers.js';
import { measuredColumnWarnings } from '../../src/thickness/run.js';

const SHAPE: Shape3 = [120, 80, 80];
const bytes = (a: VoxelArray) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);


/** Max |a − b| over columns finite in both, and the count of columns where exactly one is > 0. */
function penetrationAgreement(measured: Float32Array, truth: Float32Array): { maxDiff: number; measuredMax: number; truthMax: number } {
  let maxDiff = 0, measuredMax = 0, truthMax = 0;
  for (let i = 0; i < truth.length; i++) {
    if (!Number.isFinite(measured[i])) continue;
    maxDiff = Math.max(maxDiff, Math.abs(measured[i] - truth[i]));
    measuredMax = Math.max(measuredMax, measured[i]);
    truthMax = Math.max(truthMax, truth[i]);
  }
  return { maxDiff, measuredMax, truthMax };
}

const symmetric = generatePhantom({ preset: 'symmetric', shape: SHAPE, seed: 3 });
const voxel = symmetric.truth.voxel_um;

describe('per-electrode maps of a symmetric cell (true labels)', () => {
  const r = electrodeMaps(symmetric.labels);

  it('finds two electrodes from the Li at both ends and names them near (index 0) and far', () => {
    expect(r.detection.count).toBe(2);
    expect(r.detection.li_coverage.low).toBeGreaterThan(0.95);
    expect(r.detection.li_coverage.high).toBeGreaterThan(0.95);
    expect(r.electrodes.map((e) => [e.name, e.suffix, e.map.li_side])).toEqual([
      ['near', '', 'low'],
      ['far', '_far', 'high'],
    ]);
  });

  it('thickness of each electrode within 0.5 voxel of its exact map; penetration equals the truth of the electrode it grows from', () => {
    for (const [k, e] of r.electrodes.entries()) {
      const truth = symmetric.electrodes[k];
      expect(truth.name).toBe(e.name);
      const t = mae(e.map.thickness, truth.thickness.data, voxel);
      expect(t.n, `${e.name}: columns`).toBe(SHAPE[1] * SHAPE[2]);
      expect(t.mae, `${e.name}: thickness MAE (voxels)`).toBeLessThan(0.5);
      const p = penetrationAgreement(e.map.penetration, truth.penetration.data);
      // the other electrode's foil (≈ 20 voxels away) is not this electrode's penetration
      expect(p.truthMax, `${e.name}: the phantom has filaments`).toBeGreaterThan(10 * voxel);
      expect(Math.abs(p.measuredMax - p.truthMax), `${e.name}: deepest filament (µm)`).toBeLessThanOrEqual(voxel);
      // per column: within 1 voxel except where a tube's edge voxel lies just past the surface
      let off = 0;
      for (let i = 0; i < truth.penetration.data.length; i++) if (Math.abs(e.map.penetration[i] - truth.penetration.data[i]) > voxel + 1e-3) off++;
      expect(off / truth.penetration.data.length, `${e.name}: columns off by more than a voxel`).toBeLessThan(0.01);
      expect(e.map.through_columns).toBe(0);
    }
  });

  it('both contact maps see the Li at their surface (the far one was read from the wrong voxel before)', () => {
    for (const e of r.electrodes) expect(e.contact.contactFraction, e.name).toBeGreaterThan(0.85);
  });

  it('flipping the stack swaps near and far, map for map', () => {
    const f = electrodeMaps(flipZ(symmetric.labels));
    const pairs: Array<[number, number]> = [[0, 1], [1, 0]];
    for (const [a, b] of pairs) {
      const x = f.electrodes[a], y = r.electrodes[b];
      expect(bytes(x.map.thickness).equals(bytes(y.map.thickness)), `${x.name} thickness`).toBe(true);
      expect(bytes(x.map.penetration).equals(bytes(y.map.penetration)), `${x.name} penetration`).toBe(true);
      expect(bytes(x.contact.contact).equals(bytes(y.contact.contact)), `${x.name} contact`).toBe(true);
    }
  });

  it('electrodes: 1 measures one side only (and then counts the far foil below the surface, as asked)', () => {
    const one = electrodeMaps(symmetric.labels, { electrodes: 1 });
    expect(one.electrodes.length).toBe(1);
    expect(one.electrodes[0].name).toBe('anode');
    let max = 0;
    for (const v of one.electrodes[0].map.penetration) max = Math.max(max, v);
    expect(max).toBeGreaterThan(symmetric.truth.electrodes[0].penetration.max_um + 10 * voxel);
  });
});

describe('columns without any cell voxel (outside the field of view, a die wall)', () => {
  it('have no surface, no thickness and no contact; the rest match the truth (they were measured as 0 µm)', () => {
    const ph = generatePhantom({ preset: 'symmetric', shape: [160, 64, 64], seed: 9, surroundings: 'plunger', fov: 'circle' });
    const r = electrodeMaps(ph.labels);
    const [, ny, nx] = ph.labels.shape;
    const outside = (c: number) => ph.labels.data[80 * ny * nx + c] === 255;
    let masked = 0;
    for (const [k, e] of r.electrodes.entries()) {
      for (let c = 0; c < ny * nx; c++)
        if (outside(c)) {
          masked++;
          expect(e.map.thickness[c], `${e.name} column ${c}`).toBeNaN();
          expect(e.contact.contact[c]).toBe(255);
        }
      expect(mae(e.map.thickness, ph.electrodes[k].thickness.data, ph.truth.voxel_um).mae, `${e.name}: MAE (voxels)`).toBeLessThan(0.5);
    }
    expect(masked).toBeGreaterThan(0);
  });
});

describe('an unclear electrode decision says so', () => {
  it('a far electrode left in 30 % of the columns: one electrode measured, with a warning naming --electrodes 2', () => {
    const [nz, ny, nx] = SHAPE;
    const data = Uint8Array.from(symmetric.labels.data);
    // the far foil stripped away (→ air, code 5) in the columns with x < 0.7 nx
    const surf = symmetric.electrodes[1].surface.data;
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < Math.floor(0.7 * nx); x++)
        for (let k = Math.floor(surf[y * nx + x] / voxel) - 1; k < nz; k++) if (data[(k * ny + y) * nx + x] === 1) data[(k * ny + y) * nx + x] = 5;
    const r = electrodeMaps(makeVolume(data, SHAPE, symmetric.labels.spacing));
    expect(r.detection.count).toBe(1);
    expect(r.detection.li_coverage.high).toBeGreaterThan(0.25);
    expect(r.detection.li_coverage.high).toBeLessThan(0.35);
    expect(r.detection.warning).toMatch(/partly stripped electrode.*--electrodes 2/);
    expect(electrodeMaps(makeVolume(data, SHAPE, symmetric.labels.spacing), { electrodes: 2 }).electrodes.map((e) => e.name)).toEqual(['near', 'far']);
    expect(electrodeMaps(generatePhantom({ preset: 'plated', shape: [64, 48, 48], seed: 5 }).labels).detection.warning).toBeNull();
  });
});

describe('the electrode decision on one-electrode cells', () => {
  for (const preset of ['plated', 'depleted', 'foil', 'fullcell'] as const) {
    it(`${preset}: one electrode, and its maps are the single-electrode maps whichever end it is at`, () => {
      const ph = generatePhantom({ preset, shape: [64, 48, 48], seed: 5 });
      const r = electrodeMaps(ph.labels);
      expect(r.detection.count).toBe(1);
      expect(r.electrodes[0].name).toBe('anode');
      const f = electrodeMaps(flipZ(ph.labels));
      expect(f.detection.count).toBe(1);
      expect(f.electrodes[0].map.li_side).toBe(r.electrodes[0].map.li_side === 'low' ? 'high' : 'low');
      expect(bytes(f.electrodes[0].map.thickness).equals(bytes(r.electrodes[0].map.thickness))).toBe(true);
      expect(bytes(f.electrodes[0].map.penetration).equals(bytes(r.electrodes[0].map.penetration))).toBe(true);
      // the contact map is read on the Li side of the surface at either end
      expect(bytes(f.electrodes[0].contact.contact).equals(bytes(r.electrodes[0].contact.contact))).toBe(true);
    });
  }
});

describe('Li between the two interfaces', () => {
  /** Li | electrolyte | Li along z, 1 column wide rows: Li 0–5, electrolyte 6–25, Li 26–31. */
  function cell(extra: (col: Uint8Array) => void): Volume<Uint8Array> {
    const [nz, ny, nx] = [32, 6, 6];
    const data = new Uint8Array(nz * ny * nx);
    for (let k = 0; k < nz; k++) data.fill(k < 6 || k >= 26 ? 1 : 2, k * ny * nx, (k + 1) * ny * nx);
    // column (3, 3) gets the test's Li
    const col = new Uint8Array(nz);
    for (let k = 0; k < nz; k++) col[k] = data[k * ny * nx + 3 * nx + 3];
    extra(col);
    for (let k = 0; k < nz; k++) data[k * ny * nx + 3 * nx + 3] = col[k];
    return makeVolume(data, [nz, ny, nx], [1, 1, 1]) as Volume<Uint8Array>;
  }
  const at = (r: ElectrodeMapsResult, k: number) => ({ pen: r.electrodes[k].map.penetration[3 * 6 + 3], through: r.electrodes[k].map.through_columns });

  it('a filament from the near electrode is its penetration only', () => {
    const r = electrodeMaps(cell((c) => c.fill(1, 6, 20)), { electrodes: 2 });
    expect(at(r, 0)).toEqual({ pen: 14, through: 0 });
    expect(at(r, 1)).toEqual({ pen: 0, through: 0 });
  });

  it('a filament from the far electrode is its penetration only', () => {
    const r = electrodeMaps(cell((c) => c.fill(1, 18, 26)), { electrodes: 2 });
    expect(at(r, 0)).toEqual({ pen: 0, through: 0 });
    expect(at(r, 1)).toEqual({ pen: 8, through: 0 });
  });

  it('a detached Li run goes to the nearer interface', () => {
    const r = electrodeMaps(cell((c) => c.fill(1, 9, 12)), { electrodes: 2 });
    expect(at(r, 0).pen).toBe(6);
    expect(at(r, 1).pen).toBe(0);
  });

  it('Li joining both interfaces is a short: the whole electrolyte for both, counted', () => {
    const r = electrodeMaps(cell((c) => c.fill(1, 6, 26)), { electrodes: 2 });
    // the surfaces of the shorted column are repaired to the neighbours' (6 and 25)
    expect(at(r, 0)).toEqual({ pen: 20, through: 1 });
    expect(at(r, 1)).toEqual({ pen: 20, through: 1 });
  });
});

describe('segmented symmetric scan', () => {
  it('per-electrode thickness MAE ≤ 1 voxel against the exact maps (segmentation + sub-voxel refinement)', async () => {
    const res = await segment(symmetric.scan, { backend: await testBackend(), mode: 'phases' });
    const labels = makeVolume(res.labels, SHAPE, symmetric.scan.spacing);
    const r = electrodeMaps(labels, { scan: symmetric.scan });
    expect(r.electrodes.map((e) => e.name)).toEqual(['near', 'far']);
    for (const [k, e] of r.electrodes.entries()) {
      const t = mae(e.map.thickness, symmetric.electrodes[k].thickness.data, voxel);
      expect(t.mae, `${e.name}: thickness MAE (voxels)`).toBeLessThanOrEqual(1);
      const p = penetrationAgreement(e.map.penetration, symmetric.electrodes[k].penetration.data);
      expect(Math.abs(p.measuredMax - p.truthMax), `${e.name}: deepest filament (µm)`).toBeLessThanOrEqual(3 * voxel);
    }
  }, 120_000);
});

describe('streamed per-electrode maps equal the in-memory ones', () => {
  let dir = '';
  beforeAll(() => {
    dir = tempDir('buried-electrodes-');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cases: Array<{ what: string; tiltDeg?: number; normal: NormalOption }> = [
    { what: 'symmetric, normal z', normal: 'z' },
    { what: 'symmetric tilted 6°, normal auto', tiltDeg: 6, normal: 'auto' },
  ];
  for (const c of cases) {
    it(c.what, async () => {
      const ph = generatePhantom({ preset: 'symmetric', shape: [96, 48, 56], seed: 4, tiltDeg: c.tiltDeg });
      const labelsFile = path.join(dir, `${c.normal}-labels.tif`);
      const scanFile = path.join(dir, `${c.normal}-scan.tif`);
      await writeTiff(labelsFile, ph.labels);
      await writeTiff(scanFile, ph.scan);
      const memory = electrodeMaps(await loadVolume(labelsFile), { normal: c.normal, scan: await loadVolume(scanFile) });
      expect(memory.detection.count).toBe(2);
      const lf = await openVolume(labelsFile);
      const sf = await openVolume(scanFile);
      try {
        for (const blockRows of [1, 7]) {
          const s = await electrodeMapsFromSource(lf, { normal: c.normal, scan: sf, budgetBytes: 1 << 30, blockRows });
          expect(s.detection).toEqual(memory.detection);
          for (const [k, e] of s.electrodes.entries()) {
            const m = memory.electrodes[k];
            expect(e.name).toBe(m.name);
            for (const key of ['thickness', 'penetration', 'surface', 'liTop'] as const) expect(bytes(e.map[key]).equals(bytes(m.map[key])), `${e.name} ${key}, blockRows ${blockRows}`).toBe(true);
            expect(bytes(e.contact.contact).equals(bytes(m.contact.contact)), `${e.name} contact`).toBe(true);
            expect(e.map.tilt_deg).toBe(m.map.tilt_deg);
          }
        }
      } finally {
        await lf.close();
        await sf.close();
      }
    }, 120_000);
  }
});

describe('a symmetric cell measured along a fitted plane (normal auto)', () => {
  it('Li running to the volume\'s end faces is measured, as along the axis: every electrode finite in ≥ 85 % of the columns, mean within 1 voxel of the axis measurement', () => {
    // before: a tilted line enters the volume through its end face straight into Li; that was read as
    // Li cut by the field of view and every column came out unmeasured (thickness 0 with exit 0)
    for (const tiltDeg of [0, 6]) {
      const ph = generatePhantom({ preset: 'symmetric', shape: [96, 48, 56], seed: 4, tiltDeg });
      const along = electrodeMaps(ph.labels, { normal: 'z' });
      const fitted = electrodeMaps(ph.labels, { normal: 'auto' });
      expect(fitted.electrodes).toHaveLength(2);
      for (const [k, e] of fitted.electrodes.entries()) {
        let n = 0, sum = 0, m = 0, sz = 0;
        for (const v of e.map.thickness) if (Number.isFinite(v)) { n++; sum += v; }
        for (const v of along.electrodes[k].map.thickness) if (Number.isFinite(v)) { m++; sz += v; }
        // measured: 91–98 % of the columns (the rest leave through a side face), means within 0.3 µm
        expect(n / e.map.thickness.length, `${e.name}, tilt ${tiltDeg}°`).toBeGreaterThan(0.85);
        expect(Math.abs(sum / n - sz / m), `${e.name}, tilt ${tiltDeg}°`).toBeLessThan(ph.labels.spacing![0]);
      }
    }
  });
});

describe('measured columns', () => {
  it('an electrode measured in under half of its columns gets a warning line; a whole map none', () => {
    const ph = generatePhantom({ preset: 'plated', shape: [48, 40, 40], seed: 2 });
    expect(measuredColumnWarnings(electrodeMaps(ph.labels, { normal: 'z' }))).toEqual([]);
    // 60 % of the columns masked (255) end to end: no surface there
    const l = ph.labels.data.slice();
    const [nz, ny, nx] = ph.labels.shape;
    for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < 24; x++) l[(z * ny + y) * nx + x] = 255;
    const w = measuredColumnWarnings(electrodeMaps(makeVolume(l, ph.labels.shape, ph.labels.spacing), { normal: 'z' }));
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(/measured in only 640 of 1600 columns \(40\.0 %, normal z\)/);
  });
});

