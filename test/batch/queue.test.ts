/**
 * Scale-out for real: a Redis server from Debian's redis-server package on 127.0.0.1, two
 * `buried worker` processes, a batch of small phantoms submitted with `buried batch --queue`, one
 * worker killed with SIGKILL in the middle of a scan. Every scan must end up done exactly once
 * (BullMQ's own records and event stream say so), in one run folder with a complete manifest, and
 * its outputs must be the same bytes as a run on this machine without the queue.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { requireAvailable, tempDir } from '../helpers.js';
import { afterFile, cli, cliAsync, freePort, kill, makeScans, noRedis, normalizeJson, parseCsv, readJson, STAGES, startRedis, startWorker, steadySummary, walk } from './helpers.js';
import { jobIdFor } from '../../src/batch/queue.js';
import { resolveConfig } from '../../src/pipeline/config.js';

const { cleanup, dirs } = afterFile();

describe('buried batch --queue with two workers', () => {
  it('a worker killed mid-scan loses nothing and doubles nothing; results equal a local run byte for byte', async (ctx) => {
    requireAvailable(ctx, noRedis);
    const t0 = Date.now();
    const fx = await makeScans([
      { label: 'p1', preset: 'plated', seed: 31 },
      { label: 'f1', preset: 'foil', seed: 32 },
      { label: 'p2', preset: 'plated', seed: 33 },
      { label: 'f2', preset: 'foil', seed: 34 },
    ]);
    dirs.push(fx.dir);
    const port = await freePort();
    const redis = await startRedis(port);
    cleanup.push(kill(redis, 'SIGTERM'));
    const url = `redis://127.0.0.1:${port}`;
    const queueName = `test-${process.pid}`;
    const common = ['--queue', url, '--queue-name', queueName, '--lock-ms', '3000', '--stalled-ms', '1000'];
    const workers = [startWorker([...common, '--name', 'worker-A']), startWorker([...common, '--name', 'worker-B'])];
    for (const w of workers) cleanup.push(kill(w.child));
    await Promise.all(workers.map((w) => w.ready));

    const out = path.join(tempDir('buried-queue-'), 'batch');
    dirs.push(path.dirname(out));
    const batch = cliAsync(['batch', ...fx.scans, '-o', out, '--config', fx.config, '--queue', url, '--queue-name', queueName, '--attempts', '3', '--backoff', '200', '--json']);
    cleanup.push(kill(batch.child));

    // SIGKILL the first worker seen starting the strip stage: segment, thickness and pores of that scan are done, the rest is not
    const victim = await new Promise<{ index: number; job: string }>((resolve, reject) => {
      const t = setInterval(() => {
        for (let i = 0; i < workers.length; i++) {
          const m = /^job (\S+) \S+: stage \d\/\d+: strip$/m.exec(workers[i].out());
          if (m) {
            clearInterval(t);
            workers[i].child.kill('SIGKILL');
            resolve({ index: i, job: m[1] });
            return;
          }
        }
      }, 20);
      void batch.done.then(() => {
        clearInterval(t);
        reject(new Error('the batch ended before a worker could be killed'));
      });
    });
    const killed = workers[victim.index];
    const survivor = workers[1 - victim.index];
    expect((await killed.exited).signal).toBe('SIGKILL');

    const r = await batch.done;
    expect(r.status, `${r.stderr}\n--- survivor:\n${survivor.out()}`).toBe(0);
    const res = JSON.parse(r.stdout);
    expect(res.scans.map((s: { status: string }) => s.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(r.stderr).toMatch(/its worker stopped answering; the job is back in the queue/);
    const queueSeconds = (Date.now() - t0) / 1000;

    // one run folder per scan, each complete; nothing half-written
    const names = ['p1_scan', 'f1_scan', 'p2_scan', 'f2_scan'];
    expect(readdirSync(out).sort()).toEqual([...names, 'batch.json', 'summary.csv', 'summary.html'].sort());
    for (const n of names) {
      const m = readJson(path.join(out, n, 'manifest.json'));
      expect(m.stages.map((s: { stage: string }) => s.stage)).toEqual(STAGES);
      for (const s of ['segment', 'thickness', 'pores', 'strip', 'current', 'fem', 'figures']) expect(walk(path.join(out, n))).toContain(`${s}/.stage.json`);
    }
    expect(walk(out).filter((f) => f.endsWith('.partial'))).toEqual([]);

    // BullMQ's view: every job completed exactly once, none failed; the killed one stalled once and resumed
    const cfg = await resolveConfig({ file: fx.config });
    const ids = fx.scans.map((s, i) => jobIdFor(s, path.join(out, names[i]), cfg));
    expect(ids).toContain(victim.job);
    const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1 });
    cleanup.push(() => client.disconnect());
    const events = (await client.xrange(`bull:${queueName}:events`, '-', '+')).map(([, fields]) => {
      const o: Record<string, string> = {};
      for (let i = 0; i < fields.length; i += 2) o[fields[i]] = fields[i + 1];
      return o;
    });
    for (const id of ids) {
      const mine = events.filter((e) => e.jobId === id);
      expect(mine.filter((e) => e.event === 'completed'), id).toHaveLength(1);
      expect(mine.filter((e) => e.event === 'failed'), id).toHaveLength(0);
      const job = await client.hgetall(`bull:${queueName}:${id}`);
      expect(job.finishedOn, id).toBeTruthy();
      expect(job.failedReason ?? '', id).toBe('');
      const started = Number(job.ats);
      if (id === victim.job) {
        expect(started).toBe(2);
        expect(Number(job.stc)).toBe(1);
        expect(mine.filter((e) => e.event === 'stalled')).toHaveLength(1);
        expect(job.pb).toBe(survivor === workers[0] ? 'worker-A' : 'worker-B');
      } else {
        expect(started, id).toBe(1);
        expect(mine.filter((e) => e.event === 'stalled'), id).toHaveLength(0);
      }
    }
    expect(await client.zcard(`bull:${queueName}:completed`)).toBe(4);
    expect(await client.zcard(`bull:${queueName}:failed`)).toBe(0);
    // the resumed scan skipped the stages finished before the kill
    const victimName = names[ids.indexOf(victim.job)];
    const vm = readJson(path.join(out, victimName, 'manifest.json'));
    expect(vm.stages.slice(0, 2).map((s: { status: string }) => s.status)).toEqual(['skipped', 'skipped']);
    expect(readFileSync(path.join(out, victimName, 'run.log'), 'utf8').match(/^=== .* attempt \d/gm)).toHaveLength(2);

    // the surviving worker stops cleanly on SIGTERM
    survivor.child.kill('SIGTERM');
    expect((await survivor.exited).code).toBe(0);

    // the same scans run here without the queue: identical bytes, identical numbers
    const local = path.join(tempDir('buried-queue-local-'), 'batch');
    dirs.push(path.dirname(local));
    const l = cli(['batch', ...fx.scans, '-o', local, '--config', fx.config, '--jobs', '2']);
    expect(l.status, l.stderr).toBe(0);
    for (const n of names) {
      const a = path.join(out, n);
      const b = path.join(local, n);
      // volatile: times (run.log, manifest, stage records, the summary's wall time) and the output record's mtimes
      const skip = (f: string) => f === 'run.log' || f === 'report.html' || f.endsWith('.stage.json') || f === 'manifest.json' || f === '.buried-outputs.json';
      const fa = walk(a).filter((f) => !skip(f));
      expect(fa, n).toEqual(walk(b).filter((f) => !skip(f)));
      for (const f of fa) {
        if (f.endsWith('.json')) expect(normalizeJson(readJson(path.join(a, f)), a), `${n}/${f}`).toEqual(normalizeJson(readJson(path.join(b, f)), b));
        else if (f === 'summary.csv') expect(steadySummary(path.join(a, f)), `${n}/${f}`).toEqual(steadySummary(path.join(b, f)));
        else expect(readFileSync(path.join(a, f)).equals(readFileSync(path.join(b, f))), `${n}/${f}`).toBe(true);
      }
      const ma = readJson(path.join(a, 'manifest.json'));
      const mb = readJson(path.join(b, 'manifest.json'));
      expect(ma.input).toEqual(mb.input);
      expect(ma.config).toEqual(mb.config);
      expect(ma.stages.map((s: { fingerprint: string }) => s.fingerprint).slice(0, 1)).toEqual(mb.stages.map((s: { fingerprint: string }) => s.fingerprint).slice(0, 1));
      expect(normalizeJson(ma.stages.map((s: { summary: unknown }) => s.summary), a)).toEqual(normalizeJson(mb.stages.map((s: { summary: unknown }) => s.summary), b));
    }
    const volatile = new Set(['wall_seconds', 'attempts', 'worker']);
    const strip = (rows: Record<string, string>[]) => rows.map((row) => Object.fromEntries(Object.entries(row).filter(([k]) => !volatile.has(k))));
    expect(strip(parseCsv(readFileSync(path.join(out, 'summary.csv'), 'utf8')))).toEqual(strip(parseCsv(readFileSync(path.join(local, 'summary.csv'), 'utf8'))));
    console.log(`queue part: ${queueSeconds.toFixed(1)} s (4 scans, 2 workers, one killed); whole test ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }, 300_000);
});
