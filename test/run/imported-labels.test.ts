/**
 * Bring your own labels (issue #18 point 1): labels from another tool, in their own codes and
 * integer type, replace the automatic segmentation in `buried run` and in `buried thickness`.
 * Ground truth: the phantom's exact labels, written in foreign codes; the imported labels must come
 * back voxel for voxel, and the thickness measured on them must equal the thickness measured on
 * the truth labels directly.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers.js';
import { generatePhantom, type Phantom } from '../../src/synth/index.js';
import { writeTiff } from '../../src/io/tiff/index.js';
import { loadVolume } from '../../src/io/open.js';
import { makeVolume } from '../../src/io/volume.js';
import { importLabels, parseLabelMap } from '../../src/segment/import-labels.js';
import { CHEAP_CONFIG, runCli } from './helpers.js';
import { writeFileSync } from 'node:fs';

// Weka-style codes: 1 void, 2 electrolyte, 3 Li, 4 collector, 6 outside the cell (0 unused); contract code → foreign code
const FOREIGN = new Map([[0, 1], [1, 3], [2, 2], [3, 4], [5, 6]]);
const MAP = '1:void,2:electrolyte,3:li,4:collector,6:outside';

function foreign(labels: Uint8Array, Ctor: Uint16ArrayConstructor | Int32ArrayConstructor): Uint16Array | Int32Array {
  const out = new Ctor(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = FOREIGN.get(labels[i]) ?? 99;
  return out;
}

/** exit 2, one stderr line naming `file` and containing `text`. */
function expectRefusal(args: string[], file: string, text: RegExp): void {
  const r = runCli(args);
  expect(r.status, r.stderr).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toContain(file);
  expect(lines[0]).toMatch(text);
}

describe('imported labels', () => {
  let dir: string;
  let ph: Phantom;
  let scan: string;
  let labels16: string;
  let config: string;

  beforeAll(async () => {
    dir = tempDir('buried-import-');
    ph = generatePhantom({ preset: 'plated', seed: 5, shape: [64, 48, 48] });
    scan = path.join(dir, 'scan.tif');
    await writeTiff(scan, ph.scan, { compression: 'deflate' });
    labels16 = path.join(dir, 'weka.tif');
    // no voxel size in the foreign file (many tools drop it): the scan's is used
    await writeTiff(labels16, makeVolume(foreign(ph.labels.data, Uint16Array), ph.labels.shape, null));
    config = path.join(dir, 'cheap.yaml');
    writeFileSync(config, CHEAP_CONFIG);
  });

  it('parses SRC:PHASE maps and refuses bad ones', () => {
    expect([...parseLabelMap('1:void, 2:electrolyte,3:Li,4:3,7:outside,9:masked')]).toEqual([[1, 0], [2, 2], [3, 1], [4, 3], [7, 5], [9, 255]]);
    expect(() => parseLabelMap('1:lithium')).toThrow(/unknown phase 'lithium'/);
    expect(() => parseLabelMap('1=li')).toThrow(/not SRC:PHASE/);
    expect(() => parseLabelMap('1:li,1:void')).toThrow(/mapped twice/);
    expect(() => parseLabelMap('1:7')).toThrow(/unknown phase '7'/);
  });

  it('maps int32 codes onto the phases voxel for voxel and finds the stack normal along x', async () => {
    const alongX = generatePhantom({ preset: 'plated', seed: 2, shape: [40, 40, 64], axis: 'x' });
    const file = path.join(dir, 'x.tif');
    await writeTiff(file, makeVolume(foreign(alongX.labels.data, Int32Array), alongX.labels.shape, alongX.labels.spacing));
    const { labels, report } = await importLabels(file, { scan: { path: 'scan', shape: alongX.scan.shape, spacing: alongX.scan.spacing }, labelMap: MAP });
    expect(Buffer.from(labels.data).equals(Buffer.from(alongX.labels.data))).toBe(true);
    expect(report.layout.normal_axis).toBe('x');
    expect(report.source_dtype).toBe('int32');
    // Li inventory: Li voxels × voxel volume over the in-cell map area across x
    const v = alongX.truth.voxel_um;
    const liVoxels = alongX.labels.data.reduce((a, c) => a + (c === 1 ? 1 : 0), 0);
    expect(report.li.voxels).toBe(liVoxels);
    expect(report.li.mean_thickness_um!).toBeCloseTo((liVoxels * v) / (40 * 40), 6);
  });

  it('buried run --labels: the labels come back exactly, the run goes on, the thickness equals the truth labels\'', async () => {
    const out = path.join(dir, 'run');
    const r = runCli(['run', scan, '-o', out, '--config', config, '--labels', labels16, '--label-map', MAP, '--json', '--workers', '2']);
    expect(r.status, r.stderr).toBe(0);
    // the report says where the labels came from and how their codes were read
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain(`Labels imported from ${labels16} (uint16; codes read as 1 → void, 2 → electrolyte, 3 → li, 4 → collector, 6 → outside; stack normal z, detected)`);
    const got = await loadVolume(path.join(out, 'segment', 'labels.tif'));
    expect(Buffer.from(got.data.buffer, got.data.byteOffset, got.data.byteLength).equals(Buffer.from(ph.labels.data))).toBe(true);
    expect(got.spacing).toEqual(ph.scan.spacing);
    const seg = JSON.parse(readFileSync(path.join(out, 'segment', 'segment.json'), 'utf8'));
    expect(seg.mode).toBe('imported');
    expect(seg.label_map).toEqual({ 1: 'void', 2: 'electrolyte', 3: 'li', 4: 'collector', 6: 'outside' });
    const liVoxels = ph.labels.data.reduce((a, c) => a + (c === 1 ? 1 : 0), 0);
    expect(seg.source_codes['3']).toBe(liVoxels);
    // the same thickness as the truth labels measured by `buried thickness`
    const truthLabels = path.join(dir, 'truth-labels.tif');
    await writeTiff(truthLabels, ph.labels);
    const direct = path.join(dir, 'direct');
    const t = runCli(['thickness', truthLabels, '-o', direct, '--scan', scan, '--json']);
    expect(t.status, t.stderr).toBe(0);
    const a = JSON.parse(readFileSync(path.join(out, 'thickness', 'thickness.json'), 'utf8'));
    const b = JSON.parse(readFileSync(path.join(direct, 'thickness.json'), 'utf8'));
    expect(a.mean_um).toBeCloseTo(b.mean_um, 9);
    expect(Math.abs(a.mean_um - ph.truth.thickness.mean_um)).toBeLessThan(0.5 * ph.truth.voxel_um);
    // the manifest fingerprints the labels: new contents under the same name redo the segment stage
    const again = runCli(['run', scan, '-o', out, '--config', config, '--labels', labels16, '--label-map', MAP, '--json', '--until', 'thickness']);
    expect(JSON.parse(again.stdout).stages.map((s: { status: string }) => s.status)).toEqual(['skipped', 'skipped']);
    const changed = foreign(ph.labels.data, Uint16Array);
    changed[changed.indexOf(3)] = 2; // one Li voxel becomes electrolyte
    await writeTiff(labels16, makeVolume(changed, ph.labels.shape, null));
    const redo = runCli(['run', scan, '-o', out, '--config', config, '--labels', labels16, '--label-map', MAP, '--json', '--until', 'thickness']);
    expect(redo.status, redo.stderr).toBe(0);
    expect(JSON.parse(redo.stdout).stages.map((s: { status: string }) => s.status)).toEqual(['ran', 'ran']);
    const seg2 = JSON.parse(readFileSync(path.join(out, 'segment', 'segment.json'), 'utf8'));
    expect(seg2.source_codes['3']).toBe(liVoxels - 1);
    await writeTiff(labels16, makeVolume(foreign(ph.labels.data, Uint16Array), ph.labels.shape, null));
  }, 120_000);

  it('buried thickness --label-map measures foreign labels like the truth labels', async () => {
    const out = path.join(dir, 'th');
    const r = runCli(['thickness', labels16, '-o', out, '--label-map', MAP, '--voxel', String(ph.truth.voxel_um), '--json']);
    expect(r.status, r.stderr).toBe(0);
    const truthLabels = path.join(dir, 'truth-labels-2.tif');
    await writeTiff(truthLabels, ph.labels);
    const direct = runCli(['thickness', truthLabels, '-o', path.join(dir, 'th-direct'), '--json']);
    expect(JSON.parse(r.stdout).electrodes?.[0]?.mean_um ?? JSON.parse(r.stdout).mean_um).toBeCloseTo(JSON.parse(direct.stdout).electrodes?.[0]?.mean_um ?? JSON.parse(direct.stdout).mean_um, 9);
  });

  it('refuses, with one line naming the labels file: unmapped codes, a shape or voxel size unlike the scan\'s, float data', async () => {
    const out = path.join(dir, 'bad');
    const base = ['run', scan, '-o', out, '--config', config, '--until', 'segment', '--quiet'];
    expectRefusal([...base, '--labels', labels16], labels16, /label codes 6 are not contract codes.*--label-map/);
    expectRefusal([...base, '--labels', labels16, '--label-map', '1:void,2:electrolyte,3:li,6:outside'], labels16, /label codes 4 are not in --label-map/);
    const small = path.join(dir, 'small.tif');
    await writeTiff(small, makeVolume(new Uint8Array(8 * 48 * 48), [8, 48, 48], null));
    expectRefusal([...base, '--labels', small], small, /labels shape 8×48×48 differs from the scan's 64×48×48/);
    const coarse = path.join(dir, 'coarse.tif');
    const v = ph.truth.voxel_um;
    await writeTiff(coarse, makeVolume(ph.labels.data, ph.labels.shape, [2 * v, 2 * v, 2 * v]));
    expectRefusal([...base, '--labels', coarse], coarse, /voxel size .* differs from the scan's/);
    const float = path.join(dir, 'float.tif');
    await writeTiff(float, makeVolume(Float32Array.from(ph.labels.data), ph.labels.shape, null));
    expectRefusal([...base, '--labels', float], float, /integer codes \(got float32\)/);
    // a labels file that is not there: named as such (not as a stage's missing output)
    const missing = path.join(dir, 'nowhere.tif');
    expectRefusal([...base, '--labels', missing], missing, /no such file or folder/);
    expect(existsSync(path.join(out, 'segment', 'labels.tif'))).toBe(false);
    const r = runCli(['run', scan, '-o', path.join(dir, 'never'), '--label-map', MAP]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/segment.label_map needs segment.labels/);
  }, 60_000);
});
