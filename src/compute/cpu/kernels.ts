/**
 * Slab kernels of the cpu backend. Each function works on a z-slab [z0, z1) (or a flat index range)
 * of arrays shared between worker threads, so the same code runs inside a piscina worker and, for
 * tests or tiny volumes, on the calling thread. Results agree with src/compute/reference.ts:
 * bit-exactly for integer outputs and for gaussian (same float32 accumulation order), and for
 * localMeanVariance on integer inputs (float64 running sums of integers are exact).
 */
import type { GreyArray, HistogramSpec } from '../types.js';
import { histogramBin } from '../reference.js';

type Shape3 = [number, number, number];

const clampIndex = (i: number, n: number) => (i < 0 ? 0 : i >= n ? n - 1 : i);
const isInteger = (a: GreyArray) => !(a instanceof Float32Array);

// ---------------------------------------------------------------------------------------------
// element-wise

export function normalizeRange(input: GreyArray, out: Float32Array, i0: number, i1: number, lo: number, hi: number): void {
  const scale = 1 / (hi - lo);
  for (let i = i0; i < i1; i++) {
    const v = (input[i] - lo) * scale;
    out[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  }
}

export function clipRange(input: GreyArray, out: GreyArray, i0: number, i1: number, lo: number, hi: number): void {
  for (let i = i0; i < i1; i++) out[i] = Math.min(hi, Math.max(lo, input[i]));
}

/** Lookup table value → label for integer inputs (exactly the reference comparison). */
function classifyLut(bits: 8 | 16, thresholds: readonly number[]): Uint8Array {
  const t = thresholds.map(Math.fround);
  const lut = new Uint8Array(1 << bits);
  for (let v = 0; v < lut.length; v++) {
    let label = 0;
    for (const th of t) if (v >= th) label++;
    lut[v] = label;
  }
  return lut;
}

export function classifyRange(input: GreyArray, out: Uint8Array, i0: number, i1: number, thresholds: readonly number[]): void {
  if (input instanceof Uint8Array || input instanceof Uint16Array) {
    const lut = classifyLut(input instanceof Uint8Array ? 8 : 16, thresholds);
    for (let i = i0; i < i1; i++) out[i] = lut[input[i]];
    return;
  }
  const t = Float64Array.from(thresholds, Math.fround);
  const nt = t.length;
  for (let i = i0; i < i1; i++) {
    const v = input[i];
    let label = 0;
    for (let k = 0; k < nt; k++) if (v >= t[k]) label++;
    out[i] = label;
  }
}

export function histogramRange(input: GreyArray, i0: number, i1: number, spec: HistogramSpec): Float64Array {
  const counts = new Float64Array(spec.bins);
  // per-task counts fit in uint32 (a task never covers 2^32 voxels)
  const c32 = new Uint32Array(spec.bins);
  if (input instanceof Uint8Array || input instanceof Uint16Array) {
    const lut = new Uint32Array(input instanceof Uint8Array ? 256 : 65536);
    for (let v = 0; v < lut.length; v++) lut[v] = histogramBin(v, spec, true);
    // four tables, one per voxel of each group of four: neighbouring voxels often share a bin, and
    // one table made each increment wait for the previous one (2× on a 67 M-voxel uint16 pass)
    const four = new Uint32Array(4 * spec.bins);
    const b1 = spec.bins, b2 = 2 * spec.bins, b3 = 3 * spec.bins;
    let i = i0;
    for (; i + 3 < i1; i += 4) {
      four[lut[input[i]]]++;
      four[b1 + lut[input[i + 1]]]++;
      four[b2 + lut[input[i + 2]]]++;
      four[b3 + lut[input[i + 3]]]++;
    }
    for (; i < i1; i++) four[lut[input[i]]]++;
    for (let b = 0; b < spec.bins; b++) c32[b] = four[b] + four[b1 + b] + four[b2 + b] + four[b3 + b];
  } else {
    const { lo, width, bins } = spec;
    const last = bins - 1;
    for (let i = i0; i < i1; i++) {
      const idx = Math.floor(Math.fround(Math.fround(input[i] - lo) / width));
      c32[idx < 0 ? 0 : idx >= bins ? last : idx]++;
    }
  }
  for (let b = 0; b < spec.bins; b++) counts[b] = c32[b];
  return counts;
}

// ---------------------------------------------------------------------------------------------
// median3

/**
 * 3×3×3 median over slices [z0, z1). For every output row the nine (z, y) columns at each x are
 * sorted once with a 25-comparator network (shared by the three outputs that use the column);
 * each output then selects the 14th smallest of its three sorted columns by discarding the
 * smallest 4, 3, 2, 1, 1, 1, 1 heads (the k-th-of-sorted-lists step: with k still to discard,
 * the list whose element at offset ⌊k/3⌋−1 is smallest loses ⌊k/3⌋ heads) and taking the
 * smallest remaining head. uint8/uint16 run on int32 with branch-free min/max; float32 on
 * float64 with Math.min/max (slower).
 *
 * The slab keeps its own copies of the three source slices it needs, so writing `out` in place
 * is safe inside the slab; `haloLo` / `haloHi` are copies of the original slices z0−1 and z1
 * taken before any worker started writing (required when out === input and a neighbouring slab
 * exists; otherwise those slices are read from `input`).
 */
export function median3Slab(
  input: GreyArray, out: GreyArray, shape: Shape3, z0: number, z1: number,
  haloLo: GreyArray | null, haloHi: GreyArray | null,
): void {
  const [nz, ny, nx] = shape;
  const plane = nx * ny;
  const integer = isInteger(input);
  const mk = () => (integer ? new Int32Array(plane) : new Float64Array(plane));
  const load = (z: number, dst: Int32Array | Float64Array) => {
    const zz = clampIndex(z, nz);
    if (zz < z0 && haloLo) dst.set(haloLo);
    else if (zz >= z1 && haloHi) dst.set(haloHi);
    else dst.set(input.subarray(zz * plane, (zz + 1) * plane));
  };
  let pPrev = mk(), pCur = mk(), pNext = mk();
  load(z0 - 1, pPrev);
  load(z0, pCur);
  const colsI = new Int32Array((nx + 2) * COL);
  const colsF = new Float64Array(integer ? 0 : (nx + 2) * COL);
  for (let z = z0; z < z1; z++) {
    load(z + 1, pNext);
    for (let y = 0; y < ny; y++) {
      const o0 = clampIndex(y - 1, ny) * nx, o1 = y * nx, o2 = clampIndex(y + 1, ny) * nx;
      const ob = z * plane + y * nx;
      if (integer) {
        sortColumnsInt(pPrev as Int32Array, pCur as Int32Array, pNext as Int32Array, o0, o1, o2, nx, colsI);
        selectInt(colsI, out as Uint8Array | Uint16Array, ob, nx);
      } else {
        sortColumnsFloat(pPrev as Float64Array, pCur as Float64Array, pNext as Float64Array, o0, o1, o2, nx, colsF);
        selectFloat(colsF, out as Float32Array, ob, nx);
      }
    }
    const t = pPrev;
    pPrev = pCur;
    pCur = pNext;
    pNext = t;
  }
}

/** Stride of one sorted column: 9 values and 7 sentinels (a selection step may look 3 past the end). */
const COL = 16;
const SENTINEL_INT = 1 << 30;

/** Sorted 9-value columns for x = -1..nx (edge-replicated) at cols[(x+1)*COL ..]. */
function sortColumnsInt(pa: Int32Array, pb: Int32Array, pc: Int32Array, o0: number, o1: number, o2: number, nx: number, cols: Int32Array): void {
  for (let x = 0; x < nx; x++) {
    let v0 = pa[o0 + x], v1 = pa[o1 + x], v2 = pa[o2 + x];
    let v3 = pb[o0 + x], v4 = pb[o1 + x], v5 = pb[o2 + x];
    let v6 = pc[o0 + x], v7 = pc[o1 + x], v8 = pc[o2 + x];
    let d: number, t: number;
    // 25-comparator sorting network for 9 inputs (verified exhaustively by the 0-1 principle);
    // compare-exchange without branches: d = min(a − b, 0), min = b + d, max = a − d
    d = v0 - v1; d &= d >> 31; t = v1 + d; v1 = v0 - d; v0 = t;
    d = v3 - v4; d &= d >> 31; t = v4 + d; v4 = v3 - d; v3 = t;
    d = v6 - v7; d &= d >> 31; t = v7 + d; v7 = v6 - d; v6 = t;
    d = v1 - v2; d &= d >> 31; t = v2 + d; v2 = v1 - d; v1 = t;
    d = v4 - v5; d &= d >> 31; t = v5 + d; v5 = v4 - d; v4 = t;
    d = v7 - v8; d &= d >> 31; t = v8 + d; v8 = v7 - d; v7 = t;
    d = v0 - v1; d &= d >> 31; t = v1 + d; v1 = v0 - d; v0 = t;
    d = v3 - v4; d &= d >> 31; t = v4 + d; v4 = v3 - d; v3 = t;
    d = v6 - v7; d &= d >> 31; t = v7 + d; v7 = v6 - d; v6 = t;
    d = v0 - v3; d &= d >> 31; t = v3 + d; v3 = v0 - d; v0 = t;
    d = v3 - v6; d &= d >> 31; t = v6 + d; v6 = v3 - d; v3 = t;
    d = v0 - v3; d &= d >> 31; t = v3 + d; v3 = v0 - d; v0 = t;
    d = v1 - v4; d &= d >> 31; t = v4 + d; v4 = v1 - d; v1 = t;
    d = v4 - v7; d &= d >> 31; t = v7 + d; v7 = v4 - d; v4 = t;
    d = v1 - v4; d &= d >> 31; t = v4 + d; v4 = v1 - d; v1 = t;
    d = v2 - v5; d &= d >> 31; t = v5 + d; v5 = v2 - d; v2 = t;
    d = v5 - v8; d &= d >> 31; t = v8 + d; v8 = v5 - d; v5 = t;
    d = v2 - v5; d &= d >> 31; t = v5 + d; v5 = v2 - d; v2 = t;
    d = v1 - v3; d &= d >> 31; t = v3 + d; v3 = v1 - d; v1 = t;
    d = v5 - v7; d &= d >> 31; t = v7 + d; v7 = v5 - d; v5 = t;
    d = v2 - v6; d &= d >> 31; t = v6 + d; v6 = v2 - d; v2 = t;
    d = v4 - v6; d &= d >> 31; t = v6 + d; v6 = v4 - d; v4 = t;
    d = v2 - v4; d &= d >> 31; t = v4 + d; v4 = v2 - d; v2 = t;
    d = v2 - v3; d &= d >> 31; t = v3 + d; v3 = v2 - d; v2 = t;
    d = v5 - v6; d &= d >> 31; t = v6 + d; v6 = v5 - d; v5 = t;
    const c = (x + 1) * COL;
    cols[c] = v0; cols[c + 1] = v1; cols[c + 2] = v2; cols[c + 3] = v3; cols[c + 4] = v4;
    cols[c + 5] = v5; cols[c + 6] = v6; cols[c + 7] = v7; cols[c + 8] = v8;
    cols[c + 9] = SENTINEL_INT; cols[c + 10] = SENTINEL_INT; cols[c + 11] = SENTINEL_INT;
  }
  cols.copyWithin(0, COL, 2 * COL);
  cols.copyWithin((nx + 1) * COL, nx * COL, (nx + 1) * COL);
}

function selectInt(cols: Int32Array, out: Uint8Array | Uint16Array, ob: number, nx: number): void {
  for (let x = 0; x < nx; x++) {
    let i = x * COL, j = i + COL, k = i + 2 * COL;
    let a: number, b: number, d: number, ma: number, mb: number;
    // ma: a is the smallest (a <= b, a <= d); mb: b is (b < a, b <= d); else d
    a = cols[i + 3]; b = cols[j + 3]; d = cols[k + 3];
    ma = ~(((b - a) | (d - a)) >> 31); mb = ~(((a - b - 1) | (d - b)) >> 31);
    i += 4 & ma; j += 4 & mb; k += 4 & ~(ma | mb);
    a = cols[i + 2]; b = cols[j + 2]; d = cols[k + 2];
    ma = ~(((b - a) | (d - a)) >> 31); mb = ~(((a - b - 1) | (d - b)) >> 31);
    i += 3 & ma; j += 3 & mb; k += 3 & ~(ma | mb);
    a = cols[i + 1]; b = cols[j + 1]; d = cols[k + 1];
    ma = ~(((b - a) | (d - a)) >> 31); mb = ~(((a - b - 1) | (d - b)) >> 31);
    i += 2 & ma; j += 2 & mb; k += 2 & ~(ma | mb);
    for (let s = 0; s < 4; s++) {
      a = cols[i]; b = cols[j]; d = cols[k];
      ma = ~(((b - a) | (d - a)) >> 31); mb = ~(((a - b - 1) | (d - b)) >> 31);
      i += 1 & ma; j += 1 & mb; k += 1 & ~(ma | mb);
    }
    a = cols[i]; b = cols[j]; d = cols[k];
    let t = a - b;
    t &= t >> 31;
    a = b + t;
    t = a - d;
    t &= t >> 31;
    out[ob + x] = d + t;
  }
}

function sortColumnsFloat(pa: Float64Array, pb: Float64Array, pc: Float64Array, o0: number, o1: number, o2: number, nx: number, cols: Float64Array): void {
  for (let x = 0; x < nx; x++) {
    const v = [pa[o0 + x], pa[o1 + x], pa[o2 + x], pb[o0 + x], pb[o1 + x], pb[o2 + x], pc[o0 + x], pc[o1 + x], pc[o2 + x]];
    for (let q = 0; q < NET9.length; q += 2) {
      const p = NET9[q], r = NET9[q + 1];
      const a = v[p], b = v[r];
      if (b < a) { v[p] = b; v[r] = a; }
    }
    const c = (x + 1) * COL;
    for (let q = 0; q < 9; q++) cols[c + q] = v[q];
    cols[c + 9] = Infinity; cols[c + 10] = Infinity; cols[c + 11] = Infinity;
  }
  cols.copyWithin(0, COL, 2 * COL);
  cols.copyWithin((nx + 1) * COL, nx * COL, (nx + 1) * COL);
}

const NET9 = Int32Array.of(
  0, 1, 3, 4, 6, 7, 1, 2, 4, 5, 7, 8, 0, 1, 3, 4, 6, 7, 0, 3, 3, 6, 0, 3, 1, 4, 4, 7, 1, 4,
  2, 5, 5, 8, 2, 5, 1, 3, 5, 7, 2, 6, 4, 6, 2, 4, 2, 3, 5, 6,
);

function selectFloat(cols: Float64Array, out: Float32Array, ob: number, nx: number): void {
  for (let x = 0; x < nx; x++) {
    let i = x * COL, j = i + COL, k = i + 2 * COL;
    let left = 13;
    while (left > 0) {
      const p = left >= 6 ? Math.floor(left / 3) : 1;
      const a = cols[i + p - 1], b = cols[j + p - 1], d = cols[k + p - 1];
      if (a <= b && a <= d) i += p;
      else if (b <= d) j += p;
      else k += p;
      left -= p;
    }
    const a = cols[i], b = cols[j], d = cols[k];
    out[ob + x] = a <= b ? (a <= d ? a : d) : b <= d ? b : d;
  }
}

// ---------------------------------------------------------------------------------------------
// gaussian: x and y passes per slice into a float32 temporary, then the z pass (after a barrier)

export function gaussianXYSlab(input: GreyArray, tmp: Float32Array, shape: Shape3, z0: number, z1: number, wx: Float32Array, wy: Float32Array): void {
  const [, ny, nx] = shape;
  const plane = nx * ny;
  const rx = (wx.length - 1) / 2, ry = (wy.length - 1) / 2;
  const pad = new Float32Array(nx + 2 * rx);
  const xs = new Float32Array(plane);
  const wxs = Float64Array.from(wx), wys = Float64Array.from(wy);
  for (let z = z0; z < z1; z++) {
    const base = z * plane;
    xs.fill(0);
    for (let y = 0; y < ny; y++) {
      const rb = base + y * nx;
      for (let x = 0; x < nx; x++) pad[x + rx] = input[rb + x];
      const first = pad[rx], last = pad[rx + nx - 1];
      for (let k = 0; k < rx; k++) { pad[k] = first; pad[rx + nx + k] = last; }
      const ob = y * nx;
      for (let k = 0; k < wxs.length; k++) {
        const w = wxs[k];
        for (let x = 0; x < nx; x++) xs[ob + x] += Math.fround(w * pad[x + k]);
      }
    }
    for (let y = 0; y < ny; y++) {
      const ob = base + y * nx;
      for (let x = 0; x < nx; x++) tmp[ob + x] = 0;
      for (let k = 0; k < wys.length; k++) {
        const w = wys[k];
        const sb = clampIndex(y + k - ry, ny) * nx;
        for (let x = 0; x < nx; x++) tmp[ob + x] += Math.fround(w * xs[sb + x]);
      }
    }
  }
}

export function gaussianZSlab(tmp: Float32Array, out: Float32Array, shape: Shape3, z0: number, z1: number, wz: Float32Array): void {
  const [nz, ny, nx] = shape;
  const plane = nx * ny;
  const rz = (wz.length - 1) / 2;
  const acc = new Float32Array(plane);
  for (let z = z0; z < z1; z++) {
    acc.fill(0);
    for (let k = 0; k < wz.length; k++) {
      const w = wz[k];
      const sb = clampIndex(z + k - rz, nz) * plane;
      for (let i = 0; i < plane; i++) acc[i] += Math.fround(w * tmp[sb + i]);
    }
    out.set(acc, z * plane);
  }
}

// ---------------------------------------------------------------------------------------------
// local mean / variance: box sums by running sums along x, y (per slice) and z (ring of slices)

export function localMeanVarianceSlab(
  input: GreyArray, mean: Float32Array, variance: Float32Array, shape: Shape3, z0: number, z1: number, r: number,
): void {
  const [nz, ny, nx] = shape;
  const plane = nx * ny;
  const count = (2 * r + 1) ** 3;
  const ringN = 2 * r + 2;
  const ringS = Array.from({ length: ringN }, () => new Float64Array(plane));
  const ringQ = Array.from({ length: ringN }, () => new Float64Array(plane));
  const tags = new Int32Array(ringN).fill(-1);
  const rowS = new Float64Array(plane), rowQ = new Float64Array(plane);
  const line = new Float64Array(nx);

  const planeSums = (zz: number): number => {
    const slot = zz % ringN;
    if (tags[slot] === zz) return slot;
    tags[slot] = zz;
    const base = zz * plane;
    // x running sums
    for (let y = 0; y < ny; y++) {
      const rb = base + y * nx, ob = y * nx;
      for (let x = 0; x < nx; x++) line[x] = input[rb + x];
      let s = 0, q = 0;
      for (let k = -r; k <= r; k++) { const v = line[clampIndex(k, nx)]; s += v; q += v * v; }
      for (let x = 0; x < nx; x++) {
        rowS[ob + x] = s;
        rowQ[ob + x] = q;
        const vin = line[clampIndex(x + r + 1, nx)], vout = line[clampIndex(x - r, nx)];
        s += vin - vout;
        q += vin * vin - vout * vout;
      }
    }
    // y running sums
    const S = ringS[slot], Q = ringQ[slot];
    for (let x = 0; x < nx; x++) { S[x] = 0; Q[x] = 0; }
    for (let k = -r; k <= r; k++) {
      const sb = clampIndex(k, ny) * nx;
      for (let x = 0; x < nx; x++) { S[x] += rowS[sb + x]; Q[x] += rowQ[sb + x]; }
    }
    for (let y = 1; y < ny; y++) {
      const ob = y * nx, pb = ob - nx;
      const ib = clampIndex(y + r, ny) * nx, xb = clampIndex(y - r - 1, ny) * nx;
      for (let x = 0; x < nx; x++) {
        S[ob + x] = S[pb + x] + rowS[ib + x] - rowS[xb + x];
        Q[ob + x] = Q[pb + x] + rowQ[ib + x] - rowQ[xb + x];
      }
    }
    return slot;
  };

  const zs = new Float64Array(plane), zq = new Float64Array(plane);
  for (let k = -r; k <= r; k++) {
    const slot = planeSums(clampIndex(z0 + k, nz));
    const S = ringS[slot], Q = ringQ[slot];
    for (let i = 0; i < plane; i++) { zs[i] += S[i]; zq[i] += Q[i]; }
  }
  for (let z = z0; z < z1; z++) {
    const ob = z * plane;
    for (let i = 0; i < plane; i++) {
      const m = zs[i] / count;
      mean[ob + i] = m;
      variance[ob + i] = Math.max(0, zq[i] / count - m * m);
    }
    if (z + 1 < z1) {
      const outSlot = planeSums(clampIndex(z - r, nz));
      const inSlot = planeSums(clampIndex(z + r + 1, nz));
      const So = ringS[outSlot], Qo = ringQ[outSlot], Si = ringS[inSlot], Qi = ringQ[inSlot];
      for (let i = 0; i < plane; i++) {
        zs[i] += Si[i] - So[i];
        zq[i] += Qi[i] - Qo[i];
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// connected components (by runs: components-runs.ts)

export { componentsSlab } from './components-runs.js';

/** labels[i] = map[offset + labels[i]] for labelled voxels in [i0, i1). */
export function relabelRange(labels: Uint32Array, map: Uint32Array, offset: number, i0: number, i1: number): void {
  for (let i = i0; i < i1; i++) {
    const l = labels[i];
    if (l) labels[i] = map[offset + l];
  }
}

export { isInteger };
