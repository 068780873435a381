/** Voxel volumes: a typed array plus geometry. Shape is [nz, ny, nx], x fastest. */

export type DType = 'uint8' | 'int8' | 'uint16' | 'int16' | 'uint32' | 'int32' | 'float32' | 'float64';

export type VoxelArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

export type Shape3 = [nz: number, ny: number, nx: number];
/** Voxel size in micrometres, [dz, dy, dx]. */
export type Spacing3 = [dz: number, dy: number, dx: number];

/** File formats the readers understand. */
export type VolumeFormat = 'tiff' | 'bigtiff' | 'tiff-folder' | 'hdf5' | 'raw' | 'zarr';

export interface VolumeSourceInfo {
  /** Path of the file or folder read (for HDF5 including the dataset path after ':'). */
  path: string;
  format: VolumeFormat;
  /** Free-form description: compression, dataset path, metadata origin of the spacing. */
  detail?: string;
}

export interface Volume<A extends VoxelArray = VoxelArray> {
  data: A;
  shape: Shape3;
  dtype: DType;
  /** Voxel size in µm, or null when neither the file nor the user gave one. */
  spacing: Spacing3 | null;
  /** Physical position of voxel (0,0,0) in µm, [z, y, x]. */
  origin: [number, number, number];
  source?: VolumeSourceInfo;
}

const CONSTRUCTORS = {
  uint8: Uint8Array,
  int8: Int8Array,
  uint16: Uint16Array,
  int16: Int16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
} as const;

/** One constructor signature for all typed-array kinds (TypeScript cannot call a union of constructors). */
type VoxelArrayConstructor = {
  new (length: number): VoxelArray;
  new (buffer: ArrayBufferLike, byteOffset?: number, length?: number): VoxelArray;
  readonly BYTES_PER_ELEMENT: number;
};

export function arrayConstructor(dtype: DType): VoxelArrayConstructor {
  return CONSTRUCTORS[dtype] as unknown as VoxelArrayConstructor;
}

export function bytesPerVoxel(dtype: DType): number {
  return CONSTRUCTORS[dtype].BYTES_PER_ELEMENT;
}

export function voxelCount(shape: Shape3): number {
  return shape[0] * shape[1] * shape[2];
}

/** Allocate a zeroed array; `shared` puts it in a SharedArrayBuffer so worker threads can fill slabs. */
export function allocate(dtype: DType, length: number, shared = false): VoxelArray {
  const Ctor = arrayConstructor(dtype);
  if (!shared) return new Ctor(length);
  return new Ctor(new SharedArrayBuffer(length * Ctor.BYTES_PER_ELEMENT));
}

/** View raw bytes as a typed array of `dtype` (copies only when the offset is misaligned). */
export function viewAs(dtype: DType, bytes: Uint8Array): VoxelArray {
  const Ctor = arrayConstructor(dtype);
  const size = Ctor.BYTES_PER_ELEMENT;
  if (bytes.byteLength % size !== 0) throw new RangeError(`byte length ${bytes.byteLength} is not a multiple of ${size}`);
  if (bytes.byteOffset % size === 0) return new Ctor(bytes.buffer, bytes.byteOffset, bytes.byteLength / size);
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Ctor(copy.buffer, 0, bytes.byteLength / size);
}

export function dtypeOf(data: VoxelArray): DType {
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Float32Array) return 'float32';
  return 'float64';
}

export function makeVolume<A extends VoxelArray>(
  data: A,
  shape: Shape3,
  spacing: Spacing3 | null = null,
  extra: { origin?: [number, number, number]; source?: VolumeSourceInfo } = {},
): Volume<A> {
  if (data.length !== voxelCount(shape)) {
    throw new RangeError(`data length ${data.length} does not match shape ${shape.join('×')}`);
  }
  return { data, shape, dtype: dtypeOf(data), spacing, origin: extra.origin ?? [0, 0, 0], source: extra.source };
}

/** Min and max, visiting at most `maxSamples` evenly spaced voxels (exact when the volume is smaller). */
export function valueRange(data: VoxelArray, maxSamples = Infinity): { min: number; max: number; sampled: boolean } {
  const n = data.length;
  const stride = n > maxSamples ? Math.ceil(n / maxSamples) : 1;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i += stride) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max, sampled: stride > 1 };
}
