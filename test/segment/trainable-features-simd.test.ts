/**
 * The fine scales' plane features in WebAssembly SIMD (src/compute/wasm-scale-features.ts) give the
 * very bits of the scalar code (voxelScaleFeatures), which stays the reference: every voxel of
 * every plane, the faces and the clamped border included, flat regions (the diagonal-Hessian
 * branch) and planes of odd and even width (the pairs' leftover column).
 */
import { describe, expect, it } from 'vitest';
import { instantiate, wasmModule } from '../../src/compute/wasm-binary.js';
import { planeScaleFeatures, planeScratchBytes } from '../../src/compute/wasm-scale-features.js';
import { gaussian3Scalar } from '../../src/compute/scale-features.js';
import { gaussian3Simd } from '../../src/compute/wasm-gaussian.js';
import { buildPyramid, featureCount, prepareSlab, type FeatureSpec } from '../../src/segment/trainable/features.js';
import { mulberry32 } from '../../src/compute/rng.js';

function scan(nz: number, ny: number, nx: number): Float32Array {
  const rnd = mulberry32(4);
  const g = new Float32Array(nz * ny * nx);
  for (let z = 0, i = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++, i++) {
    // a layered cell with noise, and a flat block (every derivative 0 inside it)
    const flat = z >= 2 && z < 12 && y >= 3 && y < 16 && x >= 5 && x < 22;
    // rows from 12 on vary along z only: the Hessian is diagonal there (the sorting branch)
    g[i] = flat ? 5000 : y >= 12 && x >= 24 ? 3000 + 2000 * Math.tanh((z - nz / 2) / 2) : 3000 + 2000 * Math.tanh((z - nz / 2) / 2) + 300 * Math.sin(0.4 * x + 0.3 * y) + 400 * (rnd() - 0.5);
  }
  return g;
}

describe('plane features in WebAssembly SIMD', () => {
  for (const [ny, nx] of [[23, 41], [18, 40]]) {
    it(`${ny} × ${nx}: bit-identical to the scalar features, every plane`, () => {
      const nz = 14;
      const plane = ny * nx;
      const grey = scan(nz, ny, nx);
      const spec: FeatureSpec = { scales: [0.7, 1.6, 3.5], greyLo: 0, greyHi: 8000 };
      const F = featureCount(spec);
      const slab = prepareSlab(grey, 0, nz, 0, nz, nz, ny, nx, spec, buildPyramid(grey, nz, ny, nx, spec));
      const scratchOffset = Math.ceil((F * plane * 4) / 16) * 16;
      const { memory } = instantiate(wasmModule([], Math.ceil((scratchOffset + planeScratchBytes(ny, nx)) / 65536), {}));
      const kernel = planeScaleFeatures(memory, scratchOffset, ny, nx);
      expect(kernel).not.toBeNull();
      const out = new Float32Array(memory.buffer, 0, F * plane);
      const ref = new Float32Array(F * plane);
      let differ = 0, flat = 0, diagonal = 0;
      for (let z = 0; z < nz; z++) {
        slab.plane(z, ref);
        out.fill(NaN);
        slab.plane(z, out, kernel);
        const a = new Uint32Array(ref.buffer), b = new Uint32Array(out.buffer, out.byteOffset, out.length);
        for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differ++;
        // in the flat block's middle the σ 0.7 gradient and Hessian are exactly 0
        for (let i = 0; i < plane; i++) if (ref[2 * plane + i] === 0 && ref[4 * plane + i] === 0 && ref[6 * plane + i] === 0) flat++;
        // z-only rows: no gradient across, a nonzero eigenvalue that must come out sorted
        for (let i = 0; i < plane; i++) if (ref[4 * plane + i] !== ref[6 * plane + i] && (ref[4 * plane + i] === 0 || ref[6 * plane + i] === 0) && ref[5 * plane + i] === 0) diagonal++;
      }
      expect(differ).toBe(0);
      expect(flat).toBeGreaterThan(10);
      expect(diagonal).toBeGreaterThan(10);
    });
  }

  for (const [depth, ny, nx, sigma, c0, c1] of [[7, 5, 9, 1.6, 0, 7], [20, 33, 31, 0.7, 3, 17], [12, 16, 24, 3.5, 1, 11]]) {
    it(`the Gaussian (${depth}×${ny}×${nx}, σ ${sigma}, planes ${c0}–${c1}): bit-identical to the scalar passes`, () => {
      const rnd = mulberry32(9);
      const n = depth * ny * nx;
      const src = Float32Array.from({ length: n }, () => 1000 * rnd() - 300);
      const a = new Float32Array(n).fill(-7), b = new Float32Array(n).fill(-7);
      gaussian3Scalar(src, a, new Float32Array(n), depth, ny, nx, sigma, c0, c1);
      // the SIMD path itself (gaussian3 would fall back to the scalar one without it)
      expect(gaussian3Simd(src, b, depth, ny, nx, sigma, c0, c1)).toBe(true);
      const ua = new Uint32Array(a.buffer), ub = new Uint32Array(b.buffer);
      let differ = 0;
      for (let i = 0; i < n; i++) if (ua[i] !== ub[i]) differ++;
      expect(differ).toBe(0);
      expect(a[5]).not.toBe(-7);
    });
  }
});
