/**
 * Step 3 at a metal collector (phases/layout-kernels.ts electrolyteFacesCols, sheetsToOpenCols): a
 * sheet of ≤ TRANSITION electrolyte voxels right at the collector run, followed by another label, is
 * the metal face blurred against thin Li, not the electrolyte's surface; the same at a far collector
 * for the back face. Hand-written columns (from the collector end), one at a time.
 */
import { describe, expect, it } from 'vitest';
import type { Shape3 } from '../../src/io/volume.js';
import { COLLECTOR, ELECTROLYTE, OPEN } from '../../src/segment/phases/codes.js';
import { electrolyteFacesCols, sheetsToOpenCols } from '../../src/segment/phases/layout-kernels.js';

const C = COLLECTOR, E = ELECTROLYTE, O = OPEN;

/** The faces of one column: collector run [0, collInner], far run from farInner (nz: none). */
function faces(col: number[], collInner: number, farInner: number, shell: boolean, farShell = false) {
  const nz = col.length;
  const shape: Shape3 = [nz, 1, 1];
  const labels = Uint8Array.from(col);
  const t = {
    collInner: Int32Array.of(collInner), elSurf: Int32Array.of(nz), elBack: Int32Array.of(nz - 1), farInner: Int32Array.of(farInner),
    pend: Int32Array.of(-1), prevEl: new Uint8Array(1),
  };
  const [, , sheets] = electrolyteFacesCols({ grey: new Uint16Array(0), labels, lo: 0, z0: 0, z1: nz, shape, p0: 0, p1: 1, collectorAtStart: true, shell, farShell, ...t });
  // as columns.ts: a run still pending at the column's end is the surface
  if (shell && t.elSurf[0] === nz && t.pend[0] >= 0) t.elSurf[0] = t.pend[0];
  const opened = shell ? sheetsToOpenCols({ grey: new Uint16Array(0), labels, lo: 0, z0: 0, z1: nz, shape, p0: 0, p1: 1, collectorAtStart: true, ...t, farShell }) : 0;
  return { elSurf: t.elSurf[0], elBack: t.elBack[0], sheets, opened, labels: [...labels] };
}

describe('a metal face sheet is not the electrolyte surface', () => {
  it('near the collector: a 1–2 voxel electrolyte sheet before low density is skipped and opened; a longer run is the surface', () => {
    const sheet = [C, C, C, E, E, O, O, O, E, E, E, E, E, E];
    expect(faces(sheet, 2, sheet.length, false).elSurf).toBe(3);
    const r = faces(sheet, 2, sheet.length, true);
    expect(r.elSurf).toBe(8);
    expect(r.sheets).toBe(1);
    expect(r.opened).toBe(2);
    expect(r.labels.slice(3, 5)).toEqual([O, O]);
    expect(r.labels.slice(8)).toEqual([E, E, E, E, E, E]);
    // one voxel
    expect(faces([C, C, E, O, O, E, E, E, E, E], 1, 10, true).elSurf).toBe(5);
    // the collector touching the electrolyte (Li gone): the run goes on past TRANSITION, its first voxel is the surface
    const touching = faces([C, C, C, E, E, E, E, O, E, E], 2, 10, true);
    expect(touching.elSurf).toBe(3);
    expect(touching.opened).toBe(0);
    // low density first: as without the rule
    expect(faces([C, C, C, O, O, E, E, E, E], 2, 9, true).elSurf).toBe(5);
    // a pending run at the column's end is the surface
    expect(faces([C, C, C, O, E, E], 2, 6, true).elSurf).toBe(4);
    expect(faces([C, C, C, E, E], 2, 5, true).elSurf).toBe(3);
  });

  it('at the far collector (a Li layer expected there): a sheet after low density does not move the back face', () => {
    //           0  1  2  3  4  5  6  7  8  9  10 11
    const col = [C, C, O, O, E, E, E, E, O, O, E, C];
    // far run from 11: E at 10 follows O at 9 within TRANSITION of it
    expect(faces(col, 1, 11, true, false).elBack).toBe(10);
    const r = faces(col, 1, 11, true, true);
    expect(r.elBack).toBe(7);
    expect(r.labels[10]).toBe(O);
    // a run reaching the far collector from the electrolyte is its back face
    expect(faces([C, C, O, E, E, E, E, E, E, C], 1, 9, true, true).elBack).toBe(8);
  });
});
