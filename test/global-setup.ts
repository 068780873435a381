/**
 * Every test's temporary files go to one folder per `npm test` run (TMPDIR, which os.tmpdir(), the
 * scratch volumes, Python and Chromium all follow), removed when the run ends, so repeated runs
 * leave nothing behind in /tmp.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'buried-tests-'));
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
