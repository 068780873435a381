/**
 * A voxel volume seen along one of its axes: the conduction solver (src/current/solver.ts) always
 * drives current along its z (layer 0 ↔ layer n−1), so a solve along y or x runs on a permuted copy
 * whose z is the chosen axis. The two remaining axes keep their original order, so the solver's face
 * grid is the original face in row-major order: [nz, nx] for y, [nz, ny] for x.
 *
 * The two face axes are padded with non-conducting voxels to a size c·2^k with c ≤ 7: with insulating
 * sides a non-conducting margin changes nothing (its faces carry no current), and the solver's
 * multigrid only coarsens even sizes, so an odd face (97 voxels) would leave a fine coarsest grid
 * smoothed by Gauss–Seidel (measured 97²×75: 31 CG iterations, 13 s; padded to 112²: see test/pores).
 */
export type Axis = 'z' | 'y' | 'x';

export interface AxisView {
  /** Permuted, face-padded [n′z·n′y·n′x] volume (the input itself for z when no padding is needed). */
  data: Uint8Array;
  /** Solver shape [n′z, n′y, n′x]: n′z along the axis, n′y ≥ face[0], n′x ≥ face[1]. */
  shape: [number, number, number];
  /** Solver spacing [d′z, d′y, d′x] (µm or voxels). */
  spacing: [number, number, number];
  /** The face normal to the axis, unpadded [rows, columns] in original axis order. */
  face: [number, number];
}

/** Smallest m ≥ n of the form c·2^k with c ≤ 7 (multigrid coarsens it down to ≤ 7 cells). */
export function coarsenableSize(n: number): number {
  for (let m = n; ; m++) {
    let c = m;
    while (c > 7 && c % 2 === 0) c /= 2;
    if (c <= 7) return m;
  }
}

export function axisView(phase: Uint8Array, shape: [number, number, number], spacing: [number, number, number], axis: Axis): AxisView {
  const [nz, ny, nx] = shape;
  const [sz, sy, sx] = spacing;
  // n: length along the axis; (fr, fc): face rows and columns in original order; strides of each in the input
  const [n, fr, fc, sN, sR, sC, sp] =
    axis === 'z' ? [nz, ny, nx, ny * nx, nx, 1, [sz, sy, sx]] :
    axis === 'y' ? [ny, nz, nx, nx, ny * nx, 1, [sy, sz, sx]] :
    [nx, nz, ny, 1, ny * nx, nx, [sx, sz, sy]];
  const pr = coarsenableSize(fr);
  const pc = coarsenableSize(fc);
  const view = (data: Uint8Array): AxisView => ({
    data, shape: [n, pr, pc], spacing: sp as [number, number, number], face: [fr, fc],
  });
  if (axis === 'z' && pr === fr && pc === fc) return view(phase);
  const out = new Uint8Array(n * pr * pc);
  for (let a = 0; a < n; a++)
    for (let r = 0; r < fr; r++) {
      const o = (a * pr + r) * pc;
      const i = a * sN + r * sR;
      if (sC === 1) out.set(phase.subarray(i, i + fc), o);
      else for (let c = 0; c < fc; c++) out[o + c] = phase[i + c * sC];
    }
  return view(out);
}
