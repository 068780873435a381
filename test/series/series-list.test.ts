/** The `transform:` key of a `buried run --series` list (src/cli/series-list.ts): rigid or affine, anything else names the list. */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSeriesList } from '../../src/cli/series-list.js';
import { InputError } from '../../src/io/errors.js';
import { tempDir } from '../helpers.js';

describe('series list: transform', () => {
  const dir = tempDir('series-list-');
  const list = (extra: string) => {
    const f = path.join(dir, `cell${Math.random().toString(36).slice(2)}.yaml`);
    writeFileSync(f, `scans:\n  - a.tif\n  - b.tif\n${extra}`);
    return f;
  };
  it('absent: undefined (rigid); affine and rigid pass through', async () => {
    expect((await readSeriesList(list(''))).transform).toBeUndefined();
    expect((await readSeriesList(list('transform: affine\n'))).transform).toBe('affine');
    expect((await readSeriesList(list('transform: rigid\n'))).transform).toBe('rigid');
    expect((await readSeriesList(list('transform: affine\n'))).scans).toEqual([path.join(dir, 'a.tif'), path.join(dir, 'b.tif')]);
  });
  it('another value: bad input naming the list and the value', async () => {
    const f = list('transform: bspline\n');
    const err = await readSeriesList(f).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(String((err as Error).message)).toMatch(/transform must be rigid or affine, got 'bspline'/);
    expect((err as InputError).file).toBe(f);
    expect((err as Error).message.startsWith(`${f}: `)).toBe(true);
  });
});
