/**
 * The run's fem stage with fem.vtu = true writes the fields for ParaView beside contact.json: one
 * .pvd per stack pressure listing a .vtu at load and at the end of the hold. Run on a prepared
 * thickness stage (a sinusoidal surface height map), not the whole pipeline.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { femStage, type RunContext } from '../../src/pipeline/stages.js';
import { defaultConfig } from '../../src/pipeline/config.js';
import { THICKNESS_FILES } from '../../src/io/run-folder.js';
import { writeTiff } from '../../src/io/tiff/writer.js';
import { tempDir } from '../helpers.js';

async function stageRun(vtu: boolean): Promise<string> {
  const dir = tempDir();
  const th = path.join(dir, 'thickness');
  mkdirSync(th);
  const rows = 4, cols = 16;
  const surface = Float32Array.from({ length: rows * cols }, (_, k) => 0.3 * Math.cos((2 * Math.PI * (k % cols)) / cols));
  await writeTiff(path.join(th, THICKNESS_FILES.surface), { shape: [1, rows, cols], dtype: 'float32', data: surface, spacing: [1, 1, 1], origin: [0, 0, 0] });
  writeFileSync(path.join(th, THICKNESS_FILES.interface), JSON.stringify({ li_side: 'high', electrolyte_depth_um: 10 }));
  const cfg = defaultConfig();
  Object.assign(cfg.fem, { pressures: [2, 5], hold_s: 30, nx: 16, ny: 3, vtu });
  const out = path.join(dir, 'fem');
  mkdirSync(out);
  const noop = { update: () => {}, finish: () => {} };
  const ctx = { dir, cfg, progress: () => noop, note: () => {} } as unknown as RunContext;
  await femStage.run(ctx, out);
  return out;
}

describe('fem stage: fields for ParaView', () => {
  it('fem.vtu = true: fem/vtu/p<P>MPa.pvd per pressure, a .vtu at load and at the end of the hold', async () => {
    const out = await stageRun(true);
    for (const p of [2, 5]) {
      const pvd = readFileSync(path.join(out, 'vtu', `p${p}MPa.pvd`), 'utf8');
      const rows = [...pvd.matchAll(/timestep="([^"]+)" group="" part="0" file="([^"]+)"/g)].map((m) => [m[1], m[2]]);
      expect(rows).toEqual([['0', `p${p}MPa_0000.vtu`], ['30', `p${p}MPa_0001.vtu`]]);
      // 16 columns × 4 node rows, plus the 4 seam duplicates; 16 × 3 quads
      expect(readFileSync(path.join(out, 'vtu', rows[1][1]), 'utf8')).toContain('NumberOfPoints="68" NumberOfCells="48"');
    }
  });

  it('fem.vtu = false (default): no vtu folder', async () => {
    expect(defaultConfig().fem.vtu).toBe(false);
    const out = await stageRun(false);
    expect(existsSync(path.join(out, 'contact.json'))).toBe(true);
    expect(existsSync(path.join(out, 'vtu'))).toBe(false);
  });
});
