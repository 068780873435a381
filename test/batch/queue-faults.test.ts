/**
 * `buried batch` when things go wrong, with a real Redis server (Debian's redis-server) on
 * 127.0.0.1 and real `buried worker` processes:
 *   - a scan that fails every attempt uses exactly the configured attempts and is recorded failed
 *     (JSON, summary.csv, batch.json, BullMQ's records) with exit 1; bad input is not retried (exit 2);
 *     the same on this machine without the queue (exit 1);
 *   - the queue's Redis server killed in the middle of a batch: the batch neither hangs nor claims
 *     success — one line naming the server, exit 1, no summary — and the scans finished before stay
 *     valid: with a new server, the same command completes and trusts them (every stage skipped).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { REPO, requireAvailable, tempDir } from '../helpers.js';
import { afterFile, attemptHeaders, bounded, cli, cliAsync, freePort, kill, makeScans, noRedis, parseCsv, readJson, STAGES, startRedis, startWorker, steadySummary, walk } from './helpers.js';

const { cleanup, dirs } = afterFile();

describe(`buried batch --queue when scans fail and when Redis goes away`, () => {
  beforeEach((ctx) => requireAvailable(ctx, noRedis));
  it('a scan that fails every attempt uses exactly --attempts and is recorded failed, exit 1; bad input fails at once, exit 2; locally exit 1', async () => {
    const fx = await makeScans([{ label: 'cell', preset: 'plated', seed: 41 }]);
    dirs.push(fx.dir);
    const port = await freePort();
    const redis = await startRedis(port);
    cleanup.push(kill(redis, 'SIGTERM'));
    const url = `redis://127.0.0.1:${port}`;
    const queueName = `faults-${process.pid}`;
    const worker = startWorker(['--queue', url, '--queue-name', queueName, '--name', 'W']);
    cleanup.push(kill(worker.child));
    await worker.ready;
    const root = tempDir('buried-queue-faults-');
    dirs.push(root);

    // every attempt times out (50 ms: the run process is killed before it has read the scan); 2 attempts, not the default 3
    const out = path.join(root, 'timeout');
    const r = cliAsync(['batch', fx.scans[0], '-o', out, '--config', fx.config, '--queue', url, '--queue-name', queueName, '--timeout', '0.05', '--attempts', '2', '--backoff', '50', '--json']);
    cleanup.push(kill(r.child));
    const res = await r.done;
    expect(res.status, res.stderr).toBe(1);
    const scan = JSON.parse(res.stdout).scans[0];
    expect(scan).toMatchObject({ name: 'scan', status: 'failed', attempts: 2, worker: 'W' });
    expect(scan.error).toMatch(/^timed out after 0\.05 s/);
    expect(res.stderr).toMatch(/^\[1\/1\] scan: FAILED after 2 attempts: timed out/m);
    const row = parseCsv(readFileSync(path.join(out, 'summary.csv'), 'utf8'));
    expect(row.map((x) => [x.name, x.status, x.attempts])).toEqual([['scan', 'failed', '2']]);
    expect(row[0].error).toMatch(/timed out/);
    expect(readJson(path.join(out, 'batch.json')).scans.map((s: { status: string; attempts: number }) => [s.status, s.attempts])).toEqual([['failed', 2]]);
    // BullMQ's records: two attempts started and made, the job in the failed set, one final failure
    const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
    cleanup.push(() => client.disconnect());
    const job = await client.hgetall(`bull:${queueName}:${scan.job_id}`);
    expect([Number(job.ats), Number(job.atm)]).toEqual([2, 2]);
    expect(job.failedReason).toMatch(/timed out/);
    expect(await client.zrange(`bull:${queueName}:failed`, '0', '-1')).toEqual([scan.job_id]);
    expect(attemptHeaders(path.join(out, 'scan'))).toHaveLength(2);
    // nothing in the run folder claims a finished run
    expect(existsSync(path.join(out, 'scan', 'manifest.json'))).toBe(false);

    // bad input is not worth retrying: one attempt although 3 are allowed, exit 2
    const bad = path.join(fx.dir, 'broken.tif');
    copyFileSync(path.join(REPO, 'test', 'fixtures', 'bad', 'truncated.tif'), bad);
    const outBad = path.join(root, 'bad');
    const b = cliAsync(['batch', bad, '-o', outBad, '--config', fx.config, '--queue', url, '--queue-name', queueName, '--attempts', '3', '--backoff', '50', '--json']);
    cleanup.push(kill(b.child));
    const resBad = await b.done;
    expect(resBad.status, resBad.stderr).toBe(2);
    const badScan = JSON.parse(resBad.stdout).scans[0];
    expect(badScan).toMatchObject({ name: 'broken', status: 'failed', attempts: 1 });
    expect(badScan.error).toMatch(/broken\.tif.*truncated/);
    expect(Number((await client.hgetall(`bull:${queueName}:${badScan.job_id}`)).atm)).toBe(1);

    // without the queue: one attempt, recorded failed, exit 1 (a timeout is not bad input)
    const outLocal = path.join(root, 'local');
    const l = cli(['batch', fx.scans[0], '-o', outLocal, '--config', fx.config, '--timeout', '0.05', '--json']);
    expect(l.status, l.stderr).toBe(1);
    expect(JSON.parse(l.stdout).scans.map((s: { status: string; attempts: number }) => [s.status, s.attempts])).toEqual([['failed', 1]]);
    expect(parseCsv(readFileSync(path.join(outLocal, 'summary.csv'), 'utf8')).map((x) => x.status)).toEqual(['failed']);
  }, 120_000);

  it('Redis killed mid-batch: the batch ends (no hang) with one line and exit 1, no summary; the finished scan stays valid and a rerun trusts it', async () => {
    const fx = await makeScans([
      { label: 'a', preset: 'plated', seed: 51 },
      { label: 'b', preset: 'foil', seed: 52 },
    ]);
    dirs.push(fx.dir);
    const port = await freePort();
    const redis = await startRedis(port);
    cleanup.push(kill(redis, 'SIGTERM'));
    const url = `redis://127.0.0.1:${port}`;
    const queueName = `lost-${process.pid}`;
    const worker = startWorker(['--queue', url, '--queue-name', queueName, '--name', 'W']);
    cleanup.push(kill(worker.child));
    await worker.ready;
    const out = path.join(tempDir('buried-queue-lost-'), 'batch');
    dirs.push(path.dirname(out));
    const args = ['batch', ...fx.scans, '-o', out, '--config', fx.config, '--queue', url, '--queue-name', queueName, '--queue-timeout', '2', '--json'];
    const batch = cliAsync(args);
    cleanup.push(kill(batch.child));

    // the first scan done, the second one queued or running: the server goes away
    await batch.until(/^\[1\/2\] (\S+): done/m);
    const first = /^\[1\/2\] (\S+): done/m.exec(batch.stderr())![1];
    const firstDir = path.join(out, first);
    const before = new Map(walk(firstDir).map((f) => [f, readFileSync(path.join(firstDir, f))]));
    redis.kill('SIGKILL');
    const r = await bounded(batch.done, 60_000, 'the batch did not end after its Redis server was killed');
    expect(r.status, r.stderr).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    const errors = lines.filter((x) => x.startsWith('buried: '));
    expect(errors, r.stderr).toHaveLength(1);
    expect(lines.at(-1)).toBe(errors[0]);
    expect(errors[0]).toMatch(new RegExp(`^buried: lost the queue's Redis server at redis://127\\.0\\.0\\.1:${port}: no answer for 2 s .*1 of 2 scans had finished`));
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    // no summary claims anything; the finished scan's run folder is complete and untouched
    for (const f of ['summary.csv', 'summary.html', 'batch.json']) expect(existsSync(path.join(out, f)), f).toBe(false);
    expect(readJson(path.join(firstDir, 'manifest.json')).stages.map((s: { stage: string }) => s.stage)).toEqual(STAGES);

    // a new server on the same port: the worker reconnects; the same command finishes and trusts the finished scan
    const redis2 = await startRedis(port);
    cleanup.push(kill(redis2, 'SIGTERM'));
    const again = cliAsync(args);
    cleanup.push(kill(again.child));
    const r2 = await again.done;
    expect(r2.status, `${r2.stderr}\n--- worker:\n${worker.out()}`).toBe(0);
    expect(JSON.parse(r2.stdout).scans.map((s: { status: string }) => s.status)).toEqual(['ok', 'ok']);
    const m = readJson(path.join(firstDir, 'manifest.json'));
    expect(m.stages.map((s: { status: string }) => s.status)).toEqual(STAGES.map(() => 'skipped'));
    // run.log and the manifest record this run; summary.csv is written again with its wall time
    for (const [f, bytes] of before) {
      if (f === 'run.log' || f === 'manifest.json' || f === '.buried-outputs.json') continue;
      if (f === 'summary.csv') expect(steadySummary(path.join(firstDir, f)), f).toEqual(steadySummary(bytes.toString('utf8'), true));
      else expect(readFileSync(path.join(firstDir, f)).equals(bytes), f).toBe(true);
    }
    expect(parseCsv(readFileSync(path.join(out, 'summary.csv'), 'utf8')).map((x) => x.status)).toEqual(['ok', 'ok']);
    expect(walk(out).filter((f) => f.endsWith('.partial'))).toEqual([]);
  }, 120_000);
});
