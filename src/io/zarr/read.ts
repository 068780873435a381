/**
 * A VolumeSource over a Zarr v3 array (ours or any other writer's), read with zarrita.
 *
 * `store.zarr` opens level 0 of an OME-Zarr multiscale group (or the array, when the store is one);
 * `store.zarr:/1` opens the array at path `1` inside the store; `{ level }` picks a pyramid level.
 * readSlices(z0, z1) decodes only the chunks overlapping [z0, z1). Chunks a read covers only in
 * part are kept (up to `cacheBytes`) for the next read, so slabs thinner than the chunk depth do
 * not decode each chunk again and again; a chunk is dropped once its last slice has been read.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import FileSystemStore from '@zarrita/storage/fs';
import * as zarr from 'zarrita';
import { InputError, type InputWarning } from '../errors.js';
import type { VolumeSource } from '../source.js';
import { allocate, arrayConstructor, type DType, type Shape3, type Spacing3, type VoxelArray } from '../volume.js';
import { isZarrDirectory, splitZarrInput } from './detect.js';
import { registerNodeGzip, zarrDType, type OmeMultiscale, type OmeTransform } from './layout.js';

export interface ZarrOpenOptions {
  /** Pyramid level of a multiscale group (default 0). */
  level?: number;
  /** Decoded chunks kept between reads (default 1 GiB). */
  cacheBytes?: number;
  /** Chunks decoded at once (default 4). */
  concurrency?: number;
}

/** µm per unit, for the OME/UDUNITS space units. */
const UNIT_TO_UM: Record<string, number> = {
  angstrom: 1e-4,
  nanometer: 1e-3,
  micrometer: 1,
  micron: 1,
  millimeter: 1e3,
  centimeter: 1e4,
  meter: 1e6,
};

type Json = Record<string, unknown>;

async function readJson(file: string): Promise<Json> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, file);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InputError(`not valid JSON (${(err as Error).message.split('\n')[0]})`, file);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InputError('not a JSON object', file);
  const meta = value as Json;
  if (meta.zarr_format !== 3) throw new InputError(`zarr_format is ${JSON.stringify(meta.zarr_format)}, expected 3`, file);
  if (meta.node_type !== 'group' && meta.node_type !== 'array') throw new InputError(`node_type is ${JSON.stringify(meta.node_type)}, expected "group" or "array"`, file);
  return meta;
}

/** OME multiscales from group attributes: 0.5 (`ome.multiscales`) or 0.4 (`multiscales`). */
function multiscalesOf(attributes: unknown): OmeMultiscale | null {
  if (typeof attributes !== 'object' || attributes === null) return null;
  const attrs = attributes as Json;
  const ome = attrs.ome as Json | undefined;
  const list = (ome && Array.isArray(ome.multiscales) ? ome.multiscales : attrs.multiscales) as unknown;
  if (!Array.isArray(list) || list.length === 0) return null;
  const ms = list[0] as OmeMultiscale;
  return Array.isArray(ms?.datasets) && ms.datasets.length > 0 ? ms : null;
}

function scaleOf(transforms: OmeTransform[] | undefined): number[] | null {
  const s = transforms?.find((t) => t.type === 'scale')?.scale;
  return Array.isArray(s) && s.every((v) => typeof v === 'number' && v > 0) ? s : null;
}

/** Voxel size in µm of the dataset at `arrayPath` from the multiscale metadata (z, y, x = last three axes). */
function spacingFromOme(ms: OmeMultiscale, arrayPath: string, ndim: number): Spacing3 | null {
  const ds = ms.datasets.find((d) => d.path === arrayPath);
  if (!ds) return null;
  const scale = scaleOf(ds.coordinateTransformations);
  if (!scale || scale.length !== ndim) return null;
  const global = scaleOf((ms as { coordinateTransformations?: OmeTransform[] }).coordinateTransformations);
  const axes = ms.axes;
  if (!axes || axes.length !== ndim) return null;
  const out: number[] = [];
  for (let k = ndim - 3; k < ndim; k++) {
    const unit = axes[k]?.unit;
    const factor = unit === undefined ? undefined : UNIT_TO_UM[unit];
    if (factor === undefined) return null;
    out.push(scale[k] * (global && global.length === ndim ? global[k] : 1) * factor);
  }
  return [out[0], out[1], out[2]];
}

/** Run `task(i)` for i in [0, n), at most `limit` at once. */
async function pool(n: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const run = async (): Promise<void> => {
    while (!failed && next < n) {
      const i = next++;
      try {
        await task(i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, n) }, run));
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
}

interface Decoded {
  data: VoxelArray;
  /** Strides of the last three (z, y, x) axes. */
  stride: [number, number, number];
  bytes: number;
}

/** Open a Zarr v3 store or array (see the module comment for the input syntax). */
export async function openZarr(input: string, options: ZarrOpenOptions = {}): Promise<VolumeSource> {
  const split = await splitZarrInput(input);
  if (!split) throw new InputError('not a Zarr v3 store (no zarr.json)', input);
  registerNodeGzip();
  const storeDir = split.store;
  const store = new FileSystemStore(path.resolve(storeDir));
  const root = zarr.root(store);
  const warnings: InputWarning[] = [];
  const rootMeta = await readJson(path.join(storeDir, 'zarr.json'));

  // The group whose multiscales describe the array, and the array's path in the store.
  let multiscale: OmeMultiscale | null = null;
  let arrayPath = split.array;
  let groupPath = '';
  if (rootMeta.node_type === 'group') multiscale = multiscalesOf(rootMeta.attributes);
  let levelCount = multiscale?.datasets.length ?? 1;
  let levelIndex = 0;

  const nodeDir = (p: string): string => (p ? path.join(storeDir, ...p.split('/')) : storeDir);
  if (arrayPath && !(await isZarrDirectory(nodeDir(arrayPath)))) throw new InputError(`no array or group '/${arrayPath}' in the Zarr store`, storeDir);
  let meta = arrayPath ? await readJson(path.join(nodeDir(arrayPath), 'zarr.json')) : rootMeta;
  if (meta.node_type === 'group') {
    // A multiscale group (the root, or one inside the store): open the requested level.
    const ms = multiscalesOf(meta.attributes);
    if (!ms) throw new InputError(`is a Zarr group without OME multiscales metadata; name an array as ${storeDir}:/path`, nodeDir(arrayPath));
    multiscale = ms;
    groupPath = arrayPath;
    levelCount = ms.datasets.length;
    levelIndex = options.level ?? 0;
    if (!Number.isInteger(levelIndex) || levelIndex < 0 || levelIndex >= levelCount) {
      throw new InputError(`level ${levelIndex} does not exist (levels 0..${levelCount - 1})`, nodeDir(arrayPath));
    }
    arrayPath = [groupPath, ms.datasets[levelIndex].path].filter(Boolean).join('/');
    meta = await readJson(path.join(nodeDir(arrayPath), 'zarr.json'));
    if (meta.node_type !== 'array') throw new InputError('multiscale dataset is not an array', path.join(nodeDir(arrayPath), 'zarr.json'));
  } else if (options.level !== undefined && options.level !== 0) {
    throw new InputError(`names an array; level ${options.level} needs a multiscale group`, input);
  } else if (multiscale) {
    const k = multiscale.datasets.findIndex((d) => d.path === arrayPath);
    if (k >= 0) levelIndex = k;
  }
  const metaFile = path.join(nodeDir(arrayPath), 'zarr.json');

  let arr: zarr.Array<zarr.DataType, FileSystemStore>;
  try {
    arr = await zarr.open.v3(arrayPath ? root.resolve(arrayPath) : root, { kind: 'array' });
  } catch (err) {
    throw new InputError(`unreadable Zarr array metadata (${(err as Error).message.split('\n')[0]})`, metaFile);
  }
  const dtype = zarrDType(arr.dtype);
  if (!dtype) throw new InputError(`data type ${arr.dtype} is not supported (use uint8/16/32, int8/16/32, float32/64)`, metaFile);
  const fullShape = arr.shape;
  const ndim = fullShape.length;
  if (ndim < 3 || fullShape.slice(0, ndim - 3).some((n) => n !== 1)) {
    throw new InputError(`array shape ${fullShape.join('×')} is not a 3-D volume (extra leading axes must have size 1)`, metaFile);
  }
  const shape: Shape3 = [fullShape[ndim - 3], fullShape[ndim - 2], fullShape[ndim - 1]];
  if (shape.some((n) => n < 1)) throw new InputError(`empty array (${shape.join('×')})`, metaFile);
  const chunkShape = arr.chunks;
  const chunks: Shape3 = [chunkShape[ndim - 3], chunkShape[ndim - 2], chunkShape[ndim - 1]];

  // Voxel size: OME scale of this dataset (with its unit), else our own attributes.
  let spacing: Spacing3 | null = null;
  let spacingOrigin = 'none in the Zarr metadata';
  if (multiscale) {
    const rel = groupPath ? arrayPath.slice(groupPath.length + 1) : arrayPath;
    spacing = spacingFromOme(multiscale, rel, ndim);
    if (spacing) spacingOrigin = 'OME-Zarr multiscales scale';
    else if (scaleOf(multiscale.datasets.find((d) => d.path === rel)?.coordinateTransformations)) {
      warnings.push({ file: storeDir, message: 'OME-Zarr scale has no known space unit; voxel size ignored' });
    }
  }
  const compressors = ((meta.codecs as { name?: string }[] | undefined) ?? []).map((c) => c.name).filter((n) => n !== 'bytes');
  const detail = [
    `Zarr v3${arrayPath ? ` array /${arrayPath}` : ''}`,
    multiscale ? `pyramid level ${levelIndex} (levels 0..${levelCount - 1})` : null,
    `chunks ${chunks.join('×')}`,
    compressors.length ? compressors.join('+') : 'uncompressed',
  ]
    .filter(Boolean)
    .join(', ');

  const [nz, ny, nx] = shape;
  const [cz, cy, cx] = chunks;
  const lead = new Array<number>(ndim - 3).fill(0);
  const cacheLimit = options.cacheBytes ?? 1 << 30;
  const concurrency = Math.max(1, options.concurrency ?? 4);
  const cache = new Map<string, Decoded>();
  let cached = 0;

  const decode = async (iz: number, iy: number, ix: number): Promise<Decoded> => {
    const key = `${iz}/${iy}/${ix}`;
    const hit = cache.get(key);
    if (hit) return hit;
    let chunk;
    try {
      chunk = await arr.getChunk([...lead, iz, iy, ix]);
    } catch (err) {
      const cause = (err as { cause?: unknown }).cause;
      const why = cause instanceof Error ? cause.message : (err as Error).message;
      throw new InputError(`chunk ${iz},${iy},${ix} cannot be decoded (${why.split('\n')[0]})`, nodeDir(arrayPath));
    }
    const data = chunk.data as unknown as VoxelArray;
    const expected = chunkShape.reduce((a, b) => a * b, 1);
    if (!ArrayBuffer.isView(data) || data.length !== expected) {
      throw new InputError(`chunk ${iz},${iy},${ix} has ${(data as { length?: number }).length} values, expected ${expected}`, nodeDir(arrayPath));
    }
    const st = chunk.stride;
    return { data, stride: [st[ndim - 3], st[ndim - 2], st[ndim - 1]], bytes: data.byteLength };
  };

  const keep = (key: string, d: Decoded): void => {
    if (d.bytes > cacheLimit) return;
    const old = cache.get(key);
    if (old) {
      cache.delete(key);
      cached -= old.bytes;
    }
    cache.set(key, d);
    cached += d.bytes;
    for (const [k, v] of cache) {
      if (cached <= cacheLimit) break;
      cache.delete(k);
      cached -= v.bytes;
    }
  };
  const drop = (key: string): void => {
    const old = cache.get(key);
    if (old) {
      cache.delete(key);
      cached -= old.bytes;
    }
  };

  return {
    path: input,
    format: 'zarr',
    shape,
    dtype: dtype as DType,
    spacing,
    spacingOrigin,
    warnings,
    detail,
    async readSlices(z0: number, z1: number, into?: VoxelArray): Promise<VoxelArray> {
      if (!(Number.isInteger(z0) && Number.isInteger(z1) && z0 >= 0 && z1 <= nz && z0 < z1)) {
        throw new RangeError(`slices [${z0}, ${z1}) outside 0..${nz}`);
      }
      const sliceLen = ny * nx;
      const need = (z1 - z0) * sliceLen;
      const out = into ?? allocate(dtype, need);
      if (into && !(into instanceof arrayConstructor(dtype))) throw new RangeError(`readSlices: 'into' must be a ${dtype} array`);
      if (out.length < need) throw new RangeError(`output has room for ${out.length} voxels, ${need} needed`);
      const iz0 = Math.floor(z0 / cz);
      const iz1 = Math.floor((z1 - 1) / cz);
      const ncy = Math.ceil(ny / cy);
      const ncx = Math.ceil(nx / cx);
      const perRow = ncy * ncx;
      await pool((iz1 - iz0 + 1) * perRow, concurrency, async (t) => {
        const iz = iz0 + Math.floor(t / perRow);
        const iy = Math.floor((t % perRow) / ncx);
        const ix = t % ncx;
        const d = await decode(iz, iy, ix);
        const za = Math.max(z0, iz * cz);
        const chunkEnd = Math.min(nz, (iz + 1) * cz);
        const zb = Math.min(z1, chunkEnd);
        const y0 = iy * cy;
        const x0 = ix * cx;
        const h = Math.min(cy, ny - y0);
        const w = Math.min(cx, nx - x0);
        const [sz, sy, sx] = d.stride;
        const src = d.data;
        for (let z = za; z < zb; z++) {
          for (let y = 0; y < h; y++) {
            const s = (z - iz * cz) * sz + y * sy;
            const o = (z - z0) * sliceLen + (y0 + y) * nx + x0;
            if (sx === 1) out.set(src.subarray(s, s + w), o);
            else for (let x = 0; x < w; x++) out[o + x] = src[s + x * sx];
          }
        }
        const key = `${iz}/${iy}/${ix}`;
        if (zb >= chunkEnd) drop(key); // read to its end: a sequential reader needs it no more
        else keep(key, d);
      });
      return out;
    },
    async close(): Promise<void> {
      cache.clear();
      cached = 0;
    },
  };
}

export { isZarrDirectory, splitZarrInput };
