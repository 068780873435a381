import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { registerSynth } from '../../src/cli/commands/synth.js';
import { runCliInProcess } from '../cli-in-process.js';

const root = mkdtempSync(path.join(tmpdir(), 'synth-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('buried synth: layout flags', () => {
  it('symmetric with axis, tilt, fov and surroundings writes both electrodes\' maps', async () => {
    const dir = path.join(root, 'sym');
    const r = await runCliInProcess([registerSynth], ['synth', dir, '--preset', 'symmetric', '--shape', '40,100,40', '--axis', 'y', '--tilt', '3,45', '--fov', 'circle:nan', '--surroundings', 'air', '--json']);
    expect(r.code).toBe(0);
    for (const f of ['scan.tif', 'labels.tif', 'thickness_um.tif', 'penetration_um.tif', 'thickness_far_um.tif', 'penetration_far_um.tif', 'truth.json']) expect(existsSync(path.join(dir, f))).toBe(true);
    const t = JSON.parse(readFileSync(path.join(dir, 'truth.json'), 'utf8'));
    expect(t.normal_axis).toBe('y');
    expect(t.fov.fill).toBe('nan');
    expect(t.dtype).toBe('float32');
    expect(t.electrodes.map((e: { name: string }) => e.name)).toEqual(['near', 'far']);
  });

  it.each([
    ['--axis', 'w'],
    ['--tilt', '20'],
    ['--fov', 'circle:x'],
    ['--surroundings', 'sea'],
    ['--dtype', 'int8'],
  ])('%s %s exits 2 with one line', async (flag, value) => {
    const r = await runCliInProcess([registerSynth], ['synth', path.join(root, 'bad'), '--shape', '40,24,24', flag, value]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(path.join(root, 'bad', 'scan.tif'))).toBe(false);
  });
});
