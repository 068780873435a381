/**
 * `buried fem contact` material flags: each constant reaches the model (contact.json's material
 * record), and a bad value is one line naming the flag, exit 2, with no output written.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { cli, tempDir } from '../helpers.js';

const BASE = ['fem', 'contact', '--wavy', '0.5,20', '--pressure', '5', '--nx', '16', '--ny', '2', '--electrolyte', 'rigid'];

describe('buried fem contact material inputs', () => {
  it('every Li constant settable by flag; the size law sets the yield at --asperity-um', () => {
    const out = tempDir('buried-fem-mat-');
    const r = cli([...BASE, '-o', out, '--li', 'viscoplastic', '--hold', '1', '--li-e', '9000', '--li-nu', '0.35', '--creep-a', '2e-8', '--creep-n', '5',
      '--creep-q', '50', '--yield-bulk', '0.5', '--yield-ref', '80,1', '--yield-size-exponent', '0.5', '--asperity-um', '16', '--temperature', '320']);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('buried:'))).toEqual([]);
    expect(r.status).toBe(0);
    const s = JSON.parse(readFileSync(path.join(out, 'contact.json'), 'utf8'));
    const li = s.material.li;
    expect([li.E, li.nu, li.creepA, li.creepN, li.creepQ, li.yieldBulk, li.yieldRef, li.sizeRefUm, li.sizeExponent]).toEqual([9000, 0.35, 2e-8, 5, 50e3, 0.5, 80, 1, 0.5]);
    expect(li.law).toBe('viscoplastic');
    expect(li.yield_mpa).toBeCloseTo(80 * 16 ** -0.5, 10); // 20 MPa
    expect(li.creep_A_at_T).toBeCloseTo(2e-8 * Math.exp((-50e3 / 8.314462618) * (1 / 320 - 1 / 298)), 20);
    // the summit spacing of a one-period wave is λ
    const d = tempDir('buried-fem-mat-');
    expect(cli([...BASE, '-o', d, '--li', 'plastic']).status).toBe(0);
    expect(JSON.parse(readFileSync(path.join(d, 'contact.json'), 'utf8')).material.li.asperity_um).toBe(20);
  });

  it('bad material or roughness input: one line naming the flag, exit 2, nothing written', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--li-e', '0'], /^buried: --li-e: must be positive \(MPa\), got 0$/],
      [['--li-nu', '0.5'], /^buried: --li-nu: must lie in \(−1, 0\.5\), got 0\.5$/],
      [['--creep-n', '0.5'], /^buried: --creep-n: must lie in \[1, 20\], got 0\.5$/],
      [['--creep-a', '-1'], /^buried: --creep-a: must be ≥ 0/],
      [['--yield-size-exponent', '-1'], /^buried: --yield-size-exponent: must lie in \[0, 2\]/],
      [['--yield-ref', '10'], /^buried: --yield-ref needs 2 comma-separated numbers/],
      [['--asperity-um', '-3'], /^buried: --asperity-um must be positive/],
      [['--electrolyte', 'elastic', '--electrolyte-e', '0'], /^buried: --electrolyte-e: must be positive \(MPa\), got 0$/],
      [['--li', 'plastic', '--yield', '0'], /^buried: --yield: the yield stress must be positive \(MPa\), got 0$/],
      [['--li', 'rubber'], /^buried: --li must be elastic, creep, plastic or viscoplastic, got 'rubber'$/],
    ];
    for (const [extra, msg] of cases) {
      const out = path.join(tempDir('buried-fem-bad-'), 'o');
      const r = cli([...BASE, '-o', out, ...extra]);
      expect(r.status, extra.join(' ')).toBe(2);
      const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('fem contact:'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(msg);
      expect(existsSync(path.join(out, 'contact.json'))).toBe(false);
    }
    for (const [rough, msg] of [['-1,0.8,5,50', /RMS must be a number ≥ 0 \(µm\), got -1/], ['1,1.5,5,50', /Hurst exponent must lie in \[0, 1\], got 1\.5/]] as const) {
      const r = cli(['fem', 'contact', '-o', path.join(tempDir('buried-fem-bad-'), 'o'), '--rough', rough, '--pressure', '5', '--nx', '16', '--ny', '2']);
      expect(r.status).toBe(2);
      expect(r.stderr.trim()).toMatch(new RegExp(`^buried: --rough: ${msg.source}$`));
    }
  });
});
