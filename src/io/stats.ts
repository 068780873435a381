import type { VolumeSource } from './source.js';
import { bytesPerVoxel } from './volume.js';
import { slabDepth } from './open.js';

export interface RangeResult {
  min: number;
  max: number;
  /** True when only some slices were read (large inputs). */
  sampled: boolean;
  slicesRead: number;
}

/**
 * Intensity range without holding the volume: exact by slabs up to `exactLimitBytes`, else from
 * `sampleSlices` evenly spaced slices.
 */
export async function sourceRange(
  source: VolumeSource,
  options: { exactLimitBytes?: number; sampleSlices?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<RangeResult> {
  const [nz, ny, nx] = source.shape;
  const total = nz * ny * nx * bytesPerVoxel(source.dtype);
  const exact = total <= (options.exactLimitBytes ?? 512 << 20);
  let min = Infinity;
  let max = -Infinity;
  const scan = (data: ArrayLike<number>) => {
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
  };
  let slicesRead = 0;
  if (exact) {
    const step = slabDepth(source);
    for (let z = 0; z < nz; z += step) {
      const z1 = Math.min(nz, z + step);
      scan(await source.readSlices(z, z1));
      slicesRead += z1 - z;
      options.onProgress?.(z1, nz);
    }
  } else {
    const count = Math.min(nz, options.sampleSlices ?? 64);
    for (let i = 0; i < count; i++) {
      const z = Math.min(nz - 1, Math.floor(((i + 0.5) * nz) / count));
      scan(await source.readSlices(z, z + 1));
      slicesRead++;
      options.onProgress?.(i + 1, count);
    }
  }
  return { min, max, sampled: !exact, slicesRead };
}
