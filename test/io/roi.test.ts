/**
 * Region of interest (issue #18 point 2): `--roi` boxes parse, resolve in voxels and µm, and every
 * reader sees exactly the box: the cropped source equals the same box cut from the whole volume,
 * `buried segment --roi` equals segmenting a file holding only the box, and `buried run --roi`
 * measures the box and says so in the report.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cli, tempDir } from '../helpers.js';
import { generatePhantom, type Phantom } from '../../src/synth/index.js';
import { writeTiff } from '../../src/io/tiff/index.js';
import { loadVolume, openVolume } from '../../src/io/open.js';
import { makeVolume, type Shape3, type VoxelArray } from '../../src/io/volume.js';
import { parseRoi, resolveRoi, type RoiBox } from '../../src/io/roi.js';
import { CHEAP_CONFIG } from '../run/helpers.js';

/** The box cut out of a [nz, ny, nx] array by plain index arithmetic (the reference). */
function cut<T extends VoxelArray>(data: T, shape: Shape3, box: RoiBox): number[] {
  const [, ny, nx] = shape;
  const out: number[] = [];
  for (let z = box[0][0]; z < box[0][1]; z++) for (let y = box[1][0]; y < box[1][1]; y++) for (let x = box[2][0]; x < box[2][1]; x++) out.push(Number(data[(z * ny + y) * nx + x]));
  return out;
}

describe('region of interest', () => {
  let dir: string;
  let ph: Phantom;
  let scan: string;

  beforeAll(async () => {
    dir = tempDir('buried-roi-');
    ph = generatePhantom({ preset: 'plated', seed: 5, shape: [64, 48, 48] });
    scan = path.join(dir, 'scan.tif');
    await writeTiff(scan, ph.scan, { compression: 'deflate' });
  });

  it('parses boxes and refuses malformed ones', () => {
    expect(parseRoi('z=10:20, y=center:800um,x=:30')).toEqual({
      z: { kind: 'range', start: 10, end: 20, length: null, unit: 'voxel' },
      y: { kind: 'center', start: null, end: null, length: 800, unit: 'um' },
      x: { kind: 'range', start: null, end: 30, length: null, unit: 'voxel' },
    });
    expect(() => parseRoi('q=1:2')).toThrow(/not AXIS=START:END/);
    expect(() => parseRoi('z=1:2,z=3:4')).toThrow(/axis z given twice/);
    expect(() => parseRoi('x=1.5:4')).toThrow(/voxel positions are integers/);
    expect(() => parseRoi('x=center:0um')).toThrow(/length must be positive/);
  });

  it('resolves to voxels: centred lengths, µm through the voxel size, bounds checked', () => {
    const shape: Shape3 = [10, 100, 60];
    expect(resolveRoi(parseRoi('y=center:40,x=center:41'), shape, null, 'f')).toEqual([[0, 10], [30, 70], [9, 50]]);
    expect(resolveRoi(parseRoi('y=center:20um,x=5um:25um'), shape, [2, 2, 0.5], 'f')).toEqual([[0, 10], [45, 55], [10, 50]]);
    expect(() => resolveRoi(parseRoi('x=10um:20um'), shape, null, 'f')).toThrow(/needs the voxel size/);
    expect(() => resolveRoi(parseRoi('y=90:101'), shape, null, 'f')).toThrow(/y 90:101 .* outside the volume's 0:100/);
    expect(() => resolveRoi(parseRoi('z=5:5'), shape, null, 'f')).toThrow(/empty/);
  });

  it('a cropped source reads exactly the box of the whole volume, by slab and whole', async () => {
    const spec = parseRoi('z=3:61,y=5:40,x=center:17');
    const box = resolveRoi(spec, ph.scan.shape, ph.scan.spacing, scan);
    const src = await openVolume(scan, { roi: spec });
    expect(src.shape).toEqual([58, 35, 17]);
    const whole = Array.from(await src.readSlices(0, 58), Number);
    const parts = [...(await src.readSlices(0, 20)), ...(await src.readSlices(20, 58))].map(Number);
    await src.close();
    const ref = cut(ph.scan.data, ph.scan.shape, box);
    expect(whole).toEqual(ref);
    expect(parts).toEqual(ref);
  });

  it('buried segment --roi gives the labels of a file holding only the box', async () => {
    const roi = 'y=6:42,x=center:30';
    const box = resolveRoi(parseRoi(roi), ph.scan.shape, ph.scan.spacing, scan);
    const boxed = path.join(dir, 'boxed.tif');
    await writeTiff(boxed, makeVolume(Uint16Array.from(cut(ph.scan.data, ph.scan.shape, box)), [64, 36, 30], ph.scan.spacing));
    const a = cli(['segment', scan, '--roi', roi, '-o', path.join(dir, 'seg-roi')]);
    const b = cli(['segment', boxed, '-o', path.join(dir, 'seg-boxed')]);
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    const la = await loadVolume(path.join(dir, 'seg-roi', 'labels.tif'));
    const lb = await loadVolume(path.join(dir, 'seg-boxed', 'labels.tif'));
    expect(la.shape).toEqual([64, 36, 30]);
    expect(Buffer.from(la.data.buffer).equals(Buffer.from(lb.data.buffer))).toBe(true);
    const bad = cli(['segment', scan, '--roi', 'x=40:60', '-o', path.join(dir, 'never')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual([`buried: ${scan}: --roi: x 40:60 (voxels) is empty or outside the volume's 0:48`]);
  });

  it('a region that cuts the stack along its normal lowers the QC verdict and says why; a lateral crop does not', async () => {
    // the case found by hand: a lab-CT foil cell with the stack along x, the crop leaving out the
    // electrolyte; the steel plunger was labelled electrolyte with the verdict high
    const lab = generatePhantom({ preset: 'labct', seed: 5, shape: [48, 48, 120], axis: 'x' });
    const file = path.join(dir, 'labct-x.tif');
    await writeTiff(file, lab.scan, { compression: 'deflate' });
    const seg = (roi: string, name: string) => {
      const r = cli(['segment', file, '--roi', roi, '-o', path.join(dir, name), '--json']);
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(readFileSync(path.join(dir, name, 'segment.json'), 'utf8')) as { qc: { confidence: string; warnings: string[]; layout: { normal_axis: string }; checks: { name: string; ok: boolean }[] } };
    };
    const lateral = seg('y=4:44,z=4:44', 'seg-lateral');
    expect(lateral.qc.layout.normal_axis).toBe('x');
    expect(lateral.qc.checks.find((c) => c.name === 'region_along_normal')?.ok).toBe(true);
    const cut = seg('x=0:40', 'seg-cut');
    expect(cut.qc.confidence).toBe('low');
    expect(cut.qc.checks.find((c) => c.name === 'region_along_normal')?.ok).toBe(false);
    expect(cut.qc.warnings.join(' ')).toMatch(/cuts the stack along its normal \(x 0:40 of 0:120\)/);
  }, 120_000);

  it('buried run --roi measures the box and the report names it', async () => {
    const config = path.join(dir, 'cheap.yaml');
    writeFileSync(config, CHEAP_CONFIG);
    const out = path.join(dir, 'run');
    const r = cli(['run', scan, '-o', out, '--config', config, '--roi', 'y=center:60um,x=8:40', '--quiet', '--workers', '2']);
    expect(r.status, r.stderr).toBe(0);
    const th = JSON.parse(readFileSync(path.join(out, 'thickness', 'thickness.json'), 'utf8'));
    expect(th.map.shape).toEqual([35, 32]);
    // the true thickness over the same columns
    const box = resolveRoi(parseRoi('y=center:60um,x=8:40'), ph.scan.shape, ph.scan.spacing, scan);
    const truth = cut(ph.thickness.data, [1, 48, 48], [[0, 1], box[1], box[2]]);
    const trueMean = truth.reduce((a, v) => a + v, 0) / truth.length;
    expect(Math.abs(th.mean_um - trueMean)).toBeLessThan(0.5 * ph.truth.voxel_um);
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('Region analysed (--roi y=center:60um,x=8:40): z 0:64, y 6:41, x 8:40 (voxels, end excluded) of the 64 × 48 × 48 scan');
  }, 120_000);
});
