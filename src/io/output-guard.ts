/**
 * Guards of an output folder, checked before any work is done:
 * - lockFolder: one `buried run` per run folder at a time (a lock file naming the holder's pid;
 *   a lock left by a process that no longer runs is taken over);
 * - checkWritable: the folder can take new files (a probe file is created and removed), so a
 *   read-only or full folder fails in one line before hours of computing;
 * - guardForeignFiles: files of the same names that this project did not write are never replaced
 *   without --force.
 */
import { promises as fs, unlinkSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { InputError } from './errors.js';
import { writeFileAtomically } from './atomic.js';

/** Lock file of a run folder: the pid of the `buried run` writing into it. */
export const RUN_LOCK = '.buried-run.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Why an output could not be written, in words (the errno code kept for searching). */
export function writeFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException)?.code;
  switch (code) {
    case 'ENOSPC':
      return 'no space left on the device (ENOSPC)';
    case 'EDQUOT':
      return 'disk quota exceeded (EDQUOT)';
    case 'EROFS':
      return 'read-only file system (EROFS)';
    case 'EACCES':
    case 'EPERM':
      return `not writable: permission denied (${code})`;
    case 'ENOTDIR':
      return 'a path component is a file, not a folder (ENOTDIR)';
    default:
      return `cannot write (${code ?? (err as Error)?.message ?? 'error'})`;
  }
}

/** The file a temporary name of writeAtomically (`.NAME.PID.HEX.partial`) stands for; other paths unchanged. */
export function targetOf(file: string): string {
  const m = /^\.(.+)\.\d+\.[0-9a-f]+\.partial$/.exec(path.basename(file));
  return m ? path.join(path.dirname(file), m[1]) : file;
}

/**
 * A file-system error of writing (disk full, read-only, no permission) as bad input: one line naming
 * the file (the target, not its temporary name) and the cause. Other errors are returned unchanged.
 */
export function asWriteError(err: unknown): unknown {
  const e = err as NodeJS.ErrnoException;
  if (err instanceof InputError || !e?.code || !e.path || !['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM'].includes(e.code)) return err;
  return new InputError(writeFailure(err), targetOf(e.path));
}

/**
 * Before any computing: the output folder `dir` can be written, or, when it does not exist yet, its
 * nearest existing parent folder can take it (nothing is created here).
 */
export async function checkOutputFolder(dir: string): Promise<void> {
  let probe = path.resolve(dir);
  for (;;) {
    let st;
    try {
      st = await fs.stat(probe);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const parent = path.dirname(probe);
      if (code === 'ENOENT' && parent !== probe) {
        probe = parent;
        continue;
      }
      throw new InputError(`output folder cannot be made: ${writeFailure(err)}`, dir);
    }
    if (!st.isDirectory()) {
      throw new InputError(probe === path.resolve(dir) ? 'output directory exists and is not a directory' : `output folder cannot be made: ${probe} is a file, not a folder`, dir);
    }
    if (probe === path.resolve(dir)) return checkWritable(probe, dir);
    const test = path.join(probe, `.buried-write-probe.${process.pid}.${randomBytes(4).toString('hex')}.partial`);
    try {
      await fs.writeFile(test, 'probe');
    } catch (err) {
      throw new InputError(`output folder cannot be made in ${probe}: ${writeFailure(err)}`, dir);
    } finally {
      await fs.rm(test, { force: true }).catch(() => undefined);
    }
    return;
  }
}

/**
 * Take the lock of the run folder `dir` (which exists): exit-2 error naming the holder when another
 * live process holds it; a lock of a dead process is taken over. Returns the release function
 * (also run at process exit).
 */
export async function lockFolder(dir: string): Promise<() => Promise<void>> {
  const lock = path.join(dir, RUN_LOCK);
  for (let attempt = 0; attempt < 3; attempt++) {
    // the pid is written before the lock appears (link is atomic): a reader never sees an empty lock
    const tmp = path.join(dir, `${RUN_LOCK}.${process.pid}.${randomBytes(4).toString('hex')}.partial`);
    try {
      await fs.writeFile(tmp, `${process.pid}\n`);
    } catch (err) {
      throw new InputError(`output folder: ${writeFailure(err)}`, dir);
    }
    try {
      await fs.link(tmp, lock);
      await fs.rm(tmp, { force: true });
      const onExit = () => {
        try {
          unlinkSync(lock);
        } catch {
          /* already gone */
        }
      };
      process.once('exit', onExit);
      return async () => {
        process.removeListener('exit', onExit);
        await fs.rm(lock, { force: true });
      };
    } catch (err) {
      await fs.rm(tmp, { force: true });
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new InputError(`output folder: ${writeFailure(err)}`, dir);
    }
    const pid = Number.parseInt(await fs.readFile(lock, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
      throw new InputError(`output folder in use by pid ${pid} (another buried run writes into it; wait for it to finish, or stop it)`, dir);
    }
    // stale: its process is gone (killed); take it over
    await fs.rm(lock, { force: true });
  }
  throw new InputError('output folder in use by another buried run (its lock keeps changing hands)', dir);
}

/** The folder `dir` (which exists) takes new files: a probe file is created and removed. `name`: how the message names it. */
export async function checkWritable(dir: string, name = dir): Promise<void> {
  const probe = path.join(dir, `.buried-write-probe.${process.pid}.${randomBytes(4).toString('hex')}.partial`);
  try {
    await fs.writeFile(probe, 'probe');
  } catch (err) {
    throw new InputError(`output folder: ${writeFailure(err)}`, name);
  } finally {
    await fs.rm(probe, { force: true }).catch(() => undefined);
  }
}

/**
 * The ledger of an output folder: the files `buried` wrote there, with their size and modification
 * time when written. A file of an output's name that is not in it (or changed since) is another
 * tool's, and is not replaced without --force.
 */
export const OUTPUT_LEDGER = '.buried-outputs.json';

interface LedgerEntry {
  bytes: number;
  mtime_ms: number;
}
interface Ledger {
  written_by: 'buried-li';
  /** true in the run folder of `buried run` (its stage folders keep their own records). */
  run?: boolean;
  files: Record<string, LedgerEntry>;
}

async function readLedger(dir: string): Promise<Ledger | null> {
  try {
    const doc = JSON.parse(await fs.readFile(path.join(dir, OUTPUT_LEDGER), 'utf8')) as Ledger;
    return doc && doc.written_by === 'buried-li' && typeof doc.files === 'object' && doc.files !== null ? doc : null;
  } catch {
    return null;
  }
}

async function writeLedger(dir: string, ledger: Ledger): Promise<void> {
  await writeFileAtomically(path.join(dir, OUTPUT_LEDGER), `${JSON.stringify(ledger, null, 1)}\n`);
}

/** Outputs this process is about to write: recorded in their folder's ledger by recordOutputs. */
const pending: { dir: string; files: readonly string[]; since: number }[] = [];

/** The files of `files` (names in `dir`) that exist and that buried did not write there. */
export async function foreignFiles(dir: string, files: readonly string[]): Promise<string[]> {
  const ledger = await readLedger(dir);
  const foreign: string[] = [];
  for (const f of files) {
    let st;
    try {
      st = await fs.stat(path.join(dir, f));
    } catch {
      continue;
    }
    const e = ledger?.files[f];
    if (!e || e.bytes !== st.size || e.mtime_ms !== st.mtimeMs) foreign.push(f);
  }
  return foreign;
}

/** Refuse (exit 2) to replace files in `dir` that buried did not write, unless `force`; then note the files to record. */
export async function guardForeignFiles(dir: string, files: readonly string[], force = false): Promise<void> {
  const foreign = await foreignFiles(dir, files);
  if (foreign.length && !force) {
    throw new InputError(
      `${foreign.join(', ')} ${foreign.length > 1 ? 'exist' : 'exists'} and ${foreign.length > 1 ? 'were' : 'was'} not written by buried (another tool's?); not replaced: choose another output folder, or give --force to replace ${foreign.length > 1 ? 'them' : 'it'}`,
      dir,
    );
  }
  // coarse file-system clocks can stamp a file a little before Date.now() said
  pending.push({ dir, files, since: Date.now() - 50 });
}

/** Record the outputs written by this process (noted by guardForeignFiles) in their folders' ledgers. */
export async function recordOutputs(): Promise<void> {
  for (const p of pending.splice(0)) {
    const ledger: Ledger = (await readLedger(p.dir)) ?? { written_by: 'buried-li', files: {} };
    let changed = false;
    for (const f of p.files) {
      try {
        const st = await fs.stat(path.join(p.dir, f));
        if (st.mtimeMs < p.since) continue; // not written now: left as it was
        ledger.files[f] = { bytes: st.size, mtime_ms: st.mtimeMs };
        changed = true;
      } catch {
        /* not written */
      }
    }
    if (changed) await writeLedger(p.dir, ledger).catch(() => undefined);
  }
}

/** Names `buried run` writes at the top of its run folder. */
const RUN_NAMES = ['manifest.json', 'report.html', 'figures', 'segment', 'thickness', 'strip', 'current', 'fem'];

/**
 * `buried run` into `dir` (which exists, locked by this process): a folder that is not a run folder
 * of buried but holds files of the run's names is not written into without --force. Marks the folder
 * as a run folder.
 */
export async function guardRunFolder(dir: string, force: boolean): Promise<void> {
  const ledger = await readLedger(dir);
  if (!ledger?.run) {
    const present: string[] = [];
    for (const n of RUN_NAMES) {
      try {
        await fs.lstat(path.join(dir, n));
        present.push(n);
      } catch {
        /* absent */
      }
    }
    let ours = false;
    try {
      ours = (JSON.parse(await fs.readFile(path.join(dir, 'manifest.json'), 'utf8')) as { tool?: string }).tool === 'buried run';
    } catch {
      /* no manifest of a run */
    }
    if (present.length && !ours && !force) {
      throw new InputError(
        `not a run folder of buried, and ${present.join(', ')} would be replaced (another tool's?): choose another output folder, or give --force to write into it`,
        dir,
      );
    }
    await writeLedger(dir, { ...(ledger ?? { written_by: 'buried-li', files: {} }), run: true });
  }
}

/** Output folders this process created: [first folder mkdir made, the output folder]. */
const created: [string, string][] = [];

/** Note that mkdir made `first` (and the folders below it down to `dir`) for an output folder. */
export function noteCreatedFolder(first: string | undefined, dir: string): void {
  if (first) created.push([path.resolve(first), path.resolve(dir)]);
}

/**
 * After a failure: remove the output folders this process created and left empty (from the output
 * folder up to the first one mkdir made), so a failed command leaves nothing behind.
 */
export async function removeEmptyCreatedFolders(): Promise<void> {
  for (const [first, dir] of created.splice(0).reverse()) {
    for (let d = dir; ; d = path.dirname(d)) {
      try {
        await fs.rmdir(d); // only an empty folder
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') break;
      }
      if (d === first || path.dirname(d) === d) break;
    }
  }
}

/** Remove the folder `dir` when it holds no file but buried's own marks (ledger, lock) and empty folders. */
export async function removeIfNothingWritten(dir: string): Promise<void> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true, recursive: true });
  } catch {
    return;
  }
  if (entries.some((e) => !e.isDirectory() && e.name !== OUTPUT_LEDGER && e.name !== RUN_LOCK)) return;
  await fs.rm(dir, { recursive: true, force: true });
}
