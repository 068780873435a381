import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers.js';
import { loadVolume } from '../../src/io/open.js';
import { makeFixture, readJson, runAndKill, runCli, walk } from './helpers.js';

describe('buried run: killed with SIGKILL mid-stage', () => {
  it('leaves complete stages intact, no half-written file, and a re-run completes from where it stopped', async () => {
    const fx = await makeFixture([96, 64, 64], 12);
    const out = path.join(tempDir('buried-kill-'), 'run');
    // kill while the strip stage computes its current-aware replay (its files come after)
    const k = await runAndKill(['run', fx.scan, '-o', out, '--config', fx.config, '--workers', '2'], /strip: current-aware: \d+%/);
    expect(k.killed, k.stderr).toBe(true);
    expect(k.signal).toBe('SIGKILL');

    const files = walk(out);
    expect(files.filter((f) => f.endsWith('.partial'))).toEqual([]);
    // finished stages have their record; the killed one and the later ones do not
    expect(files).toContain('segment/.stage.json');
    expect(files).toContain('thickness/.stage.json');
    for (const s of ['strip', 'current', 'fem', 'figures']) expect(files, s).not.toContain(`${s}/.stage.json`);
    expect(files).not.toContain('report.html');
    // every file a record lists is there, whole (TIFFs read back, JSON parses)
    for (const s of ['segment', 'thickness']) {
      const rec = readJson(path.join(out, s, '.stage.json'));
      for (const rel of Object.keys(rec.outputs)) {
        const p = path.join(out, s, rel);
        expect(existsSync(p), p).toBe(true);
        if (p.endsWith('.json')) expect(() => JSON.parse(readFileSync(p, 'utf8'))).not.toThrow();
        if (p.endsWith('.tif')) await expect(loadVolume(p)).resolves.toBeTruthy();
      }
    }

    // a temporary file of a dead writer (as a kill during a write would leave) is cleaned up on resume
    mkdirSync(path.join(out, 'strip'), { recursive: true });
    const stale = path.join(out, 'strip', '.stripping.csv.999999.0badc0de.partial');
    writeFileSync(stale, 'half');

    const r = runCli(['run', fx.scan, '-o', out, '--config', fx.config, '--workers', '2', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const st = JSON.parse(r.stdout).stages as { stage: string; status: string }[];
    expect(st.map((s) => `${s.stage}:${s.status}`)).toEqual(['segment:skipped', 'thickness:skipped', 'pores:skipped', 'strip:ran', 'current:ran', 'fem:ran', 'report:ran']);
    expect(existsSync(stale)).toBe(false);
    expect(walk(out).filter((f) => f.endsWith('.partial'))).toEqual([]);
    expect(existsSync(path.join(out, 'report.html'))).toBe(true);
  });
});
