/**
 * Out-of-core exact distance transform and local thickness: the same kernels as the in-memory
 * `distanceTransformLabel` / `localThickness`, run over slabs so that only a few slices are ever
 * resident, with bit-identical float32 results and summaries.
 *
 * Distance (three passes of edt-kernel.ts):
 *  1. x and y passes are slice-local: z-slabs of the labels → squared distances (passXY on a slab
 *     shaped [depth, ny, nx]) → a float32 scratch volume on disk.
 *  2. z pass: blocks of rows read as whole z-lines (ScratchVolume.readRows, [nz, rows, nx]) →
 *     passZ (fhLine + sqrt) → written back. The maximal distance is gathered here.
 *  3. output: z-slabs of the scratch → sink (a TIFF slab writer) + summary, in voxel order.
 *
 * Local thickness (local-thickness-kernel.ts):
 *  3'. the output pass also finds the distance ridge of each slab (loaded with one slice of halo
 *      either side, so every ridge test sees the same 26 neighbours as in memory) and appends the
 *      ridge balls (in-slice index, radius) to a scratch file, with per-slice offsets.
 *  4.  thickness: for each output z-slab, the ridge balls whose centres lie within
 *      H = ceil(max distance / dz) slices of it (every ball that can reach it) are rasterised into
 *      the slab (rasterBalls, centres indexed relative to the slab start); the result is the max
 *      over the same balls as in memory, so equal bit for bit. The summary counts values exactly.
 *
 * Memory: slabs of labels (1 B/voxel) and float32 (4 B/voxel), one row block of z-lines, the ridge
 * balls of one window (16 B each); scratch disk: 4 B/voxel plus 8 B per ridge voxel.
 */
import { PROCESS_BASELINE_BYTES, memoryBudget, slicesPerSlab } from '../compute/budget.js';
import { planSlabs, type Slab } from '../compute/slabs.js';
import { ScratchVolume } from '../io/scratch-volume.js';
import type { Shape3, Spacing3, VoxelArray } from '../io/volume.js';
import { passXY, passZ, volumeScratch } from './edt-kernel.js';
import { DistanceSummaryAccumulator, type DistanceSummary } from './edt.js';
import { distanceRidge, rasterBalls } from './local-thickness-kernel.js';
import { summarizeCountedThickness, type LocalThicknessStats } from './local-thickness.js';
import { defaultThreads, openPool, ranges, type TaskPool } from './pool.js';
import { ValueCounts } from './stats.js';

/** What the streaming passes read the labels from (a VolumeSource fits). */
export interface SlabReader {
  shape: Shape3;
  readSlices(z0: number, z1: number, into?: VoxelArray): Promise<VoxelArray>;
}

/** A labels array in memory as a SlabReader (tests, callers that hold the labels anyway). */
export function arraySource(data: Uint8Array, shape: Shape3): SlabReader {
  const plane = shape[1] * shape[2];
  return {
    shape,
    async readSlices(z0, z1, into) {
      const part = data.subarray(z0 * plane, z1 * plane);
      if (!into) return part.slice();
      const out = into.subarray(0, part.length);
      out.set(part);
      return out;
    },
  };
}

/** Receives output slices [z0, z0 + data.length / (ny·nx)) in increasing z; the buffer is reused after it resolves. */
export type SlabSink = (z0: number, data: Float32Array) => void | Promise<void>;

export interface OutOfCoreOptions {
  /** Voxel size [dz, dy, dx] (µm); default 1. */
  spacing?: Spacing3 | null;
  /** Worker threads (default: available cores); 1 runs in this thread. */
  threads?: number;
  /** Volumes smaller than this run in this thread (default 2²¹ voxels). */
  parallelMinVoxels?: number;
  /** An open pool to reuse (not closed here). */
  pool?: TaskPool | null;
  /** Bytes the passes may hold (default: memoryBudget(undefined)); sizes the slabs. */
  budgetBytes?: number;
  /** Force slices per slab in every slab pass (tests); default from the budget. */
  slabSlices?: number;
  /** Force rows per z-pass block (tests); default from the budget. */
  rowBlock?: number;
  /** Folder of the scratch files (default: $BURIED_SCRATCH or the OS temp folder). */
  scratchDir?: string;
  /** Called after the first pass with the phase's voxel count; may throw to stop before any output. */
  onCounts?: (labelVoxels: number, totalVoxels: number) => void;
  onProgress?: (done: number, total: number) => void;
}

export interface OutOfCorePlan {
  /** Slices per slab of the x/y pass (and the output / ridge pass). */
  slab_slices: number;
  slabs: number;
  /** Rows per block of the z pass. */
  row_block: number;
  row_blocks: number;
  /** Local thickness: slabs of the ball pass and the halo (slices) of ridge balls each reads. */
  ball_slabs?: number;
  halo_slices?: number;
}

export interface StreamDistanceResult {
  summary: DistanceSummary;
  noBackground: boolean;
  /** Largest distance (µm; +Infinity without background). */
  maxDistance: number;
  threads: number;
  backendDescription: string;
  plan: OutOfCorePlan;
}

export interface StreamLocalThicknessResult {
  stats: LocalThicknessStats;
  distance: DistanceSummary;
  ridgeVoxels: number;
  noBackground: boolean;
  maxDistance: number;
  threads: number;
  backendDescription: string;
  plan: OutOfCorePlan;
  timings_ms: { distance: number; ridge: number; balls: number };
}

/**
 * Whether the in-memory path can hold the volume at all, whatever the budget: its typed arrays and
 * the int32 voxel indices of the ridge need fewer than 2³¹ voxels.
 */
export function inCorePossible(shape: Shape3): boolean {
  return shape[0] * shape[1] * shape[2] <= MAX_INDEX;
}

/** Bytes the in-memory distance command holds: labels + float32 distance. */
export function distanceInCoreBytes(shape: Shape3): number {
  return shape[0] * shape[1] * shape[2] * 5;
}

/**
 * Bytes the in-memory local thickness holds: labels (+ a shared copy for the workers), float32
 * distance and thickness, the phase values sorted for the summary, ridge lists (allowance).
 */
export function localThicknessInCoreBytes(shape: Shape3): number {
  return shape[0] * shape[1] * shape[2] * 16;
}

interface Ctx {
  shape: Shape3;
  plane: number;
  spacing: Spacing3;
  pool: TaskPool | null;
  budget: number;
  options: OutOfCoreOptions;
  progress: (k: number) => void;
}

/** Largest |index| a window-relative voxel or ball centre may take (the ridge kernels use int32). */
const MAX_INDEX = 2 ** 31 - 1;
/** Largest slab buffer (elements): bigger slabs gain nothing and approach typed-array limits. */
const MAX_SLAB_VOXELS = 2 ** 30;

/** Most whole units of `unitVoxels` in one slab buffer (at least 1). */
function capSlices(unitVoxels: number): number {
  return Math.max(1, Math.floor(MAX_SLAB_VOXELS / Math.max(1, unitVoxels)));
}

function checkSpacing(spacing: Spacing3 | null | undefined): Spacing3 {
  const s = spacing ?? [1, 1, 1];
  if (s.length !== 3 || s.some((v) => !(v > 0) || !Number.isFinite(v))) throw new RangeError(`spacing must be three positive numbers, got ${s.join(',')}`);
  return [s[0], s[1], s[2]];
}

function floatBuffer(n: number, shared: boolean): Float32Array {
  return shared ? new Float32Array(new SharedArrayBuffer(Math.max(1, n) * 4)) : new Float32Array(n);
}

function byteBuffer(n: number, shared: boolean): Uint8Array {
  return shared ? new Uint8Array(new SharedArrayBuffer(Math.max(1, n))) : new Uint8Array(n);
}

async function withContext<T>(source: SlabReader, options: OutOfCoreOptions, totalSteps: (shape: Shape3) => number, fn: (ctx: Ctx) => Promise<T>): Promise<T> {
  const shape: Shape3 = [...source.shape];
  const n = shape[0] * shape[1] * shape[2];
  const threads = options.threads ?? defaultThreads();
  const ownPool = options.pool === undefined && threads > 1 && n >= (options.parallelMinVoxels ?? 1 << 21);
  const pool = options.pool !== undefined ? options.pool : ownPool ? openPool(threads) : null;
  const total = totalSteps(shape);
  let done = 0;
  const ctx: Ctx = {
    shape,
    plane: shape[1] * shape[2],
    spacing: checkSpacing(options.spacing),
    pool,
    budget: options.budgetBytes ?? memoryBudget(undefined).bytes,
    options,
    progress: (k) => options.onProgress?.((done += k), total),
  };
  try {
    return await fn(ctx);
  } finally {
    if (ownPool && pool) await pool.close();
  }
}

function describe(ctx: Ctx, plan: OutOfCorePlan): string {
  const main = ctx.pool ? `cpu: ${ctx.pool.threads} worker threads` : 'cpu: main thread';
  return `${main}; out of core: ${plan.slabs} slabs of ${plan.slab_slices} slices, ${plan.row_blocks} z-line blocks of ${plan.row_block} rows`;
}

/** Passes 1 and 2: the distance (µm) of every voxel into a float32 scratch volume. */
async function edtToScratch(source: SlabReader, label: number, ctx: Ctx): Promise<{ dist: ScratchVolume; labelVoxels: number; maxDistance: number; plan: OutOfCorePlan }> {
  const { shape, plane, spacing, pool, options } = ctx;
  const [nz, ny, nx] = shape;
  const n = nz * plane;
  const slabSlices = Math.min(nz, options.slabSlices ?? Math.min(slicesPerSlab(ctx.budget, 5 * plane, nz), capSlices(plane)));
  const rowBlock = Math.max(1, Math.min(ny, options.rowBlock ?? Math.min(Math.floor((ctx.budget - PROCESS_BASELINE_BYTES) / (4 * nz * nx)), capSlices(nz * nx))));
  const slabs = planSlabs(nz, slabSlices);
  const plan: OutOfCorePlan = { slab_slices: slabSlices, slabs: slabs.length, row_block: rowBlock, row_blocks: Math.ceil(ny / rowBlock) };
  const dist = ScratchVolume.create(shape, 'float32', { dir: options.scratchDir });
  try {
    const scratch = volumeScratch(shape);
    // x and y: slice-local
    let labelVoxels = 0;
    {
      const lab = new Uint8Array(slabSlices * plane);
      const buf = floatBuffer(slabSlices * plane, pool !== null);
      for (const { z0, z1 } of slabs) {
        const depth = z1 - z0;
        const m = depth * plane;
        const l = (await source.readSlices(z0, z1, lab)) as Uint8Array;
        for (let i = 0; i < m; i++) {
          if (l[i] === label) {
            buf[i] = Infinity;
            labelVoxels++;
          } else buf[i] = 0;
        }
        const slabShape = [depth, ny, nx];
        if (pool) {
          const common = { buffer: buf.buffer as SharedArrayBuffer, shape: slabShape, spacing: [...spacing] };
          await Promise.all(ranges(depth, pool.threads * 4).map(([from, to]) => pool.run({ op: 'xy', ...common, from, to })));
        } else {
          passXY(buf, slabShape, spacing, 0, depth, scratch);
        }
        dist.writeSlices(z0, buf.subarray(0, m));
        ctx.progress(depth);
      }
    }
    options.onCounts?.(labelVoxels, n);
    // z: whole z-lines for blocks of rows
    let maxDistance = 0;
    if (labelVoxels === n) {
      maxDistance = n > 0 ? Infinity : 0; // no background: +Infinity everywhere, as after the x/y pass
      ctx.progress(ny);
    } else {
      const buf = floatBuffer(nz * rowBlock * nx, pool !== null);
      for (let y0 = 0; y0 < ny; y0 += rowBlock) {
        const y1 = Math.min(ny, y0 + rowBlock);
        const rows = y1 - y0;
        const b = dist.readRows(y0, y1, buf) as Float32Array;
        const blockShape = [nz, rows, nx];
        if (pool) {
          const common = { buffer: buf.buffer as SharedArrayBuffer, shape: blockShape, spacing: [...spacing] };
          await Promise.all(ranges(rows, pool.threads * 4).map(([from, to]) => pool.run({ op: 'z', ...common, from, to })));
        } else {
          passZ(b, blockShape, spacing, 0, rows, scratch);
        }
        for (let i = 0; i < b.length; i++) if (b[i] > maxDistance) maxDistance = b[i];
        dist.writeRows(y0, b);
        ctx.progress(rows);
      }
    }
    return { dist, labelVoxels, maxDistance, plan };
  } catch (err) {
    dist.discard();
    throw err;
  }
}

/**
 * Exact EDT of the voxels equal to `label`, streamed: equals `distanceTransformLabel` (cpu) bit for
 * bit; the distance goes to `sink` slab by slab and its summary equals `summarizeDistance`.
 */
export async function streamDistance(source: SlabReader, label: number, options: OutOfCoreOptions & { sink?: SlabSink } = {}): Promise<StreamDistanceResult> {
  return withContext(source, options, (s) => 2 * s[0] + s[1], async (ctx) => {
    const { plane } = ctx;
    const { dist, labelVoxels, maxDistance, plan } = await edtToScratch(source, label, ctx);
    try {
      const acc = new DistanceSummaryAccumulator(label);
      const lab = new Uint8Array(plan.slab_slices * plane);
      const buf = new Float32Array(plan.slab_slices * plane);
      for (const { z0, z1 } of planSlabs(ctx.shape[0], plan.slab_slices)) {
        const d = dist.readSlices(z0, z1, buf) as Float32Array;
        const l = await source.readSlices(z0, z1, lab);
        acc.add(d, l);
        await options.sink?.(z0, d);
        ctx.progress(z1 - z0);
      }
      const n = ctx.shape[0] * plane;
      return { summary: acc.result(), noBackground: n > 0 && labelVoxels === n, maxDistance, threads: ctx.pool?.threads ?? 1, backendDescription: describe(ctx, plan), plan };
    } finally {
      dist.discard();
    }
  });
}


/** Ball-pass slabs: as many slices as fit with the ridge balls of their window (at least one). */
function planBallSlabs(nz: number, plane: number, halo: number, offsets: Float64Array, room: number): Slab[] {
  const out: Slab[] = [];
  const ballsIn = (z0: number, z1: number) => offsets[Math.min(nz, z1 + halo)] - offsets[Math.max(0, z0 - halo)];
  for (let z0 = 0; z0 < nz; ) {
    let z1 = z0 + 1;
    while (z1 < nz && (z1 + 1 - z0) * 5 * plane + 16 * ballsIn(z0, z1 + 1) <= room && (z1 + 1 - z0) * plane <= MAX_SLAB_VOXELS && (z1 + 1 - z0 + halo) * plane <= MAX_INDEX) z1++;
    out.push({ z0, z1, lo: Math.max(0, z0 - halo), hi: Math.min(nz, z1 + halo) });
    z0 = z1;
  }
  return out;
}

/**
 * Local thickness of the voxels equal to `label`, streamed: the thickness (to `thicknessSink`) and
 * distance (to `distanceSink`) equal `localThickness` bit for bit, the stats equal
 * `summarizeLocalThickness`, the distance summary `summarizeDistance`.
 */
export async function streamLocalThickness(
  source: SlabReader,
  label: number,
  options: OutOfCoreOptions & { distanceSink?: SlabSink; thicknessSink?: SlabSink; bins?: number } = {},
): Promise<StreamLocalThicknessResult> {
  return withContext(source, options, (s) => 3 * s[0] + s[1], async (ctx) => {
    const { shape, plane, spacing, pool } = ctx;
    const [nz, ny, nx] = shape;
    const n = nz * plane;
    const t0 = performance.now();
    const { dist, labelVoxels, maxDistance, plan } = await edtToScratch(source, label, ctx);
    const noBackground = n > 0 && labelVoxels === n;
    let ridgeStore: ScratchVolume | null = null;
    try {
      const t1 = performance.now();
      // Output + ridge pass: slabs with one slice of halo so the ridge test sees every neighbour.
      ridgeStore = noBackground ? null : ScratchVolume.create([Math.max(1, labelVoxels), 1, 2], 'int32', { dir: options.scratchDir });
      const offsets = new Float64Array(nz + 1); // ridge balls of slice k: records [offsets[k], offsets[k+1])
      const acc = new DistanceSummaryAccumulator(label);
      // (window voxel indices are int32 in distanceRidge: at most 2³¹ − 1 voxels with the halo)
      const ridgeSlices = Math.min(nz, options.slabSlices ?? Math.max(1, Math.min(slicesPerSlab(ctx.budget, 13 * plane, nz, 1), capSlices(plane) - 2)));
      if ((ridgeSlices + 2) * plane > MAX_INDEX) throw new RangeError(`local thickness out of core: ${ridgeSlices + 2} slices of ${ny}×${nx} exceed int32 voxel indices`);
      {
        const win = new Float32Array((ridgeSlices + 2) * plane);
        const lab = new Uint8Array((ridgeSlices + 2) * plane);
        let written = 0;
        for (const { z0, z1, lo, hi } of planSlabs(nz, ridgeSlices, 1)) {
          const d = dist.readSlices(lo, hi, win) as Float32Array;
          const l = (await source.readSlices(lo, hi, lab)) as Uint8Array;
          const a = (z0 - lo) * plane;
          const b = (z1 - lo) * plane;
          acc.add(d.subarray(a, b), l.subarray(a, b));
          await options.distanceSink?.(z0, d.subarray(a, b));
          if (ridgeStore) {
            const { centres, radii } = distanceRidge(d, l, label, [hi - lo, ny, nx], spacing, z0 - lo, z1 - lo);
            const rec = new Int32Array(2 * centres.length);
            const recF = new Float32Array(rec.buffer);
            for (let t = 0; t < centres.length; t++) {
              const c = centres[t];
              const k = Math.floor(c / plane);
              offsets[lo + k + 1]++;
              rec[2 * t] = c - k * plane;
              recF[2 * t + 1] = radii[t];
            }
            if (centres.length) ridgeStore.writeSlices(written, rec);
            written += centres.length;
          }
          ctx.progress(z1 - z0);
        }
      }
      for (let k = 0; k < nz; k++) offsets[k + 1] += offsets[k];
      const ridgeVoxels = offsets[nz];
      dist.discard(); // the distance is out; the ball pass needs only the labels and the ridge
      const t2 = performance.now();

      // Ball pass: each output slab takes the ridge balls centred within `halo` slices of it.
      const halo = Number.isFinite(maxDistance) ? Math.ceil(maxDistance / spacing[0]) : 0;
      const counter = new ValueCounts();
      const room = ctx.budget - PROCESS_BASELINE_BYTES - 4 * (1 << 20);
      const slabs = options.slabSlices !== undefined ? planSlabs(nz, options.slabSlices, halo) : planBallSlabs(nz, plane, halo, offsets, room);
      plan.ball_slabs = slabs.length;
      plan.halo_slices = halo;
      const maxDepth = slabs.reduce((m, s) => Math.max(m, s.z1 - s.z0), 0);
      const shared = pool !== null;
      const out = floatBuffer(maxDepth * plane, shared);
      const lab = byteBuffer(maxDepth * plane, shared);
      let cap = 0;
      let centres: Int32Array<ArrayBufferLike> = new Int32Array(0);
      let radii: Float32Array<ArrayBufferLike> = new Float32Array(0);
      for (const { z0, z1, lo, hi } of slabs) {
        const depth = z1 - z0;
        const m = depth * plane;
        if (Math.max(z0 - lo, hi - z0) * plane > MAX_INDEX) throw new RangeError(`local thickness out of core: a window of ${hi - lo} slices of ${ny}×${nx} exceeds int32 ball indices (halo of ${Math.max(z0 - lo, hi - z1)} slices)`);
        const o = out.subarray(0, m);
        const l = (await source.readSlices(z0, z1, lab)) as Uint8Array;
        let count = 0;
        if (noBackground) {
          o.fill(Infinity);
        } else {
          o.fill(0);
          const r0 = offsets[lo];
          count = offsets[hi] - r0;
          if (count > cap) {
            cap = Math.max(count, Math.ceil(cap * 1.5));
            centres = shared ? new Int32Array(new SharedArrayBuffer(cap * 4)) : new Int32Array(cap);
            radii = shared ? new Float32Array(new SharedArrayBuffer(cap * 4)) : new Float32Array(cap);
          }
          if (count > 0 && ridgeStore) {
            const rec = ridgeStore.readSlices(r0, r0 + count) as Int32Array;
            const recF = new Float32Array(rec.buffer, rec.byteOffset, rec.length);
            for (let k = lo, t = 0; k < hi; k++) {
              const base = (k - z0) * plane; // centre index relative to the slab start (negative above it)
              for (let e = offsets[k + 1] - r0; t < e; t++) {
                centres[t] = base + rec[2 * t];
                radii[t] = recF[2 * t + 1];
              }
            }
          }
          const c = centres.subarray(0, count);
          const r = radii.subarray(0, count);
          const slabShape = [depth, ny, nx];
          if (!pool || count < 64) {
            rasterBalls(o, l, label, slabShape, spacing, c, r, 0, depth);
          } else {
            await Promise.all(
              ranges(depth, pool.threads * 4).map(([from, to]) =>
                pool.run({
                  op: 'balls',
                  out: out.buffer as SharedArrayBuffer,
                  labels: lab.buffer as SharedArrayBuffer,
                  label,
                  shape: slabShape,
                  spacing: [...spacing],
                  centres: centres.buffer as SharedArrayBuffer,
                  radii: radii.buffer as SharedArrayBuffer,
                  count,
                  from,
                  to,
                }),
              ),
            );
          }
        }
        for (let i = 0; i < m; i++) if (l[i] === label) counter.push(o[i]);
        await options.thicknessSink?.(z0, o);
        ctx.progress(depth);
      }
      const t3 = performance.now();
      const { values, counts } = counter.result();
      return {
        stats: summarizeCountedThickness(values, counts, label, ridgeVoxels, options.bins),
        distance: acc.result(),
        ridgeVoxels,
        noBackground,
        maxDistance,
        threads: pool?.threads ?? 1,
        backendDescription: `${describe(ctx, plan)}, ${plan.ball_slabs} ball slabs with ${halo} slices of halo`,
        plan,
        timings_ms: { distance: t1 - t0, ridge: t2 - t1, balls: t3 - t2 },
      };
    } finally {
      dist.discard();
      ridgeStore?.discard();
    }
  });
}
