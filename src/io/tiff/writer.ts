/**
 * Multi-page TIFF / BigTIFF writer with ImageJ metadata (voxel size readable by Fiji and tifffile).
 *
 * Layout: header, then the pixel data of every page in order (streamed as slices arrive), then
 * all IFDs at the end; the header's first-IFD offset is patched at close. Output goes to a
 * temporary sibling name and is renamed into place only when complete.
 */
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import zlib from 'node:zlib';
import { namingTarget, temporaryNameFor, writeAtomically } from '../atomic.js';
import { bytesPerVoxel, dtypeOf, type DType, type Shape3, type Spacing3, type Volume, type VoxelArray } from '../volume.js';
import { HOST_LITTLE_ENDIAN, swapInPlace } from './codec.js';

export type TiffCompression = 'none' | 'deflate';

/**
 * How an 8-bit volume opens in Fiji/ImageJ: the display range (ImageJ `min=`/`max=` in the
 * description) and, optionally, a colour lookup table written as the TIFF ColorMap (tag 320) of a
 * palette image (PhotometricInterpretation 3). The pixel values stay the values: tifffile and our
 * reader still read uint8 codes; ImageJ shows value v through ColorMap entry
 * floor(256 (v − min)/(max − min)) (ByteProcessor.setMinAndMax), so a colormap made for a range
 * must be laid out for it (see label-lut.ts).
 */
export interface TiffDisplay {
  range: { min: number; max: number };
  /** 256 colours, 8-bit [r, g, b] each. */
  colormap?: ReadonlyArray<readonly [number, number, number]>;
}

export interface TiffWriterOptions {
  shape: Shape3;
  dtype: DType;
  /** Voxel size in µm [dz, dy, dx], or null to write no unit/spacing. */
  spacing: Spacing3 | null;
  compression?: TiffCompression;
  /** BigTIFF: true forces it, 'auto' (default) uses it only when the file may exceed 4 GiB. */
  bigtiff?: boolean | 'auto';
  /** Extra key=value lines for the ImageJ description. */
  description?: Record<string, string>;
  /** zlib level for Deflate (default 6). */
  deflateLevel?: number;
  /** Display range and colour table (uint8 only); floats get their value range as display range. */
  display?: TiffDisplay;
}

export interface TiffSlabWriter {
  readonly path: string;
  readonly slicesWritten: number;
  /** Append whole slices (data.length a multiple of ny*nx), in order. */
  writeSlices(data: VoxelArray): Promise<void>;
  /** Write the IFDs and move the file into place; fails if fewer than shape[0] slices were written. */
  close(): Promise<void>;
  /** Stop and remove the temporary file. */
  abort(): Promise<void>;
}

const SAMPLE_FORMAT: Record<DType, number> = {
  uint8: 1, uint16: 1, uint32: 1, int8: 2, int16: 2, int32: 2, float32: 3, float64: 3,
};

const MAX_CLASSIC = 2 ** 32 - 1;
const DEFLATE_STRIP_BYTES = 64 * 1024;

/** Best rational approximation num/den of x with both ≤ 2^32-1 (continued fractions). */
export function toRational(x: number): [number, number] {
  if (!(x > 0) || !Number.isFinite(x)) return [0, 1];
  const LIM = MAX_CLASSIC;
  let h0 = 0, h1 = 1, k0 = 1, k1 = 0;
  let v = x;
  for (let i = 0; i < 64; i++) {
    const a = Math.floor(v);
    const h2 = a * h1 + h0;
    const k2 = a * k1 + k0;
    if (h2 > LIM || k2 > LIM) break;
    h0 = h1; h1 = h2; k0 = k1; k1 = k2;
    const frac = v - a;
    if (frac < 1e-12 || Math.abs(h1 / k1 - x) <= Math.abs(x) * 1e-15) break;
    v = 1 / frac;
  }
  if (k1 === 0) return [Math.min(LIM, Math.round(x)), 1];
  return [h1, k1];
}

/** ImageJ ImageDescription for a stack. */
export function imagejDescription(
  nz: number,
  spacing: Spacing3 | null,
  range: { min: number; max: number } | null,
  extra: Record<string, string> = {},
): string {
  const lines = ['ImageJ=1.11a'];
  if (nz > 1) lines.push(`images=${nz}`, `slices=${nz}`);
  if (spacing) lines.push('unit=micron', `spacing=${spacing[0]}`);
  if (nz > 1) lines.push('loop=false');
  if (range && Number.isFinite(range.min) && Number.isFinite(range.max)) lines.push(`min=${range.min}`, `max=${range.max}`);
  for (const [k, v] of Object.entries(extra)) {
    if (/[\n=]/.test(k) || /\n/.test(v)) throw new RangeError(`invalid ImageJ description entry '${k}'`);
    lines.push(`${k}=${v}`);
  }
  return lines.join('\n') + '\n';
}

function checkDisplay(display: TiffDisplay, dtype: DType): void {
  const { min, max } = display.range;
  if (!(Number.isFinite(min) && Number.isFinite(max) && min < max)) throw new RangeError(`invalid display range ${min}..${max}`);
  if (display.colormap) {
    if (dtype !== 'uint8') throw new RangeError(`a TIFF colour map needs uint8 data, not ${dtype}`);
    if (display.colormap.length !== 256) throw new RangeError(`a TIFF colour map has 256 entries, got ${display.colormap.length}`);
    if (!display.colormap.every((c) => c.length === 3 && c.every((v) => Number.isInteger(v) && v >= 0 && v <= 255))) {
      throw new RangeError('colour map entries must be [r, g, b] integers 0..255');
    }
  }
}

/** TIFF ColorMap values: all reds, then greens, then blues, 16-bit (8-bit × 257, so 255 → 65535). */
function colorMapValues(colormap: ReadonlyArray<readonly [number, number, number]>): number[] {
  const out: number[] = [];
  for (let ch = 0; ch < 3; ch++) for (const c of colormap) out.push(c[ch] * 257);
  return out;
}

interface Entry {
  tag: number;
  type: number; // 2 ASCII, 3 SHORT, 4 LONG, 5 RATIONAL, 16 LONG8
  values: number[] | Uint8Array;
}

const TYPE_BYTES: Record<number, number> = { 2: 1, 3: 2, 4: 4, 5: 8, 16: 8 };

function entryCount(e: Entry): number {
  return e.type === 5 ? e.values.length / 2 : e.values.length;
}

/** Serialise IFDs (entries sorted, out-of-line values after each IFD) starting at file offset `base`. */
function buildIfds(pagesEntries: Entry[][], base: number, bigtiff: boolean): Uint8Array {
  const entrySize = bigtiff ? 20 : 12;
  const countSize = bigtiff ? 8 : 2;
  const offSize = bigtiff ? 8 : 4;
  // First pass: sizes.
  const sizes = pagesEntries.map((entries) => {
    let n = countSize + entries.length * entrySize + offSize;
    for (const e of entries) {
      const len = entryCount(e) * TYPE_BYTES[e.type];
      if (len > offSize) n += len + (len & 1);
    }
    return n + (n & 1);
  });
  const total = sizes.reduce((a, b) => a + b, 0);
  const buf = new Uint8Array(total);
  const dv = new DataView(buf.buffer);
  let pos = 0;
  for (let p = 0; p < pagesEntries.length; p++) {
    const entries = [...pagesEntries[p]].sort((a, b) => a.tag - b.tag);
    const ifdStart = pos;
    let extra = ifdStart + countSize + entries.length * entrySize + offSize;
    if (bigtiff) dv.setBigUint64(pos, BigInt(entries.length), true);
    else dv.setUint16(pos, entries.length, true);
    pos += countSize;
    for (const e of entries) {
      const count = entryCount(e);
      const len = count * TYPE_BYTES[e.type];
      dv.setUint16(pos, e.tag, true);
      dv.setUint16(pos + 2, e.type, true);
      if (bigtiff) dv.setBigUint64(pos + 4, BigInt(count), true);
      else dv.setUint32(pos + 4, count, true);
      const valuePos = pos + (bigtiff ? 12 : 8);
      let at: number;
      if (len <= offSize) {
        at = valuePos;
      } else {
        at = extra;
        const fileOffset = base + extra;
        if (bigtiff) dv.setBigUint64(valuePos, BigInt(fileOffset), true);
        else dv.setUint32(valuePos, fileOffset, true);
        extra += len + (len & 1);
      }
      const v = e.values;
      switch (e.type) {
        case 2:
          buf.set(v as Uint8Array, at);
          break;
        case 3:
          for (let i = 0; i < v.length; i++) dv.setUint16(at + 2 * i, v[i], true);
          break;
        case 4:
        case 5:
          for (let i = 0; i < v.length; i++) dv.setUint32(at + 4 * i, v[i], true);
          break;
        case 16:
          for (let i = 0; i < v.length; i++) dv.setBigUint64(at + 8 * i, BigInt(v[i]), true);
          break;
      }
      pos += entrySize;
    }
    const nextPos = pos;
    const end = ifdStart + sizes[p];
    const next = p + 1 < pagesEntries.length ? base + end : 0;
    if (bigtiff) dv.setBigUint64(nextPos, BigInt(next), true);
    else dv.setUint32(nextPos, next, true);
    pos = end;
  }
  return buf;
}

async function writeAll(fh: FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  const CHUNK = 1 << 30;
  let done = 0;
  while (done < bytes.byteLength) {
    const n = Math.min(CHUNK, bytes.byteLength - done);
    const { bytesWritten } = await fh.write(bytes, done, n, position + done);
    if (bytesWritten <= 0) throw new Error('short write');
    done += bytesWritten;
  }
}

class TiffWriterCore {
  private fh: FileHandle | null = null;
  private pos = 0;
  private readonly nz: number;
  private readonly ny: number;
  private readonly nx: number;
  private readonly bpp: number;
  private readonly sliceBytes: number;
  private readonly compression: TiffCompression;
  private readonly bigtiff: boolean;
  private readonly rowsPerStrip: number;
  private readonly stripOffsets: number[][] = [];
  private readonly stripCounts: number[][] = [];
  private min = Infinity;
  private max = -Infinity;
  written = 0;

  constructor(
    readonly file: string,
    private readonly opts: TiffWriterOptions,
  ) {
    const [nz, ny, nx] = opts.shape;
    if (![nz, ny, nx].every((v) => Number.isInteger(v) && v > 0)) throw new RangeError(`invalid TIFF shape ${opts.shape.join('×')}`);
    if (ny > 0xffffffff || nx > 0xffffffff) throw new RangeError('image too large for TIFF');
    if (!(opts.dtype in SAMPLE_FORMAT)) throw new RangeError(`cannot write dtype ${opts.dtype} to TIFF`);
    if (opts.display) checkDisplay(opts.display, opts.dtype);
    this.nz = nz;
    this.ny = ny;
    this.nx = nx;
    this.bpp = bytesPerVoxel(opts.dtype);
    this.sliceBytes = ny * nx * this.bpp;
    this.compression = opts.compression ?? 'none';
    const rowBytes = nx * this.bpp;
    this.rowsPerStrip = this.compression === 'deflate' ? Math.max(1, Math.min(ny, Math.floor(DEFLATE_STRIP_BYTES / rowBytes))) : ny;
    const big = opts.bigtiff ?? 'auto';
    if (big === 'auto') {
      // Worst case: deflate output slightly larger than its input; IFDs with strip tables.
      const strips = Math.ceil(ny / this.rowsPerStrip);
      const estimate = 16 + nz * this.sliceBytes * (this.compression === 'deflate' ? 1.01 : 1) + nz * (400 + strips * 16) + 65536;
      this.bigtiff = estimate > MAX_CLASSIC;
    } else {
      this.bigtiff = big;
    }
    if (!this.bigtiff && this.compression === 'none' && this.sliceBytes > MAX_CLASSIC) {
      throw new RangeError('slice too large for classic TIFF; use bigtiff');
    }
  }

  async open(): Promise<void> {
    this.fh = await fs.open(this.file, 'w');
    const header = new Uint8Array(this.bigtiff ? 16 : 8);
    const dv = new DataView(header.buffer);
    header[0] = 0x49;
    header[1] = 0x49;
    if (this.bigtiff) {
      dv.setUint16(2, 43, true);
      dv.setUint16(4, 8, true);
    } else {
      dv.setUint16(2, 42, true);
    }
    await writeAll(this.fh, header, 0);
    this.pos = header.byteLength;
  }

  async writeSlices(data: VoxelArray): Promise<void> {
    if (!this.fh) throw new Error(`${this.file}: writer is closed`);
    const dtype = dtypeOf(data);
    if (dtype !== this.opts.dtype) throw new RangeError(`writeSlices: got ${dtype} data, writer expects ${this.opts.dtype}`);
    const sliceVoxels = this.ny * this.nx;
    if (data.length % sliceVoxels !== 0) throw new RangeError(`writeSlices: ${data.length} values is not a whole number of ${this.nx}×${this.ny} slices`);
    const n = data.length / sliceVoxels;
    if (this.written + n > this.nz) throw new RangeError(`writeSlices: more than ${this.nz} slices`);
    if (dtype === 'float32' || dtype === 'float64') {
      let mn = this.min;
      let mx = this.max;
      for (let i = 0; i < data.length; i++) {
        const v = data[i];
        if (v < mn) mn = v;
        if (v > mx) mx = v;
      }
      this.min = mn;
      this.max = mx;
    }
    let bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    if (!HOST_LITTLE_ENDIAN && this.bpp > 1) {
      bytes = bytes.slice();
      swapInPlace(bytes, this.bpp);
    }
    if (this.compression === 'none') {
      for (let k = 0; k < n; k++) {
        const off = this.pos + k * this.sliceBytes;
        if (!this.bigtiff && off + this.sliceBytes > MAX_CLASSIC) throw new RangeError('classic TIFF exceeds 4 GiB; use bigtiff');
        this.stripOffsets.push([off]);
        this.stripCounts.push([this.sliceBytes]);
      }
      await writeAll(this.fh, bytes, this.pos);
      this.pos += bytes.byteLength;
    } else {
      const stripBytes = this.rowsPerStrip * this.nx * this.bpp;
      const level = this.opts.deflateLevel ?? 6;
      for (let k = 0; k < n; k++) {
        const slice = bytes.subarray(k * this.sliceBytes, (k + 1) * this.sliceBytes);
        const offs: number[] = [];
        const counts: number[] = [];
        const parts: Uint8Array[] = [];
        let len = 0;
        for (let s = 0; s < this.sliceBytes; s += stripBytes) {
          const c = zlib.deflateSync(slice.subarray(s, Math.min(this.sliceBytes, s + stripBytes)), { level });
          offs.push(this.pos + len);
          counts.push(c.byteLength);
          parts.push(c);
          len += c.byteLength;
        }
        if (!this.bigtiff && this.pos + len > MAX_CLASSIC) throw new RangeError('classic TIFF exceeds 4 GiB; use bigtiff');
        await writeAll(this.fh, Buffer.concat(parts), this.pos);
        this.pos += len;
        this.stripOffsets.push(offs);
        this.stripCounts.push(counts);
      }
    }
    this.written += n;
  }

  async finish(): Promise<void> {
    if (!this.fh) throw new Error(`${this.file}: writer is closed`);
    if (this.written !== this.nz) throw new Error(`${this.file}: only ${this.written} of ${this.nz} slices were written`);
    const big = this.bigtiff;
    const offType = big ? 16 : 4;
    const spacing = this.opts.spacing;
    const isFloat = this.opts.dtype === 'float32' || this.opts.dtype === 'float64';
    const display = this.opts.display;
    const range = display ? display.range : isFloat ? { min: this.min, max: this.max } : null;
    const desc = imagejDescription(this.nz, spacing, range, this.opts.description);
    const colormap = display?.colormap ? colorMapValues(display.colormap) : null;
    const descBytes = new Uint8Array(Buffer.byteLength(desc) + 1);
    Buffer.from(desc).copy(descBytes);
    const xres = spacing ? toRational(1 / spacing[2]) : [1, 1];
    const yres = spacing ? toRational(1 / spacing[1]) : [1, 1];
    const pages: Entry[][] = [];
    for (let k = 0; k < this.nz; k++) {
      const entries: Entry[] = [
        { tag: 254, type: 4, values: [0] },
        { tag: 256, type: 4, values: [this.nx] },
        { tag: 257, type: 4, values: [this.ny] },
        { tag: 258, type: 3, values: [this.bpp * 8] },
        { tag: 259, type: 3, values: [this.compression === 'deflate' ? 8 : 1] },
        { tag: 262, type: 3, values: [colormap ? 3 : 1] },
        { tag: 273, type: offType, values: this.stripOffsets[k] },
        { tag: 277, type: 3, values: [1] },
        { tag: 278, type: 4, values: [this.rowsPerStrip] },
        { tag: 279, type: offType, values: this.stripCounts[k] },
        { tag: 282, type: 5, values: xres },
        { tag: 283, type: 5, values: yres },
        { tag: 296, type: 3, values: [1] },
        { tag: 339, type: 3, values: [SAMPLE_FORMAT[this.opts.dtype]] },
      ];
      if (k === 0) entries.push({ tag: 270, type: 2, values: descBytes });
      if (colormap) entries.push({ tag: 320, type: 3, values: colormap });
      pages.push(entries);
    }
    const base = this.pos + (this.pos & 1);
    const ifds = buildIfds(pages, base, big);
    if (!big && base + ifds.byteLength > MAX_CLASSIC) throw new RangeError('classic TIFF exceeds 4 GiB; use bigtiff');
    await writeAll(this.fh, ifds, base);
    const head = new Uint8Array(8);
    const dv = new DataView(head.buffer);
    if (big) {
      dv.setBigUint64(0, BigInt(base), true);
      await writeAll(this.fh, head, 8);
    } else {
      dv.setUint32(0, base, true);
      await writeAll(this.fh, head.subarray(0, 4), 4);
    }
    await this.fh.close();
    this.fh = null;
  }

  async dispose(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    if (fh) await fh.close().catch(() => undefined);
  }
}

/** Stream a volume to a TIFF slice by slice; the file appears at `path` only on close(). */
export async function createTiffWriter(
  path: string,
  options: TiffWriterOptions,
): Promise<TiffSlabWriter> {
  const tmp = temporaryNameFor(path);
  const core = new TiffWriterCore(tmp, options);
  let state: 'open' | 'closed' | 'aborted' = 'open';
  try {
    await core.open();
  } catch (err) {
    await core.dispose();
    await fs.rm(tmp, { force: true });
    throw err;
  }
  const abort = async () => {
    if (state !== 'open') return;
    state = 'aborted';
    await core.dispose();
    await fs.rm(tmp, { force: true });
  };
  return {
    path,
    get slicesWritten() {
      return core.written;
    },
    async writeSlices(data: VoxelArray) {
      if (state !== 'open') throw new Error(`${path}: writer is ${state}`);
      try {
        await core.writeSlices(data);
      } catch (err) {
        if (!(err instanceof RangeError)) await abort();
        throw namingTarget(err, path);
      }
    },
    async close() {
      if (state !== 'open') throw new Error(`${path}: writer is ${state}`);
      try {
        await core.finish();
        await fs.rename(tmp, path);
        state = 'closed';
      } catch (err) {
        await abort();
        throw namingTarget(err, path);
      }
    },
    abort,
  };
}

/** Write a whole volume as a multi-page TIFF with ImageJ metadata (atomically). */
export async function writeTiff(
  path: string,
  volume: Volume,
  options: { compression?: TiffCompression; deflateLevel?: number; bigtiff?: boolean | 'auto'; description?: Record<string, string>; display?: TiffDisplay } = {},
): Promise<void> {
  const dtype = dtypeOf(volume.data);
  if (dtype !== volume.dtype) throw new RangeError(`volume.dtype ${volume.dtype} does not match its ${dtype} data`);
  await writeAtomically(path, async (tmp) => {
    const core = new TiffWriterCore(tmp, {
      shape: volume.shape,
      dtype,
      spacing: volume.spacing,
      compression: options.compression,
      deflateLevel: options.deflateLevel,
      bigtiff: options.bigtiff,
      description: options.description,
      display: options.display,
    });
    try {
      await core.open();
      await core.writeSlices(volume.data);
      await core.finish();
    } finally {
      await core.dispose();
    }
  });
}
