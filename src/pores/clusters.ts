/**
 * The connected clusters of the electrolyte layer (face connectivity, 6: SciPy's default; voxels
 * meeting at an edge or a corner are not joined, their gap is measured instead), labelled slab by
 * slab with the segmentation's union-find (segment/slab-components.ts), so no full-volume label
 * array is ever held:
 *  - pores ∪ Li: percolation and the clusters the short-circuit margin grows from;
 *  - Li alone: filaments (their side, depth, penetration maps);
 *  - pores alone: pore cluster count and sizes.
 * Each voxel's contact with the low / high side (layer.ts `touchBits`) is a statistics channel, so
 * the side(s) a cluster touches are known after the first pass; the revisit marks the voxels of the
 * clusters grown from each side in the bit store (bits LOW / HIGH of each set) for the gap pass.
 */
import type { ComputeBackend } from '../compute/types.js';
import type { Shape3 } from '../io/volume.js';
import { slabComponents, componentsScratch, type ComponentsScratch } from '../segment/slab-components.js';
import type { SlabReader } from '../thickness/out-of-core.js';
import { forEachVoxel, placeOf, touchBits, voxelAt, type Layer } from './layer.js';
import type { BitStore } from './store.js';

export const PORE = 0;
export const LI = 1;
export const ELECTROLYTE = 2;

/** Bits of the store: clusters of pores ∪ Li grown from the low / high side, and of Li alone. */
export const BITS = { anyLow: 1, anyHigh: 2, liLow: 4, liHigh: 8 } as const;

export interface ClusterTable {
  count: number;
  /** Voxels of cluster k (index 0 unused). */
  sizes: Float64Array;
  /** Whether cluster k touches the low / high side. */
  low: Uint8Array;
  high: Uint8Array;
}

export interface ClusterPassOptions {
  backend: ComputeBackend;
  source: SlabReader;
  layer: Layer;
  slabSlices: number;
  scratch?: ComponentsScratch;
  /** Called once per slab of the first pass with the labels read (the counting pass rides along). */
  onSlab?: (z0: number, z1: number, labels: Uint8Array) => void;
}

/** Labels of slices [z0, z1) read into a reusable buffer. */
function slabReader(source: SlabReader, plane: number, depth: number): (z0: number, z1: number) => Promise<Uint8Array> {
  const buf = new Uint8Array(depth * plane);
  return async (z0, z1) => (await source.readSlices(z0, z1, buf)) as Uint8Array;
}

/** Clusters of the layer voxels whose code `member` accepts, with their side contacts. */
export async function layerClusters(o: ClusterPassOptions, member: (code: number) => boolean) {
  const shape: Shape3 = o.source.shape;
  const plane = shape[1] * shape[2];
  const read = slabReader(o.source, plane, o.slabSlices);
  const layer = o.layer;
  const seen = new Set<number>();
  const cc = await slabComponents({
    backend: o.backend,
    shape,
    connectivity: 6,
    slabDepth: o.slabSlices,
    scratch: o.scratch,
    channels: 3,
    async fillMask(z0, z1, mask) {
      const labels = await read(z0, z1);
      forEachVoxel(layer, shape, z0, z1, (i, t, c) => {
        mask[i] = member(labels[i]) && placeOf(layer, t, c) === 0 ? 1 : 0;
      });
      // a revisit that labels again reads the slab again: counted once
      if (o.onSlab && !seen.has(z0)) {
        seen.add(z0);
        o.onSlab(z0, z1, labels);
      }
    },
    // channel 0: touches the low side only, 1: the high side only, 2: both, −1: neither
    channelOf(index) {
      const [t, c] = voxelAt(layer, shape, index);
      const b = touchBits(layer, t, c);
      return b === 0 ? -1 : b - 1;
    },
  });
  const n = cc.count;
  const low = new Uint8Array(n + 1);
  const high = new Uint8Array(n + 1);
  for (let k = 1; k <= n; k++) {
    const both = cc.stats[2 * (n + 1) + k];
    low[k] = cc.stats[k] + both > 0 ? 1 : 0;
    high[k] = cc.stats[(n + 1) + k] + both > 0 ? 1 : 0;
  }
  const table: ClusterTable = { count: n, sizes: cc.sizes, low, high };
  return { table, revisit: cc.revisit, discard: cc.discard };
}

/** Mark the voxels of the clusters touching each side in the store (OR into its bits). */
export async function markClusters(
  pass: Awaited<ReturnType<typeof layerClusters>>,
  store: BitStore,
  bitLow: number,
  bitHigh: number,
  perVoxel?: (z0: number, i: number, k: number) => void,
): Promise<void> {
  const { low, high } = pass.table;
  await pass.revisit((z0, z1, labels, finalId) => {
    const bits = store.read(z0, z1);
    let lastLocal = -1;
    let k = 0;
    for (let i = 0; i < labels.length; i++) {
      const l = labels[i];
      if (!l) continue;
      if (l !== lastLocal) {
        lastLocal = l;
        k = finalId(l);
      }
      if (low[k]) bits[i] |= bitLow;
      if (high[k]) bits[i] |= bitHigh;
      perVoxel?.(z0, i, k);
    }
    store.write(z0, bits);
  });
}

export { componentsScratch };
