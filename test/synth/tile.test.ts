import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadVolume } from '../../src/io/open.js';
import { makeVolume } from '../../src/io/volume.js';
import { mirrorIndex, writeTiledTiff } from '../../src/synth/tile.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'buried-tile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mirror tiling for large phantoms', () => {
  it('maps columns …abc|cba|abc… (period 2n)', () => {
    expect(Array.from({ length: 10 }, (_, x) => mirrorIndex(x, 3))).toEqual([0, 1, 2, 2, 1, 0, 0, 1, 2, 2]);
  });

  it('streams a tiled TIFF whose every voxel is the mirrored base voxel, spacing kept', async () => {
    const [nz, ny, nx] = [5, 7, 4];
    const base = new Uint16Array(nz * ny * nx).map((_, i) => (i * 7919) % 65521);
    const file = path.join(dir, 'tiled.tif');
    const shape = await writeTiledTiff(file, makeVolume(base, [nz, ny, nx], [2, 1, 0.5]), 16, 11);
    expect(shape).toEqual([5, 16, 11]);
    const v = await loadVolume(file);
    expect(v.shape).toEqual([5, 16, 11]);
    expect(v.spacing).toEqual([2, 1, 0.5]);
    let mismatches = 0;
    for (let z = 0; z < 5; z++)
      for (let y = 0; y < 16; y++)
        for (let x = 0; x < 11; x++) if (v.data[(z * 16 + y) * 11 + x] !== base[(z * ny + mirrorIndex(y, ny)) * nx + mirrorIndex(x, nx)]) mismatches++;
    expect(mismatches).toBe(0);
  });
});
