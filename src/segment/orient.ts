/**
 * The frame the phase segmentation works in: stack normal along z and no field-of-view fill.
 *
 * - Permutation: the normal axis becomes z, the two others keep their array order:
 *   normal y: C[k][z][x] = V[z][k][x] (shape [ny, nz, nx]);
 *   normal x: C[k][z][y] = V[z][y][k] (shape [nx, nz, ny]).
 *   Labels come back by the inverse permutation. O(N), one copy of the grey and of the labels.
 * - Field-of-view fill: every masked line (along the rotation axis) takes the grey of the nearest
 *   unmasked line of the plane (multi-source breadth-first search, 8-neighbour steps). When the
 *   rotation axis is the stack normal — the usual case — masked lines are whole columns through the
 *   stack, and a copied column keeps the layer sequence, so neither the histogram's class weights nor
 *   the column-wise layout steps see a fake phase. The copies are labelled 255 afterwards.
 */
import type { GreyArray } from '../compute/types.js';
import type { Shape3, Spacing3 } from '../io/volume.js';
import type { AxisName } from './types.js';
import { planeShape, type FieldOfView } from './fov.js';

/** Shape (and spacing) with the normal axis first, the others in array order. */
export function canonicalShape<T extends number>(v: readonly [T, T, T], normal: AxisName): [T, T, T] {
  const [a, b, c] = v;
  return normal === 'z' ? [a, b, c] : normal === 'y' ? [b, a, c] : [c, a, b];
}

type Typed = GreyArray | Uint8Array;

/** V (input frame) → C (normal along z). Returns `src` itself for normal z. */
export function toCanonical<A extends Typed>(src: A, shape: Shape3, normal: AxisName): A {
  return permute(src, shape, normal, true);
}

/** C (normal along z) → V (input frame of shape `shape`), into `out` when given. Returns `src` itself for normal z. */
export function fromCanonical<A extends Typed>(src: A, shape: Shape3, normal: AxisName, out?: A): A {
  return permute(src, shape, normal, false, out);
}

/** One walk over V in raster order with the matching C index: normal y C[(y·nz + z)·nx + x], x C[(x·nz + z)·ny + y]. */
function permute<A extends Typed>(src: A, shape: Shape3, normal: AxisName, toC: boolean, into?: A): A {
  if (normal === 'z') return src;
  const [nz, ny, nx] = shape;
  const Ctor = src.constructor as { new (n: number): A; new (b: SharedArrayBuffer): A; BYTES_PER_ELEMENT: number };
  if (into && (into.length !== src.length || into.buffer === src.buffer && into.byteOffset < src.byteOffset + src.byteLength && src.byteOffset < into.byteOffset + into.byteLength)) throw new RangeError('permute: the output must be as long as the input and not overlap it');
  // the working copy in shared memory: the cpu backend's workers use it without a copy
  const out = into ?? (toC ? new Ctor(new SharedArrayBuffer(src.length * Ctor.BYTES_PER_ELEMENT)) : new Ctor(src.length));
  // C index of V(z, y, x = 0) and its step along x
  const step = normal === 'y' ? 1 : nz * ny;
  let i = 0;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++) {
      let o = normal === 'y' ? (y * nz + z) * nx : z * ny + y;
      if (toC) for (let x = 0; x < nx; x++, o += step) out[o] = src[i++];
      else for (let x = 0; x < nx; x++, o += step) out[i++] = src[o];
    }
  return out;
}

/** For each plane pixel: itself when unmasked, else the nearest unmasked pixel (BFS, 8-neighbour). -1: no unmasked pixel. */
export function nearestUnmasked(mask: Uint8Array, a: number, b: number): Int32Array {
  const src = new Int32Array(a * b).fill(-1);
  const queue = new Int32Array(a * b);
  let head = 0, tail = 0;
  for (let p = 0; p < a * b; p++) if (!mask[p]) { src[p] = p; queue[tail++] = p; }
  while (head < tail) {
    const p = queue[head++];
    const r = Math.floor(p / b), c = p - r * b;
    for (let dr = -1; dr <= 1; dr++) {
      const rr = r + dr;
      if (rr < 0 || rr >= a) continue;
      for (let dc = -1; dc <= 1; dc++) {
        const cc = c + dc;
        if (cc < 0 || cc >= b) continue;
        const q = rr * b + cc;
        if (src[q] < 0) { src[q] = src[p]; queue[tail++] = q; }
      }
    }
  }
  return src;
}

/**
 * Replace the grey of masked lines by the nearest unmasked line's grey, in place, on slices [z0, z1)
 * of the input frame held in `slab` (every masked line lies within one slice or is a column, so a
 * slab is self-contained). `near`: nearestUnmasked of the mask.
 */
export function fillOutsideFieldOfView(slab: GreyArray, z0: number, z1: number, shape: Shape3, fov: FieldOfView, near: Int32Array): void {
  if (!fov.detected || !fov.mask || !fov.axis) return;
  const [, ny, nx] = shape;
  const plane = ny * nx;
  const m = fov.mask;
  for (let z = z0; z < z1; z++) {
    const base = (z - z0) * plane;
    if (fov.axis === 'z') {
      for (let p = 0; p < plane; p++) if (m[p] && near[p] >= 0) slab[base + p] = slab[base + near[p]];
    } else if (fov.axis === 'y') {
      // plane (z, x): the line of (z, x) runs along y; its source line may lie in another slice
      for (let x = 0; x < nx; x++) {
        const p = z * nx + x;
        if (!m[p] || near[p] < 0) continue;
        const zs = Math.floor(near[p] / nx), xs = near[p] - zs * nx;
        if (zs < z0 || zs >= z1) continue; // in memory the slab is the volume; streamed, only a field of view along z is accepted
        for (let y = 0; y < ny; y++) slab[base + y * nx + x] = slab[(zs - z0) * plane + y * nx + xs];
      }
    } else {
      // plane (z, y): the line of (z, y) runs along x
      for (let y = 0; y < ny; y++) {
        const p = z * ny + y;
        if (!m[p] || near[p] < 0) continue;
        const zs = Math.floor(near[p] / ny), ys = near[p] - zs * ny;
        if (zs < z0 || zs >= z1) continue;
        slab.copyWithin(base + y * nx, (zs - z0) * plane + ys * nx, (zs - z0) * plane + (ys + 1) * nx);
      }
    }
  }
}

/**
 * Set `code` on working-frame labels of slices [k0, k1) (held in `labels`) that lie outside the
 * field of view (given in the input frame of shape `shape`).
 */
export function markOutsideFieldOfView(labels: Uint8Array, k0: number, k1: number, shape: Shape3, normal: AxisName, fov: FieldOfView, code: number): number {
  if (!fov.detected || !fov.mask || !fov.axis) return 0;
  const [, ny, nx] = shape;
  const m = fov.mask;
  const [, cy, cx] = canonicalShape(shape, normal);
  // the mask's in-plane index of working-frame (k, r, c) is sk·k + sr·r + sc·c: input (z, y, x) is
  // (k, r, c), (r, k, c) or (r, c, k) for the normal along z, y or x, and the mask's plane is (y, x),
  // (z, x) or (z, y) for its axis along z, y or x
  const stride = { z: 0, y: 0, x: 0 };
  if (fov.axis === 'z') { stride.y = nx; stride.x = 1; } else if (fov.axis === 'y') { stride.z = nx; stride.x = 1; } else { stride.z = ny; stride.y = 1; }
  const [sk, sr, sc] = normal === 'z' ? [stride.z, stride.y, stride.x] : normal === 'y' ? [stride.y, stride.z, stride.x] : [stride.x, stride.z, stride.y];
  let marked = 0;
  for (let k = k0; k < k1; k++)
    for (let r = 0; r < cy; r++) {
      const row = ((k - k0) * cy + r) * cx, p0 = sk * k + sr * r;
      for (let c = 0; c < cx; c++)
        if (m[p0 + sc * c]) { labels[row + c] = code; marked++; }
    }
  return marked;
}

export function canonicalSpacing(spacing: Spacing3 | null, normal: AxisName): Spacing3 | null {
  return spacing ? canonicalShape(spacing, normal) : null;
}
