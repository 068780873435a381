/**
 * Issue #22: two `buried run` on the same output folder at once interleaved silently. The run folder
 * is now locked: a second run exits 2 naming the first one's pid and writes nothing; a lock left by
 * a process that no longer runs (killed) is taken over.
 */
import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cli, REPO, tempDir } from '../helpers.js';
import { makeFixture, RUN_BIN } from '../run/helpers.js';

const LOCK = '.buried-run.lock';

describe('buried run: one run per output folder', () => {
  it('a second run on a folder in use exits 2 naming the pid of the first, writes nothing, and the first completes', async () => {
    const fx = await makeFixture([48, 48, 48], 5);
    const out = path.join(tempDir('buried-lock-'), 'run');
    // run A: stopped (SIGSTOP) as soon as it starts its first stage, so B surely runs while A holds the folder
    const a = spawn(process.execPath, [RUN_BIN, 'run', fx.scan, '-o', out, '--config', fx.config, '--until', 'segment'], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    let aErr = '';
    const exited = new Promise<number | null>((resolve) => a.on('exit', (code) => resolve(code)));
    await new Promise<void>((resolve) => {
      a.stderr.on('data', (d: Buffer) => {
        aErr += d.toString();
        if (/stage 1\/\d+: segment/.test(aErr) && !a.killed) {
          a.kill('SIGSTOP');
          resolve();
        }
      });
    });
    a.stdout.resume();
    try {
      expect(existsSync(path.join(out, LOCK))).toBe(true);
      const before = readdirSync(out).sort();
      const b = cli(['run', fx.scan, '-o', out, '--config', fx.config, '--until', 'segment']);
      expect(b.status).toBe(2);
      const lines = b.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(out);
      expect(lines[0]).toContain(`in use by pid ${a.pid}`);
      // B wrote nothing into A's folder
      expect(readdirSync(out).sort()).toEqual(before);
    } finally {
      a.kill('SIGCONT');
    }
    expect(await exited, aErr).toBe(0);
    // A released the folder; the next run goes on (its stage is up to date)
    expect(existsSync(path.join(out, LOCK))).toBe(false);
    const again = cli(['run', fx.scan, '-o', out, '--config', fx.config, '--until', 'segment', '--json']);
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).stages.map((s: { status: string }) => s.status)).toEqual(['skipped']);
  }, 120_000);

  it('a lock left by a process that no longer runs is taken over', async () => {
    const fx = await makeFixture([48, 48, 48], 6);
    const out = path.join(tempDir('buried-lock-'), 'run');
    // a pid that surely is not running: a process that has exited (pids are not reused this fast)
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const deadPid = Number(dead.stdout);
    expect(deadPid).toBeGreaterThan(0);
    expect(() => process.kill(deadPid, 0)).toThrow();
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, LOCK), `${deadPid}\n`);
    const r = cli(['run', fx.scan, '-o', out, '--config', fx.config, '--until', 'segment', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('in use');
    expect(JSON.parse(r.stdout).stages.map((s: { stage: string; status: string }) => `${s.stage}:${s.status}`)).toEqual(['segment:ran']);
    expect(existsSync(path.join(out, 'segment', 'labels.tif'))).toBe(true);
    expect(existsSync(path.join(out, LOCK))).toBe(false);
  }, 120_000);
});
