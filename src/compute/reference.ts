/**
 * Plain single-threaded implementations of the voxel kernels, written for clarity, not speed.
 * They are the oracle the cpu and gpu backends are tested against.
 */
import type { Shape3 } from '../io/volume.js';
import type { ComponentResult, GreyArray, HistogramSpec } from './types.js';

const clampIndex = (i: number, n: number) => (i < 0 ? 0 : i >= n ? n - 1 : i);
const isIntegerArray = (a: GreyArray) => !(a instanceof Float32Array);

function sameKind<A extends GreyArray>(a: A, length: number): A {
  return new (a.constructor as new (n: number) => A)(length);
}

export function normalizeRef(input: GreyArray, lo: number, hi: number): Float32Array {
  const out = new Float32Array(input.length);
  const scale = 1 / (hi - lo);
  for (let i = 0; i < input.length; i++) out[i] = Math.min(1, Math.max(0, (input[i] - lo) * scale));
  return out;
}

export function clipRef<A extends GreyArray>(input: A, lo: number, hi: number): A {
  const out = sameKind(input, input.length);
  for (let i = 0; i < input.length; i++) out[i] = Math.min(hi, Math.max(lo, input[i]));
  return out;
}

export function median3Ref<A extends GreyArray>(input: A, shape: Shape3): A {
  const [nz, ny, nx] = shape;
  const out = sameKind(input, input.length);
  const window: number[] = new Array(27);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        let k = 0;
        for (let dz = -1; dz <= 1; dz++)
          for (let dy = -1; dy <= 1; dy++)
            for (let dx = -1; dx <= 1; dx++) {
              const zz = clampIndex(z + dz, nz), yy = clampIndex(y + dy, ny), xx = clampIndex(x + dx, nx);
              window[k++] = input[(zz * ny + yy) * nx + xx];
            }
        window.sort((a, b) => a - b);
        out[(z * ny + y) * nx + x] = window[13];
      }
  return out;
}

/** Normalised Gaussian weights of radius ceil(4σ), computed in float64 then rounded to float32. */
export function gaussianWeights(sigma: number, truncate = 4): Float32Array {
  if (sigma <= 0) return Float32Array.of(1);
  const r = Math.ceil(truncate * sigma);
  const w = new Float64Array(2 * r + 1);
  let sum = 0;
  for (let i = -r; i <= r; i++) sum += w[i + r] = Math.exp((-0.5 * i * i) / (sigma * sigma));
  return Float32Array.from(w, (v) => v / sum);
}

/** Separable Gaussian along x, then y, then z, accumulating each pass in float32. */
export function gaussianRef(input: GreyArray, shape: Shape3, sigma: [number, number, number]): Float32Array {
  const [nz, ny, nx] = shape;
  let cur = Float32Array.from(input);
  const axes: { n: number; stride: number; w: Float32Array }[] = [
    { n: nx, stride: 1, w: gaussianWeights(sigma[2]) },
    { n: ny, stride: nx, w: gaussianWeights(sigma[1]) },
    { n: nz, stride: nx * ny, w: gaussianWeights(sigma[0]) },
  ];
  for (const { n, stride, w } of axes) {
    const r = (w.length - 1) / 2;
    const next = new Float32Array(cur.length);
    for (let i = 0; i < cur.length; i++) {
      const pos = Math.floor(i / stride) % n;
      let acc = 0;
      for (let k = -r; k <= r; k++) acc = Math.fround(acc + Math.fround(w[k + r] * cur[i + (clampIndex(pos + k, n) - pos) * stride]));
      next[i] = acc;
    }
    cur = next;
  }
  return cur;
}

export function histogramBin(v: number, spec: HistogramSpec, integer: boolean): number {
  const idx = integer ? Math.floor((v - spec.lo) / spec.width) : Math.floor(Math.fround(Math.fround(v - spec.lo) / spec.width));
  return idx < 0 ? 0 : idx >= spec.bins ? spec.bins - 1 : idx;
}

export function histogramRef(input: GreyArray, spec: HistogramSpec): Float64Array {
  const counts = new Float64Array(spec.bins);
  const integer = isIntegerArray(input);
  for (let i = 0; i < input.length; i++) counts[histogramBin(input[i], spec, integer)]++;
  return counts;
}

export function classifyRef(input: GreyArray, thresholds: readonly number[]): Uint8Array {
  const t = thresholds.map(Math.fround);
  const out = new Uint8Array(input.length);
  for (let i = 0; i < input.length; i++) {
    let label = 0;
    for (const th of t) if (input[i] >= th) label++;
    out[i] = label;
  }
  return out;
}

export function localMeanVarianceRef(input: GreyArray, shape: Shape3, radius: number): { mean: Float32Array; variance: Float32Array } {
  const [nz, ny, nx] = shape;
  const mean = new Float32Array(input.length);
  const variance = new Float32Array(input.length);
  const count = (2 * radius + 1) ** 3;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        let s = 0, s2 = 0;
        for (let dz = -radius; dz <= radius; dz++)
          for (let dy = -radius; dy <= radius; dy++)
            for (let dx = -radius; dx <= radius; dx++) {
              const v = input[(clampIndex(z + dz, nz) * ny + clampIndex(y + dy, ny)) * nx + clampIndex(x + dx, nx)];
              s += v;
              s2 += v * v;
            }
        const m = s / count;
        const i = (z * ny + y) * nx + x;
        mean[i] = m;
        variance[i] = Math.max(0, s2 / count - m * m);
      }
  return { mean, variance };
}

/** Flood fill with an explicit stack; labels in raster order of each component's first voxel. */
export function connectedComponentsRef(mask: Uint8Array, shape: Shape3, connectivity: 6 | 26): ComponentResult {
  const [nz, ny, nx] = shape;
  const labels = new Uint32Array(mask.length);
  const offsets: [number, number, number][] = [];
  for (let dz = -1; dz <= 1; dz++)
    for (let dy = -1; dy <= 1; dy++)
      for (let dx = -1; dx <= 1; dx++) {
        const manhattan = Math.abs(dz) + Math.abs(dy) + Math.abs(dx);
        if (manhattan === 0 || (connectivity === 6 && manhattan > 1)) continue;
        offsets.push([dz, dy, dx]);
      }
  const sizes: number[] = [0];
  let count = 0;
  const stack: number[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start]) continue;
    count++;
    let size = 0;
    labels[start] = count;
    stack.push(start);
    while (stack.length) {
      const i = stack.pop()!;
      size++;
      const x = i % nx, y = Math.floor(i / nx) % ny, z = Math.floor(i / (nx * ny));
      for (const [dz, dy, dx] of offsets) {
        const zz = z + dz, yy = y + dy, xx = x + dx;
        if (zz < 0 || zz >= nz || yy < 0 || yy >= ny || xx < 0 || xx >= nx) continue;
        const j = (zz * ny + yy) * nx + xx;
        if (mask[j] && !labels[j]) {
          labels[j] = count;
          stack.push(j);
        }
      }
    }
    sizes.push(size);
  }
  sizes[0] = mask.length - sizes.reduce((a, b) => a + b, 0);
  return { labels, count, sizes: Float64Array.from(sizes) };
}
