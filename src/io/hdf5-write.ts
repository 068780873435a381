/**
 * HDF5 output (h5wasm): the volume as the 3D dataset `/exchange/data` ([z, y, x], Data Exchange's
 * place for a reconstruction, where our reader and tomopy/dxchange look first), chunked and
 * gzip-compressed, with the voxel size as the dataset attribute `element_size_um` = [dz, dy, dx]
 * (float32, as Fiji's HDF5 plugin and ilastik write and read it). Streamed slab by slab through a
 * dataset resized as it grows, so the wasm heap holds one slab at a time; written under a temporary
 * name and renamed into place when complete.
 */
import path from 'node:path';
import h5wasm from 'h5wasm/node';
import { writeAtomically } from './atomic.js';
import { bytesPerVoxel, type DType, type Shape3, type Spacing3, type Volume, type VoxelArray } from './volume.js';
import type { VolumeSource } from './source.js';
import { slabDepth } from './open.js';

export const HDF5_DATASET = '/exchange/data';

/** numpy-style type codes of h5wasm (little-endian). */
const H5_DTYPE: Record<DType, string> = {
  uint8: '<B', int8: '<b', uint16: '<H', int16: '<h', uint32: '<I', int32: '<i', float32: '<f', float64: '<d',
};

/** About 1 MiB chunks: whole rows, as many rows and slices as fit. */
export function hdf5Chunks(shape: Shape3, dtype: DType): Shape3 {
  const [nz, ny, nx] = shape;
  const target = Math.max(1, Math.floor((1 << 20) / bytesPerVoxel(dtype)));
  const cx = Math.min(nx, target);
  const cy = Math.max(1, Math.min(ny, Math.floor(target / cx)));
  const cz = Math.max(1, Math.min(nz, Math.floor(target / (cx * cy))));
  return [cz, cy, cx];
}

export interface Hdf5WriteOptions {
  /** gzip level 1..9 (default 4); 0 writes the chunks uncompressed. */
  gzipLevel?: number;
  onProgress?: (done: number, total: number) => void;
  /** Bytes read and written per slab (default 64 MiB; rounded to whole chunks in z). */
  slabBytes?: number;
  /** Chunk shape [z, y, x] (clipped to the volume; default hdf5Chunks: about 1 MiB of whole rows). */
  chunks?: Shape3;
}

export interface Hdf5WriteResult {
  file: string;
  dataset: string;
  shape: Shape3;
  dtype: DType;
  spacing: Spacing3 | null;
  chunks: Shape3;
}

async function writeSlabs(
  file: string,
  shape: Shape3,
  dtype: DType,
  spacing: Spacing3 | null,
  slabs: (depth: number) => AsyncGenerator<VoxelArray>,
  options: Hdf5WriteOptions,
): Promise<Hdf5WriteResult> {
  const [nz, ny, nx] = shape;
  if (![nz, ny, nx].every((v) => Number.isInteger(v) && v > 0)) throw new RangeError(`invalid HDF5 shape ${shape.join('×')}`);
  const gzip = options.gzipLevel ?? 4;
  if (!Number.isInteger(gzip) || gzip < 0 || gzip > 9) throw new RangeError(`gzip level must be 0..9, got ${gzip}`);
  if (options.chunks && !options.chunks.every((c) => Number.isInteger(c) && c > 0)) throw new RangeError(`invalid chunk shape ${options.chunks.join('×')}`);
  const chunks = options.chunks ? (options.chunks.map((c, k) => Math.min(c, shape[k])) as Shape3) : hdf5Chunks(shape, dtype);
  await h5wasm.ready;
  await writeAtomically(file, async (tmp) => {
    const h5 = new h5wasm.File(path.resolve(tmp), 'w');
    try {
      const group = h5.create_group('exchange');
      let ds: InstanceType<typeof h5wasm.Dataset> | null = null;
      let z = 0;
      for await (const slab of slabs(chunks[0])) {
        const depth = slab.length / (ny * nx);
        if (!ds) {
          ds = group.create_dataset({
            name: 'data',
            data: slab as never,
            shape: [depth, ny, nx],
            maxshape: [nz, ny, nx],
            dtype: H5_DTYPE[dtype],
            chunks: [...chunks],
            ...(gzip > 0 ? { compression: 'gzip', compression_opts: gzip } : {}),
          });
        } else {
          ds.resize([z + depth, ny, nx]);
          ds.write_slice([[z, z + depth], [0, ny], [0, nx]], slab as never);
        }
        z += depth;
        options.onProgress?.(z, nz);
      }
      if (!ds || z !== nz) throw new Error(`${file}: only ${z} of ${nz} slices were written`);
      if (spacing) ds.create_attribute('element_size_um', Float32Array.from(spacing), [3], '<f');
      h5.flush();
    } finally {
      h5.close();
    }
  });
  return { file, dataset: HDF5_DATASET, shape, dtype, spacing, chunks };
}

/** Stream an opened volume into an HDF5 file, a slab of whole chunks at a time. */
export async function writeHdf5FromSource(file: string, source: VolumeSource, options: Hdf5WriteOptions = {}): Promise<Hdf5WriteResult> {
  const [nz, ny, nx] = source.shape;
  return writeSlabs(file, source.shape, source.dtype, source.spacing, async function* (chunkDepth) {
    const depth = Math.max(chunkDepth, Math.floor(slabDepth(source, options.slabBytes) / chunkDepth) * chunkDepth);
    for (let z = 0; z < nz; z += depth) {
      const z1 = Math.min(nz, z + depth);
      const slab = await source.readSlices(z, z1);
      if (slab.length !== (z1 - z) * ny * nx) throw new Error(`${source.path}: slices ${z}..${z1} read ${slab.length} values`);
      yield slab;
    }
  }, options);
}

/** Write a volume held in memory to an HDF5 file. */
export async function writeHdf5(file: string, volume: Volume, options: Hdf5WriteOptions = {}): Promise<Hdf5WriteResult> {
  const [, ny, nx] = volume.shape;
  return writeSlabs(file, volume.shape, volume.dtype, volume.spacing, async function* (chunkDepth) {
    const step = Math.max(chunkDepth, Math.floor((options.slabBytes ?? 64 << 20) / (ny * nx * bytesPerVoxel(volume.dtype)) / chunkDepth) * chunkDepth);
    for (let z = 0; z < volume.shape[0]; z += step) yield volume.data.subarray(z * ny * nx, Math.min(volume.shape[0], z + step) * ny * nx);
  }, options);
}
