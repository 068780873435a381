/**
 * The smoothing behind the trainable features: a separable Gaussian (truncate 4σ, mode 'nearest'
 * like scipy.ndimage) whose z pass writes only the planes asked for, and an f × f × f block mean that
 * makes the coarse grid of a large scale (pyramid: features.ts).
 *
 * The y and z passes run row- and plane-wise with float64 accumulators (the inner loop walks x:
 * contiguous, no index clamping); the x pass convolves an edge-padded copy of each row; the weights'
 * symmetry halves the multiplies. O(voxels × (r + 1)) per axis.
 */
import { gaussianWeights } from '../../compute/reference.js';

/**
 * Gaussian of `src` (depth × ny × nx) into `dst` planes [c0, c1) (dst holds depth planes; the others
 * are left as they are). `tmp` holds depth planes.
 */
export function gaussian3(src: Float32Array, dst: Float32Array, tmp: Float32Array, depth: number, ny: number, nx: number, sigma: number, c0 = 0, c1 = depth): void {
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

/**
 * Means of f × f × f blocks of the fine planes [b0·f, min(nz, b1·f)) of the volume, read from `grey`
 * (which starts at fine plane h0) as (v − lo) · scale; blocks cut by the volume's faces average what is
 * inside. Out: (b1 − b0) × ⌈ny/f⌉ × ⌈nx/f⌉.
 */
export function blockMean(
  grey: ArrayLike<number>, h0: number, nz: number, ny: number, nx: number, f: number, b0: number, b1: number, lo: number, scale: number,
): Float32Array {
  const ky = Math.ceil(ny / f), kx = Math.ceil(nx / f);
  const out = new Float32Array((b1 - b0) * ky * kx);
  const sum = new Float64Array(ky * kx);
  const plane = ny * nx;
  const col = new Int32Array(nx);
  for (let x = 0; x < nx; x++) col[x] = Math.floor(x / f);
  for (let b = b0; b < b1; b++) {
    sum.fill(0);
    const za = b * f, zb = Math.min(nz, za + f);
    for (let z = za; z < zb; z++) {
      const o = (z - h0) * plane;
      for (let y = 0; y < ny; y++) {
        const r = Math.floor(y / f) * kx, oy = o + y * nx;
        for (let x = 0; x < nx; x++) {
          // outside the field of view (NaN, ±Inf): the range's low end, as the fine grey
          const v = Number(grey[oy + x]);
          if (v - v === 0) sum[r + col[x]] += (v - lo) * scale;
        }
      }
    }
    const oz = (b - b0) * ky * kx;
    for (let cy = 0; cy < ky; cy++) {
      const ny1 = Math.min(ny, (cy + 1) * f) - cy * f;
      for (let cx = 0; cx < kx; cx++) {
        const nx1 = Math.min(nx, (cx + 1) * f) - cx * f;
        out[oz + cy * kx + cx] = sum[cy * kx + cx] / ((zb - za) * ny1 * nx1);
      }
    }
  }
  return out;
}
