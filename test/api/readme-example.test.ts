/**
 * The README's library example runs as it stands against the built package (`import … from
 * 'buried-li'` resolved through a node_modules link to this checkout) and prints what the README
 * says it prints.
 */
import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO, tempDir } from '../helpers.js';

const dir = tempDir('buried-api-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README library example', () => {
  it('runs against the package entry point and prints the documented lines', () => {
    const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
    const m = /<!-- api-example -->\n```js\n([\s\S]*?)```\n\nIt prints `([^`]+)`, then `([^`]+)`\nand `([^`]+)`\./.exec(readme);
    expect(m, 'the README has the marked example and its printed lines').not.toBeNull();
    mkdirSync(path.join(dir, 'node_modules'), { recursive: true });
    symlinkSync(REPO, path.join(dir, 'node_modules', 'buried-li'), 'dir');
    writeFileSync(path.join(dir, 'example.mjs'), m![1]);
    const r = spawnSync(process.execPath, ['example.mjs'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual([m![2], m![3], m![4]]);
  }, 150_000);

  it('ships TypeScript declarations for the entry point', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { types: string; exports: { '.': { types: string } } };
    const decl = readFileSync(path.join(REPO, pkg.exports['.'].types), 'utf8');
    for (const name of ['segment', 'segmentScan', 'electrodeMaps', 'measureThickness', 'runStripping', 'runCurrent', 'runPipeline', 'generatePhantom', 'openVolume', 'writeTiff']) expect(decl, name).toMatch(new RegExp(`\\b${name}\\b`));
  });
});
