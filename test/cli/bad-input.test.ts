import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO, cli, tempDir } from '../helpers.js';

const BAD = path.join(REPO, 'test', 'fixtures', 'bad');
const H5 = path.join(REPO, 'test', 'fixtures', 'hdf5', 'two_volumes.h5');

/** Exit 2, exactly one line on stderr, naming the file and the problem; nothing on stdout. */
function expectBadInput(args: string[], file: string, problem: RegExp): void {
  const r = cli(args);
  expect(r.status, r.stderr).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toContain(file);
  expect(lines[0]).toMatch(problem);
  expect(r.stdout).toBe('');
}

describe('bad input: one line naming the file and the problem, exit 2, nothing written', () => {
  it('missing file', () => {
    expectBadInput(['info', '/no/such/scan.tif'], '/no/such/scan.tif', /no such file/);
  });

  it('not a TIFF or HDF5 file', () => {
    expectBadInput(['info', path.join(BAD, 'notes.tif')], 'notes.tif', /not a TIFF or HDF5 file/);
  });

  it('truncated TIFF', () => {
    expectBadInput(['info', path.join(BAD, 'truncated.tif')], 'truncated.tif', /truncated/);
  });

  it('unsupported sample format: RGB', () => {
    expectBadInput(['info', path.join(BAD, 'rgb.tif')], 'rgb.tif', /unsupported.*(RGB|3 samples)/);
  });

  it('unsupported sample format: complex', () => {
    expectBadInput(['info', path.join(BAD, 'complex.tif')], 'complex.tif', /unsupported.*complex/i);
  });

  it('folder of slices with different sizes names the odd slice', () => {
    expectBadInput(['info', path.join(BAD, 'mixed_sizes')], 'slice_10.tif', /9.*10|10.*9/);
  });

  it('raw file whose size does not match shape × dtype', () => {
    const dir = tempDir();
    const file = path.join(dir, 'scan.raw');
    writeFileSync(file, Buffer.alloc(1001));
    expectBadInput(['info', file, '--shape', '10,10,10', '--dtype', 'uint8'], file, /size 1001 bytes does not match/);
  });

  it('HDF5 dataset path that does not exist', () => {
    expectBadInput(['info', `${H5}:/recon/missing`], 'two_volumes.h5', /'\/recon\/missing' does not exist/);
  });

  it('output directory that is a file: synth writes nothing', () => {
    const dir = tempDir();
    const file = path.join(dir, 'occupied');
    writeFileSync(file, 'x');
    expectBadInput(['synth', file, '--shape', '8,16,16'], file, /not a directory/);
    expect(readdirSync(dir)).toEqual(['occupied']);
  });

  it('convert from a bad input creates no output file or folder', () => {
    const dir = tempDir();
    const out = path.join(dir, 'sub', 'out.tif');
    expectBadInput(['convert', path.join(BAD, 'truncated.tif'), '-o', out], 'truncated.tif', /truncated/);
    expect(existsSync(path.join(dir, 'sub'))).toBe(false);
  });

  it('bad --voxel value', () => {
    const r = cli(['info', path.join(BAD, 'rgb.tif'), '--voxel', '0']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/--voxel must be/);
  });

  it('usage errors exit 2; --help and --version exit 0', () => {
    expect(cli(['info']).status).toBe(2);
    expect(cli(['info', 'x', '--no-such-flag']).status).toBe(2);
    expect(cli(['no-such-command']).status).toBe(2);
    const help = cli(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/info.*\n.*synth/s);
    const version = cli(['--version']);
    expect(version.status).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
