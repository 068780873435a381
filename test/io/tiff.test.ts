import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/io/errors.js';
import { createTiffWriter, openTiff, openTiffFolder, toRational, writeTiff } from '../../src/io/tiff/index.js';
import { TiffFileReader } from '../../src/io/tiff/ifd.js';
import { makeVolume, type DType, type Spacing3, type VoxelArray } from '../../src/io/volume.js';
import { PYTHON, SHARED_DATA, missingFiles, missingPython, requireAvailable } from '../helpers.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'tiff');
/** The real TIFFs in ../shared/data that make_tiff_fixtures.py hashes. */
const SHARED_TIFFS = [
  'taufactor/electrode.tiff', 'matbox/nmc-1-cal_generatedCBD_bridge.tif', 'openimpala/SampleData_2Phase_stack_3d_1bit.tif',
  'openimpala/SampleData_3Phase.tif', 'puma/100_fiberform.tif', 'puma/small_weave.tif',
];

function bytesOf(a: VoxelArray): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function sha256(a: VoxelArray): string {
  return createHash('sha256').update(bytesOf(a)).digest('hex');
}

const TIFFFILE_SUMMARY = `
import sys, json, hashlib
import numpy as np, tifffile
with tifffile.TiffFile(sys.argv[1]) as t:
    a = t.asarray()
    if a.dtype == np.bool_:
        a = a.astype(np.uint8)
    a = np.ascontiguousarray(a.astype(a.dtype.newbyteorder('<')))
    p = t.pages[0]
    ij = t.imagej_metadata or {}
    def tag(name):
        return p.tags[name].value if name in p.tags else None
    print(json.dumps({
        'shape': list(a.shape), 'dtype': a.dtype.name, 'sha256': hashlib.sha256(a.tobytes()).hexdigest(),
        'is_imagej': bool(t.is_imagej), 'is_bigtiff': bool(t.is_bigtiff), 'pages': len(t.pages),
        'spacing': ij.get('spacing'), 'unit': ij.get('unit'), 'images': ij.get('images'),
        'min': ij.get('min'), 'max': ij.get('max'),
        'xres': tag('XResolution'), 'yres': tag('YResolution'), 'resunit': int(p.tags['ResolutionUnit'].value) if 'ResolutionUnit' in p.tags else 0,
        'compression': int(p.compression),
    }))
`;

interface TifffileSummary {
  shape: number[];
  dtype: string;
  sha256: string;
  is_imagej: boolean;
  is_bigtiff: boolean;
  pages: number;
  spacing: number | null;
  unit: string | null;
  images: number | null;
  min: number | null;
  max: number | null;
  xres: [number, number] | null;
  yres: [number, number] | null;
  resunit: number;
  compression: number;
}

function tifffileSummary(file: string): TifffileSummary {
  const out = execFileSync(PYTHON, ['-c', TIFFFILE_SUMMARY, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out) as TifffileSummary;
}

interface ManifestEntry {
  file: string;
  raw: string;
  shape: [number, number, number];
  dtype: DType;
  spacing: Spacing3 | null;
  note: string;
}

const manifest = JSON.parse(readFileSync(path.join(FIXTURES, 'manifest.json'), 'utf8')) as Record<string, ManifestEntry>;
const noTifffile = missingPython('tifffile', 'numpy');

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'buried-tiff-test-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function openFixture(name: string) {
  const e = manifest[name];
  const p = path.join(FIXTURES, e.file);
  return e.file === 'folder' ? openTiffFolder(p) : openTiff(p);
}

function expectedBytes(name: string): Buffer {
  return readFileSync(path.join(FIXTURES, manifest[name].raw));
}

describe('TIFF reader: fixtures', () => {
  for (const name of Object.keys(manifest)) {
    it(`${name}: shape, dtype and values`, async () => {
      const e = manifest[name];
      const src = await openFixture(name);
      try {
        expect(src.shape).toEqual(e.shape);
        expect(src.dtype).toBe(e.dtype);
        const data = await src.readSlices(0, e.shape[0]);
        expect(data.length).toBe(e.shape[0] * e.shape[1] * e.shape[2]);
        expect(bytesOf(data).equals(expectedBytes(name))).toBe(true);
      } finally {
        await src.close();
      }
    });
  }

  it('format names', async () => {
    expect((await openTiff(path.join(FIXTURES, 'u8.tif'))).format).toBe('tiff');
    expect((await openTiff(path.join(FIXTURES, 'bigtiff.tif'))).format).toBe('bigtiff');
    expect((await openTiffFolder(path.join(FIXTURES, 'folder'))).format).toBe('tiff-folder');
  });

  it('slab readSlices(2,4) equals the slices of a full read, also into a given array', async () => {
    for (const name of ['u16be', 'deflate_pred', 'lzw_pred', 'tiled_deflate_pred', 'imagej_contiguous', 'folder', 'bilevel']) {
      const src = await openFixture(name);
      const [, ny, nx] = src.shape;
      const full = await src.readSlices(0, src.shape[0]);
      const slab = await src.readSlices(2, 4);
      expect(slab.length).toBe(2 * ny * nx);
      expect(bytesOf(slab).equals(bytesOf(full.subarray(2 * ny * nx, 4 * ny * nx)))).toBe(true);
      const into = full.slice(0, 3 * ny * nx).fill(0);
      const got = await src.readSlices(1, 3, into);
      expect(got).toBe(into);
      expect(bytesOf(into.subarray(0, 2 * ny * nx)).equals(bytesOf(full.subarray(ny * nx, 3 * ny * nx)))).toBe(true);
      const empty = await src.readSlices(3, 3);
      expect(empty.length).toBe(0);
      await expect(src.readSlices(0, src.shape[0] + 1)).rejects.toThrow(RangeError);
      await src.close();
    }
  });

  it('readRows: z-lines of every fixture stored uncompressed equal those of a full read; compressed files have none', async () => {
    let withRows = 0;
    for (const name of Object.keys(manifest)) {
      const src = await openFixture(name);
      try {
        const [nz, ny, nx] = src.shape;
        if (['u8', 'u16be', 'f32be', 'imagej_contiguous', 'i32be_strips'].includes(name)) expect(src.readRows, name).toBeDefined();
        if (['deflate', 'lzw_pred', 'tiled_deflate_pred', 'bilevel', 'folder'].includes(name)) expect(src.readRows, name).toBeUndefined();
        if (!src.readRows) continue;
        withRows++;
        const full = await src.readSlices(0, nz);
        const y0 = Math.min(1, ny - 1), y1 = ny;
        const rows = await src.readRows(y0, y1);
        expect(rows.length).toBe(nz * (y1 - y0) * nx);
        for (let z = 0; z < nz; z++)
          for (let y = y0; y < y1; y++)
            for (let x = 0; x < nx; x++) expect(rows[(z * (y1 - y0) + (y - y0)) * nx + x]).toBe(full[(z * ny + y) * nx + x]);
        const into = full.slice().fill(0);
        const got = await src.readRows(0, 1, into);
        expect(got.length).toBe(nz * nx);
        for (let z = 0; z < nz; z++) expect(bytesOf(got.subarray(z * nx, (z + 1) * nx)).equals(bytesOf(full.subarray(z * ny * nx, z * ny * nx + nx)))).toBe(true);
        await expect(src.readRows(0, ny + 1)).rejects.toThrow(RangeError);
      } finally {
        await src.close();
      }
    }
    expect(withRows).toBeGreaterThanOrEqual(5); // u8, u16be, i16, f32, imagej_contiguous, ...
  });

  it('reads the voxel size from ImageJ metadata', async () => {
    const src = await openFixture('imagej');
    expect(src.spacing).not.toBeNull();
    const [dz, dy, dx] = manifest.imagej.spacing!;
    expect(src.spacing![0]).toBeCloseTo(dz, 9);
    expect(src.spacing![1]).toBeCloseTo(dy, 9);
    expect(src.spacing![2]).toBeCloseTo(dx, 9);
    expect(src.spacingOrigin).toMatch(/ImageJ/);
    await src.close();
    const c = await openFixture('imagej_contiguous');
    expect(c.spacing).toEqual([3, 1, 1]);
    expect(c.detail).toMatch(/ImageJ contiguous/);
    await c.close();
  });

  it('files without voxel-size metadata give spacing null', async () => {
    const src = await openFixture('u16le');
    expect(src.spacing).toBeNull();
    expect(src.warnings).toEqual([]);
    await src.close();
  });
});

describe('TIFF reader: bad input', () => {
  async function expectInputError(p: Promise<unknown>, file: string, re?: RegExp) {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain(path.basename(file));
    if (re) expect((err as Error).message).toMatch(re);
  }

  it('rejects a text file', async () => {
    const p = path.join(tmp, 'notes.tif');
    await fs.writeFile(p, 'this is not a TIFF file, just some text\n');
    await expectInputError(openTiff(p), p, /not a TIFF/);
  });

  it('rejects an empty file and a missing file', async () => {
    const p = path.join(tmp, 'empty.tif');
    await fs.writeFile(p, '');
    await expectInputError(openTiff(p), p, /not a TIFF/);
    await expectInputError(openTiff(path.join(tmp, 'missing.tif')), 'missing.tif');
  });

  it('rejects truncated files (cut in half)', async () => {
    for (const name of ['u16le.tif', 'deflate.tif', 'bigtiff.tif', 'imagej_contiguous.tif']) {
      const bytes = readFileSync(path.join(FIXTURES, name));
      const p = path.join(tmp, `half-${name}`);
      await fs.writeFile(p, bytes.subarray(0, Math.floor(bytes.length / 2)));
      await expectInputError(openTiff(p), p, /truncated/);
    }
    // Our own layout (IFDs at the end).
    const own = path.join(tmp, 'own.tif');
    await writeTiff(own, makeVolume(new Uint16Array(4 * 10 * 10), [4, 10, 10]));
    const bytes = readFileSync(own);
    const cut = path.join(tmp, 'own-cut.tif');
    await fs.writeFile(cut, bytes.subarray(0, bytes.length - 100));
    await expectInputError(openTiff(cut), cut, /truncated/);
  });

  it('rejects RGB', async () => {
    const p = path.join(FIXTURES, 'rgb.tif');
    await expectInputError(openTiff(p), p, /unsupported: 3 samples per pixel \(RGB\); convert to a single channel/);
  });

  it('rejects a folder whose slices differ in size, naming the first offending file and both sizes', async () => {
    const dir = path.join(tmp, 'badfolder');
    await fs.mkdir(dir);
    await writeTiff(path.join(dir, 'slice1.tif'), makeVolume(new Uint8Array(20 * 30), [1, 20, 30]));
    await writeTiff(path.join(dir, 'slice2.tif'), makeVolume(new Uint8Array(20 * 30), [1, 20, 30]));
    await writeTiff(path.join(dir, 'slice10.tif'), makeVolume(new Uint8Array(21 * 30), [1, 21, 30]));
    await writeTiff(path.join(dir, 'slice11.tif'), makeVolume(new Uint8Array(22 * 30), [1, 22, 30]));
    await expectInputError(openTiffFolder(dir), 'slice10.tif', /30×21.*30×20/);
    const typeDir = path.join(tmp, 'badtype');
    await fs.mkdir(typeDir);
    await writeTiff(path.join(typeDir, 'a1.tif'), makeVolume(new Uint8Array(20 * 30), [1, 20, 30]));
    await writeTiff(path.join(typeDir, 'a2.tif'), makeVolume(new Uint16Array(20 * 30), [1, 20, 30]));
    await expectInputError(openTiffFolder(typeDir), 'a2.tif', /uint16.*uint8/);
    const emptyDir = path.join(tmp, 'emptyfolder');
    await fs.mkdir(emptyDir);
    await expectInputError(openTiffFolder(emptyDir), 'emptyfolder', /no \.tif/);
  });

  it('stops at an IFD loop instead of hanging', async () => {
    const p = path.join(tmp, 'loop.tif');
    const nz = 3;
    await writeTiff(p, makeVolume(new Uint8Array(nz * 8 * 8).map((_, i) => i & 255), [nz, 8, 8]));
    // Find the last IFD and point its "next" at the first.
    const fh = await fs.open(p, 'r+');
    const r = new TiffFileReader(fh, p, (await fh.stat()).size);
    const h = await r.readHeader();
    let off = h.firstIfd;
    for (let k = 0; k < nz - 1; k++) off = (await r.readIfd(off)).next;
    const { ifd } = await r.readIfd(off);
    const nextPos = off + 2 + ifd.entries.size * 12;
    const b = Buffer.alloc(4);
    b.writeUInt32LE(h.firstIfd);
    await fh.write(b, 0, 4, nextPos);
    await fh.close();
    const src = await openTiff(p);
    expect(src.shape).toEqual([nz, 8, 8]);
    await src.close();
  });
});

describe('TIFF writer', () => {
  const spacing: Spacing3 = [2.5, 1.7, 1.7];
  const shape: [number, number, number] = [6, 19, 27];
  const n = shape[0] * shape[1] * shape[2];
  const samples: Record<string, VoxelArray> = {
    uint8: Uint8Array.from({ length: n }, (_, i) => (i * 7919) % 256),
    uint16: Uint16Array.from({ length: n }, (_, i) => (i * 7919 + 12345) % 65536),
    float32: Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 1000 + (i % 7) * 0.125),
    int16: Int16Array.from({ length: n }, (_, i) => ((i * 7919) % 65536) - 32768),
    int32: Int32Array.from({ length: n }, (_, i) => (i * 2654435761) | 0),
    float64: Float64Array.from({ length: n }, (_, i) => Math.cos(i) / 3),
    int8: Int8Array.from({ length: n }, (_, i) => ((i * 31) % 256) - 128),
    uint32: Uint32Array.from({ length: n }, (_, i) => (i * 2654435761) >>> 0),
  };

  for (const [dtype, data] of Object.entries(samples)) {
    for (const compression of ['none', 'deflate'] as const) {
      it(`round trip ${dtype} (${compression}) with spacing [2.5,1.7,1.7]`, async () => {
        const p = path.join(tmp, `rt-${dtype}-${compression}.tif`);
        await writeTiff(p, makeVolume(data, shape, spacing), { compression });
        const src = await openTiff(p);
        expect(src.shape).toEqual(shape);
        expect(src.dtype).toBe(dtype);
        expect(src.format).toBe('tiff');
        expect(src.spacing).not.toBeNull();
        src.spacing!.forEach((v, i) => expect(v).toBeCloseTo(spacing[i], 9));
        const back = await src.readSlices(0, shape[0]);
        expect(bytesOf(back).equals(bytesOf(data))).toBe(true);
        await src.close();
        const files = await fs.readdir(tmp);
        expect(files.filter((f) => f.endsWith('.partial'))).toEqual([]);
      });
    }
  }

  it('toRational approximates 1/dx closely', () => {
    for (const x of [1 / 1.7, 1 / 2.5, 1 / 0.325, 1 / 0.0051234, 1000, 1]) {
      const [a, b] = toRational(x);
      expect(a).toBeLessThanOrEqual(2 ** 32 - 1);
      expect(b).toBeLessThanOrEqual(2 ** 32 - 1);
      expect(Math.abs(a / b - x) / x).toBeLessThan(1e-12);
    }
  });

  it('writes no unit/spacing when spacing is null', async () => {
    const p = path.join(tmp, 'nospacing.tif');
    await writeTiff(p, makeVolume(samples.uint8, shape, null));
    const src = await openTiff(p);
    expect(src.spacing).toBeNull();
    await src.close();
    const text = readFileSync(p).toString('latin1');
    expect(text).toContain('ImageJ=1.11a\nimages=6\nslices=6\nloop=false\n');
    expect(text).not.toContain('unit=');
  });

  it('writes a 2D map as shape [1, ny, nx]', async () => {
    const p = path.join(tmp, 'map.tif');
    const map = Float32Array.from({ length: 19 * 27 }, (_, i) => i / 10);
    await writeTiff(p, makeVolume(map, [1, 19, 27], [1, 0.5, 0.5]));
    const src = await openTiff(p);
    expect(src.shape).toEqual([1, 19, 27]);
    expect(bytesOf(await src.readSlices(0, 1)).equals(bytesOf(map))).toBe(true);
    expect(src.spacing![2]).toBeCloseTo(0.5, 12);
    await src.close();
  });

  it('forced BigTIFF reads back', async () => {
    for (const compression of ['none', 'deflate'] as const) {
      const p = path.join(tmp, `big-${compression}.tif`);
      await writeTiff(p, makeVolume(samples.uint16, shape, spacing), { bigtiff: true, compression });
      const src = await openTiff(p);
      expect(src.format).toBe('bigtiff');
      expect(bytesOf(await src.readSlices(0, shape[0])).equals(bytesOf(samples.uint16))).toBe(true);
      src.spacing!.forEach((v, i) => expect(v).toBeCloseTo(spacing[i], 9));
      await src.close();
    }
  });

  it('tifffile reads our files: same array and voxel size', (ctx) => {
    requireAvailable(ctx, noTifffile);
    for (const [dtype, data] of Object.entries(samples)) {
      for (const compression of ['none', 'deflate']) {
        const p = path.join(tmp, `rt-${dtype}-${compression}.tif`);
        const s = tifffileSummary(p);
        expect(s.shape).toEqual(shape);
        expect(s.dtype).toBe(dtype);
        expect(s.sha256).toBe(sha256(data));
        expect(s.is_imagej).toBe(true);
        expect(s.spacing).toBeCloseTo(2.5, 12);
        expect(s.unit).toBe('micron');
        expect(s.resunit).toBe(1);
        expect(s.xres![1] / s.xres![0]).toBeCloseTo(1.7, 9);
        expect(s.yres![1] / s.yres![0]).toBeCloseTo(1.7, 9);
        expect(s.compression).toBe(compression === 'deflate' ? 8 : 1);
        if (dtype === 'float32') {
          expect(s.min).toBeCloseTo(Math.min(...data), 3);
          expect(s.max).toBeCloseTo(Math.max(...data), 3);
        }
      }
    }
  });

  it('tifffile reads forced BigTIFF', (ctx) => {
    requireAvailable(ctx, noTifffile);
    for (const compression of ['none', 'deflate']) {
      const s = tifffileSummary(path.join(tmp, `big-${compression}.tif`));
      expect(s.is_bigtiff).toBe(true);
      expect(s.sha256).toBe(sha256(samples.uint16));
      expect(s.shape).toEqual(shape);
      expect(s.spacing).toBeCloseTo(2.5, 12);
      expect(s.xres![1] / s.xres![0]).toBeCloseTo(1.7, 9);
    }
  });

  it('streaming writer: slabs of any size, in order', async () => {
    const p = path.join(tmp, 'stream.tif');
    const w = await createTiffWriter(p, { shape, dtype: 'uint16', spacing, compression: 'deflate' });
    const slice = shape[1] * shape[2];
    await w.writeSlices(samples.uint16.subarray(0, 2 * slice) as Uint16Array);
    await w.writeSlices(samples.uint16.subarray(2 * slice, 3 * slice) as Uint16Array);
    expect(existsSync(p)).toBe(false);
    await w.writeSlices(samples.uint16.subarray(3 * slice) as Uint16Array);
    expect(w.slicesWritten).toBe(shape[0]);
    await expect(w.writeSlices(new Uint8Array(slice))).rejects.toThrow(RangeError);
    await w.close();
    const src = await openTiff(p);
    expect(bytesOf(await src.readSlices(0, shape[0])).equals(bytesOf(samples.uint16))).toBe(true);
    await src.close();
  });

  it('streaming writer: abort leaves no file', async () => {
    const dir = path.join(tmp, 'abort');
    await fs.mkdir(dir);
    const p = path.join(dir, 'aborted.tif');
    const w = await createTiffWriter(p, { shape, dtype: 'uint8', spacing });
    await w.writeSlices(samples.uint8.subarray(0, shape[1] * shape[2]) as Uint8Array);
    await w.abort();
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('streaming writer: close with missing slices fails and leaves no file', async () => {
    const dir = path.join(tmp, 'short');
    await fs.mkdir(dir);
    const p = path.join(dir, 'short.tif');
    const w = await createTiffWriter(p, { shape, dtype: 'uint8', spacing });
    await w.writeSlices(samples.uint8.subarray(0, 2 * shape[1] * shape[2]) as Uint8Array);
    await expect(w.close()).rejects.toThrow(/only 2 of 6 slices/);
    expect(await fs.readdir(dir)).toEqual([]);
  });

  it('writeTiff failure leaves nothing behind', async () => {
    const dir = path.join(tmp, 'fail');
    await fs.mkdir(dir);
    const bad = { ...makeVolume(samples.uint8, shape, spacing), dtype: 'uint16' as DType };
    await expect(writeTiff(path.join(dir, 'x.tif'), bad)).rejects.toThrow(RangeError);
    expect(await fs.readdir(dir)).toEqual([]);
  });
});

// The hashes are committed (scripts/fixtures/make_tiff_fixtures.py): reading them must not fail quietly.
const sharedHashes = JSON.parse(readFileSync(path.join(FIXTURES, 'shared-data-hashes.json'), 'utf8')) as Record<
  string,
  { shape: number[]; dtype: string; min: number; max: number; sha256: string }
>;

describe('TIFF reader: real files in ../shared/data', () => {
  it('the committed hashes cover every real TIFF the fixture script lists', () => {
    expect(Object.keys(sharedHashes).sort()).toEqual(SHARED_TIFFS.slice().sort());
  });
  for (const [rel, h] of Object.entries(sharedHashes)) {
    it(`${rel} equals tifffile's array`, async (ctx) => {
      const p = path.join(SHARED_DATA, rel);
      requireAvailable(ctx, missingFiles(p));
      const src = await openTiff(p);
      expect(src.shape).toEqual(h.shape);
      expect(src.dtype).toBe(h.dtype);
      const data = await src.readSlices(0, src.shape[0]);
      expect(sha256(data)).toBe(h.sha256);
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < data.length; i++) {
        if (data[i] < min) min = data[i];
        if (data[i] > max) max = data[i];
      }
      expect([min, max]).toEqual([h.min, h.max]);
      // A slab in the middle matches the full read.
      const z = Math.floor(src.shape[0] / 2);
      const slice = src.shape[1] * src.shape[2];
      const slab = await src.readSlices(z, z + 2);
      expect(bytesOf(slab).equals(bytesOf(data.subarray(z * slice, (z + 2) * slice)))).toBe(true);
      await src.close();
    });
  }

  it('SampleData_3Phase.tif: big-endian ImageJ, µm, 1 px/µm', async (ctx) => {
    requireAvailable(ctx, missingFiles(path.join(SHARED_DATA, 'openimpala/SampleData_3Phase.tif')));
    const src = await openTiff(path.join(SHARED_DATA, 'openimpala/SampleData_3Phase.tif'));
    expect(src.shape).toEqual([100, 50, 60]);
    expect(src.detail).toMatch(/big-endian/);
    expect(src.spacing).toEqual([1, 1, 1]);
    await src.close();
  });

  for (const f of ['puma/100_fiberform.tif', 'puma/small_weave.tif']) {
    it(`${f}: ImageJ unit=inch gives no spacing and a warning`, async (ctx) => {
      requireAvailable(ctx, missingFiles(path.join(SHARED_DATA, f)));
      const src = await openTiff(path.join(SHARED_DATA, f));
      expect(src.spacing).toBeNull();
      expect(src.warnings.some((w) => /inch/.test(w.message))).toBe(true);
      await src.close();
    });
  }

  it('electrode.tiff and the PackBits file report their compression', async (ctx) => {
    requireAvailable(ctx, missingFiles(path.join(SHARED_DATA, 'taufactor/electrode.tiff'), path.join(SHARED_DATA, 'matbox/nmc-1-cal_generatedCBD_bridge.tif')));
    const a = await openTiff(path.join(SHARED_DATA, 'taufactor/electrode.tiff'));
    expect(a.detail).toMatch(/32946/);
    await a.close();
    const b = await openTiff(path.join(SHARED_DATA, 'matbox/nmc-1-cal_generatedCBD_bridge.tif'));
    expect(b.detail).toMatch(/PackBits/);
    await b.close();
  });
});
