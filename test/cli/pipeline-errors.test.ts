/**
 * Bad input through the pipeline's commands, end to end: exit 2, exactly one line on stderr naming
 * the file and the problem, nothing on stdout, and nothing written that a later call would take for
 * a result (no output folder for the single commands; no stage record, manifest or report in a run
 * folder). The inputs are made here: small volumes and maps written with and without a voxel size.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { cli, tempDir } from '../helpers.js';
import { makeVolume, type Spacing3 } from '../../src/io/volume.js';
import { writeTiff } from '../../src/io/tiff/index.js';
import { generatePhantom } from '../../src/synth/index.js';
import { readJson, walk } from '../run/helpers.js';

const UM: Spacing3 = [1.5, 1.5, 1.5];
const SHAPE: [number, number, number] = [32, 48, 48];

/** Exit 2, one line on stderr that names `file` and matches `problem`, nothing on stdout. */
function expectOneLine(args: string[], file: string, problem: RegExp): string {
  const r = cli(args);
  expect(r.status, r.stderr).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toContain(file);
  expect(lines[0]).toMatch(problem);
  expect(r.stdout).toBe('');
  return lines[0];
}

describe('pipeline errors end to end', () => {
  let dir: string;
  const file = (name: string) => path.join(dir, name);

  beforeAll(async () => {
    dir = tempDir('buried-pipeline-errors-');
    const n = SHAPE[0] * SHAPE[1] * SHAPE[2];
    await writeTiff(file('constant.tif'), makeVolume(new Uint16Array(n).fill(1000), SHAPE, UM));
    // no cell at all: uniform grey noise over the whole 16-bit range (its segmentation has no Li voxel)
    const noise = new Uint16Array(n);
    let s = 1;
    const u = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) / 2 ** 24;
    for (let i = 0; i < n; i++) noise[i] = Math.floor(u() * 65535);
    await writeTiff(file('noise.tif'), makeVolume(noise, SHAPE, UM));
    // a good phantom, written without any voxel size (no resolution tags, no ImageJ spacing)
    const ph = generatePhantom({ preset: 'plated', seed: 3, shape: SHAPE });
    await writeTiff(file('no-voxel-scan.tif'), makeVolume(ph.scan.data, ph.scan.shape, null));
    await writeTiff(file('no-voxel-labels.tif'), makeVolume(ph.labels.data, ph.labels.shape, null));
    // maps [1, 32, 32]: all NaN (nothing inside the map), all 0 (no Li, no contact), all −1 (outside / not in contact)
    await writeTiff(file('nan-map.tif'), makeVolume(new Float32Array(32 * 32).fill(NaN), [1, 32, 32], UM));
    await writeTiff(file('zero-map.tif'), makeVolume(new Float32Array(32 * 32), [1, 32, 32], UM));
    await writeTiff(file('negative-map.tif'), makeVolume(new Float32Array(32 * 32).fill(-1), [1, 32, 32], UM));
  });

  it('buried run on a constant volume: one line naming the scan; no record, manifest or report', () => {
    const out = path.join(tempDir(), 'run');
    expectOneLine(['run', file('constant.tif'), '-o', out, '--quiet'], file('constant.tif'), /the scan has no contrast to segment: every finite voxel has the same grey level/);
    expect(walk(out)).toEqual([]);
  });

  it('buried run on noise whose segmentation has no Li: stops after segment naming the scan, on every resume; no later stage or report', () => {
    const scan = file('noise.tif');
    const out = path.join(tempDir(), 'run');
    // the segment stage alone completes (a low-confidence warning, exit 0): it finds no Li at all
    const seg = cli(['run', scan, '-o', out, '--until', 'segment', '--quiet']);
    expect(seg.status, seg.stderr).toBe(0);
    expect(readJson(path.join(out, 'segment', 'segment.json')).li.voxels).toBe(0);
    // the whole run stops there, before thickness would measure a layer that is not there
    const args = ['run', scan, '-o', out, '--quiet'];
    const line = expectOneLine(args, scan, /segmentation found no Li/);
    // nothing after segment: only the segment-only call's manifest, which says so
    // (and the run folder's mark, .buried-outputs.json, which says buried made this folder: issue #22)
    expect(walk(out).filter((f) => !f.startsWith('segment/'))).toEqual(['.buried-outputs.json', 'manifest.json']);
    expect(readJson(path.join(out, 'manifest.json')).stages.map((st: { stage: string }) => st.stage)).toEqual(['segment']);
    expect(expectOneLine(args, scan, /segmentation found no Li/)).toBe(line);
  });

  it('no voxel size anywhere: run, segment and thickness say how to give it, and write nothing', () => {
    const out = path.join(tempDir(), 'out');
    const scan = file('no-voxel-scan.tif');
    expectOneLine(['run', scan, '-o', out, '--quiet'], scan, /voxel size unknown.*--voxel UM.*run\.voxel/);
    expect(walk(out)).toEqual([]);
    expectOneLine(['segment', scan, '-o', path.join(out, 'seg')], scan, /voxel size unknown.*--voxel UM/);
    expect(existsSync(path.join(out, 'seg'))).toBe(false);
    const labels = file('no-voxel-labels.tif');
    expectOneLine(['thickness', labels, '-o', path.join(out, 'th')], labels, /voxel size unknown.*--voxel UM/);
    expect(existsSync(path.join(out, 'th'))).toBe(false);
    // the same files with --voxel go through: the refusal is about the voxel size alone
    expect(cli(['segment', scan, '-o', path.join(out, 'seg'), '--voxel', '1.7']).status).toBe(0);
    expect(cli(['thickness', labels, '-o', path.join(out, 'th'), '--voxel', '1.7']).status).toBe(0);
  });

  it('buried strip: a map with no pixel inside it (all NaN) or with no Li (all 0 µm) is refused; no output folder', () => {
    const out = path.join(tempDir(), 'strip');
    expectOneLine(['strip', file('nan-map.tif'), '-o', out], file('nan-map.tif'), /no pixels with a thickness ≥ 0/);
    expectOneLine(['strip', file('zero-map.tif'), '-o', out], file('zero-map.tif'), /no Li.*nothing to strip/);
    expect(existsSync(out)).toBe(false);
  });

  it('buried current: a map with no pixel in contact (all NaN, all −1, all 0) is refused; no output folder', () => {
    const out = path.join(tempDir(), 'current');
    for (const name of ['nan-map.tif', 'negative-map.tif', 'zero-map.tif']) expectOneLine(['current', file(name), '-o', out, '--thickness', '30'], file(name), /no Li in contact/);
    expect(existsSync(out)).toBe(false);
  });
});
