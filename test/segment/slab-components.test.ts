import { afterAll, describe, expect, it } from 'vitest';
import { connectedComponentsRef } from '../../src/compute/reference.js';
import { slabComponents } from '../../src/segment/slab-components.js';
import type { Shape3 } from '../../src/io/volume.js';
import { testBackend } from './backend.js';

/** Deterministic blobby mask: thresholded sum of a few sines plus noise (components of all sizes, many crossing slabs). */
function blobMask(shape: Shape3, seed: number, fill: number): Uint8Array {
  const [nz, ny, nx] = shape;
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const f = [rnd(), rnd(), rnd(), rnd(), rnd(), rnd()].map((r) => 0.2 + 0.8 * r);
  const m = new Uint8Array(nz * ny * nx);
  for (let z = 0, i = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++, i++) {
        const v = Math.sin(f[0] * x + f[1] * z) + Math.sin(f[2] * y - f[3] * z) + Math.sin(f[4] * (x + y) + f[5] * z) + 1.2 * (rnd() - 0.5);
        m[i] = v > fill ? 1 : 0;
      }
  return m;
}

describe('slab-wise connected components equal whole-volume components', async () => {
  const backend = await testBackend();
  afterAll(() => backend.dispose());
  const shape: Shape3 = [37, 29, 31];
  const plane = shape[1] * shape[2];
  for (const connectivity of [6, 26] as const)
    for (const [seed, fill] of [[1, 0.9], [7, 0.2], [11, -0.6]] as const)
      it(`connectivity ${connectivity}, seed ${seed}, threshold ${fill}: counts, sizes, per-channel statistics and membership (labels spilled to disk or labelled again)`, async () => {
        const mask = blobMask(shape, seed, fill);
        const ref = connectedComponentsRef(mask, shape, connectivity);
        expect(ref.count).toBeGreaterThan(0); // from one giant component (threshold -0.6) to hundreds of small ones
        const channelOf = (i: number) => Math.floor(i / plane) % 3; // z mod 3
        for (const [depth, spill] of [[1, true], [2, false], [5, true], [16, false], [37, true]] as const) {
          const cc = await slabComponents({
            backend, shape, connectivity, slabDepth: depth, channels: 3, channelOf, spill,
            fillMask: (z0, z1, m) => m.set(mask.subarray(z0 * plane, z1 * plane)),
          });
          expect(cc.count, `depth ${depth}`).toBe(ref.count);
          expect(Array.from(cc.sizes.subarray(1))).toEqual(Array.from(ref.sizes.subarray(1)));
          // statistics: voxels of each component per channel, counted independently from the reference labels
          const expected = new Float64Array(3 * (ref.count + 1));
          for (let i = 0; i < mask.length; i++) if (ref.labels[i]) expected[channelOf(i) * (ref.count + 1) + ref.labels[i]]++;
          expect(Array.from(cc.stats)).toEqual(Array.from(expected));
          // membership: final ids equal the reference labels voxel by voxel (same first-voxel numbering)
          const got = new Uint32Array(mask.length);
          await cc.revisit((z0, _z1, lab, finalId) => {
            for (let i = 0; i < lab.length; i++) got[z0 * plane + i] = finalId(lab[i]);
          });
          let diff = 0;
          for (let i = 0; i < mask.length; i++) if (got[i] !== ref.labels[i]) diff++;
          expect(diff, `depth ${depth}`).toBe(0);
        }
      });

  it('per-slice channels (a whole slice in one channel, none, or by in-plane position) count as the per-voxel channels do', async () => {
    const mask = blobMask(shape, 7, 0.2);
    const ref = connectedComponentsRef(mask, shape, 26);
    // z ≡ 0 (mod 3): channel 0; z ≡ 1: none; z ≡ 2: channel 0 or 2 by the parity of the in-plane position
    const byPosition = (p: number) => (p % 2 ? 0 : 2);
    const channelOfSlice = (z: number) => (z % 3 === 0 ? 0 : z % 3 === 1 ? -1 : byPosition);
    const expected = new Float64Array(3 * (ref.count + 1));
    for (let i = 0; i < mask.length; i++) {
      const z = Math.floor(i / plane);
      const c = z % 3 === 0 ? 0 : z % 3 === 1 ? -1 : byPosition(i - z * plane);
      if (ref.labels[i] && c >= 0) expected[c * (ref.count + 1) + ref.labels[i]]++;
    }
    for (const depth of [1, 4, 37]) {
      const cc = await slabComponents({
        backend, shape, connectivity: 26, slabDepth: depth, channels: 3, channelOfSlice, spill: false,
        fillMask: (z0, z1, m) => m.set(mask.subarray(z0 * plane, z1 * plane)),
      });
      expect(cc.count).toBe(ref.count);
      expect(Array.from(cc.stats), `depth ${depth}`).toEqual(Array.from(expected));
      cc.discard();
    }
  });
  it('spilled slabs come back whatever their form (runs, or ids of 1, 2 or 4 bytes per voxel)', async () => {
    // 3-D checkerboard, 6-connected: every foreground voxel is its own component and every run is
    // one voxel long (spilled as ids), and a slab of d slices holds d·2^15 local ids (256² plane):
    // 1 slice → 2 bytes, 4 slices → 4 bytes; a thin corner of it (< 256 ids per slab, long runs of
    // background) → runs
    const shape: Shape3 = [4, 256, 256];
    const plane = shape[1] * shape[2];
    const board = new Uint8Array(shape[0] * plane);
    for (let z = 0, i = 0; z < shape[0]; z++)
      for (let y = 0; y < shape[1]; y++)
        for (let x = 0; x < shape[2]; x++, i++) board[i] = (x + y + z) & 1;
    for (const [depth, corner] of [[1, false], [4, false], [2, true]] as const) {
      const mask = corner ? board.map((v, i) => (i % plane < 256 * 10 && i % 256 < 10 ? v : 0)) : board;
      const ref = connectedComponentsRef(mask, shape, 6);
      const cc = await slabComponents({ backend, shape, connectivity: 6, slabDepth: depth, spill: true, fillMask: (z0, z1, m) => m.set(mask.subarray(z0 * plane, z1 * plane)) });
      expect(cc.count).toBe(ref.count);
      let diff = 0;
      await cc.revisit((z0, _z1, lab, finalId) => {
        for (let i = 0; i < lab.length; i++) if (finalId(lab[i]) !== ref.labels[z0 * plane + i]) diff++;
      });
      expect(diff, `depth ${depth}${corner ? ', corner' : ''}`).toBe(0);
    }
  });
});
