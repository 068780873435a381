/**
 * Porosity, its profile, pore sizes, filaments and penetration maps on constructed cells with
 * closed-form answers; the streamed path (out of core) and another stack normal give the same
 * numbers; the tortuosity plug-in gets the layer box.
 */
import { describe, expect, it } from 'vitest';
import { runPores } from '../../src/pores/measure.js';
import type { PoresJson } from '../../src/pores/types.js';
import type { TortuosityFn } from '../../src/pores/tortuosity-plugin.js';
import { makeVolume, type Volume } from '../../src/io/volume.js';
import { ball, swapZX, symmetricCell } from './cells.js';

const opts = { threads: 1 };

/** pores.json without the fields that say how it ran. */
const numbers = (j: PoresJson) => ({ ...j, memory: undefined, timings_ms: undefined });

describe('pores: porosity and profile', () => {
  it('porosity of a known pore pattern, excluding the outside of the cell (5) and masked voxels (255)', async () => {
    const c = symmetricCell([30, 20, 20], 5, [1.5, 1, 1]);
    let pores = 0;
    const perSlice = new Array<number>(30).fill(0);
    for (let z = 8; z <= 21; z++)
      for (let y = 0; y < 20; y++)
        for (let x = 0; x < 16; x++)
          if ((x + 2 * y + 3 * z) % 7 === 0) {
            c.set(z, y, x, 0);
            pores++;
            perSlice[z]++;
          }
    // a die wall (outside the cell) in columns x ≥ 18, masked voxels inside the layer at x = 16
    for (let z = 0; z < 30; z++) for (let y = 0; y < 20; y++) for (const x of [18, 19]) c.set(z, y, x, 5);
    for (let z = 10; z < 12; z++) for (let y = 0; y < 20; y++) c.set(z, y, 16, 255);
    const r = (await runPores(c.vol, opts)).json;
    // the layer: z 5..24 in the 18 columns x < 18; electrolyte = layer − pores − 40 masked
    const layerVoxels = 20 * 20 * 18;
    const electrolyte = layerVoxels - pores - 40;
    expect(r.voxels).toMatchObject({ pore: pores, electrolyte, li: 0, other: 0 });
    expect(r.porosity).toBeCloseTo(pores / (pores + electrolyte), 6);
    expect(r.layer.columns).toBe(20 * 18);
    expect(r.porosity_profile.position_um[0]).toBeCloseTo(5.5 * 1.5, 9);
    expect(r.porosity_profile.position_um).toHaveLength(20);
    for (let z = 5; z < 25; z++) {
      const masked = z === 10 || z === 11 ? 20 : 0;
      expect(r.porosity_profile.porosity[z - 5]).toBeCloseTo(perSlice[z] / (20 * 18 - masked), 6);
    }
  });

  it('an interface void thinner than the repair threshold stays outside the layer; a deeper pore at the surface is inside', async () => {
    const c = symmetricCell([30, 24, 24]);
    for (let y = 2; y < 6; y++) for (let x = 2; x < 6; x++) for (let z = 5; z < 7; z++) c.set(z, y, x, 0); // 2 voxels: interface void
    for (let y = 12; y < 15; y++) for (let x = 12; x < 15; x++) for (let z = 5; z < 11; z++) c.set(z, y, x, 0); // 6 voxels deep
    const r = (await runPores(c.vol, opts)).json;
    expect(r.voxels.pore).toBe(3 * 3 * 6);
    expect(r.layer.repaired_columns.low).toBe(9);
  });
});

describe('pores: pore sizes and clusters', () => {
  it('digital balls of radius 2 and 4 voxels: local thickness 2√(R² + 1), volume-weighted d10/d50/d90, two clusters', async () => {
    const d = 0.5;
    const c = symmetricCell([34, 24, 24], 5, [d, d, d]);
    const n2 = ball(c, [12, 6, 6], 2, 0);
    const n4 = ball(c, [18, 14, 14], 4, 0);
    const r = (await runPores(c.vol, opts)).json;
    const t2 = 2 * Math.sqrt(5) * d;
    const t4 = 2 * Math.sqrt(17) * d;
    expect(r.pore_size).not.toBeNull();
    const s = r.pore_size!;
    expect(s.voxels).toBe(n2 + n4);
    expect(s.d10_um).toBeCloseTo(n2 >= 0.1 * (n2 + n4) ? t2 : t4, 5);
    expect(s.d50_um).toBeCloseTo(t4, 5);
    expect(s.d90_um).toBeCloseTo(t4, 5);
    expect(s.max_um).toBeCloseTo(t4, 5);
    expect(s.mean_um).toBeCloseTo((n2 * t2 + n4 * t4) / (n2 + n4), 5);
    expect(r.pore_clusters.count).toBe(2);
    expect(r.pore_clusters.sizes_um3).toEqual([n4 * d ** 3, n2 * d ** 3]);
    expect(r.pore_clusters.largest_fraction).toBeCloseTo(n4 / (n2 + n4), 5);
    expect(r.pore_clusters.touching_low + r.pore_clusters.touching_high).toBe(0);
  });
});

describe('pores: Li in the electrolyte', () => {
  it('filament depths, isolated Li and the penetration map of each electrode', async () => {
    const c = symmetricCell([30, 16, 16]);
    for (let z = 5; z <= 11; z++) for (const [y, x] of [[4, 4], [4, 5]]) c.set(z, y, x, 1); // near: 7 deep, 2 columns
    for (let z = 21; z <= 24; z++) c.set(z, 10, 10, 1); // far: 4 deep
    c.set(15, 12, 3, 1); // isolated speck
    const res = await runPores(c.vol, opts);
    const r = res.json;
    expect(r.li).toMatchObject({ voxels: 14 + 4 + 1, filament_count: 2, isolated_count: 1, crossing_count: 0, deepest_um: 7 });
    expect(r.li.filaments.map((f) => [f.from, f.depth_um, f.voxels])).toEqual([['near', 7, 14], ['far', 4, 4], [null, null, 1]]);
    const [near, far] = res.penetration;
    expect(near.name).toBe('near');
    expect(near.map[4 * 16 + 4]).toBe(7);
    expect(near.map[4 * 16 + 5]).toBe(7);
    expect(near.map[10 * 16 + 10]).toBe(0);
    expect(far.map[10 * 16 + 10]).toBe(4);
    expect(r.li.penetration).toEqual([
      { side: 'low', name: 'near', max_um: 7, mean_um: 7, area_fraction: 2 / 256 },
      { side: 'high', name: 'far', max_um: 4, mean_um: 4, area_fraction: 1 / 256 },
    ]);
  });
});

/** A cell with pores, filaments and a crossing pore path for the equality checks. */
function busyCell(): Volume<Uint8Array> {
  const c = symmetricCell([36, 22, 26], 6, [1.2, 0.8, 0.8]);
  let s = 12345;
  const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let k = 0; k < 30; k++) ball(c, [9 + Math.floor(rand() * 18), 3 + Math.floor(rand() * 16), 3 + Math.floor(rand() * 20)], 1 + rand() * 2, 0);
  for (let z = 6; z <= 20; z++) c.set(z, 5, 5 + (z >> 2), 1);
  for (let z = 18; z <= 29; z++) c.set(z, 15, 18, 1);
  return c.vol;
}

describe('pores: the streamed path and the stack normal', () => {
  it('out of core (slabs of 4 and 7 slices) gives the in-memory numbers', async () => {
    const vol = busyCell();
    const a = await runPores(vol, opts);
    for (const slabSlices of [4, 7]) {
      const b = await runPores(vol, { ...opts, slabSlices });
      expect(b.json.memory.out_of_core).toBe(true);
      expect(b.json.memory.slabs).toBe(Math.ceil(36 / slabSlices));
      expect(numbers(b.json)).toEqual(numbers(a.json));
      expect(b.penetration.map((p) => Array.from(p.map))).toEqual(a.penetration.map((p) => Array.from(p.map)));
    }
    expect(a.json.memory.out_of_core).toBe(false);
    expect(a.json.porosity).toBeGreaterThan(0.02);
  });

  it('the same cell with its stack normal along x (auto-detected) gives the same numbers', async () => {
    const vol = busyCell();
    const a = (await runPores(vol, opts)).json;
    const b = (await runPores(swapZX(vol), { ...opts, normal: 'auto' })).json;
    expect(b.normal_axis).toBe('x');
    for (const k of ['porosity', 'percolating', 'min_gap_um', 'li_min_gap_um', 'pore_size', 'voxels', 'porosity_profile'] as const) expect(b[k]).toEqual(a[k]);
    expect(b.pore_clusters.count).toBe(a.pore_clusters.count);
    expect(b.li.filaments.map((f) => f.depth_um).sort()).toEqual(a.li.filaments.map((f) => f.depth_um).sort());
  });
});

describe('pores: an open end', () => {
  it('pores at the face where the scan cuts the pellet count: the layer of an open end runs to the face', async () => {
    // Li foil on the low side (z < 5), the pellet cut by the volume's end at z = 19; pores at the cut face
    const shape: [number, number, number] = [20, 10, 10];
    const data = new Uint8Array(2000);
    for (let z = 0; z < 20; z++) data.fill(z < 5 ? 1 : 2, z * 100, (z + 1) * 100);
    // 4 voxels of pores in two columns of three: the walk from the end stops before them, and they
    // are the majority, so the median repair does not move them
    let pores = 0, columns = 0;
    for (let y = 0; y < 10; y++) for (let x = 0; x < 10; x++) {
      if ((x + y) % 3 === 2) continue;
      for (let z = 16; z < 20; z++) data[z * 100 + y * 10 + x] = 0;
      pores += 4;
      columns++;
    }
    const r = (await runPores(makeVolume(data, shape, [1, 1, 1]) as Volume<Uint8Array>, opts)).json;
    expect(r.layer.sides.high.kind).toBe('open');
    expect(r.voxels.pore).toBe(pores);
    expect(r.porosity).toBeCloseTo(pores / 1500, 6);
    expect(r.layer.repaired_columns.open_end).toBe(columns);
  });
});

describe('pores: tortuosity', () => {
  it('switched off (measureTortuosity: null): tortuosity_factor null with the reason', async () => {
    const r = (await runPores(symmetricCell().vol, { ...opts, measureTortuosity: null })).json;
    expect(r.tortuosity_factor).toBeNull();
    expect(r.tortuosity.computed).toBe(false);
    expect(r.tortuosity.reason).toMatch(/not asked for/);
  });

  it('the conduction solve by default: a dense layer τ = 1; a pore plate across it cuts the electrolyte (τ null, not percolating)', async () => {
    const dense = (await runPores(symmetricCell().vol, opts)).json;
    expect(dense.tortuosity.computed).toBe(true);
    // within the solve's tolerance (relative residual 1e-6: measured |τ − 1| = 1.7e-5)
    expect(Math.abs((dense.tortuosity_factor as number) - 1)).toBeLessThan(1e-4);
    expect(Math.abs((dense.effective_conductivity_ratio as number) - 1)).toBeLessThan(1e-4);
    // a plate of pores through the whole layer at z = 12 (the layer spans z 5–24)
    const c = symmetricCell();
    for (let y = 0; y < 20; y++) for (let x = 0; x < 20; x++) c.set(12, y, x, 0);
    const cut = (await runPores(c.vol, opts)).json;
    const runs = cut.tortuosity.runs as { phase: string; tortuosity_factor: number | null; percolating: boolean }[];
    const el = runs.find((r) => r.phase === 'electrolyte')!;
    expect([el.tortuosity_factor, el.percolating]).toEqual([null, false]);
    expect(cut.tortuosity_factor).toBeNull();
  });

  it('an injected solver gets the box every column covers (electrolyte and pores) and its numbers are reported', async () => {
    const c = symmetricCell([30, 10, 12]);
    for (let z = 5; z <= 7; z++) c.set(z, 3, 3, 1); // a filament: the low surface of its column is repaired, the box starts at 5
    c.set(12, 4, 4, 0);
    const calls: { shape: number[]; ones: number; axis: string }[] = [];
    const fake: TortuosityFn = (phase, shape, o) => {
      const ones = phase.reduce((a, v) => a + v, 0);
      calls.push({ shape: [...shape], ones, axis: o.axis });
      return { tortuosity_factor: 1.25, effective_conductivity_ratio: 0.6, volume_fraction: ones / phase.length, percolating: true, iterations: 7, residual: 1e-9, converged: true, tol: o.tol, inlet_flux: new Float32Array(120).fill(1) };
    };
    const res = await runPores(c.vol, { ...opts, measureTortuosity: fake, tortuosityAxes: ['z', 'x'] });
    expect(calls).toEqual([
      { shape: [20, 10, 12], ones: 20 * 120 - 3 - 1, axis: 'z' },
      { shape: [20, 10, 12], ones: 20 * 120 - 3 - 1, axis: 'x' },
      { shape: [20, 10, 12], ones: 1, axis: 'z' },
      { shape: [20, 10, 12], ones: 1, axis: 'x' },
    ]);
    expect(res.json.tortuosity_factor).toBe(1.25);
    expect(res.json.effective_conductivity_ratio).toBe(0.6);
    expect(res.json.tortuosity.runs).toHaveLength(4);
    expect(res.flux).toHaveLength(120);
  });
});

describe('pores: bad input', () => {
  it('labels without an electrolyte body: one clear error', async () => {
    const vol = makeVolume(new Uint8Array(1000).fill(1), [10, 10, 10], [1, 1, 1]) as Volume<Uint8Array>;
    await expect(runPores(vol, opts)).rejects.toThrow(/no electrolyte layer/);
  });
});
