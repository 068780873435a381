/**
 * Connected components of a mask that is never held whole: the mask is produced slab by slab
 * (`fillMask`), each slab is labelled by the compute backend, and slabs are joined by a union-find
 * over their provisional ids across each slab boundary (the 9 (26-conn.) or 1 (6-conn.) neighbours in
 * the previous slab's last plane). Memory: one slab of mask + uint32 labels, one plane of ids, and
 * O(provisional components) for the union-find and per-component statistics — never a full-volume
 * label array. Callers that need per-voxel membership call `revisit`, which hands each slab's labels
 * with their final component ids: read back from a spill file written during the first pass (an
 * unlinked temporary file: page cache, not process memory, and gone even after a crash) when the
 * temporary folder has room for 4 bytes per voxel, else labelled again (deterministic: same slabs,
 * same ids). Each slab is spilled as runs of equal ids ((id, length) pairs, made in the mask
 * buffer, which is free by then) when they take fewer bytes than the ids, else as 1, 2 or 4 bytes
 * per voxel, the fewest its local ids fit in: writing the spill was most of the main thread's time
 * in these passes, and a phase's ids come in long runs. Callers that do not revisit call `discard`.
 * With a cpu backend's worker pool and shared slab buffers the same pass runs on worker pieces
 * instead (slab-pieces.ts: labelling, channel counts, spill and painting on the workers); the
 * backend's `connectedComponents` below is for the other backends and the in-thread callers.
 */
import { closeSync } from 'node:fs';
import { readAt, writeAt } from '../io/scratch-file.js';
import type { ComputeBackend } from '../compute/types.js';
import type { Shape3 } from '../io/volume.js';
import { mergeAcrossPlane } from '../compute/union-find.js';
import { decodeRuns, encodeRuns, widthFor, type ChannelSpec, type MaskData } from './components-kernels.js';
import { pieceComponents, piecesApply } from './slab-pieces.js';
import { finalNumbering, Grow, openSpill, paintVisit, type PaintTarget } from './slab-union.js';

export type { ChannelSpec, MaskData } from './components-kernels.js';
export type { PaintTarget } from './slab-union.js';

export interface SlabComponentsOptions {
  backend: ComputeBackend;
  shape: Shape3;
  connectivity: 6 | 26;
  /** Slices per slab (memory ≈ 5 bytes × slab voxels). */
  slabDepth: number;
  /** Write the mask (0/1) of slices [z0, z1) into `mask` (length (z1 - z0) × ny × nx); may read the slices from disk first. */
  fillMask(z0: number, z1: number, mask: Uint8Array): void | Promise<void>;
  /**
   * The mask as data the cpu backend's workers compute it from, each for the piece it labels
   * (slab-pieces.ts; class-masks.ts workerMaskData): then fillMask is not called on that path.
   * null for a slab: fillMask.
   */
  maskData?(z0: number, z1: number): MaskData | null;
  /** Number of statistics channels accumulated per component. */
  channels?: number;
  /** Channel (0..channels-1) a foreground voxel (global index) counts in, or -1 for none. */
  channelOf?(index: number): number;
  /**
   * Instead of channelOf, slice by slice (cheaper: no per-voxel index arithmetic): the channel of
   * every voxel of slice z (−1 none), or that of the voxel at in-plane position p.
   */
  channelOfSlice?(z: number): number | ((p: number) => number);
  /**
   * The channels as data (components-kernels.ts), which the cpu backend's workers can count in
   * (slab-pieces.ts); give channelOfSlice too (the same channels: channelOfSliceFromSpec) for
   * backends without workers.
   */
  channelSpec?: ChannelSpec;
  /** false: never spill the first pass's labels to disk (revisit labels again). Default: spill when there is room. */
  spill?: boolean;
  /**
   * Slab buffers to use instead of new ones (componentsScratch; at least one slab long). Callers
   * that run several components passes one after another share one pair: shared buffers are freed
   * only when V8 next collects, so fresh pairs per pass stay resident together (≈ 40 MiB each on
   * a 512² plane). The pass owns them until it has been revisited or discarded.
   */
  scratch?: ComponentsScratch;
}

/** Mask and label buffers of one slab, shared with the backend's workers. */
export interface ComponentsScratch {
  mask: Uint8Array;
  labels: Uint32Array;
}

/** Buffers for slabComponents runs of `slabVoxels` voxels per slab. */
export function componentsScratch(slabVoxels: number): ComponentsScratch {
  return { mask: new Uint8Array(new SharedArrayBuffer(slabVoxels)), labels: new Uint32Array(new SharedArrayBuffer(4 * slabVoxels)) };
}

export interface SlabComponents {
  /** Components 1..count, numbered in order of first voxel (raster order), as the backend does. */
  count: number;
  /** sizes[k]: voxels of component k (sizes[0] unused). */
  sizes: Float64Array;
  /** stats[c * (count + 1) + k]: voxels of component k counted in channel c. */
  stats: Float64Array;
  /**
   * Labels every slab again and calls `visit(z0, z1, labels, finalId)`: `labels` holds the slab's
   * local labels (0 background) and finalId(local) the component 1..count it belongs to.
   */
  revisit(visit: (z0: number, z1: number, labels: Uint32Array, finalId: (local: number) => number) => void): Promise<void>;
  /**
   * Writes codes[k] (255: leave the voxel) on the voxels of every component k, and marks
   * `to.lowRows`: on the workers when the label volume is shared memory and the pass ran on worker
   * pieces, else through revisit and `to.edit`. Releases the spill, like revisit.
   */
  paint(codes: Uint8Array, to: PaintTarget): Promise<void>;
  /** Release the spill file without revisiting (revisit releases it too). */
  discard(): void;
  /** Whether the pass ran on worker pieces (slab-pieces.ts): `paint` then runs there too, on a shared label volume. */
  pieces: boolean;
}

/**
 * `lab` narrowed in place to `width` bytes per voxel; returns those bytes. Ascending order is safe:
 * the element written at i ends before the bytes of element i + 1 that are still to be read.
 */
function narrowInPlace(lab: Uint32Array, width: 1 | 2 | 4): Uint8Array {
  const n = lab.length;
  if (width === 2) {
    const d = new Uint16Array(lab.buffer, lab.byteOffset, n);
    for (let i = 0; i < n; i++) d[i] = lab[i];
  } else if (width === 1) {
    const d = new Uint8Array(lab.buffer, lab.byteOffset, n);
    for (let i = 0; i < n; i++) d[i] = lab[i];
  }
  return new Uint8Array(lab.buffer, lab.byteOffset, n * width);
}

/** Inverse of narrowInPlace: the first `width`·n bytes of `lab` widened to uint32 (descending, same reason). */
function widenInPlace(lab: Uint32Array, width: 1 | 2 | 4): void {
  const n = lab.length;
  if (width === 2) {
    const d = new Uint16Array(lab.buffer, lab.byteOffset, n);
    for (let i = n - 1; i >= 0; i--) lab[i] = d[i];
  } else if (width === 1) {
    const d = new Uint8Array(lab.buffer, lab.byteOffset, n);
    for (let i = n - 1; i >= 0; i--) lab[i] = d[i];
  }
}

/** Per-channel voxel counts of the provisional ids `off + label` of slab [z0, z1), slice by slice. */
function countChannelsBySlice(channelOfSlice: NonNullable<SlabComponentsOptions['channelOfSlice']>, stat: Uint32Array[], off: number, lab: Uint32Array, z0: number, z1: number, plane: number): void {
  for (let z = z0; z < z1; z++) {
    const c = channelOfSlice(z);
    const base = (z - z0) * plane;
    if (typeof c === 'number') {
      if (c < 0) continue;
      const st = stat[c];
      for (let p = 0; p < plane; p++) {
        const l = lab[base + p];
        if (l) st[off + l]++;
      }
      continue;
    }
    for (let p = 0; p < plane; p++) {
      const l = lab[base + p];
      if (!l) continue;
      const k = c(p);
      if (k >= 0) stat[k][off + l]++;
    }
  }
}

export async function slabComponents(o: SlabComponentsOptions): Promise<SlabComponents> {
  const [nz, ny, nx] = o.shape;
  const plane = ny * nx;
  const depth = Math.max(1, Math.min(nz, Math.floor(o.slabDepth)));
  const channels = o.channels ?? 0;
  // shared and reused across slabs: the cpu backend's workers read and write them without copies,
  // and no per-slab garbage piles up between collections
  const scratch = o.scratch && o.scratch.mask.length >= depth * plane && o.scratch.labels.length >= depth * plane ? o.scratch : componentsScratch(depth * plane);
  if (piecesApply(o, scratch)) return pieceComponents(o, scratch, depth);
  const mask = scratch.mask;
  const labelBuffer = scratch.labels;
  const slabs: [number, number][] = [];
  for (let z0 = 0; z0 < nz; z0 += depth) slabs.push([z0, Math.min(nz, z0 + depth)]);

  const label = async (z0: number, z1: number) => {
    const m = mask.subarray(0, (z1 - z0) * plane);
    await o.fillMask(z0, z1, m);
    return o.backend.connectedComponents(m, [z1 - z0, ny, nx], o.connectivity, labelBuffer.subarray(0, m.length));
  };

  let spill = o.spill === false ? null : openSpill(4 * nz * plane);
  const releaseSpill = () => {
    if (spill !== null) closeSync(spill);
    spill = null;
  };

  // Pass 1: provisional ids (offset + local), sizes and statistics per provisional id, unions.
  const parent = new Grow(new Int32Array(1024), (n) => new Int32Array(n));
  const size = new Grow(new Uint32Array(1024), (n) => new Uint32Array(n));
  const stat = Array.from({ length: channels }, () => new Grow(new Uint32Array(1024), (n) => new Uint32Array(n)));
  const offsets: number[] = [];
  /** How each slab's labels were spilled: as runs (their byte count), else ids of `width` bytes. */
  const spilled: { runBytes: number; width: 1 | 2 | 4 }[] = [];
  let total = 0;
  const lastPlane = new Uint32Array(plane); // provisional ids of the previous slab's last plane
  for (const [z0, z1] of slabs) {
    const cc = await label(z0, z1);
    const off = total;
    offsets.push(off);
    total += cc.count;
    parent.ensure(total + 1);
    size.ensure(total + 1);
    for (const s of stat) s.ensure(total + 1);
    for (let l = 1; l <= cc.count; l++) {
      parent.a[off + l] = off + l;
      size.a[off + l] = cc.sizes[l];
    }
    const lab = cc.labels;
    if (channels && o.channelOfSlice) countChannelsBySlice(o.channelOfSlice, stat.map((s) => s.a), off, lab, z0, z1, plane);
    else if (channels && o.channelOf) {
      const base = z0 * plane;
      for (let i = 0; i < lab.length; i++) {
        const l = lab[i];
        if (!l) continue;
        const c = o.channelOf(base + i);
        if (c >= 0) stat[c].a[off + l]++;
      }
    }
    // join across the boundary plane (lastPlane holds provisional ids already)
    if (z0 > 0) mergeAcrossPlane(parent.a, lab.subarray(0, plane), off, lastPlane, 0, ny, nx, o.connectivity);
    const last = lab.subarray((z1 - z0 - 1) * plane, (z1 - z0) * plane);
    for (let p = 0; p < plane; p++) lastPlane[p] = last[p] ? off + last[p] : 0;
    // last use of this slab's labels: encoded as runs, else narrowed in place, for the spill
    if (spill !== null) {
      const width = widthFor(cc.count);
      const runBytes = encodeRuns(lab, mask, width * lab.length - 1);
      spilled.push({ runBytes, width });
      try {
        writeAt(spill, runBytes >= 0 ? mask.subarray(0, runBytes) : narrowInPlace(lab, width), 4 * z0 * plane, 'connected components spill');
      } catch {
        releaseSpill(); // disk full after all: label again on revisit
      }
    }
  }

  // Final ids in order of first voxel (provisional ids are in that order within and across slabs).
  const { finalOf, count, sizes, stats } = finalNumbering(parent.a, total, size.a, stat.map((s) => s.a));

  const revisit: SlabComponents['revisit'] = async (visit) => {
    try {
      for (let s = 0; s < slabs.length; s++) {
        const [z0, z1] = slabs[s];
        let lab: Uint32Array;
        if (spill !== null) {
          lab = labelBuffer.subarray(0, (z1 - z0) * plane);
          const { runBytes, width } = spilled[s];
          if (runBytes >= 0) {
            readAt(spill, mask.subarray(0, runBytes), 4 * z0 * plane, 'connected components spill');
            decodeRuns(new Uint32Array(mask.buffer, mask.byteOffset, runBytes >> 2), lab);
          } else {
            readAt(spill, new Uint8Array(lab.buffer, lab.byteOffset, width * lab.length), 4 * z0 * plane, 'connected components spill');
            widenInPlace(lab, width);
          }
        } else lab = (await label(z0, z1)).labels;
        const off = offsets[s];
        visit(z0, z1, lab, (local) => (local ? finalOf[off + local] : 0));
      }
    } finally {
      releaseSpill();
    }
  };
  return { count, sizes, stats, revisit, paint: (codes, to) => revisit(paintVisit(codes, to, ny, nx)), discard: releaseSpill, pieces: false };
}
