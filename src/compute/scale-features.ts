/**
 * The per-scale voxel features of the trainable segmentation (segment/trainable/features.ts) on one
 * grid: a separable Gaussian (truncate 4σ, mode 'nearest' like scipy.ndimage) and, from the smoothed
 * volume, the smoothed value, gradient magnitude (central differences), Laplacian and the three
 * sorted Hessian eigenvalues (second differences), scaled by 1/h per derivative order.
 *
 * Here, in the compute layer, so that the cpu backend's `scaleFeatures` (the twin of the WebGPU
 * kernel kernels/trainable-features.wgsl.ts) and features.ts run the very same code.
 *
 * gaussian3: the y and z passes run row- and plane-wise with float64 accumulators (the inner loop
 * walks x: contiguous, no index clamping); the x pass convolves an edge-padded copy of each row;
 * the weights' symmetry halves the multiplies; float32 storage between passes. O(voxels × (r + 1))
 * per axis.
 */
import { gaussianWeights } from './reference.js';
import { gaussian3Simd } from './wasm-gaussian.js';

/**
 * Gaussian of `src` (depth × ny × nx) into `dst` planes [c0, c1) (dst holds depth planes; the others
 * are left as they are). `tmp` holds depth planes.
 */
export function gaussian3(src: Float32Array, dst: Float32Array, tmp: Float32Array, depth: number, ny: number, nx: number, sigma: number, c0 = 0, c1 = depth): void {
  // the same bits in WebAssembly SIMD where the engine has it (wasm-gaussian.ts; 48×256², σ 0.7 and
  // 1.6: 43 → 20 and 53 → 23 ns per voxel, CPU time)
  if (gaussian3Simd(src, dst, depth, ny, nx, sigma, c0, c1)) return;
  gaussian3Scalar(src, dst, tmp, depth, ny, nx, sigma, c0, c1);
}

/** gaussian3 in plain JavaScript: the reference of the SIMD one. */
export function gaussian3Scalar(src: Float32Array, dst: Float32Array, tmp: Float32Array, depth: number, ny: number, nx: number, sigma: number, c0 = 0, c1 = depth): void {
  const w = gaussianWeights(sigma);
  const r = (w.length - 1) / 2;
  const plane = ny * nx;
  // x pass src → tmp (symmetric weights: one multiply per pair of taps)
  const line = new Float32Array(nx + 2 * r);
  const wc = w[r];
  for (let row = 0; row < depth * ny; row++) {
    const o = row * nx;
    for (let k = 0; k < r; k++) { line[k] = src[o]; line[r + nx + k] = src[o + nx - 1]; }
    for (let x = 0; x < nx; x++) line[r + x] = src[o + x];
    for (let x = 0; x < nx; x++) {
      const c = x + r;
      let acc = wc * line[c];
      for (let k = 1; k <= r; k++) acc += w[r + k] * (line[c - k] + line[c + k]);
      tmp[o + x] = acc;
    }
  }
  // y pass tmp → dst (every plane: the z pass reads the halo)
  const acc = new Float64Array(Math.max(nx, plane));
  for (let z = 0; z < depth; z++) {
    const p = z * plane;
    for (let y = 0; y < ny; y++) {
      const o = p + y * nx;
      for (let x = 0; x < nx; x++) acc[x] = wc * tmp[o + x];
      for (let k = 1; k <= r; k++) {
        const ya = y - k < 0 ? 0 : y - k, yb = y + k >= ny ? ny - 1 : y + k;
        const wk = w[r + k], oa = p + ya * nx, ob = p + yb * nx;
        for (let x = 0; x < nx; x++) acc[x] += wk * (tmp[oa + x] + tmp[ob + x]);
      }
      for (let x = 0; x < nx; x++) dst[o + x] = acc[x];
    }
  }
  // z pass dst → tmp for the planes asked for, then back into dst
  for (let z = c0; z < c1; z++) {
    const o = z * plane;
    for (let i = 0; i < plane; i++) acc[i] = wc * dst[o + i];
    for (let k = 1; k <= r; k++) {
      const za = z - k < 0 ? 0 : z - k, zb = z + k >= depth ? depth - 1 : z + k;
      const wk = w[r + k], oa = za * plane, ob = zb * plane;
      for (let i = 0; i < plane; i++) acc[i] += wk * (dst[oa + i] + dst[ob + i]);
    }
    for (let i = 0; i < plane; i++) tmp[o + i] = acc[i];
  }
  dst.set(tmp.subarray(c0 * plane, c1 * plane), c0 * plane);
}

/** A smoothed volume of `depth` planes whose first plane is plane z0 of the volume (global z). */
export interface FeatureGrid { data: Float32Array; z0: number; depth: number; ny: number; nx: number }

/** The six features of one scale at (z, y, x) of a grid (z global), scaled by 1/h per derivative order. */
export function voxelScaleFeatures(g: FeatureGrid, z: number, y: number, x: number, h: number, out: Float32Array, at: number, stride: number, ev: Float64Array): void {
  const { data: sm, ny, nx } = g;
  const plane = ny * nx;
  const lz = z - g.z0;
  const i = lz * plane + y * nx + x;
  // neighbours clamped at the grid's faces (mode 'nearest')
  const dxm = x > 0 ? -1 : 0, dxp = x < nx - 1 ? 1 : 0;
  const dym = y > 0 ? -nx : 0, dyp = y < ny - 1 ? nx : 0;
  const dzm = lz > 0 ? -plane : 0, dzp = lz < g.depth - 1 ? plane : 0;
  const c = sm[i];
  const xp = sm[i + dxp], xm = sm[i + dxm], yp = sm[i + dyp], ym = sm[i + dym], zp = sm[i + dzp], zm = sm[i + dzm];
  const h1 = 1 / h, h2 = h1 * h1;
  const gx = 0.5 * (xp - xm), gy = 0.5 * (yp - ym), gz = 0.5 * (zp - zm);
  const hxx = (xp - 2 * c + xm) * h2, hyy = (yp - 2 * c + ym) * h2, hzz = (zp - 2 * c + zm) * h2;
  const hxy = 0.25 * (sm[i + dyp + dxp] - sm[i + dyp + dxm] - sm[i + dym + dxp] + sm[i + dym + dxm]) * h2;
  const hxz = 0.25 * (sm[i + dzp + dxp] - sm[i + dzp + dxm] - sm[i + dzm + dxp] + sm[i + dzm + dxm]) * h2;
  const hyz = 0.25 * (sm[i + dzp + dyp] - sm[i + dzp + dym] - sm[i + dzm + dyp] + sm[i + dzm + dym]) * h2;
  out[at] = c;
  out[at + stride] = Math.sqrt(gx * gx + gy * gy + gz * gz) * h1;
  out[at + 2 * stride] = hxx + hyy + hzz;
  symmetricEigenvalues(hxx, hyy, hzz, hxy, hxz, hyz, ev);
  out[at + 3 * stride] = ev[0];
  out[at + 4 * stride] = ev[1];
  out[at + 5 * stride] = ev[2];
}

/**
 * The six features of planes [c0, c1) of a grid (depth × ny × nx, not smoothed yet) at scale σ
 * (grid voxels), derivatives scaled by 1/h per order. Smooths only the planes the differences read
 * ([c0 − 1, c1 + 1) within the grid). Out: feature-major, out[k × n + i], n = (c1 − c0)·ny·nx.
 */
export function gridScaleFeatures(grid: Float32Array, depth: number, ny: number, nx: number, sigma: number, c0: number, c1: number, h: number): Float32Array {
  const plane = ny * nx;
  if (grid.length !== depth * plane) throw new RangeError(`grid of ${grid.length} voxels is not ${depth}×${ny}×${nx}`);
  if (!(0 <= c0 && c0 <= c1 && c1 <= depth)) throw new RangeError(`planes ${c0}–${c1} outside a grid of ${depth}`);
  const sm = new Float32Array(grid.length);
  gaussian3(grid, sm, new Float32Array(grid.length), depth, ny, nx, sigma, Math.max(0, c0 - 1), Math.min(depth, c1 + 1));
  const g: FeatureGrid = { data: sm, z0: 0, depth, ny, nx };
  const n = (c1 - c0) * plane;
  const out = new Float32Array(6 * n);
  const ev = new Float64Array(3);
  for (let z = c0, j = 0; z < c1; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++, j++) voxelScaleFeatures(g, z, y, x, h, out, j, n, ev);
  return out;
}

/** Eigenvalues of a symmetric 3×3 matrix, descending (trigonometric closed form; Smith 1961). */
export function symmetricEigenvalues(a: number, b: number, c: number, d: number, e: number, f: number, out: Float64Array): void {
  // matrix [[a, d, e], [d, b, f], [e, f, c]]
  const p1 = d * d + e * e + f * f;
  const q = (a + b + c) / 3;
  if (p1 < 1e-30) {
    // diagonal (e.g. a flat region: every derivative 0): sort the three without allocating
    let x = a, y = b, z = c, t: number;
    if (x < y) { t = x; x = y; y = t; }
    if (y < z) { t = y; y = z; z = t; }
    if (x < y) { t = x; x = y; y = t; }
    out[0] = x; out[1] = y; out[2] = z;
    return;
  }
  const aq = a - q, bq = b - q, cq = c - q;
  const p2 = aq * aq + bq * bq + cq * cq + 2 * p1;
  const p = Math.sqrt(p2 / 6);
  // det(B) of B = (A − qI)/p, as det(A − qI)/p³: one division
  const det = aq * (bq * cq - f * f) - d * (d * cq - f * e) + e * (d * f - bq * e);
  const half = det / (2 * p * p * p);
  const r = half < -1 ? -1 : half > 1 ? 1 : half;
  // the roots of 4c³ − 3c = r are cos φ, cos(φ ± 2π/3), φ = arccos(r)/3: the largest gives e1; the
  // smallest is −cos(arccos(−r)/3) (the cubic is odd), which keeps full accuracy where sin φ → 0
  const e1 = q + 2 * p * cosThirdArccos(r);
  const e3 = q - 2 * p * cosThirdArccos(-r);
  out[0] = e1;
  out[1] = 3 * q - e1 - e3;
  out[2] = e3;
}

/**
 * cos(arccos(r) / 3) for r ∈ [−1, 1], the largest root of 4c³ − 3c = r: a degree-10 polynomial in
 * t = √(2(1 + r)) − 1 (c is analytic in √(1 + r), which takes the square-root branch at r = −1; a
 * Chebyshev fit on t ∈ [−1, 1], converted to powers), max error 2.1e-10 — far below the float32 the
 * features are stored in — at a third of the cost of Math.acos and Math.cos (measured 35 → 12 ns).
 */
export function cosThirdArccos(r: number): number {
  const t = Math.sqrt(2 * (1 + r)) - 1;
  return 0.7660444431250442 + t * (0.24740906678683414 + t * (-0.015509188906099362 + t * (0.0024663428623149745 + t * (-0.00050411888479964
    + t * (0.00011648428483429881 + t * (-2.8945832530126128e-5 + t * (7.401690756711217e-6 + t * (-1.984557799145723e-6
    + t * (7.041948766929666e-7 + t * -2.0491559208749065e-7)))))))));
}

