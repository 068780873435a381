import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll } from 'vitest';
import net from 'node:net';
import path from 'node:path';
import { missingCommand, REPO, tempDir } from '../helpers.js';
import { generatePhantom } from '../../src/synth/index.js';
import { writeTiff } from '../../src/io/tiff/index.js';

export const BIN = path.join(REPO, 'bin', 'buried.js');

/** Tiny grids so that a whole run takes seconds. */
export const FAST_CONFIG = `# batch tests: small grids everywhere
run:
  workers: 1
strip:
  steps: 20
  current_steps: 4
  solve_grid: 16
current:
  grid: 32
  layers: 8
fem:
  pressures: [5]
  hold_s: 0
  li: elastic
  nx: 16
  ny: 2
report:
  figure_width_px: 300
`;

export type Preset = 'plated' | 'depleted' | 'foil';

/** Small phantoms in DIR/<label>/scan.tif (same file name everywhere: the batch must tell them apart) and the fast config. */
export async function makeScans(specs: { label: string; preset: Preset; seed: number }[], shape: [number, number, number] = [40, 48, 48]): Promise<{ dir: string; scans: string[]; config: string }> {
  const dir = tempDir('buried-batch-');
  const scans: string[] = [];
  for (const s of specs) {
    const ph = generatePhantom({ preset: s.preset, seed: s.seed, shape });
    mkdirSync(path.join(dir, s.label));
    const file = path.join(dir, s.label, 'scan.tif');
    await writeTiff(file, ph.scan, { compression: 'deflate' });
    scans.push(file);
  }
  const config = path.join(dir, 'fast.yaml');
  writeFileSync(config, FAST_CONFIG);
  return { dir, scans, config };
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function cli(args: string[]): CliRun {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: REPO, encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, BURIED_DEBUG: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Resolves with the match once `text()` matches `re`, checked on each output event of `child`;
 * rejects when the child exits first or after `ms` (a bound, not a timing expectation).
 */
export function outputMatch(child: ChildProcess, text: () => string, re: RegExp, ms = 120_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = re.exec(text());
      if (!m) return false;
      stop();
      resolve(m);
      return true;
    };
    const onExit = () => {
      // the last output may come with the exit
      setImmediate(() => check() || (stop(), reject(new Error(`exited before printing ${re}:\n${text()}`))));
    };
    const timer = setTimeout(() => (stop(), reject(new Error(`no ${re} within ${ms / 1000} s:\n${text()}`))), ms);
    const stop = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('close', onExit);
    };
    const onData = () => void setImmediate(check);
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('close', onExit);
    check();
  });
}

/** The same, without blocking the test's event loop (so it can watch workers meanwhile); `until` waits for a line on stderr. */
export function cliAsync(args: string[]): { child: ChildProcess; done: Promise<CliRun>; stderr: () => string; until(re: RegExp, ms?: number): Promise<RegExpExecArray> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BURIED_DEBUG: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliRun>((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
  return { child, done, stderr: () => stderr, until: (re, ms) => outputMatch(child, () => stderr, re, ms) };
}

/** Parse a CSV written by summary.ts (quoted cells with "" escapes). */
export function parseCsv(text: string): Record<string, string>[] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += c;
  }
  if (cell || row.length) {
    row.push(cell);
    rows.push(row);
  }
  const [head, ...body] = rows;
  return body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i] ?? ''])));
}

/** Every file under `dir` (relative paths), hidden ones included. */
export function walk(dir: string, rel = ''): string[] {
  if (!existsSync(path.join(dir, rel))) return [];
  const out: string[] = [];
  for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...walk(dir, r));
    else out.push(r);
  }
  return out.sort();
}

export const readJson = <T = any>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

/** Keys whose values legitimately differ between two runs of the same scan (timing, memory, host). */
const VOLATILE = /seconds|(^|_)(s|ms)$|^timings|^started$|^finished$|rss|memory|^versions$|^cpu$|^host|^written$/;

/** A JSON value with the volatile keys dropped and the run folder replaced by <run>. */
export function normalizeJson(value: unknown, runDir: string): unknown {
  if (Array.isArray(value)) return value.map((v) => normalizeJson(v, runDir));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) if (!VOLATILE.test(k)) out[k] = normalizeJson(v, runDir);
    return out;
  }
  if (typeof value === 'string') return value.split(runDir).join('<run>');
  return value;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Start a throwaway redis-server on 127.0.0.1:port (no persistence); resolves once it accepts connections. */
export function startRedis(port: number): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 15_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/Ready to accept connections/.test(out)) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited (${code}): ${out}`));
    });
  });
}

/** A `buried worker` child with its stdout collected; `ready` resolves once it waits for jobs; `until` waits for a line. */
export function startWorker(args: string[]): {
  child: ChildProcess;
  out: () => string;
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  until(re: RegExp, ms?: number): Promise<RegExpExecArray>;
} {
  const child = spawn(process.execPath, [BIN, 'worker', ...args], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      if (/waiting for jobs/.test(out)) {
        clearInterval(t);
        resolve();
      }
    }, 50);
    void exited.then(() => {
      clearInterval(t);
      reject(new Error(`worker exited early: ${out}`));
    });
  });
  ready.catch(() => {});
  return { child, out: () => out, ready, exited, until: (re, ms) => outputMatch(child, () => out, re, ms) };
}

/** BullMQ's event stream of a queue (bull:<queue>:events), oldest first, each entry's fields as an object. */
export async function queueEventLog(client: { xrange(key: string, start: string, end: string): Promise<[string, string[]][]> }, queueName: string): Promise<Record<string, string>[]> {
  return (await client.xrange(`bull:${queueName}:events`, '-', '+')).map(([, fields]) => {
    const o: Record<string, string> = {};
    for (let i = 0; i < fields.length; i += 2) o[fields[i]] = fields[i + 1];
    return o;
  });
}

/** The attempt headers a run folder's run.log holds (one per attempt that started in it). */
export function attemptHeaders(runDir: string): string[] {
  const file = path.join(runDir, 'run.log');
  return existsSync(file) ? (readFileSync(file, 'utf8').match(/^=== .*$/gm) ?? []) : [];
}

/** `p`, or a failure saying `what` when it has not settled after `ms` (a bound on a wait, not a timing expectation). */
export function bounded<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${what} (waited ${ms / 1000} s)`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e: unknown) => (clearTimeout(t), reject(e as Error)),
    );
  });
}

/** Debian package redis-server (.ci/run installs it): why the queue tests cannot run, or null. */
export const noRedis = missingCommand('redis-server');

/**
 * What a test file leaves to stop and remove after its tests: processes (workers, batches, Redis)
 * first, last registered first, then folders.
 */
export function afterFile(): { cleanup: (() => void)[]; dirs: string[] } {
  const cleanup: (() => void)[] = [];
  const dirs: string[] = [];
  afterAll(() => {
    for (const f of cleanup.reverse()) {
      try {
        f();
      } catch {
        /* already gone */
      }
    }
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  return { cleanup, dirs };
}

/** A cleanup that signals `c` if it is still running. */
export const kill = (c: ChildProcess, sig: NodeJS.Signals = 'SIGKILL') => () => {
  if (c.exitCode === null && c.signalCode === null) c.kill(sig);
};

export const STAGES = ['segment', 'thickness', 'pores', 'strip', 'current', 'fem', 'report'];

/** A run folder's summary.csv (a file, or its text with `isText`) without its wall time: the rows that must not change. */
export function steadySummary(fileOrText: string, isText = false): Record<string, string>[] {
  const rows = parseCsv(isText ? fileOrText : readFileSync(fileOrText, 'utf8'));
  return rows.map(({ wall_seconds: _wall, ...rest }) => rest);
}
