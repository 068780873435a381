import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers.js';
import { assignNames, expandInputs, expandPattern, scanStem, segmentRegExp } from '../../src/batch/list.js';
import { InputError } from '../../src/io/errors.js';

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

function tree(files: string[]): string {
  const dir = tempDir('buried-list-');
  made.push(dir);
  for (const f of files) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), 'x');
  }
  return dir;
}

describe('batch inputs: files, list files, patterns', () => {
  it('segment patterns: * ? [set] [!set], no leading dot', () => {
    expect(segmentRegExp('*.tif').test('a.tif')).toBe(true);
    expect(segmentRegExp('*.tif').test('.hidden.tif')).toBe(false);
    expect(segmentRegExp('s?.tif').test('s1.tif')).toBe(true);
    expect(segmentRegExp('s?.tif').test('s10.tif')).toBe(false);
    expect(segmentRegExp('s[12].tif').test('s2.tif')).toBe(true);
    expect(segmentRegExp('s[!12].tif').test('s2.tif')).toBe(false);
    expect(segmentRegExp('s[a-c].tif').test('sb.tif')).toBe(true);
    expect(segmentRegExp('a+b(1).tif').test('a+b(1).tif')).toBe(true);
  });

  it('expands patterns in any segment, sorted, and list files relative to themselves', async () => {
    const dir = tree(['cell-a/scan.tif', 'cell-b/scan.tif', 'cell-b/notes.txt', 'loose/x1.tif', 'loose/x2.tif', 'loose/.x3.tif']);
    expect(await expandPattern('cell-*/scan.tif', dir)).toEqual([path.join(dir, 'cell-a/scan.tif'), path.join(dir, 'cell-b/scan.tif')]);
    expect(await expandInputs(['loose/*.tif'], dir)).toEqual([path.join(dir, 'loose/x1.tif'), path.join(dir, 'loose/x2.tif')]);
    writeFileSync(path.join(dir, 'lists.txt'), '# scans\ncell-a/scan.tif\n\n  loose/x?.tif  \ncell-a/scan.tif\n');
    const fromList = await expandInputs([path.join(dir, 'lists.txt'), path.join(dir, 'cell-b/scan.tif')], '/');
    expect(fromList).toEqual([path.join(dir, 'cell-a/scan.tif'), path.join(dir, 'loose/x1.tif'), path.join(dir, 'loose/x2.tif'), path.join(dir, 'cell-b/scan.tif')]);
    // @FILE works whatever the extension
    writeFileSync(path.join(dir, 'scans.lst2'), 'loose/x1.tif\n');
    expect(await expandInputs([`@${path.join(dir, 'scans.lst2')}`])).toEqual([path.join(dir, 'loose/x1.tif')]);
    // HDF5 datasets keep their suffix
    writeFileSync(path.join(dir, 'vol.h5'), 'x');
    expect(await expandInputs(['vol.h5:/entry/data'], dir)).toEqual([`${path.join(dir, 'vol.h5')}:/entry/data`]);
  });

  it('missing files, empty patterns and bad list lines are InputErrors naming them', async () => {
    const dir = tree(['a.tif']);
    await expect(expandInputs(['nope.tif'], dir)).rejects.toThrow(InputError);
    await expect(expandInputs(['nope.tif'], dir)).rejects.toThrow(/nope\.tif: no such file/);
    await expect(expandInputs(['*.h5'], dir)).rejects.toThrow(/\*\.h5: pattern matches no file/);
    writeFileSync(path.join(dir, 'l.txt'), 'a.tif\nb.tif\n');
    await expect(expandInputs(['l.txt'], dir)).rejects.toThrow(/l\.txt: line 2: b\.tif: no such file/);
    await expect(expandInputs([], dir)).rejects.toThrow(/at least one input/);
  });

  it('unique output names: stem, then parent_stem for collisions, then -2', () => {
    expect(scanStem('/d/scan.tif')).toBe('scan');
    expect(scanStem('/d/vol.h5:/entry/data')).toBe('vol_entry_data');
    expect(scanStem('/d/slices')).toBe('slices');
    const names = assignNames(['/x/a/scan.tif', '/x/b/scan.tif', '/y/a/scan.tif', '/x/other.tif', '/x/summary.csv'], '/out').map((e) => e.name);
    expect(names).toEqual(['a_scan', 'b_scan', 'a_scan-2', 'other', 'summary.csv-2']);
    expect(assignNames(['/x/a/scan.tif'], '/out')[0].out).toBe('/out/scan');
  });
});
