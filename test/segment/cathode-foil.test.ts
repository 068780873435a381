/**
 * The per-column walk that finds a full cell's layers behind a face (phases/cathode-foil.ts
 * faceRuns): past air and a metal plunger with their blurred faces, the electrolyte-class run (a
 * current collector foil) and where it starts. Class sequences written by hand, read from the face.
 */
import { describe, expect, it } from 'vitest';
import { faceCathodeAccepted, faceRuns, foilThickness, type FoilEvidence } from '../../src/segment/phases/cathode-foil.js';

/** Columns of equal depth from strings of class digits. */
function columns(...cols: string[]): { seq: Uint8Array; depth: number } {
  const depth = cols[0].length;
  const seq = new Uint8Array(cols.length * depth);
  cols.forEach((c, j) => { expect(c.length).toBe(depth); for (let k = 0; k < depth; k++) seq[j * depth + k] = Number(c[k]); });
  return { seq, depth };
}

describe('faceRuns: the foil run behind the face', () => {
  it('air, then a foil, then the composite; a composite at the face; a column that never leaves the air', () => {
    const { seq, depth } = columns(
      '0011111222121212', // air 2, foil 5
      '1111222121212121', // foil at the face
      '2121212121212121', // composite at the face: run 0
      '0000000000000000', // all air: no face within the walk
      '0011112011112121', // the run stops at a pore-grey voxel
    );
    const { from, runs } = faceRuns(seq, 5, depth, -1, 8);
    expect(Array.from(from)).toEqual([2, 0, 0, -1, 2]);
    expect(Array.from(runs)).toEqual([5, 4, 0, 0, 4]);
  });

  it('behind a metal plunger (class 3): its blurred faces on both sides are passed, whatever their class', () => {
    const { seq, depth } = columns(
      '00123333211111222121', // air, air|steel edge read as 1 then 2, steel, steel|Al edge read as 2, foil 5
      '00033332111112121212', // one edge voxel behind the steel
      '00333331111121212121', // no edge voxel: the foil right behind the steel
      '03333322211112121212', // three cathode-grey voxels behind the steel: the third is not an edge
    );
    const { from, runs } = faceRuns(seq, 4, depth, 3, 10);
    expect(Array.from(from)).toEqual([9, 8, 7, 8]);
    expect(Array.from(runs)).toEqual([5, 5, 5, 0]);
  });

  it('without a plunger the walk stops after more than TRANSITION (2) voxels that are neither air nor metal', () => {
    const { seq, depth } = columns('0001110001111122');
    // air, then 3 electrolyte-class voxels: the face is at 3 (the run is 3; the air after it is not passed)
    const { from, runs } = faceRuns(seq, 1, depth, -1, 12);
    expect(Array.from(from)).toEqual([3]);
    expect(Array.from(runs)).toEqual([3]);
  });

  it('a face beyond maxSkip is not taken', () => {
    const { seq, depth } = columns('0000001111122222');
    expect(Array.from(faceRuns(seq, 1, depth, -1, 5).from)).toEqual([-1]);
    expect(Array.from(faceRuns(seq, 1, depth, -1, 6).from)).toEqual([6]);
  });
});

describe('faceCathodeAccepted: what the face walk may decide', () => {
  const evidence = (o: Partial<FoilEvidence>): FoilEvidence => ({
    end: 'end', bright_mass_at_end: 1, sampled_columns: 1000, columns_with_run: 1, run_p20: 10, run_median: 10, window: 20,
    window_bright: 0.6, window_electrolyte: 0.3, window_bright_max_depth: 0.7, foil: true, composite: true, valley_ratio: 0.6, ...o,
  });
  it('alone (no cathode from the end slices): particles behind the face, and the brightest class its own grey population', () => {
    expect(faceCathodeAccepted(evidence({}), false, true)).toBe(true);
    expect(faceCathodeAccepted(evidence({ foil: false }), false, true)).toBe(true);
    // an electrolyte split in two by the three-class threshold: no valley between the halves
    expect(faceCathodeAccepted(evidence({ valley_ratio: 0.9 }), false, true)).toBe(false);
    expect(faceCathodeAccepted(evidence({ composite: false }), false, true)).toBe(false);
  });
  it('after the end slices found the cathode: only a foil at the same end adds anything', () => {
    expect(faceCathodeAccepted(evidence({ valley_ratio: 0.9 }), true, true)).toBe(true);
    expect(faceCathodeAccepted(evidence({ foil: false }), true, true)).toBe(false);
    expect(faceCathodeAccepted(evidence({}), true, false)).toBe(false);
  });
});

describe('foilThickness: the lower quartile over each column’s neighbourhood', () => {
  /** The definition: sort the (clipped) window, take the ⌊(n − 1)/4⌋-th. */
  function reference(runs: Int32Array, ny: number, nx: number, R: number): Int32Array {
    const out = new Int32Array(ny * nx);
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const w: number[] = [];
        for (let j = Math.max(0, y - R); j <= Math.min(ny - 1, y + R); j++) for (let i = Math.max(0, x - R); i <= Math.min(nx - 1, x + R); i++) w.push(runs[j * nx + i]);
        w.sort((a, b) => a - b);
        out[y * nx + x] = w[Math.floor(0.25 * (w.length - 1))];
      }
    return out;
  }
  it('equals sorting each window, at the edges, for windows wider than the plane, and with long runs', () => {
    let state = 7;
    const next = () => (state = (state * 1103515245 + 12345) >>> 0);
    for (const [ny, nx, R, spread] of [[13, 17, 4, 20], [5, 3, 4, 6], [1, 9, 2, 3], [20, 20, 1, 200]] as const) {
      const runs = Int32Array.from({ length: ny * nx }, () => 8 + (next() % spread) - (next() % 3 === 0 ? 8 : 0));
      expect(Array.from(foilThickness(runs, ny, nx, R)), `${ny}×${nx}, R ${R}`).toEqual(Array.from(reference(runs, ny, nx, R)));
    }
  });
});
