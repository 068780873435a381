import type { Command } from 'commander';
import { InputError } from '../../io/errors.js';
import { DEFAULT_QUEUE_NAME, startScanWorker } from '../../batch/queue.js';
import { action } from '../run-command.js';

interface WorkerFlags {
  queue: string;
  queueName: string;
  concurrency: string;
  lockMs: string;
  stalledMs: string;
  maxStalled: string;
  name?: string;
}

function intFlag(flag: string, text: string, min: number): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < min) throw new InputError(`${flag} must be an integer ≥ ${min}, got '${text}'`);
  return n;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('process scans submitted with `buried batch --queue` (any number of workers on any machines sharing the file system); SIGINT/SIGTERM: finish running scans and stop, twice: stop now (the scans go back to the queue)')
    .requiredOption('--queue <url>', 'the Redis server of the queue: redis://HOST:PORT[/DB]')
    .option('--queue-name <name>', 'queue name (as given to buried batch)', DEFAULT_QUEUE_NAME)
    .option('--concurrency <n>', 'scans processed at once by this worker, each in its own process', '1')
    .option('--lock-ms <ms>', 'job lock time: a worker silent this long is presumed dead and its scan is handed to another worker', '30000')
    .option('--stalled-ms <ms>', 'how often to look for scans of dead workers', '30000')
    .option('--max-stalled <n>', 'a scan whose worker died more than this many times fails', '2')
    .option('--name <name>', 'worker name shown in the queue and the summary (default HOST:PID)')
    .action(
      action(async (flags: WorkerFlags) => {
        if (!/^[A-Za-z0-9._-]+$/.test(flags.queueName)) throw new InputError(`--queue-name may only contain letters, digits, '.', '_' and '-', got '${flags.queueName}'`);
        const log = (line: string) => process.stdout.write(`${line}\n`);
        const worker = await startScanWorker({
          url: flags.queue,
          queueName: flags.queueName,
          concurrency: intFlag('--concurrency', flags.concurrency, 1),
          lockMs: intFlag('--lock-ms', flags.lockMs, 500),
          stalledMs: intFlag('--stalled-ms', flags.stalledMs, 100),
          maxStalled: intFlag('--max-stalled', flags.maxStalled, 0),
          name: flags.name,
          log,
        });
        await new Promise<void>((resolve) => {
          let signals = 0;
          const onSignal = (sig: NodeJS.Signals) => {
            signals++;
            if (signals === 1) {
              log(`worker ${worker.name}: ${sig}: taking no new scans; finishing ${worker.active()} running (${sig} again to stop them now)`);
              worker.close(false).then(resolve, resolve);
            } else {
              log(`worker ${worker.name}: ${sig}: stopping the running scans; they go back to the queue`);
              worker.close(true).then(resolve, resolve);
            }
          };
          process.on('SIGINT', onSignal);
          process.on('SIGTERM', onSignal);
        });
        log(`worker ${worker.name}: stopped`);
      }),
    );
}
