/**
 * TIFF / BigTIFF volume reader: page k = z slice k, rows = y, columns = x.
 *
 * Own fast path for uncompressed and Deflate strips (with horizontal or floating-point
 * predictor); other compressions are decoded with geotiff's decoders on the strip or tile bytes
 * read here, so that only the requested pages are ever read.
 */
import { promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import zlib from 'node:zlib';
import { InputError, type InputWarning } from '../errors.js';
import type { VolumeSource } from '../source.js';
import { spacingFromTiffTags } from '../spacing.js';
import { allocate, arrayConstructor, bytesPerVoxel, type DType, type Shape3, type VoxelArray } from '../volume.js';
import {
  HOST_LITTLE_ENDIAN,
  swapInPlace,
  undoFloatPredictor,
  undoHorizontalPredictor,
  unpackBits,
  unpackBitsRle,
} from './codec.js';
import { Tag, TiffFileReader, type Ifd } from './ifd.js';

export const COMPRESSION_NAMES: Record<number, string> = {
  1: 'uncompressed',
  5: 'LZW',
  7: 'JPEG',
  8: 'Deflate',
  32946: 'Deflate (old-style 32946)',
  32773: 'PackBits',
  34887: 'LERC',
  50000: 'Zstandard',
  50001: 'WebP',
};

/** Layout of one page (one z slice). */
export interface PageLayout {
  compression: number;
  predictor: number;
  photometric: number;
  tiled: boolean;
  blockWidth: number;
  blockHeight: number;
  offsets: number[];
  byteCounts: number[];
  jpegTables?: Uint8Array;
  /** Uncompressed page stored as one contiguous run: its first byte. */
  contiguousStart: number | null;
}

/** Everything known about a TIFF file after opening. */
export interface ParsedTiff {
  path: string;
  size: number;
  little: boolean;
  bigtiff: boolean;
  width: number;
  height: number;
  bitsPerSample: number;
  sampleFormat: number;
  dtype: DType;
  pages: PageLayout[];
  description?: string;
  imagej?: Record<string, string>;
  xResolution?: number;
  yResolution?: number;
  resolutionUnit?: number;
  /** True when pages beyond the first come from ImageJ's contiguous layout (images= > IFDs). */
  imagejContiguous: boolean;
  warnings: InputWarning[];
}

function dtypeFor(bits: number, sampleFormat: number, spp: number, photometric: number, file: string): DType {
  if (spp > 1) {
    const kind = photometric === 2 ? ' (RGB)' : photometric === 6 ? ' (YCbCr)' : photometric === 5 ? ' (CMYK)' : '';
    throw new InputError(`unsupported: ${spp} samples per pixel${kind}; convert to a single channel`, file);
  }
  if (sampleFormat === 5 || sampleFormat === 6) {
    throw new InputError(`unsupported: complex samples (SampleFormat ${sampleFormat})`, file);
  }
  const signed = sampleFormat === 2;
  const float = sampleFormat === 3;
  switch (bits) {
    case 1:
      return 'uint8';
    case 8:
      if (float) break;
      return signed ? 'int8' : 'uint8';
    case 16:
      if (float) break;
      return signed ? 'int16' : 'uint16';
    case 32:
      return float ? 'float32' : signed ? 'int32' : 'uint32';
    case 64:
      if (float) return 'float64';
      break;
  }
  throw new InputError(`unsupported: ${bits}-bit ${float ? 'float' : signed ? 'signed integer' : 'integer'} samples`, file);
}

/** Parse ImageJ's "key=value" description, or undefined if it is not an ImageJ description. */
export function parseImageJDescription(desc: string | undefined): Record<string, string> | undefined {
  if (!desc || !desc.startsWith('ImageJ=')) return undefined;
  const out: Record<string, string> = {};
  for (const line of desc.split(/\r?\n/)) {
    const i = line.indexOf('=');
    if (i <= 0) continue;
    out[line.slice(0, i).trim()] = line.slice(i + 1).trim();
  }
  return out;
}

async function pageLayout(
  r: TiffFileReader,
  ifd: Ifd,
  width: number,
  height: number,
  bits: number,
): Promise<PageLayout> {
  const file = r.path;
  const compression = (await r.value(ifd, Tag.Compression)) ?? 1;
  if (!(compression in COMPRESSION_NAMES)) {
    throw new InputError(`unsupported: TIFF compression ${compression}`, file);
  }
  const predictor = (await r.value(ifd, Tag.Predictor)) ?? 1;
  if (predictor !== 1 && predictor !== 2 && predictor !== 3) throw new InputError(`unsupported: predictor ${predictor}`, file);
  if (predictor !== 1 && bits < 8) throw new InputError(`unsupported: predictor ${predictor} with ${bits}-bit samples`, file);
  if (predictor === 2 && bits === 64) throw new InputError('unsupported: horizontal predictor with 64-bit samples', file);
  const photometric = (await r.value(ifd, Tag.Photometric)) ?? 1;
  if (bits === 1 && ((await r.value(ifd, Tag.FillOrder)) ?? 1) !== 1) {
    throw new InputError('unsupported: FillOrder 2 (LSB-first bits)', file);
  }
  if (((await r.value(ifd, Tag.ImageDepth)) ?? 1) > 1) throw new InputError('unsupported: SGI ImageDepth tiles', file);
  const tiled = ifd.entries.has(Tag.TileOffsets);
  let blockWidth: number;
  let blockHeight: number;
  let offsets: number[] | undefined;
  let byteCounts: number[] | undefined;
  if (tiled) {
    blockWidth = (await r.value(ifd, Tag.TileWidth)) ?? 0;
    blockHeight = (await r.value(ifd, Tag.TileLength)) ?? 0;
    offsets = await r.values(ifd, Tag.TileOffsets);
    byteCounts = await r.values(ifd, Tag.TileByteCounts);
    if (!(blockWidth > 0 && blockHeight > 0)) throw new InputError('corrupt: tiled TIFF without TileWidth/TileLength', file);
  } else {
    blockWidth = width;
    const rps = (await r.value(ifd, Tag.RowsPerStrip)) ?? height;
    blockHeight = Math.max(1, Math.min(rps, height));
    offsets = await r.values(ifd, Tag.StripOffsets);
    byteCounts = await r.values(ifd, Tag.StripByteCounts);
  }
  const nBlocks = tiled
    ? Math.ceil(width / blockWidth) * Math.ceil(height / blockHeight)
    : Math.ceil(height / blockHeight);
  const rowBytes = bits === 1 ? Math.ceil(blockWidth / 8) : (blockWidth * bits) / 8;
  if (!offsets) throw new InputError(`corrupt: page without ${tiled ? 'TileOffsets' : 'StripOffsets'}`, file);
  if (!byteCounts) {
    // Missing byte counts are only recoverable without compression.
    if (compression !== 1) throw new InputError('corrupt: page without StripByteCounts', file);
    byteCounts = offsets.map(() => rowBytes * blockHeight);
  }
  if (offsets.length < nBlocks || byteCounts.length < nBlocks) {
    throw new InputError(`corrupt: page has ${offsets.length} ${tiled ? 'tiles' : 'strips'}, expected ${nBlocks}`, file);
  }
  offsets = offsets.slice(0, nBlocks);
  byteCounts = byteCounts.slice(0, nBlocks);
  for (let i = 0; i < nBlocks; i++) {
    const end = offsets[i] + byteCounts[i];
    if (byteCounts[i] > 0 && end > r.size) throw r.truncated(`image data of ${tiled ? 'tile' : 'strip'} ${i}`, end);
  }
  let jpegTables: Uint8Array | undefined;
  if (compression === 7 && ifd.entries.has(Tag.JPEGTables)) {
    jpegTables = (await r.entryBytes(ifd, ifd.entries.get(Tag.JPEGTables)!)).slice();
  }
  let contiguousStart: number | null = null;
  if (compression === 1 && !tiled && bits >= 8 && predictor === 1) {
    let ok = true;
    let total = byteCounts[0];
    for (let i = 1; i < nBlocks && ok; i++) {
      ok = offsets[i] === offsets[i - 1] + byteCounts[i - 1];
      total += byteCounts[i];
    }
    const pageBytes = (width * height * bits) / 8;
    if (ok && total >= pageBytes) contiguousStart = offsets[0];
  }
  return { compression, predictor, photometric, tiled, blockWidth, blockHeight, offsets, byteCounts, jpegTables, contiguousStart };
}

/** Open-time parse: header, IFD chain, per-page layout, metadata. */
export async function parseTiff(r: TiffFileReader): Promise<ParsedTiff> {
  const file = r.path;
  const header = await r.readHeader();
  const ifds = await r.readAllIfds();
  // Reduced-resolution images and masks are not slices.
  const images: Ifd[] = [];
  for (let i = 0; i < ifds.length; i++) {
    const subfile = i === 0 ? 0 : ((await r.value(ifds[i], Tag.NewSubfileType)) ?? 0);
    if ((subfile & 5) === 0) images.push(ifds[i]);
  }
  const first = images[0];
  const width = (await r.value(first, Tag.ImageWidth)) ?? 0;
  const height = (await r.value(first, Tag.ImageLength)) ?? 0;
  if (!(width > 0 && height > 0)) throw new InputError('corrupt: first page has no ImageWidth/ImageLength', file);
  const bits = (await r.value(first, Tag.BitsPerSample)) ?? 1;
  const spp = (await r.value(first, Tag.SamplesPerPixel)) ?? 1;
  const sampleFormat = (await r.value(first, Tag.SampleFormat)) ?? 1;
  const photometric = (await r.value(first, Tag.Photometric)) ?? 1;
  const dtype = dtypeFor(bits, sampleFormat, spp, photometric, file);
  const description = await r.ascii(first, Tag.ImageDescription);
  const imagej = parseImageJDescription(description);
  const warnings: InputWarning[] = [];
  if (imagej) {
    const channels = Number(imagej.channels ?? 1);
    if (channels > 1) {
      throw new InputError(`unsupported: multichannel ImageJ hyperstack (channels=${channels}); split the channels first`, file);
    }
  }
  const pages: PageLayout[] = [];
  for (let k = 0; k < images.length; k++) {
    const ifd = images[k];
    if (k > 0) {
      const w = (await r.value(ifd, Tag.ImageWidth)) ?? 0;
      const h = (await r.value(ifd, Tag.ImageLength)) ?? 0;
      const b = (await r.value(ifd, Tag.BitsPerSample)) ?? 1;
      const s = (await r.value(ifd, Tag.SamplesPerPixel)) ?? 1;
      const f = (await r.value(ifd, Tag.SampleFormat)) ?? 1;
      if (w !== width || h !== height || b !== bits || s !== spp || f !== sampleFormat) {
        throw new InputError(
          `page ${k} is ${w}×${h} (${b}-bit, format ${f}, ${s} samples), page 0 is ${width}×${height} (${bits}-bit, format ${sampleFormat}, ${spp} samples); all pages must match`,
          file,
        );
      }
    }
    pages.push(await pageLayout(r, ifd, width, height, bits));
  }
  let imagejContiguous = false;
  const nImages = imagej ? Number(imagej.images ?? 0) : 0;
  if (imagej && Number.isInteger(nImages) && nImages > pages.length) {
    const p0 = pages[0];
    const pageBytes = (width * height * bits) / 8;
    if (pages.length === 1 && p0.contiguousStart !== null) {
      const end = p0.contiguousStart + nImages * pageBytes;
      if (end > r.size) throw r.truncated(`ImageJ contiguous data for images=${nImages}`, end);
      for (let k = 1; k < nImages; k++) {
        const start = p0.contiguousStart + k * pageBytes;
        pages.push({ ...p0, offsets: [start], byteCounts: [pageBytes], blockHeight: height, contiguousStart: start });
      }
      imagejContiguous = true;
    } else {
      warnings.push({ file, message: `ImageJ metadata says images=${nImages} but the file has ${pages.length} pages; reading ${pages.length}` });
    }
  }
  const xResolution = await r.value(first, Tag.XResolution);
  const yResolution = await r.value(first, Tag.YResolution);
  const resolutionUnit = await r.value(first, Tag.ResolutionUnit);
  return {
    path: file,
    size: r.size,
    little: header.little,
    bigtiff: header.bigtiff,
    width,
    height,
    bitsPerSample: bits,
    sampleFormat,
    dtype,
    pages,
    description,
    imagej,
    xResolution,
    yResolution,
    resolutionUnit,
    imagejContiguous,
    warnings,
  };
}

type Decoder = { decodeBlock(buffer: ArrayBufferLike): Promise<ArrayBufferLike> | ArrayBufferLike };

/** Decoder cache for geotiff's decoders, keyed by compression and block geometry. */
class DecoderCache {
  private map = new Map<string, Promise<Decoder>>();
  get(tiff: ParsedTiff, page: PageLayout): Promise<Decoder> {
    const key = `${page.compression}:${page.blockWidth}:${page.blockHeight}:${page.jpegTables ? 'T' : ''}`;
    let d = this.map.get(key);
    if (!d) {
      const params = {
        tileWidth: page.blockWidth,
        tileHeight: page.blockHeight,
        predictor: 1, // predictors are undone here, in native byte order
        bitsPerSample: tiff.bitsPerSample,
        planarConfiguration: 1,
        samplesPerPixel: 1,
        ...(page.jpegTables ? { JPEGTables: page.jpegTables } : {}),
      };
      // geotiff is loaded only for the codecs the fast path does not decode itself
      d = import('geotiff').then((g) => g.getDecoder(page.compression, params) as Promise<Decoder>);
      this.map.set(key, d);
    }
    return d;
  }
}

async function decodeBlock(
  tiff: ParsedTiff,
  page: PageLayout,
  raw: Uint8Array,
  expected: number,
  decoders: DecoderCache,
  where: string,
): Promise<Uint8Array> {
  try {
    switch (page.compression) {
      case 1:
        return raw;
      case 8:
      case 32946: {
        const out = zlib.inflateSync(raw, { finishFlush: zlib.constants.Z_SYNC_FLUSH });
        return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
      }
      case 32773:
        return unpackBitsRle(raw, expected);
      default: {
        const dec = await decoders.get(tiff, page);
        const ab = raw.slice().buffer;
        return new Uint8Array(await dec.decodeBlock(ab));
      }
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`corrupt ${COMPRESSION_NAMES[page.compression]} data in ${where}: ${(err as Error).message}`, tiff.path);
  }
}

/** Read the compressed blocks of one page with as few reads as possible. */
async function readRawBlocks(r: TiffFileReader, page: PageLayout, where: string): Promise<Uint8Array[]> {
  const { offsets, byteCounts } = page;
  let start = Infinity;
  let end = 0;
  let sum = 0;
  for (let i = 0; i < offsets.length; i++) {
    if (byteCounts[i] === 0) continue;
    start = Math.min(start, offsets[i]);
    end = Math.max(end, offsets[i] + byteCounts[i]);
    sum += byteCounts[i];
  }
  const empty = new Uint8Array(0);
  if (sum === 0) return offsets.map(() => empty);
  if (end - start <= sum * 1.25 + 65536) {
    const span = await r.readAt(start, end - start, where);
    return offsets.map((o, i) => (byteCounts[i] === 0 ? empty : span.subarray(o - start, o - start + byteCounts[i])));
  }
  const out: Uint8Array[] = [];
  for (let i = 0; i < offsets.length; i++) {
    out.push(byteCounts[i] === 0 ? empty : await r.readAt(offsets[i], byteCounts[i], where));
  }
  return out;
}

/** Decode one page through the generic block path into `dest` (the page's bytes, aligned). */
async function readPageGeneric(
  r: TiffFileReader,
  tiff: ParsedTiff,
  k: number,
  dest: Uint8Array,
  decoders: DecoderCache,
): Promise<void> {
  const page = tiff.pages[k];
  const where = `page ${k}`;
  const { width: W, height: H, bitsPerSample: bits } = tiff;
  const bpp = bits === 1 ? 1 : bits / 8;
  const bw = page.blockWidth;
  const bh = page.blockHeight;
  const rowStride = bits === 1 ? Math.ceil(bw / 8) : bw * bpp;
  const across = page.tiled ? Math.ceil(W / bw) : 1;
  const swap = bits > 8 && tiff.little !== HOST_LITTLE_ENDIAN && page.predictor !== 3;
  const invert = bits === 1 && page.photometric === 0;
  const raws = await readRawBlocks(r, page, where);
  const tmp = page.predictor === 3 ? new Uint8Array(rowStride) : undefined;
  for (let b = 0; b < raws.length; b++) {
    const y0 = Math.floor(b / across) * bh;
    const x0 = (b % across) * bw;
    if (y0 >= H) continue;
    const rows = Math.min(bh, H - y0);
    const cols = Math.min(bw, W - x0);
    if (raws[b].byteLength === 0) continue; // sparse block: zeros
    // Strips store only the rows present; tiles always full size.
    const blockRows = page.tiled ? bh : rows;
    const dec = await decodeBlock(tiff, page, raws[b], blockRows * rowStride, decoders, where);
    if (dec.byteLength < (rows - 1) * rowStride + (bits === 1 ? Math.ceil(cols / 8) : cols * bpp)) {
      throw new InputError(
        `corrupt: ${page.tiled ? 'tile' : 'strip'} ${b} of page ${k} decodes to ${dec.byteLength} bytes, expected ${blockRows * rowStride}`,
        tiff.path,
      );
    }
    if (tmp) {
      const n = Math.min(blockRows, Math.floor(dec.byteLength / rowStride));
      for (let y = 0; y < n; y++) undoFloatPredictor(dec.subarray(y * rowStride, (y + 1) * rowStride), bw, bpp, tmp);
    }
    if (bits === 1) {
      for (let y = 0; y < rows; y++) unpackBits(dec, y * rowStride, dest, (y0 + y) * W + x0, cols, invert);
      continue;
    }
    const segBytes = cols * bpp;
    if (cols === W) {
      const region = dest.subarray(y0 * W * bpp, (y0 + rows) * W * bpp);
      region.set(dec.subarray(0, rows * rowStride));
      if (swap) swapInPlace(region, bpp);
      if (page.predictor === 2) {
        for (let y = 0; y < rows; y++) undoHorizontalPredictor(region.subarray(y * segBytes), W, bpp);
      }
    } else {
      for (let y = 0; y < rows; y++) {
        const at = ((y0 + y) * W + x0) * bpp;
        const seg = dest.subarray(at, at + segBytes);
        seg.set(dec.subarray(y * rowStride, y * rowStride + segBytes));
        if (swap) swapInPlace(seg, bpp);
        if (page.predictor === 2) undoHorizontalPredictor(seg, cols, bpp);
      }
    }
  }
}

/** Read pages [k0, k1) of a parsed TIFF into `dest` (exactly their bytes, aligned to the dtype). */
export async function readPagesInto(
  r: TiffFileReader,
  tiff: ParsedTiff,
  k0: number,
  k1: number,
  dest: Uint8Array,
  decoders = new DecoderCache(),
): Promise<void> {
  const pageBytes = tiff.width * tiff.height * bytesPerVoxel(tiff.dtype);
  const swap = tiff.bitsPerSample > 8 && tiff.little !== HOST_LITTLE_ENDIAN;
  let k = k0;
  while (k < k1) {
    const page = tiff.pages[k];
    const at = (k - k0) * pageBytes;
    if (page.contiguousStart !== null) {
      // Uncompressed, contiguous: one positional read, merged with following adjacent pages.
      let k2 = k + 1;
      while (k2 < k1) {
        const s = tiff.pages[k2].contiguousStart;
        if (s === null || s !== tiff.pages[k2 - 1].contiguousStart! + pageBytes) break;
        k2++;
      }
      const region = dest.subarray(at, at + (k2 - k) * pageBytes);
      await r.readAt(page.contiguousStart, region.byteLength, `page ${k}`, region);
      if (swap) swapInPlace(region, tiff.bitsPerSample / 8);
      k = k2;
    } else {
      await readPageGeneric(r, tiff, k, dest.subarray(at, at + pageBytes), decoders);
      k++;
    }
  }
}

function describe(t: ParsedTiff): string {
  const p = t.pages[0];
  const comp = COMPRESSION_NAMES[p.compression] ?? `compression ${p.compression}`;
  const pred = p.predictor > 1 ? ` + predictor ${p.predictor}` : '';
  const layout = p.tiled ? `tiles ${p.blockWidth}×${p.blockHeight}` : `strips of ${p.blockHeight} rows`;
  return `${t.bigtiff ? 'BigTIFF' : 'TIFF'} ${t.little ? 'little' : 'big'}-endian, ${t.pages.length} pages of ${t.width}×${t.height} ${
    t.bitsPerSample === 1 ? '1-bit' : t.dtype
  }, ${comp}${pred}, ${layout}${t.imagejContiguous ? ', ImageJ contiguous layout' : ''}`;
}

function checkRange(z0: number, z1: number, nz: number): void {
  if (!(Number.isInteger(z0) && Number.isInteger(z1) && z0 >= 0 && z1 <= nz && z0 <= z1)) {
    throw new RangeError(`readSlices(${z0}, ${z1}) out of range [0, ${nz}]`);
  }
}

function outputArray(dtype: DType, length: number, into?: VoxelArray): { out: VoxelArray; bytes: Uint8Array } {
  let out: VoxelArray;
  if (into) {
    if (!(into instanceof arrayConstructor(dtype))) throw new RangeError(`readSlices: 'into' must be a ${dtype} array`);
    if (into.length < length) throw new RangeError(`readSlices: 'into' has ${into.length} elements, need ${length}`);
    out = into;
  } else {
    out = allocate(dtype, length);
  }
  return { out, bytes: new Uint8Array(out.buffer, out.byteOffset, length * out.BYTES_PER_ELEMENT) };
}

async function openHandle(file: string): Promise<{ fh: FileHandle; size: number }> {
  let fh: FileHandle;
  try {
    fh = await fs.open(file, 'r');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new InputError('no such file', file);
    if (e.code === 'EISDIR') throw new InputError('is a folder, not a TIFF file', file);
    throw new InputError(`cannot open: ${e.message}`, file);
  }
  const st = await fh.stat();
  if (st.isDirectory()) {
    await fh.close();
    throw new InputError('is a folder, not a TIFF file', file);
  }
  return { fh, size: st.size };
}

/** Open and parse a TIFF file; the caller owns (and must close) the returned handle. */
export async function parseTiffFile(file: string): Promise<{ reader: TiffFileReader; tiff: ParsedTiff }> {
  const { fh, size } = await openHandle(file);
  const reader = new TiffFileReader(fh, file, size);
  try {
    return { reader, tiff: await parseTiff(reader) };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** Open a (multi-page) TIFF or BigTIFF file as a volume; slices are read on demand. */
export async function openTiff(file: string): Promise<VolumeSource> {
  const { reader, tiff } = await parseTiffFile(file);
  const sp = spacingFromTiffTags(
    { imagej: tiff.imagej, xResolution: tiff.xResolution, yResolution: tiff.yResolution, resolutionUnit: tiff.resolutionUnit },
    file,
  );
  const shape: Shape3 = [tiff.pages.length, tiff.height, tiff.width];
  const sliceVoxels = tiff.width * tiff.height;
  const decoders = new DecoderCache();
  let closed = false;
  return {
    path: file,
    format: tiff.bigtiff ? 'bigtiff' : 'tiff',
    shape,
    dtype: tiff.dtype,
    spacing: sp.spacing,
    spacingOrigin: sp.origin,
    warnings: [...tiff.warnings, ...sp.warnings],
    detail: describe(tiff),
    async readSlices(z0: number, z1: number, into?: VoxelArray): Promise<VoxelArray> {
      if (closed) throw new Error(`${file}: readSlices after close`);
      checkRange(z0, z1, shape[0]);
      const { out, bytes } = outputArray(tiff.dtype, (z1 - z0) * sliceVoxels, into);
      await readPagesInto(reader, tiff, z0, z1, bytes, decoders);
      return out;
    },
    ...(tiff.pages.every((pg) => pg.contiguousStart !== null) && {
      async readRows(y0: number, y1: number, into?: VoxelArray): Promise<VoxelArray> {
        if (closed) throw new Error(`${file}: readRows after close`);
        if (!(Number.isInteger(y0) && Number.isInteger(y1) && y0 >= 0 && y1 <= shape[1] && y0 <= y1)) throw new RangeError(`readRows(${y0}, ${y1}) out of range [0, ${shape[1]}]`);
        const rowBytes = tiff.width * bytesPerVoxel(tiff.dtype);
        const blockBytes = (y1 - y0) * rowBytes;
        const length = shape[0] * (y1 - y0) * tiff.width;
        const { out, bytes } = outputArray(tiff.dtype, length, into);
        for (let z = 0; z < shape[0]; z++) {
          await reader.readAt(tiff.pages[z].contiguousStart! + y0 * rowBytes, blockBytes, `page ${z}`, bytes.subarray(z * blockBytes, (z + 1) * blockBytes));
        }
        if (tiff.bitsPerSample > 8 && tiff.little !== HOST_LITTLE_ENDIAN) swapInPlace(bytes, tiff.bitsPerSample / 8);
        return out.subarray(0, length);
      },
    }),
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await reader.fh.close();
    },
  };
}

const naturalCollator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Natural sort order of file names (slice2 < slice10). */
export function naturalCompare(a: string, b: string): number {
  return naturalCollator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Open a folder of .tif/.tiff files (natural sort order) as one volume. */
export async function openTiffFolder(dir: string): Promise<VolumeSource> {
  let names: string[];
  try {
    names = (await fs.readdir(dir, { withFileTypes: true }))
      .filter((d) => (d.isFile() || d.isSymbolicLink()) && /\.tiff?$/i.test(d.name) && !d.name.startsWith('.'))
      .map((d) => d.name);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new InputError('no such folder', dir);
    if (e.code === 'ENOTDIR') throw new InputError('not a folder', dir);
    throw new InputError(`cannot list folder: ${e.message}`, dir);
  }
  if (names.length === 0) throw new InputError('folder contains no .tif/.tiff files', dir);
  names.sort(naturalCompare);
  const files: ParsedTiff[] = [];
  for (const name of names) {
    const { reader, tiff } = await parseTiffFile(path.join(dir, name));
    await reader.fh.close();
    const f0 = files[0];
    if (f0 && (tiff.width !== f0.width || tiff.height !== f0.height || tiff.dtype !== f0.dtype || tiff.bitsPerSample !== f0.bitsPerSample)) {
      throw new InputError(
        `slice size or type differs: ${tiff.width}×${tiff.height} ${tiff.dtype} here, ${f0.width}×${f0.height} ${f0.dtype} in ${path.basename(f0.path)}; all slices must match`,
        tiff.path,
      );
    }
    files.push(tiff);
  }
  const f0 = files[0];
  // z -> (file, page)
  const zFile: number[] = [];
  const zPage: number[] = [];
  files.forEach((t, i) => t.pages.forEach((_, k) => (zFile.push(i), zPage.push(k))));
  const sp = spacingFromTiffTags(
    { imagej: f0.imagej, xResolution: f0.xResolution, yResolution: f0.yResolution, resolutionUnit: f0.resolutionUnit },
    f0.path,
  );
  const shape: Shape3 = [zFile.length, f0.height, f0.width];
  const sliceVoxels = f0.width * f0.height;
  const sliceBytes = sliceVoxels * bytesPerVoxel(f0.dtype);
  const decoders = new DecoderCache();
  return {
    path: dir,
    format: 'tiff-folder',
    shape,
    dtype: f0.dtype,
    spacing: sp.spacing,
    spacingOrigin: sp.origin === 'none in file' ? sp.origin : `${sp.origin}, from ${path.basename(f0.path)}`,
    warnings: [...files.flatMap((t) => t.warnings), ...sp.warnings],
    detail: `folder of ${files.length} TIFF files (${shape[0]} slices); first: ${describe(f0)}`,
    async readSlices(z0: number, z1: number, into?: VoxelArray): Promise<VoxelArray> {
      checkRange(z0, z1, shape[0]);
      const { out, bytes } = outputArray(f0.dtype, (z1 - z0) * sliceVoxels, into);
      let z = z0;
      while (z < z1) {
        const fi = zFile[z];
        let z2 = z + 1;
        while (z2 < z1 && zFile[z2] === fi) z2++;
        const t = files[fi];
        const { fh, size } = await openHandle(t.path);
        try {
          const r = new TiffFileReader(fh, t.path, size);
          r.header = { little: t.little, bigtiff: t.bigtiff, firstIfd: 0 };
          await readPagesInto(r, t, zPage[z], zPage[z] + (z2 - z), bytes.subarray((z - z0) * sliceBytes, (z2 - z0) * sliceBytes), decoders);
        } finally {
          await fh.close();
        }
        z = z2;
      }
      return out;
    },
    async close(): Promise<void> {},
  };
}
