/**
 * Issue #22: `buried segment scan.tif -o .` beside a labels.tif from another tool replaced it. A file
 * of an output's name that buried did not write there (its ledger .buried-outputs.json says which it
 * wrote, with size and modification time) is now kept, with exit 2 and one line, unless --force.
 */
import { describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cli, tempDir } from '../helpers.js';
import { makeFixture } from '../run/helpers.js';
import { loadVolume } from '../../src/io/open.js';

const FOREIGN = 'labels of another tool (Weka), not a TIFF of buried\n';

describe('output folders: files buried did not write are not replaced without --force', () => {
  it('segment -o . beside another tool\'s labels.tif: exit 2, the file kept; --force replaces it; a re-run replaces its own files', async () => {
    const fx = await makeFixture([32, 40, 40], 3);
    const labels = path.join(fx.dir, 'labels.tif');
    writeFileSync(labels, FOREIGN);

    const r = cli(['segment', 'scan.tif', '-o', '.'], { cwd: fx.dir });
    expect(r.status).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^buried: \.: labels\.tif exists and was not written by buried .*--force/);
    expect(readFileSync(labels, 'utf8')).toBe(FOREIGN);
    expect(existsSync(path.join(fx.dir, 'segment.json'))).toBe(false);

    const forced = cli(['segment', 'scan.tif', '-o', '.', '--force'], { cwd: fx.dir });
    expect(forced.status, forced.stderr).toBe(0);
    expect((await loadVolume(labels)).shape).toEqual([32, 40, 40]);

    // buried's own outputs (in its ledger) are replaced without --force
    const again = cli(['segment', 'scan.tif', '-o', '.'], { cwd: fx.dir });
    expect(again.status, again.stderr).toBe(0);

    // ... until another tool rewrites one of them
    writeFileSync(path.join(fx.dir, 'segment.json'), '{"tool": "someone else"}\n');
    const changed = cli(['segment', 'scan.tif', '-o', '.'], { cwd: fx.dir });
    expect(changed.status).toBe(2);
    expect(changed.stderr).toContain('segment.json exists and was not written by buried');
    expect(readFileSync(path.join(fx.dir, 'segment.json'), 'utf8')).toBe('{"tool": "someone else"}\n');
  }, 60_000);

  it('synth then segment into the same folder: synth\'s labels.tif is buried\'s own and is replaced', () => {
    const dir = path.join(tempDir('buried-own-'), 'demo');
    const s = cli(['synth', dir, '--shape', '32,40,40', '--seed', '2']);
    expect(s.status, s.stderr).toBe(0);
    const before = readFileSync(path.join(dir, 'labels.tif'));
    const r = cli(['segment', path.join(dir, 'scan.tif'), '-o', dir, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(path.join(dir, 'labels.tif')).equals(before)).toBe(false);
  }, 60_000);

  it('fem contact -o a folder holding another contact.csv: exit 2, kept; --force replaces it', () => {
    const out = tempDir('buried-own-');
    writeFileSync(path.join(out, 'contact.csv'), 'x,y\n1,2\n');
    const args = ['fem', 'contact', '--wavy', '0.5,20', '--pressure', '5', '--li', 'elastic', '--nx', '16', '--ny', '2', '-o', out];
    const r = cli(args);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`buried: ${out}: contact.csv exists and was not written by buried (another tool's?); not replaced: choose another output folder, or give --force to replace it`);
    expect(readFileSync(path.join(out, 'contact.csv'), 'utf8')).toBe('x,y\n1,2\n');
    expect(existsSync(path.join(out, 'contact.json'))).toBe(false);
    const forced = cli([...args, '--force']);
    expect(forced.status, forced.stderr).toBe(0);
    expect(readFileSync(path.join(out, 'contact.csv'), 'utf8')).not.toBe('x,y\n1,2\n');
  });

  it('run into a folder that is not a run folder but holds report.html: exit 2, nothing written; --force writes', async () => {
    const fx = await makeFixture([32, 40, 40], 4);
    const out = path.join(tempDir('buried-own-'), 'paper');
    mkdirSync(out);
    writeFileSync(path.join(out, 'report.html'), '<p>my own notes</p>\n');
    copyFileSync(fx.scan, path.join(out, 'scan.tif'));
    const r = cli(['run', fx.scan, '-o', out, '--config', fx.config, '--until', 'segment']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`${out}: not a run folder of buried, and report.html would be replaced`);
    expect(existsSync(path.join(out, 'segment'))).toBe(false);
    expect(existsSync(path.join(out, 'manifest.json'))).toBe(false);

    const forced = cli(['run', fx.scan, '-o', out, '--config', fx.config, '--until', 'segment', '--force']);
    expect(forced.status, forced.stderr).toBe(0);
    expect(existsSync(path.join(out, 'segment', 'labels.tif'))).toBe(true);
    // from now on it is a run folder: the next run goes on without --force
    const again = cli(['run', fx.scan, '-o', out, '--config', fx.config, '--until', 'segment']);
    expect(again.status, again.stderr).toBe(0);
  }, 90_000);
});
