/**
 * The phase steps' slab kernels on the cpu backend's workers (slab-parallel.ts): the same labels and
 * report numbers as on the calling thread (the original single raster pass), for integer grey (sums
 * split over the workers) and float grey (sums kept on this thread), in memory and streamed; the
 * labels still match the phantoms' truth; and the backend's module tasks return in argument order
 * with the workers' writes to shared memory visible.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createBackend } from '../../src/compute/index.js';
import type { ComputeBackend } from '../../src/compute/types.js';
import { generatePhantom, type PresetName, type SynthOptions } from '../../src/synth/index.js';
import { segment, segmentOutOfCore } from '../../src/segment/index.js';
import type { SegmentOptions, SegmentReport } from '../../src/segment/index.js';
import { memorySource } from '../../src/io/source.js';
import { KERNELS_MODULE, runSlabKernel } from '../../src/segment/phases/slab-parallel.js';
import { phaseMeans } from '../../src/segment/phases/neighbours.js';
import { MemoryStore } from '../../src/segment/store.js';
import { dice } from './metrics.js';

// three workers whatever the machine: the kernels are split (a one-core machine would not split)
const pool = createBackend('cpu', { workers: 3 });
afterAll(async () => (await pool).dispose());

/** The backend with its module tasks counted. */
function counting(b: ComputeBackend): { backend: ComputeBackend; calls: () => number } {
  let n = 0;
  const backend = Object.create(b, {
    runModuleTasks: { value: (m: string, name: string, args: readonly object[]) => { n++; return b.runModuleTasks!(m, name, args); } },
  }) as ComputeBackend;
  return { backend, calls: () => n };
}

/** The backend without worker kernels: every phase step on the calling thread. */
const calling = (b: ComputeBackend): ComputeBackend => Object.create(b, { threads: { value: 1 }, runModuleTasks: { value: undefined } }) as ComputeBackend;

function numbers(r: SegmentReport) {
  const { timings_ms: _t, backend: _b, ...rest } = r;
  return JSON.parse(JSON.stringify(rest));
}

describe('runModuleTasks', () => {
  it('runs a kernel module on the workers: results in argument order, writes to shared memory seen', async () => {
    const b = await pool;
    const n = 40_000;
    const grey = new Uint16Array(new SharedArrayBuffer(2 * n));
    for (let i = 0; i < n; i++) grey[i] = (i * 7919) % 1000;
    const mask = new Uint8Array(new SharedArrayBuffer(n));
    // class 1 of thresholds [300, 700]: 300 ≤ g < 700
    const parts = 8;
    const args = Array.from({ length: parts }, (_, k) => ({ grey, mask, i0: (k * n) / parts, i1: ((k + 1) * n) / parts, ts: [300, 700], cs: [1] }));
    const res = await b.runModuleTasks!<number>(KERNELS_MODULE, 'classMaskRange', args);
    expect(res).toEqual(new Array(parts).fill(0));
    let wrong = 0;
    for (let i = 0; i < n; i++) if (mask[i] !== (grey[i] >= 300 && grey[i] < 700 ? 1 : 0)) wrong++;
    expect(wrong).toBe(0);
    // the lowest and the highest class, two classes at once, float grey with NaN (class 0)
    const fgrey = new Float32Array(new SharedArrayBuffer(4 * n));
    for (let i = 0; i < n; i++) fgrey[i] = i % 97 === 0 ? NaN : ((i * 7919) % 1000) + 0.5;
    const classOf = (v: number, ts: number[]) => (v >= ts[2] ? 3 : v >= ts[1] ? 2 : v >= ts[0] ? 1 : 0);
    for (const cs of [[0], [3], [1, 3], [0, 2]])
      for (const g of [grey, fgrey]) {
        const ts = [250.5, 500, 750]; // greys equal to 500 and 750 (uint16): the ≥ at each threshold
        const m2 = new Uint8Array(new SharedArrayBuffer(n));
        await b.runModuleTasks!<number>(KERNELS_MODULE, 'classMaskRange', Array.from({ length: parts }, (_, k) => ({ grey: g, mask: m2, i0: (k * n) / parts, i1: ((k + 1) * n) / parts, ts, cs })));
        let bad = 0;
        for (let i = 0; i < n; i++) if (m2[i] !== (cs.includes(classOf(g[i], ts)) ? 1 : 0)) bad++;
        expect(bad, `classes ${cs} ${g.constructor.name}`).toBe(0);
      }
    // per-slab results in z order: Li candidates (label CAND = 5) counted per slab of a window
    const shape: [number, number, number] = [32, 8, 8];
    const labels = new Uint8Array(new SharedArrayBuffer(32 * 64));
    for (let z = 0; z < 32; z++) labels.fill(5, z * 64, z * 64 + z); // z candidates in slice z
    const undecidedAt = new Float64Array(new SharedArrayBuffer(8 * 32));
    const undecidedRow = new Int32Array(new SharedArrayBuffer(4 * 32 * 8));
    const w = { grey: new Uint16Array(0), labels, lo: 0, hi: 32, z0: 0, z1: 32 };
    const counts = await runSlabKernel(b, w, shape, 'finalCodesSlab', { undecidedAt, undecidedRow });
    expect(counts.length).toBeGreaterThan(2);
    // slab k holds slices [32k/parts, 32(k+1)/parts): Σ z over them
    const got = counts.map((c, k) => {
      const z0 = Math.floor((k * 32) / counts.length), z1 = Math.floor(((k + 1) * 32) / counts.length);
      let s = 0;
      for (let z = z0; z < z1; z++) s += z;
      return c - s;
    });
    expect(got.every((d) => d === 0)).toBe(true);
    expect(labels.filter((v) => v === 1).length).toBe((31 * 32) / 2); // every candidate → Li
  });
});

describe('phase means on the workers', () => {
  it('float grey is summed in raster order on this thread (a split would change the float sums)', async () => {
    const b = await pool;
    const shape: [number, number, number] = [16, 8, 8];
    const n = 16 * 64;
    const grey = new Float32Array(new SharedArrayBuffer(4 * n)).fill(1);
    // ±1e30 in slice 8: in raster order the 512 ones before them are lost to rounding
    // (512 + 1e30 = 1e30), the 510 after them are not
    grey[8 * 64] = 1e30;
    grey[8 * 64 + 1] = -1e30;
    const labels = new Uint8Array(new SharedArrayBuffer(n)); // all void: every voxel interior
    const mu = await phaseMeans(new MemoryStore(grey, shape, labels), [NaN, NaN, NaN, NaN, NaN, NaN], b);
    expect(mu[0]).toBe(510 / n);
    // integer grey sums exactly in any order: split over the workers, the exact mean
    const g16 = new Uint16Array(new SharedArrayBuffer(2 * n));
    for (let i = 0; i < n; i++) g16[i] = (i * 37) % 4096;
    let s = 0;
    for (let i = 0; i < n; i++) s += g16[i];
    const calls = counting(b);
    const mu16 = await phaseMeans(new MemoryStore(g16, shape, labels), [NaN, NaN, NaN, NaN, NaN, NaN], calls.backend);
    expect(calls.calls()).toBe(1);
    expect(mu16[0]).toBe(s / n);
  });
});

interface Case { preset: PresetName; options: Partial<SegmentOptions>; synth?: Partial<SynthOptions>; shape: [number, number, number]; slab: number }
const CASES: Case[] = [
  { preset: 'plated', options: {}, shape: [64, 64, 64], slab: 9 }, // median: uint16 grey, sums on the workers
  { preset: 'plated', options: { denoise: 'gaussian', sigma: 1.3 }, shape: [64, 56, 56], slab: 7 }, // float32 grey
  { preset: 'fullcell', options: {}, shape: [120, 48, 48], slab: 11 }, // a cathode: two class masks, four classes
  { preset: 'symmetric', options: {}, synth: { axis: 'x', surroundings: 'plunger', fov: 'circle' }, shape: [48, 48, 120], slab: 8 },
];

describe('phase steps on the workers equal the calling thread', () => {
  for (const c of CASES) {
    it(`${c.preset} ${JSON.stringify(c.options)}${c.synth ? ` ${JSON.stringify(c.synth)}` : ''}`, async () => {
      const b = await pool;
      const p = generatePhantom({ preset: c.preset, seed: 5, shape: c.shape, ...c.synth });
      const options: SegmentOptions = { mode: 'phases', method: 'otsu', ...c.options };
      const serial = await segment(p.scan, { ...options, backend: calling(b) });
      const par = counting(b);
      const split = await segment(p.scan, { ...options, backend: par.backend });
      expect(par.calls(), 'kernels ran on the workers').toBeGreaterThan(10);
      expect(Buffer.compare(Buffer.from(split.labels), Buffer.from(serial.labels))).toBe(0);
      expect(numbers(split.report)).toEqual(numbers(serial.report));
      expect(dice(split.labels, p.labels.data, 1), 'Li Dice').toBeGreaterThan(0.85);
      expect(dice(split.labels, p.labels.data, 2), 'electrolyte Dice').toBeGreaterThan(0.85);
      // streamed: windows of a few slices, each split again on the workers
      const ooc = await segmentOutOfCore(memorySource(p.scan), { ...options, backend: par.backend }, { budgetBytes: 1 << 30, slabSlices: c.slab });
      try {
        const labels = ooc.labels.readSlices(0, ooc.labels.shape[0]) as Uint8Array;
        expect(Buffer.compare(Buffer.from(labels.subarray(0, serial.labels.length)), Buffer.from(serial.labels))).toBe(0);
        expect(numbers(ooc.report).refinement).toEqual(numbers(serial.report).refinement);
      } finally {
        ooc.labels.discard();
      }
    }, 120_000);
  }
});
