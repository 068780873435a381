/**
 * The series kernels against closed forms and scipy: Euler angles, the index map, trilinear and
 * nearest resampling (scipy.ndimage.affine_transform / map_coordinates), phase correlation.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { phaseCorrelate } from '../../src/series/phase-correlation.js';
import { resampleLinear, resampleNearest } from '../../src/series/resample.js';
import { fieldOfViewMask, stablePhaseMask } from '../../src/series/mask.js';
import { apply, fromEulerZYX, indexMap, inverse, rigidFrom, toEulerZYX, volumeCentre, type Vec3 } from '../../src/series/transform.js';
import type { Shape3, Spacing3 } from '../../src/io/volume.js';
import { missingPython, requireAvailable, runPython, tempDir } from '../helpers.js';

describe('rigid transform conventions', () => {
  it('Euler angles round-trip and rotate the axes as documented (right-handed, R = Rz·Ry·Rx)', () => {
    const deg: Vec3 = [17, -33, 48];
    const back = toEulerZYX(fromEulerZYX(deg));
    for (let a = 0; a < 3; a++) expect(back[a]).toBeCloseTo(deg[a], 10);
    // 90° about z takes +x to +y; 90° about x takes +y to +z; 90° about y takes +z to +x.
    const ez = apply(fromEulerZYX([90, 0, 0]), [1, 0, 0]);
    const ex = apply(fromEulerZYX([0, 0, 90]), [0, 1, 0]);
    const ey = apply(fromEulerZYX([0, 90, 0]), [0, 0, 1]);
    expect(ez.map((v) => Math.round(v * 1e9) / 1e9)).toEqual([0, 1, 0]);
    expect(ex.map((v) => Math.round(v * 1e9) / 1e9)).toEqual([0, 0, 1]);
    expect(ey.map((v) => Math.round(v * 1e9) / 1e9)).toEqual([1, 0, 0]);
  });

  it('the index map is q = R (p − c) + c + t in voxel units, and inverse() undoes it', () => {
    const spacing: Spacing3 = [2, 1.5, 1];
    const shape: Shape3 = [20, 30, 40];
    const c = volumeCentre(shape, spacing);
    const T = rigidFrom([3, -2, 5], [4, -3, 2], c);
    const { A, b } = indexMap(T, spacing, spacing);
    const idx: Vec3 = [7, 11, 5]; // (i, j, k)
    const p: Vec3 = [idx[0] * spacing[2], idx[1] * spacing[1], idx[2] * spacing[0]];
    const rp = apply(T.R, [p[0] - c[0], p[1] - c[1], p[2] - c[2]]);
    const q = [rp[0] + c[0] + T.t[0], rp[1] + c[1] + T.t[1], rp[2] + c[2] + T.t[2]];
    const viaMap = [0, 1, 2].map((r) => A[r * 3] * idx[0] + A[r * 3 + 1] * idx[1] + A[r * 3 + 2] * idx[2] + b[r]);
    expect(viaMap[0]).toBeCloseTo(q[0] / spacing[2], 10);
    expect(viaMap[1]).toBeCloseTo(q[1] / spacing[1], 10);
    expect(viaMap[2]).toBeCloseTo(q[2] / spacing[0], 10);
    const inv = indexMap(inverse(T), spacing, spacing);
    const back = [0, 1, 2].map((r) => inv.A[r * 3] * viaMap[0] + inv.A[r * 3 + 1] * viaMap[1] + inv.A[r * 3 + 2] * viaMap[2] + inv.b[r]);
    for (let a = 0; a < 3; a++) expect(back[a]).toBeCloseTo(idx[a], 9);
  });
});

describe('resampling', () => {
  const shape: Shape3 = [14, 17, 19];
  const n = shape[0] * shape[1] * shape[2];
  const src = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 100 + ((i * 7919) % 13));
  const spacing: Spacing3 = [1, 1, 1];
  const T = rigidFrom([0.7, -1.3, 2.2], [6, -4, 3], volumeCentre(shape, spacing));
  const map = indexMap(T, spacing, spacing);

  it('trilinear and nearest resampling match scipy.ndimage.map_coordinates (order 1 and 0, fill outside)', (ctx) => {
    requireAvailable(ctx, missingPython('numpy', 'scipy'));
    const dir = tempDir('series-resample-');
    const file = path.join(dir, 'src.f32');
    writeFileSync(file, new Uint8Array(src.buffer));
    const lab = Uint8Array.from(src, (v) => Math.abs(Math.round(v)) % 7);
    writeFileSync(path.join(dir, 'lab.u8'), lab);
    const out = runPython(
      `
import sys, json, numpy as np
from scipy import ndimage
d = sys.argv[1]; shape = (${shape.join(',')})
a = np.fromfile(d + '/src.f32', dtype=np.float32).reshape(shape).astype(np.float64)
lab = np.fromfile(d + '/lab.u8', dtype=np.uint8).reshape(shape)
A = np.array(json.loads(sys.argv[2])).reshape(3, 3); b = np.array(json.loads(sys.argv[3]))
k, j, i = np.meshgrid(*[np.arange(s) for s in shape], indexing='ij')
src_idx = np.stack([i, j, k]).reshape(3, -1).astype(np.float64)
q = A @ src_idx + b[:, None]  # (x, y, z) source indices
coords = q[::-1]  # (z, y, x)
inside = np.all((coords >= -1e-6) & (coords <= (np.array(shape)[:, None] - 1 + 1e-6)), axis=0)
lin = ndimage.map_coordinates(a, coords, order=1, mode='nearest')
lin[~inside] = -7
near = lab[tuple(np.clip(np.floor(coords + 0.5).astype(int), 0, np.array(shape)[:, None] - 1))]
near_inside = np.all((np.floor(coords + 0.5) >= 0) & (np.floor(coords + 0.5) <= np.array(shape)[:, None] - 1), axis=0)
near[~near_inside] = 255
print(json.dumps({'lin': lin.tolist(), 'near': near.tolist(), 'inside': int(inside.sum())}))
`,
      [dir, JSON.stringify(map.A), JSON.stringify(map.b)],
    );
    const ref = JSON.parse(out) as { lin: number[]; near: number[]; inside: number };
    const lin = resampleLinear(src, shape, shape, map, -7, 'float32');
    const near = resampleNearest(lab, shape, shape, map, 255);
    expect(ref.inside).toBeGreaterThan(n / 2);
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(lin[i] - ref.lin[i]));
    expect(worst).toBeLessThan(2e-3);
    let differ = 0;
    for (let i = 0; i < n; i++) if (near[i] !== ref.near[i]) differ++;
    expect(differ).toBe(0);
  });

  it('an integer translation moves voxels exactly; uint16 output rounds and clamps', () => {
    const T1 = rigidFrom([1, 2, -3], [0, 0, 0], volumeCentre(shape, spacing));
    const u16 = Uint16Array.from(src, (v) => Math.max(0, Math.round(v * 300)));
    const out = resampleLinear(u16, shape, shape, indexMap(T1, spacing, spacing), 0, 'uint16');
    const [nz, ny, nx] = shape;
    let checked = 0;
    for (let k = 0; k + 1 < nz; k++) for (let j = 0; j + 2 < ny; j++) for (let i = 3; i < nx; i++) {
      expect(out[(k * ny + j) * nx + i]).toBe(u16[((k + 1) * ny + j + 2) * nx + i - 3]);
      checked++;
    }
    expect(checked).toBeGreaterThan(3000);
    expect(out[(nz - 1) * ny * nx]).toBe(0); // z + 1 lies outside: the fill
  });
});

describe('phase correlation', () => {
  it('finds a known shift between two crops of one textured volume, with a gain and offset change', () => {
    const shape: Shape3 = [32, 40, 36];
    const [nz, ny, nx] = shape;
    const big: Shape3 = [nz + 10, ny + 10, nx + 10];
    // Broadband texture: uniform random voxels, box-smoothed along x (like pores and grains).
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const tex = Float32Array.from({ length: big[0] * big[1] * big[2] }, rnd);
    const at = (z: number, y: number, x: number) => tex[(z * big[1] + y) * big[2] + x] + tex[(z * big[1] + y) * big[2] + x + 1];
    const f = new Float32Array(nz * ny * nx);
    const m = new Float32Array(nz * ny * nx);
    const s = [3, -5, 4];
    for (let k = 0; k < nz; k++) for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) {
      f[(k * ny + j) * nx + i] = at(k + 5, j + 5, i + 4);
      // moving(x + s) = fixed(x)
      m[(k * ny + j) * nx + i] = 2.5 * at(k + 5 - s[0], j + 5 - s[1], i + 4 - s[2]) + 40;
    }
    const r = phaseCorrelate(f, m, shape, [8, 8, 8]);
    expect(r.shift).toEqual(s);
    expect(r.peak).toBeGreaterThan(10);
  });
});

describe('stable-phase mask', () => {
  it('keeps electrolyte and collector at least `margin` voxels (box) from Li', () => {
    const shape: Shape3 = [1, 1, 12];
    const labels = Uint8Array.from([3, 3, 3, 1, 1, 2, 2, 2, 2, 0, 2, 255]);
    expect(Array.from(stablePhaseMask(labels, shape, 2, 0))).toEqual([1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 1, 0]);
    expect(Array.from(stablePhaseMask(labels, shape, 0, 0))).toEqual([1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 0]);
    // 4 voxels (default) from the field of view's edge (label 255 at the end) are left out too.
    expect(Array.from(stablePhaseMask(labels, shape, 0))).toEqual([1, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0]);
    expect(Array.from(fieldOfViewMask(labels, shape, 2))).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0]);
  });

  it('in 3D: every voxel farther than the margin (box, per axis) from all 255 voxels, against a brute-force search', () => {
    const shape: Shape3 = [7, 9, 11];
    const [nz, ny, nx] = shape;
    let seed = 5;
    const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
    const labels = Uint8Array.from({ length: nz * ny * nx }, () => (rnd() < 0.03 ? 255 : 2));
    for (const margin of [1, 2, 3]) {
      const got = fieldOfViewMask(labels, shape, margin);
      let wrong = 0;
      for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) {
        let near = false;
        for (let c = Math.max(0, z - margin); c <= Math.min(nz - 1, z + margin) && !near; c++)
          for (let b = Math.max(0, y - margin); b <= Math.min(ny - 1, y + margin) && !near; b++)
            for (let a = Math.max(0, x - margin); a <= Math.min(nx - 1, x + margin); a++) if (labels[(c * ny + b) * nx + a] === 255) { near = true; break; }
        if (got[(z * ny + y) * nx + x] !== (near ? 0 : 1)) wrong++;
      }
      expect(wrong, `margin ${margin}`).toBe(0);
    }
  });
});
