/**
 * slabComponents (slab-components.ts) on the cpu backend's workers: each slab is cut into z-pieces,
 * one per worker, and each piece is labelled, counted per channel and spilled in one worker task
 * (components-kernels.ts labelPiece), keeping its own local ids: the main thread only joins the
 * pieces in its union-find (across every piece boundary plane, as across slabs) and keeps the
 * per-id tables. No relabelling pass (the backend's connectedComponents makes one to number a
 * whole slab), no per-voxel work on the main thread. `paint` writes the final codes from the spill
 * on the workers (paintPiece) when the label volume is shared memory.
 * Same components, same numbering as the backend path: provisional ids are in raster order of first
 * voxel across pieces and slabs, and each set's root is its smallest id.
 */
import { closeSync } from 'node:fs';
import type { ComputeBackend } from '../compute/types.js';
import { mergeAcrossPlane } from '../compute/union-find.js';
import { splitRange } from '../compute/cpu/backend.js';
import { readAt } from '../io/scratch-file.js';
import { decodeRuns, type LabelPieceArgs, type LabelPieceResult, type PaintPieceArgs, type PieceSpill } from './components-kernels.js';
import type { ComponentsScratch, SlabComponents, SlabComponentsOptions } from './slab-components.js';
import { finalNumbering, Grow, openSpill, paintVisit, type PaintTarget } from './slab-union.js';

/** The compiled kernels module, relative to the package's dist/ (the workers load JavaScript). */
const MODULE = 'src/segment/components-kernels.js';

/** Pieces per worker thread in each slab (each piece boundary is a plane merge on the main thread). */
const PIECES_PER_THREAD = 1;

/** Whether `o` can run on worker pieces: a cpu backend's pool, shared buffers, channels as data. */
export function piecesApply(o: SlabComponentsOptions, scratch: ComponentsScratch): boolean {
  const b = o.backend;
  return (b.threads ?? 1) >= 2 && !!b.runModuleTasks && scratch.mask.buffer instanceof SharedArrayBuffer &&
    scratch.labels.buffer instanceof SharedArrayBuffer && (!(o.channels ?? 0) || !!o.channelSpec);
}

interface Piece { z0: number; z1: number; off: number; spill: PieceSpill | null }

export async function pieceComponents(o: SlabComponentsOptions, scratch: ComponentsScratch, depth: number): Promise<SlabComponents> {
  const [nz, ny, nx] = o.shape;
  const plane = ny * nx;
  const backend = o.backend as Required<Pick<ComputeBackend, 'runModuleTasks' | 'threads'>> & ComputeBackend;
  const channels = o.channels ?? 0;
  const spec = o.channelSpec ?? null;
  const { mask, labels } = scratch;
  const slabs: [number, number][] = [];
  for (let z0 = 0; z0 < nz; z0 += depth) slabs.push([z0, Math.min(nz, z0 + depth)]);
  const parts = backend.threads * PIECES_PER_THREAD;

  let spill = o.spill === false ? null : openSpill(4 * nz * plane);
  let spillOk = spill !== null;
  const releaseSpill = () => {
    if (spill !== null) closeSync(spill);
    spill = null;
  };
  /** Labels slab [z0, z1) in pieces (mask filled first); the pieces' results in z order. */
  const label = async (z0: number, z1: number, withStats: boolean) => {
    const maskFrom = o.maskData?.(z0, z1) ?? null;
    if (!maskFrom) await o.fillMask(z0, z1, mask.subarray(0, (z1 - z0) * plane));
    const shape: [number, number, number] = [z1 - z0, ny, nx];
    const ranges = splitRange(z1 - z0, parts);
    const args: LabelPieceArgs[] = ranges.map(([a, b]) => ({
      mask, labels, shape, z0: a, z1: b, zBase: z0, connectivity: o.connectivity,
      channels: withStats ? channels : 0, spec: withStats ? spec : null, fd: withStats && spillOk && spill !== null ? spill : -1, full: !withStats, maskFrom,
    }));
    const res = await backend.runModuleTasks<LabelPieceResult>(MODULE, 'labelPiece', args);
    return { ranges, res };
  };

  // Pass 1: provisional ids (piece offset + local id), sizes and statistics per provisional id, unions.
  const parent = new Grow(new Int32Array(1024), (n) => new Int32Array(n));
  // (uint32: a provisional id lies in one piece; half the bytes of float64 for the millions of ids of a low-density pass)
  const size = new Grow(new Uint32Array(1024), (n) => new Uint32Array(n));
  const stat = Array.from({ length: channels }, () => new Grow(new Uint32Array(1024), (n) => new Uint32Array(n)));
  const pieces: Piece[][] = [];
  let total = 0;
  const lastPlane = new Uint32Array(plane); // provisional ids of the previous slab's last plane
  for (const [z0, z1] of slabs) {
    const { ranges, res } = await label(z0, z1, true);
    const ps: Piece[] = [];
    for (let k = 0; k < ranges.length; k++) {
      const [a, b] = ranges[k];
      const { sizes, stats, spill: sp } = res[k];
      const n = sizes.length - 1;
      const off = total;
      total += n;
      parent.ensure(total + 1);
      size.ensure(total + 1);
      for (const s of stat) s.ensure(total + 1);
      for (let l = 1; l <= n; l++) {
        parent.a[off + l] = off + l;
        size.a[off + l] = sizes[l];
      }
      for (let c = 0; c < channels; c++) stat[c].a.set(stats.subarray(c * (n + 1) + 1, (c + 1) * (n + 1)), off + 1);
      if (spillOk && sp === null) spillOk = false; // a write failed: label again on revisit
      // join across the piece's first plane: the previous piece's last plane, or the previous slab's
      const first = labels.subarray(a * plane, (a + 1) * plane);
      if (k > 0) mergeAcrossPlane(parent.a, first, off, labels.subarray((a - 1) * plane, a * plane), ps[k - 1].off, ny, nx, o.connectivity);
      else if (z0 > 0) mergeAcrossPlane(parent.a, first, off, lastPlane, 0, ny, nx, o.connectivity);
      ps.push({ z0: z0 + a, z1: z0 + b, off, spill: sp });
    }
    const last = labels.subarray((z1 - z0 - 1) * plane, (z1 - z0) * plane);
    const lastOff = ps[ps.length - 1].off;
    for (let p = 0; p < plane; p++) lastPlane[p] = last[p] ? lastOff + last[p] : 0;
    pieces.push(ps);
  }
  if (!spillOk) releaseSpill();
  const { finalOf, count, sizes, stats } = finalNumbering(parent.a, total, size.a, stat.map((s) => s.a));

  const revisit: SlabComponents['revisit'] = async (visit) => {
    try {
      for (let s = 0; s < slabs.length; s++) {
        const [z0, z1] = slabs[s];
        if (spill === null) await label(z0, z1, false);
        for (const pc of pieces[s]) {
          const lab = labels.subarray((pc.z0 - z0) * plane, (pc.z1 - z0) * plane);
          if (spill !== null && pc.spill) readPiece(spill, pc, lab, mask.subarray((pc.z0 - z0) * plane, (pc.z1 - z0) * plane), plane);
          visit(pc.z0, pc.z1, lab, (local) => (local ? finalOf[pc.off + local] : 0));
        }
      }
    } finally {
      releaseSpill();
    }
  };

  return {
    count,
    sizes,
    stats,
    revisit,
    async paint(codes: Uint8Array, to: PaintTarget) {
      const vol = to.volume;
      if (!vol || !(vol.buffer instanceof SharedArrayBuffer) || (to.lowRows && !(to.lowRows.buffer instanceof SharedArrayBuffer))) {
        await revisit(paintVisit(codes, to, ny, nx));
        return;
      }
      // codes per provisional id, shared with the workers
      const prov = new Uint8Array(new SharedArrayBuffer(total + 1)).fill(255);
      for (let g = 1; g <= total; g++) prov[g] = codes[finalOf[g]];
      try {
        for (let s = 0; s < slabs.length; s++) {
          const [z0, z1] = slabs[s];
          const maskFrom = spill === null ? o.maskData?.(z0, z1) ?? null : null;
          if (spill === null && !maskFrom) await o.fillMask(z0, z1, mask.subarray(0, (z1 - z0) * plane));
          const shape: [number, number, number] = [z1 - z0, ny, nx];
          const args: PaintPieceArgs[] = pieces[s].map((pc) => ({
            mask, labels, shape, z0: pc.z0 - z0, z1: pc.z1 - z0, zBase: z0, connectivity: o.connectivity,
            spill: spill === null ? null : pc.spill, fd: spill ?? -1, codes: prov, off: pc.off,
            target: vol.subarray(pc.z0 * plane, pc.z1 * plane), lowRows: to.lowRows ?? null, maskFrom,
          }));
          await backend.runModuleTasks(MODULE, 'paintPiece', args);
        }
      } finally {
        releaseSpill();
      }
    },
    discard: releaseSpill,
    pieces: true,
  };
}

/** A piece's local ids read back from the spill into `lab` (`m`: the piece's mask bytes, free now). */
function readPiece(fd: number, pc: Piece, lab: Uint32Array, m: Uint8Array, plane: number): void {
  const sp = pc.spill as PieceSpill;
  const at = 4 * pc.z0 * plane;
  if (sp.runBytes >= 0) {
    readAt(fd, m.subarray(0, sp.runBytes), at, 'connected components spill');
    decodeRuns(new Uint32Array(m.buffer, m.byteOffset, sp.runBytes >> 2), lab);
  } else if (sp.width === 1) {
    readAt(fd, m, at, 'connected components spill');
    for (let i = 0; i < lab.length; i++) lab[i] = m[i];
  } else readAt(fd, new Uint8Array(lab.buffer, lab.byteOffset, lab.byteLength), at, 'connected components spill');
}
