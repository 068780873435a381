/**
 * A series folder viewed from elsewhere: series.json records the scans as given (often relative to
 * where `buried series` ran) and their absolute paths; frame 0's grey scan is found through the
 * absolute path when the relative one resolves nowhere.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverSeries } from '../../src/view/series-dir.js';
import { tempDir } from '../helpers.js';

const seriesJson = (dir: string, doc: object) => {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'series.json'), JSON.stringify(doc));
};

describe('discoverSeries: frame 0 scan', () => {
  it('a relative scan path that resolves nowhere falls back to the recorded absolute path; without it, null', () => {
    const root = tempDir('buried-series-dir-');
    const scans = path.join(root, 'elsewhere', 'deep');
    mkdirSync(scans, { recursive: true });
    writeFileSync(path.join(scans, 's0.tif'), 'x');
    writeFileSync(path.join(scans, 's1.tif'), 'x');
    const rel = ['deep/s0.tif', 'deep/s1.tif'];
    const withAbs = path.join(root, 'out', 'a');
    seriesJson(withAbs, { scans: rel, scans_absolute: rel.map((p) => path.join(scans, path.basename(p))) });
    expect(discoverSeries(withAbs)?.frames[0].scan).toBe(path.join(scans, 's0.tif'));
    const without = path.join(root, 'out', 'b');
    seriesJson(without, { scans: rel });
    expect(discoverSeries(without)?.frames[0].scan).toBeNull();
  });
});
