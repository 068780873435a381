/**
 * Refinement's later passes (phases/slab-kernels.ts nearChangesSlab): the previous pass's changed
 * voxels and their 6-neighbours inside the chunk, each re-decided by the half-way rule. Checked
 * against a plain reference written here (a set of candidates, sorted, each through boundaryChange)
 * on random labels and grey, chunks at the volume's ends and inside, windows with a halo (lo < z0),
 * repeated calls in one thread (the candidate marks are reused) and chunk spans not a multiple of 4.
 */
import { describe, expect, it } from 'vitest';
import { boundaryChange, boundaryChangesSlab, nearChangesSlab } from '../../src/segment/phases/slab-kernels.js';
import type { Shape3 } from '../../src/io/volume.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function reference(L: Uint8Array, grey: Uint16Array, mu: number[], shape: Shape3, lo: number, z0: number, z1: number, prev: Float64Array) {
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const cand = new Set<number>();
  for (const g of prev) {
    const z = Math.floor(g / plane), r = g - z * plane, y = Math.floor(r / nx), x = r - y * nx;
    const nb = [g, x > 0 ? g - 1 : -1, x < nx - 1 ? g + 1 : -1, y > 0 ? g - nx : -1, y < ny - 1 ? g + nx : -1, z > 0 ? g - plane : -1, z < nz - 1 ? g + plane : -1];
    for (const v of nb) if (v >= z0 * plane && v < z1 * plane) cand.add(v);
  }
  const out: [number, number][] = [];
  for (const g of [...cand].sort((a, b) => a - b)) {
    const z = Math.floor(g / plane), r = g - z * plane, y = Math.floor(r / nx), x = r - y * nx;
    const best = boundaryChange(L, grey, mu, g - lo * plane, x, y, z, nz, ny, nx);
    if (best >= 0) out.push([g, best]);
  }
  return out;
}

describe('refinement near the previous changes (nearChangesSlab)', () => {
  it('equals the plain candidate set → half-way rule, chunk by chunk', () => {
    const shape: Shape3 = [23, 9, 7]; // plane 63: chunk spans not a multiple of 4
    const [nz, ny, nx] = shape;
    const plane = ny * nx, n = nz * plane;
    const r = rng(5);
    const labels = new Uint8Array(n), grey = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = Math.floor(r() * 3); // void, Li, electrolyte
      grey[i] = Math.floor(r() * 12000);
    }
    const mu = [2000, 4000, 9000, 20000, 15000, 1500];
    const prevAll = Float64Array.from({ length: 300 }, () => Math.floor(r() * n)).sort();
    let total = 0;
    for (const [z0, z1, lo] of [[0, 5, 0], [5, 11, 4], [11, 16, 10], [16, 23, 15], [0, 23, 0], [3, 4, 2]]) {
      // the window holds slices lo .. z1 (+ a halo), as the store's sweep hands it over
      const hi = Math.min(nz, z1 + 1);
      const wl = labels.subarray(lo * plane, hi * plane), wg = grey.subarray(lo * plane, hi * plane);
      const prev = prevAll.filter((g) => g >= (z0 - 1) * plane && g < (z1 + 1) * plane);
      const got = nearChangesSlab({ grey: wg, labels: wl, lo, z0, z1, shape, mu, prev });
      const want = reference(wl, wg, mu, shape, lo, z0, z1, prev);
      expect(Array.from(got.offset, (o, j) => [z0 * plane + o, got.phase[j]])).toEqual(want);
      total += want.length;
    }
    expect(total).toBeGreaterThan(50); // the rule does change voxels here
    // the last slice reached only through the +z neighbours of the slice before it
    const lastPrev = Float64Array.from({ length: plane }, (_, k) => (nz - 2) * plane + k);
    const wl = labels.subarray((nz - 2) * plane), wg = grey.subarray((nz - 2) * plane);
    const got = nearChangesSlab({ grey: wg, labels: wl, lo: nz - 2, z0: nz - 1, z1: nz, shape, mu, prev: lastPrev });
    const want = reference(wl, wg, mu, shape, nz - 2, nz - 1, nz, lastPrev);
    expect(want.length).toBeGreaterThan(0);
    expect(Array.from(got.offset, (o, j) => [(nz - 1) * plane + o, got.phase[j]])).toEqual(want);
  });

  it('first pass (boundaryChangesSlab): slab by slab, from + offset give every boundary voxel\'s change in raster order', () => {
    const shape: Shape3 = [17, 9, 7];
    const [nz, ny, nx] = shape;
    const plane = ny * nx, n = nz * plane;
    const r = rng(9);
    const labels = new Uint8Array(n), grey = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = r() < 0.7 ? 2 : Math.floor(r() * 3);
      grey[i] = Math.floor(r() * 12000);
    }
    const mu = [2000, 4000, 9000, 20000, 15000, 1500];
    const want: [number, number][] = [];
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++) {
          const i = (z * ny + y) * nx + x;
          const best = boundaryChange(labels, grey, mu, i, x, y, z, nz, ny, nx);
          if (best >= 0) want.push([i, best]);
        }
    const got: [number, number][] = [];
    for (const [z0, z1] of [[0, 6], [6, 7], [7, nz]]) {
      const part = boundaryChangesSlab({ grey, labels, lo: 0, z0, z1, shape, mu });
      expect(part.from).toBe(z0 * plane);
      for (let k = 0; k < part.offset.length; k++) got.push([part.from + part.offset[k], part.phase[k]]);
    }
    expect(got).toEqual(want);
    expect(want.length).toBeGreaterThan(50);
  });
});
