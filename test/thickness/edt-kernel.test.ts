import { describe, expect, it } from 'vitest';
import { distanceTransformLabel, distanceTransformMask } from '../../src/thickness/edt.js';
import { fhSegments, lineScratch, passXY, passXYMask, passZ } from '../../src/thickness/edt-kernel.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/** d[p] = min_q (s·(p − q))² + f[q] by brute force. */
function bruteLine(f: ArrayLike<number>, s: number): number[] {
  return Array.from({ length: f.length }, (_, p) => {
    let best = Infinity;
    for (let q = 0; q < f.length; q++) best = Math.min(best, (s * (p - q)) ** 2 + f[q]);
    return best;
  });
}

/** The three passes (distances, µm) from a float buffer initialised with 0 / +Infinity (the out-of-core path's entry). */
function fromFloat(phase: (i: number) => boolean, shape: [number, number, number], spacing: number[]): Float32Array {
  const n = shape[0] * shape[1] * shape[2];
  const buf = new Float32Array(n);
  for (let i = 0; i < n; i++) buf[i] = phase(i) ? Infinity : 0;
  passXY(buf, shape, spacing, 0, shape[0]);
  passZ(buf, shape, spacing, 0, shape[1]);
  return buf;
}

describe('EDT kernels', () => {
  it('lines split at their barriers (f ≤ s²) equal the brute-force lower envelope (runs at both ends, +Infinity samples)', () => {
    const rnd = lcg(11);
    const n = 40;
    const sc = lineScratch(n, 1);
    for (let trial = 0; trial < 300; trial++) {
      const s = [1, 0.7, 2.3][trial % 3];
      const f = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const r = rnd();
        f[i] = r < 0.25 ? 0 : r < 0.35 ? Infinity : Math.floor(rnd() * 60) * s * s * 0.5;
      }
      const d = new Float64Array(n);
      fhSegments(f, 0, d, 0, n, s, sc);
      const ref = bruteLine(f, s);
      for (let p = 0; p < n; p++) expect(d[p], `trial ${trial} p ${p}`).toBeCloseTo(ref[p], 9);
    }
  });

  it('the x/y pass from label bytes equals the pass from the initialised float buffer, bit for bit, and counts the background', () => {
    const shape: [number, number, number] = [6, 13, 17];
    const n = 6 * 13 * 17;
    const rnd = lcg(5);
    const labels = Uint8Array.from({ length: n }, () => Math.floor(rnd() * 3));
    // a row with no background and a slice with none: the +Infinity shortcuts
    for (let i = 0; i < 17; i++) labels[2 * 13 * 17 + 4 * 17 + i] = 2;
    for (let i = 3 * 13 * 17; i < 4 * 13 * 17; i++) labels[i] = 2;
    for (const spacing of [[1, 1, 1], [1.5, 0.7, 2.3]]) {
      for (const match of [2, 0, -1]) {
        const inPhase = (i: number) => (match < 0 ? labels[i] !== 0 : labels[i] === match);
        const ref = new Float32Array(n);
        for (let i = 0; i < n; i++) ref[i] = inPhase(i) ? Infinity : 0;
        passXY(ref, shape, spacing, 0, shape[0]);
        const buf = new Float32Array(n).fill(-1); // every voxel must be written
        const background = passXYMask(buf, labels, match, shape, spacing, 0, shape[0]);
        let expected = 0;
        for (let i = 0; i < n; i++) if (!inPhase(i)) expected++;
        expect(background).toBe(expected);
        expect(Buffer.from(buf.buffer).equals(Buffer.from(ref.buffer)), `match ${match} spacing ${spacing.join(',')}`).toBe(true);
      }
    }
  });

  it('labels given as Uint16, plain arrays or a label above 255 give the bits of the Uint8 path', async () => {
    const shape: [number, number, number] = [9, 11, 14];
    const n = 9 * 11 * 14;
    const rnd = lcg(3);
    const small = Uint8Array.from({ length: n }, () => Math.floor(rnd() * 4));
    const spacing: [number, number, number] = [1.2, 0.9, 1];
    const ref = fromFloat((i) => small[i] === 2, shape, spacing);
    const bytes = await distanceTransformLabel(small, shape, 2, { spacing, threads: 1 });
    expect(Buffer.from(bytes.distance.buffer).equals(Buffer.from(ref.buffer))).toBe(true);
    const wide = Uint16Array.from(small, (v) => (v === 2 ? 700 : v));
    const r16 = await distanceTransformLabel(wide, shape, 700, { spacing, threads: 1 });
    expect(Buffer.from(r16.distance.buffer).equals(Buffer.from(ref.buffer))).toBe(true);
    const plain = await distanceTransformLabel(Array.from(small), shape, 2, { spacing, threads: 1 });
    expect(Buffer.from(plain.distance.buffer).equals(Buffer.from(ref.buffer))).toBe(true);
    const refMask = fromFloat((i) => small[i] !== 0, shape, spacing);
    const mask16 = await distanceTransformMask(Uint16Array.from(small), shape, { spacing, threads: 1 });
    expect(Buffer.from(mask16.distance.buffer).equals(Buffer.from(refMask.buffer))).toBe(true);
  });

  it('worker threads: no background gives +Infinity and the flag; a single feature voxel gives its distance', async () => {
    const shape: [number, number, number] = [20, 30, 40];
    const n = 20 * 30 * 40;
    const full = await distanceTransformMask(new Uint8Array(n).fill(1), shape, { threads: 2, parallelMinVoxels: 0 });
    expect(full.noBackground).toBe(true);
    expect(full.distance.every((v) => v === Infinity)).toBe(true);
    const one = new Uint8Array(n).fill(1);
    one[(7 * 30 + 11) * 40 + 29] = 0;
    const r = await distanceTransformMask(one, shape, { threads: 2, parallelMinVoxels: 0, spacing: [2, 1, 0.5] });
    expect(r.noBackground).toBe(false);
    expect(r.threads).toBe(2);
    let worst = 0;
    for (let k = 0; k < 20; k++)
      for (let j = 0; j < 30; j++)
        for (let i = 0; i < 40; i++) {
          const exact = Math.hypot(2 * (k - 7), j - 11, 0.5 * (i - 29));
          worst = Math.max(worst, Math.abs(r.distance[(k * 30 + j) * 40 + i] - exact) / Math.max(exact, 1));
        }
    expect(worst).toBeLessThan(1e-6);
  });
});
