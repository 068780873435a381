/**
 * TIFF / BigTIFF header and IFD-chain parsing with positional reads on a file handle.
 * Only the header, the IFDs and the tag values that are needed are read.
 */
import type { FileHandle } from 'node:fs/promises';
import { InputError } from '../errors.js';

export const Tag = {
  NewSubfileType: 254,
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  Photometric: 262,
  FillOrder: 266,
  ImageDescription: 270,
  StripOffsets: 273,
  SamplesPerPixel: 277,
  RowsPerStrip: 278,
  StripByteCounts: 279,
  XResolution: 282,
  YResolution: 283,
  PlanarConfiguration: 284,
  ResolutionUnit: 296,
  Predictor: 317,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  SampleFormat: 339,
  JPEGTables: 347,
  ImageDepth: 32997,
} as const;

/** Size in bytes of one value of each TIFF field type. */
export const TYPE_SIZE: Record<number, number> = {
  1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4, 16: 8, 17: 8, 18: 8,
};

export interface IfdEntry {
  tag: number;
  type: number;
  count: number;
  /** Absolute file position of the value bytes (inline values point into the IFD itself). */
  position: number;
  byteLength: number;
}

export interface Ifd {
  offset: number;
  entries: Map<number, IfdEntry>;
  /** The bytes read around the IFD (entries and, often, out-of-line values right after them). */
  chunk: Uint8Array;
  chunkStart: number;
}

export interface TiffHeader {
  little: boolean;
  bigtiff: boolean;
  firstIfd: number;
}

const MAX_PAGES = 1 << 22;

/** Positional reads with bounds checks; errors name the file. */
export class TiffFileReader {
  constructor(
    readonly fh: FileHandle,
    readonly path: string,
    readonly size: number,
  ) {}

  header!: TiffHeader;

  truncated(what: string, end: number): InputError {
    return new InputError(`truncated: ${what} ends at byte ${end} beyond the end of the file (${this.size} bytes)`, this.path);
  }

  /**
   * Read exactly `length` bytes at `position` into `into` (or a new buffer). Large reads are
   * split into chunks read concurrently (the copy into fresh memory is dominated by page faults,
   * which then run on several threads).
   */
  async readAt(position: number, length: number, what: string, into?: Uint8Array): Promise<Uint8Array> {
    if (position < 0 || position + length > this.size) throw this.truncated(what, position + length);
    const buf = into ?? new Uint8Array(length);
    const CHUNK = 8 << 20;
    if (length <= 2 * CHUNK) {
      await this.readRange(buf, 0, length, position, what);
      return buf;
    }
    const CONCURRENCY = 4;
    let next = 0;
    const worker = async () => {
      while (next < length) {
        const at = next;
        const n = Math.min(CHUNK, length - at);
        next += n;
        await this.readRange(buf, at, n, position + at, what);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return buf;
  }

  private async readRange(buf: Uint8Array, offset: number, length: number, position: number, what: string): Promise<void> {
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.fh.read(buf, offset + done, length - done, position + done);
      if (bytesRead <= 0) throw this.truncated(what, position + length);
      done += bytesRead;
    }
  }

  async readHeader(): Promise<TiffHeader> {
    const notTiff = () => new InputError('not a TIFF file (no II*/MM* header)', this.path);
    if (this.size < 8) throw notTiff();
    const b = await this.readAt(0, Math.min(16, this.size), 'header');
    let little: boolean;
    if (b[0] === 0x49 && b[1] === 0x49) little = true;
    else if (b[0] === 0x4d && b[1] === 0x4d) little = false;
    else throw notTiff();
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const magic = dv.getUint16(2, little);
    let header: TiffHeader;
    if (magic === 42) {
      header = { little, bigtiff: false, firstIfd: dv.getUint32(4, little) };
    } else if (magic === 43) {
      if (b.byteLength < 16) throw this.truncated('BigTIFF header', 16);
      if (dv.getUint16(4, little) !== 8) throw new InputError('unsupported BigTIFF offset size', this.path);
      header = { little, bigtiff: true, firstIfd: Number(dv.getBigUint64(8, little)) };
    } else {
      throw notTiff();
    }
    this.header = header;
    return header;
  }

  /** Bytes read ahead while walking the IFD chain (IFDs are often stored together). */
  private window: { start: number; bytes: Uint8Array } | null = null;
  /** Read-ahead size for the next IFD: grows when IFDs turn out to be adjacent. */
  private windowSize = 8192;

  private async ifdBytes(offset: number, length: number): Promise<Uint8Array> {
    const w = this.window;
    if (w && offset >= w.start && offset + length <= w.start + w.bytes.byteLength) {
      return w.bytes.subarray(offset - w.start);
    }
    const len = Math.min(this.size - offset, Math.max(length, this.windowSize));
    const bytes = await this.readAt(offset, len, `IFD at byte ${offset}`);
    this.window = { start: offset, bytes };
    return bytes;
  }

  /** Parse one IFD; returns it and the offset of the next one (0 at the end of the chain). */
  async readIfd(offset: number): Promise<{ ifd: Ifd; next: number }> {
    const { little, bigtiff } = this.header;
    const countSize = bigtiff ? 8 : 2;
    const entrySize = bigtiff ? 20 : 12;
    const offSize = bigtiff ? 8 : 4;
    if (offset + countSize > this.size) throw this.truncated(`IFD at byte ${offset}`, offset + countSize);
    let chunk = await this.ifdBytes(offset, countSize);
    let dv = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const n = bigtiff ? Number(dv.getBigUint64(0, little)) : dv.getUint16(0, little);
    const need = countSize + n * entrySize + offSize;
    if (n > 1e6) throw new InputError(`corrupt IFD at byte ${offset} (${n} entries)`, this.path);
    if (need > chunk.byteLength) {
      if (offset + need > this.size) throw this.truncated(`IFD at byte ${offset}`, offset + need);
      chunk = await this.ifdBytes(offset, need);
      dv = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    }
    const entries = new Map<number, IfdEntry>();
    for (let i = 0; i < n; i++) {
      const p = countSize + i * entrySize;
      const tag = dv.getUint16(p, little);
      const type = dv.getUint16(p + 2, little);
      const count = bigtiff ? Number(dv.getBigUint64(p + 4, little)) : dv.getUint32(p + 4, little);
      const valuePos = p + (bigtiff ? 12 : 8);
      const tsize = TYPE_SIZE[type];
      if (tsize === undefined) continue; // unknown type: skip the entry
      const byteLength = tsize * count;
      const position =
        byteLength <= offSize
          ? offset + valuePos
          : bigtiff
            ? Number(dv.getBigUint64(valuePos, little))
            : dv.getUint32(valuePos, little);
      entries.set(tag, { tag, type, count, position, byteLength });
    }
    const np = countSize + n * entrySize;
    const next = bigtiff ? Number(dv.getBigUint64(np, little)) : dv.getUint32(np, little);
    return { ifd: { offset, entries, chunk, chunkStart: offset }, next };
  }

  /** Walk the IFD chain from the header, guarding against loops and offsets beyond the file. */
  async readAllIfds(): Promise<Ifd[]> {
    const ifds: Ifd[] = [];
    const seen = new Set<number>();
    let offset = this.header.firstIfd;
    while (offset !== 0) {
      if (seen.has(offset)) break; // IFD loop: stop at the first repeat
      if (ifds.length >= MAX_PAGES) throw new InputError(`more than ${MAX_PAGES} IFDs`, this.path);
      if (offset >= this.size) throw this.truncated(`IFD offset ${offset}`, offset);
      seen.add(offset);
      const { ifd, next } = await this.readIfd(offset);
      ifds.push(ifd);
      // IFDs stored back to back (ImageJ, this project's writer): read ahead in bigger windows.
      if (next > offset && next - offset < 4096) this.windowSize = Math.min(1 << 20, this.windowSize * 2);
      else this.windowSize = 8192;
      offset = next;
    }
    if (ifds.length === 0) throw new InputError('TIFF file has no images', this.path);
    return ifds;
  }

  /** Raw bytes of an entry's values. */
  async entryBytes(ifd: Ifd, e: IfdEntry): Promise<Uint8Array> {
    const rel = e.position - ifd.chunkStart;
    if (rel >= 0 && rel + e.byteLength <= ifd.chunk.byteLength) return ifd.chunk.subarray(rel, rel + e.byteLength);
    return this.readAt(e.position, e.byteLength, `tag ${e.tag} values`);
  }

  /** Numeric values of a tag (RATIONAL gives numerator/denominator), or undefined if absent. */
  async values(ifd: Ifd, tag: number): Promise<number[] | undefined> {
    const e = ifd.entries.get(tag);
    if (!e) return undefined;
    const b = await this.entryBytes(ifd, e);
    const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const le = this.header.little;
    const out = new Array<number>(e.count);
    switch (e.type) {
      case 1: case 7: for (let i = 0; i < e.count; i++) out[i] = b[i]; break;
      case 6: for (let i = 0; i < e.count; i++) out[i] = dv.getInt8(i); break;
      case 3: for (let i = 0; i < e.count; i++) out[i] = dv.getUint16(2 * i, le); break;
      case 8: for (let i = 0; i < e.count; i++) out[i] = dv.getInt16(2 * i, le); break;
      case 4: case 13: for (let i = 0; i < e.count; i++) out[i] = dv.getUint32(4 * i, le); break;
      case 9: for (let i = 0; i < e.count; i++) out[i] = dv.getInt32(4 * i, le); break;
      case 11: for (let i = 0; i < e.count; i++) out[i] = dv.getFloat32(4 * i, le); break;
      case 12: for (let i = 0; i < e.count; i++) out[i] = dv.getFloat64(8 * i, le); break;
      case 16: case 18: for (let i = 0; i < e.count; i++) out[i] = Number(dv.getBigUint64(8 * i, le)); break;
      case 17: for (let i = 0; i < e.count; i++) out[i] = Number(dv.getBigInt64(8 * i, le)); break;
      case 5:
        for (let i = 0; i < e.count; i++) {
          const num = dv.getUint32(8 * i, le);
          const den = dv.getUint32(8 * i + 4, le);
          out[i] = den === 0 ? NaN : num / den;
        }
        break;
      case 10:
        for (let i = 0; i < e.count; i++) {
          const num = dv.getInt32(8 * i, le);
          const den = dv.getInt32(8 * i + 4, le);
          out[i] = den === 0 ? NaN : num / den;
        }
        break;
      default:
        return undefined;
    }
    return out;
  }

  async value(ifd: Ifd, tag: number): Promise<number | undefined> {
    const v = await this.values(ifd, tag);
    return v && v.length > 0 ? v[0] : undefined;
  }

  async ascii(ifd: Ifd, tag: number): Promise<string | undefined> {
    const e = ifd.entries.get(tag);
    if (!e) return undefined;
    const b = await this.entryBytes(ifd, e);
    let end = b.indexOf(0);
    if (end < 0) end = b.byteLength;
    return Buffer.from(b.buffer, b.byteOffset, end).toString('utf8');
  }
}
