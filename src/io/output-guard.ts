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

/** An output-write error (ENOSPC, EACCES, ...) as bad input naming `file`; other errors unchanged. */
export function asWriteError(err: unknown, file: string): unknown {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (err instanceof InputError || !code || !['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'ENOTDIR'].includes(code)) return err;
  return new InputError(writeFailure(err), file);
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
      throw new InputError(`output folder ${writeFailure(err)}`, dir);
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
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new InputError(`output folder ${writeFailure(err)}`, dir);
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

/** The folder `dir` (which exists) takes new files: a probe file is created and removed. */
export async function checkWritable(dir: string): Promise<void> {
  const probe = path.join(dir, `.buried-write-probe.${process.pid}.${randomBytes(4).toString('hex')}.partial`);
  try {
    await fs.writeFile(probe, 'probe');
  } catch (err) {
    throw new InputError(`output folder ${writeFailure(err)}`, dir);
  } finally {
    await fs.rm(probe, { force: true }).catch(() => undefined);
  }
}
