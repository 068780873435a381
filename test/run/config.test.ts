import { describe, expect, it } from 'vitest';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers.js';
import { InputError } from '../../src/io/errors.js';
import { allKeys, configTable, defaultConfig, fieldFor, resolveConfig, SCHEMA } from '../../src/pipeline/config.js';
import { runCli } from './helpers.js';

/** exit 2, exactly one stderr line containing `text`, nothing written. */
function expectConfigError(args: string[], text: string): void {
  const out = path.join(tempDir('buried-cfg-'), 'never');
  const r = runCli(['run', ...args, '-o', out]);
  expect(r.status, r.stderr).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toContain(text);
  expect(r.stdout).toBe('');
  expect(existsSync(out)).toBe(false);
}

function file(name: string, text: string): string {
  const f = path.join(tempDir('buried-cfg-'), name);
  writeFileSync(f, text);
  return f;
}

describe('run configuration', () => {
  it('renamed keys (σ = conductivity: strip/current/fem.sigma → .conductivity) still work by their old name, with a note', async () => {
    const notes: string[] = [];
    const viaFile = await resolveConfig({ file: file('old.yaml', 'current:\n  sigma: 4\nfem:\n  sigma: 3\n'), sets: ['strip.sigma=5'], onNote: (m) => notes.push(m) });
    expect([viaFile.current.conductivity, viaFile.fem.conductivity, viaFile.strip.conductivity]).toEqual([4, 3, 5]);
    expect(notes).toEqual([
      'current.sigma is now current.conductivity; the old name works for this version only',
      'fem.sigma is now fem.conductivity; the old name works for this version only',
      'strip.sigma is now strip.conductivity; the old name works for this version only',
    ]);
    // the old flag, hidden from --help, sets the new key; segment.sigma (a Gaussian width) is untouched
    const r = runCli(['run', '--help']);
    expect(r.stdout).toContain('--current-conductivity');
    expect(r.stdout).not.toContain('--current-sigma');
    expect(r.stdout).toContain('--segment-sigma');
    expect((await resolveConfig({ flags: { 'current.sigma': '7' } })).current.conductivity).toBe(7);
    const old = runCli(['run', '--current-sigma', 'abc', '-o', path.join(tempDir('buried-cfg-'), 'never')]);
    expect(old.status).toBe(2);
    expect(old.stderr).toContain('buried: note: current.sigma is now current.conductivity');
    expect(old.stderr).toContain("config: current.conductivity must be a positive number, got 'abc'");
  });

  it('every key has a default that passes its own validator, a doc line and a flag', () => {
    const d = defaultConfig();
    expect(allKeys().length).toBeGreaterThan(40);
    for (const key of allKeys()) {
      const [s, k] = key.split('.');
      const f = fieldFor(key);
      expect(f.doc.length, key).toBeGreaterThan(5);
      expect(f.check((d as any)[s][k]), key).toEqual(f.default);
    }
    expect(Object.keys(SCHEMA)).toEqual(['input', 'run', 'segment', 'thickness', 'pores', 'strip', 'current', 'fem', 'report']);
    expect(configTable(d).every((r) => !r.changed)).toBe(true);
  });

  it('file < --set < flags, and the values are typed', async () => {
    const f = file('c.yaml', 'strip:\n  steps: 30\n  at: [0.5, 0.9]\nfem:\n  pressures: [2, 4]\nsegment:\n  method: gmm\n');
    const cfg = await resolveConfig({ file: f, sets: ['strip.steps=35', 'fem.li=elastic'], flags: { 'strip.steps': '40', 'current.extrapolate': 'true', 'run.voxel': '1.5,1.7,1.7' } });
    expect(cfg.strip.steps).toBe(40);
    expect(cfg.strip.at).toEqual([0.5, 0.9]);
    expect(cfg.fem.pressures).toEqual([2, 4]);
    expect(cfg.fem.li).toBe('elastic');
    expect(cfg.segment.method).toBe('gmm');
    expect(cfg.current.extrapolate).toBe(true);
    expect(cfg.run.voxel).toEqual([1.5, 1.7, 1.7]);
    expect(cfg.thickness.normal).toBe('segment');
    const j = file('c.json', JSON.stringify({ current: { thickness_um: 300, j_nominal: 1, j_crit: 5 } }));
    const cj = await resolveConfig({ file: j });
    expect(cj.current.thickness_um).toBe(300);
    expect(cj.current.j_crit).toBe(5);
  });

  it('unknown keys and bad values are InputErrors naming the key', async () => {
    const cases: [Parameters<typeof resolveConfig>[0], string][] = [
      [{ file: file('a.yaml', 'segment:\n  methd: otsu\n') }, "config: unknown key 'segment.methd'"],
      [{ file: file('b.yaml', 'segmnt:\n  method: otsu\n') }, "config: unknown key 'segmnt'"],
      [{ file: file('c.yaml', 'segment:\n  method: x\n') }, "config: segment.method must be one of otsu, gmm, got 'x'"],
      [{ file: file('d.json', '{"strip": {"steps": 2.5}}') }, 'config: strip.steps must be an integer'],
      [{ file: file('e.json', '{"strip": {"steps": "40"}}') }, "config: strip.steps must be an integer in 1…100000, got '40'"],
      [{ file: file('f.yaml', 'fem:\n  pressures: [5, 1]\n') }, 'config: fem.pressures must be a list'],
      [{ file: file('g.yaml', 'strip:\n  at: [0.5, 1.5]\n') }, 'config: strip.at must be a list'],
      [{ file: file('h.yaml', 'current:\n  j_nominal: 1\n') }, 'config: current.j_nominal and current.j_crit go together'],
      [{ file: file('i.yaml', 'strip: [1, 2]\n') }, 'config: strip must be a mapping'],
      [{ sets: ['fem.li=rubber'] }, "config: fem.li must be one of elastic, creep, plastic, viscoplastic, got 'rubber'"],
      [{ sets: ['fem.li_e_mpa=0'] }, "config: fem.li_e_mpa must be a positive number, got '0'"],
      [{ sets: ['fem.creep_n=0.5'] }, "config: fem.creep_n must be a number in 1…20, got '0.5'"],
      [{ flags: { 'thickness.scan_refinement': 'maybe' } }, "config: thickness.scan_refinement must be true or false, got 'maybe'"],
      [{ flags: { 'current.conductivity': '-1' } }, "config: current.conductivity must be a positive number, got '-1'"],
      [{ sets: ['nonsense'] }, "config: --set needs key=value, got 'nonsense'"],
    ];
    for (const [src, msg] of cases) {
      const p = resolveConfig(src);
      await expect(p, msg).rejects.toBeInstanceOf(InputError);
      await expect(resolveConfig(src), msg).rejects.toThrow(msg);
    }
  });

  it('the CLI exits 2 with one line naming the key, before writing anything', () => {
    expectConfigError(['--set', 'segment.methd=otsu'], "config: unknown key 'segment.methd'");
    expectConfigError(['--config', file('x.yaml', 'segment:\n  method: x\n')], "config: segment.method must be one of otsu, gmm, got 'x'");
    expectConfigError(['--strip-steps', '0'], "config: strip.steps must be an integer in 1…100000, got '0'");
    expectConfigError(['--fem-pressures', '5,abc'], 'config: fem.pressures must be a list');
    expectConfigError(['--config', file('bad.yaml', 'strip: {steps: [\n')], 'bad.yaml: config file is not valid');
    expectConfigError(['--config', '/no/such/config.yaml'], '/no/such/config.yaml: cannot read config file');
    expectConfigError(['--force', 'nope'], '--force must name stages among');
  });
});
