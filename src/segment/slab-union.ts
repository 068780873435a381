/**
 * Bookkeeping shared by both ways of running slab-by-slab components (slab-components.ts on the
 * backend's `connectedComponents`, slab-pieces.ts on worker pieces): growable per-id tables, the
 * spill file, the final numbering, and painting codes from a revisit on the main thread.
 */
import { statfsSync } from 'node:fs';
import { openScratchFile, scratchFolder } from '../io/scratch-file.js';
import { findRoot } from '../compute/union-find.js';

/** Growable Int32 / Uint32 / Float64 storage indexed by provisional id. */
export class Grow<A extends Int32Array | Uint32Array | Float64Array> {
  constructor(public a: A, private readonly make: (n: number) => A) {}
  ensure(n: number): void {
    if (n <= this.a.length) return;
    const b = this.make(Math.max(n, Math.ceil(this.a.length * 1.5)));
    b.set(this.a);
    this.a = b;
  }
}

/** An unlinked temporary file for the first pass's slab labels, or null when the disk is short. */
export function openSpill(bytes: number): number | null {
  try {
    const fsInfo = statfsSync(scratchFolder());
    if (bytes > 0.5 * fsInfo.bavail * fsInfo.bsize) return null;
    return openScratchFile('buried-cc');
  } catch {
    return null;
  }
}

/**
 * Final ids 1..count in order of first voxel (provisional ids 1..total are in that order, and a
 * set's root is its smallest id), with the sizes and channel counts summed per final id.
 */
export function finalNumbering(parent: Int32Array, total: number, size: ArrayLike<number>, stat: ArrayLike<number>[]): { finalOf: Int32Array; count: number; sizes: Float64Array; stats: Float64Array } {
  const channels = stat.length;
  const finalOf = new Int32Array(total + 1);
  let count = 0;
  for (let g = 1; g <= total; g++) {
    const r = findRoot(parent, g);
    finalOf[g] = r === g ? ++count : finalOf[r];
  }
  const sizes = new Float64Array(count + 1);
  const stats = new Float64Array(channels * (count + 1));
  for (let g = 1; g <= total; g++) {
    const k = finalOf[g];
    sizes[k] += size[g];
    for (let c = 0; c < channels; c++) stats[c * (count + 1) + k] += stat[c][g];
  }
  return { finalOf, count, sizes, stats };
}

/** Where `paint` writes: the label volume's slices, edited in place. */
export interface PaintTarget {
  /** The whole label volume when it is shared memory that stays put (painted on the workers), else null. */
  volume: Uint8Array | null;
  /** Edit the labels of slices [z0, z1) (local index from z0); used when `volume` is null or there are no workers. */
  edit(z0: number, z1: number, fn: (labels: Uint8Array) => void): void;
  /** lowRows[z·ny + y] is set for every row holding a voxel of the mask. */
  lowRows?: Uint8Array;
}

/**
 * The visit of a revisit that paints codes[finalId] (255: leave) on the mask's voxels of each slab
 * through `to.edit`, marking `to.lowRows`.
 */
export function paintVisit(codes: Uint8Array, to: PaintTarget, ny: number, nx: number) {
  return (z0: number, z1: number, lab: Uint32Array, finalId: (local: number) => number): void => to.edit(z0, z1, (labels) => {
    // ids come in runs: the code is looked up when the id changes
    let last = 0, code = 255;
    for (let r = 0, i = 0; i < lab.length; r++) {
      let any = 0;
      for (const end = i + nx; i < end; i++) {
        const l = lab[i];
        if (!l) continue;
        if (l !== last) {
          last = l;
          code = codes[finalId(l)];
        }
        if (code !== 255) labels[i] = code;
        any = 1;
      }
      if (any && to.lowRows) to.lowRows[z0 * ny + r] = 1;
    }
  });
}
