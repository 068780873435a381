/**
 * The smoothing behind the trainable features: an f × f × f block mean that makes the coarse grid of
 * a large scale (pyramid: features.ts). The separable Gaussian, gaussian3, lives in the compute layer
 * (compute/scale-features.ts) with the rest of the per-scale math, next to its WebGPU twin.
 */
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
