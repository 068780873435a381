/**
 * Unlinked temporary files in the scratch folder of the out-of-core stages ($BURIED_SCRATCH, else
 * the OS temporary folder): removed from the folder as soon as opened, so the kernel frees them when
 * the process ends, even on a crash. Positional reads and writes that finish or throw.
 */
import { openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function scratchFolder(): string {
  return process.env.BURIED_SCRATCH ?? os.tmpdir();
}

/** Open a new unlinked file in the scratch folder; returns its descriptor. */
export function openScratchFile(prefix: string): number {
  const file = path.join(scratchFolder(), `${prefix}-${process.pid}-${Math.random().toString(36).slice(2)}.bin`);
  const fd = openSync(file, 'w+', 0o600);
  unlinkSync(file);
  return fd;
}

/** Write all of `bytes` at byte offset `at`. */
export function writeAt(fd: number, bytes: Uint8Array, at: number, what: string): void {
  for (let done = 0; done < bytes.length; ) {
    const n = writeSync(fd, bytes, done, bytes.length - done, at + done);
    if (n <= 0) throw new Error(`${what}: short write at byte ${at + done}`);
    done += n;
  }
}

/** Fill all of `bytes` from byte offset `at`. */
export function readAt(fd: number, bytes: Uint8Array, at: number, what: string): void {
  for (let done = 0; done < bytes.length; ) {
    const n = readSync(fd, bytes, done, bytes.length - done, at + done);
    if (n <= 0) throw new Error(`${what}: file ended early at byte ${at + done}`);
    done += n;
  }
}
