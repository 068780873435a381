/**
 * `buried batch` on this machine: every scan's pipeline in its own child process, `jobs` at a
 * time. A scan that fails is recorded (status, error) and the others go on.
 */
import type { RunConfig } from '../pipeline/config.js';
import type { ScanEntry } from './list.js';
import { runScanInChild, type FailureKind, type StageStatus } from './runner.js';
import path from 'node:path';

/** What became of one scan of a batch. */
export interface ScanOutcome extends ScanEntry {
  status: 'ok' | 'failed';
  error: string | null;
  /** Why it failed (absent when ok). */
  kind?: FailureKind;
  /** Wall time of the attempt that finished (s). */
  seconds: number;
  /** Attempts started (local: 1; queue: as BullMQ counted them). */
  attempts: number;
  /** Who ran it: 'local' or the queue worker's name (host:pid). */
  worker: string;
  /** BullMQ job id (queue mode). */
  job_id?: string;
  stages: StageStatus[];
}

export interface LocalBatchOptions {
  scans: ScanEntry[];
  cfg: RunConfig;
  configFile?: string | null;
  /** Scans run at the same time (each in its own process). */
  jobs?: number;
  /** Per-scan time limit in seconds (0: none). */
  timeoutS?: number;
  signal?: AbortSignal;
  onStart?(scan: ScanEntry): void;
  onLine?(scan: ScanEntry, line: string): void;
  onDone?(outcome: ScanOutcome, done: number, total: number): void;
}

export async function runLocalBatch(o: LocalBatchOptions): Promise<ScanOutcome[]> {
  const outcomes: ScanOutcome[] = new Array(o.scans.length);
  const jobs = Math.max(1, Math.min(o.jobs ?? 1, o.scans.length));
  let next = 0;
  let done = 0;
  const lane = async () => {
    for (;;) {
      const i = next++;
      if (i >= o.scans.length) return;
      const scan = o.scans[i];
      o.onStart?.(scan);
      const r = await runScanInChild({
        input: scan.input,
        out: scan.out,
        cfg: o.cfg,
        configFile: o.configFile ?? null,
        timeoutS: o.timeoutS,
        signal: o.signal,
        logFile: path.join(scan.out, 'run.log'),
        onLine: o.onLine ? (line) => o.onLine!(scan, line) : undefined,
      });
      const outcome: ScanOutcome = {
        ...scan,
        status: r.ok ? 'ok' : 'failed',
        error: r.ok ? null : (r.message ?? 'failed'),
        ...(r.ok ? {} : { kind: r.kind }),
        seconds: +r.seconds.toFixed(3),
        attempts: 1,
        worker: 'local',
        stages: r.stages,
      };
      outcomes[i] = outcome;
      o.onDone?.(outcome, ++done, o.scans.length);
    }
  };
  await Promise.all(Array.from({ length: jobs }, lane));
  return outcomes;
}
