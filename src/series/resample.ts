/**
 * Resampling a volume through a rigid transform: out(fixed index) = src(A · index + b), trilinear
 * for scans, nearest for labels. Walks each output row with an incremental source position (one
 * add per axis per voxel); O(output voxels), 8 reads per trilinear sample.
 */
import { arrayConstructor, type DType, type Shape3, type VoxelArray } from '../io/volume.js';
import type { Mat3, Vec3 } from './transform.js';

/** Where the source position falls outside: a fill value, or 'clamp' to the nearest edge voxel. */
export type Outside = number | 'clamp';

const INTEGER_RANGE: Partial<Record<DType, [number, number]>> = {
  uint8: [0, 255],
  int8: [-128, 127],
  uint16: [0, 65535],
  int16: [-32768, 32767],
  uint32: [0, 4294967295],
  int32: [-2147483648, 2147483647],
};

/** Source positions within this of the last voxel centre still count as inside (rounding of A·i + b). */
const EDGE = 1e-6;

function rowLoop(
  outShape: Shape3,
  A: Mat3,
  b: Vec3,
  visit: (o: number, x: number, y: number, z: number) => void,
  zRange: [number, number] = [0, outShape[0]],
): void {
  const [, ny, nx] = outShape;
  for (let k = zRange[0]; k < zRange[1]; k++) {
    for (let j = 0; j < ny; j++) {
      let x = A[1] * j + A[2] * k + b[0];
      let y = A[4] * j + A[5] * k + b[1];
      let z = A[7] * j + A[8] * k + b[2];
      const o = (k * ny + j) * nx;
      for (let i = 0; i < nx; i++) {
        visit(o + i, x, y, z);
        x += A[0];
        y += A[3];
        z += A[6];
      }
    }
  }
}

/** Trilinear resampling of `src` (shape `srcShape`) onto `outShape`; integer types round and clamp. */
export function resampleLinear<T extends VoxelArray>(src: T, srcShape: Shape3, outShape: Shape3, map: { A: Mat3; b: Vec3 }, outside: Outside, dtype: DType): T {
  const [sz, sy, sx] = srcShape;
  const plane = sy * sx;
  const out = new (arrayConstructor(dtype))(outShape[0] * outShape[1] * outShape[2]) as T;
  const range = INTEGER_RANGE[dtype];
  const clamp = outside === 'clamp';
  const fill = clamp ? 0 : outside;
  const mx = sx - 1;
  const my = sy - 1;
  const mz = sz - 1;
  rowLoop(outShape, map.A, map.b, (o, x, y, z) => {
    if (clamp) {
      x = x < 0 ? 0 : x > mx ? mx : x;
      y = y < 0 ? 0 : y > my ? my : y;
      z = z < 0 ? 0 : z > mz ? mz : z;
    } else if (x < -EDGE || y < -EDGE || z < -EDGE || x > mx + EDGE || y > my + EDGE || z > mz + EDGE) {
      out[o] = fill;
      return;
    }
    let i0 = Math.floor(x);
    let j0 = Math.floor(y);
    let k0 = Math.floor(z);
    if (i0 >= mx) i0 = Math.max(0, mx - 1);
    if (j0 >= my) j0 = Math.max(0, my - 1);
    if (k0 >= mz) k0 = Math.max(0, mz - 1);
    if (i0 < 0) i0 = 0;
    if (j0 < 0) j0 = 0;
    if (k0 < 0) k0 = 0;
    const fx = x - i0;
    const fy = y - j0;
    const fz = z - k0;
    const dx = sx > 1 ? 1 : 0;
    const dy = sy > 1 ? sx : 0;
    const dz = sz > 1 ? plane : 0;
    const p = k0 * plane + j0 * sx + i0;
    const c00 = src[p] + fx * (src[p + dx] - src[p]);
    const c10 = src[p + dy] + fx * (src[p + dy + dx] - src[p + dy]);
    const c01 = src[p + dz] + fx * (src[p + dz + dx] - src[p + dz]);
    const c11 = src[p + dz + dy] + fx * (src[p + dz + dy + dx] - src[p + dz + dy]);
    const c0 = c00 + fy * (c10 - c00);
    const c1 = c01 + fy * (c11 - c01);
    let v = c0 + fz * (c1 - c0);
    if (range) v = v < range[0] ? range[0] : v > range[1] ? range[1] : Math.round(v);
    out[o] = v;
  });
  return out;
}

/** Nearest-neighbour resampling (labels). */
export function resampleNearest(src: Uint8Array, srcShape: Shape3, outShape: Shape3, map: { A: Mat3; b: Vec3 }, outside: Outside): Uint8Array {
  const [sz, sy, sx] = srcShape;
  const out = new Uint8Array(outShape[0] * outShape[1] * outShape[2]);
  const clamp = outside === 'clamp';
  const fill = clamp ? 0 : outside;
  rowLoop(outShape, map.A, map.b, (o, x, y, z) => {
    let i = Math.round(x);
    let j = Math.round(y);
    let k = Math.round(z);
    if (clamp) {
      i = i < 0 ? 0 : i >= sx ? sx - 1 : i;
      j = j < 0 ? 0 : j >= sy ? sy - 1 : j;
      k = k < 0 ? 0 : k >= sz ? sz - 1 : k;
    } else if (i < 0 || j < 0 || k < 0 || i >= sx || j >= sy || k >= sz) {
      out[o] = fill;
      return;
    }
    out[o] = src[(k * sy + j) * sx + i];
  });
  return out;
}
