/**
 * Imports point down only (issue #17): cli → pipeline, view, batch → stages (segment, thickness, pores,
 * strip, current, fem, synth, report) → compute, io. Reads every import of src/ and fails naming
 * each file that imports a folder of a higher layer.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from '../helpers.js';

const LAYER: Record<string, number> = {
  io: 0, compute: 0,
  segment: 1, thickness: 1, pores: 1, strip: 1, current: 1, fem: 1, contact3d: 1, synth: 1, report: 1, series: 1,
  pipeline: 2, view: 2, batch: 2,
  cli: 3,
};

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** The src/ folder a file or import target lies in (null: outside src/ or src/index.ts). */
function folderOf(file: string): string | null {
  const rel = path.relative(path.join(REPO, 'src'), file).split(path.sep);
  return rel.length > 1 && !rel[0].startsWith('..') ? rel[0] : null;
}

describe('import layering', () => {
  it('no module imports a folder of a higher layer', () => {
    const upward: string[] = [];
    let imports = 0;
    for (const file of tsFiles(path.join(REPO, 'src'))) {
      const from = folderOf(file);
      if (from === null) continue;
      expect(LAYER[from], `src/${from}/ has no layer: add it to LAYER`).toBeDefined();
      for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
        const to = folderOf(path.resolve(path.dirname(file), m[1]));
        if (to === null) continue;
        imports++;
        if (LAYER[to] > LAYER[from]) upward.push(`${path.relative(REPO, file)} → src/${to}/ (${m[1]})`);
      }
    }
    expect(imports).toBeGreaterThan(200);
    expect(upward).toEqual([]);
  });
});
