/**
 * The trainable features with every scale computed by a backend's scaleFeatures (backend-slab.ts,
 * the path a gpu backend takes) give, with the cpu backend's twin, the same bits as prepareSlab's
 * own path (fine scales smoothed once and computed voxel by voxel, coarse scales through the same
 * gridScaleFeatures): the dense fine planes land where the voxels read them, per voxel and per plane,
 * in a slab at the volume's face and one inside it. The gpu against this twin: test/compute/trainable-features-gpu.test.ts.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { CpuBackend } from '../../src/compute/cpu/backend.js';
import { generatePhantom } from '../../src/synth/index.js';
import { buildPyramid, DEFAULT_SCALES, defaultFactor, prepareSlab, slabRange, type FeatureSpec } from '../../src/segment/trainable/features.js';
import { prepareSlabOn } from '../../src/segment/trainable/backend-slab.js';

describe('trainable features through a backend (cpu twin) = prepareSlab', () => {
  const cpu = new CpuBackend({ workers: 1 });
  afterAll(() => cpu.dispose());
  const [nz, ny, nx] = [30, 22, 26];
  const scan = generatePhantom({ preset: 'symmetric', seed: 5, shape: [nz, ny, nx] }).scan.data;
  const spec: FeatureSpec = { scales: DEFAULT_SCALES, greyLo: 100, greyHi: 60000, factors: DEFAULT_SCALES.map(defaultFactor) };

  for (const [z0, z1] of [[0, 7], [11, 23]]) {
    it(`slab ${z0}–${z1}: every feature of every voxel bit for bit, per voxel and per plane`, async () => {
      const [h0, h1] = slabRange(spec, z0, z1, nz);
      const plane = ny * nx;
      const grey = scan.subarray(h0 * plane, h1 * plane);
      const pyramid = buildPyramid(scan, nz, ny, nx, spec);
      const a = await prepareSlabOn(cpu, grey, h0, h1, z0, z1, nz, ny, nx, spec, pyramid);
      const b = prepareSlab(grey, h0, h1, z0, z1, nz, ny, nx, spec, pyramid);
      const F = a.count;
      expect(F).toBe(1 + 6 * DEFAULT_SCALES.length);
      const pa = new Float32Array(F * plane), pb = new Float32Array(F * plane);
      const va = new Float32Array(F), vb = new Float32Array(F);
      let differ = 0, nonzero = 0;
      for (let z = z0; z < z1; z++) {
        a.plane(z, pa);
        b.plane(z, pb);
        for (let i = 0; i < pa.length; i++) {
          if (!Object.is(pa[i], pb[i])) differ++;
          if (pa[i] !== 0) nonzero++;
        }
        for (const [y, x] of [[0, 0], [ny >> 1, nx >> 1], [ny - 1, nx - 1], [3, nx - 2]]) {
          a.voxel(z, y, x, va, 0, 1);
          b.voxel(z, y, x, vb, 0, 1);
          for (let k = 0; k < F; k++) if (!Object.is(va[k], vb[k])) differ++;
        }
      }
      expect(differ).toBe(0);
      expect(nonzero).toBeGreaterThan(0.9 * F * plane * (z1 - z0));
    });
  }
});
