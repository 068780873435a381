/**
 * Change maps between the scans of one cell (src/series/change.ts) on labels whose change is known
 * exactly: Li stripped at the interface over half the columns (an interfacial void opens), then
 * re-deposited along a stripe (the void splits in two); a symmetric cell whose Li moves from one
 * electrode to the other.
 */
import { describe, expect, it } from 'vitest';
import { generatePhantom } from '../../src/synth/index.js';
import { makeVolume, type Volume } from '../../src/io/volume.js';
import { seriesChange, UM_PER_MAH_CM2 } from '../../src/series/change.js';

/** Turn up to `k` Li voxels next to the electrolyte (walking up from it along z) into void, in the columns `where` picks; returns the count per column. */
function stripAtInterface(L: Uint8Array, shape: [number, number, number], k: number, where: (y: number, x: number) => boolean, to = 0): Int32Array {
  const [nz, ny, nx] = shape;
  const removed = new Int32Array(ny * nx);
  for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
    if (!where(y, x)) continue;
    // the first electrolyte voxel below the Li (top of the column = collector side)
    let z = 0;
    while (z < nz && L[(z * ny + y) * nx + x] !== 1) z++;
    while (z < nz && L[(z * ny + y) * nx + x] === 1) z++;
    for (let j = 1; j <= k && z - j >= 0 && L[((z - j) * ny + y) * nx + x] === 1; j++) {
      L[((z - j) * ny + y) * nx + x] = to;
      removed[y * nx + x]++;
    }
  }
  return removed;
}

describe('series change maps', () => {
  const shape: [number, number, number] = [48, 40, 40];
  const ph = generatePhantom({ preset: 'plated', seed: 2, shape });
  const dz = ph.labels.spacing![0];
  const vol = (d: Uint8Array): Volume => makeVolume(d, shape, ph.labels.spacing);

  it('Li stripped at the interface over half the columns: −removed × dz per column there, 0 elsewhere; a void appears, then splits', () => {
    const l0 = ph.labels.data;
    const l1 = l0.slice();
    const left = (_y: number, x: number) => x < 20;
    const removed = stripAtInterface(l1, shape, 2, left);
    // scan 2: Li back under a stripe across the void (rows 18–21), splitting it in two
    const l2 = l1.slice();
    for (let z = 0; z < shape[0]; z++) for (let y = 18; y < 22; y++) for (let x = 0; x < 20; x++) {
      const i = (z * shape[1] + y) * shape[2] + x;
      if (l1[i] === 0 && l0[i] === 1) l2[i] = 1;
    }
    const c = seriesChange([vol(l0), vol(l1), vol(l2)], { chargeMahCm2: [0, 0.05, 0.06] });
    expect(c.axis).toBe('z');
    expect(c.electrodes).toHaveLength(1);
    const e = c.electrodes[0];
    const d1 = c.maps[0].from_first[0];
    let exact = 0, measuredLeft = 0, rightChanged = 0, removedUm3 = 0;
    for (let y = 0; y < shape[1]; y++) for (let x = 0; x < shape[2]; x++) {
      const i = y * shape[2] + x;
      if (!Number.isFinite(d1[i])) continue;
      if (x < 20) {
        measuredLeft++;
        if (Math.abs(d1[i] + removed[i] * dz) < 1e-4) exact++;
        removedUm3 += removed[i] * dz * c.pixel_um[0] * c.pixel_um[1];
      } else if (d1[i] !== 0) rightChanged++;
    }
    // measured: every left column exact, no right column changed
    expect(exact / measuredLeft).toBeGreaterThan(0.97);
    expect(rightChanged).toBe(0);
    const s1 = e.changes[0].from_first;
    expect(s1.deposited_um3).toBe(0);
    // measured: one column of 800 measures one voxel less than was removed (7855.9 of 7860.8 µm³)
    expect(Math.abs(s1.stripped_um3 - removedUm3)).toBeLessThan(0.01 * removedUm3);
    // the map-based stripped capacity: removed µm³ over the map area
    expect(s1.stripped_mah_cm2).toBeCloseTo(s1.stripped_um3 / (shape[1] * shape[2] * c.pixel_um[0] * c.pixel_um[1]) / UM_PER_MAH_CM2, 9);
    expect(e.capacity_mah_cm2[0] - e.capacity_mah_cm2[1]).toBeCloseTo(s1.stripped_mah_cm2, 3);
    // voids: the phantom's few at first; the left half's Li-covered columns open into one large void
    // (new, or grown from one already there)
    const leftArea = 20 * shape[1] * c.pixel_um[0] * c.pixel_um[1];
    expect(e.voids[0].area_um2).toBeLessThan(0.05 * leftArea);
    const largest = [...e.changes[0].void_events].sort((a, b) => b.area_after_um2 - a.area_after_um2)[0];
    expect(['appear', 'grow']).toContain(largest.kind);
    expect(largest.area_after_um2).toBeGreaterThan(0.8 * leftArea);
    const split = e.changes[1].void_events.filter((v) => v.kind === 'split');
    expect(split).toHaveLength(1);
    expect(split[0].after).toHaveLength(2);
    expect(split[0].area_after_um2).toBeLessThan(split[0].area_before_um2);
    // contact: the left half lost
    expect(e.active_area_fraction[1]).toBeLessThan(e.active_area_fraction[0] - 0.4);
    expect(e.active_area_fraction[2]).toBeGreaterThan(e.active_area_fraction[1]);
    // the stripe came back: from the previous scan, Li deposited, none stripped
    expect(e.changes[1].from_previous.deposited_um3).toBeGreaterThan(0);
    expect(e.changes[1].from_previous.stripped_um3).toBe(0);
    // image Coulombic efficiency = capacity change / charge
    expect(e.image_efficiency[0]).toBeCloseTo((e.capacity_mah_cm2[0] - e.capacity_mah_cm2[1]) / 0.05, 6);
    // all Li voxels, µm³: the removed ones gone
    const voxel = dz * c.pixel_um[0] * c.pixel_um[1];
    const removedVoxels = removed.reduce((a, b) => a + b, 0);
    expect(c.li_inventory_um3[0] - c.li_inventory_um3[1]).toBeCloseTo(removedVoxels * voxel, 3);
  });

  it('a symmetric cell: Li moved from one electrode to the other is matched by the end it sits at, with opposite signs', () => {
    const sym = generatePhantom({ preset: 'symmetric', seed: 4, shape: [64, 32, 32] });
    const s = sym.labels.shape as [number, number, number];
    const l0 = sym.labels.data;
    const l1 = l0.slice();
    // 2 Li voxels off the low-z electrode's interface everywhere become void; 2 electrolyte voxels at the high-z electrode's interface become Li
    const [nz, ny, nx] = s;
    let moved = 0;
    for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
      const col = (z: number) => (z * ny + y) * nx + x;
      let z = 0;
      while (z < nz && l1[col(z)] !== 1) z++;
      while (z < nz && l1[col(z)] === 1) z++;
      for (let j = 1; j <= 2; j++) if (l1[col(z - j)] === 1) { l1[col(z - j)] = 0; moved++; }
      let w = nz - 1;
      while (w >= 0 && l1[col(w)] !== 1) w--;
      while (w >= 0 && l1[col(w)] === 1) w--;
      for (let j = 0; j < 2; j++) if (l1[col(w - j)] === 2) l1[col(w - j)] = 1;
    }
    expect(moved).toBeGreaterThan(1000);
    const c = seriesChange([makeVolume(l0, s, sym.labels.spacing), makeVolume(l1, s, sym.labels.spacing)], { electrodes: 2 });
    expect(c.electrodes.map((e) => e.side).sort()).toEqual(['high', 'low']);
    const low = c.electrodes.find((e) => e.side === 'low')!, high = c.electrodes.find((e) => e.side === 'high')!;
    const dz = sym.labels.spacing![0];
    // measured: −2 dz and +2 dz mean change (columns with a thinner layer or a pore lose less)
    expect(low.changes[0].from_first.mean_um).toBeLessThan(-1.5 * dz);
    expect(low.changes[0].from_first.mean_um).toBeGreaterThan(-2.01 * dz);
    expect(high.changes[0].from_first.mean_um).toBeGreaterThan(1.5 * dz);
    expect(high.changes[0].from_first.mean_um).toBeLessThan(2.01 * dz);
    expect(low.changes[0].from_first.deposited_um3).toBe(0);
    expect(high.changes[0].from_first.stripped_um3).toBe(0);
  });

  it('labels of another shape or a charge list of the wrong length: one clear error', () => {
    const l = makeVolume(ph.labels.data, shape, ph.labels.spacing);
    const other = makeVolume(new Uint8Array(10 * 40 * 40), [10, 40, 40], ph.labels.spacing);
    expect(() => seriesChange([l, other])).toThrow(/scan 1 .*resample/);
    expect(() => seriesChange([l, l], { chargeMahCm2: [0] })).toThrow(/1 values for 2 scans/);
    expect(() => seriesChange([l])).toThrow(/at least two/);
  });
});
