/**
 * Tortuosity factor (src/pores/tortuosity.ts) against closed forms of the finite-volume network,
 * a continuum closed form under voxel refinement, and an independent SciPy finite-volume solve
 * (scripts/fixtures/tortuosity_reference.py) on random porous structures.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { missingPython, PYTHON, REPO, requireAvailable, tempDir } from '../helpers.js';
import { porousPhase } from '../../src/pores/synthetic.js';
import { tortuosity, tortuositySummary, type Axis } from '../../src/pores/tortuosity.js';
import { coarsenableSize } from '../../src/pores/axis-view.js';

type Shape = [number, number, number];
const TIGHT = { tol: 1e-11, maxIterations: 200 };

function volume(shape: Shape, f: (z: number, y: number, x: number) => boolean): Uint8Array {
  const [nz, ny, nx] = shape;
  const v = new Uint8Array(nz * ny * nx);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) v[(z * ny + y) * nx + x] = f(z, y, x) ? 1 : 0;
  return v;
}

const fraction = (v: Uint8Array) => v.reduce((s, x) => s + x, 0) / v.length;

describe('closed forms', () => {
  it('dense slab: τ = 1 and D_eff/D₀ = 1 along every axis, odd sizes, anisotropic voxels', () => {
    const shape: Shape = [7, 5, 6];
    const dense = new Uint8Array(7 * 5 * 6).fill(1);
    for (const axis of ['z', 'y', 'x'] as Axis[])
      for (const spacing of [null, [2, 1, 0.5]] as ([number, number, number] | null)[]) {
        const r = tortuosity(dense, shape, { ...TIGHT, axis, spacing });
        expect(r.percolating).toBe(true);
        expect(r.volume_fraction).toBe(1);
        expect(Math.abs(r.tortuosity_factor - 1)).toBeLessThan(1e-9);
        expect(Math.abs(r.effective_conductivity_ratio - 1)).toBeLessThan(1e-9);
        // uniform current: every face voxel carries the mean
        for (const f of r.inlet_flux) expect(Math.abs(f - 1)).toBeLessThan(1e-6);
      }
  });

  it('straight channels along the axis: τ = 1 at ε = 0.2 and 0.5, flux only in the channels (1/ε each)', () => {
    const shape: Shape = [12, 10, 10];
    for (const eps of [0.2, 0.5]) {
      // channel columns: every column whose (y, x) hash falls below ε, exactly round(ε·100) of them
      const cols = Array.from({ length: 100 }, (_, q) => q).sort((a, b) => ((a * 37) % 101) - ((b * 37) % 101)).slice(0, Math.round(eps * 100));
      const open = new Set(cols);
      for (const axis of ['z', 'x'] as Axis[]) {
        // for x the channels run along x at (z, y) ∈ open, on a [10, 10, 12] volume
        const sh: Shape = axis === 'z' ? shape : [10, 10, 12];
        const v = axis === 'z' ? volume(sh, (_z, y, x) => open.has(y * 10 + x)) : volume(sh, (z, y) => open.has(z * 10 + y));
        const r = tortuosity(v, sh, { ...TIGHT, axis });
        expect(r.volume_fraction).toBeCloseTo(eps, 12);
        expect(Math.abs(r.tortuosity_factor - 1)).toBeLessThan(1e-9);
        expect(Math.abs(r.effective_conductivity_ratio - eps)).toBeLessThan(1e-9);
        expect(r.face_shape).toEqual([10, 10]);
        for (let q = 0; q < 100; q++) expect(r.inlet_flux[q]).toBeCloseTo(open.has(q) ? 1 / eps : 0, 5);
      }
    }
  });

  it('flux map of a y solve is laid out [nz, nx]: a channel along y at (z, x) = (2, 5) shows at 2·nx + 5', () => {
    const shape: Shape = [4, 9, 7];
    const v = volume(shape, (z, _y, x) => (z === 2 && x === 5) || (z === 0 && x === 1));
    const r = tortuosity(v, shape, { ...TIGHT, axis: 'y' });
    expect(r.face_shape).toEqual([4, 7]);
    expect(r.inlet_flux[2 * 7 + 5]).toBeCloseTo(14, 6); // 28 face voxels, 2 channels: 28/2
    expect(r.inlet_flux[0 * 7 + 1]).toBeCloseTo(14, 6);
    expect(r.outlet_flux[2 * 7 + 5]).toBeCloseTo(14, 6);
    expect(r.inlet_flux.reduce((s, f) => s + f, 0)).toBeCloseTo(28, 5);
  });

  // A 1-voxel serpentine path on anisotropic voxels (dz, dy, dx) = (1, 1, 2): a series network of
  // vertical faces (conductance dx·dy/dz = 2) and lateral faces (dy·dz/dx = 0.5), with the two
  // half-voxel boundary links (2·dx·dy/dz = 4): exactly R = 8/2 + 6/0.5 + 2/4 = 16.5.
  const serpentine = (z: number, y: number, x: number) => y === 0 && ((x === 0 && z <= 4) || (z === 4 && x <= 6) || (x === 6 && z >= 4));
  const spacing: [number, number, number] = [1, 1, 2];

  it('series: a serpentine constriction of known resistance, R = 16.5 exactly', () => {
    const shape: Shape = [9, 1, 7];
    const v = volume(shape, serpentine);
    const r = tortuosity(v, shape, { ...TIGHT, spacing });
    const R = 8 / 2 + 6 / 0.5 + 2 / 4;
    const ratio = ((1 / R) * 9) / (7 * 2); // I·L/A, L = 9·1, A = 1·1 · 7·2
    expect(r.volume_fraction).toBeCloseTo(15 / 63, 14);
    expect(Math.abs(r.effective_conductivity_ratio / ratio - 1)).toBeLessThan(1e-9);
    expect(Math.abs(r.tortuosity_factor / (15 / 63 / ratio) - 1)).toBeLessThan(1e-9);
  });

  it('parallel: the serpentine beside a straight column (not touching): conductances add', () => {
    const shape: Shape = [9, 3, 7];
    const v = volume(shape, (z, y, x) => serpentine(z, y, x) || (y === 2 && x === 3));
    const r = tortuosity(v, shape, { ...TIGHT, spacing });
    const I = 1 / 16.5 + 1 / (9 * 0.5 + 0); // column: 8 faces of 1/2 + two half links 1/4 each = 4.5
    const ratio = (I * 9) / (3 * 7 * 2);
    expect(Math.abs(r.effective_conductivity_ratio / ratio - 1)).toBeLessThan(1e-9);
    expect(Math.abs(r.tortuosity_factor / (r.volume_fraction / ratio) - 1)).toBeLessThan(1e-9);
  });

  it('series: a random structure followed by its mirror image has the same τ (the mirror plane is an exact equipotential)', () => {
    const shape: Shape = [10, 16, 16];
    const v = porousPhase(shape, { porosity: 0.3, radius: 2.5, seed: 4 });
    const plane = 16 * 16;
    const doubled = new Uint8Array(v.length * 2);
    doubled.set(v);
    for (let z = 0; z < 10; z++) doubled.set(v.subarray((9 - z) * plane, (10 - z) * plane), (10 + z) * plane);
    const a = tortuosity(v, shape, TIGHT);
    const b = tortuosity(doubled, [20, 16, 16], TIGHT);
    expect(a.tortuosity_factor).toBeGreaterThan(1.1);
    expect(Math.abs(b.tortuosity_factor / a.tortuosity_factor - 1)).toBeLessThan(1e-8);
  });

  it('laminate parallel to the axis (dense and empty planes): τ = 1, D_eff = ε; normal to it: not percolating', () => {
    const shape: Shape = [8, 6, 10];
    const v = volume(shape, (_z, _y, x) => x % 3 !== 1);
    const along = tortuosity(v, shape, { ...TIGHT, axis: 'z' });
    expect(Math.abs(along.tortuosity_factor - 1)).toBeLessThan(1e-9);
    expect(Math.abs(along.effective_conductivity_ratio - 0.7)).toBeLessThan(1e-9);
    const across = tortuosity(v, shape, { ...TIGHT, axis: 'x' });
    expect(across.percolating).toBe(false);
  });
});

describe('voxel refinement: simple cubic array of insulating spheres (one sphere per cell, mirror sides)', () => {
  // Dirichlet faces halfway between sphere layers and insulating sides are symmetry planes of the
  // infinite simple cubic array, whose conductivity is Maxwell's 2(1 − φ)/(2 + φ) up to Rayleigh's
  // O(φ^{10/3}) term (≈ 2e-4 relative at φ = 0.2): τ = (1 − φ)/σ = 1 + φ/2 with the voxel φ.
  it('τ converges to 1 + φ/2 at 1×, 2×, 3×, 4× resolution, first order in the voxel size', () => {
    const errors: number[] = [];
    for (const n of [10, 20, 30, 40]) {
      const r = n * Math.cbrt((3 * 0.2) / (4 * Math.PI));
      const v = volume([n, n, n], (z, y, x) => (z + 0.5 - n / 2) ** 2 + (y + 0.5 - n / 2) ** 2 + (x + 0.5 - n / 2) ** 2 > r * r);
      const phi = 1 - fraction(v);
      const t = tortuosity(v, [n, n, n], { tol: 1e-10 });
      errors.push(t.tortuosity_factor / (1 + phi / 2) - 1);
    }
    // measured: +6.42e-2, +2.94e-2, +2.09e-2, +1.45e-2 (the voxel sphere's staircase surface: O(h));
    // first-order Richardson from 2× and 4×: 2·e₄ − e₂ = −3.7e-4, the closed form's own accuracy
    for (let k = 1; k < errors.length; k++) expect(errors[k]).toBeLessThan(errors[k - 1]);
    expect(errors[0]).toBeLessThan(0.07);
    expect(errors[3]).toBeLessThan(0.016);
    expect(errors[3]).toBeGreaterThan(0);
    expect(Math.abs(2 * errors[3] - errors[1])).toBeLessThan(1.5e-3);
  });
});

describe('independent finite-volume reference (SciPy)', () => {
  const script = path.join(REPO, 'scripts', 'fixtures', 'tortuosity_reference.py');
  const reference = (v: Uint8Array, shape: Shape, axis: Axis, spacing: [number, number, number]) => {
    const file = path.join(tempDir('tortuosity-'), 'phase.u8');
    writeFileSync(file, v);
    const out = execFileSync(PYTHON, [script, file, ...shape.map(String), '--axis', axis, '--spacing', ...spacing.map(String)], { encoding: 'utf8' });
    return JSON.parse(out) as { tau: number; deff_ratio: number; eps: number; current_first: number; current_last: number };
  };

  it('random overlapping-sphere pores, 3 seeds, 24³, ε ≈ 0.7: τ within 1e-8 of SciPy (spsolve; measured ≤ 8e-10)', (ctx) => {
    requireAvailable(ctx, missingPython('numpy', 'scipy'));
    const shape: Shape = [24, 24, 24];
    for (const seed of [1, 2, 3]) {
      const v = porousPhase(shape, { porosity: 0.3, radius: 2.5, seed });
      const ours = tortuosity(v, shape, { tol: 1e-10 });
      const ref = reference(v, shape, 'z', [1, 1, 1]);
      expect(ours.percolating).toBe(true);
      expect(ours.volume_fraction).toBeCloseTo(ref.eps, 12);
      expect(ref.tau).toBeGreaterThan(1.15);
      expect(Math.abs(ours.tortuosity_factor / ref.tau - 1)).toBeLessThan(1e-8);
    }
  });

  it('odd shape, x and y axes, anisotropic voxels: τ within 1e-8 of SciPy (measured ≤ 3e-11)', (ctx) => {
    requireAvailable(ctx, missingPython('numpy', 'scipy'));
    const shape: Shape = [21, 26, 19];
    const v = porousPhase(shape, { porosity: 0.35, radius: 2, seed: 7 });
    for (const axis of ['x', 'y'] as Axis[]) {
      const spacing: [number, number, number] = [1.5, 0.8, 1.1];
      const ours = tortuosity(v, shape, { tol: 1e-10, axis, spacing });
      const ref = reference(v, shape, axis, spacing);
      expect(Math.abs(ours.tortuosity_factor / ref.tau - 1)).toBeLessThan(1e-8);
      expect(Math.abs(ours.effective_conductivity_ratio / ref.deff_ratio - 1)).toBeLessThan(1e-8);
    }
  });
});

describe('percolation and convergence', () => {
  it('a phase cut by an empty layer: percolating false, τ = Infinity (null in JSON), a note, no solve', () => {
    const shape: Shape = [9, 8, 8];
    const v = volume(shape, (z) => z !== 4);
    const r = tortuosity(v, shape);
    expect(r.percolating).toBe(false);
    expect(r.tortuosity_factor).toBe(Infinity);
    expect(r.effective_conductivity_ratio).toBe(0);
    expect(r.iterations).toBe(0);
    expect(r.note).toMatch(/does not connect the two faces normal to z/);
    const json = JSON.parse(JSON.stringify(tortuositySummary(r)));
    expect(json.tortuosity_factor).toBeNull();
    expect(tortuositySummary(r).tortuosity_factor).toBeNull(); // in memory too, not only once stringified
    expect(json.percolating).toBe(false);
    expect(json.inlet_flux).toBeUndefined();
    expect(tortuositySummary(tortuosity(new Uint8Array(8).fill(1), [2, 2, 2], TIGHT)).tortuosity_factor).toBeCloseTo(1, 9);
    expect(r.inlet_flux.every((f) => f === 0)).toBe(true);
    // a phase that touches both faces only through a diagonal (edge-sharing) step does not percolate either
    const diag = volume([2, 2, 2], (z, y, x) => (z === 0 && y === 0 && x === 0) || (z === 1 && y === 1 && x === 0));
    expect(tortuosity(diag, [2, 2, 2]).percolating).toBe(false);
    // an empty phase
    expect(tortuosity(new Uint8Array(8), [2, 2, 2]).percolating).toBe(false);
    // no wrap across a row end: (1, 0, 1) and (1, 1, 0) are neighbours in memory, not in space
    const wrap = volume([3, 2, 2], (z, y, x) => (z === 0 && y === 0 && x === 1) || (z === 1 && ((y === 0 && x === 1) || (y === 1 && x === 0))) || (z === 2 && y === 1 && x === 0));
    expect(tortuosity(wrap, [3, 2, 2]).percolating).toBe(false);
  });

  it('a path that must climb back towards the inlet percolates (U-turn), with the series resistance of its 23 faces', () => {
    // down x = 0 to z = 6, across to x = 2, up to z = 1, across to x = 4, down to the bottom (z = 7)
    const path = (z: number, y: number, x: number) =>
      y === 0 && ((x === 0 && z <= 6) || (z === 6 && x <= 2) || (x === 2 && z >= 1 && z <= 6) || (z === 1 && x >= 2 && x <= 4) || (x === 4 && z >= 1));
    const shape: Shape = [8, 1, 5];
    const r = tortuosity(volume(shape, path), shape, TIGHT);
    expect(r.percolating).toBe(true);
    // faces: 6 + 2 + 5 + 2 + 6 = 21 interior links of conductance 1, plus two half links (1/2 each)
    const I = 1 / (21 + 2 * 0.5);
    expect(Math.abs(r.effective_conductivity_ratio / ((I * 8) / 5) - 1)).toBeLessThan(1e-9);
  });

  it('odd faces are padded so the multigrid coarsens: 97×97 face, few iterations, flux maps unpadded', () => {
    expect([97, 100, 113, 7, 1, 26, 64].map(coarsenableSize)).toEqual([112, 112, 128, 7, 1, 28, 64]);
    const shape: Shape = [16, 97, 97];
    const v = porousPhase(shape, { porosity: 0.3, radius: 3, seed: 6 });
    const r = tortuosity(v, shape, { tol: 1e-8 });
    expect(r.converged).toBe(true);
    expect(r.iterations).toBeLessThanOrEqual(12); // measured 9 (unpadded: 40 sweeps of Gauss–Seidel as the coarse solve)
    expect(r.face_shape).toEqual([97, 97]);
    expect(r.inlet_flux.length).toBe(97 * 97);
    expect(r.inlet_flux.reduce((s, f) => s + f, 0) / (97 * 97)).toBeCloseTo(1, 6);
    expect(r.outlet_flux.reduce((s, f) => s + f, 0) / (97 * 97)).toBeCloseTo(1, 6);
  });

  it('reports iterations, residual ≤ tol and current conservation; an iteration cap is reported as not converged', () => {
    const shape: Shape = [32, 32, 32];
    const v = porousPhase(shape, { porosity: 0.3, radius: 3, seed: 5 });
    const seen: number[] = [];
    const r = tortuosity(v, shape, { tol: 1e-8, onProgress: (_it, res) => seen.push(res) });
    expect(r.converged).toBe(true);
    expect(r.iterations).toBeGreaterThan(2);
    expect(r.iterations).toBeLessThan(20);
    expect(r.residual).toBeLessThanOrEqual(1e-8);
    expect(seen.length).toBe(r.iterations);
    expect(r.flux_imbalance).toBeLessThan(1e-6);
    const capped = tortuosity(v, shape, { tol: 1e-8, maxIterations: 1 });
    expect(capped.converged).toBe(false);
    expect(capped.residual).toBeGreaterThan(1e-8);
    // the default tolerance (1e-6) lands within 1e-5 of the tight answer
    const dflt = tortuosity(v, shape);
    expect(dflt.tol).toBe(1e-6);
    expect(Math.abs(dflt.tortuosity_factor / r.tortuosity_factor - 1)).toBeLessThan(1e-5);
  });

  it('refuses a phase whose length does not match the shape, and a bad axis, with one clear line', () => {
    expect(() => tortuosity(new Uint8Array(7), [2, 2, 2])).toThrow(/phase has 7 voxels, shape 2×2×2 needs 8/);
    expect(() => tortuosity(new Uint8Array(8), [2, 2, 2], { axis: 'w' as Axis })).toThrow(/axis must be z, y or x/);
    expect(() => tortuosity(new Uint8Array(8), [2, 2, 2], { spacing: [1, 0, 1] })).toThrow(/spacing/);
  });
});
