/**
 * The on-disk layout of our Zarr v3 stores, shared by the writer and the reader.
 *
 *   out.zarr/zarr.json          group; attributes `ome` (OME-Zarr 0.5 multiscales) and `buried`
 *   out.zarr/0/zarr.json        level 0 (full resolution), a Zarr v3 array
 *   out.zarr/0/c/IZ/IY/IX       its chunks: C-order voxels, little-endian bytes, gzip
 *   out.zarr/1/…                level 1, 2× smaller in every axis (ceil), and so on
 *
 * Codecs: `bytes` (little endian) + `gzip`. zarrita reads gzip, zstd, blosc and lz4 but encodes
 * none of them itself, and Node 20's zlib has no zstd; gzip is encoded here with node:zlib (no
 * native add-ons, runs on libuv's thread pool) and is readable by every Zarr implementation.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import * as zarr from 'zarrita';
import type { DType, Shape3 } from '../volume.js';

export const DEFAULT_CHUNKS: Shape3 = [64, 256, 256];
/** Pyramid levels are added until the largest dimension is at most this (when not given). */
export const PYRAMID_TARGET = 256;
export const DEFAULT_GZIP_LEVEL = 5;

/** Version of the `buried` attribute block. */
export const LAYOUT_VERSION = 1;

/** Zarr v3 data types we read and write (the same names as ours). */
const ZARR_DTYPES = new Set<DType>(['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'float64']);

export function zarrDType(dtype: string): DType | null {
  return ZARR_DTYPES.has(dtype as DType) ? (dtype as DType) : null;
}

/** Chunk key with the v3 default encoding and '/' separator: `c/0/1/2`. */
export function chunkKey(coords: readonly number[]): string {
  return ['c', ...coords].join('/');
}

/** Shape of level `level`: every axis halved (rounded up) `level` times. */
export function levelShape(shape: Shape3, level: number): Shape3 {
  let s: Shape3 = [...shape];
  for (let l = 0; l < level; l++) s = [Math.ceil(s[0] / 2), Math.ceil(s[1] / 2), Math.ceil(s[2] / 2)];
  return s;
}

/** Number of downsampled levels needed until the largest dimension is ≤ `target`. */
export function autoLevels(shape: Shape3, target = PYRAMID_TARGET): number {
  let levels = 0;
  let s = shape;
  while (Math.max(...s) > target && Math.max(...s) > 1) {
    s = levelShape(s, 1);
    levels++;
  }
  return levels;
}

/** Chunk shape clipped to the array shape (a chunk never exceeds the array). */
export function clipChunks(chunks: Shape3, shape: Shape3): Shape3 {
  return [Math.min(chunks[0], shape[0]), Math.min(chunks[1], shape[1]), Math.min(chunks[2], shape[2])];
}

const gzipAsync = promisify(zlib.gzip);
const gunzipAsync = promisify(zlib.gunzip);

export function gzip(bytes: Uint8Array, level: number): Promise<Uint8Array> {
  return gzipAsync(bytes, { level });
}

/**
 * zarrita's own gzip codec decodes through a web DecompressionStream and cannot encode; this one
 * uses node:zlib on the thread pool (several chunks are decoded at once).
 */
class NodeGzipCodec {
  readonly kind = 'bytes_to_bytes';
  constructor(private readonly level: number) {}
  static fromConfig(config: { level?: number } | undefined): NodeGzipCodec {
    return new NodeGzipCodec(config?.level ?? DEFAULT_GZIP_LEVEL);
  }
  async encode(bytes: Uint8Array): Promise<Uint8Array> {
    return gzipAsync(bytes, { level: this.level });
  }
  async decode(bytes: Uint8Array): Promise<Uint8Array> {
    return gunzipAsync(bytes);
  }
}

let registered = false;

/** Use node:zlib for zarrita's gzip codec (idempotent). */
export function registerNodeGzip(): void {
  if (registered) return;
  registered = true;
  type Entry = Parameters<typeof zarr.registry.set>[1];
  const entry = (async () => NodeGzipCodec) as unknown as Entry;
  zarr.registry.set('gzip', entry);
  zarr.registry.set('numcodecs.gzip', entry);
}

/** OME-Zarr multiscales metadata (the subset we write and read). */
export interface OmeAxis {
  name: string;
  type?: string;
  unit?: string;
}
export interface OmeTransform {
  type: 'scale' | 'translation' | 'identity';
  scale?: number[];
  translation?: number[];
}
export interface OmeDataset {
  path: string;
  coordinateTransformations?: OmeTransform[];
}
export interface OmeMultiscale {
  name?: string;
  axes?: OmeAxis[];
  datasets: OmeDataset[];
  type?: string;
  metadata?: Record<string, unknown>;
}

/** Our own attributes on the group (`attributes.buried`). */
export interface BuriedZarrAttributes {
  layout_version: number;
  /** Voxel size of level 0 in µm [dz, dy, dx], or null when unknown. */
  voxel_size_um: [number, number, number] | null;
  spacing_origin: string;
  source_file: string | null;
  source_format: string | null;
  dtype: DType;
  shape: Shape3;
  /** Exact min and max of level 0 (null for an empty volume). */
  value_range: { min: number; max: number } | null;
  /** True when the levels were made with the 2×2×2 mode (label volumes) instead of the mean. */
  labels: boolean;
  downsampling: 'mean' | 'mode';
  levels: number;
  chunks: Shape3;
  compression: string;
}
