/**
 * HDF5 output (issue #22: `buried convert x -o x.h5` exited 2): /exchange/data with the voxel size
 * as `element_size_um` (z, y, x; float32 like Fiji's HDF5 plugin writes it), read back with h5py
 * and with our own reader.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { HDF5_DATASET, hdf5Chunks, writeHdf5, writeHdf5FromSource } from '../../src/io/hdf5-write.js';
import { loadVolume, openVolume } from '../../src/io/open.js';
import { makeVolume, type DType, type Shape3, type VoxelArray } from '../../src/io/volume.js';
import type { VolumeSource } from '../../src/io/source.js';
import { cli, missingPython, requireAvailable, runPython, sha256, tempDir } from '../helpers.js';
import { arrayConstructor } from '../../src/io/volume.js';

const noH5py = missingPython('h5py', 'numpy');

/** What h5py sees: the dataset's shape, dtype, chunks, compression, sha256 of the values (C order, little-endian) and the attributes. */
const H5PY_SUMMARY = `
import sys, json, hashlib, numpy as np, h5py
with h5py.File(sys.argv[1], 'r') as f:
    out = {'datasets': []}
    f.visititems(lambda name, obj: out['datasets'].append('/' + name) if isinstance(obj, h5py.Dataset) else None)
    d = f[sys.argv[2]]
    a = np.ascontiguousarray(d[...].astype(d.dtype.newbyteorder('<')))
    att = d.attrs.get('element_size_um')
    out.update({'shape': list(d.shape), 'dtype': d.dtype.name, 'chunks': list(d.chunks) if d.chunks else None,
        'compression': d.compression, 'sha256': hashlib.sha256(a.tobytes()).hexdigest(),
        'element_size_um': None if att is None else [float(x) for x in att], 'element_size_dtype': None if att is None else att.dtype.name,
        'value_at_last': a[-1, -1, -1].item()})
    print(json.dumps(out))
`;
interface H5pySummary {
  datasets: string[];
  shape: number[];
  dtype: string;
  chunks: number[] | null;
  compression: string | null;
  sha256: string;
  element_size_um: number[] | null;
  element_size_dtype: string | null;
  value_at_last: number;
}
const h5py = (file: string, dataset = HDF5_DATASET) => JSON.parse(runPython(H5PY_SUMMARY, [file, dataset])) as H5pySummary;

function ramp(dtype: DType, n: number): VoxelArray {
  const a = new (arrayConstructor(dtype))(n);
  const signed = dtype.startsWith('int');
  for (let i = 0; i < n; i++) a[i] = dtype.startsWith('float') ? Math.sin(i) * 1e3 : signed ? ((i * 37) % 200) - 100 : (i * 7919) % (dtype === 'uint8' ? 256 : 60000);
  return a;
}

/** A source over an array that fails reading slice `failAt` (a disk error mid-conversion). */
function arraySource(data: VoxelArray, shape: Shape3, dtype: DType, failAt = Infinity): VolumeSource {
  const slice = shape[1] * shape[2];
  return {
    path: 'memory', format: 'raw', shape, dtype, spacing: [2, 0.5, 0.5], spacingOrigin: 'test', warnings: [], detail: '',
    async readSlices(z0: number, z1: number) {
      if (z1 > failAt) throw new Error('EIO: read error');
      return data.slice(z0 * slice, z1 * slice);
    },
    async close() {},
  };
}

describe('HDF5 writer', () => {
  const shape: Shape3 = [12, 20, 30];
  const n = shape[0] * shape[1] * shape[2];

  it('h5py reads /exchange/data with the same values, gzip chunks and element_size_um = [dz, dy, dx] (float32), written in several slabs', async (ctx) => {
    requireAvailable(ctx, noH5py);
    const dir = tempDir();
    const file = path.join(dir, 'scan.h5');
    const data = ramp('uint16', n);
    // chunks of 2×10×30 and slabs of 2 slices: the dataset grows through 6 writes
    const r = await writeHdf5(file, makeVolume(data, shape, [1.7, 0.65, 0.65]), { chunks: [2, 10, 30], slabBytes: 2 * 20 * 30 * 2 });
    expect(r.dataset).toBe('/exchange/data');
    expect(readdirSync(dir)).toEqual(['scan.h5']);
    const s = h5py(file);
    expect(s.datasets).toEqual(['/exchange/data']);
    expect(s.shape).toEqual([12, 20, 30]);
    expect(s.dtype).toBe('uint16');
    expect(s.sha256).toBe(sha256(data));
    expect(s.value_at_last).toBe(data[n - 1]);
    expect(s.compression).toBe('gzip');
    expect(s.chunks).toEqual([2, 10, 30]);
    expect(s.element_size_dtype).toBe('float32');
    for (const [k, v] of [1.7, 0.65, 0.65].entries()) expect(s.element_size_um![k]).toBeCloseTo(v, 6);
  });

  it('default chunks: about 1 MiB of whole rows, clipped to the volume', () => {
    expect(hdf5Chunks([12, 20, 30], 'uint16')).toEqual([12, 20, 30]);
    expect(hdf5Chunks([400, 1024, 1024], 'uint8')).toEqual([1, 1024, 1024]);
    expect(hdf5Chunks([400, 2048, 2048], 'float32')).toEqual([1, 128, 2048]);
  });

  it('every dtype keeps its type and values in h5py', async (ctx) => {
    requireAvailable(ctx, noH5py);
    const dir = tempDir();
    const numpyName: Record<DType, string> = { uint8: 'uint8', int8: 'int8', uint16: 'uint16', int16: 'int16', uint32: 'uint32', int32: 'int32', float32: 'float32', float64: 'float64' };
    for (const dtype of Object.keys(numpyName) as DType[]) {
      const file = path.join(dir, `${dtype}.h5`);
      const data = ramp(dtype, n);
      await writeHdf5(file, makeVolume(data, shape, [1, 1, 1]));
      const s = h5py(file);
      expect(s.dtype, dtype).toBe(numpyName[dtype]);
      expect(s.sha256, dtype).toBe(sha256(data));
    }
  });

  it('our reader reads it back: values, dtype and the exact voxel size (float32 attribute read to its 7 digits)', async () => {
    const file = path.join(tempDir(), 'v.h5');
    const data = ramp('float32', n);
    await writeHdf5(file, makeVolume(data, shape, [1.7, 0.65, 0.325]), { chunks: [5, 20, 30], slabBytes: 1 });
    const v = await loadVolume(file);
    expect(v.shape).toEqual(shape);
    expect(v.dtype).toBe('float32');
    expect(v.spacing).toEqual([1.7, 0.65, 0.325]);
    expect(sha256(v.data)).toBe(sha256(data));
    const src = await openVolume(file);
    expect(src.spacingOrigin).toBe('attribute element_size_um');
    await src.close();
  });

  it('without a voxel size: no element_size_um, and our reader says none', async () => {
    const file = path.join(tempDir(), 'v.h5');
    await writeHdf5(file, makeVolume(ramp('uint8', n), shape, null));
    const v = await openVolume(file);
    expect(v.spacing).toBeNull();
    await v.close();
  });

  it('a read error mid-stream leaves no file and no temporary file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'x.h5');
    const data = ramp('uint16', n);
    await expect(writeHdf5FromSource(file, arraySource(data, shape, 'uint16', 6), { chunks: [3, 20, 30], slabBytes: 1 })).rejects.toThrow(/EIO/);
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
    // the same source without the error: complete
    await writeHdf5FromSource(file, arraySource(data, shape, 'uint16'), { chunks: [3, 20, 30], slabBytes: 1 });
    expect(sha256((await loadVolume(file)).data)).toBe(sha256(data));
  });
});

describe('buried convert -o x.h5', () => {
  it('writes labels.tif to HDF5 that our reader reads with the voxel size; .hdf5 and --to h5 too', async () => {
    const dir = tempDir();
    expect(cli(['synth', path.join(dir, 'syn'), '--shape', '24,16,16', '--seed', '4']).status).toBe(0);
    const labels = await loadVolume(path.join(dir, 'syn', 'labels.tif'));
    const out = path.join(dir, 'out', 'labels.h5');
    const r = cli(['convert', path.join(dir, 'syn', 'labels.tif'), '-o', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ format: 'hdf5', dataset: '/exchange/data', shape: [24, 16, 16], dtype: 'uint8', spacing_um: [1.7, 1.7, 1.7] });
    const back = await loadVolume(out);
    expect(back.spacing).toEqual([1.7, 1.7, 1.7]);
    expect(sha256(back.data)).toBe(sha256(labels.data));
    for (const [args, name] of [[['-o', path.join(dir, 'b.hdf5')], 'b.hdf5'], [['-o', path.join(dir, 'c.dat'), '--to', 'h5'], 'c.dat']] as const) {
      const x = cli(['convert', path.join(dir, 'syn', 'labels.tif'), ...args]);
      expect(x.status, x.stderr).toBe(0);
      expect(sha256((await loadVolume(path.join(dir, name))).data)).toBe(sha256(labels.data));
    }
  });

  it('h5py reads the converted labels.h5: the same codes and element_size_um 1.7, 1.7, 1.7', async (ctx) => {
    requireAvailable(ctx, noH5py);
    const dir = tempDir();
    expect(cli(['synth', path.join(dir, 'syn'), '--shape', '24,16,16', '--seed', '4']).status).toBe(0);
    const labels = await loadVolume(path.join(dir, 'syn', 'labels.tif'));
    const out = path.join(dir, 'labels.h5');
    expect(cli(['convert', path.join(dir, 'syn', 'labels.tif'), '-o', out]).status).toBe(0);
    const s = h5py(out);
    expect(s.sha256).toBe(sha256(labels.data));
    expect(s.element_size_um!.map((v) => +v.toPrecision(7))).toEqual([1.7, 1.7, 1.7]);
  });

  it('a bad --gzip-level exits 2 with one line naming it, and writes nothing', () => {
    const dir = tempDir();
    expect(cli(['synth', path.join(dir, 'syn'), '--shape', '24,16,16', '--seed', '4']).status).toBe(0);
    const r = cli(['convert', path.join(dir, 'syn', 'labels.tif'), '-o', path.join(dir, 'o', 'x.h5'), '--gzip-level', '12']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/--gzip-level must be an integer 1\.\.9, got '12'/);
    expect(existsSync(path.join(dir, 'o'))).toBe(false);
  });
});
