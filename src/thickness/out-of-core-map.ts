/**
 * The Li thickness map (and the interface contact) of a labels volume read from disk block by block,
 * for volumes larger than the memory budget. The per-column passes of map.ts run on blocks of whole
 * columns (map rows), so every map and number equals the in-memory `thicknessMap` bit for bit:
 *
 *  - pass 0 streams the labels slab by slab over z: the global decisions (dominant axis in auto
 *    mode, the Li side: integer counts, exact in any order). For the z axis, blocks of whole z-lines
 *    are read straight from files stored uncompressed (`readRows`: raw, plain TIFF); labels or scans
 *    in compressed files are first copied into scratch volumes, which give the same blocks;
 *  - pass 1 (blocks of map rows): electrolyte surface indices, and the grey means for refinement
 *    (float sums: accumulated in the same row order as in memory);
 *  - map level: surface repair, plane fit (auto);
 *  - tilted auto mode only: the surface along the fitted normal (blocks with the rows the tilted
 *    lines cross), then its repair;
 *  - pass 2: per-column measurement (blocks with the lateral grey-average halo) and the contact map.
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
  fitSurface,
  greyMeansOf,
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
import { contactResult, contactRows, newContactCounts, type InterfaceContact } from './contact.js';

/**
 * Bytes per map column the map passes keep whatever the block (maps, surface indices, tilted lines,
 * summary sorts: 96), plus one map row of gathered samples (labels and grey means: 9 bytes per sample;
 * a row has at most as many samples as the largest map has columns).
 */
export const MAP_BYTES_PER_COLUMN = 105;
/** Largest slab pass 0 reads at once. */
const SLAB_BYTES = 32 << 20;

export interface OutOfCoreMapOptions extends Omit<ThicknessMapOptions, 'scan'> {
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

export async function thicknessMapFromSource(labels: VolumeSource, options: OutOfCoreMapOptions): Promise<OutOfCoreMapResult> {
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
    const sides = sideAxes.map((a) => newLiSideCounts(a));
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
      for (const s of sides) accumulateLiSide(s, slab, shape, z0);
      labelScratch?.writeSlices(z0, slab);
    });
    const axis: Axis = profiles ? axisFromProfiles(profiles, shape) : (normal as Axis);
    const side = liSideFromCounts(sides.find((s) => s.axis === axis)!);
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

    const plan = mapPlan(shape, spacing, axis, side, options);
    const { rows, cols } = plan.g;
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
    const halo = scanSource ? plan.greyRadius : 0;
    const blockRows = Math.max(1, Math.floor(options.blockRows ?? slicesPerSlab(budget, perRow, rows, halo, fixed)));
    const blocks = blocksOf(rows, blockRows);
    reserve(blockRows + 2 * halo);
    let total = blocks.length * 2;
    let done = 0;
    const step = () => progress?.(++done, total);

    // ── pass 1: surface indices; grey means (float sums in increasing row order, as in memory)
    const surf = new Float64Array(rows * cols);
    const sums = newGreyMeanSums();
    for (const [b0, b1] of blocks) {
      const block = await readBlock(b0, b1, Boolean(scanSource));
      surfaceRows(plan, block, b0, b1, surf);
      accumulateGreyMeans(plan, block, b0, b1, sums);
      step();
    }
    const fit = fitSurface(plan, surf);
    const means = scanSource ? greyMeansOf(sums) : null;
    const out = newMapColumns(plan);
    const contact = newContactCounts(shape, spacing, axis, side, fit.surface);

    // ── pass 2: per-column measurement and contact
    if (!fit.tilted) {
      for (const [b0, b1] of blocks) {
        const [h0, h1] = measureRowsNeeded(plan, Boolean(scanSource), b0, b1);
        const block = await readBlock(h0, h1, Boolean(scanSource));
        measureRows(plan, fit, means, block, b0, b1, out);
        contactRows(contact, block, b0, b1);
        step();
      }
    } else {
      // lines along the fitted normal cross rows: blocks hold the rows the lines of their columns reach
      const lines = tiltedLines(plan, fit);
      let reach = 0;
      for (let r = 0; r < rows; r++) {
        const [h0, h1] = tiltedRowsNeeded(plan, fit, lines, r, r + 1);
        reach = Math.max(reach, r - h0, h1 - r - 1);
      }
      const tiltedBlockRows = Math.max(1, Math.floor(options.blockRows ?? slicesPerSlab(budget, perRow, rows, reach, fixed)));
      const tiltedBlocks = blocksOf(rows, tiltedBlockRows);
      total = blocks.length + 2 * tiltedBlocks.length;
      for (const [b0, b1] of tiltedBlocks) {
        const [h0, h1] = tiltedRowsNeeded(plan, fit, lines, b0, b1);
        tiltedSurfaceRows(plan, fit, lines, await readBlock(h0, h1, false), b0, b1);
        step();
      }
      repairTiltedSurface(plan, lines);
      for (const [b0, b1] of tiltedBlocks) {
        const [h0, h1] = tiltedRowsNeeded(plan, fit, lines, b0, b1);
        const block = await readBlock(h0, h1, Boolean(scanSource));
        tiltedMeasureRows(plan, fit, lines, means, block, b0, b1, out);
        contactRows(contact, block, b0, b1);
        step();
      }
    }
    progress?.(1, 1);
    return { ...mapResult(plan, fit, means, out), contact: contactResult(contact), blocks: blocks.length };
  } finally {
    for (const s of scratches) s.discard();
  }
}
