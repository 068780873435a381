/**
 * Percolation and the short-circuit margin on constructed cells with closed-form answers
 * (pores.ts gap definition: k electrolyte voxels straight along the normal between a cluster grown
 * from one side and the other side give k·d_n; face connectivity).
 */
import { describe, expect, it } from 'vitest';
import { runPores } from '../../src/pores/measure.js';
import { symmetricCell } from './cells.js';

const opts = { threads: 1 };

describe('pores: percolation and min_gap_um', () => {
  it('an untouched electrolyte layer: not percolating, the gap is the layer thickness', async () => {
    const c = symmetricCell([30, 12, 12], 5, [1.5, 1, 1]);
    const r = (await runPores(c.vol, opts)).json;
    expect(r.percolating).toBe(false);
    // electrolyte z 5..24: 20 voxels of 1.5 µm
    expect(r.min_gap_um).toBeCloseTo(30, 6);
    expect(r.li_min_gap_um).toBeCloseTo(30, 6);
    expect(r.layer.thickness_um).toEqual({ mean: 30, min: 30, max: 30 });
    expect(r.layer.sides.low.kind).toBe('li');
    expect(r.layer.sides.high.name).toBe('far');
  });

  it('a single Li filament crossing the layer: percolating, min_gap 0', async () => {
    const c = symmetricCell();
    for (let z = 5; z < 25; z++) c.set(z, 10, 10, 1);
    const r = (await runPores(c.vol, opts)).json;
    expect(r.percolating).toBe(true);
    expect(r.percolating_li).toBe(true);
    expect(r.min_gap_um).toBe(0);
    expect(r.li_min_gap_um).toBe(0);
    expect(r.li.crossing_count).toBe(1);
    expect(r.li.filaments[0]).toMatchObject({ from: 'both', voxels: 20, crossing: true, depth_um: 20 });
  });

  it('a filament stopping 3 voxels short of the other side: not percolating, min_gap = 3·d_n', async () => {
    // anisotropic: d_n = 2 µm along the normal, 1 µm across
    const c = symmetricCell([30, 20, 20], 5, [2, 1, 1]);
    for (let z = 5; z <= 21; z++) c.set(z, 10, 10, 1); // electrolyte left at z = 22, 23, 24
    const r = (await runPores(c.vol, opts)).json;
    expect(r.percolating).toBe(false);
    expect(r.min_gap_um).toBeCloseTo(6, 6);
    expect(r.li_min_gap_um).toBeCloseTo(6, 6);
    expect(r.li.filament_count).toBe(1);
    expect(r.li.filaments[0]).toMatchObject({ from: 'near', voxels: 17, depth_um: 34, crossing: false });
    expect(r.li.deepest_um).toBe(34);
    expect(r.li.volume_um3).toBe(34);
  });

  it('filaments from both electrodes growing towards each other: the gap between their tips', async () => {
    const c = symmetricCell();
    for (let z = 5; z <= 12; z++) c.set(z, 10, 10, 1); // near: tip at 12
    for (let z = 17; z <= 24; z++) c.set(z, 10, 10, 1); // far: tip at 17 → electrolyte 13..16 = 4 voxels
    const r = (await runPores(c.vol, opts)).json;
    expect(r.percolating).toBe(false);
    expect(r.min_gap_um).toBeCloseTo(4, 6);
    const byFrom = Object.fromEntries(r.li.filaments.map((f) => [f.from, f.depth_um]));
    expect(byFrom).toEqual({ near: 8, far: 8 });
  });

  it('a face-connected pore chain from side to side percolates; Li alone does not', async () => {
    const c = symmetricCell();
    for (let z = 5; z <= 14; z++) c.set(z, 10, 10, 0);
    for (let x = 10; x <= 13; x++) c.set(14, 10, x, 0);
    for (let z = 14; z <= 24; z++) c.set(z, 10, 13, 0);
    const r = (await runPores(c.vol, opts)).json;
    expect(r.percolating).toBe(true);
    expect(r.pore_clusters.percolating).toBe(true);
    expect(r.pore_clusters.count).toBe(1);
    expect(r.percolating_li).toBe(false);
    expect(r.min_gap_um).toBe(0);
    // no Li in the layer: the electronic margin is the whole layer (20 voxels)
    expect(r.li_min_gap_um).toBeCloseTo(20, 6);
  });

  it('two pore chains meeting only at an edge: not joined (face connectivity), gap √2 − 1 voxels', async () => {
    const c = symmetricCell();
    for (let z = 5; z <= 14; z++) c.set(z, 10, 10, 0);
    for (let z = 15; z <= 24; z++) c.set(z, 10, 11, 0);
    const r = (await runPores(c.vol, opts)).json;
    expect(r.percolating).toBe(false);
    expect(r.pore_clusters.count).toBe(2);
    expect(r.pore_clusters.touching_low).toBe(1);
    expect(r.pore_clusters.touching_high).toBe(1);
    expect(r.min_gap_um).toBeCloseTo(Math.SQRT2 - 1, 6);
  });

  it('a cell open at the far end (electrolyte to the volume end): the end counts as the far side', async () => {
    const c = symmetricCell([24, 12, 12], 0);
    for (let z = 0; z < 5; z++) c.vol.data.fill(1, z * 144, (z + 1) * 144); // Li anode z 0..4, electrolyte 5..23
    for (let z = 5; z <= 19; z++) c.set(z, 6, 6, 1); // electrolyte left at 20..23: 4 voxels
    const r = (await runPores(c.vol, opts)).json;
    expect(r.layer.sides.low).toMatchObject({ kind: 'li', name: 'anode' });
    expect(r.layer.sides.high.kind).toBe('open');
    expect(r.min_gap_um).toBeCloseTo(4, 6);
    expect(r.li.filaments[0]).toMatchObject({ from: 'anode', depth_um: 15 });
  });
});
