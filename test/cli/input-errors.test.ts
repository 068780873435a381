/**
 * Issue #22, errors that name files and values: scans without contrast, a truncated HDF5 file, a bad
 * --voxel text, a thickness error without its file, and empty output folders left by a failure.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cli, REPO, tempDir } from '../helpers.js';
import { writeTiff } from '../../src/io/tiff/index.js';
import { makeVolume } from '../../src/io/volume.js';

/** The stderr lines that are not progress or notes (the error line). */
function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith('buried: ') && !l.startsWith('buried: note:'));
}

async function scan(dir: string, name: string, data: Float32Array | Uint16Array, shape: [number, number, number]): Promise<string> {
  const file = path.join(dir, name);
  await writeTiff(file, makeVolume(data, shape, [1, 1, 1]));
  return file;
}

describe('scans with no contrast: exit 2, one line, no output folder', () => {
  const cases: [string, () => Float32Array | Uint16Array, [number, number, number], RegExp][] = [
    ['constant', () => new Uint16Array(8 * 16 * 16).fill(1000), [8, 16, 16], /every finite voxel has the same grey level/],
    ['all NaN', () => new Float32Array(8 * 16 * 16).fill(NaN), [8, 16, 16], /no finite voxel \(all NaN or ±Inf\)/],
    ['all +Inf', () => new Float32Array(8 * 16 * 16).fill(Infinity), [8, 16, 16], /no finite voxel/],
    ['one voxel', () => new Uint16Array([7]), [1, 1, 1], /every finite voxel has the same grey level/],
  ];
  for (const [name, data, shape, cause] of cases) {
    it(`${name}: phases and --classes 3`, async () => {
      const dir = tempDir('buried-contrast-');
      const file = await scan(dir, 'scan.tif', data(), shape);
      for (const extra of [[], ['--classes', '3']]) {
        const out = path.join(dir, 'out', 'labels');
        const r = cli(['segment', file, '-o', out, ...extra]);
        expect(r.status, `${extra.join(' ')}: ${r.stderr}`).toBe(2);
        const lines = errorLines(r.stderr);
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(new RegExp(`^buried: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: the scan has no contrast to segment: `));
        expect(lines[0]).toMatch(cause);
        // the folders made for the output are gone again
        expect(existsSync(path.join(dir, 'out')), extra.join(' ')).toBe(false);
      }
    });
  }

  it('run on a constant scan: exit 2, the run folder it made is not left behind', async () => {
    const dir = tempDir('buried-contrast-');
    const file = await scan(dir, 'scan.tif', new Uint16Array(8 * 16 * 16).fill(1000), [8, 16, 16]);
    const out = path.join(dir, 'run');
    const r = cli(['run', file, '-o', out]);
    expect(r.status, r.stderr).toBe(2);
    expect(errorLines(r.stderr)).toEqual([`buried: ${file}: the scan has no contrast to segment: every finite voxel has the same grey level`]);
    expect(existsSync(out)).toBe(false);
  });
});

describe('values and files named in errors', () => {
  it('a truncated HDF5 file: one line saying so, no HDF5-DIAG stack', () => {
    const dir = tempDir('buried-h5-');
    const whole = readFileSync(path.join(REPO, 'test', 'fixtures', 'hdf5', 'two_volumes.h5'));
    const file = path.join(dir, 'cut.h5');
    writeFileSync(file, whole.subarray(0, whole.length >> 1));
    for (const args of [['info', file], ['segment', file, '-o', path.join(dir, 'out'), '--voxel', '1']]) {
      const r = cli(args);
      expect(r.status, args[0]).toBe(2);
      expect(r.stderr).not.toContain('HDF5-DIAG');
      expect(r.stderr.trim().split('\n')).toEqual([`buried: ${file}: truncated or damaged HDF5 file: the HDF5 library cannot open it`]);
    }
    expect(existsSync(path.join(dir, 'out'))).toBe(false);
  });

  it("run --voxel abc quotes 'abc' (not 'null'), and makes no folder", () => {
    const out = path.join(tempDir('buried-voxel-'), 'run');
    const r = cli(['run', '-o', out, '--voxel', 'abc']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe("buried: config: run.voxel must be a positive number (µm), a list [dz, dy, dx] or null, got 'abc'");
    expect(existsSync(out)).toBe(false);
  });

  it('thickness of labels without electrolyte names the labels file', async () => {
    const dir = tempDir('buried-thk-');
    const labels = path.join(dir, 'li_only.tif');
    await writeTiff(labels, makeVolume(new Uint8Array(8 * 16 * 16).fill(1), [8, 16, 16], [1, 1, 1]));
    const out = path.join(dir, 'out');
    const r = cli(['thickness', labels, '-o', out]);
    expect(r.status).toBe(2);
    expect(errorLines(r.stderr)).toEqual([`buried: ${labels}: no electrolyte (label 2) in the labels volume: there is no Li / electrolyte interface to measure`]);
    expect(existsSync(out)).toBe(false);
  });
});
