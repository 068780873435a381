/**
 * The short-circuit margin (`min_gap_um`): the smallest electrolyte gap left between the two sides
 * of the layer once everything grown from each side is counted as that side.
 *
 *   A_low  = the voxels before the layer (the low electrode, collector or cathode, or a virtual
 *            plane at t = −1 when the layer starts at the volume's end) ∪ the clusters touching
 *            the low side;
 *   A_high = the same for the high side (virtual plane at t = n);
 *   min_gap_um = max(0, min |a − b| − d_n) over a ∈ A_low, b ∈ A_high,
 * with |a − b| the Euclidean distance between voxel centres (µm, anisotropic spacing) and d_n the
 * voxel size along the normal: k electrolyte voxels left straight along the normal between a
 * filament tip and the other side give k·d_n, a cluster joining both sides (percolation) gives 0,
 * an untouched layer its thinnest Euclidean thickness.
 *
 * Computed with one exact EDT of "not A_high" (thickness/edt.ts; streamed by out-of-core.ts when
 * the stage streams), read at every voxel of A_low. The virtual planes are exact: the nearest point
 * of a whole plane is straight along the normal.
 */
import type { Spacing3 } from '../io/volume.js';
import { distanceTransformMask } from '../thickness/edt.js';
import { streamDistance, type SlabReader } from '../thickness/out-of-core.js';
import { forEachVoxel, placeOf, type Layer } from './layer.js';
import type { BitStore } from './store.js';

export interface GapOptions {
  layer: Layer;
  store: BitStore;
  spacing: Spacing3;
  /** Store bits of the clusters grown from the low / high side. */
  bitLow: number;
  bitHigh: number;
  /** Stream the EDT with this many slices per slab (null: in memory). */
  slabSlices: number | null;
  budgetBytes?: number;
  threads?: number;
}

const axisIndex = { z: 0, y: 1, x: 2 } as const;

export async function minGap(o: GapOptions): Promise<number> {
  const { layer, store, bitLow, bitHigh } = o;
  const shape = [0, 0, 0] as [number, number, number];
  const n = layer.n;
  const dn = o.spacing[axisIndex[layer.axis]];
  // the volume's shape from the layer geometry
  if (layer.axis === 'z') shape.splice(0, 3, n, layer.rows, layer.cols);
  else if (layer.axis === 'y') shape.splice(0, 3, layer.rows, n, layer.cols);
  else shape.splice(0, 3, layer.rows, layer.cols, n);
  const plane = shape[1] * shape[2];
  const inHigh = (bits: number, t: number, c: number) => {
    const p = placeOf(layer, t, c);
    return p === 1 || (p === 0 && (bits & bitHigh) !== 0);
  };
  const inLow = (bits: number, t: number, c: number) => {
    const p = placeOf(layer, t, c);
    return p === -1 || (p === 0 && (bits & bitLow) !== 0);
  };
  // the two virtual planes are A_low and A_high themselves: they are (n + 1)·d_n apart
  let best = (n + 1) * dn;
  /** "Not A_high" of slices [z0, z1) into `mask`; A_high's distance to the low plane on the way. */
  const fill = (z0: number, z1: number, mask: Uint8Array) => {
    const bits = store.read(z0, z1);
    forEachVoxel(layer, shape, z0, z1, (i, t, c) => {
      const h = inHigh(bits[i], t, c);
      mask[i] = h ? 0 : 1;
      if (h && (t + 1) * dn < best) best = (t + 1) * dn;
    });
  };
  /** A_low's distances in slices [z0, …) (EDT values `d`). */
  const visit = (z0: number, d: Float32Array) => {
    const z1 = z0 + d.length / plane;
    const bits = store.read(z0, z1);
    forEachVoxel(layer, shape, z0, z1, (i, t, c) => {
      if (!inLow(bits[i], t, c)) return;
      const g = Math.min(d[i], (n - t) * dn);
      if (g < best) best = g;
    });
  };
  if (o.slabSlices === null) {
    const mask = new Uint8Array(shape[0] * plane);
    fill(0, shape[0], mask);
    const r = await distanceTransformMask(mask, shape, { spacing: o.spacing, threads: o.threads });
    // no A_high voxel in the volume: every distance is +∞, the high plane decides
    visit(0, r.distance);
  } else {
    const source: SlabReader = {
      shape,
      async readSlices(z0, z1, into) {
        const m = into ? (into.subarray(0, (z1 - z0) * plane) as Uint8Array) : new Uint8Array((z1 - z0) * plane);
        fill(z0, z1, m);
        return m;
      },
    };
    await streamDistance(source, 1, { spacing: o.spacing, threads: o.threads, budgetBytes: o.budgetBytes, slabSlices: o.slabSlices, sink: visit });
  }
  return Math.max(0, best - dn);
}
