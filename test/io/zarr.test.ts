import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/io/errors.js';
import { loadVolume, openVolume } from '../../src/io/open.js';
import type { VolumeSource } from '../../src/io/source.js';
import { arrayConstructor, type DType, type Shape3, type Spacing3, type VoxelArray } from '../../src/io/volume.js';
import { createZarrWriter, openZarr, writeZarr } from '../../src/io/zarr/index.js';
import { BIN, cli, missingPython, PYTHON, REPO, requireAvailable, tempDir } from '../helpers.js';

const FIXTURES = path.join(REPO, 'test', 'fixtures', 'zarr');
const CHECK_SCRIPT = path.join(REPO, 'scripts', 'fixtures', 'make_zarr_fixtures.py');

interface Fixture {
  file: string;
  dtype: DType;
  spacing: Spacing3;
  labels: boolean;
  shapes: Shape3[];
}
const manifest = JSON.parse(readFileSync(path.join(FIXTURES, 'manifest.json'), 'utf8')) as {
  levels: number;
  chunks: Shape3;
  fixtures: Record<string, Fixture>;
};
const NAMES = Object.keys(manifest.fixtures);

function expected(name: string, level: number): VoxelArray {
  const fx = manifest.fixtures[name];
  const bytes = readFileSync(path.join(FIXTURES, `${name}.l${level}.raw`));
  const Ctor = arrayConstructor(fx.dtype);
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Ctor(copy.buffer, 0, bytes.byteLength / Ctor.BYTES_PER_ELEMENT);
}

/** Index of the first differing voxel, or -1. */
function firstDiff(a: VoxelArray, b: VoxelArray): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return i;
  return -1;
}

/** Read a source with slabs of `step` slices (into a preallocated array). */
async function readInSlabs(source: VolumeSource, step: number): Promise<VoxelArray> {
  const [nz, ny, nx] = source.shape;
  const out = new (arrayConstructor(source.dtype))(nz * ny * nx);
  for (let z = 0; z < nz; z += step) {
    const z1 = Math.min(nz, z + step);
    await source.readSlices(z, z1, out.subarray(z * ny * nx, z1 * ny * nx));
  }
  return out;
}

async function leftovers(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).filter((n) => n.includes('.partial-') || n.includes('.old-'));
}

let work: string;
const stores: Record<string, string> = {};

beforeAll(async () => {
  work = tempDir('buried-zarr-');
  for (const name of NAMES) {
    const fx = manifest.fixtures[name];
    const source = await openVolume(path.join(FIXTURES, fx.file));
    try {
      stores[name] = path.join(work, `${name}.zarr`);
      await writeZarr(stores[name], source, { chunks: manifest.chunks, levels: manifest.levels, labels: fx.labels });
    } finally {
      await source.close();
    }
  }
});

afterAll(async () => {
  await fs.rm(work, { recursive: true, force: true });
});

describe('Zarr round trip (TIFF → Zarr → readSlices)', () => {
  for (const name of NAMES) {
    it(`${name}: level 0 equals the TIFF voxel for voxel, whatever the slab size`, async () => {
      const fx = manifest.fixtures[name];
      const tiff = await loadVolume(path.join(FIXTURES, fx.file));
      expect(firstDiff(tiff.data, expected(name, 0))).toBe(-1);
      const z = await openVolume(stores[name]);
      try {
        expect(z.format).toBe('zarr');
        expect(z.shape).toEqual(fx.shapes[0]);
        expect(z.dtype).toBe(fx.dtype);
        for (let k = 0; k < 3; k++) expect(z.spacing![k]).toBeCloseTo(fx.spacing[k], 6);
        // Chunk depth is 4: slabs of 1, 3 and 5 slices cross chunk rows in every way; 64 reads it whole.
        for (const step of [1, 3, 5, 64]) expect(firstDiff(await readInSlabs(z, step), tiff.data)).toBe(-1);
        // Without `into`, and a slab in the middle.
        const [, ny, nx] = z.shape;
        const mid = await z.readSlices(3, 9);
        expect(firstDiff(mid, tiff.data.subarray(3 * ny * nx, 9 * ny * nx))).toBe(-1);
      } finally {
        await z.close();
      }
    });
  }

  it('reads a store with the default chunks and automatic levels, and through `buried` commands', async () => {
    const out = path.join(work, 'default.zarr');
    const source = await openVolume(path.join(FIXTURES, 'grey_u16.tif'));
    const result = await writeZarr(out, source);
    await source.close();
    expect(result.levels.map((l) => l.path)).toEqual(['0']); // largest dimension 45 ≤ 256: no pyramid needed
    expect(result.levels[0].chunks).toEqual([21, 37, 45]); // 64×256×256 clipped to the shape
    const back = await loadVolume(out);
    expect(firstDiff(back.data, expected('grey_u16', 0))).toBe(-1);
    const info = cli(['info', out, '--json']);
    expect(info.status, info.stderr).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ format: 'zarr' });
  });
});

describe('Zarr multiscale pyramid', () => {
  for (const name of NAMES) {
    it(`${name}: levels 1..${manifest.levels} equal numpy's 2× ${manifest.fixtures[name].labels ? 'mode' : 'mean'}`, async () => {
      const fx = manifest.fixtures[name];
      for (let level = 1; level <= manifest.levels; level++) {
        for (const input of [`${stores[name]}:/${level}`, null]) {
          const z = input ? await openVolume(input) : await openZarr(stores[name], { level });
          try {
            expect(z.shape).toEqual(fx.shapes[level]);
            const got = await readInSlabs(z, 3);
            const want = expected(name, level);
            const at = firstDiff(got, want);
            expect(at, `level ${level}: voxel ${at} is ${got[at]}, numpy says ${want[at]}`).toBe(-1);
            for (let k = 0; k < 3; k++) expect(z.spacing![k]).toBeCloseTo(fx.spacing[k] * 2 ** level, 6);
          } finally {
            await z.close();
          }
        }
      }
    });
  }

  it('writes OME-Zarr 0.5 multiscales and our attributes in the group, v3 metadata in each array', () => {
    const group = JSON.parse(readFileSync(path.join(stores.grey_u16, 'zarr.json'), 'utf8'));
    expect(group).toMatchObject({ zarr_format: 3, node_type: 'group' });
    const ms = group.attributes.ome.multiscales[0];
    expect(group.attributes.ome.version).toBe('0.5');
    expect(ms.axes).toEqual([
      { name: 'z', type: 'space', unit: 'micrometer' },
      { name: 'y', type: 'space', unit: 'micrometer' },
      { name: 'x', type: 'space', unit: 'micrometer' },
    ]);
    expect(ms.datasets.map((d: { path: string }) => d.path)).toEqual(['0', '1', '2', '3']);
    ms.datasets.forEach((d: { coordinateTransformations: { type: string; scale?: number[] }[] }, level: number) => {
      expect(d.coordinateTransformations[0].type).toBe('scale');
      d.coordinateTransformations[0].scale!.forEach((s, k) => expect(s).toBeCloseTo(1.7 * 2 ** level, 9));
    });
    expect(group.attributes.buried).toMatchObject({
      dtype: 'uint16',
      shape: [21, 37, 45],
      labels: false,
      downsampling: 'mean',
      levels: 3,
      chunks: [4, 8, 16],
      compression: 'gzip level 5',
      source_format: 'tiff',
    });
    expect(group.attributes.buried.source_file).toMatch(/grey_u16\.tif$/);
    const u16 = expected('grey_u16', 0);
    let min = Infinity;
    let max = -Infinity;
    for (const v of u16) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(group.attributes.buried.value_range).toEqual({ min, max });
    expect(JSON.parse(readFileSync(path.join(stores.labels_u8, 'zarr.json'), 'utf8')).attributes.buried.downsampling).toBe('mode');

    const arr = JSON.parse(readFileSync(path.join(stores.grey_u16, '2', 'zarr.json'), 'utf8'));
    expect(arr).toMatchObject({
      zarr_format: 3,
      node_type: 'array',
      shape: [6, 10, 12],
      data_type: 'uint16',
      chunk_grid: { name: 'regular', configuration: { chunk_shape: [4, 8, 12] } },
      chunk_key_encoding: { name: 'default', configuration: { separator: '/' } },
      codecs: [
        { name: 'bytes', configuration: { endian: 'little' } },
        { name: 'gzip', configuration: { level: 5 } },
      ],
      fill_value: 0,
      dimension_names: ['z', 'y', 'x'],
    });
    expect(existsSync(path.join(stores.grey_u16, '0', 'c', '5', '4', '2'))).toBe(true); // last chunk of 21×37×45 in 4×8×16
  });

  it('chunk files decode with Python gzip + numpy.frombuffer to the numpy pyramid (independent check)', (ctx) => {
    requireAvailable(ctx, missingPython('numpy'));
    for (const name of NAMES) {
      const r = spawnSync(PYTHON, [CHECK_SCRIPT, '--check', stores[name], name], { encoding: 'utf8' });
      expect(r.status, `${name}: ${r.stdout}${r.stderr}`).toBe(0);
      const report = JSON.parse(r.stdout.trim()) as { levels: number; chunk_files: number; mismatches: number[] };
      expect(report.mismatches).toEqual([]);
      expect(report.levels).toBe(manifest.levels + 1);
      expect(report.chunk_files).toBeGreaterThan(0);
    }
  });

  it('streams: slices can arrive in any grouping and the result is the same', async () => {
    const fx = manifest.fixtures.labels_u8;
    const [nz, ny, nx] = fx.shapes[0];
    const all = expected('labels_u8', 0);
    const out = path.join(work, 'pieces.zarr');
    const writer = await createZarrWriter(out, { shape: fx.shapes[0], dtype: 'uint8', spacing: fx.spacing, chunks: [5, 8, 16], levels: 3, labels: true });
    for (let z = 0, k = 1; z < nz; k = (k % 4) + 1) {
      const z1 = Math.min(nz, z + k);
      await writer.writeSlices(all.slice(z * ny * nx, z1 * ny * nx));
      z = z1;
    }
    await writer.close();
    for (let level = 0; level <= 3; level++) {
      const z = await openVolume(`${out}:/${level}`);
      expect(firstDiff(await readInSlabs(z, 2), expected('labels_u8', level))).toBe(-1);
      await z.close();
    }
  });
});

describe('Zarr reading reads only the chunks it needs', () => {
  it('a slab inside one chunk row never touches the other rows; a bad chunk is an InputError naming the array', async () => {
    const out = path.join(work, 'corrupt.zarr');
    await fs.cp(stores.grey_u16, out, { recursive: true });
    const level0 = path.join(out, '0');
    for (const iz of ['0', '2', '5']) {
      const rowDir = path.join(level0, 'c', iz);
      for (const iy of await fs.readdir(rowDir)) {
        for (const ix of await fs.readdir(path.join(rowDir, iy))) await fs.writeFile(path.join(rowDir, iy, ix), randomBytes(50));
      }
    }
    const z = await openVolume(out);
    const [, ny, nx] = z.shape;
    const row1 = await z.readSlices(4, 8); // chunk row 1 only
    expect(firstDiff(row1, expected('grey_u16', 0).subarray(4 * ny * nx, 8 * ny * nx))).toBe(-1);
    const err = await z.readSlices(1, 2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toContain(level0);
    expect((err as InputError).message).not.toContain('\n');
    await z.close();
  });
});

describe('bad Zarr input', () => {
  it('a directory with a broken zarr.json is an InputError naming the file', async () => {
    const dir = path.join(work, 'broken.zarr');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'zarr.json'), '{"zarr_format": 3, "node_type": ');
    const err = await openVolume(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toContain(path.join(dir, 'zarr.json'));
    const r = cli(['info', dir]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(path.join(dir, 'zarr.json'));

    await fs.writeFile(path.join(dir, 'zarr.json'), JSON.stringify({ zarr_format: 2, node_type: 'array' }));
    await expect(openVolume(dir)).rejects.toThrow(/zarr_format is 2/);
    await fs.writeFile(path.join(dir, 'zarr.json'), JSON.stringify({ zarr_format: 3, node_type: 'group', attributes: {} }));
    await expect(openVolume(dir)).rejects.toThrow(/without OME multiscales/);
    await expect(openVolume(`${stores.grey_u8}:/7`)).rejects.toThrow(/no array or group '\/7'/);
    await expect(openZarr(stores.grey_u8, { level: 4 })).rejects.toThrow(/level 4 does not exist \(levels 0\.\.3\)/);
  });
});

describe('Zarr output is never half-written', () => {
  it('a conversion that fails midway leaves no out.zarr and no partial directory', async () => {
    const dir = tempDir('buried-zarr-fail-');
    const inner = await openVolume(path.join(FIXTURES, 'grey_u16.tif'));
    const failing: VolumeSource = {
      ...inner,
      readSlices: async (z0, z1, into) => {
        if (z0 >= 8) throw new Error('disk on fire');
        return inner.readSlices(z0, z1, into);
      },
    };
    const out = path.join(dir, 'out.zarr');
    await expect(writeZarr(out, failing, { chunks: [4, 8, 16], levels: 2 })).rejects.toThrow('disk on fire');
    expect(existsSync(out)).toBe(false);
    expect(await leftovers(dir)).toEqual([]);

    // An abort (what SIGINT does in `buried convert`) behaves the same.
    const controller = new AbortController();
    const aborted = writeZarr(out, inner, {
      chunks: [4, 8, 16],
      signal: controller.signal,
      onProgress: (done) => {
        if (done >= 8) controller.abort(new Error('stop'));
      },
    });
    await expect(aborted).rejects.toThrow('stop');
    expect(existsSync(out)).toBe(false);
    expect(await leftovers(dir)).toEqual([]);
    await inner.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('replaces an existing Zarr store, refuses to replace anything else', async () => {
    const dir = tempDir('buried-zarr-replace-');
    const out = path.join(dir, 'out.zarr');
    const r1 = cli(['convert', path.join(FIXTURES, 'grey_u8.tif'), '-o', out, '--json']);
    expect(r1.status, r1.stderr).toBe(0);
    const r2 = cli(['convert', path.join(FIXTURES, 'grey_u16.tif'), '-o', out, '--chunks', '8,16,16', '--levels', '1', '--json']);
    expect(r2.status, r2.stderr).toBe(0);
    const summary = JSON.parse(r2.stdout);
    expect(summary).toMatchObject({ format: 'zarr', shape: [21, 37, 45], dtype: 'uint16', chunks: [8, 16, 16] });
    expect(summary.levels).toHaveLength(2);
    expect(typeof summary.peak_rss_mb).toBe('number');
    const back = await loadVolume(out);
    expect(firstDiff(back.data, expected('grey_u16', 0))).toBe(-1);
    expect(await leftovers(dir)).toEqual([]);

    const notZarr = path.join(dir, 'keep.zarr');
    await fs.mkdir(notZarr);
    await fs.writeFile(path.join(notZarr, 'precious.txt'), 'x');
    const r3 = cli(['convert', path.join(FIXTURES, 'grey_u8.tif'), '-o', notZarr]);
    expect(r3.status).toBe(2);
    expect(r3.stderr).toContain('not a Zarr store');
    expect(existsSync(path.join(notZarr, 'precious.txt'))).toBe(true);

    const r4 = cli(['convert', path.join(FIXTURES, 'grey_f32.tif'), '-o', path.join(dir, 'f.zarr'), '--labels']);
    expect(r4.status).toBe(2);
    expect(r4.stderr).toMatch(/--labels needs an integer volume/);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('SIGINT during `buried convert --to zarr` leaves no output and no partial directory', async () => {
    const dir = tempDir('buried-zarr-sigint-');
    const raw = path.join(dir, 'big.raw');
    const [nz, ny, nx] = [128, 512, 512];
    await fs.writeFile(raw, randomBytes(nz * ny * nx * 2)); // incompressible: the conversion takes seconds
    const out = path.join(dir, 'out.zarr');
    const child = spawn(process.execPath, [BIN, 'convert', raw, '--shape', `${nz},${ny},${nx}`, '--dtype', 'uint16', '--to', 'zarr', '-o', out], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Wait until the partial store has chunks in it, then interrupt.
    let sawPartial = false;
    for (let i = 0; i < 400 && child.exitCode === null; i++) {
      const partial = (await fs.readdir(dir)).find((n) => n.startsWith('out.zarr.partial-'));
      if (partial && existsSync(path.join(dir, partial, '0', 'c'))) {
        sawPartial = true;
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(sawPartial, stderr).toBe(true);
    child.kill('SIGINT');
    const code = await exited;
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/interrupted by SIGINT/);
    expect(existsSync(out)).toBe(false);
    expect(await leftovers(dir)).toEqual([]);
    await fs.rm(dir, { recursive: true, force: true });
  });
});
