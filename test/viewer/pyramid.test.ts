import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTiff } from '../../src/io/tiff/index.js';
import { makeVolume } from '../../src/io/volume.js';
import { openVolume, readVolume } from '../../src/io/open.js';
import { openZarr } from '../../src/io/zarr/read.js';
import { writeZarr } from '../../src/io/zarr/write.js';
import { startViewServer, type ViewServer } from '../../src/view/server.js';
import { tempDir } from '../helpers.js';

// A grey ramp stored as OME-Zarr with two pyramid levels (2× and 4× means).
const [nz, ny, nx] = [40, 64, 64];
const dir = tempDir('buried-view-pyramid-');
const store = path.join(dir, 'scan.zarr');
let server: ViewServer;

beforeAll(async () => {
  const grey = new Uint16Array(nz * ny * nx).map((_, i) => (i * 31) % 4000);
  await writeTiff(path.join(dir, 'scan.tif'), makeVolume(grey, [nz, ny, nx], [1, 0.5, 0.5]));
  const src = await openVolume(path.join(dir, 'scan.tif'));
  await writeZarr(store, src, { levels: 2, chunks: [16, 32, 32] });
  await src.close();
  server = await startViewServer({ dir, scan: store, maxDim: 512 });
});
afterAll(async () => server?.close());

const get = async (p: string) => Buffer.from(await (await fetch(server.url + p)).arrayBuffer());

describe('viewer on an OME-Zarr pyramid', () => {
  it('serves the finest stored level that fits (not a level recomputed from full resolution)', async () => {
    for (const [max, k] of [[32, 1], [16, 2]] as const) {
      const info = JSON.parse((await get(`api/volume/scan/info?max=${max}`)).toString()) as { level: { shape: number[]; from: string; spacing_um: number[] } };
      const stored = await readVolume(await openZarr(store, { level: k }));
      expect(info.level.from).toBe(`stored pyramid level ${k}`);
      expect(info.level.shape).toEqual(stored.shape);
      expect(info.level.spacing_um).toEqual(stored.spacing);
      const buf = await get(`api/volume/scan?max=${max}`);
      const served = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
      expect(served.length).toBe(stored.data.length);
      expect(served.every((v, i) => v === stored.data[i])).toBe(true);
    }
  });

  it('falls back to downsampling level 0 when the requested size is finer than every stored level', async () => {
    const info = JSON.parse((await get('api/volume/scan/info?max=64')).toString()) as { level: { shape: number[]; from: string } };
    expect(info.level.from).toBe('downsampled from full resolution');
    expect(info.level.shape).toEqual([40, 64, 64]);
  });
});
