import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTiff } from '../../src/io/tiff/index.js';
import { loadVolume } from '../../src/io/open.js';
import { makeVolume } from '../../src/io/volume.js';
import { generatePhantom, type Phantom, type PresetName } from '../../src/synth/index.js';
import { summarizeThickness } from '../../src/thickness/map.js';
import { thicknessMap } from '../../src/thickness/electrodes.js';
import { registerThickness } from '../../src/cli/commands/thickness.js';
import { registerDistance, registerLocalThickness } from '../../src/cli/commands/distance.js';
import { tempDir } from '../helpers.js';
import { mae, mapAccuracy } from './map-helpers.js';
import { tiltedCell } from './tilted.js';
import { runCliInProcess } from '../cli-in-process.js';

const SHAPE: [number, number, number] = [96, 128, 128];
const phantoms = new Map<PresetName, Phantom>();
const phantom = (p: PresetName) => {
  let ph = phantoms.get(p);
  if (!ph) phantoms.set(p, (ph = generatePhantom({ preset: p, shape: SHAPE })));
  return ph;
};

describe('thickness map accuracy on phantoms (true labels)', () => {
  for (const preset of ['plated', 'depleted', 'foil'] as const) {
    it(`${preset}: MAE ≤ 0.5 voxel; --scan refinement lowers it`, () => {
      const ph = phantom(preset);
      const plain = mapAccuracy(ph.labels, ph.thickness);
      const refined = mapAccuracy(ph.labels, ph.thickness, { scan: ph.scan });
      const pen = mae(plain.result.penetration, ph.penetration.data, plain.result.axis_um);
      console.log(`${preset}: thickness MAE ${plain.maeVoxels.toFixed(3)} voxel (labels only), ${refined.maeVoxels.toFixed(3)} voxel (with --scan); penetration MAE ${pen.mae.toFixed(3)} voxel; ${plain.columns} columns, ${plain.result.repaired_columns} surface repairs`);
      expect(plain.columns).toBe(SHAPE[1] * SHAPE[2]);
      expect(plain.maeVoxels).toBeLessThanOrEqual(0.5);
      expect(refined.maeVoxels).toBeLessThan(plain.maeVoxels);
      expect(refined.maeVoxelsCount).toBeCloseTo(plain.maeVoxels, 9);
      expect(pen.mae).toBeLessThanOrEqual(0.5);
      const s = summarizeThickness(plain.result);
      expect(s.mean_um).toBeCloseTo(ph.truth.thickness.mean_um, 0);
      expect(s.zero_fraction).toBeCloseTo(ph.truth.thickness.zero_fraction, 1);
      expect(s.mean_capacity_mah_cm2).toBeCloseTo(s.mean_um / 4.85, 4);
      expect(s.roughness.electrolyte_surface.rq_um).toBeGreaterThan(0);
    });
  }

  it('works with the Li on the high-z side and along x / y normals', () => {
    const ph = phantom('plated');
    const [nz, ny, nx] = SHAPE;
    const flipped = new Uint8Array(ph.labels.data.length);
    const plane = ny * nx;
    for (let k = 0; k < nz; k++) flipped.set(ph.labels.data.subarray(k * plane, (k + 1) * plane), (nz - 1 - k) * plane);
    const rf = thicknessMap(makeVolume(flipped, SHAPE, ph.labels.spacing));
    expect(rf.li_side).toBe('high');
    expect(mae(rf.thickness, ph.thickness.data, rf.axis_um).mae).toBeLessThanOrEqual(0.5);
    // surface height measured from the other end
    const depth = nz * rf.axis_um;
    const back = Float32Array.from(rf.surface, (h) => depth - h);
    expect(mae(back, ph.surface.data, rf.axis_um).mae).toBeLessThanOrEqual(0.5);
    // transpose z → x: volume [nx', ny, nz] with x' the old z; map is [nz', ny] = [nx, ny]… build [z=i, y=j, x=k]
    const tx = new Uint8Array(flipped.length);
    for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) tx[(i * ny + j) * nz + k] = ph.labels.data[(k * ny + j) * nx + i];
    const rx = thicknessMap(makeVolume(tx, [nx, ny, nz], ph.labels.spacing), { normal: 'x' });
    expect(rx.shape).toEqual([nx, ny]);
    // map[i][j] ↔ truth[j][i]
    const truthT = new Float32Array(nx * ny);
    for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) truthT[i * ny + j] = ph.thickness.data[j * nx + i];
    expect(mae(rx.thickness, truthT, rx.axis_um).mae).toBeLessThanOrEqual(0.5);
    const ra = thicknessMap(makeVolume(tx, [nx, ny, nz], ph.labels.spacing), { normal: 'auto' });
    expect(ra.axis).toBe('x');
  });

  it('tilted cell: --normal auto recovers thickness within 0.5 voxel and tilt within 0.5°', () => {
    for (const flip of [false, true]) {
      const cell = tiltedCell({ tiltDeg: 10, thickness: 12, flip });
      const r = thicknessMap(cell.labels, { normal: 'auto' });
      const s = summarizeThickness(r);
      console.log(`tilted 10° (flip ${flip}): tilt ${r.tilt_deg.toFixed(3)}°, mean ${s.mean_um.toFixed(3)} voxel (truth 12), along z ${summarizeThickness(thicknessMap(cell.labels)).mean_um.toFixed(3)}`);
      expect(Math.abs(r.tilt_deg - 10)).toBeLessThanOrEqual(0.5);
      expect(Math.abs(s.mean_um - 12)).toBeLessThanOrEqual(0.5);
      expect(Math.abs(s.p50_um - 12)).toBeLessThanOrEqual(0.5);
      expect(s.map.valid_columns).toBeGreaterThan(0.8 * r.shape[0] * r.shape[1]);
    }
  });
});

const runCli = (args: string[]) => runCliInProcess([registerThickness, registerDistance, registerLocalThickness], args);

describe('thickness / distance / local-thickness commands', () => {
  let dir = '';
  beforeAll(async () => {
    dir = tempDir('buried-thickness-cli-');
    const ph = generatePhantom({ preset: 'depleted', shape: [64, 64, 80] });
    await writeTiff(path.join(dir, 'labels.tif'), ph.labels);
    await writeTiff(path.join(dir, 'scan.tif'), ph.scan);
    await writeTiff(path.join(dir, 'nospacing.tif'), makeVolume(ph.labels.data, ph.labels.shape, null));
    await writeTiff(path.join(dir, 'u16.tif'), makeVolume(Uint16Array.from(ph.labels.data), ph.labels.shape, ph.labels.spacing));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('buried thickness writes the maps, JSON and figures', async () => {
    const out = path.join(dir, 'th');
    const r = await runCli(['thickness', path.join(dir, 'labels.tif'), '-o', out, '--scan', path.join(dir, 'scan.tif'), '--json']);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    for (const k of ['mean_um', 'std_um', 'min_um', 'max_um', 'p05_um', 'p50_um', 'p95_um', 'zero_fraction', 'mean_capacity_mah_cm2']) expect(typeof summary[k]).toBe('number');
    expect(summary.roughness.electrolyte_surface.rq_um).toBeGreaterThan(0);
    for (const f of ['thickness_um.tif', 'penetration_um.tif', 'surface_height_um.tif', 'li_top_height_um.tif', 'thickness.json', 'thickness.png', 'thickness.svg', 'thickness_histogram.svg', 'thickness_histogram.png']) {
      expect(existsSync(path.join(out, f)), f).toBe(true);
    }
    const map = await loadVolume(path.join(out, 'thickness_um.tif'));
    expect(map.shape).toEqual([1, 64, 80]);
    expect(map.dtype).toBe('float32');
    expect(map.spacing?.[1]).toBeCloseTo(1.7, 5);
    const png = readFileSync(path.join(out, 'thickness.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(2000); // width ≥ 300 dpi at ~7 in
    const json = JSON.parse(readFileSync(path.join(out, 'thickness.json'), 'utf8'));
    expect(json.histogram.counts.reduce((a: number, b: number) => a + b, 0)).toBe(64 * 80);
  });

  it('errors: unknown voxel size, non-uint8 labels, absent label → exit 2', async () => {
    const nos = await runCli(['thickness', path.join(dir, 'nospacing.tif'), '-o', path.join(dir, 'x')]);
    expect(nos.code).toBe(2);
    expect(nos.stderr).toMatch(/--voxel/);
    const ok = await runCli(['thickness', path.join(dir, 'nospacing.tif'), '-o', path.join(dir, 'x2'), '--voxel', '1.7', '--normal', 'auto', '--json']);
    expect(ok.code).toBe(0);
    const u16 = await runCli(['distance', path.join(dir, 'u16.tif'), '--label', '1', '-o', path.join(dir, 'y')]);
    expect(u16.code).toBe(2);
    expect(u16.stderr).toMatch(/uint8/);
    const absent = await runCli(['local-thickness', path.join(dir, 'labels.tif'), '--label', '7', '-o', path.join(dir, 'z')]);
    expect(absent.code).toBe(2);
    expect(absent.stderr).toMatch(/label 7/);
    const nd = await runCli(['distance', path.join(dir, 'nospacing.tif'), '--label', '1', '-o', path.join(dir, 'w')]);
    expect(nd.code).toBe(2);
    expect(nd.stderr).toMatch(/--voxel/);
  });

  it('buried distance and local-thickness write float32 volumes with the voxel size', async () => {
    const out = path.join(dir, 'lt');
    const r = await runCli(['local-thickness', path.join(dir, 'labels.tif'), '--label', '1', '-o', out, '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.max_um).toBeGreaterThan(0);
    const lt = await loadVolume(path.join(out, 'local_thickness_um.tif'));
    expect(lt.dtype).toBe('float32');
    expect(lt.spacing?.[0]).toBeCloseTo(1.7, 5);
    const d = await runCli(['distance', path.join(dir, 'labels.tif'), '--label', '2', '-o', path.join(dir, 'd'), '--json']);
    expect(d.code).toBe(0);
    const ds = JSON.parse(d.stdout);
    expect(ds.max_um).toBeGreaterThan(0);
    const dv = await loadVolume(path.join(dir, 'd', 'distance_um.tif'));
    expect(dv.shape).toEqual([64, 64, 80]);
  });
});
