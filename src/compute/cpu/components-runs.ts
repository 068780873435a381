/**
 * Connected components of one z-slab by runs: every row's foreground is cut into runs of
 * consecutive x, each run is joined (union-find over runs) with the runs it touches in the rows
 * scanned before it — (z, y−1) and, 26-connected, (z−1, y−1..y+1) with x ranges widened by one;
 * 6-connected only (z, y−1) and (z−1, y) overlapping exactly — and the runs are written out with
 * slab-local ids 1..n numbered by first voxel in raster order.
 *
 * Why runs: a phase such as the electrolyte fills most of a row in a few runs, so the joins fall
 * from about five finds per voxel (voxel union-find) to a few per run. The sets and the numbering
 * are those of any exact labelling (the components are a property of the mask, the first voxel of
 * each a property of raster order): the labels are the same, voxel for voxel.
 *
 * Memory: four int32 per run (start, end, parent, id) plus one per row, grown on demand and kept
 * for the next call; at worst (alternating voxels) 8 bytes per voxel of the slab, typically a small
 * fraction of that.
 */
import { hasZeroByte } from '../words.js';
import type { Shape3 } from '../../io/volume.js';

/**
 * Run tables kept between calls (each worker thread has its own module): a slab's tables, grown by
 * doubling, would otherwise be garbage after every call, and tens of MiB of it piled up per worker
 * between collections on 512² slabs.
 */
const tables = { rowStart: new Int32Array(0), x0: new Int32Array(0), x1: new Int32Array(0), parent: new Int32Array(0), id: new Int32Array(0) };

/** Largest tables kept (entries; 4 MiB each). */
const KEEP_RUNS = 1 << 20;

/** `a` when it holds `need`, else a larger copy. */
function grow(a: Int32Array<ArrayBuffer>, need: number): Int32Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const b = new Int32Array(Math.max(need, Math.ceil(a.length * 1.5), 1024));
  b.set(a);
  return b;
}

/** A uint32 view of the whole buffer under `mask` (the last one kept: one buffer per pass). */
let lastWords: { buffer: ArrayBufferLike; words: Uint32Array } | null = null;
function wordsOf(mask: Uint8Array): Uint32Array {
  if (lastWords?.buffer !== mask.buffer) lastWords = { buffer: mask.buffer, words: new Uint32Array(mask.buffer, 0, mask.buffer.byteLength >> 2) };
  return lastWords.words;
}

/*
 * The row scans read the mask 4 bytes at a time where aligned (`words`; byte i of the mask is byte
 * i0 + i of the buffer): a word of 0 is background throughout, a word with no zero byte foreground
 * throughout. Most rows are long runs of either, and the byte loop was most of the labelling's time.
 */

/** First i in [i, end) with mask[i] ≠ 0, else end. */
function nextForeground(mask: Uint8Array, words: Uint32Array, i0: number, i: number, end: number): number {
  for (; i < end && (i0 + i) & 3; i++) if (mask[i]) return i;
  for (let w = (i0 + i) >> 2; i + 4 <= end && words[w] === 0; w++) i += 4;
  while (i < end && !mask[i]) i++;
  return i;
}

/** First i in [i, end) with mask[i] = 0, else end. */
function nextBackground(mask: Uint8Array, words: Uint32Array, i0: number, i: number, end: number): number {
  for (; i < end && (i0 + i) & 3; i++) if (!mask[i]) return i;
  for (let w = (i0 + i) >> 2; i + 4 <= end && !hasZeroByte(words[w]); w++) i += 4;
  while (i < end && mask[i]) i++;
  return i;
}

/**
 * The runs of slices [z0, z1) of a slab and their ids, in this module's tables (valid until the next
 * call in this thread): the runs of row r (r = (z − z0)·ny + y) are rowStart[r] .. rowStart[r + 1] − 1,
 * run k covers x ∈ [x0[k], x1[k]) and has local id id[k] (1..count, by first voxel in raster order).
 */
export interface SlabRuns {
  rows: number;
  count: number;
  rowStart: Int32Array;
  x0: Int32Array;
  x1: Int32Array;
  id: Int32Array;
}

/** Components of the foreground (mask ≠ 0) of slices [z0, z1) as runs (neighbours outside the slab are not looked at). */
export function runsOfSlab(mask: Uint8Array, shape: Shape3, z0: number, z1: number, connectivity: 6 | 26): SlabRuns {
  const [, ny, nx] = shape;
  const plane = nx * ny;
  const rows = (z1 - z0) * ny;
  const rowStart = (tables.rowStart = grow(tables.rowStart, rows + 1)); // runs of row r: rowStart[r] .. rowStart[r + 1] − 1
  let x0 = tables.x0;
  let x1 = tables.x1; // exclusive end
  let parent = tables.parent;
  const wide = connectivity === 26 ? 1 : 0; // how far a run reaches beyond its ends in x
  const words = wordsOf(mask);
  const i0 = mask.byteOffset;

  const find = (k: number): number => {
    while (parent[k] !== k) {
      const g = parent[parent[k]];
      parent[k] = g;
      k = g;
    }
    return k;
  };
  let rk = 0; // root of the run being joined (a root: only roots are linked)
  /**
   * Joins the run being joined (x ∈ [a, b)) with the runs from `p` on of a row ending at `end` that
   * touch [a − wide, b + wide); returns the first run that may touch the next run of its row (the
   * runs of both rows come in increasing x, so each row is walked once). The smaller root wins.
   */
  const joinRow = (p: number, end: number, a: number, b: number): number => {
    while (p < end && x1[p] + wide <= a) p++;
    for (let j = p; j < end && x0[j] < b + wide; j++) {
      const rj = find(j);
      if (rj < rk) {
        parent[rk] = rj;
        rk = rj;
      } else if (rj > rk) parent[rj] = rk;
    }
    return p;
  };

  // 1. runs and their unions
  let nRuns = 0;
  for (let r = 0; r < rows; r++) {
    rowStart[r] = nRuns;
    const z = z0 + Math.floor(r / ny);
    const y = r - (z - z0) * ny;
    const base = z * plane + y * nx;
    const end = base + nx;
    for (let i = nextForeground(mask, words, i0, base, end); i < end; i = nextForeground(mask, words, i0, i, end)) {
      const a = i - base;
      i = nextBackground(mask, words, i0, i, end);
      const x = i - base;
      if (nRuns >= x0.length) {
        x0 = tables.x0 = grow(x0, nRuns + 1);
        x1 = tables.x1 = grow(x1, nRuns + 1);
        parent = tables.parent = grow(parent, nRuns + 1);
      }
      const k = nRuns++;
      x0[k] = a;
      x1[k] = x;
      parent[k] = k;
    }
    rowStart[r + 1] = nRuns;
    // the rows scanned before that touch this one (their runs are complete)
    const rk0 = rowStart[r], rk1 = nRuns;
    if (rk0 === rk1) continue;
    // pointers into the rows (z, y − 1), (z − 1, y − 1), (z − 1, y), (z − 1, y + 1); −1: no such row
    const rows4 = [y > 0 ? r - 1 : -1, z > z0 && wide && y > 0 ? r - ny - 1 : -1, z > z0 ? r - ny : -1, z > z0 && wide && y + 1 < ny ? r - ny + 1 : -1];
    let p0 = rows4[0] >= 0 ? rowStart[rows4[0]] : 0, p1 = rows4[1] >= 0 ? rowStart[rows4[1]] : 0;
    let p2 = rows4[2] >= 0 ? rowStart[rows4[2]] : 0, p3 = rows4[3] >= 0 ? rowStart[rows4[3]] : 0;
    const e0 = rows4[0] >= 0 ? rowStart[rows4[0] + 1] : 0, e1 = rows4[1] >= 0 ? rowStart[rows4[1] + 1] : 0;
    const e2 = rows4[2] >= 0 ? rowStart[rows4[2] + 1] : 0, e3 = rows4[3] >= 0 ? rowStart[rows4[3] + 1] : 0;
    for (let k = rk0; k < rk1; k++) {
      const a = x0[k], b = x1[k];
      rk = k;
      p0 = joinRow(p0, e0, a, b);
      p1 = joinRow(p1, e1, a, b);
      p2 = joinRow(p2, e2, a, b);
      p3 = joinRow(p3, e3, a, b);
    }
  }
  rowStart[rows] = nRuns;

  // 2. ids by first voxel: runs are in raster order and a set's root is its smallest run
  const id = (tables.id = grow(tables.id, nRuns));
  let n = 0;
  for (let k = 0; k < nRuns; k++) {
    const root = find(k);
    id[k] = root === k ? ++n : id[root];
  }
  return { rows, count: n, rowStart, x0, x1, id };
}

/**
 * Labels of the foreground (mask ≠ 0) of slices [z0, z1) written into `labels` (0 background;
 * neighbours outside the slab are not looked at). Returns the voxel count of each local id
 * (sizes[0] unused).
 */
export function componentsSlab(mask: Uint8Array, labels: Uint32Array, shape: Shape3, z0: number, z1: number, connectivity: 6 | 26): Float64Array {
  const [, ny, nx] = shape;
  const plane = nx * ny;
  const { rows, count: n, rowStart, x0, x1, id } = runsOfSlab(mask, shape, z0, z1, connectivity);
  const sizes = new Float64Array(n + 1);
  for (let r = 0; r < rows; r++) {
    const z = z0 + Math.floor(r / ny);
    const base = z * plane + (r - (z - z0) * ny) * nx;
    let x = 0;
    for (let k = rowStart[r]; k < rowStart[r + 1]; k++) {
      const a = x0[k], b = x1[k], l = id[k];
      labels.fill(0, base + x, base + a);
      labels.fill(l, base + a, base + b);
      sizes[l] += b - a;
      x = b;
    }
    labels.fill(0, base + x, base + nx);
  }
  dropLargeTables();
  return sizes;
}

/** Tables beyond a worker slab's usual size (a whole volume labelled on the main thread) are not kept. */
export function dropLargeTables(): void {
  if (tables.x0.length > KEEP_RUNS || tables.rowStart.length > KEEP_RUNS) for (const k of ['rowStart', 'x0', 'x1', 'parent', 'id'] as const) tables[k] = new Int32Array(0);
}
