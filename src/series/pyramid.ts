/**
 * Multi-resolution pyramid: each level halves every axis longer than `minSize` by the mean of 2
 * voxels along it (a box anti-alias filter; 2×2×2 blocks when all halve). Level L voxel n covers
 * the fine voxels 2n and 2n + 1 along a halved axis, so its centre sits at fine index 2n + 0.5;
 * `origin` and `step` carry that position in fine-voxel units. O(N) per level, N/8 + N/64 + …
 * extra memory in float32.
 */
import type { Shape3, VoxelArray } from '../io/volume.js';

export interface Level {
  data: Float32Array;
  shape: Shape3;
  /** Fine-voxel index of this level's voxel 0 and of one step, per axis [z, y, x]. */
  origin: [number, number, number];
  step: [number, number, number];
}

export function toFloat32(data: VoxelArray): Float32Array {
  return data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
}

/** Halve the axes longer than minSize (odd sizes drop their last voxel). */
export function halve(level: Level, minSize: number): Level {
  const [nz, ny, nx] = level.shape;
  const fz = nz >= 2 * minSize ? 2 : 1;
  const fy = ny >= 2 * minSize ? 2 : 1;
  const fx = nx >= 2 * minSize ? 2 : 1;
  const shape: Shape3 = [Math.floor(nz / fz), Math.floor(ny / fy), Math.floor(nx / fx)];
  const [oz, oy, ox] = shape;
  const src = level.data;
  const out = new Float32Array(oz * oy * ox);
  const inv = 1 / (fz * fy * fx);
  const plane = ny * nx;
  for (let k = 0; k < oz; k++) {
    for (let j = 0; j < oy; j++) {
      const o = (k * oy + j) * ox;
      for (let dz = 0; dz < fz; dz++) {
        for (let dy = 0; dy < fy; dy++) {
          const row = (k * fz + dz) * plane + (j * fy + dy) * nx;
          if (fx === 2) for (let i = 0; i < ox; i++) out[o + i] += src[row + 2 * i] + src[row + 2 * i + 1];
          else for (let i = 0; i < ox; i++) out[o + i] += src[row + i];
        }
      }
      for (let i = 0; i < ox; i++) out[o + i] *= inv;
    }
  }
  const f = [fz, fy, fx];
  return {
    data: out,
    shape,
    origin: [0, 1, 2].map((a) => level.origin[a] + ((f[a] - 1) / 2) * level.step[a]) as [number, number, number],
    step: [0, 1, 2].map((a) => level.step[a] * f[a]) as [number, number, number],
  };
}

/** Levels finest first; stops when no axis can halve or `levels` are made. */
export function buildPyramid(data: VoxelArray, shape: Shape3, levels: number, minSize = 16): Level[] {
  const out: Level[] = [{ data: toFloat32(data), shape: [...shape], origin: [0, 0, 0], step: [1, 1, 1] }];
  while (out.length < levels) {
    const last = out[out.length - 1];
    if (last.shape.every((n) => n < 2 * minSize)) break;
    out.push(halve(last, minSize));
  }
  return out;
}
