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

/** Separable box dilation of a 0/1 volume by `r` voxels along each axis, in place. */
function dilate(v: Uint8Array, shape: Shape3, r: number): void {
  const [nz, ny, nx] = shape;
  const strides = [1, nx, nx * ny];
  const sizes = [nx, ny, nz];
  const line = new Uint8Array(Math.max(nx, ny, nz));
  for (let a = 0; a < 3; a++) {
    const s = strides[a];
    const n = sizes[a];
    for (let start = 0; start < v.length; start++) {
      // A line starts where the index along axis a is 0.
      if (Math.floor(start / s) % n !== 0) continue;
      for (let i = 0; i < n; i++) line[i] = v[start + i * s];
      let last = -Infinity;
      for (let i = 0; i < n; i++) {
        if (line[i]) last = i;
        if (i - last <= r) v[start + i * s] = 1;
      }
      last = Infinity;
      for (let i = n - 1; i >= 0; i--) {
        if (line[i]) last = i;
        if (last - i <= r) v[start + i * s] = 1;
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
