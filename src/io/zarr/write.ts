/**
 * Streaming Zarr v3 writer with a multiscale pyramid.
 *
 * Slices arrive in order; each level keeps one slab of chunk depth, and when it is full the slab is
 * cut into chunks (compressed on the thread pool, a few at a time), written, and 2×-downsampled into
 * the next level's slab. So the memory held is about one level-0 slab of chunks (plus a third of
 * that for all coarser levels together), never the volume.
 *
 * The store is built in `<target>.partial-XXXXXXXX/` and renamed onto `<target>` only when complete;
 * on failure or abort the partial directory is removed, so a half-written store never exists under
 * the target's name.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import FileSystemStore from '@zarrita/storage/fs';
import * as zarr from 'zarrita';
import { InputError } from '../errors.js';
import type { VolumeSource } from '../source.js';
import { allocate, bytesPerVoxel, dtypeOf, type DType, type Shape3, type Spacing3, type VoxelArray } from '../volume.js';
import { downsamplePair, half, type Downsampling } from './downsample.js';
import {
  autoLevels,
  chunkKey,
  clipChunks,
  DEFAULT_CHUNKS,
  DEFAULT_GZIP_LEVEL,
  gzip,
  LAYOUT_VERSION,
  levelShape,
  type BuriedZarrAttributes,
  type OmeDataset,
  type OmeMultiscale,
} from './layout.js';

/** Downsampled slices handed to the next level at once. */
const BATCH_SLICES = 8;

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface ZarrWriterOptions {
  shape: Shape3;
  dtype: DType;
  /** Voxel size of level 0 in µm [dz, dy, dx], or null when unknown. */
  spacing: Spacing3 | null;
  spacingOrigin?: string;
  /** Chunk shape [z, y, x] (default 64,256,256), clipped to each level's shape. */
  chunks?: Shape3;
  /** Downsampled levels beyond full resolution (default: until the largest dimension is ≤ 256). */
  levels?: number;
  /** Label volume (integer dtype): levels take the 2×2×2 mode instead of the mean. */
  labels?: boolean;
  /** gzip level 1–9 (default 5). */
  gzipLevel?: number;
  /** Chunks compressed and written at once (default 4, the size of libuv's thread pool). */
  concurrency?: number;
  /** Name of the multiscale image in the OME metadata. */
  name?: string;
  /** Provenance for the `buried` attributes. */
  sourceFile?: string | null;
  sourceFormat?: string | null;
  /** Replace an existing Zarr store at the target (default true); anything else there is never replaced. */
  overwrite?: boolean;
  signal?: AbortSignal;
}

export interface ZarrLevelInfo {
  path: string;
  shape: Shape3;
  chunks: Shape3;
}

export interface ZarrWriteResult {
  path: string;
  shape: Shape3;
  dtype: DType;
  spacing: Spacing3 | null;
  levels: ZarrLevelInfo[];
  valueRange: { min: number; max: number } | null;
  /** Bytes of voxels at level 0 (uncompressed). */
  rawBytes: number;
  /** Bytes of compressed chunks written, all levels. */
  storedBytes: number;
}

export interface ZarrSlabWriter {
  readonly path: string;
  readonly slicesWritten: number;
  readonly levels: readonly ZarrLevelInfo[];
  /** Append whole level-0 slices (data.length a multiple of ny*nx), in order. */
  writeSlices(data: VoxelArray): Promise<void>;
  /** Write the group metadata and move the store into place; fails if fewer than nz slices came. */
  close(): Promise<ZarrWriteResult>;
  /** Stop and remove the partial store. */
  abort(): Promise<void>;
}

function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('conversion aborted');
}

/** Run `task(i)` for i in [0, n) with at most `limit` running at once. */
async function pool(n: number, limit: number, task: (i: number, worker: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failed = false;
  const run = async (worker: number): Promise<void> => {
    while (!failed && next < n) {
      const i = next++;
      try {
        await task(i, worker);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const runners = Array.from({ length: Math.min(limit, n) }, (_, w) => run(w));
  const results = await Promise.allSettled(runners);
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
}

interface Shared {
  store: FileSystemStore;
  dtype: DType;
  gzipLevel: number;
  concurrency: number;
  signal?: AbortSignal;
  storedBytes: number;
}

/** One pyramid level: buffers slices up to a slab of chunk depth, then writes that chunk row. */
class LevelWriter {
  readonly sliceLen: number;
  private buf: VoxelArray | null = null;
  private filled = 0;
  /** Slices of this level already written as chunks. */
  z = 0;
  next: Downsampler | null = null;
  /** Per-worker chunk buffers (reused). */
  private chunkBufs: VoxelArray[] = [];
  onSlab: ((slab: VoxelArray) => void) | null = null;

  constructor(
    readonly path: string,
    readonly shape: Shape3,
    readonly chunks: Shape3,
    private readonly shared: Shared,
  ) {
    this.sliceLen = shape[1] * shape[2];
  }

  /** Depth of the slab starting at the current z (the last one may be shorter). */
  private slabDepthAt(z: number): number {
    return Math.min(this.chunks[0], this.shape[0] - z);
  }

  async write(data: VoxelArray): Promise<void> {
    const sl = this.sliceLen;
    if (data.length % sl !== 0) throw new RangeError(`data length ${data.length} is not a whole number of ${this.shape[1]}×${this.shape[2]} slices`);
    const k = data.length / sl;
    if (this.z + this.filled + k > this.shape[0]) {
      throw new RangeError(`too many slices for level ${this.path}: ${this.z + this.filled + k} > ${this.shape[0]}`);
    }
    let off = 0;
    while (off < k) {
      const depth = this.slabDepthAt(this.z);
      if (this.filled === 0 && k - off >= depth) {
        // A whole slab is in the caller's array: use it where it is.
        await this.flush(data.subarray(off * sl, (off + depth) * sl), depth);
        off += depth;
        continue;
      }
      this.buf ??= allocate(this.shared.dtype, this.chunks[0] * sl);
      const n = Math.min(depth - this.filled, k - off);
      this.buf.set(data.subarray(off * sl, (off + n) * sl), this.filled * sl);
      this.filled += n;
      off += n;
      if (this.filled === depth) {
        this.filled = 0;
        await this.flush(this.buf.subarray(0, depth * sl), depth);
      }
    }
  }

  /** Cut a slab (`depth` slices from this.z) into chunks, write them, pass the slab down. */
  private async flush(slab: VoxelArray, depth: number): Promise<void> {
    const { shared } = this;
    checkAborted(shared.signal);
    this.onSlab?.(slab);
    const [, ny, nx] = this.shape;
    const [cz, cy, cx] = this.chunks;
    const iz = this.z / cz;
    const ncy = Math.ceil(ny / cy);
    const ncx = Math.ceil(nx / cx);
    const chunkLen = cz * cy * cx;
    const bpv = bytesPerVoxel(shared.dtype);
    await pool(ncy * ncx, shared.concurrency, async (c, worker) => {
      checkAborted(shared.signal);
      const iy = Math.floor(c / ncx);
      const ix = c % ncx;
      let chunk = this.chunkBufs[worker];
      if (!chunk) chunk = this.chunkBufs[worker] = allocate(shared.dtype, chunkLen);
      const y0 = iy * cy;
      const x0 = ix * cx;
      const h = Math.min(cy, ny - y0);
      const w = Math.min(cx, nx - x0);
      // Edge chunks are stored whole (Zarr v3): the part outside the array is the fill value 0.
      if (h < cy || w < cx || depth < cz) chunk.fill(0);
      for (let z = 0; z < depth; z++) {
        for (let y = 0; y < h; y++) {
          const src = z * ny * nx + (y0 + y) * nx + x0;
          chunk.set(slab.subarray(src, src + w), z * cy * cx + y * cx);
        }
      }
      let bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      if (!HOST_LITTLE_ENDIAN && bpv > 1) {
        bytes = bytes.slice();
        for (let i = 0; i < bytes.length; i += bpv) bytes.subarray(i, i + bpv).reverse();
      }
      const packed = await gzip(bytes, shared.gzipLevel);
      const key = `/${this.path}/${chunkKey([iz, iy, ix])}` as const;
      await shared.store.set(key, packed);
      shared.storedBytes += packed.byteLength;
    });
    this.z += depth;
    if (this.next) await this.next.push(slab, depth);
  }

  get complete(): boolean {
    return this.z === this.shape[0] && this.filled === 0;
  }

  get slicesReceived(): number {
    return this.z + this.filled;
  }
}

/** Turns the slabs of one level into the slices of the next (pairs of slices → one slice). */
class Downsampler {
  private pending: VoxelArray | null = null;
  private consumed = 0;
  private batch: VoxelArray | null = null;
  private readonly integer: boolean;

  constructor(
    private readonly from: Shape3,
    private readonly to: LevelWriter,
    private readonly method: Downsampling,
    dtype: DType,
  ) {
    this.integer = !isFloat(dtype);
    this.dtype = dtype;
  }
  private readonly dtype: DType;

  async push(slab: VoxelArray, depth: number): Promise<void> {
    const [nz, ny, nx] = this.from;
    const sl = ny * nx;
    const outLen = half(ny) * half(nx);
    // Output slices go to the next level in batches of at most BATCH_SLICES (bounded memory).
    const cap = Math.min(BATCH_SLICES, Math.ceil((depth + 1) / 2));
    if (!this.batch || this.batch.length < cap * outLen) this.batch = allocate(this.dtype, cap * outLen);
    const batch = this.batch;
    let nOut = 0;
    const slice = (k: number): VoxelArray => slab.subarray(k * sl, (k + 1) * sl);
    const emit = async (a: VoxelArray, b: VoxelArray | null): Promise<void> => {
      downsamplePair(a, b, ny, nx, batch.subarray(nOut * outLen, (nOut + 1) * outLen), this.method, this.integer);
      if (++nOut === cap) {
        await this.to.write(batch.subarray(0, nOut * outLen));
        nOut = 0;
      }
    };
    let i = 0;
    if (this.pending && depth > 0) {
      await emit(this.pending, slice(0));
      this.pending = null;
      i = 1;
    }
    for (; i + 1 < depth; i += 2) await emit(slice(i), slice(i + 1));
    this.consumed += depth;
    if (i < depth) {
      if (this.consumed === nz) await emit(slice(i), null); // last slice of an odd stack
      else this.pending = slice(i).slice();
    }
    if (nOut > 0) await this.to.write(batch.subarray(0, nOut * outLen));
  }
}

async function isZarrStore(dir: string): Promise<boolean> {
  try {
    await fs.access(path.join(dir, 'zarr.json'));
    return true;
  } catch {
    return false;
  }
}

function validShape(shape: Shape3): boolean {
  return shape.length === 3 && shape.every((n) => Number.isInteger(n) && n >= 1);
}

/**
 * Start a Zarr v3 store at `target` (a directory, conventionally `*.zarr`). Slices are written
 * level 0 first; the pyramid is computed on the way.
 */
export async function createZarrWriter(target: string, options: ZarrWriterOptions): Promise<ZarrSlabWriter> {
  const { shape, dtype } = options;
  if (!validShape(shape)) throw new RangeError(`invalid shape ${shape.join('×')}`);
  const labels = options.labels ?? false;
  if (labels && isFloat(dtype)) throw new InputError(`--labels needs an integer volume; this one is ${dtype}`, options.sourceFile ?? undefined);
  const requestedChunks = options.chunks ?? DEFAULT_CHUNKS;
  if (!validShape(requestedChunks)) throw new InputError(`chunk shape must be three positive integers, got ${requestedChunks.join(',')}`);
  const maxLevels = autoLevels(shape, 1);
  const levels = Math.min(options.levels ?? autoLevels(shape), maxLevels);
  if (!Number.isInteger(levels) || levels < 0) throw new InputError(`levels must be a non-negative integer, got ${options.levels}`);
  const gzipLevel = options.gzipLevel ?? DEFAULT_GZIP_LEVEL;
  if (!Number.isInteger(gzipLevel) || gzipLevel < 1 || gzipLevel > 9) throw new RangeError(`gzip level must be 1..9, got ${gzipLevel}`);

  const targetAbs = path.resolve(target);
  let replace = false;
  try {
    const stat = await fs.stat(targetAbs);
    if (!stat.isDirectory() || !(await isZarrStore(targetAbs))) {
      throw new InputError('exists and is not a Zarr store; not replacing it', target);
    }
    if (options.overwrite === false) throw new InputError('exists (not replacing it)', target);
    replace = true;
  } catch (err) {
    if (err instanceof InputError) throw err;
  }
  const partial = `${targetAbs}.partial-${randomBytes(4).toString('hex')}`;
  await fs.mkdir(partial, { recursive: false });

  const shared: Shared = {
    store: new FileSystemStore(partial),
    dtype,
    gzipLevel,
    concurrency: Math.max(1, options.concurrency ?? 4),
    signal: options.signal,
    storedBytes: 0,
  };
  const method: Downsampling = labels ? 'mode' : 'mean';
  const info: ZarrLevelInfo[] = [];
  const writers: LevelWriter[] = [];
  let closed = false;
  const removePartial = async (): Promise<void> => {
    await fs.rm(partial, { recursive: true, force: true });
  };

  try {
    const root = zarr.root(shared.store);
    for (let l = 0; l <= levels; l++) {
      const s = levelShape(shape, l);
      const c = clipChunks(requestedChunks, s);
      info.push({ path: String(l), shape: s, chunks: c });
      await zarr.create(root.resolve(String(l)), {
        shape: [...s],
        chunkShape: [...c],
        dtype,
        codecs: [
          { name: 'bytes', configuration: { endian: 'little' } },
          { name: 'gzip', configuration: { level: gzipLevel } },
        ],
        fillValue: 0,
        chunkSeparator: '/',
        dimensionNames: ['z', 'y', 'x'],
      });
      const w = new LevelWriter(String(l), s, c, shared);
      if (l > 0) writers[l - 1].next = new Downsampler(levelShape(shape, l - 1), w, method, dtype);
      writers.push(w);
    }
  } catch (err) {
    await removePartial();
    throw err;
  }

  // Exact value range of level 0, gathered as its slabs go by.
  let min = Infinity;
  let max = -Infinity;
  writers[0].onSlab = (slab) => {
    let lo = min;
    let hi = max;
    for (let i = 0; i < slab.length; i++) {
      const v = slab[i];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    min = lo;
    max = hi;
  };

  const writer: ZarrSlabWriter = {
    path: targetAbs,
    get slicesWritten() {
      return writers[0].slicesReceived;
    },
    levels: info,
    async writeSlices(data: VoxelArray): Promise<void> {
      if (closed) throw new Error('Zarr writer is closed');
      if (dtypeOf(data) !== dtype) throw new TypeError(`expected ${dtype} slices, got ${dtypeOf(data)}`);
      await writers[0].write(data);
    },
    async close(): Promise<ZarrWriteResult> {
      if (closed) throw new Error('Zarr writer is closed');
      closed = true;
      try {
        for (const w of writers) {
          if (!w.complete) throw new Error(`Zarr level ${w.path}: ${w.slicesReceived} of ${w.shape[0]} slices written`);
        }
        const spacing = options.spacing;
        const valueRange = Number.isFinite(min) && Number.isFinite(max) ? { min, max } : null;
        const datasets: OmeDataset[] = info.map((lv, l) => {
          const f = 2 ** l;
          const d = spacing ?? [1, 1, 1];
          const transforms: OmeDataset['coordinateTransformations'] = [{ type: 'scale', scale: d.map((v) => v * f) }];
          // Voxel centres of a 2^l block sit (2^l - 1)/2 level-0 voxels in.
          if (l > 0) transforms.push({ type: 'translation', translation: d.map((v) => (v * (f - 1)) / 2) });
          return { path: lv.path, coordinateTransformations: transforms };
        });
        const multiscale: OmeMultiscale = {
          name: options.name ?? path.basename(targetAbs).replace(/\.zarr$/i, ''),
          axes: (['z', 'y', 'x'] as const).map((name) => (spacing ? { name, type: 'space', unit: 'micrometer' } : { name, type: 'space' })),
          datasets,
          type: method === 'mode' ? 'mode' : 'mean',
          metadata: {
            description: `each level 2× smaller per axis (ceil), ${method === 'mode' ? 'mode of the 2×2×2 block, ties to the lower value' : 'mean of the 2×2×2 block, rounded half up for integers'}`,
          },
        };
        const buried: BuriedZarrAttributes = {
          layout_version: LAYOUT_VERSION,
          voxel_size_um: spacing ? [spacing[0], spacing[1], spacing[2]] : null,
          spacing_origin: options.spacingOrigin ?? (spacing ? 'given' : 'none'),
          source_file: options.sourceFile ?? null,
          source_format: options.sourceFormat ?? null,
          dtype,
          shape,
          value_range: valueRange,
          labels,
          downsampling: method,
          levels,
          chunks: info[0].chunks,
          compression: `gzip level ${gzipLevel}`,
        };
        await zarr.create(zarr.root(shared.store), { attributes: { ome: { version: '0.5', multiscales: [multiscale] }, buried } });
        checkAborted(options.signal);
        if (replace) {
          const old = `${targetAbs}.old-${randomBytes(4).toString('hex')}`;
          await fs.rename(targetAbs, old);
          await fs.rename(partial, targetAbs);
          await fs.rm(old, { recursive: true, force: true });
        } else {
          await fs.rename(partial, targetAbs);
        }
        return {
          path: targetAbs,
          shape,
          dtype,
          spacing,
          levels: info,
          valueRange,
          rawBytes: shape[0] * shape[1] * shape[2] * bytesPerVoxel(dtype),
          storedBytes: shared.storedBytes,
        };
      } catch (err) {
        await removePartial();
        throw err;
      }
    },
    async abort(): Promise<void> {
      closed = true;
      await removePartial();
    },
  };
  return writer;
}

export interface WriteZarrOptions extends Omit<ZarrWriterOptions, 'shape' | 'dtype' | 'spacing'> {
  /** Voxel size override (default: the source's). */
  spacing?: Spacing3 | null;
  /** Progress in level-0 slices. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Convert any opened volume to a Zarr store, reading it one slab of chunk depth at a time.
 * The source is not closed.
 */
export async function writeZarr(target: string, source: VolumeSource, options: WriteZarrOptions = {}): Promise<ZarrWriteResult> {
  const spacing = options.spacing !== undefined ? options.spacing : source.spacing;
  const writer = await createZarrWriter(target, {
    ...options,
    shape: source.shape,
    dtype: source.dtype,
    spacing,
    spacingOrigin: options.spacingOrigin ?? (spacing ? source.spacingOrigin : 'none'),
    sourceFile: options.sourceFile ?? source.path,
    sourceFormat: options.sourceFormat ?? source.format,
  });
  try {
    const [nz, ny, nx] = source.shape;
    const step = writer.levels[0].chunks[0];
    const buffer = allocate(source.dtype, step * ny * nx);
    for (let z0 = 0; z0 < nz; z0 += step) {
      checkAborted(options.signal);
      const z1 = Math.min(nz, z0 + step);
      const slab = await source.readSlices(z0, z1, buffer.subarray(0, (z1 - z0) * ny * nx));
      await writer.writeSlices(slab);
      options.onProgress?.(z1, nz);
    }
    return await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
