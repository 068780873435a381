/**
 * Entry of the child process that runs ONE scan's pipeline for `buried batch` and `buried worker`
 * (forked by runner.ts with an IPC channel). It receives one `run` message, runs `runPipeline`
 * with progress lines on stderr, answers with one `result` message and exits.
 *
 * The child never outlives its parent: a watchdog thread checks every 200 ms whether the process
 * was re-parented (the parent died, e.g. a worker killed with SIGKILL) and then kills the child at
 * once, even while the main thread is busy in a long synchronous computation. Otherwise an orphan
 * could keep writing into a scan folder that another worker is already resuming.
 */
import { Worker } from 'node:worker_threads';
import { InputError } from '../io/errors.js';
import { runPipeline } from '../pipeline/run.js';
import type { ChildRequest, ChildResponse } from './runner.js';

const WATCHDOG = `
const { workerData } = require('node:worker_threads');
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.kill(workerData.pid, 'SIGKILL');
}, 200);
`;

function startWatchdog(): void {
  const w = new Worker(WATCHDOG, { eval: true, workerData: { pid: process.pid } });
  w.unref();
}

function send(msg: ChildResponse): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(msg, undefined, {}, () => resolve());
  });
}

async function handle(req: ChildRequest): Promise<void> {
  const t0 = performance.now();
  try {
    const r = await runPipeline({ input: req.input, out: req.out, cfg: req.cfg, configFile: req.configFile, quiet: false, stream: process.stderr, tty: false });
    await send({
      type: 'result',
      ok: true,
      seconds: r.seconds,
      stages: r.stages.map((s) => ({ stage: s.stage, status: s.status, seconds: +s.seconds.toFixed(3) })),
      manifest: r.manifest,
      peak_rss_bytes: r.peak_rss_bytes,
    });
  } catch (err) {
    const input = err instanceof InputError;
    const e = err as Error;
    process.stderr.write(`run: ${input ? '' : 'internal error: '}${e?.message ?? String(err)}\n`);
    if (!input && e?.stack) process.stderr.write(`${e.stack}\n`);
    await send({ type: 'result', ok: false, kind: input ? 'input' : 'internal', message: e?.message ?? String(err), seconds: (performance.now() - t0) / 1000 });
  }
}

if (process.send) {
  startWatchdog();
  // the parent went away (IPC closed): nothing to report to, stop at once
  process.on('disconnect', () => process.exit(1));
  process.once('message', (message: unknown) => {
    const msg = message as ChildRequest | null;
    if (msg?.type !== 'run') process.exit(1);
    void handle(msg).then(() => process.exit(0));
  });
}
