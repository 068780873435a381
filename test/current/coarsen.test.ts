import { readFileSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { blockConductingMask, blockContact, solveBlockFactor, solveBytes } from '../../src/current/coarsen.js';
import { openVolume } from '../../src/io/open.js';
import { writeTiff } from '../../src/io/tiff/index.js';
import { makeVolume, type Shape3 } from '../../src/io/volume.js';
import { BIN, tempDir } from '../helpers.js';

/** Electrolyte (2) slab with void (0) cylinders of radius 5 px every 24 px, the top 6 layers Li (1) above nothing. */
function slabLabels(shape: Shape3): Uint8Array {
  const [nz, ny, nx] = shape;
  const lab = new Uint8Array(nz * ny * nx).fill(2);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const dy = (y % 24) - 12, dx = (x % 24) - 12;
        if (z >= 10 && z < 30 && dy * dy + dx * dx <= 25) lab[(z * ny + y) * nx + x] = 0;
      }
  return lab;
}

describe('conduction on coarser blocks for slabs that do not fit the memory budget', () => {
  const shape: Shape3 = [40, 48, 72];
  const dir = tempDir('buried-current-coarsen-');
  const labelsFile = path.join(dir, 'labels.tif');

  it('streams the labels into the same conducting mask as the whole volume (block 1) and into block majorities (block 4)', async () => {
    const lab = slabLabels(shape);
    await writeTiff(labelsFile, makeVolume(lab, shape, [1, 1, 1]));
    const src = await openVolume(labelsFile);
    const one = await blockConductingMask(src, 1);
    expect(one.nz * one.ny * one.nx).toBe(lab.length);
    expect(one.mask.every((v, i) => v === (lab[i] === 2 ? 1 : 0))).toBe(true);
    const four = await blockConductingMask(src, 4);
    await src.close();
    expect([four.nz, four.ny, four.nx]).toEqual([10, 12, 18]);
    let wrong = 0;
    for (let cz = 0; cz < 10; cz++)
      for (let cy = 0; cy < 12; cy++)
        for (let cx = 0; cx < 18; cx++) {
          let n = 0;
          for (let z = 0; z < 4; z++) for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) n += lab[((cz * 4 + z) * 48 + cy * 4 + y) * 72 + cx * 4 + x] === 2 ? 1 : 0;
          if (four.mask[(cz * 12 + cy) * 18 + cx] !== (n >= 32 ? 1 : 0)) wrong++;
        }
    expect(wrong).toBe(0);
  });

  it('contact blocks: ≥ half the pixels in contact; partial edge blocks dropped', () => {
    const c = Uint8Array.from({ length: 5 * 7 }, (_, i) => ((i % 7) < 3 ? 1 : 0));
    const b = blockContact(c, 5, 7, 2);
    expect([b.ny, b.nx]).toEqual([2, 3]);
    expect(Array.from(b.map)).toEqual([1, 1, 0, 1, 1, 0]);
  });

  it('block factor grows as the budget shrinks and the chosen solve fits', () => {
    expect(solveBlockFactor(200, 1024, 1024, 2 ** 40, true)).toBe(1);
    const k4 = solveBlockFactor(200, 1024, 1024, 4 * 2 ** 30, true);
    const k1 = solveBlockFactor(200, 1024, 1024, 1 * 2 ** 30, true);
    expect(k4).toBeGreaterThan(1);
    expect(k1).toBeGreaterThan(k4);
    expect(solveBytes(Math.ceil(200 / k1), Math.floor(1024 / k1), Math.floor(1024 / k1), 16)).toBeLessThan(2 ** 30);
  });

  it('buried current --labels --memory: the coarse solve is reported and its resistance is within 4 % of the voxel-resolution one (2.9 % at 3³ blocks)', () => {
    // contact: stripes 12 px wide with period 24 px along x
    const contactFile = path.join(dir, 'contact.tif');
    const [, ny, nx] = shape;
    const contact = Uint8Array.from({ length: ny * nx }, (_, i) => ((i % nx) % 24 < 12 ? 1 : 0));
    return writeTiff(contactFile, makeVolume(contact, [1, ny, nx], [1, 1, 1])).then(() => {
      const run = (out: string, memory: string) => {
        const r = spawnSync(process.execPath, [BIN, 'current', contactFile, '--labels', labelsFile, '-o', out, '--memory', memory, '--backend', 'cpu'], { encoding: 'utf8' });
        expect(r.status, r.stderr).toBe(0);
        return { json: JSON.parse(readFileSync(path.join(out, 'current.json'), 'utf8')), stderr: r.stderr };
      };
      const fine = run(path.join(dir, 'fine'), '8G');
      const coarse = run(path.join(dir, 'coarse'), '170M');
      expect(fine.json.solve_block).toBe(1);
      expect(fine.json.memory.out_of_core).toBe(false);
      expect(coarse.json.solve_block).toBeGreaterThan(1);
      expect(coarse.json.memory.out_of_core).toBe(true);
      expect(coarse.json.memory.peak_rss_bytes).toBeGreaterThan(0);
      expect(coarse.stderr).toMatch(/does not fit the memory budget/);
      expect(Math.abs(coarse.json.resistance_ohm_cm2 - fine.json.resistance_ohm_cm2) / fine.json.resistance_ohm_cm2).toBeLessThan(0.04);
    });
  }, 120_000);
});
