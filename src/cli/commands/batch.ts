import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../io/errors.js';
import { assignNames, expandInputs } from '../../batch/list.js';
import { runLocalBatch, type ScanOutcome } from '../../batch/local.js';
import { checkQueueReachable, DEFAULT_LOST_MS, DEFAULT_QUEUE_NAME, showUrl, submitAndFollow } from '../../batch/queue.js';
import { writeSummary } from '../../batch/summary.js';
import { ensureOutputDir } from '../input-options.js';
import { action, emit, EXIT_BAD_INPUT, EXIT_INTERNAL } from '../run-command.js';
import { addConfigOptions, configFromFlags, type ConfigFlags } from '../config-flags.js';

interface BatchFlags extends ConfigFlags {
  out: string;
  jobs: string;
  timeout: string;
  queue?: string;
  queueName: string;
  attempts: string;
  backoff: string;
  queueTimeout: string;
  resubmit?: boolean;
  verbose?: boolean;
  quiet?: boolean;
  json?: boolean;
}

function positiveInt(flag: string, text: string, min = 1): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new InputError(`${flag} must be an integer ≥ ${min}, got '${text}'`);
  return n;
}

function nonNegative(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new InputError(`${flag} must be a number ≥ 0, got '${text}'`);
  return n;
}

/** A path as the user would type it: relative when inside the working folder. */
function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : path.resolve(p);
}

export function registerBatch(program: Command): void {
  const cmd = program
    .command('batch')
    .description('run the pipeline on many scans: one run folder and manifest each, plus summary.csv and summary.html across scans; here (--jobs) or on queue workers (--queue)')
    .argument('<inputs...>', "scans, list files (@FILE or *.txt/*.list/*.lst, one path per line) or quoted patterns with * ? [..] in any path segment, e.g. 'scans/*.tif'")
    .requiredOption('-o, --out <dir>', 'batch folder: <scan-name>/ per scan (as `buried run -o`), summary.csv, summary.html, batch.json')
    .option('--jobs <n>', 'scans run at the same time on this machine, each in its own process (without --queue)', '1')
    .option('--timeout <s>', 'time limit of one scan attempt in seconds (0 = none); the run process is killed', '0')
    .option('--queue <url>', 'submit the scans to a BullMQ queue on this Redis server (redis://HOST:PORT[/DB]) for `buried worker`s, follow them, then write the summary')
    .option('--queue-name <name>', 'queue name (workers must use the same)', DEFAULT_QUEUE_NAME)
    .option('--attempts <n>', 'queue: attempts per scan (a failed or timed-out attempt is retried with exponential backoff; bad input is not)', '3')
    .option('--backoff <ms>', 'queue: delay before the first retry (ms), doubling each retry', '5000')
    .option('--queue-timeout <s>', "queue: give up (exit 1, no summary) when the Redis server has not answered for this long (s); the workers' finished scans keep their run folders", String(DEFAULT_LOST_MS / 1000))
    .option('--resubmit', 'queue: redo scans whose jobs already finished (e.g. a scan file changed in place); stages still up to date are skipped')
    .option('--verbose', 'print each scan\'s stage lines too')
    .option('--quiet', 'no progress lines on stderr')
    .option('--json', 'print the batch result (scans, status, files) as JSON on stdout');
  addConfigOptions(cmd);
  cmd.action(
    action(async (inputs: string[], flags: BatchFlags) => {
      const jobs = positiveInt('--jobs', flags.jobs);
      const timeoutS = nonNegative('--timeout', flags.timeout);
      const attempts = positiveInt('--attempts', flags.attempts);
      const backoffMs = nonNegative('--backoff', flags.backoff);
      const queueTimeoutS = nonNegative('--queue-timeout', flags.queueTimeout);
      if (queueTimeoutS < 0.1) throw new InputError(`--queue-timeout must be at least 0.1 s, got '${flags.queueTimeout}'`);
      if (!/^[A-Za-z0-9._-]+$/.test(flags.queueName)) throw new InputError(`--queue-name may only contain letters, digits, '.', '_' and '-', got '${flags.queueName}'`);
      const cfg = await configFromFlags(flags);
      const scans = assignNames(await expandInputs(inputs), flags.out);
      if (flags.queue) await checkQueueReachable(flags.queue);
      await ensureOutputDir(flags.out);
      const dir = path.resolve(flags.out);
      const log = (line: string) => {
        if (!flags.quiet) process.stderr.write(`${line}\n`);
      };
      log(`batch: ${scans.length} scan${scans.length === 1 ? '' : 's'} → ${displayPath(dir)}`);

      let outcomes: ScanOutcome[];
      if (flags.queue) {
        outcomes = await submitAndFollow({
          url: flags.queue,
          queueName: flags.queueName,
          scans,
          cfg,
          configFile: flags.config ?? null,
          attempts,
          backoffMs,
          timeoutS,
          resubmit: Boolean(flags.resubmit),
          verbose: Boolean(flags.verbose),
          lostMs: queueTimeoutS * 1000,
          log,
        });
      } else {
        outcomes = await runLocalBatch({
          scans,
          cfg,
          configFile: flags.config ?? null,
          jobs,
          timeoutS,
          onStart: (s) => log(`${s.name}: started (${s.input})`),
          onLine: flags.verbose ? (s, line) => /^stage \d+\/\d+: /.test(line) && log(`${s.name}: ${line}`) : undefined,
          onDone: (r, done, total) =>
            log(r.status === 'ok' ? `[${done}/${total}] ${r.name}: done in ${r.seconds.toFixed(1)} s` : `[${done}/${total}] ${r.name}: FAILED: ${r.error} (log: ${displayPath(path.join(r.out, 'run.log'))})`),
        });
      }

      const files = await writeSummary({ dir, outcomes, cfg, configFile: flags.config ?? null, mode: flags.queue ? showUrl(flags.queue) : 'local' });
      const failed = outcomes.filter((r) => r.status !== 'ok');
      emit(
        Boolean(flags.json),
        {
          out: dir,
          mode: flags.queue ? 'queue' : 'local',
          scans: outcomes.map((r) => ({ name: r.name, input: r.input, out: r.out, status: r.status, error: r.error, seconds: r.seconds, attempts: r.attempts, worker: r.worker, job_id: r.job_id ?? null })),
          summary: { csv: files.csv, html: files.html, json: files.json },
        },
        [
          `${outcomes.length} scan${outcomes.length === 1 ? '' : 's'}: ${outcomes.length - failed.length} ok${failed.length ? `, ${failed.length} failed (${failed.map((r) => r.name).join(', ')})` : ''}`,
          `summary ${displayPath(files.csv)}`,
          `report ${displayPath(files.html)}`,
        ].join('\n'),
      );
      // some scans failed: 2 when every failure was bad input, else 1
      if (failed.length) process.exitCode = failed.every((r) => r.kind === 'input') ? EXIT_BAD_INPUT : EXIT_INTERNAL;
    }),
  );
}
