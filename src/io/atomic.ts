import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** Temporary sibling name: same folder (so rename is atomic), hidden, unique per call. */
export function temporaryNameFor(target: string): string {
  const dir = path.dirname(target);
  const base = path.basename(target);
  return path.join(dir, `.${base}.${process.pid}.${randomBytes(4).toString('hex')}.partial`);
}

/**
 * A file-system error of writing `target` (e.g. ENOSPC from a write on an open descriptor, which
 * names no file) made to name the file, so the command can say which one failed.
 */
export function namingTarget(err: unknown, target: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e === 'object' && typeof e.code === 'string' && (!e.path || e.path.endsWith('.partial'))) e.path = target;
  return err;
}

/**
 * Run `write` against a temporary path, then rename onto `target`.
 * On failure the temporary file is removed, so no half-written output is ever left behind.
 */
export async function writeAtomically<T>(target: string, write: (tmpPath: string) => Promise<T>): Promise<T> {
  const tmp = temporaryNameFor(target);
  try {
    const result = await write(tmp);
    await fs.rename(tmp, target);
    return result;
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw namingTarget(err, target);
  }
}

export async function writeFileAtomically(target: string, data: string | Uint8Array): Promise<void> {
  await writeAtomically(target, (tmp) => fs.writeFile(tmp, data));
}
