/**
 * Two `buried batch --queue` into the same output folder with different configurations (a real
 * redis-server on 127.0.0.1, one real worker with room for both jobs): they are different jobs, but
 * only one run process writes a run folder at a time (a lease in Redis), so they run one after the
 * other and the folder ends up as one whole run — the last one's configuration in every file —
 * never a mix of both.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { requireAvailable, tempDir } from '../helpers.js';
import { afterFile, cliAsync, FAST_CONFIG, freePort, kill, makeScans, noRedis, readJson, STAGES, startRedis, startWorker, walk } from './helpers.js';

const { cleanup, dirs } = afterFile();

describe(`two batches into one folder`, () => {
  beforeEach((ctx) => requireAvailable(ctx, noRedis));
  it('two batches into one folder with different configurations run one after the other, never mixed', async () => {
    const fx = await makeScans([{ label: 'c', preset: 'plated', seed: 63 }]);
    dirs.push(fx.dir);
    const config24 = path.join(fx.dir, 'steps24.yaml');
    expect(FAST_CONFIG).toMatch(/^  steps: 20$/m);
    writeFileSync(config24, FAST_CONFIG.replace(/^  steps: 20$/m, '  steps: 24'));
    const port = await freePort();
    const redis = await startRedis(port);
    cleanup.push(kill(redis, 'SIGTERM'));
    const url = `redis://127.0.0.1:${port}`;
    const queueName = `clash-${process.pid}`;
    // room for both jobs at once: only the run-folder lease keeps them apart
    const worker = startWorker(['--queue', url, '--queue-name', queueName, '--name', 'W', '--concurrency', '2']);
    cleanup.push(kill(worker.child));
    await worker.ready;
    const out = path.join(tempDir('buried-queue-clash-'), 'one');
    dirs.push(path.dirname(out));
    const runs = [fx.config, config24].map((config) => {
      const b = cliAsync(['batch', fx.scans[0], '-o', out, '--config', config, '--queue', url, '--queue-name', queueName, '--json']);
      cleanup.push(kill(b.child));
      return b.done;
    });
    const results = await Promise.all(runs);
    for (const r of results) expect(r.status, r.stderr).toBe(0);
    const ids = results.map((r) => (JSON.parse(r.stdout) as { scans: { job_id: string }[] }).scans[0].job_id);
    expect(new Set(ids).size).toBe(2);
    const steps = new Map([
      [ids[0], 20],
      [ids[1], 24],
    ]);

    // one run at a time in the folder: start, end, start, end — the second waited for the first
    const log = readFileSync(path.join(out, 'scan', 'run.log'), 'utf8');
    const marks = [...log.matchAll(/^(===|---) (?:.* job (\S+), attempt \d+$)?/gm)].map((m) => m[2] ?? m[1]);
    expect(marks).toHaveLength(4);
    expect([marks[1], marks[3]]).toEqual(['---', '---']);
    const [firstId, lastId] = [marks[0], marks[2]];
    expect(new Set([firstId, lastId])).toEqual(new Set(ids));
    expect(worker.out()).toMatch(new RegExp(`^job ${lastId} scan: waiting for ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/scan: job ${firstId} on W `, 'm'));

    // the folder is the last run, whole: its configuration, its stripping curve; what it did not change was kept
    const m = readJson(path.join(out, 'scan', 'manifest.json'));
    expect(m.config.strip.steps).toBe(steps.get(lastId));
    const strip = readJson(path.join(out, 'scan', 'strip', 'stripping.json'));
    expect(strip.summary.steps).toBe(steps.get(lastId));
    expect(strip.uniform.rows).toHaveLength(steps.get(lastId)! + 1);
    // (the strip steps change the stripping curve and the report only)
    expect(m.stages.map((x: { stage: string; status: string }) => `${x.stage}:${x.status}`)).toEqual(['segment:skipped', 'thickness:skipped', 'pores:skipped', 'strip:ran', 'current:skipped', 'fem:skipped', 'report:ran']);
    expect(walk(out).filter((f) => f.endsWith('.partial'))).toEqual([]);
  }, 120_000);
});
