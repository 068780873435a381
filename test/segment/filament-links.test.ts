/**
 * Li below the electrolyte surface must grow from an electrode (phases/filament-links.ts): the walk
 * from the seeds through 26-connected candidates on hand-made index sets, and on a full-cell
 * phantom whose porous separator's pore network joins the Li anode, the deepest Li below the
 * surface (`buried thickness` penetration) against the truth's deepest filament.
 */
import { describe, expect, it } from 'vitest';
import { makeVolume, type Shape3 } from '../../src/io/volume.js';
import { segment } from '../../src/segment/index.js';
import { reachedFromSeeds } from '../../src/segment/phases/filament-links.js';
import { generatePhantom } from '../../src/synth/index.js';
import { electrodeMaps } from '../../src/thickness/electrodes.js';
import { testBackend } from './backend.js';

describe('reachedFromSeeds', () => {
  const shape: Shape3 = [6, 5, 5];
  const at = (z: number, y: number, x: number) => z * 25 + y * 5 + x;
  it('a chain from a seed through face, edge and corner neighbours is reached; a component with no seed is not', () => {
    // chain: (0,0,0) seed → (1,0,0) face → (2,1,1) corner → (3,2,1) edge; detached pair (4,4,4), (5,4,4); a lone voxel (5,0,4)
    const voxels = [at(0, 0, 0), at(1, 0, 0), at(2, 1, 1), at(3, 2, 1), at(4, 4, 4), at(5, 0, 4), at(5, 4, 4)];
    const index = Float64Array.from(voxels).sort();
    const seed = Uint8Array.from(index, (g) => (g === at(0, 0, 0) ? 1 : 0));
    const reached = reachedFromSeeds(index, seed, shape);
    const byVoxel = new Map(Array.from(index, (g, k) => [g, reached[k]]));
    expect([at(0, 0, 0), at(1, 0, 0), at(2, 1, 1), at(3, 2, 1)].map((g) => byVoxel.get(g))).toEqual([1, 1, 1, 1]);
    expect([at(4, 4, 4), at(5, 4, 4), at(5, 0, 4)].map((g) => byVoxel.get(g))).toEqual([0, 0, 0]);
  });
  it('no wrap across rows or planes: x = 4 and x = 0 of the next row are not neighbours', () => {
    const index = Float64Array.from([at(0, 0, 4), at(0, 1, 0), at(0, 2, 0)]);
    const reached = reachedFromSeeds(index, Uint8Array.from([1, 0, 0]), shape);
    expect(Array.from(reached)).toEqual([1, 0, 0]);
  });
});

describe('filaments on a segmented full cell', () => {
  it('the deepest Li below the anode surface is the deepest filament (within 4 voxels), not a pore rim deep in the separator', async () => {
    const p = generatePhantom({ preset: 'fullcell', shape: [200, 96, 96], seed: 3 });
    const res = await segment(p.scan, { backend: await testBackend(), mode: 'phases' });
    const links = res.report.decisions.find((d) => d.step === 'filament links');
    expect(links, 'the filament-links decision').toBeDefined();
    const labels = makeVolume(res.labels, p.scan.shape, p.scan.spacing);
    const r = electrodeMaps(labels, { scan: p.scan });
    const measured = r.electrodes[0].map.penetration;
    const truth = p.electrodes[0].penetration.data;
    let mMax = 0, tMax = 0;
    for (let i = 0; i < truth.length; i++) {
      if (Number.isFinite(measured[i])) mMax = Math.max(mMax, measured[i]);
      tMax = Math.max(tMax, truth[i]);
    }
    const v = p.truth.voxel_um;
    // before the step: 154.5 µm against 25.6 µm (pore rims 80–100 voxels deep)
    expect(tMax).toBeGreaterThan(5 * v);
    expect(Math.abs(mMax - tMax), `deepest Li below the surface ${mMax} µm, deepest filament ${tMax} µm`).toBeLessThanOrEqual(4 * v);
  }, 120_000);
});
