import { afterAll, describe, expect, it } from 'vitest';
import { generatePhantom, type PresetName } from '../../src/synth/index.js';
import { createBackend } from '../../src/compute/index.js';
import type { ComputeBackend } from '../../src/compute/types.js';
import { segment } from '../../src/segment/index.js';
import { makeVolume } from '../../src/io/volume.js';
import { mapAccuracy } from './map-helpers.js';

// The full chain a user runs: grey-level scan → segmentation → thickness map, against the exact truth.
const SHAPE: [number, number, number] = [96, 128, 128];
let backend: ComputeBackend | null = null;
afterAll(async () => backend?.dispose());

describe('thickness map from segmented scans (not from true labels)', () => {
  for (const preset of ['plated', 'depleted', 'foil'] as PresetName[]) {
    it(`${preset}: MAE ≤ 1.5 voxel; --scan refinement is better than without`, async () => {
      backend ??= await createBackend('cpu');
      const ph = generatePhantom({ preset, shape: SHAPE });
      const seg = await segment(ph.scan, { backend, mode: 'phases', method: 'otsu' });
      const labels = makeVolume(seg.labels, ph.scan.shape, ph.scan.spacing);
      const plain = mapAccuracy(labels, ph.thickness);
      const refined = mapAccuracy(labels, ph.thickness, { scan: ph.scan });
      console.log(`${preset}: thickness from segmented scan MAE ${plain.maeVoxels.toFixed(3)} voxel, with --scan ${refined.maeVoxels.toFixed(3)} voxel`);
      expect(plain.columns).toBe(SHAPE[1] * SHAPE[2]);
      expect(plain.maeVoxels).toBeLessThanOrEqual(1.5);
      expect(refined.maeVoxels).toBeLessThan(plain.maeVoxels);
    });
  }
});
