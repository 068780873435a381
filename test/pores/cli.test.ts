/**
 * `buried pores <labels> -o DIR`: the files, --json's keys, --memory streaming to the same numbers,
 * and bad input (exit 2, one line naming the file, nothing written).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTiff } from '../../src/io/tiff/index.js';
import { loadVolume } from '../../src/io/open.js';
import { makeVolume } from '../../src/io/volume.js';
import { cli, tempDir } from '../helpers.js';
import { symmetricCell } from './cells.js';

describe('buried pores', () => {
  it('writes pores.json, the penetration maps and the figures; --memory streams to the same numbers', async () => {
    const dir = tempDir('pores-cli-');
    const c = symmetricCell([30, 20, 24], 5, [2, 1, 1]);
    for (let z = 5; z <= 21; z++) c.set(z, 10, 10, 1); // 3 voxels short of the far side
    for (let z = 12; z <= 14; z++) for (let y = 3; y <= 5; y++) for (let x = 3; x <= 5; x++) c.set(z, y, x, 0);
    const labels = path.join(dir, 'labels.tif');
    await writeTiff(labels, c.vol);
    const out = path.join(dir, 'out');
    const r = cli(['pores', labels, '-o', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.porosity).toBeCloseTo(27 / (20 * 20 * 24 - 17), 6);
    expect(j.percolating).toBe(false);
    expect(j.min_gap_um).toBeCloseTo(6, 6);
    // the electrolyte between the filament and the far side: a dense layer bent around one filament (measured 1.00169)
    expect(j.tortuosity_factor).toBeGreaterThan(1);
    expect(j.tortuosity_factor).toBeLessThan(1.01);
    expect(j.li.filament_count).toBe(1);
    expect(JSON.parse(readFileSync(path.join(out, 'pores.json'), 'utf8'))).toEqual(j);
    expect(readdirSync(out).filter((f) => !f.startsWith('.')).sort()).toEqual(
      ['flux_inlet.tif', 'li_penetration_far.png', 'li_penetration_far.svg', 'li_penetration_far_um.tif', 'li_penetration_near.png', 'li_penetration_near.svg', 'li_penetration_near_um.tif', 'pore_sizes.png', 'pore_sizes.svg', 'pores.json', 'porosity_profile.png', 'porosity_profile.svg'],
    );
    const near = await loadVolume(path.join(out, 'li_penetration_near_um.tif'));
    expect(near.shape).toEqual([1, 20, 24]);
    expect(near.data[10 * 24 + 10]).toBe(34);
    expect(near.spacing).toEqual([2, 1, 1]);

    const streamed = cli(['pores', labels, '-o', path.join(dir, 'streamed'), '--memory', '64M', '--json']);
    expect(streamed.status, streamed.stderr).toBe(0);
    const s = JSON.parse(streamed.stdout);
    expect(s.memory.out_of_core).toBe(true);
    for (const k of ['porosity', 'porosity_profile', 'pore_size', 'pore_clusters', 'li', 'percolating', 'min_gap_um', 'li_min_gap_um']) expect(s[k], k).toEqual(j[k]);
  }, 120_000);

  it('bad input: exit 2, one line naming the file, no output folder', async () => {
    const dir = tempDir('pores-cli-bad-');
    const scan = path.join(dir, 'scan.tif');
    await writeTiff(scan, makeVolume(new Uint16Array(1000), [10, 10, 10], [1, 1, 1]));
    const noLayer = path.join(dir, 'li.tif');
    await writeTiff(noLayer, makeVolume(new Uint8Array(1000).fill(1), [10, 10, 10], [1, 1, 1]));
    writeFileSync(path.join(dir, 'junk.tif'), 'not a tiff');
    for (const [file, message] of [
      [scan, 'labels must be uint8'],
      [noLayer, 'no electrolyte layer'],
      [path.join(dir, 'junk.tif'), 'junk.tif'],
    ] as const) {
      const out = path.join(dir, `out-${path.basename(file)}`);
      const r = cli(['pores', file, '-o', out]);
      expect(r.status, r.stderr).toBe(2);
      const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('pores:'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(file);
      expect(lines[0]).toContain(message);
      expect(existsSync(out)).toBe(false);
    }
    const bad = cli(['pores', noLayer, '-o', path.join(dir, 'x'), '--normal', 'w']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("--normal must be x, y, z or auto, got 'w'");
  }, 60_000);
});
