/**
 * sourceRange (src/io/stats.ts, the range `buried info` prints and the package exports) against
 * numpy's min / max of the expected arrays of the TIFF fixtures (test/fixtures/tiff/*.raw, written
 * by scripts/fixtures/make_tiff_fixtures.py): every sample type, compressions, tiles, a folder of
 * slices; exact (by slabs) and sampled (a few evenly spaced slices) reads; NaN ignored, as numpy's
 * nanmin / nanmax do.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openVolume } from '../../src/io/open.js';
import { sourceRange } from '../../src/io/stats.js';
import { REPO, missingPython, requireAvailable, runPython, tempDir } from '../helpers.js';

const FIXTURES = path.join(REPO, 'test', 'fixtures', 'tiff');
const manifest = JSON.parse(readFileSync(path.join(FIXTURES, 'manifest.json'), 'utf8')) as Record<string, { file: string; raw: string; shape: [number, number, number]; dtype: string }>;

/** Sampled reads take this many slices; z = floor((i + 0.5)·nz / count), i = 0 … count − 1. */
const SAMPLES = 2;

/** numpy over the .raw arrays: whole-volume nanmin / nanmax, and over the slices a sampled read takes. */
const NUMPY = `
import sys, json, numpy as np
m = json.load(open(sys.argv[1])); folder = sys.argv[1].rsplit('/', 1)[0]; count = int(sys.argv[2])
out = {}
for name, e in m.items():
    a = np.fromfile(folder + '/' + e['raw'], dtype=np.dtype(e['dtype']).newbyteorder('<')).reshape(e['shape'])
    nz = a.shape[0]; k = min(nz, count)
    zs = sorted({min(nz - 1, int(((i + 0.5) * nz) // k)) for i in range(k)})
    s = a[zs]
    out[name] = {'min': float(np.nanmin(a)), 'max': float(np.nanmax(a)), 'sampled_min': float(np.nanmin(s)), 'sampled_max': float(np.nanmax(s)), 'slices': zs}
print(json.dumps(out))
`;

describe('sourceRange = numpy min / max', () => {
  it('every TIFF fixture, read exactly by slabs and sampled by slices', async (ctx) => {
    requireAvailable(ctx, missingPython('numpy'));
    const ref = JSON.parse(runPython(NUMPY, [path.join(FIXTURES, 'manifest.json'), String(SAMPLES)])) as Record<string, { min: number; max: number; sampled_min: number; sampled_max: number; slices: number[] }>;
    expect(Object.keys(ref).sort()).toEqual(Object.keys(manifest).sort());
    expect(Object.keys(ref).length).toBeGreaterThanOrEqual(30);
    for (const [name, e] of Object.entries(manifest)) {
      const r = ref[name];
      const source = await openVolume(path.join(FIXTURES, e.file));
      try {
        const progress: number[] = [];
        const exact = await sourceRange(source, { onProgress: (done) => progress.push(done) });
        expect([exact.min, exact.max], name).toEqual([r.min, r.max]);
        expect(exact.sampled, name).toBe(false);
        expect(exact.slicesRead, name).toBe(e.shape[0]);
        expect(progress.at(-1), name).toBe(e.shape[0]);

        // over the limit: a few slices only
        const sampled = await sourceRange(source, { exactLimitBytes: 0, sampleSlices: SAMPLES });
        expect([sampled.min, sampled.max], name).toEqual([r.sampled_min, r.sampled_max]);
        expect(sampled.sampled, name).toBe(true);
        expect(sampled.slicesRead, name).toBe(r.slices.length);
      } finally {
        await source.close();
      }
    }
    // the sampled reads did see a subset: on some fixture the range of two slices is narrower
    expect(Object.values(ref).some((r) => r.sampled_min > r.min || r.sampled_max < r.max)).toBe(true);
  });

  it('NaN voxels are ignored (numpy nanmin / nanmax), ±Inf and the last voxel count', async (ctx) => {
    requireAvailable(ctx, missingPython('numpy'));
    const dir = tempDir('buried-stats-');
    const shape: [number, number, number] = [4, 3, 5];
    const data = Float32Array.from({ length: 60 }, (_, i) => Math.sin(i * 0.7) * 100);
    data[0] = NaN; // the very first voxel: the running min / max must not start from it
    data[17] = NaN;
    data[59] = 1e4; // the very last voxel holds the max
    const file = path.join(dir, 'v.raw');
    writeFileSync(file, Buffer.from(data.buffer));
    const numpy = (raw: string) =>
      JSON.parse(runPython(`import sys, json, numpy as np\na = np.fromfile(sys.argv[1], dtype='<f4')\nprint(json.dumps([float(np.nanmin(a)), float(np.nanmax(a))]))`, [raw]).replace(/-?Infinity/g, (m) => `"${m}"`)) as (number | string)[];
    const read = async (raw: string) => {
      const source = await openVolume(raw, { raw: { shape, dtype: 'float32' } });
      try {
        const r = await sourceRange(source);
        return [r.min, r.max];
      } finally {
        await source.close();
      }
    };
    expect(await read(file)).toEqual(numpy(file));
    data[30] = -Infinity;
    writeFileSync(file, Buffer.from(data.buffer));
    expect(numpy(file)[0]).toBe('-Infinity');
    expect((await read(file))[0]).toBe(-Infinity);
  });
});
