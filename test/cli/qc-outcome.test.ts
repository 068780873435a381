import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { qcOutcome } from '../../src/cli/qc-outcome.js';
import { EXIT_LOW_CONFIDENCE } from '../../src/cli/run-command.js';
import { cli, REPO, tempDir } from '../helpers.js';
import { qcBlock } from '../qc-fixtures.js';

describe('qcOutcome: the warning line and exit code of segment and run', () => {
  const low = { qc: qcBlock('low', ['contrast 0.4 between Li and electrolyte (limit ≥ 2.0)', 'layout unknown']) };

  it('low confidence: one line naming the input and every warning; exit 0 without --strict, 3 with it', () => {
    const lax = qcOutcome(low, 'scans/a.tif', false);
    expect(lax.warning).toBe('buried: warning: scans/a.tif: segmentation confidence low: contrast 0.4 between Li and electrolyte (limit ≥ 2.0); layout unknown');
    expect(lax.exitCode).toBe(0);
    const strict = qcOutcome(low, 'scans/a.tif', true);
    expect(strict.warning).toBe(lax.warning);
    expect(strict.exitCode).toBe(3);
    expect(EXIT_LOW_CONFIDENCE).toBe(3);
  });

  it('high confidence or no QC block (classes mode, before qc.ts): no warning, exit 0 even with --strict', () => {
    for (const r of [{ qc: qcBlock('high') }, {}, { qc: null }]) {
      expect(qcOutcome(r, 'a.tif', true)).toEqual({ warning: null, exitCode: 0 });
      expect(qcOutcome(r, 'a.tif', false)).toEqual({ warning: null, exitCode: 0 });
    }
  });

  it('keeps the warning on one line when a message holds a line break', () => {
    const r = qcOutcome({ qc: qcBlock('low', ['first\nsecond', 'third']) }, 'x.tif', false);
    expect(r.warning).toBe('buried: warning: x.tif: segmentation confidence low: first second; third');
    expect(r.warning).not.toContain('\n');
  });
});

describe('buried segment --strict on the bundled sample', () => {
  it('no low-confidence warning and exit 0 (the sample is the phantom the rules are made for)', () => {
    const out = path.join(tempDir(), 'seg');
    const scan = path.join(REPO, 'data', 'sample', 'scan.tif');
    const r = cli(['segment', scan, '-o', out, '--backend', 'cpu', '--strict', '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toContain('segmentation confidence low');
    const summary = JSON.parse(r.stdout) as { qc?: { confidence: string; warnings: string[] } };
    expect(summary.qc?.confidence).toBe('high');
    expect(summary.qc?.warnings).toEqual([]);
  });

  it('--help documents exit 3', () => {
    const r = cli(['segment', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('3 segmentation confidence low with --strict');
    expect(r.stdout).toContain('--strict');
  });
});
