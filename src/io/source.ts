import type { DType, Shape3, Spacing3, Volume, VolumeFormat, VoxelArray } from './volume.js';
import type { InputWarning } from './errors.js';

/**
 * An opened volume on disk: header parsed, voxels not yet read.
 * Stages read slabs of whole z-slices, so large files never need to be read whole.
 */
export interface VolumeSource {
  path: string;
  format: VolumeFormat;
  shape: Shape3;
  dtype: DType;
  /** From file metadata (null if absent or not trusted); a user override is applied by the caller. */
  spacing: Spacing3 | null;
  spacingOrigin: string;
  warnings: InputWarning[];
  /** Human-readable description: compression, layout, dataset path. */
  detail: string;
  /** Read slices [z0, z1) into a new array (or into `into`, which must have room for them). */
  readSlices(z0: number, z1: number, into?: VoxelArray): Promise<VoxelArray>;
  /**
   * Rows [y0, y1) of every slice as one [nz, y1 − y0, nx] block (z-lines for per-column passes),
   * present only where the file stores every slice uncompressed at a known offset (raw, plain
   * TIFF): then no scratch copy is needed.
   */
  readRows?(y0: number, y1: number, into?: VoxelArray): Promise<VoxelArray>;
  close(): Promise<void>;
}

/**
 * A VolumeSource over a volume already in memory: slices are copied out as a file reader would,
 * so the out-of-core paths can run on it (tests and benchmarks compare them with the in-memory ones).
 */
export function memorySource(v: Volume, spacingOrigin = 'memory'): VolumeSource {
  const plane = v.shape[1] * v.shape[2];
  return {
    path: '(memory)', format: 'raw', shape: v.shape, dtype: v.dtype, spacing: v.spacing, spacingOrigin, warnings: [], detail: 'in memory',
    async readSlices(z0: number, z1: number, into?: VoxelArray): Promise<VoxelArray> {
      const src = v.data.subarray(z0 * plane, z1 * plane);
      if (!into) return src.slice();
      const out = into.subarray(0, src.length);
      out.set(src as never);
      return out;
    },
    async close() {},
  };
}
