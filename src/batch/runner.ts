/**
 * Run one scan's pipeline in a child process (child.ts): the caller's process stays responsive
 * (a BullMQ worker keeps renewing its job lock while a stage computes for minutes), a crash or an
 * out-of-memory in one scan does not take the batch down, and a timeout can really stop the work
 * (the child is killed; the pipeline's stages are resumable, so a retry continues from the last
 * complete stage).
 */
import { fork } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, type WriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunConfig } from '../pipeline/config.js';
import { packageRoot } from '../pipeline/run.js';

export interface ChildRequest {
  type: 'run';
  input: string;
  out: string;
  cfg: RunConfig;
  configFile: string | null;
}

export interface StageStatus {
  stage: string;
  status: 'ran' | 'skipped';
  seconds: number;
}

export type ChildResponse =
  | { type: 'result'; ok: true; seconds: number; stages: StageStatus[]; manifest: string; peak_rss_bytes: number }
  | { type: 'result'; ok: false; kind: 'input' | 'internal'; message: string; seconds: number };

/** Why a scan did not complete: bad input (not worth retrying), an error, a timeout, a stop request, or a child that died. */
export type FailureKind = 'input' | 'internal' | 'timeout' | 'aborted' | 'crashed';

export interface ScanRunResult {
  ok: boolean;
  kind?: FailureKind;
  message?: string;
  /** Wall time of this attempt (s). */
  seconds: number;
  stages: StageStatus[];
  peak_rss_bytes?: number;
}

export interface ScanRunOptions {
  input: string;
  out: string;
  cfg: RunConfig;
  configFile?: string | null;
  /** Kill the child after this many seconds (0 or undefined: no limit). */
  timeoutS?: number;
  /** Abort: kill the child (a worker shutting down). */
  signal?: AbortSignal;
  /** Every line the child prints (stage lines, progress, errors). */
  onLine?: (line: string) => void;
  /** Append the child's output to this file (created with its folder; null: no log). */
  logFile?: string | null;
  /** First line written to the log for this attempt. */
  logHeader?: string;
}

/** The compiled child entry (dist/src/batch/child.js), also when this module runs from src/ under a test runner. */
export function childEntry(): string {
  const here = fileURLToPath(import.meta.url);
  const sibling = path.join(path.dirname(here), 'child.js');
  if (here.endsWith('.js') && existsSync(sibling)) return sibling;
  return path.join(packageRoot(), 'dist', 'src', 'batch', 'child.js');
}

/** A line splitter over a stream of chunks. */
function lineSplitter(onLine: (line: string) => void): { push(chunk: Buffer): void; end(): void } {
  let rest = '';
  return {
    push(chunk) {
      rest += chunk.toString('utf8');
      let nl: number;
      while ((nl = rest.indexOf('\n')) >= 0) {
        onLine(rest.slice(0, nl).replace(/\r$/, ''));
        rest = rest.slice(nl + 1);
      }
    },
    end() {
      if (rest) onLine(rest);
      rest = '';
    },
  };
}

export function runScanInChild(o: ScanRunOptions): Promise<ScanRunResult> {
  const t0 = performance.now();
  let log: WriteStream | null = null;
  if (o.logFile) {
    try {
      mkdirSync(path.dirname(o.logFile), { recursive: true });
      log = createWriteStream(o.logFile, { flags: 'a' });
      log.on('error', () => {
        log = null;
      });
      log.write(`${o.logHeader ?? `=== ${new Date().toISOString()} on ${os.hostname()} (pid ${process.pid})`}\n`);
    } catch {
      log = null;
    }
  }
  return new Promise<ScanRunResult>((resolve) => {
    const child = fork(childEntry(), [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced' });
    let response: ChildResponse | null = null;
    let stopped: FailureKind | null = null;
    let timer: NodeJS.Timeout | null = null;
    const lines = lineSplitter((line) => {
      log?.write(`${line}\n`);
      o.onLine?.(line);
    });
    child.stdout?.on('data', (d: Buffer) => lines.push(d));
    child.stderr?.on('data', (d: Buffer) => lines.push(d));
    child.on('message', (m: ChildResponse) => {
      if (m?.type === 'result') response = m;
    });
    const stop = (why: FailureKind) => {
      if (stopped || response) return;
      stopped = why;
      child.kill('SIGKILL');
    };
    if (o.timeoutS && o.timeoutS > 0) timer = setTimeout(() => stop('timeout'), o.timeoutS * 1000);
    const onAbort = () => stop('aborted');
    if (o.signal) {
      if (o.signal.aborted) onAbort();
      else o.signal.addEventListener('abort', onAbort, { once: true });
    }
    const finish = (r: ScanRunResult) => {
      if (timer) clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      lines.end();
      const done = () => resolve(r);
      const l = log;
      log = null;
      if (l) {
        l.end(`--- ${r.ok ? 'done' : `failed (${r.kind}): ${r.message}`} after ${r.seconds.toFixed(1)} s\n`, done);
      } else done();
    };
    child.on('error', (err) => {
      finish({ ok: false, kind: 'crashed', message: `cannot start the run process: ${err.message}`, seconds: (performance.now() - t0) / 1000, stages: [] });
    });
    child.on('exit', (code, signal) => {
      const seconds = (performance.now() - t0) / 1000;
      const r = response as ChildResponse | null;
      if (r?.ok) finish({ ok: true, seconds: r.seconds, stages: r.stages, peak_rss_bytes: r.peak_rss_bytes });
      else if (r && !r.ok) finish({ ok: false, kind: r.kind, message: r.message, seconds, stages: [] });
      else if (stopped === 'timeout') finish({ ok: false, kind: 'timeout', message: `timed out after ${o.timeoutS} s (run process killed)`, seconds, stages: [] });
      else if (stopped === 'aborted') finish({ ok: false, kind: 'aborted', message: 'stopped (run process killed)', seconds, stages: [] });
      else finish({ ok: false, kind: 'crashed', message: `run process ended without a result (${signal ? `signal ${signal}` : `exit code ${code}`})`, seconds, stages: [] });
    });
    const req: ChildRequest = { type: 'run', input: o.input, out: o.out, cfg: o.cfg, configFile: o.configFile ?? null };
    child.send(req);
  });
}
