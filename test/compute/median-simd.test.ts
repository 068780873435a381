/**
 * The WebAssembly SIMD 3×3×3 median (src/compute/wasm-median.ts) against the scalar median3Slab,
 * bit for bit, and the pieces of its argument: the pruned median-of-13 network (0-1 principle,
 * exhaustively) and the 13 candidates of a 9×3 matrix sorted both ways (brute force).
 */
import { describe, expect, it } from 'vitest';
import { median3Slab } from '../../src/compute/cpu/kernels.js';
import { CANDIDATES, median13, median3SlabSimd, medianBySelection, orderedZeroOneInputs, runNetwork, selectionNetwork, sortingNetwork } from '../../src/compute/wasm-median.js';
import { mulberry32 as makeRng } from '../../src/compute/rng.js';

type Shape3 = [number, number, number];

describe('median-of-13 selection network', () => {
  it('selectionNetwork(13, 6): output 6 is the 7th smallest for all 2^13 0-1 inputs', () => {
    const net = selectionNetwork(13, 6);
    let bad = 0;
    for (let m = 0; m < 1 << 13; m++) {
      const v = Array.from({ length: 13 }, (_, i) => (m >> i) & 1);
      if (runNetwork(net, v) !== (v.filter((b) => b === 0).length >= 7 ? 0 : 1)) bad++;
    }
    expect(bad).toBe(0);
    expect(net.length).toBe(39);
  });
  it('median13() (pruned by the matrix order) is right on every ordered 0-1 input, and each comparator is needed', () => {
    const inputs = orderedZeroOneInputs();
    const MEDIAN13 = median13();
    // ordered 0-1 9×3 matrices are staircases (zero counts 9 ≥ z0 ≥ z1 ≥ z2 ≥ 0 per column, C(12, 3) = 220);
    // on the 13 candidates they show 120 distinct patterns (counted independently in numpy-free Python)
    expect(inputs.length).toBe(120);
    const right = (net: typeof MEDIAN13) => inputs.filter((v) => runNetwork(net, v) === (v.filter((b) => b === 0).length >= 7 ? 0 : 1)).length;
    expect(right(MEDIAN13)).toBe(inputs.length);
    for (let c = 0; c < MEDIAN13.length; c++) expect(right(MEDIAN13.filter((_, i) => i !== c))).toBeLessThan(inputs.length);
    expect(MEDIAN13.length).toBe(20);
  });
  it('is pruned from a 13-input sorting network that sorts every 0-1 input', () => {
    const full = sortingNetwork(13);
    let bad = 0;
    for (let m = 0; m < 1 << 13; m++) {
      const v = Array.from({ length: 13 }, (_, i) => (m >> i) & 1);
      const ones = v.filter((b) => b === 1).length;
      for (const [lo, hi] of full) if (v[lo] > v[hi]) [v[lo], v[hi]] = [v[hi], v[lo]];
      if (v.some((b, i) => b !== (i >= 13 - ones ? 1 : 0))) bad++;
    }
    expect(bad).toBe(0);
    expect(full.length).toBe(48);
  });
});

describe('median of 27 from 13 candidates', () => {
  it('has 13 candidates: 4 + 5 + 4', () => {
    expect(CANDIDATES.length).toBe(13);
    expect(CANDIDATES.filter(([, j]) => j === 0).map(([i]) => i)).toEqual([5, 6, 7, 8]);
    expect(CANDIDATES.filter(([, j]) => j === 1).map(([i]) => i)).toEqual([2, 3, 4, 5, 6]);
    expect(CANDIDATES.filter(([, j]) => j === 2).map(([i]) => i)).toEqual([0, 1, 2, 3]);
  });
  it('equals the 14th of 27 on random neighbourhoods with ties', () => {
    const rng = makeRng(5);
    let bad = 0;
    for (let t = 0; t < 20000; t++) {
      const range = [2, 3, 5, 30, 65536][t % 5];
      const cols = [0, 1, 2].map(() => Array.from({ length: 9 }, () => Math.floor(rng() * range))) as [number[], number[], number[]];
      const all = cols.flat().sort((a, b) => a - b);
      if (medianBySelection(cols) !== all[13]) bad++;
    }
    expect(bad).toBe(0);
  });
});

function volume(kind: 'u8' | 'u16', n: number, seed: number, mode: number): Uint8Array | Uint16Array {
  const rng = makeRng(seed);
  const a = kind === 'u8' ? new Uint8Array(n) : new Uint16Array(n);
  const top = kind === 'u8' ? 255 : 65535;
  for (let i = 0; i < n; i++) {
    const r = rng();
    // mode 0: few levels (many ties); 1: extremes and full range; 2: smooth ramp plus noise
    a[i] = mode === 0 ? Math.floor(r * 4) * 3 : mode === 1 ? (r < 0.3 ? 0 : r < 0.6 ? top : Math.floor(rng() * (top + 1))) : Math.min(top, (i % 97) * 3 + Math.floor(r * 20));
  }
  return a;
}

describe('median3SlabSimd is bit-identical to median3Slab', () => {
  const shapes: Shape3[] = [];
  for (const nx of [1, 2, 7, 9, 15, 17, 31, 33]) for (const ny of [1, 2, 3, 5]) for (const nz of [1, 2, 3, 4]) shapes.push([nz, ny, nx]);
  for (const kind of ['u8', 'u16'] as const) {
    it(`${kind}: ${shapes.length} shapes × 3 value modes, whole volume`, () => {
      let compared = 0;
      for (const shape of shapes) {
        for (let mode = 0; mode < 3; mode++) {
          const n = shape[0] * shape[1] * shape[2];
          const input = volume(kind, n, n * 7 + mode, mode);
          const ref = input.slice(), got = input.slice();
          ref.fill(1); got.fill(2);
          median3Slab(input, ref, shape, 0, shape[0], null, null);
          expect(median3SlabSimd(input, got, shape, 0, shape[0], null, null)).toBe(true);
          expect(Array.from(got), `${kind} ${shape} mode ${mode}`).toEqual(Array.from(ref));
          compared++;
        }
      }
      expect(compared).toBe(shapes.length * 3);
    });
    it(`${kind}: slabs with halos, in place (out === input)`, () => {
      const shape: Shape3 = [11, 13, 19];
      const [nz, ny, nx] = shape;
      const plane = ny * nx;
      for (let mode = 0; mode < 3; mode++) {
        const input = volume(kind, nz * plane, 40 + mode, mode);
        const ref = input.slice();
        median3Slab(input, ref, shape, 0, nz, null, null);
        const bounds = [0, 3, 4, 8, 11];
        const inPlace = input.slice();
        // halos copied before any slab writes, as the cpu backend does
        const halos = bounds.slice(0, -1).map((z0, s) => ({
          z0, z1: bounds[s + 1],
          lo: z0 > 0 ? inPlace.slice((z0 - 1) * plane, z0 * plane) : null,
          hi: bounds[s + 1] < nz ? inPlace.slice(bounds[s + 1] * plane, (bounds[s + 1] + 1) * plane) : null,
        }));
        for (const h of halos) expect(median3SlabSimd(inPlace, inPlace, shape, h.z0, h.z1, h.lo, h.hi)).toBe(true);
        expect(Array.from(inPlace), `${kind} mode ${mode}`).toEqual(Array.from(ref));
      }
    });
  }
  it('float32 stays on the scalar path', () => {
    const a = new Float32Array(27);
    expect(median3SlabSimd(a, a.slice(), [3, 3, 3], 0, 3, null, null)).toBe(false);
  });
});
