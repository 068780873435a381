/**
 * Worker kernels of the slab-by-slab connected components (slab-pieces.ts): a slab is cut into
 * z-pieces, and each piece is labelled, counted per statistics channel and spilled to the scratch
 * file in one task on a cpu-backend worker (`labelPiece`); its final codes are painted straight from
 * the spill (`paintPiece`). Each piece keeps its own local ids (raster order of first voxel), so no
 * relabelling pass is needed: the main thread joins pieces in its union-find across their planes.
 * Everything here is a plain function of typed arrays (SharedArrayBuffer views on the workers), also
 * called on the main thread when there are no workers.
 */
import { componentsSlab, dropLargeTables, runsOfSlab, type SlabRuns } from '../compute/cpu/components-runs.js';
import { readAt, writeAt } from '../io/scratch-file.js';
import type { GreyArray } from '../compute/types.js';
import { zoneOf } from './phases/layout-kernels.js';
import { classMaskRange } from './phases/slab-kernels.js';

/** A class mask as data: the voxels of classes `cs` under thresholds `ts` (float32) of the slab's grey slices (phases/slab-kernels.ts classMaskRange). */
export interface MaskData { grey: GreyArray; ts: number[]; cs: number[] }

/** The mask of the piece's slices [z0, z1) (slab-local) from `from`, when given: made by the worker that labels the piece, one task less per slab. */
function pieceMask(from: MaskData | null, mask: Uint8Array, z0: number, z1: number, plane: number): void {
  if (from) classMaskRange({ grey: from.grey, mask, i0: z0 * plane, i1: z1 * plane, ts: from.ts, cs: from.cs });
}

/**
 * The statistics channel of a voxel, as data the workers can take: per slice (−1 none), or the
 * zones of the column layout (phases/columns.ts zoneAt: the same comparisons, in oriented depth k).
 */
export type ChannelSpec =
  | { kind: 'slices'; ofSlice: Int8Array }
  | {
    kind: 'zones'; nz: number; collectorAtStart: boolean; farLayer: boolean;
    collOuter: Int32Array; collInner: Int32Array; elSurf: Int32Array; elBack: Int32Array; farInner: Int32Array; farOuter: Int32Array;
  };


/** channelOfSlice (slab-components.ts) of a spec: the same channels on the main thread. */
export function channelOfSliceFromSpec(s: ChannelSpec): (z: number) => number | ((p: number) => number) {
  if (s.kind === 'slices') return (z) => s.ofSlice[z];
  return (z) => {
    const k = s.collectorAtStart ? z : s.nz - 1 - z;
    return (p) => zoneOf(s, p, k);
  };
}

/** Bytes per voxel that local ids 0..count fit in. */
export const widthFor = (count: number): 1 | 2 | 4 => (count < 256 ? 1 : count < 65536 ? 2 : 4);

/**
 * Runs of equal ids of `lab` as (id, length) uint32 pairs in `out` (4-byte aligned); the bytes
 * used, or -1 when more than `limit` bytes (or than `out` holds) would be needed.
 */
export function encodeRuns(lab: Uint32Array, out: Uint8Array, limit: number): number {
  if (out.byteOffset & 3) return -1;
  const pairs = new Uint32Array(out.buffer, out.byteOffset, Math.min(limit, out.length) >> 2);
  const n = lab.length;
  let k = 0;
  for (let i = 0; i < n; ) {
    const v = lab[i];
    let j = i + 1;
    while (j < n && lab[j] === v) j++;
    if (k + 2 > pairs.length) return -1;
    pairs[k++] = v;
    pairs[k++] = j - i;
    i = j;
  }
  return 4 * k;
}

/** Inverse of encodeRuns: the ids of `pairs` written over `lab`. */
export function decodeRuns(pairs: Uint32Array, lab: Uint32Array): void {
  for (let k = 0, i = 0; k < pairs.length; k += 2) {
    const v = pairs[k];
    for (const end = i + pairs[k + 1]; i < end; i++) lab[i] = v;
  }
}

/** How a piece went to the spill file: (id, length) runs of `runBytes` bytes, else ids of `width` bytes per voxel. */
export interface PieceSpill { runBytes: number; width: 1 | 4 }

/** One z-piece of a slab: what labelling and painting it both need. */
interface PieceArgs {
  /** Mask and labels of the whole slab (slab-local index); the piece is slices [z0, z1) of it. */
  mask: Uint8Array;
  labels: Uint32Array;
  shape: [number, number, number];
  z0: number;
  z1: number;
  /** Global z of the slab's first slice. */
  zBase: number;
  connectivity: 6 | 26;
}

export interface LabelPieceArgs extends PieceArgs {
  channels: number;
  spec: ChannelSpec | null;
  /** Spill file descriptor (the piece goes at byte 4·(zBase + z0)·plane), or −1 for none. */
  fd: number;
  /** Write every voxel's label (a revisit without spill); else only the piece's first and last planes, unless the spill needs them. */
  full: boolean;
  /** The piece's mask made here from these data, else null: `mask` is filled. */
  maskFrom: MaskData | null;
}

export interface LabelPieceResult {
  /** Voxels per local id (sizes[0] unused). */
  sizes: Float64Array;
  /** stats[c·(count + 1) + l]: voxels of local id l in channel c. */
  stats: Float64Array;
  spill: PieceSpill | null;
}

/**
 * Labels one piece (runs and their local ids by first voxel: components-runs.ts), counts its voxels
 * per channel from the runs and, with a spill file, writes the piece there: as (id, length) runs
 * built from the run tables in the piece's own mask bytes (free once labelled) when they are fewer
 * bytes than the ids, else every voxel's id, narrowed to bytes in the mask when the ids fit (under
 * 256), else the uint32 labels. Only the piece's first and last planes are written to `labels` (the
 * main thread joins pieces across them) unless the ids are needed. spill null: no file, or the
 * write failed.
 */
export function labelPiece(a: LabelPieceArgs): LabelPieceResult {
  const [, ny, nx] = a.shape;
  const plane = ny * nx;
  pieceMask(a.maskFrom, a.mask, a.z0, a.z1, plane);
  if (a.full) {
    const sizes = componentsSlab(a.mask, a.labels, a.shape, a.z0, a.z1, a.connectivity);
    return { sizes, stats: new Float64Array(0), spill: null };
  }
  const runs = runsOfSlab(a.mask, a.shape, a.z0, a.z1, a.connectivity);
  const n = runs.count;
  const sizes = new Float64Array(n + 1);
  const stats = new Float64Array(a.channels * (n + 1));
  countRuns(runs, sizes, a.channels && a.spec ? a.spec : null, stats, a.zBase + a.z0, ny, nx);
  writeRows(runs, a.labels, 0, ny, a.z0, ny, nx);
  if (runs.rows > ny) writeRows(runs, a.labels, runs.rows - ny, runs.rows, a.z0, ny, nx);
  let result: LabelPieceResult = { sizes, stats, spill: null };
  if (a.fd >= 0) result = spillPiece(a, runs, sizes, stats, plane);
  dropLargeTables();
  return result;
}

/** Writes the piece to the spill file (see labelPiece). */
function spillPiece(a: LabelPieceArgs, runs: SlabRuns, sizes: Float64Array, stats: Float64Array, plane: number): LabelPieceResult {
  const nx = a.shape[2];
  const m = a.mask.subarray(a.z0 * plane, a.z1 * plane);
  const n = m.length;
  const width = widthFor(runs.count);
  const runBytes = encodeSlabRuns(runs, nx, m, width * n - 1);
  let spill: PieceSpill;
  let bytes: Uint8Array;
  if (runBytes >= 0) {
    spill = { runBytes, width: 4 };
    bytes = m.subarray(0, runBytes);
  } else {
    writeRows(runs, a.labels, 0, runs.rows, a.z0, a.shape[1], nx);
    const lab = a.labels.subarray(a.z0 * plane, a.z1 * plane);
    if (width === 1) {
      for (let i = 0; i < n; i++) m[i] = lab[i];
      spill = { runBytes: -1, width: 1 };
      bytes = m;
    } else {
      spill = { runBytes: -1, width: 4 };
      bytes = new Uint8Array(lab.buffer, lab.byteOffset, lab.byteLength);
    }
  }
  try {
    writeAt(a.fd, bytes, 4 * (a.zBase + a.z0) * plane, 'connected components spill');
  } catch {
    return { sizes, stats, spill: null }; // disk full after all: the caller labels again
  }
  return { sizes, stats, spill };
}

/** Labels of rows [r0, r1) of the runs written into `labels` (slab-local index; the runs start at slice z0). */
function writeRows(runs: SlabRuns, labels: Uint32Array, r0: number, r1: number, z0: number, ny: number, nx: number): void {
  const { rowStart, x0, x1, id } = runs;
  for (let r = r0; r < r1; r++) {
    const base = (z0 * ny + r) * nx;
    let x = 0;
    for (let k = rowStart[r]; k < rowStart[r + 1]; k++) {
      const a = x0[k], b = x1[k];
      labels.fill(0, base + x, base + a);
      labels.fill(id[k], base + a, base + b);
      x = b;
    }
    labels.fill(0, base + x, base + nx);
  }
}

/**
 * The piece's ids as (id, length) uint32 pairs of maximal runs in raster order (background
 * included), made from the run tables, in `out` (4-byte aligned); the bytes used, or −1 when more
 * than `limit` bytes (or than `out` holds) would be needed. The same bytes as encodeRuns of the labels.
 */
export function encodeSlabRuns(runs: SlabRuns, nx: number, out: Uint8Array, limit: number): number {
  if (out.byteOffset & 3) return -1;
  const pairs = new Uint32Array(out.buffer, out.byteOffset, Math.min(limit, out.length) >> 2);
  const cap = pairs.length;
  const { rowStart, x0, x1, id } = runs;
  let k = 0, cur = 0, len = 0;
  for (let r = 0; r < runs.rows; r++) {
    let x = 0;
    for (let j = rowStart[r]; j <= rowStart[r + 1]; j++) {
      // the background before run j (or before the row's end), then run j
      const a = j < rowStart[r + 1] ? x0[j] : nx;
      if (a > x) {
        if (cur === 0) len += a - x;
        else {
          if (len) { if (k + 2 > cap) return -1; pairs[k++] = cur; pairs[k++] = len; }
          cur = 0;
          len = a - x;
        }
      }
      if (j === rowStart[r + 1]) break;
      const l = id[j], b = x1[j];
      if (cur === l) len += b - a;
      else {
        if (len) { if (k + 2 > cap) return -1; pairs[k++] = cur; pairs[k++] = len; }
        cur = l;
        len = b - a;
      }
      x = b;
    }
  }
  if (len) { if (k + 2 > cap) return -1; pairs[k++] = cur; pairs[k++] = len; }
  return 4 * k;
}

/** Voxels per local id and per channel (spec null: none), from the runs of slices from global z `zg`. */
function countRuns(runs: SlabRuns, sizes: Float64Array, spec: ChannelSpec | null, stats: Float64Array, zg: number, ny: number, nx: number): void {
  const { rowStart, x0, x1, id } = runs;
  const row = sizes.length;
  for (let r = 0; r < runs.rows; r++) {
    const s = Math.floor(r / ny);
    const z = zg + s;
    const pRow = (r - s * ny) * nx;
    const c = spec && spec.kind === 'slices' ? spec.ofSlice[z] : -1;
    const k = spec && spec.kind === 'zones' ? (spec.collectorAtStart ? z : spec.nz - 1 - z) : 0;
    for (let j = rowStart[r]; j < rowStart[r + 1]; j++) {
      const a = x0[j], b = x1[j], l = id[j];
      sizes[l] += b - a;
      if (!spec) continue;
      if (spec.kind === 'slices') {
        if (c >= 0) stats[c * row + l] += b - a;
      } else for (let p = pRow + a; p < pRow + b; p++) stats[zoneOf(spec, p, k) * row + l]++;
    }
  }
}

export interface PaintPieceArgs extends PieceArgs {
  /** How the piece was spilled, or null: label it again (the slab's mask is filled). */
  spill: PieceSpill | null;
  fd: number;
  /** codes[off + l]: the code painted on local id l (255: leave the voxel). */
  codes: Uint8Array;
  off: number;
  /** Labels of the piece's slices [zBase + z0, zBase + z1) of the label volume. */
  target: Uint8Array;
  /** lowRows[z·ny + y] set for every row holding a foreground voxel (null: not asked). */
  lowRows: Uint8Array | null;
  /** Without a spill: the piece's mask made from these data, else null (`mask` is filled). */
  maskFrom: MaskData | null;
}

/** Paints one piece's codes into `target`, from its spill (runs: one `fill` per run) or a new labelling. */
export function paintPiece(a: PaintPieceArgs): void {
  const [, ny, nx] = a.shape;
  const plane = ny * nx;
  const n = (a.z1 - a.z0) * plane;
  const m = a.mask.subarray(a.z0 * plane, a.z1 * plane);
  const lab = a.labels.subarray(a.z0 * plane, a.z1 * plane);
  const at = 4 * (a.zBase + a.z0) * plane;
  const row0 = (a.zBase + a.z0) * ny;
  const { codes, off, target, lowRows } = a;
  if (a.spill && a.spill.runBytes >= 0) {
    readAt(a.fd, m.subarray(0, a.spill.runBytes), at, 'connected components spill');
    const pairs = new Uint32Array(m.buffer, m.byteOffset, a.spill.runBytes >> 2);
    for (let k = 0, i = 0; k < pairs.length; k += 2) {
      const l = pairs[k], len = pairs[k + 1];
      if (l) {
        const code = codes[off + l];
        if (code !== 255) target.fill(code, i, i + len);
        if (lowRows) lowRows.fill(1, row0 + Math.floor(i / nx), row0 + Math.floor((i + len - 1) / nx) + 1);
      }
      i += len;
    }
    return;
  }
  let ids: Uint8Array | Uint32Array;
  if (a.spill && a.spill.width === 1) {
    readAt(a.fd, m, at, 'connected components spill');
    ids = m;
  } else if (a.spill) {
    readAt(a.fd, new Uint8Array(lab.buffer, lab.byteOffset, lab.byteLength), at, 'connected components spill');
    ids = lab;
  } else {
    pieceMask(a.maskFrom, a.mask, a.z0, a.z1, plane);
    componentsSlab(a.mask, a.labels, a.shape, a.z0, a.z1, a.connectivity);
    ids = lab;
  }
  // ids come in runs: the code is looked up when the id changes
  let last = 0, code = 255;
  for (let r = 0, i = 0; i < n; r++) {
    let any = 0;
    for (const end = i + nx; i < end; i++) {
      const l = ids[i];
      if (!l) continue;
      if (l !== last) {
        last = l;
        code = codes[off + l];
      }
      if (code !== 255) target[i] = code;
      any = 1;
    }
    if (any && lowRows) lowRows[row0 + r] = 1;
  }
}
