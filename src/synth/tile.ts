/**
 * Large phantoms for out-of-core runs: a phantom generated at a modest size is mirror-tiled in x and
 * y to any lateral size and streamed to TIFF slice by slice, so a volume larger than RAM is written
 * without ever being held. Mirroring (…abc|cba|abc…) keeps every structure continuous across tile
 * seams; the Li thickness ground truth is tiled the same way.
 */
import { createTiffWriter, type TiffDisplay } from '../io/tiff/index.js';
import { allocate, type Shape3, type Volume, type VoxelArray } from '../io/volume.js';

/** Source column of output column x for a base of n columns mirrored with period 2n. */
export function mirrorIndex(x: number, n: number): number {
  const m = x % (2 * n);
  return m < n ? m : 2 * n - 1 - m;
}

/** Mirror-tile one [ny, nx] plane of `src` into an [NY, NX] plane of `dst`. */
export function tilePlane(src: ArrayLike<number>, ny: number, nx: number, dst: VoxelArray, NY: number, NX: number, srcOffset = 0, dstOffset = 0): void {
  const xs = new Int32Array(NX);
  for (let x = 0; x < NX; x++) xs[x] = mirrorIndex(x, nx);
  for (let y = 0; y < NY; y++) {
    const row = srcOffset + mirrorIndex(y, ny) * nx;
    const o = dstOffset + y * NX;
    for (let x = 0; x < NX; x++) dst[o + x] = src[row + xs[x]];
  }
}

/**
 * Stream `vol` mirror-tiled to lateral size [NY, NX] into a TIFF (BigTIFF past 4 GiB). Uncompressed
 * by default, as scanners write scans; 'deflate' for label volumes (a 13 GB truth shrinks ~20×).
 */
export async function writeTiledTiff(
  file: string, vol: Volume, NY: number, NX: number, onProgress?: (done: number, total: number) => void, compression: 'none' | 'deflate' = 'none',
  display?: TiffDisplay,
): Promise<Shape3> {
  const [nz, ny, nx] = vol.shape;
  const shape: Shape3 = [nz, NY, NX];
  const writer = await createTiffWriter(file, { shape, dtype: vol.dtype, spacing: vol.spacing, compression, display });
  try {
    const depth = Math.max(1, Math.min(nz, Math.floor((64 << 20) / (NY * NX * vol.data.BYTES_PER_ELEMENT))));
    const buf = allocate(vol.dtype, depth * NY * NX);
    for (let z0 = 0; z0 < nz; z0 += depth) {
      const z1 = Math.min(nz, z0 + depth);
      for (let z = z0; z < z1; z++) tilePlane(vol.data, ny, nx, buf, NY, NX, z * ny * nx, (z - z0) * NY * NX);
      await writer.writeSlices(buf.subarray(0, (z1 - z0) * NY * NX));
      onProgress?.(z1, nz);
    }
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  return shape;
}
