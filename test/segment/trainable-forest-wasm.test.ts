/**
 * The forest compiled to WebAssembly (forest-wasm.ts) gives the very bits of the interpreted walk
 * (forest.ts predictPacked, the reference): the same comparisons, including samples exactly at a
 * threshold and NaN features, the same float32 sums of pure and mixed leaves, skipped samples at 0.
 */
import { describe, expect, it } from 'vitest';
import { packForest, predictPacked, trainForest } from '../../src/segment/trainable/forest.js';
import { compileForest } from '../../src/segment/trainable/forest-wasm.js';
import { mulberry32 } from '../../src/compute/rng.js';

const F = 31, K = 5;

/** n samples whose class follows the first six features with noise (sample-major). */
function samples(n: number, seed: number): { X: Float32Array; y: Uint8Array } {
  const rnd = mulberry32(seed);
  const X = new Float32Array(n * F), y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let a = 0;
    for (let f = 0; f < F; f++) {
      const v = rnd();
      X[i * F + f] = v;
      if (f < 6) a += v;
    }
    y[i] = Math.min(K - 1, Math.floor(((a + 0.6 * rnd()) * K) / 6.6));
  }
  return { X, y };
}

/** The training samples themselves, feature-major (values sit exactly on the split thresholds), some NaN. */
function featureMajor(X: Float32Array, n: number): Float32Array {
  const Xf = new Float32Array(F * n);
  for (let i = 0; i < n; i++) for (let f = 0; f < F; f++) Xf[f * n + i] = X[i * F + f];
  for (let i = 0; i < n; i += 97) Xf[(i % F) * n + i] = NaN;
  return Xf;
}

const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

describe('the forest compiled to WebAssembly', () => {
  for (const [name, minLeaf] of [['pure leaves (deep trees)', 1], ['mixed leaves (minLeaf 40)', 40]] as const) {
    it(`${name}: bit-identical to the interpreted walk, skipped samples 0`, () => {
      const train = samples(6000, 3);
      const packed = packForest(trainForest(train.X, train.y, 6000, F, K, { trees: 9, maxDepth: 12, minLeaf, seed: 2 }));
      const n = 2500; // not a multiple of the 1024-sample block
      const Xf = featureMajor(train.X, n);
      const skip = new Uint8Array(n);
      for (let i = 0; i < n; i += 13) skip[i] = 1;
      const ref = predictPacked(packed, Xf, n, undefined, skip);
      const compiled = compileForest(packed, F, n)!;
      compiled.features.set(Xf);
      compiled.skip.set(skip);
      compiled.probabilities.fill(7);
      compiled.predict(0, n);
      let differ = 0;
      const a = bits(ref), b = bits(compiled.probabilities);
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differ++;
      expect(differ).toBe(0);
      // the walk is not trivial: classes spread, mixed leaves give fractions that are not k/T
      const counts = new Array(K).fill(0);
      let fractional = 0;
      for (let i = 0; i < n; i++) {
        let best = 0;
        for (let k = 1; k < K; k++) if (ref[i * K + k] > ref[i * K + best]) best = k;
        if (!skip[i]) counts[best]++;
        for (let k = 0; k < K; k++) if (Math.abs(ref[i * K + k] * 9 - Math.round(ref[i * K + k] * 9)) > 1e-4) fractional++;
      }
      expect(counts.filter((c) => c > 50).length).toBeGreaterThanOrEqual(3);
      if (minLeaf > 1) expect(fractional).toBeGreaterThan(100);
      for (let i = 0; i < n; i += 13) for (let k = 0; k < K; k++) expect(compiled.probabilities[i * K + k]).toBe(0);
    });
  }

  it('a part of the samples: only that range is written', () => {
    const train = samples(3000, 5);
    const packed = packForest(trainForest(train.X, train.y, 3000, F, K, { trees: 4, seed: 1 }));
    const n = 3000;
    const compiled = compileForest(packed, F, n)!;
    compiled.features.set(featureMajor(train.X, n));
    compiled.probabilities.fill(-1);
    compiled.predict(1100, 2300);
    expect(compiled.probabilities[1099 * K + K - 1]).toBe(-1);
    expect(compiled.probabilities[2300 * K]).toBe(-1);
    let sum = 0;
    for (let k = 0; k < K; k++) sum += compiled.probabilities[1500 * K + k];
    expect(sum).toBeCloseTo(1, 6);
  });
});
