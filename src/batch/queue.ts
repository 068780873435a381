/**
 * Scale-out on BullMQ (a Redis-backed job queue): `buried batch --queue redis://HOST:PORT` submits
 * one job per scan and follows them; `buried worker --queue redis://HOST:PORT` processes jobs on
 * any number of machines.
 *
 * What makes it safe:
 *   - job id = sha256 of (absolute input, absolute output folder, effective configuration):
 *     submitting the same batch again finds the same jobs (BullMQ ignores an add with an existing
 *     id), so nothing is queued or computed twice;
 *   - a worker holds a lock on its job and renews it; the pipeline runs in a child process, so the
 *     worker's event loop stays free to renew even while a stage computes for minutes. A worker
 *     that dies stops renewing: after `lockDuration` another worker's stalled-job check puts the job
 *     back in the queue and it runs again — and since every stage is resumable (fingerprints in
 *     DIR/<stage>/.stage.json, atomic writes), the new attempt skips the stages that completed and
 *     produces the same files. The dead worker's run process kills itself (see child.ts);
 *   - one run process writes a run folder at a time, whichever job it belongs to: a worker takes a
 *     lease on the folder in Redis (renewed like the job lock, lapsing as long after its worker
 *     died) before starting the run process, and a job whose folder is leased waits. Two batches
 *     into the same -o with different configurations are different jobs; they run one after the
 *     other instead of leaving a folder mixed from both;
 *   - a failed attempt is retried (`attempts`, exponential backoff), except for bad input, which
 *     fails at once (BullMQ UnrecoverableError); each attempt has a time limit (the run process is
 *     killed, the retry resumes).
 * Paths travel as they are: the scans and the output folder must be visible at the same absolute
 * paths on every machine (a shared file system).
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DelayedError, Queue, QueueEvents, RedisConnection, UnrecoverableError, Worker, createIORedisClient, type Job, type RedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { InputError, ServiceLostError } from '../io/errors.js';
import { applyConfigObject, defaultConfig, validateConfig, type RunConfig } from '../pipeline/config.js';
import type { ScanEntry } from './list.js';
import type { ScanOutcome } from './local.js';
import { runScanInChild, type ScanRunResult, type StageStatus } from './runner.js';
import { RUN_MANIFEST } from '../io/run-folder.js';

export const DEFAULT_QUEUE_NAME = 'buried';

/** What a job carries: everything a worker needs to run one scan. */
export interface ScanJobData {
  name: string;
  input: string;
  out: string;
  cfg: RunConfig;
  configFile: string | null;
  /** Time limit of one attempt (s; 0 = none). */
  timeoutS: number;
  submitted: string;
}

/** What a job returns. */
export interface ScanJobResult {
  worker: string;
  seconds: number;
  attempt: number;
  stages: StageStatus[];
}

/** Where the queue's Redis server is. */
export interface QueueConnection {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  /** TLS (rediss://) with the default options. */
  tls?: Record<string, never>;
}

/** Connection settings parsed from redis://[user:password@]host[:port][/db] (rediss:// for TLS). */
export function parseQueueUrl(text: string): QueueConnection {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new InputError(`--queue must be a URL like redis://HOST:PORT, got '${text}'`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new InputError(`--queue must be a redis:// or rediss:// URL, got '${text}'`);
  const db = u.pathname && u.pathname !== '/' ? Number(u.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new InputError(`--queue: database must be a number (redis://HOST:PORT/DB), got '${text}'`);
  const port = u.port ? Number(u.port) : 6379;
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** The URL without its password, for messages. */
export function showUrl(text: string): string {
  try {
    const u = new URL(text);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return text;
  }
}

let factoryInstalled = false;
/** BullMQ 6 loads its Redis driver lazily; hand it ioredis explicitly (works from ESM and CJS alike). */
function installClientFactory(): void {
  if (factoryInstalled) return;
  factoryInstalled = true;
  RedisConnection.clientFactory = (opts: RedisOptions) => {
    const { url, ...rest } = opts;
    return createIORedisClient(typeof url === 'string' ? new Redis(url, rest) : new Redis(rest));
  };
}

/** Fail fast with a one-line error when the queue's Redis cannot be reached. */
export async function checkQueueReachable(url: string, timeoutMs = 5000): Promise<void> {
  const client = new Redis({ ...parseQueueUrl(url), lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  let first: NodeJS.ErrnoException | null = null;
  client.on('error', (e: NodeJS.ErrnoException) => {
    first ??= e;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    const err = first ?? (e as NodeJS.ErrnoException);
    const why = err.code === 'ECONNREFUSED' ? 'connection refused' : err.code === 'ETIMEDOUT' ? 'connection timed out' : err.code === 'ENOTFOUND' ? 'unknown host' : (err.code ?? err.message);
    throw new InputError(`cannot reach the queue's Redis server (${why})`, showUrl(url));
  } finally {
    client.disconnect();
  }
}

/** Deterministic job id of a scan: same input, output folder and configuration → same job. */
export function jobIdFor(input: string, out: string, cfg: RunConfig): string {
  const h = createHash('sha256').update(JSON.stringify({ input: path.resolve(input), out: path.resolve(out), cfg })).digest('hex');
  // BullMQ job ids must not be plain integers nor contain ':'
  return `scan-${h.slice(0, 32)}`;
}

// ───────────────────────────────────────── submit and follow

export interface SubmitOptions {
  url: string;
  queueName?: string;
  scans: ScanEntry[];
  cfg: RunConfig;
  configFile?: string | null;
  /** Attempts per scan (retries + 1). */
  attempts?: number;
  /** First retry delay (ms), doubling each retry. */
  backoffMs?: number;
  /** Time limit of one attempt (s; 0 = none). */
  timeoutS?: number;
  /** Remove finished jobs of these scans and queue them again (a scan changed in place). */
  resubmit?: boolean;
  /** Check job states this often, besides the events (ms). */
  pollMs?: number;
  /** Print stage progress lines too. */
  verbose?: boolean;
  /**
   * Give up when the queue's Redis server has not answered for this long (ms; default 60 s): a
   * ServiceLostError, no summary. Workers go on with their scans; running the batch again follows them.
   */
  lostMs?: number;
  log(line: string): void;
}

export const DEFAULT_LOST_MS = 60_000;

/** `work`, or `late()` thrown when it has not settled after `ms` (a rejection of `work` after that is ignored). */
function within<T>(ms: number, work: Promise<T>, late: () => Error): Promise<T> {
  work.catch(() => {});
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(late()), ms);
    work.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e as Error);
      },
    );
  });
}

export async function submitAndFollow(o: SubmitOptions): Promise<ScanOutcome[]> {
  installClientFactory();
  await checkQueueReachable(o.url);
  const name = o.queueName ?? DEFAULT_QUEUE_NAME;
  const connection = parseQueueUrl(o.url);
  const queue = new Queue<ScanJobData, ScanJobResult>(name, { connection });
  // a short blocking read: a read stuck on a lost server holds the process (until BullMQ's watchdog) no longer than this
  const events = new QueueEvents(name, { connection, blockingTimeout: 2000 });
  const total = o.scans.length;
  // Redis going away: the clients retry and every call waits for them; `redis()` bounds each wait
  const lostMs = Math.max(100, o.lostMs ?? DEFAULT_LOST_MS);
  let trouble: string | null = null;
  let lost = false;
  const log = (line: string) => {
    if (!lost) o.log(line);
  };
  const onError = (e: Error) => {
    if (trouble !== null) return;
    trouble = e.message;
    log(`queue: connection error: ${e.message}; waiting up to ${lostMs / 1000} s for the Redis server to answer`);
  };
  events.on('error', onError);
  queue.on('error', onError);
  const answered = () => {
    if (trouble === null) return;
    trouble = null;
    log('queue: the Redis server answers again');
  };
  const redis = <T>(work: Promise<T>): Promise<T> =>
    within(lostMs, work, () => {
      lost = true;
      return new ServiceLostError(
        `lost the queue's Redis server at ${showUrl(o.url)}: no answer for ${lostMs / 1000} s${trouble ? ` (${trouble})` : ''}; ` +
          `${finished} of ${total} scan${total === 1 ? '' : 's'} had finished (their run folders are complete), no summary written; run the same command again to follow the rest`,
      );
    });
  const byId = new Map<string, ScanEntry>();
  const outcomes = new Map<string, ScanOutcome>();
  const label = (id: string) => byId.get(id)?.name ?? id;
  let finished = 0;
  let wake: (() => void) | null = null;

  const settle = async (id: string): Promise<void> => {
    const scan = byId.get(id);
    if (!scan || outcomes.has(id)) return;
    const job = await queue.getJob(id);
    if (!job) {
      outcomes.set(id, { ...scan, status: 'failed', error: 'the job was removed from the queue', kind: 'internal', seconds: 0, attempts: 0, worker: '', job_id: id, stages: [] });
    } else {
      const state = await job.getState();
      if (state !== 'completed' && state !== 'failed') return;
      if (outcomes.has(id)) return;
      const rv = job.returnvalue as ScanJobResult | null;
      const seconds = job.finishedOn && job.processedOn ? (job.finishedOn - job.processedOn) / 1000 : 0;
      outcomes.set(
        id,
        state === 'completed'
          ? { ...scan, status: 'ok', error: null, seconds: +(rv?.seconds ?? seconds).toFixed(3), attempts: job.attemptsStarted, worker: rv?.worker ?? job.processedBy ?? '', job_id: id, stages: rv?.stages ?? [] }
          : { ...scan, status: 'failed', error: job.failedReason || 'failed', kind: job.failedReason?.startsWith(BAD_INPUT) ? 'input' : 'internal', seconds: +seconds.toFixed(3), attempts: job.attemptsStarted, worker: job.processedBy ?? '', job_id: id, stages: [] },
      );
    }
    const r = outcomes.get(id)!;
    finished++;
    log(
      r.status === 'ok'
        ? `[${finished}/${total}] ${scan.name}: done in ${r.seconds.toFixed(1)} s on ${r.worker || '?'} (attempt ${r.attempts})`
        : `[${finished}/${total}] ${scan.name}: FAILED after ${r.attempts} attempt${r.attempts === 1 ? '' : 's'}: ${r.error}`,
    );
    wake?.();
  };
  const settleLater = (id: string) => {
    settle(id).catch((e: Error) => log(`queue: cannot read job ${id}: ${e.message}`));
  };

  try {
    events.on('completed', ({ jobId }) => settleLater(jobId));
    events.on('failed', ({ jobId }) => settleLater(jobId));
    events.on('active', ({ jobId }) => {
      if (!byId.has(jobId)) return;
      queue
        .getJob(jobId)
        .then((job) => job && log(`${label(jobId)}: started${job.processedBy ? ` on ${job.processedBy}` : ''} (attempt ${job.attemptsStarted})`))
        .catch(() => {});
    });
    events.on('stalled', ({ jobId }) => byId.has(jobId) && log(`${label(jobId)}: its worker stopped answering; the job is back in the queue`));
    events.on('progress', ({ jobId, data }) => {
      if (!o.verbose || !byId.has(jobId)) return;
      const p = data as { stage?: string; index?: number; total?: number; worker?: string; done?: boolean };
      if (p?.stage) log(`${label(jobId)}: stage ${p.index}/${p.total} ${p.stage}${p.done ? ' done' : ''} on ${p.worker ?? '?'}`);
    });
    await redis(events.waitUntilReady());

    const attempts = Math.max(1, o.attempts ?? 3);
    const submit = async (scan: ScanEntry, id: string): Promise<void> => {
      const data: ScanJobData = { name: scan.name, input: scan.input, out: scan.out, cfg: o.cfg, configFile: o.configFile ?? null, timeoutS: o.timeoutS ?? 0, submitted: new Date().toISOString() };
      let job = await queue.getJob(id);
      if (job) {
        const state = await job.getState();
        const stale = state === 'completed' && !existsSync(path.join(scan.out, RUN_MANIFEST));
        if (o.resubmit && (state === 'completed' || state === 'failed')) {
          await job.remove();
          job = undefined;
        } else if (stale) {
          log(`${scan.name}: finished before but its run folder has no manifest; queued again`);
          await job.remove();
          job = undefined;
        } else if (state === 'failed') {
          // queued again with this submission's settings (attempts, time limit), not the old job's
          log(`${scan.name}: had failed (${job.failedReason}); queued again`);
          await job.remove();
          job = undefined;
        } else {
          log(`${scan.name}: already ${state === 'completed' ? 'done' : `in the queue (${state})`}, job ${id}`);
        }
      }
      if (!job) {
        await queue.add('scan', data, {
          jobId: id,
          attempts,
          backoff: { type: 'exponential', delay: Math.max(0, o.backoffMs ?? 5000) },
          // finished jobs are kept a while so that submitting again finds them instead of redoing them
          removeOnComplete: { age: 14 * 24 * 3600 },
          removeOnFail: { age: 30 * 24 * 3600 },
        });
        log(`${scan.name}: queued as job ${id}`);
      }
    };
    for (const scan of o.scans) {
      const id = jobIdFor(scan.input, scan.out, o.cfg);
      byId.set(id, scan);
      await redis(submit(scan, id));
    }
    log(`batch: ${total} scan${total === 1 ? '' : 's'} on queue '${name}' at ${showUrl(o.url)}; waiting for workers`);

    const pollMs = Math.max(100, o.pollMs ?? 2000);
    while (outcomes.size < total) {
      await redis(Promise.all([...byId.keys()].filter((id) => !outcomes.has(id)).map((id) => settle(id))));
      answered();
      if (outcomes.size >= total) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, pollMs);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = null;
    }
  } finally {
    // closing waits for a server that answers; from a lost one the clients are cut off at once (no retries left behind)
    const close = async (c: Queue | QueueEvents) => {
      if (lost) await c.backend.close(true);
      await c.close();
    };
    await within(5000, Promise.all([close(events), close(queue)]), () => new Error('close')).catch(() => {});
  }
  return o.scans.map((s) => outcomes.get(jobIdFor(s.input, s.out, o.cfg))!);
}

// ───────────────────────────────────────── worker

export interface WorkerOptions {
  url: string;
  queueName?: string;
  /** Jobs processed at once by this worker (each in its own process). */
  concurrency?: number;
  /** Job lock time (ms): a worker silent this long is presumed dead and its job requeued. */
  lockMs?: number;
  /** How often this worker looks for jobs of dead workers (ms). */
  stalledMs?: number;
  /** A job whose worker died more often than this fails. */
  maxStalled?: number;
  /** Worker name in the queue (default host:pid). */
  name?: string;
  log(line: string): void;
}

export interface ScanWorker {
  name: string;
  /** Stop taking jobs; wait for the running ones (force: stop them now and hand them back to the queue). */
  close(force?: boolean): Promise<void>;
  /** Jobs running now. */
  active(): number;
}

function checkedJobData(d: unknown): ScanJobData {
  const o = d as Partial<ScanJobData> | null;
  if (!o || typeof o.input !== 'string' || typeof o.out !== 'string' || typeof o.name !== 'string' || !o.cfg || typeof o.cfg !== 'object') {
    throw new UnrecoverableError(`${BAD_INPUT}malformed job data (not submitted by buried batch?)`);
  }
  if (!path.isAbsolute(o.out)) throw new UnrecoverableError(`${BAD_INPUT}job output folder is not absolute: ${o.out}`);
  const cfg = defaultConfig();
  try {
    applyConfigObject(cfg, o.cfg, 'job configuration');
    validateConfig(cfg);
  } catch (e) {
    throw new UnrecoverableError(`${BAD_INPUT}${(e as Error).message}`);
  }
  return { name: o.name, input: o.input, out: o.out, cfg, configFile: typeof o.configFile === 'string' ? o.configFile : null, timeoutS: typeof o.timeoutS === 'number' ? o.timeoutS : 0, submitted: String(o.submitted ?? '') };
}

// ───────────────────────────────────────── one writer per run folder

/**
 * Redis key of the lease on one run folder, whichever queue and job write it: two jobs with the same
 * output folder and another configuration (two batches into one -o) have different ids, and run
 * at once they would leave the folder mixed from both runs.
 */
export function folderLeaseKey(out: string): string {
  return `buried:run-folder:${createHash('sha256').update(path.resolve(out)).digest('hex').slice(0, 32)}`;
}

const RENEW_LEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0";
const DROP_LEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

/**
 * Wait until `holder` holds the lease on a run folder (null: aborted while waiting); the returned
 * function gives it up. The lease is renewed like BullMQ's job lock and lapses `ms` after its
 * worker died.
 */
async function takeFolderLease(client: Redis, key: string, holder: string, ms: number, signal: AbortSignal, waiting: (other: string) => void): Promise<(() => Promise<void>) | null> {
  let told = false;
  while ((await client.set(key, holder, 'PX', ms, 'NX')) !== 'OK') {
    if (!told) {
      told = true;
      waiting((await client.get(key)) ?? 'another job');
    }
    if (signal.aborted) return null;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, Math.min(1000, ms / 4));
      signal.addEventListener('abort', done, { once: true });
    });
    if (signal.aborted) return null;
  }
  const renew = setInterval(() => void client.eval(RENEW_LEASE, 1, key, holder, ms).catch(() => {}), Math.max(100, ms / 3));
  return async () => {
    clearInterval(renew);
    await client.eval(DROP_LEASE, 1, key, holder).catch(() => {});
  };
}

/** Prefix of the failure reason of a scan that failed on bad input (not retried). */
export const BAD_INPUT = 'bad input: ';

const STAGE_LINE = /^stage (\d+)\/(\d+): (\w+)(.*)$/;

export async function startScanWorker(o: WorkerOptions): Promise<ScanWorker> {
  installClientFactory();
  await checkQueueReachable(o.url);
  const name = o.name ?? `${os.hostname()}:${process.pid}`;
  const queueName = o.queueName ?? DEFAULT_QUEUE_NAME;
  const running = new Map<string, AbortController>();
  const lockMs = o.lockMs ?? 30_000;
  // run-folder leases (errors: the worker's own connection reports them)
  const leases = new Redis({ ...parseQueueUrl(o.url), maxRetriesPerRequest: null });
  leases.on('error', () => {});

  const processor = async (job: Job<ScanJobData, ScanJobResult>, token?: string): Promise<ScanJobResult> => {
    const d = checkedJobData(job.data);
    const tag = `job ${job.id} ${d.name}`;
    const attempt = job.attemptsStarted;
    o.log(`${tag}: started (attempt ${attempt}) ${d.input} -> ${d.out}`);
    const controller = new AbortController();
    running.set(String(job.id), controller);
    try {
      // one run process per run folder: another job writing it (same -o, another configuration) is waited for
      const lease = await takeFolderLease(leases, folderLeaseKey(d.out), `job ${job.id} on ${name} (${token ?? randomUUID()})`, lockMs, controller.signal, (other) =>
        o.log(`${tag}: waiting for ${d.out}: ${other} is writing it`),
      );
      const r: ScanRunResult = lease
        ? await runScanInChild({
            input: d.input,
            out: d.out,
            cfg: d.cfg,
            configFile: d.configFile,
            timeoutS: d.timeoutS,
            signal: controller.signal,
            logFile: path.join(d.out, 'run.log'),
            logHeader: `=== ${new Date().toISOString()} worker ${name}, job ${job.id}, attempt ${attempt}`,
            onLine: (line) => {
              const m = STAGE_LINE.exec(line);
              if (!m) return;
              o.log(`${tag}: ${line}`);
              job.updateProgress({ stage: m[3], index: Number(m[1]), total: Number(m[2]), done: /^ done in /.test(m[4]), worker: name }).catch(() => {});
            },
          }).finally(lease)
        : { ok: false, kind: 'aborted', message: 'stopped while waiting for its run folder', seconds: 0, stages: [] };
      if (!r.ok) {
        o.log(`${tag}: failed (${r.kind}): ${r.message}`);
        if (r.kind === 'aborted' && token) {
          // stopped by this worker's shutdown: hand the job back without counting an attempt as failed
          await job.moveToDelayed(Date.now() + 100, token);
          throw new DelayedError();
        }
        if (r.kind === 'input') throw new UnrecoverableError(`${BAD_INPUT}${r.message ?? ''}`);
        throw new Error(r.message ?? 'failed');
      }
      const ran = r.stages.filter((s) => s.status === 'ran').map((s) => s.stage);
      o.log(`${tag}: done in ${r.seconds.toFixed(1)} s (ran ${ran.join(', ') || 'nothing'}; ${r.stages.length - ran.length} up to date)`);
      return { worker: name, seconds: +r.seconds.toFixed(3), attempt, stages: r.stages };
    } finally {
      running.delete(String(job.id));
    }
  };

  const worker = new Worker<ScanJobData, ScanJobResult>(queueName, processor, {
    connection: parseQueueUrl(o.url),
    name,
    concurrency: Math.max(1, o.concurrency ?? 1),
    lockDuration: lockMs,
    stalledInterval: o.stalledMs ?? 30_000,
    maxStalledCount: o.maxStalled ?? 2,
    autorun: false,
  });
  worker.on('error', (e) => o.log(`worker: error: ${(e as Error).message}`));
  void worker.run().catch((e: Error) => o.log(`worker: stopped: ${e.message}`));
  await worker.waitUntilReady();
  o.log(`worker ${name}: waiting for jobs on queue '${queueName}' at ${showUrl(o.url)} (concurrency ${Math.max(1, o.concurrency ?? 1)}, lock ${o.lockMs ?? 30_000} ms)`);
  return {
    name,
    active: () => running.size,
    async close(force = false) {
      if (force) for (const c of running.values()) c.abort();
      await worker.close(force);
      leases.disconnect();
    },
  };
}
