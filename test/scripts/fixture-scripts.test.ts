/**
 * The fixture scripts run where ../shared/data is absent (a checkout without the shared folder):
 * make_tiff_fixtures.py keeps the committed hashes of the real files instead of deleting them, and
 * refuses (exit 2, nothing written) when it has no hash to keep; make_skimage_fixtures.py refuses
 * instead of writing a reference without the real scans. Each script runs from a copy of its part
 * of the repository in a temporary folder, so the committed fixtures are never touched.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PYTHON, REPO, missingPython, requireAvailable, tempDir } from '../helpers.js';

/** A copy of scripts/fixtures/<script> and test/fixtures/<folder> in a folder with no ../shared beside it. */
function copyWithoutShared(script: string, folder: string): { repo: string; fixtures: string; run: () => { status: number | null; stdout: string; stderr: string } } {
  const repo = path.join(tempDir('buried-fixture-script-'), 'repo');
  mkdirSync(path.join(repo, 'scripts', 'fixtures'), { recursive: true });
  cpSync(path.join(REPO, 'scripts', 'fixtures', script), path.join(repo, 'scripts', 'fixtures', script));
  const fixtures = path.join(repo, 'test', 'fixtures', folder);
  cpSync(path.join(REPO, 'test', 'fixtures', folder), fixtures, { recursive: true });
  const run = () => {
    const r = spawnSync(PYTHON, [path.join(repo, 'scripts', 'fixtures', script)], { encoding: 'utf8', maxBuffer: 1 << 24 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  return { repo, fixtures, run };
}

/** file → bytes of every file under dir. */
function snapshot(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

describe('fixture scripts without ../shared/data', () => {
  it('make_tiff_fixtures.py keeps every committed hash of the real files; with one missing it refuses and writes nothing', (ctx) => {
    requireAvailable(ctx, missingPython('numpy', 'tifffile'));
    const committed = readFileSync(path.join(REPO, 'test', 'fixtures', 'tiff', 'shared-data-hashes.json'));
    const { fixtures, run } = copyWithoutShared('make_tiff_fixtures.py', 'tiff');
    const hashes = path.join(fixtures, 'shared-data-hashes.json');

    const r = run();
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(hashes).equals(committed)).toBe(true);
    const entries = Object.keys(JSON.parse(committed.toString('utf8')) as Record<string, unknown>);
    expect(entries).toHaveLength(6);
    for (const rel of entries) expect(r.stdout).toContain(`keeping the committed hash of ${rel}`);

    // no hash to keep for one file: exit 2, one line naming it, every fixture file as it was
    const partial = JSON.parse(committed.toString('utf8')) as Record<string, unknown>;
    delete partial['puma/small_weave.tif'];
    writeFileSync(hashes, JSON.stringify(partial));
    const before = snapshot(fixtures);
    const mtime = statSync(path.join(fixtures, 'u8.tif')).mtimeMs;
    const refused = run();
    expect(refused.status).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/puma\/small_weave\.tif is absent .*no entry for it.*nothing written/);
    expect(snapshot(fixtures)).toEqual(before);
    expect(statSync(path.join(fixtures, 'u8.tif')).mtimeMs).toBe(mtime);
  });

  it('make_skimage_fixtures.py refuses (exit 2, one line naming the scans) and leaves the reference as it is', (ctx) => {
    requireAvailable(ctx, missingPython('numpy', 'tifffile', 'skimage'));
    const { fixtures, run } = copyWithoutShared('make_skimage_fixtures.py', 'skimage');
    const before = snapshot(fixtures);
    expect([...before.keys()].sort()).toEqual(['multiotsu.json', 'synthetic_uint16.tif']);
    const r = run();
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/100_fiberform\.tif, .*small_weave\.tif absent/);
    expect(snapshot(fixtures)).toEqual(before);
  });
});
