/**
 * `buried synth --series N --series-scale` and `buried series --transform affine` end to end (built
 * CLI): series.json's 3×4 matrix in µm and its decomposition against the synthetic creep's truth;
 * bad flags exit 2 with one line.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir } from '../helpers.js';

interface Truth { voxel_um: number; centre_um: number[]; scans: { translation_um: number[]; translation_voxels: number[]; scale?: number[]; matrix_xyz?: number[] }[] }
interface Rec {
  method: { kind: string };
  transforms: { translation_voxels: number[]; matrix_xyz: number[]; affine?: { matrix_um: number[][]; scale: number[]; shear: number[] } }[];
}

describe('buried series --transform affine', () => {
  const dir = tempDir('series-affine-cli-');
  const syn = path.join(dir, 'syn');
  beforeAll(() => {
    const r = cli(['synth', syn, '--series', '2', '--series-scale', '1.02,1,0.99', '--shape', '80,96,96', '--seed', '3']);
    expect(r.status, r.stderr).toBe(0);
  });

  it('records the 3×4 matrix (µm) and scale / shear: scale within 0.2 %, translation within 0.1 voxel, corners mapped within 0.25 voxel', () => {
    const truth = JSON.parse(readFileSync(path.join(syn, 'series_truth.json'), 'utf8')) as Truth;
    expect(truth.scans[1].scale).toEqual([1.02, 1, 0.99]);
    const out = path.join(dir, 'out');
    const r = cli(['series', path.join(syn, 'scan0.tif'), path.join(syn, 'scan1.tif'), '--labels', `${path.join(syn, 'labels0.tif')},${path.join(syn, 'labels1.tif')}`, '--transform', 'affine', '-o', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const rec = JSON.parse(r.stdout) as Rec;
    expect(rec.method.kind).toBe('affine');
    const t = rec.transforms[1];
    const v = truth.voxel_um;
    for (let a = 0; a < 3; a++) {
      expect(Math.abs(t.affine!.scale[a] - truth.scans[1].scale![a])).toBeLessThanOrEqual(0.002);
      expect(Math.abs(t.translation_voxels[a] - truth.scans[1].translation_voxels[a])).toBeLessThanOrEqual(0.1);
      expect(Math.abs(t.affine!.shear[a])).toBeLessThanOrEqual(0.002);
    }
    // the true map q = A (p − c) + c + t written as rows on (x, y, z, 1), applied to the volume's corners
    const A = truth.scans[1].matrix_xyz!;
    const c = [truth.centre_um[2], truth.centre_um[1], truth.centre_um[0]];
    const tt = [truth.scans[1].translation_um[2], truth.scans[1].translation_um[1], truth.scans[1].translation_um[0]];
    const M = t.affine!.matrix_um;
    let worst = 0;
    for (const z of [0, 79]) for (const y of [0, 95]) for (const x of [0, 95]) {
      const p = [x * v, y * v, z * v];
      for (let r2 = 0; r2 < 3; r2++) {
        const q = M[r2][0] * p[0] + M[r2][1] * p[1] + M[r2][2] * p[2] + M[r2][3];
        const qt = A[3 * r2] * (p[0] - c[0]) + A[3 * r2 + 1] * (p[1] - c[1]) + A[3 * r2 + 2] * (p[2] - c[2]) + c[r2] + tt[r2];
        worst = Math.max(worst, Math.abs(q - qt) / v);
      }
    }
    expect(worst).toBeLessThanOrEqual(0.25);
    expect(t.matrix_xyz).toEqual(M.flatMap((row) => row.slice(0, 3)));
    // the report's registration table gives the scale and shear columns, scan 1's scale as recorded
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('shear [xy, xz, yz]');
    expect(html).toContain(t.affine!.scale.map((x) => x.toFixed(4)).join(', '));
    // scan 0: the identity in the same form
    expect(rec.transforms[0].affine).toEqual({ matrix_um: [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]], scale: [1, 1, 1], shear: [0, 0, 0] });
  });

  it('bad flags: --transform other than rigid|affine and --series-scale without --series exit 2 with one line, nothing written', () => {
    const out = path.join(dir, 'bad');
    const r = cli(['series', path.join(syn, 'scan0.tif'), path.join(syn, 'scan1.tif'), '--transform', 'bspline', '-o', out]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--transform must be rigid or affine, got 'bspline'/);
    expect(existsSync(path.join(out, 'series.json'))).toBe(false);
    const s = cli(['synth', path.join(dir, 'syn2'), '--series-scale', '1.02,1,1']);
    expect(s.status).toBe(2);
    expect(s.stderr).toMatch(/--series-scale needs --series N/);
    const s2 = cli(['synth', path.join(dir, 'syn3'), '--series', '2', '--series-scale', '1.02,1']);
    expect(s2.status).toBe(2);
    expect(s2.stderr).toMatch(/--series-scale must be SZ,SY,SX/);
    expect(existsSync(path.join(dir, 'syn3', 'series_truth.json'))).toBe(false);
  });
});
