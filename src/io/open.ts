import { promises as fs } from 'node:fs';
import type { Spacing3, Volume } from './volume.js';
import { allocate, voxelCount } from './volume.js';
import type { VolumeSource } from './source.js';
import { InputError } from './errors.js';
import { openTiff, openTiffFolder } from './tiff/index.js';
import { hasHdf5Signature, splitHdf5Input } from './hdf5-detect.js';
import { openRaw, type RawLayout } from './raw.js';
import { splitZarrInput } from './zarr/detect.js';
import { cropSource, resolveRoi, type RoiSpec } from './roi.js';

export interface OpenOptions {
  /** User voxel size (µm), overriding file metadata. */
  voxel?: Spacing3;
  /** Headerless raw input: shape and dtype are required. */
  raw?: Omit<RawLayout, 'spacing'>;
  /** Only this box of the volume (see roi.ts): every reader sees the box as the volume. */
  roi?: RoiSpec;
}

type Sniffed = 'tiff' | 'hdf5' | 'unknown';

async function sniff(file: string): Promise<Sniffed> {
  const handle = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await handle.read(head, 0, 4, 0);
    if (bytesRead === 4) {
      const ii = head[0] === 0x49 && head[1] === 0x49 && (head[2] === 42 || head[2] === 43) && head[3] === 0;
      const mm = head[0] === 0x4d && head[1] === 0x4d && head[2] === 0 && (head[3] === 42 || head[3] === 43);
      if (ii || mm) return 'tiff';
    }
  } finally {
    await handle.close();
  }
  return (await hasHdf5Signature(file)) ? 'hdf5' : 'unknown';
}

/**
 * Open any supported input without reading its voxels: a TIFF or BigTIFF file, a folder of TIFF
 * slices, `file.h5[:/dataset]`, a Zarr v3 store (a directory with zarr.json; `store.zarr:/1` for
 * pyramid level 1), or raw voxels when `options.raw` is given. Formats are told apart by their
 * signatures, not by file extensions.
 */
export async function openVolume(input: string, options: OpenOptions = {}): Promise<VolumeSource> {
  let source: VolumeSource;
  const zarrInput = options.raw ? null : await splitZarrInput(input);
  if (options.raw) {
    source = await openRaw(input, { ...options.raw, spacing: options.voxel ?? null });
  } else if (zarrInput) {
    source = await (await import('./zarr/read.js')).openZarr(input); // zarrita loaded only for Zarr inputs
  } else {
    const { file, dataset } = splitHdf5Input(input);
    let stat;
    try {
      stat = await fs.stat(file);
    } catch {
      throw new InputError('no such file or folder', file);
    }
    if (stat.isDirectory()) {
      source = await openTiffFolder(file);
    } else {
      const kind = await sniff(file);
      if (dataset !== undefined || kind === 'hdf5') {
        source = await (await import('./hdf5.js')).openHdf5(input); // h5wasm loaded only for HDF5 inputs
      } else if (kind === 'tiff') {
        source = await openTiff(file);
      } else if (stat.size === 0) {
        throw new InputError('empty file', file);
      } else {
        throw new InputError('not a TIFF or HDF5 file (unrecognised signature); for raw voxels give --shape and --dtype', file);
      }
    }
  }
  if (options.voxel) {
    source.spacing = options.voxel;
    source.spacingOrigin = 'given with --voxel';
  }
  if (options.roi) {
    let box;
    try {
      box = resolveRoi(options.roi, source.shape, source.spacing, input);
    } catch (e) {
      await source.close(); // a refused box leaves no file open
      throw e;
    }
    source = cropSource(source, box);
  }
  return source;
}

/** Slices per read so one read stays near `targetBytes`. */
export function slabDepth(source: Pick<VolumeSource, 'shape' | 'dtype'>, targetBytes = 64 << 20): number {
  const sliceBytes = source.shape[1] * source.shape[2] * allocate(source.dtype, 0).BYTES_PER_ELEMENT;
  return Math.max(1, Math.min(source.shape[0], Math.floor(targetBytes / sliceBytes)));
}

export interface ReadOptions {
  /** Put the voxels in a SharedArrayBuffer, so the cpu backend's worker threads use them without a copy. */
  shared?: boolean;
  onProgress?: (done: number, total: number) => void;
}

/** Read a whole volume into memory slab by slab, reporting progress in slices. */
export async function readVolume(source: VolumeSource, options: ReadOptions = {}): Promise<Volume> {
  const { onProgress } = options;
  const [nz, ny, nx] = source.shape;
  const data = allocate(source.dtype, voxelCount(source.shape), options.shared ?? false);
  const step = slabDepth(source);
  for (let z = 0; z < nz; z += step) {
    const z1 = Math.min(nz, z + step);
    await source.readSlices(z, z1, data.subarray(z * ny * nx, z1 * ny * nx));
    onProgress?.(z1, nz);
  }
  return {
    data,
    shape: source.shape,
    dtype: source.dtype,
    spacing: source.spacing,
    origin: [0, 0, 0],
    source: { path: source.path, format: source.format, detail: source.detail },
  };
}

/** Open, read whole, close. */
export async function loadVolume(input: string, options: OpenOptions & ReadOptions = {}): Promise<Volume> {
  const source = await openVolume(input, options);
  try {
    return await readVolume(source, options);
  } finally {
    await source.close();
  }
}
