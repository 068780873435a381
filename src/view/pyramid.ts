/**
 * The viewer's 3D level from a stored OME-Zarr pyramid: when the scan (or labels) is a Zarr
 * multiscale store, the finest stored level whose every axis fits the requested maximum is served
 * as is, so a 27 GB scan opens in the viewer by reading a few MB instead of streaming all of it.
 */
import type { VolumeSource } from '../io/source.js';
import type { Level } from './downsample.js';
import type { Shape3, Spacing3 } from '../io/volume.js';

export interface StoredLevel {
  source: VolumeSource;
  index: number;
  level: Level;
}

/** The finest stored pyramid level (≥ 1) with every axis ≤ maxDim, or null (not a Zarr pyramid, or level 0 already fits). */
export async function storedPyramidLevel(path: string, full: VolumeSource, maxDim: number): Promise<StoredLevel | null> {
  if (full.format !== 'zarr' || full.shape.every((n) => n <= maxDim)) return null;
  const { openZarr } = await import('../io/zarr/read.js');
  for (let k = 1; k < 64; k++) {
    let lv: VolumeSource;
    try {
      lv = await openZarr(path, { level: k });
    } catch {
      return null; // no such level (or an explicit array path): downsample from level 0
    }
    if (lv.shape.every((n) => n <= maxDim)) {
      const factors = full.shape.map((n, i) => Math.max(1, Math.round(n / lv.shape[i]))) as Shape3;
      const spacing = lv.spacing ?? (full.spacing ? (full.spacing.map((s, i) => s * factors[i]) as Spacing3) : null);
      return { source: lv, index: k, level: { factors, shape: lv.shape, spacing } };
    }
    await lv.close();
  }
  return null;
}
