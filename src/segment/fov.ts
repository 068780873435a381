/**
 * Reconstruction field of view: a tomogram reconstructed from a rotating sample holds data only
 * inside the disc swept by the detector; outside it every voxel carries one fill value (0, a
 * constant or NaN). Left in, that fill is a huge fake "void" population: it moves the thresholds and
 * breaks every column-wise layout decision. Detected here, labelled 255 and excluded downstream.
 *
 * Algorithm: the fill value is the value of at least 6 of the 8 volume corners (NaN counts as one
 * value). For each axis a, the masked lines are the lines along a holding the fill value in ≥ 90 %
 * of their voxels; a field of view along a is accepted when those lines include all four corners
 * of the plane perpendicular to a (the outside of a disc does; a slab of clipped air along the
 * stack does not), cover ≥ 0.5 % of it, and ≥ 98 % of their voxels are exactly the fill (noise never
 * repeats a value that often). Among accepted axes the one masking the largest area wins.
 * Cost: one pass over the volume per axis reading only equality with the fill; memory: three
 * projection planes (float64).
 */
import type { GreyArray } from '../compute/types.js';
import type { Shape3 } from '../io/volume.js';
import type { AxisName } from './types.js';

export interface FieldOfView {
  detected: boolean;
  /** Axis the masked lines run along (the rotation axis). */
  axis: AxisName | null;
  fill: number | 'nan' | null;
  /**
   * 1 for masked lines, over the plane perpendicular to `axis` in the volume's remaining axes, in
   * their array order (axis z: [ny, nx]; y: [nz, nx]; x: [nz, ny]).
   */
  mask: Uint8Array | null;
  masked_fraction: number;
  evidence: Record<string, unknown>;
}

const LINE_FILL = 0.9;
const PURITY = 0.98;
const MIN_AREA = 0.005;

export const AXES: readonly AxisName[] = ['z', 'y', 'x'];

/** Shape of the plane perpendicular to an axis, in array order. */
export function planeShape(shape: Shape3, axis: AxisName): [number, number] {
  const [nz, ny, nx] = shape;
  return axis === 'z' ? [ny, nx] : axis === 'y' ? [nz, nx] : [nz, ny];
}

/** Reads slices [z0, z1) of the grey volume (valid until the next call). */
export type SliceReader = (z0: number, z1: number) => GreyArray | Promise<GreyArray>;

/** Slabs of at most `slabSlices` slices, in ascending z. */
export async function forEachSlab(read: SliceReader, nz: number, slabSlices: number, visit: (g: GreyArray, z0: number, z1: number) => void): Promise<void> {
  for (let z0 = 0; z0 < nz; z0 += slabSlices) {
    const z1 = Math.min(nz, z0 + slabSlices);
    visit(await read(z0, z1), z0, z1);
  }
}

export function detectFieldOfView(grey: GreyArray, shape: Shape3): Promise<FieldOfView> {
  return detectFieldOfViewOfSlices((z0, z1) => grey.subarray(z0 * shape[1] * shape[2], z1 * shape[1] * shape[2]), shape, shape[0]);
}

export async function detectFieldOfViewOfSlices(read: SliceReader, shape: Shape3, slabSlices: number): Promise<FieldOfView> {
  const [nz, ny, nx] = shape;
  const none = (evidence: Record<string, unknown>): FieldOfView => ({ detected: false, axis: null, fill: null, mask: null, masked_fraction: 0, evidence });
  const corners: number[] = [];
  for (const z of [0, nz - 1]) {
    const g = await read(z, z + 1);
    for (const y of [0, ny - 1]) for (const x of [0, nx - 1]) corners.push(g[y * nx + x]);
  }
  const isNaN = (v: number) => v !== v;
  let fill: number | null = null;
  let nanFill = false;
  const nanCorners = corners.filter(isNaN).length;
  if (nanCorners >= 6) nanFill = true;
  else {
    const counts = new Map<number, number>();
    for (const c of corners) if (!isNaN(c)) counts.set(c, (counts.get(c) ?? 0) + 1);
    for (const [v, c] of counts) if (c >= 6) fill = v;
  }
  if (!nanFill && fill === null) return none({ corners, reason: 'the volume corners do not share one value: no constant fill outside a field of view' });
  const isFill = nanFill ? isNaN : (v: number) => v === fill;

  // per axis: fill count of every line along it
  const lineCounts = { z: new Float64Array(ny * nx), y: new Float64Array(nz * nx), x: new Float64Array(nz * ny) };
  await forEachSlab(read, nz, slabSlices, (grey, z0, z1) => {
    for (let z = z0; z < z1; z++)
      for (let y = 0; y < ny; y++) {
        const row = ((z - z0) * ny + y) * nx;
        let rowCount = 0;
        for (let x = 0; x < nx; x++) {
          if (!isFill(grey[row + x])) continue;
          lineCounts.z[y * nx + x]++;
          lineCounts.y[z * nx + x]++;
          rowCount++;
        }
        lineCounts.x[z * ny + y] = rowCount;
      }
  });
  const lengths = { z: nz, y: ny, x: nx };
  const perAxis: Record<string, unknown> = {};
  let best: FieldOfView | null = null;
  for (const axis of AXES) {
    const [a, b] = planeShape(shape, axis);
    const counts = lineCounts[axis];
    const len = lengths[axis];
    // shared: the stack-normal pass reads it on the workers (axis-kernels.ts)
    const mask = new Uint8Array(new SharedArrayBuffer(a * b));
    let masked = 0, fillIn = 0;
    for (let p = 0; p < a * b; p++) {
      if (counts[p] >= LINE_FILL * len) {
        mask[p] = 1;
        masked++;
        fillIn += counts[p];
      }
    }
    const area = masked / (a * b);
    const purity = masked ? fillIn / (masked * len) : 0;
    const cornersMasked = mask[0] && mask[b - 1] && mask[(a - 1) * b] && mask[a * b - 1];
    perAxis[axis] = { masked_fraction: area, purity, corners_masked: Boolean(cornersMasked) };
    if (cornersMasked && area >= MIN_AREA && purity >= PURITY && (!best || area > best.masked_fraction)) {
      best = { detected: true, axis, fill: nanFill ? 'nan' : fill, mask, masked_fraction: area, evidence: {} };
    }
  }
  const evidence = { fill: nanFill ? 'nan' : fill, per_axis: perAxis, rule: `lines along an axis with the fill in ≥ ${LINE_FILL * 100} % of their voxels, covering all four plane corners, ≥ ${MIN_AREA * 100} % of the plane, ≥ ${PURITY * 100} % fill` };
  if (!best) return none({ ...evidence, reason: 'no axis whose fill lines cover the plane corners with a pure constant' });
  best.evidence = evidence;
  return best;
}
