import { InputError, ServiceLostError, type InputWarning } from '../io/errors.js';
import { asWriteError, recordOutputs, removeEmptyCreatedFolders } from '../io/output-guard.js';

/**
 * Exit codes shared by every command (contract): 0 ok, 1 internal error, 2 bad usage or input,
 * 3 segmentation confidence low under --strict (`segment`, `run`; the outputs are written all the same).
 */
export const EXIT_OK = 0;
export const EXIT_INTERNAL = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_LOW_CONFIDENCE = 3;

/** The exit codes for --help. */
export const EXIT_CODES_HELP = `Exit codes: ${EXIT_OK} ok, ${EXIT_INTERNAL} internal error, ${EXIT_BAD_INPUT} bad usage or input, ${EXIT_LOW_CONFIDENCE} segmentation confidence low with --strict (segment, run; outputs are still written).`;

export function printWarnings(warnings: InputWarning[]): void {
  for (const w of warnings) process.stderr.write(`buried: warning: ${w.file && !w.message.startsWith(w.file) ? `${w.file}: ` : ''}${w.message}\n`);
}

/**
 * A flag renamed for consistency (issue #22): the old spelling still works, hidden from --help, with a
 * note on stderr. Returns the value given under either name (the new one wins) and the name used.
 */
export function renamedFlag<T>(flags: Record<string, unknown>, now: { key: string; flag: string }, old: { key: string; flag: string }): { value: T; flag: string } {
  const oldValue = flags[old.key] as T | undefined;
  if (oldValue !== undefined) {
    process.stderr.write(`buried: note: ${old.flag} is deprecated here; use ${now.flag}\n`);
    if (flags[now.key] === undefined) return { value: oldValue, flag: old.flag };
  }
  return { value: flags[now.key] as T, flag: now.flag };
}

/** Print a result: JSON on stdout with --json, else the human text. */
export function emit(json: boolean, summary: unknown, text: string): void {
  if (json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** An allocation that exceeds what the process can hold (a header claiming 10¹⁰ voxels, ...). */
function allocationFailure(err: unknown): boolean {
  return err instanceof RangeError && /Invalid typed array length|Array buffer allocation failed|Invalid array buffer length/.test(err.message);
}

/**
 * Wrap a command action: bad input becomes one line on stderr and exit 2, a lost service one line
 * and exit 1, anything else an internal error (exit 1, stack with BURIED_DEBUG=1).
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    let failed = true;
    try {
      await fn(...args);
      failed = false;
    } catch (caught) {
      // disk full, read-only or no permission while writing: one line naming the file and the cause
      let err = asWriteError(caught);
      // a volume larger than memory (an array that cannot be made): bad input naming the input, with the way out
      if (allocationFailure(err)) {
        const input = typeof args[0] === 'string' ? args[0] : undefined;
        err = new InputError(`the volume is larger than memory can hold (${(err as Error).message}): give --memory SIZE (e.g. 8G, below the free RAM) so the voxel stages stream it from disk in slabs, or analyse a part with --roi`, input);
      }
      if (err instanceof InputError) {
        process.stderr.write(`buried: ${err.message}\n`);
        process.exitCode = EXIT_BAD_INPUT;
      } else if (err instanceof ServiceLostError) {
        process.stderr.write(`buried: ${err.message}\n`);
        process.exitCode = EXIT_INTERNAL;
      } else {
        const e = err as Error;
        process.stderr.write(`buried: internal error: ${e?.message ?? String(err)}\n`);
        if (process.env.BURIED_DEBUG) process.stderr.write(`${e?.stack ?? ''}\n`);
        process.exitCode = EXIT_INTERNAL;
      }
    } finally {
      // the outputs written (also before a failure) are buried's: a later run may replace them
      await recordOutputs();
      // an output folder made for this command and left empty by its failure is removed
      if (failed) await removeEmptyCreatedFolders();
    }
  };
}
