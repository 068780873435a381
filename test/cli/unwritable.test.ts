/**
 * Issue #22: a read-only or unwritable output folder failed only after the computing; a full disk
 * ended in an internal error. The output folder is now checked before any computing (one line naming
 * it and the cause, exit 2), and a write that fails for lack of space names the file and the cause.
 *
 * /sys is a folder nobody may create files in, root included (sysfs), so the unwritable case needs no
 * privileges. The full disk is a 64 KiB tmpfs mounted in a private user+mount namespace (unshare -rm).
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { BIN, cli, REPO, requireAvailable, tempDir } from '../helpers.js';
import { makeFixture } from '../run/helpers.js';

function oneLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  return lines[0];
}

describe('unwritable output folder: checked before computing', () => {
  it('segment -o an existing folder that takes no files: exit 2 naming the folder, before reading the scan', () => {
    // the scan does not even exist: the output folder is checked first, so its error comes first
    const r = cli(['segment', '/nonexistent/scan.tif', '-o', '/sys', '--voxel', '1']);
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/^buried: \/sys: output folder: not writable: permission denied \(EACCES\)$/);
  });

  it('thickness -o a folder to be made under an unwritable parent: exit 2 naming the folder and the parent', async () => {
    const fx = await makeFixture([64, 32, 32], 2);
    const r = cli(['thickness', fx.scan, '-o', '/sys/buried-out']);
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr)).toBe('buried: /sys/buried-out: output folder cannot be made in /sys: not writable: permission denied (EACCES)');
  });

  it('run -o an unwritable folder: exit 2 before any stage', async () => {
    const fx = await makeFixture([64, 32, 32], 2);
    const r = cli(['run', fx.scan, '-o', '/sys', '--config', fx.config]);
    expect(r.status).toBe(2);
    expect(oneLine(r.stderr)).toMatch(/^buried: \/sys: output folder: not writable: permission denied \(EACCES\)$/);
  });
});

/** Run the CLI with `mount` (an empty folder) replaced by a tmpfs of `kib` KiB holding `fillKib` KiB already. */
function onSmallDisk(mount: string, kib: number, fillKib: number, args: string[]) {
  const script = `mount -t tmpfs -o size=${kib}k tmpfs "$1" || exit 99; [ ${fillKib} -gt 0 ] && head -c ${fillKib * 1024} /dev/zero > "$1/filler"; shift; exec "$@"`;
  return spawnSync('unshare', ['-rm', 'sh', '-c', script, 'sh', mount, process.execPath, BIN, ...args], { cwd: REPO, encoding: 'utf8' });
}

function missingNamespaces(): string | null {
  const dir = tempDir('buried-ns-');
  const r = spawnSync('unshare', ['-rm', 'sh', '-c', 'mount -t tmpfs -o size=64k tmpfs "$0"', dir], { encoding: 'utf8' });
  return r.status === 0 ? null : `cannot mount a tmpfs in a user namespace (unshare -rm): ${r.stderr.trim() || r.error?.message}`;
}

describe('disk full', () => {
  it('an output folder with no space left: exit 2 naming the folder and ENOSPC, before computing', async (ctx) => {
    requireAvailable(ctx, missingNamespaces());
    const fx = await makeFixture([64, 32, 32], 2);
    const out = path.join(tempDir('buried-full-'), 'out');
    mkdirSync(out);
    const r = onSmallDisk(out, 64, 64, ['segment', fx.scan, '-o', out]);
    expect(r.status, r.stderr).toBe(2);
    expect(oneLine(r.stderr)).toBe(`buried: ${out}: output folder: no space left on the device (ENOSPC)`);
  });

  it('space runs out while writing labels.tif: exit 2 naming labels.tif and ENOSPC, no partial file left', async (ctx) => {
    requireAvailable(ctx, missingNamespaces());
    const fx = await makeFixture([64, 64, 64], 2);
    const out = path.join(tempDir('buried-full-'), 'out');
    mkdirSync(out);
    // 8 KiB free: the probe fits, the labels (262 144 voxels, > 8 KiB compressed) do not
    const script = `mount -t tmpfs -o size=64k tmpfs "$0" || exit 99; head -c ${56 * 1024} /dev/zero > "$0/filler"; "$@"; rc=$?; ls -A "$0"; exit $rc`;
    const r = spawnSync('unshare', ['-rm', 'sh', '-c', script, out, process.execPath, BIN, 'segment', fx.scan, '-o', out], { cwd: REPO, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(2);
    expect(oneLine(r.stderr.split('\n').filter((l) => l.startsWith('buried:') && !l.startsWith('buried: note:')).join('\n'))).toBe(`buried: ${path.join(out, 'labels.tif')}: no space left on the device (ENOSPC)`);
    // what the folder held at the end, inside the namespace: the filler only (no .partial, no labels.tif)
    expect(r.stdout.trim().split('\n')).toEqual(['filler']);
    expect(existsSync(path.join(out, 'filler'))).toBe(false); // outside the namespace the tmpfs is not there
    expect(readdirSync(out)).toEqual([]);
  });
});
