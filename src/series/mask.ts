/**
 * Which voxels a registration may trust. Fixed side: the stable phases (electrolyte 2, collector 3)
 * at least `margin` voxels (box distance) from any Li (1) — Li strips and plates between scans and
 * voids open where it was, so the Li, and the blurred edge beside it, change; the pores inside the
 * electrolyte and the collector's edges do not. Moving side: anything but outside the field of view
 * (255) and near its edge, whose fill value stays with the scanner while the sample moves. O(N · margin) (separable
 * max filter).
 */
import type { Shape3 } from '../io/volume.js';

const LI = 1;
const ELECTROLYTE = 2;
const COLLECTOR = 3;
const MASKED = 255;

/**
 * Separable box dilation of a 0/1 volume by `r` voxels along each axis, in place: along x row by
 * row, along y and z with the distance since the last (and to the next) set voxel kept per column,
 * so every pass walks the volume in memory order.
 */
function dilate(v: Uint8Array, shape: Shape3, r: number): void {
  const [nz, ny, nx] = shape;
  const src = new Uint8Array(v.length);
  // [count of steps, step between them (voxels), block size walked together, blocks, block stride]
  const axes: Array<[number, number, number, number, number]> = [
    [nx, 1, 1, nz * ny, nx], // x: within a row
    [ny, nx, nx, nz, ny * nx], // y: rows of a plane, every x at once
    [nz, ny * nx, ny * nx, 1, 0], // z: planes, every (y, x) at once
  ];
  const last = new Int32Array(Math.max(nx, ny * nx));
  for (const [n, step, width, blocks, blockStride] of axes) {
    src.set(v);
    for (let b = 0; b < blocks; b++) {
      const base = b * blockStride;
      // forward: within r after a set voxel; backward: within r before one
      last.fill(-1 - r, 0, width);
      for (let i = 0; i < n; i++) {
        const o = base + i * step;
        for (let c = 0; c < width; c++) {
          if (src[o + c]) last[c] = i;
          if (i - last[c] <= r) v[o + c] = 1;
        }
      }
      last.fill(n + r, 0, width);
      for (let i = n - 1; i >= 0; i--) {
        const o = base + i * step;
        for (let c = 0; c < width; c++) {
          if (src[o + c]) last[c] = i;
          if (last[c] - i <= r) v[o + c] = 1;
        }
      }
    }
  }
}

/** Voxels within `r` (box) of a voxel with label `code`. */
function near(labels: Uint8Array, shape: Shape3, code: number, r: number): Uint8Array {
  const out = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = labels[i] === code ? 1 : 0;
  if (r > 0) dilate(out, shape, r);
  return out;
}

/**
 * Stable phases at least `margin` voxels from Li and `fovMargin` from the field of view's edge (the
 * fill there is as sharp an edge as any, stays with the scanner, and the σ = 1 smoothing spreads it).
 */
export function stablePhaseMask(labels: Uint8Array, shape: Shape3, margin = 2, fovMargin = 4): Uint8Array {
  const li = near(labels, shape, LI, margin);
  const fov = near(labels, shape, MASKED, fovMargin);
  const out = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = !li[i] && !fov[i] && (labels[i] === ELECTROLYTE || labels[i] === COLLECTOR) ? 1 : 0;
  return out;
}

/** Voxels at least `margin` voxels (box) inside the field of view (labels other than 255). */
export function fieldOfViewMask(labels: Uint8Array, shape: Shape3, margin = 4): Uint8Array {
  const fov = near(labels, shape, MASKED, margin);
  for (let i = 0; i < fov.length; i++) fov[i] = fov[i] ? 0 : 1;
  return fov;
}
