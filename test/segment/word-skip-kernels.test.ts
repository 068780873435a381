/**
 * Kernels that skip four label bytes at a time, or rows a previous sweep left alone (issue #20,
 * the symmetric / full-cell layouts' steps 3, 5, 6): each against a plain voxel-by-voxel loop of its
 * rule written here, on labels of runs (so that whole words of one code occur, and end mid-word),
 * at aligned (nx % 4 = 0) and unaligned widths, over column ranges that start and end mid-word.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 as rng } from '../../src/compute/rng.js';
import type { Shape3 } from '../../src/io/volume.js';
import { AIR, CAM, CAND, COLLECTOR, DMAX, ELECTRODE, ELECTROLYTE, LI, OPEN, VOID } from '../../src/segment/phases/codes.js';
import { collectorRunsCols, decideElectrodeSlab, zoneOf } from '../../src/segment/phases/layout-kernels.js';
import { fringeBinsSlab, growCoresSlab, lowGreyHistSlab, openClassSlab } from '../../src/segment/phases/slab-kernels.js';
import { classifier } from '../../src/segment/phases/class-stats.js';

/** Labels in runs of 1–12 voxels, each run one of `codes` (weights: how often). */
function runs(n: number, codes: number[], seed: number): Uint8Array {
  const r = rng(seed);
  const L = new Uint8Array(new SharedArrayBuffer(n));
  for (let i = 0; i < n; ) {
    const v = codes[Math.floor(r() * codes.length)], len = 1 + Math.floor(r() * 12);
    for (let j = 0; j < len && i < n; j++) L[i++] = v;
  }
  return L;
}

const SHAPES: Shape3[] = [[14, 10, 24], [12, 9, 21]];

describe('word-skipping kernels equal a voxel-by-voxel loop', () => {
  it('collector runs (step 3): near and far, with and without a gap, one or two materials, over column ranges starting mid-word', () => {
    for (const shape of SHAPES)
      for (const fromFar of [false, true])
        for (const runGap of [0, 2])
          for (const twoMaterials of [false, true])
            for (const collectorAtStart of [true, false]) {
              const [nz, ny, nx] = shape;
              const plane = ny * nx;
              const L = runs(nz * plane, [COLLECTOR, COLLECTOR, ELECTROLYTE, ELECTROLYTE, ELECTROLYTE, LI, VOID], 5 + nz + runGap);
              // grey: half the collector voxels metal (≥ metalFrom) when two materials
              const r = rng(31 + nx);
              const G = Uint16Array.from({ length: nz * plane }, () => Math.floor(r() * 20000));
              const metalFrom = twoMaterials ? 10000 : Infinity, fringeGap = 5;
              const none = fromFar ? nz : -1;
              const fresh = () => ({ outer: new Int32Array(plane).fill(none), inner: new Int32Array(plane).fill(none), runDone: new Uint8Array(plane), lastMetal: new Int32Array(plane).fill(none) });
              const got = fresh(), want = fresh();
              // three column ranges, none word-aligned
              const cuts = [0, 7, plane - 5, plane];
              for (let c = 0; c < 3; c++)
                collectorRunsCols({ grey: G, labels: L, lo: 0, z0: 0, z1: nz, shape, p0: cuts[c], p1: cuts[c + 1], collectorAtStart, fromFar, runGap, metalFrom, fringeGap, ...got });
              // the rule, one voxel at a time, slices in oriented order from the chosen end
              const { outer, inner, runDone, lastMetal } = want;
              const gapOf = (p: number) => (twoMaterials && lastMetal[p] !== none && Math.abs(inner[p] - lastMetal[p]) <= runGap ? fringeGap : runGap);
              for (let s = 0; s < nz; s++) {
                const z = collectorAtStart !== fromFar ? s : nz - 1 - s;
                const k = collectorAtStart ? z : nz - 1 - z;
                for (let p = 0; p < plane; p++) {
                  const i = z * plane + p;
                  if (L[i] === COLLECTOR) {
                    let inRun = false;
                    if (outer[p] === none) { outer[p] = inner[p] = k; inRun = true; }
                    else if ((fromFar ? inner[p] <= k + 1 + gapOf(p) : inner[p] >= k - 1 - gapOf(p)) && !runDone[p]) { inner[p] = k; inRun = true; }
                    else runDone[p] = 1;
                    if (inRun && G[i] >= metalFrom) lastMetal[p] = k;
                  } else if (outer[p] !== none && (fromFar ? inner[p] - k : k - inner[p]) > gapOf(p)) runDone[p] = 1;
                }
              }
              expect([...got.outer]).toEqual([...want.outer]);
              expect([...got.inner]).toEqual([...want.inner]);
              expect([...got.runDone]).toEqual([...want.runDone]);
              expect(want.outer.filter((v) => v !== none).length, 'columns with a run').toBeGreaterThan(plane / 2);
            }
  });

  it('collector runs (step 3): a steel face\'s dark fringe is bridged to the carbon foil behind it, a thin Li layer past the foil is not', () => {
    // one column each, from the collector end: metal ×5 | fringe | carbon ×4 | Li ×3 | a carbon-grey partial-volume voxel | electrolyte
    const column = (fringe: number) => {
      const seq: [number, number][] = [];
      for (let k = 0; k < 5; k++) seq.push([COLLECTOR, 40000]);
      for (let k = 0; k < fringe; k++) seq.push([LI, 700]);
      for (let k = 0; k < 4; k++) seq.push([COLLECTOR, 5000]);
      for (let k = 0; k < 3; k++) seq.push([LI, 2100]);
      seq.push([COLLECTOR, 5200]);
      while (seq.length < 24) seq.push([ELECTROLYTE, 9000]);
      return seq;
    };
    const innerOf = (fringe: number, twoMaterials: boolean) => {
      const seq = column(fringe), nz = seq.length, shape: Shape3 = [nz, 1, 1];
      const L = Uint8Array.from(seq, (v) => v[0]), G = Uint16Array.from(seq, (v) => v[1]);
      const t = { outer: new Int32Array(1).fill(-1), inner: new Int32Array(1).fill(-1), runDone: new Uint8Array(1), lastMetal: new Int32Array(1).fill(-1) };
      collectorRunsCols({ grey: G, labels: L, lo: 0, z0: 0, z1: nz, shape, p0: 0, p1: 1, collectorAtStart: true, fromFar: false, runGap: 2, metalFrom: twoMaterials ? 20000 : Infinity, fringeGap: 5, ...t });
      return t.inner[0];
    };
    // a 3-voxel fringe: the run goes on to the foil's last voxel (5 + 3 + 4 − 1), not past the Li
    expect(innerOf(3, true)).toBe(11);
    expect(innerOf(5, true)).toBe(13);
    // one material (no metal level): the fringe ends the run at the metal
    expect(innerOf(3, false)).toBe(4);
    // a gap wider than the fringe allowance is a layer of its own
    expect(innerOf(6, true)).toBe(4);
  });

  it('electrode decision (step 6b): 3 × 3 in-plane means in the layers, per voxel inside, void and air bins cleared', () => {
    for (const shape of SHAPES) {
      const [nz, ny, nx] = shape;
      const plane = ny * nx, n = nz * plane;
      const r = rng(17 + nx);
      // electrode voxels with fringe bins, void / air with and without bins, electrolyte in runs
      const L = runs(n, [ELECTROLYTE, ELECTROLYTE, ELECTRODE, ELECTRODE, ELECTRODE, VOID, AIR, COLLECTOR], 3 + nx);
      for (let i = 0; i < n; i++) if (L[i] === ELECTRODE || L[i] === VOID || L[i] === AIR) L[i] |= Math.floor(r() * (2 * DMAX + 1)) << 4;
      const G = new Uint16Array(new SharedArrayBuffer(2 * n));
      for (let i = 0; i < n; i++) G[i] = 900 + Math.floor(r() * 400);
      const shift = new Float64Array(2 * DMAX + 1);
      for (let b = 1; b < shift.length; b++) shift[b] = -40 + 10.5 * b;
      const lowRows = new Uint8Array(nz * ny).fill(1);
      for (let z = 0; z < nz; z++) lowRows[z * ny + 3] = 0;
      // per column: collector run at 0..c, electrolyte surface, back face, a far layer, a far run
      const t = {
        collOuter: new Int32Array(plane), collInner: new Int32Array(plane), elSurf: new Int32Array(plane), elBack: new Int32Array(plane),
        farInner: new Int32Array(plane), farOuter: new Int32Array(plane).fill(nz), farLayer: true,
      };
      for (let p = 0; p < plane; p++) {
        t.collOuter[p] = p % 5 === 0 ? -1 : 0;
        t.collInner[p] = t.collOuter[p] < 0 ? -1 : 1 + (p % 2);
        t.elSurf[p] = 4 + (p % 3);
        t.elBack[p] = nz - 5 - (p % 2);
        t.farInner[p] = nz - 1;
      }
      const tVL = 1100;
      for (const collectorAtStart of [true, false]) {
        const got = L.slice(), want = L.slice();
        const hasLi = new Uint8Array(plane);
        const counts = [0, 0, 0, 0, 0];
        for (const [z0, z1] of [[0, 5], [5, nz]])
          decideElectrodeSlab({ grey: G, labels: got, lo: 0, z0, z1, shape, lowRows, shift, tVL, collectorAtStart, hasLi, ...t }).forEach((v, j) => (counts[j] += v));
        // the rule by a plain loop (each slice reads its own labels before any write)
        const wantCounts = [0, 0, 0, 0, 0];
        const wantLi = new Uint8Array(plane);
        for (let z = 0; z < nz; z++) {
          const k = collectorAtStart ? z : nz - 1 - z;
          const before = want.slice(z * plane, (z + 1) * plane);
          const cg = (p: number): number => {
            const l = before[p];
            if (!lowRows[z * ny + Math.floor(p / nx)] || (l & 15) !== ELECTRODE) return NaN;
            const b = l >> 4, zone = zoneOf(t, p, k);
            let other = 0;
            if (b && zone === 2) {
              const d = b <= DMAX ? k - t.collInner[p] : t.elSurf[p] - k;
              if (d >= 1 && d <= DMAX && (b > DMAX || t.collOuter[p] >= 0)) other = shift[b <= DMAX ? DMAX + d : d];
            } else if (b && zone === 4) {
              const d = b <= DMAX ? t.farInner[p] - k : k - t.elBack[p];
              if (d >= 1 && d <= DMAX && (b > DMAX || t.farOuter[p] < nz)) other = shift[b <= DMAX ? DMAX + d : d];
            }
            return Math.fround(G[z * plane + p] - shift[b]) - other;
          };
          for (let p = 0; p < plane; p++) {
            const y = Math.floor(p / nx), x = p % nx;
            if (!lowRows[z * ny + y]) continue;
            const i = z * plane + p, s = before[p] & 15;
            if (s === VOID || s === AIR) { want[i] = s; continue; }
            if (s !== ELECTRODE) continue;
            const zone = zoneOf(t, p, k);
            let dark: boolean;
            if (zone === 3) dark = Math.fround(G[i] - shift[before[p] >> 4]) < tVL;
            else {
              let sum = 0, c = 0;
              for (let dy = -1; dy <= 1; dy++)
                for (let dx = -1; dx <= 1; dx++) {
                  if (y + dy < 0 || y + dy >= ny || x + dx < 0 || x + dx >= nx) continue;
                  const v = cg(p + dy * nx + dx);
                  if (v === v) { sum += v; c++; }
                }
              dark = sum / c < tVL;
            }
            if (dark) {
              wantCounts[1]++;
              if (zone === 3) wantCounts[2]++;
              want[i] = zone === 3 ? VOID | (1 << 4) : VOID;
            } else if (zone === 3) want[i] = CAND;
            else {
              want[i] = LI;
              wantCounts[0]++;
              if (zone === 4) wantCounts[4]++;
              else { wantCounts[3]++; wantLi[p] = 1; }
            }
          }
        }
        expect(counts).toEqual(wantCounts);
        expect([...hasLi]).toEqual([...wantLi]);
        expect([...got]).toEqual([...want]);
        expect(wantCounts[0] * wantCounts[1] * wantCounts[2] * wantCounts[4], 'Li, void, cores and far Li all met').toBeGreaterThan(0);
      }
    }
  });

  it('void core growth (step 6b): words without a candidate skipped, every candidate beside a core grows', () => {
    for (const shape of SHAPES) {
      const [nz, ny, nx] = shape;
      const plane = ny * nx, n = nz * plane;
      const L = runs(n, [ELECTROLYTE, ELECTROLYTE, ELECTROLYTE, CAND, VOID | (1 << 4), LI], 29 + nx);
      const want = L.slice();
      const grown = growCoresSlab({ grey: new Uint16Array(0), labels: L, lo: 0, z0: 0, z1: nz, shape, step: 1 });
      let wantGrown = 0;
      const before = want.slice();
      for (let z = 0; z < nz; z++)
        for (let y = 0; y < ny; y++)
          for (let x = 0; x < nx; x++) {
            const i = z * plane + y * nx + x;
            if (before[i] !== CAND) continue;
            let hit = false;
            for (let dz = -1; dz <= 1; dz++)
              for (let dy = -1; dy <= 1; dy++)
                for (let dx = -1; dx <= 1; dx++) {
                  const zz = z + dz, yy = y + dy, xx = x + dx;
                  if (zz >= 0 && zz < nz && yy >= 0 && yy < ny && xx >= 0 && xx < nx && before[zz * plane + yy * nx + xx] === (VOID | (1 << 4))) hit = true;
                }
            if (hit) { want[i] = VOID | (2 << 4); wantGrown++; }
          }
      expect(grown).toBe(wantGrown);
      expect([...L]).toEqual([...want]);
      expect(wantGrown).toBeGreaterThan(20);
    }
  });

  it('low-state grey histogram (step 6a): per fringe bin and grey level, the bins past the table counted apart', () => {
    for (const shape of SHAPES) {
      const [nz, ny, nx] = shape;
      const plane = ny * nx, n = nz * plane;
      const r = rng(41 + nx);
      const L = runs(n, [ELECTROLYTE, ELECTROLYTE, ELECTRODE, VOID, AIR, LI], 13 + nx);
      for (let i = 0; i < n; i++) if (L[i] !== ELECTROLYTE && L[i] !== LI) L[i] |= Math.floor(r() * 11) << 4;
      const G = new Uint16Array(n);
      for (let i = 0; i < n; i++) G[i] = Math.floor(r() * 300);
      const lowRows = new Uint8Array(nz * ny).fill(1);
      lowRows[5] = 0;
      const levels = 300, bins = 9;
      const hist = new Uint32Array(new SharedArrayBuffer(4 * (bins * levels + 1)));
      // two slabs into one table, as the workers add theirs
      for (const [z0, z1] of [[0, 6], [6, nz]]) lowGreyHistSlab({ grey: G, labels: L, lo: 0, z0, z1, shape, lowRows, levels, bins, hist });
      const want = new Uint32Array(bins * levels + 1);
      for (let i = 0; i < n; i++) {
        const s = L[i] & 15;
        if (!lowRows[Math.floor(i / nx)] || (s !== VOID && s !== ELECTRODE && s !== AIR)) continue;
        const b = L[i] >> 4;
        want[b < bins ? b * levels + G[i] : bins * levels]++;
      }
      expect([...hist]).toEqual([...want]);
      expect(want[bins * levels]).toBeGreaterThan(0);
      // a second call on a fresh table: the thread's own table was left all zero
      const again = new Uint32Array(new SharedArrayBuffer(4 * (bins * levels + 1)));
      lowGreyHistSlab({ grey: G, labels: L, lo: 0, z0: 0, z1: nz, shape, lowRows, levels, bins, hist: again });
      expect([...again]).toEqual([...want]);
    }
  });

  it('cathode voxels (step 2): open voxels of the cathode class → CAM, words with no open voxel skipped', () => {
    for (const shape of SHAPES) {
      const [nz, ny, nx] = shape;
      const n = nz * ny * nx;
      const r = rng(53 + nx);
      const L = runs(n, [OPEN, OPEN, ELECTROLYTE, ELECTROLYTE, COLLECTOR], 19 + nx);
      const G = new Uint16Array(n);
      for (let i = 0; i < n; i++) G[i] = Math.floor(r() * 4000);
      const thresholds = [1000.4, 2000.6, 3000.2];
      const cls = classifier(thresholds);
      const want = L.slice();
      let wantN = 0;
      for (let i = 0; i < n; i++) if (want[i] === OPEN && cls(G[i]) === 2) { want[i] = CAM; wantN++; }
      let got = 0;
      for (const [z0, z1] of [[0, 5], [5, nz]]) got += openClassSlab({ grey: G, labels: L, lo: 0, z0, z1, shape, ts: thresholds.map(Math.fround), c: 2, code: CAM });
      expect(got).toBe(wantN);
      expect([...L]).toEqual([...want]);
      expect(wantN).toBeGreaterThan(50);
    }
  });

  it('fringe bins (step 5): DMAX sweeps visiting only the rows beside the last sweep\'s changes give the bins of full sweeps', () => {
    for (const shape of SHAPES) {
      const [nz, ny, nx] = shape;
      const n = nz * ny * nx;
      // random runs (bins from every side), and a stack (electrolyte below, collector above, low
      // density between, along z or along y: the bins climb row by row, past rows that changed nothing)
      for (const stacked of ['none', 'z', 'y'] as const) {
      const L0 = runs(n, [ELECTROLYTE, COLLECTOR, ELECTRODE, ELECTRODE, ELECTRODE, ELECTRODE, VOID, AIR, LI], 7 + nx);
      const plane = ny * nx;
      if (stacked !== 'none')
        for (let i = 0; i < n; i++) {
          const at = stacked === 'z' ? Math.floor(i / plane) : Math.floor(i / nx) % ny, end = stacked === 'z' ? nz : ny;
          L0[i] = at < 2 ? ELECTROLYTE : at >= end - 2 ? COLLECTOR : i % 7 ? ELECTRODE : VOID;
        }
      const lowRows = new Uint8Array(nz * ny).fill(1);
      lowRows[4] = 0;
      const tableOf = (d: number) => Uint8Array.from({ length: 256 }, (_, v) => {
        if (d === 1) return (v & 15) === ELECTROLYTE ? 1 : (v & 15) === COLLECTOR ? DMAX + 1 : 0;
        const b = v >> 4;
        return b && ((b - 1) % DMAX) + 1 === d - 1 ? b + 1 : 0;
      });
      const full = L0.slice(), pruned = L0.slice();
      let changedIn: Uint8Array | null = null;
      let skippedRows = 0;
      for (let d = 1; d <= DMAX; d++) {
        const table = tableOf(d);
        fringeBinsSlab({ grey: new Uint16Array(0), labels: full, lo: 0, z0: 0, z1: nz, shape, lowRows, table });
        const changedOut = new Uint8Array(nz * ny);
        const before = pruned.slice();
        const set = fringeBinsSlab({ grey: new Uint16Array(0), labels: pruned, lo: 0, z0: 0, z1: nz, shape, lowRows, table, changedIn, changedOut });
        // the count returned, and the rows marked, are those of the voxels this sweep set
        let diff = 0;
        const rowsSet = new Uint8Array(nz * ny);
        for (let i = 0; i < n; i++) if (pruned[i] !== before[i]) { diff++; rowsSet[Math.floor(i / nx)] = 1; }
        expect(set).toBe(diff);
        expect([...changedOut]).toEqual([...rowsSet]);
        if (changedIn) skippedRows += changedIn.filter((v) => !v).length;
        changedIn = changedOut;
        expect([...pruned], `sweep ${d}`).toEqual([...full]);
      }
      expect(skippedRows, 'rows that changed nothing').toBeGreaterThan(0);
      expect(full.filter((v) => v >> 4 && ((v >> 4) - 1) % DMAX >= 2).length, 'bins three steps away or more').toBeGreaterThan(0);
      }
    }
  });
});
