/**
 * Generic mode (`--classes K --denoise none`) against scikit-image 0.19 threshold_multiotsu +
 * np.digitize on real grey-level scans (fixtures: scripts/fixtures/make_skimage_fixtures.py).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadVolume } from '../../src/io/open.js';
import type { Volume } from '../../src/io/volume.js';
import { segment } from '../../src/segment/index.js';
import { REPO, SHARED_DATA, missingFiles, requireAvailable } from '../helpers.js';
import { testBackend } from './backend.js';

interface Run { classes: number; thresholds: number[]; label_sha256: string; label_counts: number[] }
const FIX = path.join(REPO, 'test', 'fixtures', 'skimage');
const fixtures = JSON.parse(readFileSync(path.join(FIX, 'multiotsu.json'), 'utf8')) as { skimage_version: string; files: Record<string, { runs: Run[] }> };

/** np.digitize(image, bins=thresholds): label = number of thresholds t with v >= t. */
function digitize(data: ArrayLike<number>, thresholds: number[]): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    let l = 0;
    for (const t of thresholds) if (data[i] >= t) l++;
    out[i] = l;
  }
  return out;
}

const sources: Record<string, string> = {
  '100_fiberform.tif': path.join(SHARED_DATA, 'puma', '100_fiberform.tif'),
  'small_weave.tif': path.join(SHARED_DATA, 'puma', 'small_weave.tif'),
  'synthetic_uint16.tif': path.join(FIX, 'synthetic_uint16.tif'),
};

describe(`segment --classes K vs scikit-image ${fixtures.skimage_version} threshold_multiotsu + np.digitize`, () => {
  it('the committed reference has every scan, real ones included', () => {
    expect(Object.keys(fixtures.files).sort()).toEqual(Object.keys(sources).sort());
  });
  for (const [name, entry] of Object.entries(fixtures.files)) {
    const file = sources[name];
    it(name, async (ctx) => {
      // the real scans live in ../shared/data; the synthetic one is committed and must be there
      if (file.startsWith(SHARED_DATA)) requireAvailable(ctx, missingFiles(file));
      const vol: Volume = await loadVolume(file);
      for (const run of entry.runs) {
        const ref = digitize(vol.data, run.thresholds);
        // The rebuilt scikit-image labels are exactly what the fixture script saw.
        expect(createHash('sha256').update(ref).digest('hex')).toBe(run.label_sha256);
        const agree = (labels: Uint8Array) => {
          let same = 0;
          for (let i = 0; i < ref.length; i++) if (ref[i] === labels[i]) same++;
          return same / ref.length;
        };
        // Default: the exact optimum (differs from scikit-image only where its first-moment slip moves a threshold).
        const exact = await segment(vol, { backend: await testBackend(), mode: 'classes', classes: run.classes, method: 'otsu', denoise: 'none' });
        // Bit-for-bit variant.
        const compat = await segment(vol, { backend: await testBackend(), mode: 'classes', classes: run.classes, method: 'otsu', denoise: 'none', otsuVariant: 'skimage' });
        const a = agree(exact.labels);
        const b = agree(compat.labels);
        console.log(`${name} K=${run.classes}: skimage ${JSON.stringify(run.thresholds)} | exact ${JSON.stringify(exact.report.thresholds)} agreement ${(100 * a).toFixed(4)} % | skimage-variant ${JSON.stringify(compat.report.thresholds)} agreement ${(100 * b).toFixed(4)} %`);
        expect(a).toBeGreaterThanOrEqual(0.99);
        // uint8: bit for bit. uint16 (thousands of bins): scikit-image accumulates its moments in
        // float32, which can move a threshold by a few levels off the exact optimum.
        if (vol.dtype === 'uint8') expect(b).toBe(1);
        else expect(b).toBeGreaterThanOrEqual(0.999);
        expect(exact.report.histogram.counts.length).toBeLessThanOrEqual(512);
      }
    });
  }
});
