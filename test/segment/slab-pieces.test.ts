/**
 * slabComponents on worker pieces (slab-pieces.ts, components-kernels.ts) against the reference
 * labelling (connectedComponentsRef): counts, sizes, channel counts (per slice and by column zones),
 * membership through revisit, and codes painted from the spill (runs, ids of 1 or 4 bytes) or from a
 * new labelling, with the rows marked — on random masks, 6- and 26-connected, every slab depth.
 * The backend's own connectedComponents throws: the pieces path must be the one that ran. The same
 * checks run on the reference backend (the path through connectedComponents, painting via revisit).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../src/compute/index.js';
import { connectedComponentsRef } from '../../src/compute/reference.js';
import { referenceBackend } from '../../src/compute/reference-backend.js';
import type { ComputeBackend } from '../../src/compute/types.js';
import type { Shape3 } from '../../src/io/volume.js';
import { channelOfSliceFromSpec, encodeRuns, encodeSlabRuns, type ChannelSpec } from '../../src/segment/components-kernels.js';
import { componentsSlab, runsOfSlab } from '../../src/compute/cpu/components-runs.js';
import { slabComponents } from '../../src/segment/slab-components.js';

const rng = (seed: number) => {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
};

/** Random voxels of density `p` plus a few solid boxes (long runs, components crossing slabs). */
function randomMask(shape: Shape3, seed: number, p: number): Uint8Array {
  const [nz, ny, nx] = shape;
  const r = rng(seed);
  const m = new Uint8Array(nz * ny * nx);
  for (let i = 0; i < m.length; i++) m[i] = r() < p ? 1 : 0;
  for (let b = 0; b < 3; b++) {
    const z0 = Math.floor(r() * nz), y0 = Math.floor(r() * ny), x0 = Math.floor(r() * nx);
    for (let z = z0; z < Math.min(nz, z0 + 4); z++) for (let y = y0; y < Math.min(ny, y0 + 5); y++) for (let x = x0; x < Math.min(nx, x0 + 6); x++) m[(z * ny + y) * nx + x] = 1;
  }
  return m;
}

/** Zone of column p at oriented depth k, written out from phases/columns.ts zoneAt. */
function zoneRule(s: Extract<ChannelSpec, { kind: 'zones' }>, p: number, k: number): number {
  if (s.collOuter[p] >= 0 && k < s.collOuter[p]) return 0;
  if (k <= s.collInner[p]) return 1;
  if (k < s.elSurf[p]) return 2;
  if (!s.farLayer || k <= s.elBack[p]) return 3;
  if (k < s.farInner[p]) return 4;
  return k <= s.farOuter[p] ? 1 : 0;
}

function zonesSpec(shape: Shape3, seed: number, collectorAtStart: boolean): Extract<ChannelSpec, { kind: 'zones' }> {
  const [nz, ny, nx] = shape;
  const r = rng(seed);
  const plane = ny * nx;
  const t = () => new Int32Array(new SharedArrayBuffer(4 * plane));
  const s = { kind: 'zones' as const, nz, collectorAtStart, farLayer: true, collOuter: t(), collInner: t(), elSurf: t(), elBack: t(), farInner: t(), farOuter: t() };
  for (let p = 0; p < plane; p++) {
    const cuts = Array.from({ length: 5 }, () => Math.floor(r() * nz)).sort((a, b) => a - b);
    s.collOuter[p] = r() < 0.2 ? -1 : cuts[0];
    s.collInner[p] = cuts[1];
    s.elSurf[p] = cuts[2];
    s.elBack[p] = cuts[3];
    s.farInner[p] = cuts[4];
    s.farOuter[p] = Math.min(nz, cuts[4] + 1);
  }
  return s;
}

describe('slab components on worker pieces equal the reference labelling', async () => {
  const cpu = await createBackend('cpu', { workers: 3 });
  afterAll(() => cpu.dispose());
  // the cpu pool, its connectedComponents disabled: only the pieces path can give results
  const pieces: ComputeBackend = Object.assign(Object.create(cpu) as ComputeBackend, {
    connectedComponents: () => Promise.reject(new Error('pieces path not taken')),
  });
  const backends: [string, ComputeBackend][] = [['worker pieces', pieces], ['reference backend', referenceBackend]];

  for (const [name, backend] of backends)
    for (const connectivity of [6, 26] as const)
      it(`${name}, ${connectivity}-connected: counts, sizes, channels, membership and painted codes at every slab depth`, async () => {
        const shape: Shape3 = [11, 9, 13];
        const [nz, ny, nx] = shape;
        const plane = ny * nx;
        for (const [seed, p] of [[3, connectivity === 6 ? 0.25 : 0.06], [5, connectivity === 6 ? 0.5 : 0.14]] as const) {
          const mask = randomMask(shape, seed, p);
          const ref = connectedComponentsRef(mask, shape, connectivity);
          expect(ref.count).toBeGreaterThan(1);
          const ofSlice = Int8Array.from({ length: nz }, (_, z) => (z % 3 === 1 ? -1 : z % 2));
          const specs: [ChannelSpec, number][] = [[{ kind: 'slices', ofSlice }, 2], [zonesSpec(shape, seed, seed === 3), 5]];
          for (const [spec, channels] of specs) {
            const ofSliceFn = channelOfSliceFromSpec(spec);
            const expected = new Float64Array(channels * (ref.count + 1));
            for (let i = 0; i < mask.length; i++) {
              const z = Math.floor(i / plane);
              const c = spec.kind === 'slices' ? spec.ofSlice[z] : zoneRule(spec, i - z * plane, spec.collectorAtStart ? z : nz - 1 - z);
              if (ref.labels[i] && c >= 0) expected[c * (ref.count + 1) + ref.labels[i]]++;
            }
            for (let depth = 1; depth <= nz; depth++) {
              const spill = depth % 2 === 1;
              const run = () => slabComponents({
                backend, shape, connectivity, slabDepth: depth, channels, channelSpec: spec, channelOfSlice: ofSliceFn, spill,
                fillMask: (z0, z1, m) => m.set(mask.subarray(z0 * plane, z1 * plane)),
              });
              const at = `${spec.kind}, seed ${seed}, depth ${depth}, spill ${spill}`;
              const cc = await run();
              expect(cc.count, at).toBe(ref.count);
              expect(cc.pieces, at).toBe(backend === pieces);
              expect(Array.from(cc.sizes.subarray(1)), at).toEqual(Array.from(ref.sizes.subarray(1)));
              expect(Array.from(cc.stats), at).toEqual(Array.from(expected));
              const got = new Uint32Array(mask.length);
              await cc.revisit((z0, _z1, lab, finalId) => {
                for (let i = 0; i < lab.length; i++) got[z0 * plane + i] = finalId(lab[i]);
              });
              expect(countDiff(got, ref.labels), at).toBe(0);
              // paint: a code per component (255 leaves the voxel), on a shared volume (workers)
              const codes = Uint8Array.from({ length: ref.count + 1 }, (_, k) => (k % 3 === 0 ? 255 : 10 + (k % 7)));
              const volume = new Uint8Array(new SharedArrayBuffer(mask.length)).fill(1);
              const lowRows = new Uint8Array(new SharedArrayBuffer(nz * ny));
              const again = await run();
              await again.paint(codes, { volume, lowRows, edit: (z0, z1, fn) => fn(volume.subarray(z0 * plane, z1 * plane)) });
              const want = new Uint8Array(mask.length).fill(1);
              const wantRows = new Uint8Array(nz * ny);
              for (let i = 0; i < mask.length; i++) {
                const l = ref.labels[i];
                if (!l) continue;
                if (codes[l] !== 255) want[i] = codes[l];
                wantRows[Math.floor(i / nx)] = 1;
              }
              expect(countDiff(volume, want), at).toBe(0);
              expect(Array.from(lowRows), at).toEqual(Array.from(wantRows));
            }
          }
        }
      });

  it('pieces make their own class mask from shared grey slices (maskData): same components and paint as the mask itself', async () => {
    const shape: Shape3 = [10, 12, 14];
    const [nz, ny, nx] = shape;
    const plane = ny * nx;
    const r = rng(11);
    // three bands of grey, then noise: runs of each class; uint16 and uint8 (tables), float32 (comparisons);
    // thresholds on a grey value and between two (float32 ones), as the segmentation's (Math.fround)
    const n = nz * plane;
    const greys = [new Uint16Array(new SharedArrayBuffer(2 * n)), new Uint8Array(new SharedArrayBuffer(n)), new Float32Array(new SharedArrayBuffer(4 * n))];
    const scale = [10, 0.1, 10];
    const tss = [[1000, 2000.5], [10, Math.fround(20.3)], [Math.fround(1000.1), 2000]];
    for (const [cs, connectivity, kind] of [[[0], 26, 0], [[1], 6, 0], [[2], 26, 0], [[0], 6, 1], [[2], 26, 1], [[1], 26, 2], [[2], 6, 2]] as const) {
      const grey = greys[kind];
      const ts = tss[kind];
      for (let i = 0; i < n; i++) grey[i] = scale[kind] * (100 * (Math.floor((i % nx) / 5) % 3) + Math.floor(r() * 120));
      const lo = cs[0] === 0 ? -Infinity : ts[cs[0] - 1], hi = cs[0] === 2 ? Infinity : ts[cs[0]];
      const ones = Uint8Array.from(grey, (v) => (v >= lo && v < hi ? 1 : 0));
      expect(ones.some((v) => v === 1) && ones.some((v) => v === 0)).toBe(true);
      const ref = connectedComponentsRef(ones, shape, connectivity);
      for (const [depth, spill] of [[3, true], [4, false], [10, false]] as const) {
        const at = `${grey.constructor.name}, class ${cs[0]}, ${connectivity}, depth ${depth}, spill ${spill}`;
        const cc = await slabComponents({
          backend: pieces, shape, connectivity, slabDepth: depth, spill,
          fillMask: () => { throw new Error('fillMask called'); },
          maskData: (z0, z1) => ({ grey: grey.subarray(z0 * plane, z1 * plane), ts, cs: [...cs] }),
        });
        expect(cc.count, at).toBe(ref.count);
        expect(Array.from(cc.sizes.subarray(1)), at).toEqual(Array.from(ref.sizes.subarray(1)));
        const codes = Uint8Array.from({ length: ref.count + 1 }, (_, k) => (k % 4 === 0 ? 255 : 1 + (k % 9)));
        const volume = new Uint8Array(new SharedArrayBuffer(ones.length)).fill(200);
        await cc.paint(codes, { volume, edit: () => { throw new Error('not on the workers'); } });
        const want = Uint8Array.from(ref.labels, (l) => (l && codes[l] !== 255 ? codes[l] : 200));
        expect(countDiff(volume, want), at).toBe(0);
      }
    }
  });

  it('pieces spilled as runs, as 1-byte ids and as 4-byte ids come back and paint the same', async () => {
    // 3-D checkerboards: 6-connected every voxel is its own component (runs of one voxel, ≥ 256 ids
    // per piece → 4-byte ids); 26-connected one component (runs of one voxel, 1 id → 1-byte ids);
    // a thin corner of the 6-connected one: long background runs → runs
    const shape: Shape3 = [4, 64, 64];
    const plane = shape[1] * shape[2];
    const board = new Uint8Array(shape[0] * plane);
    for (let z = 0, i = 0; z < shape[0]; z++) for (let y = 0; y < shape[1]; y++) for (let x = 0; x < shape[2]; x++, i++) board[i] = (x + y + z) & 1;
    const corner = board.map((v, i) => (i % plane < 64 * 6 && i % 64 < 6 ? v : 0));
    for (const [mask, connectivity, what] of [[board, 6, '4-byte ids'], [board, 26, '1-byte ids'], [corner, 6, 'runs']] as const) {
      const ref = connectedComponentsRef(mask, shape, connectivity);
      for (const depth of [1, 2, 4]) {
        const cc = await slabComponents({ backend: pieces, shape, connectivity, slabDepth: depth, spill: true, fillMask: (z0, z1, m) => m.set(mask.subarray(z0 * plane, z1 * plane)) });
        expect(cc.count).toBe(ref.count);
        const codes = Uint8Array.from({ length: ref.count + 1 }, (_, k) => 1 + (k % 200));
        const volume = new Uint8Array(new SharedArrayBuffer(mask.length));
        await cc.paint(codes, { volume, edit: () => { throw new Error('not on the workers'); } });
        let diff = 0;
        for (let i = 0; i < mask.length; i++) if (volume[i] !== (ref.labels[i] ? codes[ref.labels[i]] : 0)) diff++;
        expect(diff, `${what}, depth ${depth}`).toBe(0);
      }
    }
  });
});

describe('encodeSlabRuns (runs straight from the run tables)', () => {
  it('gives the bytes of encodeRuns over the labels, and −1 past the limit', () => {
    const shape: Shape3 = [7, 10, 12];
    const plane = shape[1] * shape[2];
    for (const connectivity of [6, 26] as const)
      for (const [seed, p] of [[1, 0.05], [2, 0.3], [4, 0.7], [6, 0.98]] as const) {
        const mask = randomMask(shape, seed, p);
        for (const [z0, z1] of [[0, 7], [2, 5], [6, 7]]) {
          const labels = new Uint32Array(mask.length);
          componentsSlab(mask, labels, shape, z0, z1, connectivity);
          const lab = labels.subarray(z0 * plane, z1 * plane);
          const want = new Uint8Array(8 * lab.length + 8);
          const wantBytes = encodeRuns(lab, want, want.length);
          const got = new Uint8Array(8 * lab.length + 8);
          const runs = runsOfSlab(mask, shape, z0, z1, connectivity);
          const at = `${connectivity}, seed ${seed}, [${z0}, ${z1})`;
          expect(encodeSlabRuns(runs, shape[2], got, got.length), at).toBe(wantBytes);
          expect(Array.from(got.subarray(0, wantBytes)), at).toEqual(Array.from(want.subarray(0, wantBytes)));
          // one pair short of room: refused
          expect(encodeSlabRuns(runsOfSlab(mask, shape, z0, z1, connectivity), shape[2], got, wantBytes - 1), at).toBe(-1);
        }
      }
  });
});

function countDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) d++;
  return d;
}
