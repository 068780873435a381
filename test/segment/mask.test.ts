/**
 * The user's mask (issue #18 point 2, `--mask`): one slice across an axis marks the lines to
 * analyse. Lines outside are labelled 255 exactly and left out of the fractions, the thickness map
 * and the report, like a reconstruction field of view; the labels inside agree with the unmasked
 * segmentation's. Refused with one line: a slice of no axis's shape, a 3D volume, an empty mask.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cli, tempDir } from '../helpers.js';
import { generatePhantom, type Phantom } from '../../src/synth/index.js';
import { writeTiff } from '../../src/io/tiff/index.js';
import { loadVolume } from '../../src/io/open.js';
import { makeVolume } from '../../src/io/volume.js';
import { loadUserMask } from '../../src/segment/mask.js';
import { CHEAP_CONFIG } from '../run/helpers.js';

const inside = (y: number, x: number) => y >= 8 && y < 40 && x >= 8 && x < 40;

describe('user mask', () => {
  let dir: string;
  let ph: Phantom;
  let scan: string;
  let mask: string;

  beforeAll(async () => {
    dir = tempDir('buried-mask-');
    ph = generatePhantom({ preset: 'plated', seed: 5, shape: [64, 48, 48] });
    scan = path.join(dir, 'scan.tif');
    await writeTiff(scan, ph.scan, { compression: 'deflate' });
    const m = new Uint8Array(48 * 48);
    for (let y = 0; y < 48; y++) for (let x = 0; x < 48; x++) m[y * 48 + x] = inside(y, x) ? 255 : 0;
    mask = path.join(dir, 'mask.tif');
    await writeTiff(mask, makeVolume(m, [1, 48, 48], null));
  });

  it('finds the axis from the slice shape and refuses what is no mask', async () => {
    expect((await loadUserMask(mask, [64, 48, 48])).axis).toBe('z');
    const xz = path.join(dir, 'xz.tif');
    await writeTiff(xz, makeVolume(new Uint8Array(64 * 48).fill(1), [1, 64, 48], null));
    const m = await loadUserMask(xz, [64, 48, 48]);
    expect([m.axis, m.excludedFraction]).toEqual(['y', 0]);
    await expect(loadUserMask(xz, [64, 40, 48])).resolves.toMatchObject({ axis: 'y' });
    await expect(loadUserMask(mask, [64, 40, 40])).rejects.toThrow(/mask must be one slice across an axis of the 64×40×40 volume/);
    const empty = path.join(dir, 'empty.tif');
    await writeTiff(empty, makeVolume(new Uint8Array(48 * 48), [1, 48, 48], null));
    await expect(loadUserMask(empty, [64, 48, 48])).rejects.toThrow(/mask is empty/);
  });

  it('buried segment --mask: 255 on every line outside, the unmasked labels inside', async () => {
    const a = cli(['segment', scan, '--mask', mask, '-o', path.join(dir, 'masked')]);
    const b = cli(['segment', scan, '-o', path.join(dir, 'whole')]);
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    const la = (await loadVolume(path.join(dir, 'masked', 'labels.tif'))).data;
    const lb = (await loadVolume(path.join(dir, 'whole', 'labels.tif'))).data;
    let outsideWrong = 0, insideSame = 0, insideN = 0;
    const counts = new Float64Array(256);
    for (let z = 0; z < 64; z++) {
      for (let y = 0; y < 48; y++) {
        for (let x = 0; x < 48; x++) {
          const i = (z * 48 + y) * 48 + x;
          if (!inside(y, x)) { if (la[i] !== 255) outsideWrong++; continue; }
          insideN++;
          if (la[i] === lb[i]) insideSame++;
          counts[la[i]]++;
        }
      }
    }
    expect(outsideWrong).toBe(0);
    // measured 99.02 %: the lines just inside the mask's edge are analysed with the grey filled in from
    // further inside (frame.ts FILL_MARGIN), and the thresholds see only the masked-in part
    expect(insideSame / insideN).toBeGreaterThan(0.985);
    const seg = JSON.parse(readFileSync(path.join(dir, 'masked', 'segment.json'), 'utf8'));
    const analysed = counts[0] + counts[1] + counts[2] + counts[3] + counts[4];
    expect(seg.phase_fractions['1']).toBeCloseTo(counts[1] / analysed, 9);
    expect(seg.decisions.find((d: { step: string }) => d.step === 'mask').evidence.excluded_fraction).toBeCloseTo(1 - 1024 / 2304, 12);
  }, 60_000);

  it('buried run --mask: the thickness map holds only the masked-in columns; a mask of no slice shape is refused before anything is written', async () => {
    const config = path.join(dir, 'cheap.yaml');
    writeFileSync(config, CHEAP_CONFIG);
    const out = path.join(dir, 'run');
    const r = cli(['run', scan, '-o', out, '--config', config, '--mask', mask, '--quiet', '--until', 'thickness']);
    expect(r.status, r.stderr).toBe(0);
    const th = JSON.parse(readFileSync(path.join(out, 'thickness', 'thickness.json'), 'utf8'));
    expect(th.map.valid_columns).toBe(32 * 32);
    const map = (await loadVolume(path.join(out, 'thickness', 'thickness_um.tif'))).data;
    let finiteOutside = 0;
    for (let y = 0; y < 48; y++) for (let x = 0; x < 48; x++) if (!inside(y, x) && Number.isFinite(map[y * 48 + x])) finiteOutside++;
    expect(finiteOutside).toBe(0);
    const wrong = cli(['segment', scan, '--mask', scan, '-o', path.join(dir, 'never2')]);
    expect(wrong.status).toBe(2);
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
    expect(wrong.stderr).toContain(`buried: ${scan}: mask must be one slice`);
    expect(existsSync(path.join(dir, 'never2'))).toBe(false);
  }, 120_000);
});
