import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, REPO, tempDir } from '../helpers.js';

/**
 * `buried run --memory` below what the sample needs in memory: segment and thickness stream through
 * scratch files, and every output equals the in-memory run's byte for byte.
 */
describe('buried run with a memory budget the scan does not fit', () => {
  const scan = path.join(REPO, 'data', 'sample', 'scan.tif');
  const dir = tempDir('buried-run-ooc-');

  it('streams segment and thickness, reports it, and writes the same files as in memory', () => {
    const mem = cli(['run', scan, '-o', path.join(dir, 'mem'), '--until', 'strip', '--quiet']);
    expect(mem.status, mem.stderr).toBe(0);
    const ooc = cli(['run', scan, '-o', path.join(dir, 'ooc'), '--until', 'strip', '--memory', '64M']);
    expect(ooc.status, ooc.stderr).toBe(0);
    expect(ooc.stderr).toMatch(/segment: the scan .* does not fit the memory budget/);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'ooc', 'manifest.json'), 'utf8'));
    expect(manifest.memory.streamed_stages).toEqual(['segment', 'thickness', 'pores']);
    expect(manifest.memory.budget_bytes).toBe(64 * 2 ** 20);
    expect(manifest.memory.peak_rss_bytes).toBeGreaterThan(0);
    const memManifest = JSON.parse(readFileSync(path.join(dir, 'mem', 'manifest.json'), 'utf8'));
    expect(memManifest.memory.streamed_stages).toEqual([]);
    const record = JSON.parse(readFileSync(path.join(dir, 'ooc', 'segment', '.stage.json'), 'utf8'));
    expect(record.memory).toEqual({ budget_bytes: 64 * 2 ** 20, streamed: true });
    for (const f of ['segment/labels.tif', 'thickness/thickness_um.tif', 'thickness/contact.tif', 'thickness/surface_height_um.tif', 'strip/stripping.csv', 'strip/stripping_current.csv']) {
      expect(readFileSync(path.join(dir, 'ooc', f)).equals(readFileSync(path.join(dir, 'mem', f))), f).toBe(true);
    }
    const seg = JSON.parse(readFileSync(path.join(dir, 'ooc', 'segment', 'segment.json'), 'utf8'));
    expect(seg.memory.out_of_core).toBe(true);
    expect(seg.memory.slab_slices).toBeGreaterThan(0);
    expect(seg.memory.max_window_voxels).toBeLessThan(seg.shape[0] * seg.shape[1] * seg.shape[2]);
  }, 180_000);

  it('buried segment --memory: same labels file as in memory, memory block in the JSON', () => {
    const a = cli(['segment', scan, '-o', path.join(dir, 'seg-mem')]);
    const b = cli(['segment', scan, '-o', path.join(dir, 'seg-ooc'), '--memory', '64M']);
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    expect(readFileSync(path.join(dir, 'seg-ooc', 'labels.tif')).equals(readFileSync(path.join(dir, 'seg-mem', 'labels.tif')))).toBe(true);
    const ja = JSON.parse(readFileSync(path.join(dir, 'seg-mem', 'segment.json'), 'utf8'));
    const jb = JSON.parse(readFileSync(path.join(dir, 'seg-ooc', 'segment.json'), 'utf8'));
    expect(ja.memory.out_of_core).toBe(false);
    expect(jb.memory.out_of_core).toBe(true);
    expect(jb.memory.budget_bytes).toBe(64 * 2 ** 20);
    // high-water RSS after each step: every step, never falling, the last one the process's peak so far
    const steps = jb.memory.peak_rss_mib_after_step as Record<string, number>;
    expect(Object.keys(steps)).toEqual(['prepare', 'noise_estimate', 'denoise', 'histogram', 'classify', 'components', 'low_components', 'fringe_profile', 'void_li', 'undecided', 'pores', 'refine', 'pore_dips', 'cleanup']);
    const peaks = Object.values(steps);
    for (let k = 1; k < peaks.length; k++) expect(peaks[k]).toBeGreaterThanOrEqual(peaks[k - 1]);
    expect(peaks[0]).toBeGreaterThan(30);
    expect(peaks[peaks.length - 1]).toBeLessThanOrEqual(Math.ceil(jb.memory.peak_rss_bytes / 2 ** 20) + 1);
    expect(jb.thresholds).toEqual(ja.thresholds);
    expect(jb.phase_fractions).toEqual(ja.phase_fractions);
  }, 120_000);
});
