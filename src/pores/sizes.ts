/**
 * Pore size distribution of the electrolyte layer from the local thickness (thickness/
 * local-thickness.ts: the diameter of the largest inscribed ball containing each voxel, µm; a
 * digital ball of radius R voxels gives 2·√(R² + 1) voxels throughout). Only the layer's pore voxels
 * are the phase: interface voids outside the layer and the other phases bound the balls. The
 * distribution is by volume (each pore voxel counts once), so d50 is the diameter below which half
 * the pore volume lies. Streamed (out-of-core.ts `streamLocalThickness`, identical values) when
 * the stage streams.
 */
import type { Shape3, Spacing3 } from '../io/volume.js';
import { localThickness } from '../thickness/local-thickness.js';
import { streamLocalThickness, type SlabReader } from '../thickness/out-of-core.js';
import { histogramCounted, ValueCounts, type Histogram } from '../thickness/stats.js';
import { forEachVoxel, placeOf, type Layer } from './layer.js';
import { PORE } from './clusters.js';

export interface PoreSizes {
  voxels: number;
  mean_um: number;
  d10_um: number;
  d50_um: number;
  d90_um: number;
  max_um: number;
  histogram: Histogram;
}

/** The smallest value v with at least p of the total count at or below it (volume-weighted quantile). */
export function quantileCounted(values: ArrayLike<number>, counts: ArrayLike<number>, p: number): number {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  if (!total) return NaN;
  const need = p * total;
  let seen = 0;
  for (let i = 0; i < values.length; i++) {
    seen += counts[i];
    if (seen >= need) return values[i];
  }
  return values[values.length - 1];
}

export async function poreSizes(o: { source: SlabReader; layer: Layer; spacing: Spacing3; slabSlices: number | null; budgetBytes?: number; threads?: number; bins?: number }): Promise<PoreSizes | null> {
  const shape: Shape3 = o.source.shape;
  const plane = shape[1] * shape[2];
  const { layer } = o;
  const maskOf = (labels: Uint8Array, z0: number, z1: number, mask: Uint8Array) => {
    forEachVoxel(layer, shape, z0, z1, (i, t, c) => {
      mask[i] = labels[i] === PORE && placeOf(layer, t, c) === 0 ? 1 : 0;
    });
  };
  const counter = new ValueCounts();
  let voxels = 0;
  const collect = (thickness: Float32Array) => {
    for (let i = 0; i < thickness.length; i++) {
      const v = thickness[i];
      if (v > 0) {
        counter.push(v);
        voxels++;
      }
    }
  };
  if (o.slabSlices === null) {
    const labels = (await o.source.readSlices(0, shape[0])) as Uint8Array;
    const mask = new Uint8Array(shape[0] * plane);
    maskOf(labels, 0, shape[0], mask);
    let any = false;
    for (let i = 0; i < mask.length && !any; i++) any = mask[i] === 1;
    if (!any) return null;
    const r = await localThickness(mask, shape, 1, { spacing: o.spacing, threads: o.threads });
    collect(r.thickness);
  } else {
    const buf = new Uint8Array(o.slabSlices * plane);
    const source: SlabReader = {
      shape,
      async readSlices(z0, z1, into) {
        const labels = (await o.source.readSlices(z0, z1, buf.length >= (z1 - z0) * plane ? buf : undefined)) as Uint8Array;
        const m = into ? (into.subarray(0, (z1 - z0) * plane) as Uint8Array) : new Uint8Array((z1 - z0) * plane);
        maskOf(labels, z0, z1, m);
        return m;
      },
    };
    await streamLocalThickness(source, 1, { spacing: o.spacing, threads: o.threads, budgetBytes: o.budgetBytes, slabSlices: o.slabSlices, thicknessSink: (_z0, d) => collect(d) });
    if (!voxels) return null;
  }
  const { values, counts } = counter.result();
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] * counts[i];
  return {
    voxels,
    mean_um: sum / voxels,
    d10_um: quantileCounted(values, counts, 0.1),
    d50_um: quantileCounted(values, counts, 0.5),
    d90_um: quantileCounted(values, counts, 0.9),
    max_um: values[values.length - 1],
    histogram: histogramCounted(values, counts, o.bins ?? 40),
  };
}
