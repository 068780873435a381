import type { Shape3, Spacing3, VoxelArray } from '../io/volume.js';
import type { VolumeSource } from '../io/source.js';

/** WebGL2 3D textures: 2048 voxels per axis is the common limit (docs/imaging-algorithms.md). */
export const TEXTURE_3D_LIMIT = 2048;
/** Default level of detail for the 3D view: at most this many voxels per axis. */
export const DEFAULT_MAX_DIM = 512;

export interface Level {
  /** Integer block size per axis [fz, fy, fx]. */
  factors: Shape3;
  shape: Shape3;
  /** Voxel size of the level (µm), or null when the source has none. */
  spacing: Spacing3 | null;
}

/** Clamp a requested per-axis maximum into 1…2048 (never more than the 3D-texture limit). */
export function clampMaxDim(max: number | undefined): number {
  if (max === undefined || !Number.isFinite(max)) return DEFAULT_MAX_DIM;
  return Math.max(1, Math.min(TEXTURE_3D_LIMIT, Math.floor(max)));
}

/** The level whose every axis is ≤ maxDim, with the smallest integer block factor per axis. */
export function levelFor(shape: Shape3, spacing: Spacing3 | null, maxDim: number): Level {
  const m = clampMaxDim(maxDim);
  const factors = shape.map((n) => Math.max(1, Math.ceil(n / m))) as Shape3;
  const out = shape.map((n, i) => Math.ceil(n / factors[i])) as Shape3;
  return { factors, shape: out, spacing: spacing ? (spacing.map((s, i) => s * factors[i]) as Spacing3) : null };
}

/**
 * Downsample a volume on disk slab by slab (never reading it whole): mode of each block for labels
 * (ties → the smaller code), mean for grey levels (float32 out). Partial blocks at the far edges use
 * the voxels they have.
 */
export async function downsampleSource(source: VolumeSource, level: Level, kind: 'mode' | 'mean'): Promise<Uint8Array | Float32Array> {
  const [nz, ny, nx] = source.shape;
  const [fz, fy, fx] = level.factors;
  const [oz, oy, ox] = level.shape;
  const out = kind === 'mode' ? new Uint8Array(oz * oy * ox) : new Float32Array(oz * oy * ox);
  const counts = new Uint32Array(256);
  const touched = new Uint16Array(256);
  const sums = new Float64Array(oy * ox);
  const ns = new Uint32Array(oy * ox);
  for (let bz = 0; bz < oz; bz++) {
    const z0 = bz * fz;
    const z1 = Math.min(nz, z0 + fz);
    const slab: VoxelArray = await source.readSlices(z0, z1);
    const dz = z1 - z0;
    if (kind === 'mode' && fz === 1 && fy === 1 && fx === 1) {
      (out as Uint8Array).set(slab as Uint8Array, bz * oy * ox);
      continue;
    }
    if (kind === 'mean') {
      sums.fill(0);
      ns.fill(0);
      for (let z = 0; z < dz; z++) {
        for (let y = 0; y < ny; y++) {
          const row = (z * ny + y) * nx;
          const orow = Math.floor(y / fy) * ox;
          for (let x = 0; x < nx; x++) {
            const o = orow + Math.floor(x / fx);
            sums[o] += slab[row + x] as number;
            ns[o]++;
          }
        }
      }
      const base = bz * oy * ox;
      for (let i = 0; i < oy * ox; i++) out[base + i] = ns[i] ? sums[i] / ns[i] : 0;
      continue;
    }
    for (let by = 0; by < oy; by++) {
      const y0 = by * fy;
      const y1 = Math.min(ny, y0 + fy);
      for (let bx = 0; bx < ox; bx++) {
        const x0 = bx * fx;
        const x1 = Math.min(nx, x0 + fx);
        let nt = 0;
        for (let z = 0; z < dz; z++) {
          for (let y = y0; y < y1; y++) {
            const row = (z * ny + y) * nx;
            for (let x = x0; x < x1; x++) {
              const v = (slab[row + x] as number) & 255;
              if (counts[v]++ === 0) touched[nt++] = v;
            }
          }
        }
        let best = 0;
        let bestCount = -1;
        for (let t = 0; t < nt; t++) {
          const v = touched[t];
          const c = counts[v];
          if (c > bestCount || (c === bestCount && v < best)) {
            best = v;
            bestCount = c;
          }
          counts[v] = 0;
        }
        out[(bz * oy + by) * ox + bx] = best;
      }
    }
  }
  return out;
}

/** Mean-downsample a 2D float map [ny, nx] so each axis is ≤ maxDim; NaN pixels are left out of the means. */
export function downsampleMap(data: ArrayLike<number>, ny: number, nx: number, maxDim: number): { data: Float32Array; shape: [number, number]; factors: [number, number] } {
  const fy = Math.max(1, Math.ceil(ny / maxDim));
  const fx = Math.max(1, Math.ceil(nx / maxDim));
  const oy = Math.ceil(ny / fy);
  const ox = Math.ceil(nx / fx);
  if (fy === 1 && fx === 1) return { data: Float32Array.from(data), shape: [ny, nx], factors: [1, 1] };
  const sums = new Float64Array(oy * ox);
  const ns = new Uint32Array(oy * ox);
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      const v = data[y * nx + x];
      if (Number.isNaN(v)) continue;
      const o = Math.floor(y / fy) * ox + Math.floor(x / fx);
      sums[o] += v;
      ns[o]++;
    }
  }
  const out = new Float32Array(oy * ox);
  for (let i = 0; i < out.length; i++) out[i] = ns[i] ? sums[i] / ns[i] : Number.NaN;
  return { data: out, shape: [oy, ox], factors: [fy, fx] };
}
