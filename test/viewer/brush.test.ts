/**
 * The viewer's annotation brush (viewer/src/brush.ts) against closed forms: a click of radius r
 * paints the lattice points of a disc (Gauss's circle problem: 1, 5, 13, 29, 49, 81, 113, 149, 197,
 * 253 for r = 0…9), clipped at the slice's edges; a drag paints the capsule around the segment
 * (for a horizontal drag of length L, row offset d has L + 1 + 2⌊√(r² − d²)⌋ pixels); the pixels land
 * on the voxels of the plane shown (xy, xz, yz); and the edit runs round-trip through the server's
 * decoder.
 */
import { describe, expect, it } from 'vitest';
import { brushPixels, encodeRuns, planeSize, planeToVoxel, voxelIndex, type Shape3 } from '../../viewer/src/brush.js';
import { decodeRuns } from '../../src/view/annotations.js';

const GAUSS_CIRCLE = [1, 5, 13, 29, 49, 81, 113, 149, 197, 253];

describe('annotation brush', () => {
  it('a click of radius r paints the lattice points of the disc (Gauss circle numbers)', () => {
    GAUSS_CIRCLE.forEach((n, r) => {
      const px = brushPixels(64, 64, 30, 30, 30, 30, r);
      expect([r, px.length]).toEqual([r, n]);
      for (const [c, w] of px) expect((c - 30) ** 2 + (w - 30) ** 2).toBeLessThanOrEqual(r * r);
    });
  });

  it('is clipped at the slice edges: a radius-2 click in a corner paints a quarter disc of 6 pixels', () => {
    const px = brushPixels(10, 8, 0, 0, 0, 0, 2);
    expect(px.map(([c, r]) => `${c},${r}`).sort()).toEqual(['0,0', '0,1', '0,2', '1,0', '1,1', '2,0']);
    expect(brushPixels(10, 8, 9, 7, 9, 7, 2).length).toBe(6);
  });

  it('a drag paints the capsule: L + 1 + 2⌊√(r² − d²)⌋ pixels in the row at offset d, no gaps', () => {
    for (const [L, r] of [[10, 3], [7, 0], [20, 5]]) {
      const px = brushPixels(64, 64, 12, 30, 12 + L, 30, r);
      let expected = 0;
      for (let d = -r; d <= r; d++) expected += L + 1 + 2 * Math.floor(Math.sqrt(r * r - d * d));
      expect([L, r, px.length]).toEqual([L, r, expected]);
      // the same drag upwards along a column
      expect(brushPixels(64, 64, 30, 12, 30, 12 + L, r).length).toBe(expected);
    }
    // a diagonal drag of radius 1 leaves no pixel of the line between its ends unpainted
    const diag = new Set(brushPixels(64, 64, 3, 5, 40, 22, 1).map(([c, r]) => `${c},${r}`));
    for (let t = 0; t <= 1; t += 0.001) expect(diag.has(`${Math.round(3 + 37 * t)},${Math.round(5 + 17 * t)}`)).toBe(true);
  });

  it('maps slice pixels to the voxels of the plane shown (xy, xz, yz)', () => {
    const shape: Shape3 = [20, 30, 40];
    expect(planeSize('z', shape)).toEqual([40, 30]);
    expect(planeSize('y', shape)).toEqual([40, 20]);
    expect(planeSize('x', shape)).toEqual([30, 20]);
    const r = 2;
    for (const axis of ['z', 'y', 'x'] as const) {
      const [cols, rows] = planeSize(axis, shape);
      const vox = brushPixels(cols, rows, 10, 8, 10, 8, r).map(([c, w]) => planeToVoxel(axis, 7, c, w));
      expect(vox.length).toBe(13);
      const k = 'zyx'.indexOf(axis);
      for (const v of vox) {
        expect(v[k]).toBe(7);
        const inPlane = v.filter((_, j) => j !== k);
        // (col, row) is (x, y) on xy, (x, z) on xz, (y, z) on yz: in [z, y, x] order that is (row, col)
        expect((inPlane[1] - 10) ** 2 + (inPlane[0] - 8) ** 2).toBeLessThanOrEqual(r * r);
      }
    }
  });

  it('edit runs: equal neighbours along x merge, and the server decodes exactly the edits', () => {
    const shape: Shape3 = [4, 5, 6];
    const edits = new Map<number, number>();
    for (let x = 1; x <= 5; x++) edits.set(voxelIndex(shape, 2, 3, x), 2); // one run, to the row's end
    edits.set(voxelIndex(shape, 2, 4, 0), 2); // next row, same value: not merged across the row end
    edits.set(voxelIndex(shape, 2, 4, 1), 0); // another value: its own run
    edits.set(voxelIndex(shape, 3, 0, 0), 6);
    const [body] = encodeRuns(edits, shape);
    expect(body.byteLength).toBe(4 * 20);
    const runs = decodeRuns(body, shape);
    expect(Array.from(runs)).toEqual([2, 3, 1, 5, 2, 2, 4, 0, 1, 2, 2, 4, 1, 1, 0, 3, 0, 0, 1, 6]);
    // split into bodies under a byte limit
    expect(encodeRuns(edits, shape, 40).map((b) => b.byteLength)).toEqual([40, 40]);
  });
});
