/**
 * A symmetric Li | electrolyte | Li cell through `buried thickness` and `buried run`: one thickness,
 * penetration and contact map per electrode (the far one's files end in _far), a stripping replay and
 * a current solve per electrode (far/ sub-folders), and the report's electrode sections; the far
 * electrode's map is checked against the phantom's exact far map.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadVolume } from '../../src/io/open.js';
import { cli, tempDir } from '../helpers.js';
import { mae } from '../thickness/map-helpers.js';

let root = '';
let phantom = '';
beforeAll(() => {
  root = tempDir('buried-symmetric-run-');
  phantom = path.join(root, 'phantom');
  const r = cli(['synth', phantom, '--preset', 'symmetric', '--shape', '96,64,64', '--seed', '7']);
  expect(r.status, r.stderr).toBe(0);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const json = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

describe('buried thickness on a symmetric cell', () => {
  it('writes near and far maps, lists both electrodes, and --electrodes 1 measures one', () => {
    const out = path.join(root, 'th');
    const r = cli(['thickness', path.join(phantom, 'labels.tif'), '-o', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\[near\] Li thickness/m);
    expect(r.stdout).toMatch(/^\[far\] Li thickness/m);
    for (const f of ['thickness_um.tif', 'thickness_far_um.tif', 'penetration_far_um.tif', 'surface_height_far_um.tif', 'li_top_height_far_um.tif', 'contact.tif', 'contact_far.tif', 'thickness_far.json', 'thickness_far.png', 'interface.json'])
      expect(existsSync(path.join(out, f)), f).toBe(true);
    const th = json(path.join(out, 'thickness.json'));
    expect(th.electrode).toBe('near');
    expect(th.electrodes.map((e: { name: string; suffix: string }) => [e.name, e.suffix])).toEqual([['near', ''], ['far', '_far']]);
    expect(th.electrode_detection.count).toBe(2);
    expect(json(path.join(out, 'thickness_far.json')).normal.li_side).toBe('high');
    const iface = json(path.join(out, 'interface.json'));
    expect(Object.keys(iface.electrodes)).toEqual(['near', 'far']);
    expect(iface.electrodes.far.contact_file).toBe('contact_far.tif');

    const one = path.join(root, 'th1');
    const r1 = cli(['thickness', path.join(phantom, 'labels.tif'), '-o', one, '--electrodes', '1']);
    expect(r1.status, r1.stderr).toBe(0);
    expect(existsSync(path.join(one, 'thickness_far_um.tif'))).toBe(false);
    expect(json(path.join(one, 'thickness.json')).electrodes.map((e: { name: string }) => e.name)).toEqual(['anode']);

    const bad = cli(['thickness', path.join(phantom, 'labels.tif'), '-o', path.join(root, 'bad'), '--electrodes', '3']);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('--electrodes must be auto, 1 or 2');
  });
});

describe('buried run on a symmetric cell', () => {
  let out = '';
  beforeAll(() => {
    out = path.join(root, 'run');
    const r = cli([
      'run', path.join(phantom, 'scan.tif'), '-o', out, '--quiet', '--workers', '2',
      '--set', 'strip.steps=20', '--set', 'strip.current_steps=4', '--set', 'strip.solve_grid=16', '--set', 'current.grid=32',
      '--set', 'fem.pressures=5', '--set', 'fem.hold_s=60', '--set', 'report.figure_width_px=600',
    ]);
    expect(r.status, r.stderr).toBe(0);
  }, 240_000);

  it('one map, replay and current solve per electrode', () => {
    for (const f of ['thickness/thickness_far_um.tif', 'thickness/contact_far.tif', 'strip/stripping.json', 'strip/far/stripping.json', 'strip/far/stripping.csv', 'current/current.json', 'current/far/current.json', 'current/far/current_density.tif'])
      expect(existsSync(path.join(out, f)), f).toBe(true);
    expect(json(path.join(out, 'strip', 'far', 'stripping.json')).input).toBe(path.join(out, 'thickness', 'thickness_far_um.tif'));
    expect(json(path.join(out, 'current', 'far', 'current.json')).input).toBe(path.join(out, 'thickness', 'contact_far.tif'));
  });

  it('the far map from the segmented scan is within 1 voxel (MAE) of the exact far map', async () => {
    const measured = await loadVolume(path.join(out, 'thickness', 'thickness_far_um.tif'));
    const truth = await loadVolume(path.join(phantom, 'thickness_far_um.tif'));
    const voxel = json(path.join(phantom, 'truth.json')).voxel_um as number;
    const r = mae(measured.data as Float32Array, truth.data as Float32Array, voxel);
    expect(r.n).toBe(64 * 64);
    expect(r.mae).toBeLessThanOrEqual(1);
  });

  it('the report compares the electrodes and shows the far one', () => {
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    const ids = [...html.matchAll(/<section id="([^"]+)">/g)].map((m) => m[1]);
    expect(ids).toContain('electrodes');
    expect(ids).toContain('electrode-far');
    expect(html).toContain('Li thickness map (near electrode)');
    for (const f of ['thickness_map_far.svg', 'stripping_far.png', 'current_density_far.svg']) expect(existsSync(path.join(out, 'figures', f)), f).toBe(true);
  });
});
