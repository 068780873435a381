/**
 * A test whose reference tool (Python module, Chromium, redis-server, WebGPU adapter) or ../shared
 * file is missing is skipped visibly on a developer's machine and fails under CI=true
 * (test/helpers.ts requireAvailable); no test returns early and counts as passed. The helpers are
 * checked here, and every test file is read for the patterns that used to hide a check that did
 * not run.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, type TestContext } from 'vitest';
import { PYTHON, REPO, inCi, missingAdapter, missingAny, missingCommand, missingFiles, missingPython, requireAvailable } from '../helpers.js';

/** A test context that records ctx.skip instead of skipping this test. */
function fakeContext(): { ctx: TestContext; skipped: (string | undefined)[] } {
  const skipped: (string | undefined)[] = [];
  const ctx = { task: { name: 'probe' }, skip: (note?: string) => void skipped.push(note) } as unknown as TestContext;
  return { ctx, skipped };
}

describe('requireAvailable', () => {
  const ci = process.env.CI;
  afterEach(() => {
    if (ci === undefined) delete process.env.CI;
    else process.env.CI = ci;
  });

  it('does nothing when nothing is missing, locally and under CI', () => {
    for (const value of [undefined, 'true']) {
      if (value === undefined) delete process.env.CI;
      else process.env.CI = value;
      const { ctx, skipped } = fakeContext();
      expect(() => requireAvailable(ctx, null)).not.toThrow();
      expect(skipped).toEqual([]);
    }
  });

  it('locally: skips with the reason as the note', () => {
    delete process.env.CI;
    expect(inCi()).toBe(false);
    const { ctx, skipped } = fakeContext();
    requireAvailable(ctx, 'absent: /x/y.tif');
    expect(skipped).toEqual(['absent: /x/y.tif']);
  });

  it('under CI=true (or CI=1): throws naming what is missing, does not skip', () => {
    for (const value of ['true', '1']) {
      process.env.CI = value;
      expect(inCi()).toBe(true);
      const { ctx, skipped } = fakeContext();
      expect(() => requireAvailable(ctx, `${PYTHON} cannot import vtk`)).toThrow(/CI=true .*missing: \/usr\/bin\/python3 cannot import vtk/);
      expect(skipped).toEqual([]);
    }
  });
});

describe('missing* helpers name exactly what is absent', () => {
  it('files', () => {
    const here = path.join(REPO, 'package.json');
    const absent = path.join(REPO, 'no-such-file-t23.tif');
    expect(missingFiles(here)).toBeNull();
    expect(missingFiles(here, absent)).toBe(`absent: ${absent}`);
  });

  it('python modules, commands, adapters, the first of several', () => {
    expect(missingPython('no_such_module_t23')).toMatch(/no_such_module_t23|is absent/);
    expect(missingCommand('no-such-command-t23')).toBe('no-such-command-t23 is not installed');
    expect(missingCommand(process.execPath)).toBeNull();
    expect(missingAdapter({ available: true, description: 'x' })).toBeNull();
    expect(missingAdapter({ available: false, description: 'no WebGPU adapter' })).toBe('WebGPU unavailable (no WebGPU adapter)');
    expect(missingAny(null, 'a', 'b')).toBe('a');
    expect(missingAny(null, null)).toBeNull();
  });
});

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : testFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

describe('no test hides a check that did not run', () => {
  // skipIf / runIf / .skip decide at collection time, out of reach of CI=true; an early return
  // after an existence check passes without asserting anything
  const patterns: [string, RegExp][] = [
    ['collection-time skip', /\b(?:it|test|describe)\s*\.\s*(?:skipIf|runIf|skip)\s*\(/],
    ['bare return after an existence check', /if\s*\(\s*!\s*(?:existsSync|has[A-Z]\w*|pythonHas)\b[^\n]*\)\s*\{?\s*(?:console\.\w+\([^\n]*\);?\s*)?return\s*;?\s*[\n}]/],
  ];
  it('test/ has no skipIf / runIf / .skip and no early return after an existence check', () => {
    const self = path.join(REPO, 'test', 'architecture', 'requirements.test.ts');
    const offences: string[] = [];
    const files = testFiles(path.join(REPO, 'test')).filter((f) => f !== self);
    expect(files.length).toBeGreaterThan(50);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const [what, re] of patterns) {
        const m = re.exec(text);
        if (m) offences.push(`${path.relative(REPO, file)}:${text.slice(0, m.index).split('\n').length}: ${what}`);
      }
    }
    expect(offences).toEqual([]);
  });
});
