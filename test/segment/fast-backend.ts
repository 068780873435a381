/**
 * Test-only stand-in for the compute backend, used ONLY while src/compute/index.ts (the real
 * createBackend) does not exist yet: single-threaded but linear-time versions of the slow
 * reference kernels (median3, gaussian, localMeanVariance, connectedComponents); the cheap ones
 * come from the reference backend. Same semantics as the reference (edge replication, float32).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ComponentResult, ComputeBackend, GreyArray } from '../../src/compute/types.js';
import { referenceBackend } from '../../src/compute/reference-backend.js';
import { gaussianWeights } from '../../src/compute/reference.js';
import type { Shape3 } from '../../src/io/volume.js';

function sameKind<A extends GreyArray>(a: A, n: number): A {
  return new (a.constructor as new (n: number) => A)(n);
}

function median3<A extends GreyArray>(input: A, shape: Shape3, out?: A): A {
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const res = sameKind(input, input.length);
  const w = new Float64Array(27);
  for (let z = 0; z < nz; z++) {
    const zs = [Math.max(0, z - 1), z, Math.min(nz - 1, z + 1)];
    for (let y = 0; y < ny; y++) {
      const ys = [Math.max(0, y - 1), y, Math.min(ny - 1, y + 1)];
      for (let x = 0; x < nx; x++) {
        const xs0 = Math.max(0, x - 1), xs2 = Math.min(nx - 1, x + 1);
        let k = 0;
        for (let a = 0; a < 3; a++) {
          const za = zs[a] * plane;
          for (let b = 0; b < 3; b++) {
            const row = za + ys[b] * nx;
            w[k++] = input[row + xs0];
            w[k++] = input[row + x];
            w[k++] = input[row + xs2];
          }
        }
        // quickselect k = 13
        let lo = 0, hi = 26;
        while (hi > lo) {
          const pivot = w[(lo + hi) >> 1];
          let i = lo, j = hi;
          while (i <= j) {
            while (w[i] < pivot) i++;
            while (w[j] > pivot) j--;
            if (i <= j) {
              const t = w[i]; w[i] = w[j]; w[j] = t;
              i++; j--;
            }
          }
          if (13 <= j) hi = j;
          else if (13 >= i) lo = i;
          else break;
        }
        res[(z * ny + y) * nx + x] = w[13];
      }
    }
  }
  if (out) {
    out.set(res as never);
    return out;
  }
  return res;
}

function gaussian(input: GreyArray, shape: Shape3, sigma: [number, number, number], out?: Float32Array): Float32Array {
  const [nz, ny, nx] = shape;
  let cur = Float32Array.from(input);
  const axes = [
    { n: nx, stride: 1, w: gaussianWeights(sigma[2]) },
    { n: ny, stride: nx, w: gaussianWeights(sigma[1]) },
    { n: nz, stride: nx * ny, w: gaussianWeights(sigma[0]) },
  ];
  for (const { n, stride, w } of axes) {
    const r = (w.length - 1) / 2;
    if (r === 0) continue;
    const next = new Float32Array(cur.length);
    const line = new Float32Array(n + 2 * r);
    const lines = cur.length / n;
    for (let l = 0; l < lines; l++) {
      // start index of line l along this axis
      const outer = Math.floor(l / stride);
      const inner = l % stride;
      const start = outer * stride * n + inner;
      for (let i = 0; i < n + 2 * r; i++) line[i] = cur[start + Math.min(n - 1, Math.max(0, i - r)) * stride];
      for (let i = 0; i < n; i++) {
        let acc = 0;
        for (let k = 0; k <= 2 * r; k++) acc = Math.fround(acc + Math.fround(w[k] * line[i + k]));
        next[start + i * stride] = acc;
      }
    }
    cur = next;
  }
  if (out) {
    out.set(cur);
    return out;
  }
  return cur;
}

function localMeanVariance(input: GreyArray, shape: Shape3, radius: number): { mean: Float32Array; variance: Float32Array } {
  const [nz, ny, nx] = shape;
  const s1 = Float64Array.from(input);
  const s2 = new Float64Array(input.length);
  for (let i = 0; i < input.length; i++) s2[i] = input[i] * input[i];
  const box = (a: Float64Array) => {
    const axes = [
      { n: nx, stride: 1 },
      { n: ny, stride: nx },
      { n: nz, stride: nx * ny },
    ];
    for (const { n, stride } of axes) {
      const line = new Float64Array(n);
      const lines = a.length / n;
      for (let l = 0; l < lines; l++) {
        const start = Math.floor(l / stride) * stride * n + (l % stride);
        for (let i = 0; i < n; i++) line[i] = a[start + i * stride];
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let k = -radius; k <= radius; k++) s += line[Math.min(n - 1, Math.max(0, i + k))];
          a[start + i * stride] = s;
        }
      }
    }
  };
  box(s1);
  box(s2);
  const c = (2 * radius + 1) ** 3;
  const mean = new Float32Array(input.length);
  const variance = new Float32Array(input.length);
  for (let i = 0; i < input.length; i++) {
    const m = s1[i] / c;
    mean[i] = m;
    variance[i] = Math.max(0, s2[i] / c - m * m);
  }
  return { mean, variance };
}

function connectedComponents(mask: Uint8Array, shape: Shape3, connectivity: 6 | 26): ComponentResult {
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const n = mask.length;
  const parent = new Int32Array(n).fill(-1);
  const find = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r];
    while (parent[i] !== r) {
      const p = parent[i];
      parent[i] = r;
      i = p;
    }
    return r;
  };
  const union = (a: number, b: number) => {
    const ra = find(a), rb = find(b);
    if (ra === rb) return;
    if (ra < rb) parent[rb] = ra;
    else parent[ra] = rb;
  };
  const offs: [number, number, number][] = [];
  for (let dz = -1; dz <= 0; dz++)
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        if (dz === 0 && (dy > 0 || (dy === 0 && dx >= 0))) continue;
        const m = Math.abs(dz) + Math.abs(dy) + Math.abs(dx);
        if (connectivity === 6 && m > 1) continue;
        offs.push([dz, dy, dx]);
      }
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const i = z * plane + y * nx + x;
        if (!mask[i]) continue;
        parent[i] = i;
        for (const [dz, dy, dx] of offs) {
          const zz = z + dz, yy = y + dy, xx = x + dx;
          if (zz < 0 || yy < 0 || yy >= ny || xx < 0 || xx >= nx) continue;
          const j = zz * plane + yy * nx + xx;
          if (mask[j]) union(i, j);
        }
      }
  const labels = new Uint32Array(n);
  const rootLabel = new Map<number, number>();
  const sizes: number[] = [0];
  for (let i = 0; i < n; i++) {
    if (!mask[i]) continue;
    const r = find(i);
    let l = rootLabel.get(r);
    if (l === undefined) {
      l = sizes.length;
      rootLabel.set(r, l);
      sizes.push(0);
    }
    labels[i] = l;
    sizes[l]++;
  }
  sizes[0] = n - sizes.reduce((a, b) => a + b, 0);
  return { labels, count: sizes.length - 1, sizes: Float64Array.from(sizes) };
}

export const fastTestBackend: ComputeBackend = {
  ...referenceBackend,
  name: 'cpu',
  description: 'test stand-in (single thread; real createBackend not available yet)',
  median3: async (input, shape, out) => median3(input, shape, out),
  gaussian: async (input, shape, sigma, out) => gaussian(input, shape, sigma, out),
  localMeanVariance: async (input, shape, radius) => localMeanVariance(input, shape, radius),
  connectedComponents: async (mask, shape, connectivity) => connectedComponents(mask, shape, connectivity),
};

/** The real cpu backend when src/compute/index.ts exists, else the stand-in above. */
export async function testBackend(): Promise<ComputeBackend> {
  const file = path.resolve(import.meta.dirname, '../../src/compute/index.ts');
  if (existsSync(file)) {
    const mod = (await import('../../src/compute/index.js' as string)) as { createBackend?: (c: 'cpu') => Promise<ComputeBackend> };
    if (mod.createBackend) return mod.createBackend('cpu');
  }
  return fastTestBackend;
}
