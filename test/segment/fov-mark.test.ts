/**
 * Labels outside the field of view (orient.ts markOutsideFieldOfView) for every stack normal and
 * rotation axis: the working-frame voxel (k, r, c) is the input voxel (z, y, x) the frame's
 * permutation names, and it is marked when the mask's line through it is; against a plain loop
 * that builds the input coordinates one voxel at a time.
 */
import { describe, expect, it } from 'vitest';
import type { Shape3 } from '../../src/io/volume.js';
import { canonicalShape, markOutsideFieldOfView } from '../../src/segment/orient.js';

describe('markOutsideFieldOfView', () => {
  it('marks the masked lines in the working frame, for normals and rotation axes along z, y and x, slab by slab', () => {
    const shape: Shape3 = [7, 9, 11];
    const [nz, ny, nx] = shape;
    for (const normal of ['z', 'y', 'x'] as const)
      for (const axis of ['z', 'y', 'x'] as const) {
        const [a, b] = axis === 'z' ? [ny, nx] : axis === 'y' ? [nz, nx] : [nz, ny];
        const mask = Uint8Array.from({ length: a * b }, (_, p) => ((p * 2654435761) % 7 < 3 ? 1 : 0));
        const fov = { detected: true, axis, fill: 0, mask, masked_fraction: 0, evidence: {} };
        const [ck, cy, cx] = canonicalShape(shape, normal);
        const got = new Uint8Array(ck * cy * cx);
        let marked = 0;
        // two slabs of the working frame
        const cut = 3;
        for (const [k0, k1] of [[0, cut], [cut, ck]]) marked += markOutsideFieldOfView(got.subarray(k0 * cy * cx, k1 * cy * cx), k0, k1, shape, normal, fov, 255);
        const want = new Uint8Array(ck * cy * cx);
        let wantMarked = 0;
        for (let k = 0; k < ck; k++)
          for (let r = 0; r < cy; r++)
            for (let c = 0; c < cx; c++) {
              const [z, y, x] = normal === 'z' ? [k, r, c] : normal === 'y' ? [r, k, c] : [r, c, k];
              const p = axis === 'z' ? y * nx + x : axis === 'y' ? z * nx + x : z * ny + y;
              if (mask[p]) { want[(k * cy + r) * cx + c] = 255; wantMarked++; }
            }
        expect([...got], `normal ${normal}, axis ${axis}`).toEqual([...want]);
        expect(marked).toBe(wantMarked);
        expect(wantMarked).toBeGreaterThan(0);
      }
  });
});
