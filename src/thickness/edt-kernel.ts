/**
 * Exact Euclidean distance transform kernels (Felzenszwalb & Huttenlocher 2012, "Distance
 * transforms of sampled functions"): the squared EDT is separable, so it is computed as three
 * passes of a 1D lower envelope of parabolas, along x, then y, then z, each pass solving one
 * independent problem per line.
 *
 * The volume buffer holds squared distances (µm²) in float32 between passes: +Infinity where no
 * feature is known yet, 0 on feature voxels. The last pass takes the square root.
 *
 * GPU port note: `fhLine` is written as a pure function of one line (input values, length, sample
 * spacing, three scratch arrays). A WGSL kernel mirrors it with one invocation per line: load the
 * strided line into private/workgroup scratch, run the same two loops, store it back.
 */

/** Scratch for lines of up to `n` samples (one per worker / thread). */
export interface LineScratch {
  /** Input line (squared distances), float64. */
  f: Float64Array;
  /** Output line. */
  d: Float64Array;
  /** Indices of the parabolas in the lower envelope. */
  v: Int32Array;
  /** Boundaries between envelope parabolas (n + 1 entries). */
  z: Float64Array;
}

export function lineScratch(n: number, tile = 1): LineScratch {
  return { f: new Float64Array(n * tile), d: new Float64Array(n * tile), v: new Int32Array(n), z: new Float64Array(n + 1) };
}

/**
 * One 1D squared distance transform: d[p] = min_q ( (s·(p − q))² + f[q] ), p, q in [0, n).
 * f and d are read from / written to offsets fo / dOff. Infinite f[q] are skipped (no feature); if
 * every f[q] is infinite, d is all +Infinity. O(n).
 */
export function fhLine(f: Float64Array, fo: number, d: Float64Array, dOff: number, n: number, s: number, v: Int32Array, z: Float64Array): void {
  let k = -1;
  const s2 = s * s;
  for (let q = 0; q < n; q++) {
    const fq = f[fo + q];
    if (fq === Infinity) continue;
    if (k < 0) {
      k = 0;
      v[0] = q;
      z[0] = -Infinity;
      z[1] = Infinity;
      continue;
    }
    const hq = fq + s2 * q * q;
    let x = 0;
    for (;;) {
      const p = v[k];
      // Abscissa (in sample units) where the parabolas rooted at p and q meet.
      x = (hq - (f[fo + p] + s2 * p * p)) / (2 * s2 * (q - p));
      if (x <= z[k]) {
        k--; // z[0] = −∞, so k never drops below 0 here
      } else break;
    }
    k++;
    v[k] = q;
    z[k] = x;
    z[k + 1] = Infinity;
  }
  if (k < 0) {
    for (let p = 0; p < n; p++) d[dOff + p] = Infinity;
    return;
  }
  let j = 0;
  for (let p = 0; p < n; p++) {
    while (z[j + 1] < p) j++;
    const q = v[j];
    const t = s * (p - q);
    d[dOff + p] = t * t + f[fo + q];
  }
}

/** Lines gathered per tile in the strided passes (cache lines shared by neighbouring x). */
const TILE = 16;

/**
 * Passes along x and y for slices [z0, z1) of `buf` (float32 squared distances, shape [nz,ny,nx]).
 * `spacing` is [dz, dy, dx].
 */
export function passXY(buf: Float32Array, shape: readonly number[], spacing: readonly number[], z0: number, z1: number, scratch?: LineScratch): void {
  const [, ny, nx] = shape;
  const dy = spacing[1];
  const dx = spacing[2];
  const sc = scratch ?? lineScratch(Math.max(nx, ny), TILE);
  const { f, d, v, z } = sc;
  const plane = ny * nx;
  for (let k = z0; k < z1; k++) {
    const base = k * plane;
    // x: contiguous rows
    for (let y = 0; y < ny; y++) {
      const row = base + y * nx;
      let finite = 0;
      let zeros = 0;
      for (let i = 0; i < nx; i++) {
        const val = buf[row + i];
        f[i] = val;
        if (val !== Infinity) finite++;
        if (val === 0) zeros++;
      }
      if (finite === 0 || zeros === nx) continue; // nothing to propagate along this row
      if (zeros === finite) {
        // Binary row (0 = feature, ∞ = phase), the usual first pass: two linear sweeps.
        let last = -Infinity;
        for (let i = 0; i < nx; i++) {
          if (f[i] === 0) last = i;
          d[i] = i - last;
        }
        last = Infinity;
        for (let i = nx - 1; i >= 0; i--) {
          if (f[i] === 0) last = i;
          const m = Math.min(d[i], last - i);
          if (m !== Infinity) {
            const t = m * dx;
            buf[row + i] = t * t;
          }
        }
        continue;
      }
      fhLine(f, 0, d, 0, nx, dx, v, z);
      for (let i = 0; i < nx; i++) buf[row + i] = d[i];
    }
    // y: tiles of TILE neighbouring columns, gathered so each line is contiguous in scratch
    for (let x0 = 0; x0 < nx; x0 += TILE) {
      const w = Math.min(TILE, nx - x0);
      for (let y = 0; y < ny; y++) {
        const row = base + y * nx + x0;
        for (let c = 0; c < w; c++) f[c * ny + y] = buf[row + c];
      }
      for (let c = 0; c < w; c++) fhLine(f, c * ny, d, c * ny, ny, dy, v, z);
      for (let y = 0; y < ny; y++) {
        const row = base + y * nx + x0;
        for (let c = 0; c < w; c++) buf[row + c] = d[c * ny + y];
      }
    }
  }
}

/**
 * Pass along z for rows y in [y0, y1), then square root (distances in µm). Runs after passXY
 * has finished on every slice.
 */
export function passZ(buf: Float32Array, shape: readonly number[], spacing: readonly number[], y0: number, y1: number, scratch?: LineScratch, sqrt = true): void {
  const [nz, ny, nx] = shape;
  const dz = spacing[0];
  const plane = ny * nx;
  const sc = scratch ?? lineScratch(nz, TILE);
  const { f, d, v, z } = sc;
  for (let y = y0; y < y1; y++) {
    for (let x0 = 0; x0 < nx; x0 += TILE) {
      const w = Math.min(TILE, nx - x0);
      const off = y * nx + x0;
      for (let k = 0; k < nz; k++) {
        const row = k * plane + off;
        for (let c = 0; c < w; c++) f[c * nz + k] = buf[row + c];
      }
      for (let c = 0; c < w; c++) fhLine(f, c * nz, d, c * nz, nz, dz, v, z);
      for (let k = 0; k < nz; k++) {
        const row = k * plane + off;
        if (sqrt) for (let c = 0; c < w; c++) buf[row + c] = Math.sqrt(d[c * nz + k]);
        else for (let c = 0; c < w; c++) buf[row + c] = d[c * nz + k];
      }
    }
  }
}

/** Scratch sized for a volume's passes. */
export function volumeScratch(shape: readonly number[]): LineScratch {
  return lineScratch(Math.max(shape[0], shape[1], shape[2]), TILE);
}
