/** Helpers for the thickness-map accuracy tests (reusable once segmentation lands). */
import { makeVolume, type Volume, type VoxelArray } from '../../src/io/volume.js';
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

/** The volume mirrored along z (index k → nz − 1 − k): the Li side on the other end. */
export function flipZ<T extends VoxelArray>(v: Volume<T>): Volume<T> {
  const [nz, ny, nx] = v.shape;
  const plane = ny * nx;
  const out = new (v.data.constructor as new (n: number) => T)(v.data.length);
  for (let k = 0; k < nz; k++) out.set(v.data.subarray(k * plane, (k + 1) * plane), (nz - 1 - k) * plane);
  return makeVolume(out, v.shape, v.spacing) as Volume<T>;
}
