import { beforeEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { loadVolume, openVolume } from '../../src/io/open.js';
import { splitHdf5Input } from '../../src/io/hdf5.js';
import { InputError } from '../../src/io/errors.js';
import { REPO, SHARED_DATA, missingFiles, requireAvailable, sha256 } from '../helpers.js';

const FIX = path.join(REPO, 'test', 'fixtures', 'hdf5');
const expected = JSON.parse(readFileSync(path.join(FIX, 'expected.json'), 'utf8')) as Record<
  string,
  { shape: number[]; dtype: string; sha256: string; first: number; last: number; spacing_um: number[] | null }
>;

describe('HDF5 input (fixtures written by h5py)', () => {
  for (const [key, e] of Object.entries(expected)) {
    it(`reads ${key} exactly`, async () => {
      const [file, dataset] = key.split(':');
      const needsPath = file === 'two_volumes.h5';
      const vol = await loadVolume(path.join(FIX, file) + (needsPath ? `:${dataset}` : ''));
      expect(vol.shape).toEqual(e.shape);
      expect(vol.dtype).toBe(e.dtype);
      expect(vol.data[0]).toBeCloseTo(e.first, 6);
      expect(vol.data[vol.data.length - 1]).toBeCloseTo(e.last, 6);
      expect(sha256(vol.data)).toBe(e.sha256);
      if (e.spacing_um) expect(vol.spacing).toEqual(e.spacing_um);
      else expect(vol.spacing).toBeNull();
    });
  }

  it('reads a slab of a chunked, compressed dataset without the rest', async () => {
    const source = await openVolume(path.join(FIX, 'element_size.h5'));
    const whole = await source.readSlices(0, source.shape[0]);
    const slab = await source.readSlices(2, 5);
    const n = source.shape[1] * source.shape[2];
    expect(Array.from(slab)).toEqual(Array.from(whole.subarray(2 * n, 5 * n)));
    await source.close();
  });

  it('names the dataset choice when several 3D datasets exist', async () => {
    await expect(openVolume(path.join(FIX, 'two_volumes.h5'))).rejects.toThrow(/several 3D datasets.*\/recon\/big_endian_int16.*\/recon\/float/);
  });

  it('rejects a dataset path that does not exist, naming file and path', async () => {
    const input = `${path.join(FIX, 'two_volumes.h5')}:/recon/nope`;
    const err = await openVolume(input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain('two_volumes.h5');
    expect((err as Error).message).toContain("'/recon/nope' does not exist");
  });

  it('rejects a 2D dataset', async () => {
    await expect(openVolume(`${path.join(FIX, 'two_volumes.h5')}:/flat_2d`)).rejects.toThrow(/2 dimensions/);
  });

  it('splits file.h5:/path but not a plain path', () => {
    expect(splitHdf5Input('a/b.h5:/exchange/data')).toEqual({ file: 'a/b.h5', dataset: '/exchange/data' });
    expect(splitHdf5Input('a/b.hdf5:image')).toEqual({ file: 'a/b.hdf5', dataset: '/image' });
    expect(splitHdf5Input('a/b.h5')).toEqual({ file: 'a/b.h5' });
  });
});

const sharedHashes = JSON.parse(readFileSync(path.join(FIX, 'shared-data-hashes.json'), 'utf8')) as Record<string, { shape: number[]; dtype: string; sha256: string }>;

describe('HDF5 and raw in ../shared/data (hashes of h5py / numpy reads)', () => {
  beforeEach((ctx) => requireAvailable(ctx, missingFiles(...Object.keys(sharedHashes).map((rel) => path.join(SHARED_DATA, rel)))));
  it('tomopy tooth.h5: Data Exchange /exchange/data (181, 2, 640) float32, identical to h5py', async () => {
    const vol = await loadVolume(path.join(SHARED_DATA, 'tomopy', 'tooth.h5'));
    const e = sharedHashes['tomopy/tooth.h5'];
    expect(vol.shape).toEqual(e.shape);
    expect(vol.dtype).toBe(e.dtype);
    expect(sha256(vol.data)).toBe(e.sha256);
  });

  it('openimpala: HDF5 and raw read to identical arrays, equal to h5py / numpy', async () => {
    const h5 = await loadVolume(path.join(SHARED_DATA, 'openimpala', 'SampleData_2Phase_3d.hdf5'));
    const raw = await loadVolume(path.join(SHARED_DATA, 'openimpala', 'SampleData_2Phase_stack_3d_uint8.raw'), {
      raw: { shape: [100, 100, 100], dtype: 'uint8' },
    });
    expect(h5.shape).toEqual([100, 100, 100]);
    expect(sha256(h5.data)).toBe(sharedHashes['openimpala/SampleData_2Phase_3d.hdf5'].sha256);
    expect(sha256(raw.data)).toBe(sharedHashes['openimpala/SampleData_2Phase_stack_3d_uint8.raw'].sha256);
    expect(Buffer.from(raw.data.buffer).equals(Buffer.from(h5.data.buffer))).toBe(true);
  });

  it('tomopy tooth.h5: first voxel as h5py reads it', async () => {
    const source = await openVolume(path.join(SHARED_DATA, 'tomopy', 'tooth.h5'));
    expect(source.path).toMatch(/:\/exchange\/data$/);
    expect(source.shape).toEqual([181, 2, 640]);
    expect(source.dtype).toBe('float32');
    const first = await source.readSlices(0, 1);
    // h5py: f['exchange/data'][0,0,0] == 26963.25
    expect(first[0]).toBe(26963.25);
    await source.close();
  });
});
