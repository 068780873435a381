/**
 * Several `buried batch --queue` on one queue (a real redis-server on 127.0.0.1, one real worker):
 * the same scans submitted twice at once into the same folder are one set of jobs, each run once
 * (BullMQ's records and each run folder's log say so), and a third submission afterwards runs
 * nothing; a batch of one of these scans into another folder has its own job and its own results.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { requireAvailable, tempDir } from '../helpers.js';
import { afterFile, attemptHeaders, cliAsync, freePort, kill, makeScans, noRedis, parseCsv, queueEventLog, readJson, STAGES, startRedis, startWorker, walk } from './helpers.js';

const { cleanup, dirs } = afterFile();

interface BatchJson {
  out: string;
  scans: { name: string; out: string; status: string; job_id: string; attempts: number }[];
}

describe(`two batches on one queue`, () => {
  beforeEach((ctx) => requireAvailable(ctx, noRedis));
  it('the same scans submitted twice run once and agree; another output folder gets its own jobs and results', async () => {
    const fx = await makeScans([
      { label: 'p', preset: 'plated', seed: 61 },
      { label: 'f', preset: 'foil', seed: 62 },
    ]);
    dirs.push(fx.dir);
    const port = await freePort();
    const redis = await startRedis(port);
    cleanup.push(kill(redis, 'SIGTERM'));
    const url = `redis://127.0.0.1:${port}`;
    const queueName = `dedupe-${process.pid}`;
    const worker = startWorker(['--queue', url, '--queue-name', queueName, '--name', 'W', '--concurrency', '2']);
    cleanup.push(kill(worker.child));
    await worker.ready;
    const root = tempDir('buried-queue-dedupe-');
    dirs.push(root);
    const one = path.join(root, 'one');
    const two = path.join(root, 'two');
    const batch = (out: string, scans = fx.scans) => {
      const b = cliAsync(['batch', ...scans, '-o', out, '--config', fx.config, '--queue', url, '--queue-name', queueName, '--json']);
      cleanup.push(kill(b.child));
      return b;
    };

    // the same batch twice at once, and the first scan into another folder
    const [a, a2, c] = await Promise.all([batch(one).done, batch(one).done, batch(two, fx.scans.slice(0, 1)).done]);
    for (const r of [a, a2, c]) expect(r.status, r.stderr).toBe(0);
    const ja = JSON.parse(a.stdout) as BatchJson;
    const ja2 = JSON.parse(a2.stdout) as BatchJson;
    const jc = JSON.parse(c.stdout) as BatchJson;
    const names = ['p_scan', 'f_scan'];
    expect(ja.scans.map((s) => [s.name, s.status])).toEqual(names.map((n) => [n, 'ok']));
    expect(ja2.scans.map((s) => s.job_id)).toEqual(ja.scans.map((s) => s.job_id));
    // alone in its batch, the scan's folder is named by its file stem
    expect(jc.scans.map((s) => [s.name, s.status])).toEqual([['scan', 'ok']]);
    const idsOne = ja.scans.map((s) => s.job_id);
    const idsTwo = jc.scans.map((s) => s.job_id);
    expect(new Set([...idsOne, ...idsTwo]).size).toBe(3);
    expect(ja.scans.map((s) => s.out)).toEqual(names.map((n) => path.join(one, n)));
    expect(jc.scans.map((s) => s.out)).toEqual([path.join(two, 'scan')]);

    // BullMQ: three jobs, each run once and completed on its first attempt
    const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
    cleanup.push(() => client.disconnect());
    const events = await queueEventLog(client, queueName);
    for (const id of [...idsOne, ...idsTwo]) {
      expect(events.filter((e) => e.jobId === id && e.event === 'completed'), id).toHaveLength(1);
      expect(events.filter((e) => e.jobId === id && e.event === 'active'), id).toHaveLength(1);
      expect(Number((await client.hgetall(`bull:${queueName}:${id}`)).ats), id).toBe(1);
    }
    expect(await client.zcard(`bull:${queueName}:completed`)).toBe(3);

    // each folder's runs are its own: one attempt each, every stage computed there, each summary names its own folder's files
    for (const [dir, j, folders] of [
      [one, ja, names],
      [two, jc, ['scan']],
    ] as const) {
      expect(readdirSync(dir).sort()).toEqual([...folders, 'batch.json', 'summary.csv', 'summary.html'].sort());
      folders.forEach((n, i) => {
        expect(attemptHeaders(path.join(dir, n)), `${dir}/${n}`).toHaveLength(1);
        const m = readJson(path.join(dir, n, 'manifest.json'));
        expect(m.stages.every((s: { status: string }) => s.status === 'ran'), `${dir}/${n}`).toBe(true);
        expect(m.input.path, `${dir}/${n}`).toBe(fx.scans[i]);
      });
      expect(j.out).toBe(dir);
      const rows = parseCsv(readFileSync(path.join(dir, 'summary.csv'), 'utf8'));
      expect(rows.map((r) => [r.name, r.status])).toEqual(folders.map((n) => [n, 'ok']));
      for (const row of rows) expect(Number(row.li_inventory_um)).toBe(readJson(path.join(dir, row.name, 'thickness', 'thickness.json')).mean_um);
      expect(walk(dir).filter((f) => f.endsWith('.partial'))).toEqual([]);
    }

    // submitted once more: found done, nothing runs again
    const again = batch(one);
    const r3 = await again.done;
    expect(r3.status, r3.stderr).toBe(0);
    expect(r3.stderr.match(/: already done, job /g)).toHaveLength(2);
    expect((JSON.parse(r3.stdout) as BatchJson).scans.map((s) => s.job_id)).toEqual(idsOne);
    for (const n of names) expect(attemptHeaders(path.join(one, n)), n).toHaveLength(1);
    const after = await queueEventLog(client, queueName);
    expect(after.filter((e) => e.event === 'active')).toHaveLength(3);
  }, 120_000);
});
