/**
 * The passes moved off the calling thread (issue #20 point 1) give bit-identical numbers on the
 * workers: label statistics, slice class fractions and the stack-normal column sums of a phantom,
 * computed with the cpu backend's workers and on the calling thread, against each other and against
 * a plain raster loop written here (the independent count).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../src/compute/index.js';
import type { ComputeBackend } from '../../src/compute/types.js';
import type { Shape3 } from '../../src/io/volume.js';
import { generatePhantom } from '../../src/synth/index.js';
import { detectStackAxis, detectStackAxisOfSlices } from '../../src/segment/axis.js';
import { labelStats } from '../../src/segment/common.js';
import { sliceFractions } from '../../src/segment/phases/class-stats.js';
import { AIR, CAM, CAND, CATHODE, DMAX, ELECTRODE, ELECTROLYTE, LI, OPEN, OUTSIDE, UNDECIDED, VOID } from '../../src/segment/phases/codes.js';
import { FRINGE_BINS } from '../../src/segment/phases/layer-kernels.js';
import { finalCodesSlab, fringeBinsSlab, phaseSumsSlab } from '../../src/segment/phases/slab-kernels.js';
import { runSlabKernel } from '../../src/segment/phases/slab-parallel.js';
import { MemoryStore } from '../../src/segment/store.js';

const pool = createBackend('cpu', { workers: 3 });
afterAll(async () => (await pool).dispose());

/** The backend with its module tasks counted (proof that the split ran). */
function counting(b: ComputeBackend): { backend: ComputeBackend; calls: () => number } {
  let n = 0;
  const backend = Object.create(b, {
    runModuleTasks: { value: (m: string, name: string, args: readonly object[]) => { n += args.length; return b.runModuleTasks!(m, name, args); } },
  }) as ComputeBackend;
  return { backend, calls: () => n };
}

/** A plated phantom's scan (uint16) and true labels, on shared memory as the segmentation holds them. */
function phantom(shape: Shape3) {
  const p = generatePhantom({ preset: 'plated', seed: 11, shape });
  const grey = new Uint16Array(new SharedArrayBuffer(2 * p.scan.data.length));
  grey.set(p.scan.data as Uint16Array);
  const labels = new Uint8Array(new SharedArrayBuffer(p.labels.data.length));
  labels.set(p.labels.data as Uint8Array);
  return { grey, labels };
}

describe('main-thread passes on the workers', () => {
  it('labelStats: counts and grey means per label equal the calling thread and a raster loop', async () => {
    const shape: Shape3 = [72, 64, 64];
    const { grey, labels } = phantom(shape);
    const c = counting(await pool);
    const split = await labelStats(new MemoryStore(grey, shape, labels), 4, 5, c.backend);
    expect(c.calls(), 'slabs on the workers').toBeGreaterThan(2);
    const serial = await labelStats(new MemoryStore(grey, shape, labels), 4, 5);
    expect(split).toEqual(serial);
    const counts = new Float64Array(256), sums = new Float64Array(256);
    for (let i = 0; i < labels.length; i++) {
      counts[labels[i]]++;
      sums[labels[i]] += grey[i];
    }
    for (const l of [0, 1, 2, 3]) if (counts[l]) expect(split.meansByLabel[String(l)]).toBe(sums[l] / counts[l]);
    expect(counts[1]).toBeGreaterThan(1000); // a Li layer to measure
  });

  it('sliceFractions: per-slice class fractions equal the calling thread and a raster loop', async () => {
    const shape: Shape3 = [72, 64, 64];
    const { grey } = phantom(shape);
    const ts = [9000.5, 20000.25, 40000];
    const c = counting(await pool);
    const split = await sliceFractions(new MemoryStore(grey, shape), ts, 4, c.backend);
    expect(c.calls()).toBeGreaterThan(2);
    const serial = await sliceFractions(new MemoryStore(grey, shape), ts, 4);
    expect(split).toEqual(serial);
    const plane = shape[1] * shape[2];
    const f32 = ts.map((t) => Math.fround(t));
    for (const z of [0, 20, 40, 71]) {
      const n = [0, 0, 0, 0];
      for (let i = z * plane; i < (z + 1) * plane; i++) {
        let k = 0;
        while (k < 3 && grey[i] >= f32[k]) k++;
        n[k]++;
      }
      for (let k = 0; k < 4; k++) expect(split[k][z]).toBe(n[k] / plane);
    }
    // two thresholds (three classes), three inside the grey range (all four classes met), and
    // thresholds out of order (the nested tests' reading)
    for (const [t, K] of [[[9000.5], 2], [[9000.5, 20000.25], 3], [[3000.5, 6000.25, 9000.5], 4], [[20000.25, 9000.5, 40000], 4]] as [number[], number][]) {
      const two = await sliceFractions(new MemoryStore(grey, shape), t, K, (await pool));
      const tf = t.map((v) => Math.fround(v));
      for (const z of [0, 33, 71]) {
        const n = [0, 0, 0, 0];
        for (let i = z * plane; i < (z + 1) * plane; i++) {
          const g = grey[i];
          // the class as the nested tests give it: the last threshold met, tested from the top
          n[g < tf[0] ? 0 : tf.length > 2 && g >= tf[2] ? 3 : g >= tf[1] ? 2 : 1]++;
        }
        for (let k = 0; k < K; k++) expect(two[k][z], `${t} class ${k} slice ${z}`).toBe(n[k] / plane);
      }
    }
  });

  it('detectStackAxis: column sums, scores and ratio equal the calling thread (rows split over the workers)', async () => {
    // ≥ 2^20 voxels per read: the row split engages
    const shape: Shape3 = [96, 112, 112];
    const { grey } = phantom(shape);
    const c = counting(await pool);
    const split = await detectStackAxis(grey, shape, null, c.backend);
    expect(c.calls()).toBeGreaterThan(2);
    const serial = await detectStackAxis(grey, shape, null);
    expect(split.axis).toBe('z');
    expect(split.scores).toEqual(serial.scores);
    expect(split.ratio).toBe(serial.ratio);
    expect(Buffer.compare(Buffer.from(split.columnsZ.s1.buffer.slice(0)), Buffer.from(serial.columnsZ.s1.buffer.slice(0)))).toBe(0);
    expect(Buffer.compare(Buffer.from(split.columnsZ.s2.buffer.slice(0)), Buffer.from(serial.columnsZ.s2.buffer.slice(0)))).toBe(0);
    // a column's sum by a plain loop
    const [nz, ny, nx] = shape;
    const p = 57 * nx + 33;
    let s = 0;
    for (let z = 0; z < nz; z++) s += grey[z * ny * nx + p];
    expect(split.columnsZ.s1[p]).toBe(s);
  });

  it('detectStackAxis inside a field of view (mask along z, y or x): the workers\' sums and counts equal a plain loop over the unmasked voxels', async () => {
    const shape: Shape3 = [96, 112, 112];
    const [nz, ny, nx] = shape;
    const { grey } = phantom(shape);
    for (const axis of ['z', 'y', 'x'] as const) {
      const [a, b] = axis === 'z' ? [ny, nx] : axis === 'y' ? [nz, nx] : [nz, ny];
      // a disc's outside, on shared memory as fov.ts makes it
      const mask = new Uint8Array(new SharedArrayBuffer(a * b));
      for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) mask[i * b + j] = (i - a / 2) ** 2 + (j - b / 2) ** 2 > (0.45 * Math.min(a, b)) ** 2 ? 1 : 0;
      const fov = { detected: true, axis, fill: 0, mask, masked_fraction: 0, evidence: {} };
      const c = counting(await pool);
      const split = await detectStackAxis(grey, shape, fov, c.backend);
      expect(c.calls(), `axis ${axis}: rows on the workers`).toBeGreaterThan(2);
      // plain loop: per-axis slice sums and counts of the voxels outside the mask
      const sum = { z: new Float64Array(nz), y: new Float64Array(ny), x: new Float64Array(nx) };
      const cnt = { z: new Float64Array(nz), y: new Float64Array(ny), x: new Float64Array(nx) };
      const cs = new Float64Array(ny * nx), cc = new Float64Array(ny * nx);
      let s = 0, s2 = 0, n = 0;
      for (let z = 0; z < nz; z++)
        for (let y = 0; y < ny; y++)
          for (let x = 0; x < nx; x++) {
            if (mask[axis === 'z' ? y * nx + x : axis === 'y' ? z * nx + x : z * ny + y]) continue;
            const g = grey[(z * ny + y) * nx + x];
            sum.z[z] += g; sum.y[y] += g; sum.x[x] += g;
            cnt.z[z]++; cnt.y[y]++; cnt.x[x]++;
            cs[y * nx + x] += g; cc[y * nx + x]++;
            s += g; s2 += g * g; n++;
          }
      const mean = s / n, total = s2 / n - mean * mean;
      for (const ax of ['z', 'y', 'x'] as const) {
        let v = 0;
        for (let k = 0; k < sum[ax].length; k++) if (cnt[ax][k]) v += cnt[ax][k] * (sum[ax][k] / cnt[ax][k] - mean) ** 2;
        expect(split.scores[ax], `axis ${axis}, score ${ax}`).toBeCloseTo(v / n / total, 12);
      }
      expect([...split.columnsZ.s1]).toEqual([...cs]);
      expect([...split.columnsZ.cnt]).toEqual([...cc]);
      // read in slabs of 90 slices (as streamed): the mask along y is indexed by the slab's place
      const plane = ny * nx;
      const slabs = await detectStackAxisOfSlices((z0, z1) => grey.subarray(z0 * plane, z1 * plane), shape, fov, 90, c.backend);
      expect(slabs.scores).toEqual(split.scores);
      expect([...slabs.columnsZ.cnt]).toEqual([...cc]);
    }
  });

  it('layer samples (fringe profile, Li spread): every stride-th voxel of the raster sequence, on the workers as on this thread', async () => {
    const shape: Shape3 = [48, 40, 40];
    const [nz, ny, nx] = shape;
    const plane = ny * nx, n = nz * plane;
    const { grey: g0 } = phantom(shape);
    const labels = new Uint8Array(new SharedArrayBuffer(n));
    // electrode voxels (every 3rd not) with a pseudo-random fringe bin; row 7 of each slice without low-density voxels
    for (let i = 0; i < n; i++) labels[i] = i % 3 === 2 ? 2 : ELECTRODE | ((i * 7919) % FRINGE_BINS) << 4;
    const lowRows = new Uint8Array(new SharedArrayBuffer(nz * ny)).fill(1);
    for (let z = 0; z < nz; z++) lowRows[z * ny + 7] = 0;
    const table = (v: number) => new Int32Array(new SharedArrayBuffer(4 * plane)).fill(v);
    // every voxel in the layer zone (no collector run, electrolyte surface beyond the volume)
    const tables = { collOuter: table(-1), collInner: table(-1), elSurf: table(nz), elBack: table(nz - 1), farInner: table(nz), farOuter: table(nz), farLayer: false };
    const layer = { lowRows, collectorAtStart: true, ...tables };
    const w = { grey: g0, labels, lo: 0, hi: nz, z0: 0, z1: nz };
    const counts = new Float64Array(new SharedArrayBuffer(8 * nz * FRINGE_BINS));
    const c = counting(await pool);
    await runSlabKernel(c.backend, w, shape, 'layerCountsSlab', { ...layer, counts });
    const strides = [3, 0, 5, 7, 1, 2, 11, 4, 13];
    const params = { ...layer, counts, strides, refKind: 1, refStride: 6, allStride: 17 };
    const split = await runSlabKernel(c.backend, w, shape, 'layerSamplesSlab', params);
    expect(split.length, 'slabs on the workers').toBeGreaterThan(2);
    // the backend without worker kernels: one call on this thread
    const calling = Object.create(await pool, { threads: { value: 1 }, runModuleTasks: { value: undefined } }) as ComputeBackend;
    const [one] = await runSlabKernel(calling, w, shape, 'layerSamplesSlab', params);
    const join = <T extends Float32Array | Float64Array | Uint8Array>(parts: T[]) => parts.flatMap((p) => [...p]);
    for (let b = 0; b < FRINGE_BINS; b++) expect(join(split.map((p) => p.bins[b]))).toEqual([...one.bins[b]]);
    expect(join(split.map((p) => p.ref))).toEqual([...one.ref]);
    expect(join(split.map((p) => p.allGrey))).toEqual([...one.allGrey]);
    expect(join(split.map((p) => p.allLabel))).toEqual([...one.allLabel]);
    // the raster sequence by a plain loop
    const seen = new Array(FRINGE_BINS).fill(0);
    const bins: number[][] = strides.map(() => []), ref: number[] = [], all: number[] = [];
    let refSeen = 0, allSeen = 0, total = 0;
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++) {
        if (y === 7) continue;
        for (let x = 0; x < nx; x++) {
          const i = z * plane + y * nx + x;
          if ((labels[i] & 15) !== ELECTRODE) continue;
          total++;
          const b = labels[i] >> 4;
          if (strides[b] && seen[b]++ % strides[b] === 0) bins[b].push(Math.fround(g0[i]));
          if ((!b || ((b - 1) % DMAX) + 1 >= 3) && refSeen++ % 6 === 0) ref.push(Math.fround(g0[i]));
          if (allSeen++ % 17 === 0) all.push(g0[i]);
        }
      }
    let counted = 0;
    for (const v of counts) counted += v;
    expect(counted).toBe(total);
    for (let b = 0; b < FRINGE_BINS; b++) expect([...one.bins[b]]).toEqual(bins[b]);
    expect([...one.ref]).toEqual(ref);
    expect([...one.allGrey]).toEqual(all);
  });

  it('phase sums (interior and all voxels per phase): the word-at-a-time integer path equals a plain 6-neighbour loop', () => {
    for (const shape of [[72, 48, 52], [72, 36, 30]] as Shape3[]) {
      // nx = 52: rows word-aligned (the word path); nx = 30: not (the voxel-by-voxel path)
      const [nz, ny, nx] = shape;
      const plane = ny * nx;
      const { grey, labels } = phantom(shape);
      // speckle: runs of every length, words of mixed labels
      for (let i = 0; i < labels.length; i++) if ((i * 2654435761) % 97 < 3) labels[i] = (i >> 3) % 7;
      const sums = new Float64Array(24);
      for (let z = 0; z < nz; z++)
        for (let y = 0; y < ny; y++)
          for (let x = 0; x < nx; x++) {
            const i = z * plane + y * nx + x, l = labels[i];
            if (l > 5) continue;
            sums[12 + l] += grey[i];
            sums[18 + l]++;
            const nb = [x > 0 ? i - 1 : -1, x < nx - 1 ? i + 1 : -1, y > 0 ? i - nx : -1, y < ny - 1 ? i + nx : -1, z > 0 ? i - plane : -1, z < nz - 1 ? i + plane : -1];
            if (nb.every((j) => j < 0 || labels[j] === l)) {
              sums[l] += grey[i];
              sums[6 + l]++;
            }
          }
      // the whole volume, and a window of slices [9, 21) with its halo
      expect([...phaseSumsSlab({ grey, labels, lo: 0, z0: 0, z1: nz, shape, acc: null })]).toEqual([...sums]);
      const inner = new Float64Array(24);
      for (let z = 9; z < 21; z++)
        for (let i = z * plane; i < (z + 1) * plane; i++) {
          const l = labels[i];
          if (l > 5) continue;
          const x = i % nx, y = Math.floor(i / nx) % ny;
          inner[12 + l] += grey[i];
          inner[18 + l]++;
          const nb = [x > 0 ? i - 1 : -1, x < nx - 1 ? i + 1 : -1, y > 0 ? i - nx : -1, y < ny - 1 ? i + nx : -1, i - plane, i + plane];
          if (nb.every((j) => j < 0 || labels[j] === l)) {
            inner[l] += grey[i];
            inner[6 + l]++;
          }
        }
      const w = { grey: grey.subarray(8 * plane, 22 * plane), labels: labels.subarray(8 * plane, 22 * plane), lo: 8, z0: 9, z1: 21, shape, acc: null };
      expect([...phaseSumsSlab(w)]).toEqual([...inner]);
      expect(sums[6 + 2], 'interior electrolyte').toBeGreaterThan(1000);
    }
  });

  it('final codes (step 6b): words of four equal unchanged labels skipped, every other byte mapped as one by one', () => {
    const shape: Shape3 = [6, 10, 16];
    const n = 6 * 160;
    // long electrolyte stretches (skipped words) broken by every working code, with and without markers
    const codes = [ELECTROLYTE, VOID, VOID | (2 << 4), ELECTRODE, CAND, OPEN, AIR, CAM, LI, ELECTROLYTE | (1 << 4)];
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) labels[i] = (i * 2654435761) % 7 < 4 ? ELECTROLYTE : codes[(i * 40503) % codes.length];
    const expected = Array.from(labels, (v) => {
      const s = v & 15;
      return s === CAND ? LI : s === OPEN ? UNDECIDED : s === AIR ? OUTSIDE : s === CAM ? CATHODE : s;
    });
    const cands = labels.filter((v) => (v & 15) === CAND).length;
    const undecidedAt = new Float64Array(6), undecidedRow = new Int32Array(60);
    const li = finalCodesSlab({ grey: new Uint16Array(0), labels, lo: 0, z0: 0, z1: 6, shape, undecidedAt, undecidedRow });
    expect([...labels]).toEqual(expected);
    expect(li).toBe(cands);
    for (let r = 0; r < 60; r++) expect(undecidedRow[r]).toBe(expected.slice(r * 16, (r + 1) * 16).filter((v) => v === UNDECIDED).length);
    expect(undecidedAt.reduce((x, y) => x + y, 0)).toBe(expected.filter((v) => v === UNDECIDED).length);
    // some words were whole electrolyte (the skip was taken), some mixed
    let whole = 0;
    for (let i = 0; i < n; i += 4) if (expected.slice(i, i + 4).every((v) => v === ELECTROLYTE)) whole++;
    expect(whole).toBeGreaterThan(5);
  });

  it('fringe bins (step 5): words of four equal bytes that are no low state skipped, every low voxel takes its first neighbour\'s bin', () => {
    const shape: Shape3 = [8, 12, 20];
    const [nz, ny, nx] = shape;
    const plane = ny * nx, n = nz * plane;
    const codes = [VOID, ELECTRODE, AIR, VOID | (1 << 4), ELECTROLYTE, 3, ELECTRODE | (2 << 4)];
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) labels[i] = (i * 2654435761) % 5 < 3 ? ELECTROLYTE : codes[(i * 40503) % codes.length];
    const lowRows = new Uint8Array(nz * ny).fill(1);
    lowRows[3] = 0;
    // sweep 2: a bin at distance 1 passes on as its bin + 1
    const table = new Uint8Array(256);
    for (let v = 0; v < 256; v++) table[v] = v >> 4 === 1 || v >> 4 === 5 ? (v >> 4) + 1 : 0;
    const before = labels.slice();
    const expected = before.slice();
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++) {
        if (!lowRows[z * ny + y]) continue;
        for (let x = 0; x < nx; x++) {
          const i = z * plane + y * nx + x, v = before[i];
          if (v !== VOID && v !== ELECTRODE && v !== AIR) continue;
          // the neighbours as the kernel reads them: those before i in raster order may already carry their new bin
          const nb = [x > 0 ? i - 1 : -1, x < nx - 1 ? i + 1 : -1, y > 0 ? i - nx : -1, y < ny - 1 ? i + nx : -1, z > 0 ? i - plane : -1, z < nz - 1 ? i + plane : -1];
          const b = nb.map((j) => (j < 0 ? 0 : table[expected[j]])).find((t) => t) ?? 0;
          if (b) expected[i] = v | (b << 4);
        }
      }
    fringeBinsSlab({ grey: new Uint16Array(0), labels, lo: 0, z0: 0, z1: nz, shape, lowRows, table });
    expect([...labels]).toEqual([...expected]);
    let binned = 0;
    for (let i = 0; i < n; i++) if (labels[i] !== before[i]) binned++;
    expect(binned).toBeGreaterThan(20);
  });
});

