/** Helpers for the thickness-map accuracy tests (reusable once segmentation lands). */
import type { Volume } from '../../src/io/volume.js';
import { type ThicknessMapOptions, type ThicknessMapResult } from '../../src/thickness/map.js';
import { thicknessMap } from '../../src/thickness/electrodes.js';

export interface MapAccuracy {
  /** Mean absolute error vs the truth map, in voxels (µm / voxel size along the normal). */
  maeVoxels: number;
  /** Same for the unrefined (voxel-count) thickness. */
  maeVoxelsCount: number;
  /** Columns compared (finite in both). */
  columns: number;
  result: ThicknessMapResult;
}

export function mae(a: Float32Array, b: Float32Array, scale: number): { mae: number; n: number } {
  let s = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]) || !Number.isFinite(b[i])) continue;
    s += Math.abs(a[i] - b[i]);
    n++;
  }
  return { mae: n ? s / n / scale : NaN, n };
}

/**
 * Thickness map of `labels` (true labels, or a segmentation of the scan) compared with a truth map
 * (µm, same [1, ny, nx] layout as the map). Pass `scan` for the sub-voxel refinement.
 */
export function mapAccuracy(labels: Volume, truth: Volume<Float32Array>, options: ThicknessMapOptions = {}): MapAccuracy {
  const result = thicknessMap(labels, options);
  const voxel = result.axis_um;
  const a = mae(result.thickness, truth.data, voxel);
  const b = mae(result.thicknessVoxelCount, truth.data, voxel);
  return { maeVoxels: a.mae, maeVoxelsCount: b.mae, columns: a.n, result };
}
