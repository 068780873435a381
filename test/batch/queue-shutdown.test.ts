/**
 * SIGTERM to a busy `buried worker` (a real redis-server on 127.0.0.1, real worker processes):
 *   - once: the worker takes no new scan, finishes the one it runs, and exits 0; the scan is done
 *     on its first attempt by that worker;
 *   - twice: the worker stops its scan now and exits 0; the job goes back to the queue without a
 *     failed attempt and without waiting for its lock to expire, the half-run folder claims nothing
 *     (no manifest, no record of the interrupted stage) and the next worker resumes it: the stages
 *     finished before are skipped, the interrupted one is computed again.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { requireAvailable, tempDir } from '../helpers.js';
import { afterFile, attemptHeaders, bounded, cliAsync, freePort, kill, makeScans, noRedis, queueEventLog, readJson, STAGES, startRedis, startWorker, walk } from './helpers.js';

const { cleanup, dirs } = afterFile();

const STAGES = ['segment', 'thickness', 'pores', 'strip', 'current', 'fem', 'report'];
/** Where each stage keeps its record (.stage.json: what a later run trusts). */
const RECORD_DIRS = ['segment', 'thickness', 'pores', 'strip', 'current', 'fem', 'figures'];

describe(`buried worker on SIGTERM`, () => {
  beforeEach((ctx) => requireAvailable(ctx, noRedis));
  it('once: finishes its scan and exits 0; twice: stops now, hands the scan back, and the next worker resumes it', async () => {
    const fx = await makeScans([
      { label: 'one', preset: 'plated', seed: 71 },
      { label: 'two', preset: 'foil', seed: 72 },
    ]);
    dirs.push(fx.dir);
    const port = await freePort();
    const redis = await startRedis(port);
    cleanup.push(kill(redis, 'SIGTERM'));
    const url = `redis://127.0.0.1:${port}`;
    const queueName = `sigterm-${process.pid}`;
    // a lock far longer than the test: a job handed back must not wait for it to expire
    const common = ['--queue', url, '--queue-name', queueName, '--lock-ms', '600000', '--stalled-ms', '1000'];
    const w1 = startWorker([...common, '--name', 'W1']);
    cleanup.push(kill(w1.child));
    await w1.ready;
    const out = path.join(tempDir('buried-queue-sigterm-'), 'batch');
    dirs.push(path.dirname(out));
    const batch = cliAsync(['batch', ...fx.scans, '-o', out, '--config', fx.config, '--queue', url, '--queue-name', queueName, '--json']);
    cleanup.push(kill(batch.child));
    const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
    cleanup.push(() => client.disconnect());

    // SIGTERM once while W1 computes its first scan: it finishes that one, takes no other, exits 0
    const [, firstId, firstName] = await w1.until(/^job (\S+) (\S+): stage 2\/\d+: thickness$/m);
    w1.child.kill('SIGTERM');
    await w1.until(/SIGTERM: taking no new scans; finishing 1 running/);
    expect(await bounded(w1.exited, 120_000, 'W1 did not exit after SIGTERM')).toEqual({ code: 0, signal: null });
    expect(w1.out()).toMatch(new RegExp(`^job ${firstId} ${firstName}: done in `, 'm'));
    expect(w1.out().match(/^job \S+ \S+: started/gm)).toHaveLength(1);
    const first = await client.hgetall(`bull:${queueName}:${firstId}`);
    expect([first.finishedOn !== undefined, first.pb, Number(first.ats), first.failedReason ?? '']).toEqual([true, 'W1', 1, '']);
    expect(readJson(path.join(out, firstName, 'manifest.json')).stages.map((s: { status: string }) => s.status)).toEqual(STAGES.map(() => 'ran'));

    // the other scan: W2 starts it; SIGTERM twice in its third stage stops it now
    const w2 = startWorker([...common, '--name', 'W2']);
    cleanup.push(kill(w2.child));
    const [, secondId, secondName] = await w2.until(/^job (\S+) (\S+): stage \d\/\d+: strip$/m);
    expect(secondName).not.toBe(firstName);
    w2.child.kill('SIGTERM');
    await w2.until(/SIGTERM: taking no new scans/);
    w2.child.kill('SIGTERM');
    expect(await bounded(w2.exited, 60_000, 'W2 did not exit after a second SIGTERM')).toEqual({ code: 0, signal: null });
    expect(w2.out()).toMatch(/SIGTERM: stopping the running scans; they go back to the queue/);
    // handed back at once: waiting again (delayed by a moment), no attempt counted as failed, not stalled
    const handed = await client.hgetall(`bull:${queueName}:${secondId}`);
    expect([Number(handed.ats), Number(handed.atm ?? 0), Number(handed.stc ?? 0), handed.failedReason ?? '']).toEqual([1, 0, 0, '']);
    const inQueue = [...(await client.zrange(`bull:${queueName}:delayed`, '0', '-1')), ...(await client.lrange(`bull:${queueName}:wait`, 0, -1))];
    expect(inQueue).toEqual([secondId]);
    expect(await client.lrange(`bull:${queueName}:active`, 0, -1)).toEqual([]);
    // the stage it was in (strip, unless strip finished between the two signals)
    const finished = [...w2.out().matchAll(/^job \S+ \S+: stage \d\/\d+: (\w+) done in /gm)].map((x) => x[1]);
    expect(finished).toEqual(STAGES.slice(0, finished.length));
    expect(finished.length).toBeGreaterThanOrEqual(2);
    expect(finished.length).toBeLessThan(6);
    // the half-run folder claims nothing: no manifest, no record of the interrupted stage, nothing half-written
    const dir = path.join(out, secondName);
    expect(existsSync(path.join(dir, 'manifest.json'))).toBe(false);
    const files = walk(dir);
    for (let i = 0; i < finished.length; i++) expect(files).toContain(`${RECORD_DIRS[i]}/.stage.json`);
    expect(files).not.toContain(`${RECORD_DIRS[finished.length]}/.stage.json`);
    expect(files.filter((f) => f.endsWith('.partial'))).toEqual([]);

    // W3 resumes it from the interrupted stage; the batch ends with both scans done
    const w3 = startWorker([...common, '--name', 'W3']);
    cleanup.push(kill(w3.child));
    const r = await bounded(batch.done, 120_000, 'the batch did not end');
    expect(r.status, `${r.stderr}\n--- W3:\n${w3.out()}`).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(Object.fromEntries(res.scans.map((s: { name: string; status: string; worker: string }) => [s.name, [s.status, s.worker]]))).toEqual({
      [firstName]: ['ok', 'W1'],
      [secondName]: ['ok', 'W3'],
    });
    const m = readJson(path.join(dir, 'manifest.json'));
    expect(m.stages.map((s: { stage: string; status: string }) => `${s.stage}:${s.status}`)).toEqual(STAGES.map((st, i) => `${st}:${i < finished.length ? 'skipped' : 'ran'}`));
    expect(attemptHeaders(dir)).toHaveLength(2);
    const events = await queueEventLog(client, queueName);
    for (const id of [firstId, secondId]) {
      expect(events.filter((e) => e.jobId === id && e.event === 'completed'), id).toHaveLength(1);
      expect(events.filter((e) => e.jobId === id && (e.event === 'failed' || e.event === 'stalled')), id).toEqual([]);
    }
    expect(walk(out).filter((f) => f.endsWith('.partial'))).toEqual([]);
    w3.child.kill('SIGTERM');
    expect(await bounded(w3.exited, 60_000, 'idle W3 did not exit after SIGTERM')).toEqual({ code: 0, signal: null });
  }, 240_000);
});
