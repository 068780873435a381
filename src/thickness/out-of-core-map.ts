/**
 * The Li thickness map (and the interface contact) of a labels volume read from disk block by block,
 * for volumes larger than the memory budget. The per-column passes of map.ts run on blocks of whole
 * columns (map rows), so every map and number equals the in-memory `thicknessMap` bit for bit:
 *
 *  - pass 0 streams the labels slab by slab over z: the global decisions (dominant axis in auto
 *    mode, the Li side: integer counts, exact in any order). For the z axis, blocks of whole z-lines
 *    are read straight from files stored uncompressed (`readRows`: raw, plain TIFF); labels or scans
 *    in compressed files are first copied into scratch volumes, which give the same blocks;
 *  - pass 1 (blocks of map rows): electrolyte surface indices walked from both ends (the electrode
 *    evidence of electrodes.ts), and the grey means for refinement (float sums: accumulated in the
 *    same row order as in memory);
 *  - map level: which ends are electrodes, surface repair, plane fit (auto);
 *  - tilted auto mode only: the surface along the fitted normal (blocks with the rows the tilted
 *    lines cross), then its repair, per electrode;
 *  - pass 2: per-column measurement of each electrode (blocks with the lateral grey-average halo)
 *    and its contact map.
 *
 * For the x and y axes the map rows are z-slices, read straight from the source.
 */
import { InputError } from '../io/errors.js';
import type { VolumeSource } from '../io/source.js';
import { ScratchVolume } from '../io/scratch-volume.js';
import { allocate, type DType, type VoxelArray } from '../io/volume.js';
import { slicesPerSlab } from '../compute/budget.js';
import { planSlabs } from '../compute/slabs.js';
import { slabDepth as sourceSlabDepth } from '../io/open.js';
import {
  accumulateAxisProfiles,
  accumulateGreyMeans,
  accumulateLiSide,
  axisFromProfiles,
  greyMeansOf,
  type MapColumns,
  type MapPlan,
  type SurfaceFit,
  type TiltedLines,
  liSideFromCounts,
  mapPlan,
  mapResult,
  measureRows,
  measureRowsNeeded,
  newAxisProfiles,
  newGreyMeanSums,
  newLiSideCounts,
  newMapColumns,
  repairTiltedSurface,
  surfaceRows,
  tiltedLines,
  tiltedMeasureRows,
  tiltedRowsNeeded,
  tiltedSurfaceRows,
  type Axis,
  type ColumnBlock,
  type ThicknessMapOptions,
  type ThicknessMapResult,
} from './map.js';
import { contactResult, contactRows, newContactCounts, type ContactCounts, type InterfaceContact } from './contact.js';
import { decideElectrodes, electrodePlans, liCoverage, type ElectrodeMap, type ElectrodeMapsOptions, type ElectrodeMapsResult } from './electrodes.js';

/**
 * Bytes per map column the map passes keep whatever the block (maps, surface indices, tilted lines,
 * summary sorts: 96), plus one map row of gathered samples (labels and grey means: 9 bytes per sample;
 * a row has at most as many samples as the largest map has columns).
 */
export const MAP_BYTES_PER_COLUMN = 105;
/** Largest slab pass 0 reads at once. */
const SLAB_BYTES = 32 << 20;

export interface OutOfCoreMapOptions extends Omit<ElectrodeMapsOptions, 'scan'> {
  /** Grey-level scan of the same shape, for the sub-voxel refinement. */
  scan?: VolumeSource | null;
  /** Bytes the run may keep resident (blocks are sized from it). */
  budgetBytes: number;
  /** Map rows per block (test override of the budget's choice). */
  blockRows?: number;
  /** Folder for the scratch copies (z axis). */
  scratchDir?: string;
}

export interface OutOfCoreMapResult extends ThicknessMapResult {
  contact: InterfaceContact;
  /** Blocks of map rows per pass. */
  blocks: number;
}

export interface OutOfCoreElectrodeMaps extends ElectrodeMapsResult {
  /** Blocks of map rows per pass. */
  blocks: number;
}

/** Largest map (columns) the volume can give, whatever the axis. */
function maxMapColumns(shape: [number, number, number]): number {
  const [nz, ny, nx] = shape;
  return Math.max(ny * nx, nz * nx, nz * ny);
}

/** Resident bytes of the in-memory map of a volume (labels, scan, maps): above the budget → stream. */
export function inMemoryMapBytes(shape: [number, number, number], scanBytesPerVoxel = 0): number {
  return shape[0] * shape[1] * shape[2] * (1 + scanBytesPerVoxel) + maxMapColumns(shape) * MAP_BYTES_PER_COLUMN;
}

const bytesPer = (dtype: DType) => allocate(dtype, 0).BYTES_PER_ELEMENT;

function blocksOf(rows: number, blockRows: number): Array<[number, number]> {
  return planSlabs(rows, blockRows).map((s) => [s.z0, s.z1] as [number, number]);
}

/** The first electrode's map (the only one, or `near`) and its contact: see electrodeMapsFromSource. */
export async function thicknessMapFromSource(labels: VolumeSource, options: OutOfCoreMapOptions): Promise<OutOfCoreMapResult> {
  const r = await electrodeMapsFromSource(labels, options);
  const first = r.electrodes[0];
  return { ...first.map, contact: first.contact, blocks: r.blocks };
}

/** electrodes.ts `electrodeMaps` for labels read from disk block by block: the same maps bit for bit. */
export async function electrodeMapsFromSource(labels: VolumeSource, options: OutOfCoreMapOptions): Promise<OutOfCoreElectrodeMaps> {
  if (labels.dtype !== 'uint8') throw new InputError(`labels must be uint8 (got ${labels.dtype})`);
  const spacing = options.spacing ?? labels.spacing;
  if (!spacing) throw new InputError('the thickness map needs the voxel size: give --voxel UM (or DZ,DY,DX)');
  const shape = labels.shape;
  const scanSource = options.scan ?? null;
  if (scanSource && scanSource.shape.join(',') !== shape.join(',')) throw new InputError(`--scan shape ${scanSource.shape.join('×')} differs from the labels' ${shape.join('×')}`);
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const normal = options.normal ?? 'z';
  const budget = options.budgetBytes;
  const fixed = maxMapColumns(shape) * MAP_BYTES_PER_COLUMN;
  const scanBpv = scanSource ? bytesPer(scanSource.dtype) : 0;
  const progress = options.onProgress;
  const scratches: ScratchVolume[] = [];
  try {
    // ── pass 0: global decisions (and the scratch copy for the z axis)
    // slabs of pass 0 stay small (they only feed counts and the scratch copies): at most SLAB_BYTES
    const slabDepth = Math.min(slicesPerSlab(budget, plane, nz, 0, fixed), sourceSlabDepth(labels, SLAB_BYTES));
    let slabBuf: Uint8Array | null = new Uint8Array(slabDepth * plane);
    const streamLabels = async (visit: (slab: Uint8Array, z0: number) => void) => {
      for (const { z0, z1 } of planSlabs(nz, slabDepth)) {
        const slab = (await labels.readSlices(z0, z1, (slabBuf as Uint8Array).subarray(0, (z1 - z0) * plane))) as Uint8Array;
        visit(slab, z0);
      }
    };
    const sideAxes: Axis[] = normal === 'auto' ? ['z', 'y', 'x'] : [normal];
    const sideCounts = sideAxes.map((a) => newLiSideCounts(a));
    const profiles = normal === 'auto' ? newAxisProfiles(shape) : null;
    let labelScratch: ScratchVolume | null = null;
    const newScratch = (dtype: DType) => {
      const s = ScratchVolume.create(shape, dtype, { dir: options.scratchDir });
      scratches.push(s);
      return s;
    };
    // z-lines straight from the file when it allows (uncompressed TIFF, raw), else from a scratch copy
    if (normal === 'z' && !labels.readRows) labelScratch = newScratch('uint8');
    await streamLabels((slab, z0) => {
      if (profiles) accumulateAxisProfiles(profiles, slab, shape, z0);
      for (const s of sideCounts) accumulateLiSide(s, slab, shape, z0);
      labelScratch?.writeSlices(z0, slab);
    });
    const axis: Axis = profiles ? axisFromProfiles(profiles, shape) : (normal as Axis);
    const side = liSideFromCounts(sideCounts.find((s) => s.axis === axis)!);
    if (axis === 'z' && !labelScratch && !labels.readRows) {
      const s = (labelScratch = newScratch('uint8'));
      await streamLabels((slab, z0) => s.writeSlices(z0, slab));
    }
    slabBuf = null;
    let scanScratch: ScratchVolume | null = null;
    if (axis === 'z' && scanSource && !scanSource.readRows) {
      const s = (scanScratch = newScratch(scanSource.dtype));
      const depth = Math.min(slicesPerSlab(budget, plane * scanBpv, nz, 0, fixed), sourceSlabDepth(scanSource, SLAB_BYTES));
      const buf = allocate(scanSource.dtype, depth * plane);
      for (const { z0, z1 } of planSlabs(nz, depth)) s.writeSlices(z0, await scanSource.readSlices(z0, z1, buf.subarray(0, (z1 - z0) * plane)));
    }

    const plans = { low: mapPlan(shape, spacing, axis, 'low', options), high: mapPlan(shape, spacing, axis, 'high', options) };
    const { rows, cols } = plans.low.g;
    // ── blocks of map rows: for z, [nz, held, nx] from the scratch copies; for y / x, z-slabs from the sources
    const rowVoxels = axis === 'z' ? nz * nx : plane;
    let labelBuf = new Uint8Array(0);
    let scanBuf: VoxelArray | null = null;
    /** Block buffers sized once for the largest block of the passes (growing them later would hold two sets until GC). */
    const reserve = (heldRows: number) => {
      const need = Math.min(rows, heldRows) * rowVoxels;
      if (labelBuf.length < need) labelBuf = new Uint8Array(need);
      if (scanSource && (!scanBuf || scanBuf.length < need)) scanBuf = allocate(scanSource.dtype, need);
    };
    /** Map rows [h0, h1) of a volume: z-slices (x / y axis), else z-lines from its scratch copy or the file. */
    const rowsOf = async (source: VolumeSource, copy: ScratchVolume | null, h0: number, h1: number, into: VoxelArray): Promise<VoxelArray> => {
      if (axis !== 'z') return source.readSlices(h0, h1, into.subarray(0, (h1 - h0) * rowVoxels));
      return copy ? copy.readRows(h0, h1, into) : source.readRows!(h0, h1, into);
    };
    const readBlock = async (h0: number, h1: number, withScan: boolean): Promise<ColumnBlock> => {
      reserve(h1 - h0);
      const lab = await rowsOf(labels, labelScratch, h0, h1, labelBuf);
      const scan = withScan && scanSource ? await rowsOf(scanSource, scanScratch, h0, h1, scanBuf as VoxelArray) : null;
      return { labels: lab as Uint8Array, scan, r0: h0, held: h1 - h0 };
    };
    const perRow = rowVoxels * (1 + scanBpv);
    const halo = scanSource ? plans.low.greyRadius : 0;
    const blockRows = Math.max(1, Math.floor(options.blockRows ?? slicesPerSlab(budget, perRow, rows, halo, fixed)));
    const blocks = blocksOf(rows, blockRows);
    reserve(blockRows + 2 * halo);
    let total = blocks.length * 3;
    let done = 0;
    const step = () => progress?.(++done, total);

    // ── pass 1: surface indices from both ends; grey means (float sums in increasing row order, as in memory)
    const m = rows * cols;
    const surf = { low: new Float64Array(m), high: new Float64Array(m) };
    const liAbove = { low: new Uint8Array(m), high: new Uint8Array(m) };
    const sums = newGreyMeanSums();
    for (const [b0, b1] of blocks) {
      const block = await readBlock(b0, b1, Boolean(scanSource));
      surfaceRows(plans.low, block, b0, b1, surf.low, undefined, liAbove.low);
      surfaceRows(plans.high, block, b0, b1, surf.high, undefined, liAbove.high);
      accumulateGreyMeans(plans[side], block, b0, b1, sums);
      step();
    }
    const { detection, sides } = decideElectrodes({ low: liCoverage(surf.low, liAbove.low), high: liCoverage(surf.high, liAbove.high) }, options.electrodes ?? 'auto', side);
    const means = scanSource ? greyMeansOf(sums) : null;
    interface Measuring { plan: MapPlan; fit: SurfaceFit; out: MapColumns; contact: ContactCounts; lines: TiltedLines | null }
    const measuring: Measuring[] = electrodePlans(plans, surf, sides).map(({ plan, fit }, k) => {
      const s = sides[k].side;
      return { plan, fit, out: newMapColumns(plan), contact: newContactCounts(shape, spacing, axis, s, fit.surface), lines: fit.tilted ? tiltedLines(plan, fit) : null };
    });

    // ── pass 2: per-column measurement and contact (straight electrodes share the blocks)
    const straight = measuring.filter((e) => !e.lines);
    if (straight.length) {
      for (const [b0, b1] of blocks) {
        const [h0, h1] = measureRowsNeeded(plans.low, Boolean(scanSource), b0, b1);
        const block = await readBlock(h0, h1, Boolean(scanSource));
        for (const e of straight) {
          measureRows(e.plan, e.fit, means, block, b0, b1, e.out);
          contactRows(e.contact, block, b0, b1);
        }
        step();
      }
    }
    for (const e of measuring) {
      const lines = e.lines;
      if (!lines) continue;
      const { plan, fit } = e;
      // lines along the fitted normal cross rows: blocks hold the rows the lines of their columns reach
      let reach = 0;
      for (let r = 0; r < rows; r++) {
        const [h0, h1] = tiltedRowsNeeded(plan, fit, lines, r, r + 1);
        reach = Math.max(reach, r - h0, h1 - r - 1);
      }
      const tiltedBlockRows = Math.max(1, Math.floor(options.blockRows ?? slicesPerSlab(budget, perRow, rows, reach, fixed)));
      const tiltedBlocks = blocksOf(rows, tiltedBlockRows);
      total += 2 * tiltedBlocks.length;
      for (const [b0, b1] of tiltedBlocks) {
        const [h0, h1] = tiltedRowsNeeded(plan, fit, lines, b0, b1);
        tiltedSurfaceRows(plan, fit, lines, await readBlock(h0, h1, false), b0, b1);
        step();
      }
      repairTiltedSurface(plan, lines);
      for (const [b0, b1] of tiltedBlocks) {
        const [h0, h1] = tiltedRowsNeeded(plan, fit, lines, b0, b1);
        const block = await readBlock(h0, h1, Boolean(scanSource));
        tiltedMeasureRows(plan, fit, lines, means, block, b0, b1, e.out);
        contactRows(e.contact, block, b0, b1);
        step();
      }
    }
    progress?.(1, 1);
    const electrodes: ElectrodeMap[] = measuring.map((e, k) => ({ ...sides[k], map: mapResult(e.plan, e.fit, means, e.out), contact: contactResult(e.contact) }));
    return { axis, electrodes, detection, blocks: blocks.length };
  } finally {
    for (const s of scratches) s.discard();
  }
}
