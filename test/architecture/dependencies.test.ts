/**
 * One copy of Dawn (issue #22): gpu.js pins webgpu 0.2.9, which would install a second 84 MB Dawn
 * under node_modules/gpu.js; package.json's `overrides` gives it ours. The installed tree must hold
 * exactly one webgpu package, at the version package.json asks for.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers.js';

/** Every installed package directory named `name` under node_modules, nested ones included. */
function installed(name: string, dir = path.join(REPO, 'node_modules'), found: string[] = []): string[] {
  if (!existsSync(dir)) return found;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const full = path.join(dir, entry.name);
    if (entry.name.startsWith('@')) installed(name, full, found);
    else {
      if (entry.name === name && existsSync(path.join(full, 'package.json'))) found.push(full);
      installed(name, path.join(full, 'node_modules'), found);
    }
  }
  return found;
}

describe('dependencies', () => {
  it('one webgpu (Dawn) in node_modules, the version package.json asks for', () => {
    const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; overrides?: Record<string, string> };
    expect(pkg.overrides?.webgpu).toBe('$webgpu');
    const copies = installed('webgpu');
    expect(copies.map((p) => path.relative(REPO, p))).toEqual([path.join('node_modules', 'webgpu')]);
    const version = (JSON.parse(readFileSync(path.join(copies[0], 'package.json'), 'utf8')) as { version: string }).version;
    expect(version.split('.').slice(0, 2).join('.')).toBe(pkg.dependencies.webgpu.replace(/^\^/, '').split('.').slice(0, 2).join('.'));
  });
});
