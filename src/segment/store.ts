/**
 * Where the phase segmentation keeps its two voxel volumes (the grey levels it decides on and the
 * uint8 label/working-state volume): in memory, or on disk (ScratchVolume) read by slabs.
 *
 * Every full-volume pass of the phase mode is a kernel over a *window*: typed arrays holding the
 * loaded slices [lo, hi) (local index (z − lo)·ny·nx + y·nx + x), of which it processes the interior
 * slices [z0, z1) and writes only interior voxels. The in-memory store calls a kernel once, with the
 * whole volume as the window; the scratch store calls it slab by slab (interior plus `halo` slices on
 * each side), in ascending z unless asked otherwise, re-reading each window from disk after the
 * previous slab's write-back. A kernel whose voxel at z reads only slices z − halo .. z + halo then
 * sees exactly what it sees in the single in-memory raster pass (the slices below already processed,
 * those above not yet), and accumulators carried across calls add in the same raster order: the
 * results are bit-identical.
 */
import type { GreyArray } from '../compute/types.js';
import type { Shape3 } from '../io/volume.js';
import { allocate, type DType } from '../io/volume.js';
import type { ScratchVolume } from '../io/scratch-volume.js';
import { planSlabs } from '../compute/slabs.js';
import { collectGarbage } from '../compute/gc.js';

export interface Window {
  /** Grey levels of slices [lo, hi) (empty when the sweep did not ask for them). */
  grey: GreyArray;
  /** Labels of slices [lo, hi) (empty when the sweep did not ask for them). */
  labels: Uint8Array;
  lo: number;
  hi: number;
  /** Interior slices the kernel processes. */
  z0: number;
  z1: number;
}

export interface SweepOptions {
  /** Slices loaded on each side of the interior (clipped to the volume). */
  halo?: number;
  /** Load the grey levels. */
  grey?: boolean;
  /** Load the labels ('read'), and write the interior back after the kernel ('write'). */
  labels?: 'read' | 'write';
  /** Slabs in descending z (passes that walk columns from the far end). */
  descending?: boolean;
  /** Skip slabs whose interior [z0, z1) needs no work (not read, not written). */
  needed?: (z0: number, z1: number) => boolean;
}

export type Kernel = (w: Window) => void | boolean | Promise<void | boolean>;

export interface PhaseStore {
  readonly shape: Shape3;
  /** dtype of the grey levels: 'uint8' | 'uint16' | 'float32'. */
  readonly greyDtype: 'uint8' | 'uint16' | 'float32';
  /** Run `kernel` over the volume; a kernel returning true stops the sweep (nothing left to do). */
  sweep(options: SweepOptions, kernel: Kernel): Promise<void>;
  /** Grey levels of slices [z0, z1) (valid until the next call). */
  greySlices(z0: number, z1: number): GreyArray;
  /** Modify the labels of slices [z0, z1) in place (local index from z0). */
  editLabels(z0: number, z1: number, edit: (labels: Uint8Array) => void): void;
  /** (Re)initialise every label to `value`. */
  fillLabels(value: number): Promise<void>;
  /**
   * Drop the window buffers kept between sweeps (the next sweep allocates them again): passes that
   * read only a few slices at a time (connected components) then have the budget for their tables.
   */
  releaseWindows(): void;
  /** 'whole': one window holds the volume; 'slabs': many windows (passes prefer calling-thread kernels). */
  readonly windows: 'whole' | 'slabs';
  /** Largest window (voxels) handed to a kernel so far. */
  readonly maxWindowVoxels: number;
}

/** Widest halo any phase-mode sweep asks for (qc.ts). */
export const MAX_HALO = 2;

export function greyDtypeOf(a: GreyArray): 'uint8' | 'uint16' | 'float32' {
  return a instanceof Uint8Array ? 'uint8' : a instanceof Uint16Array ? 'uint16' : 'float32';
}

/** The whole volume in memory: every sweep is one call with the whole volume as the window. */
export class MemoryStore implements PhaseStore {
  readonly shape: Shape3;
  readonly greyDtype: 'uint8' | 'uint16' | 'float32';
  labels: Uint8Array;
  readonly windows = 'whole' as const;
  maxWindowVoxels = 0;
  constructor(public grey: GreyArray, shape: Shape3, labels?: Uint8Array) {
    this.shape = shape;
    this.greyDtype = greyDtypeOf(grey);
    this.labels = labels ?? new Uint8Array(0);
  }
  async sweep(o: SweepOptions, kernel: Kernel): Promise<void> {
    const nz = this.shape[0];
    if (o.needed && !o.needed(0, nz)) return;
    this.maxWindowVoxels = this.grey.length;
    await kernel({ grey: this.grey, labels: this.labels, lo: 0, hi: nz, z0: 0, z1: nz });
  }
  greySlices(z0: number, z1: number): GreyArray {
    const plane = this.shape[1] * this.shape[2];
    return this.grey.subarray(z0 * plane, z1 * plane);
  }
  editLabels(z0: number, z1: number, edit: (labels: Uint8Array) => void): void {
    const plane = this.shape[1] * this.shape[2];
    edit(this.labels.subarray(z0 * plane, z1 * plane));
  }
  async fillLabels(value: number): Promise<void> {
    // shared: slab kernels run on the cpu backend's workers over it (slab-parallel.ts)
    if (this.labels.length !== this.grey.length) this.labels = new Uint8Array(new SharedArrayBuffer(this.grey.length));
    this.labels.fill(value);
  }
  releaseWindows(): void {} // the window is the volume itself
}

/** Grey and labels in scratch files, windows of `slabSlices` interior slices plus halo. */
export class ScratchStore implements PhaseStore {
  readonly shape: Shape3;
  readonly greyDtype: 'uint8' | 'uint16' | 'float32';
  readonly windows = 'slabs' as const;
  maxWindowVoxels = 0;
  private greyBuf: GreyArray;
  private labelBuf: Uint8Array = new Uint8Array(0);
  private sliceBuf: GreyArray;
  constructor(readonly grey: ScratchVolume, readonly labels: ScratchVolume, readonly slabSlices: number) {
    this.shape = grey.shape;
    this.greyDtype = grey.dtype as 'uint8' | 'uint16' | 'float32';
    this.greyBuf = allocate(grey.dtype, 0) as GreyArray;
    this.sliceBuf = allocate(grey.dtype, 0) as GreyArray;
  }
  private plane(): number {
    return this.shape[1] * this.shape[2];
  }
  /**
   * A slab with a two-slice halo on each side (the widest window: the QC pass looks two voxels deep;
   * the phase passes use one): buffers are
   * made that large at once, so a wider sweep after a narrower one does not grow them and leave the
   * smaller ones as garbage on top of the budget.
   */
  private fullWindow(): number {
    return Math.min(this.shape[0], this.slabSlices + 2 * MAX_HALO) * this.plane();
  }
  private greyRoom(n: number): GreyArray {
    // shared memory: the cpu backend's workers read windows handed to it without a copy
    if (this.greyBuf.length < n) this.greyBuf = allocate(this.grey.dtype as DType, Math.max(n, this.fullWindow()), true) as GreyArray;
    return this.greyBuf;
  }
  /** `widest`: sweeps (size the buffer for any window); editLabels of a few slices takes just what it needs. */
  private labelRoom(n: number, widest = true): Uint8Array {
    // shared: slab kernels run on the cpu backend's workers over the window (slab-parallel.ts)
    if (this.labelBuf.length < n) this.labelBuf = new Uint8Array(new SharedArrayBuffer(widest ? Math.max(n, this.fullWindow()) : n));
    return this.labelBuf;
  }
  async sweep(o: SweepOptions, kernel: Kernel): Promise<void> {
    const plane = this.plane();
    const slabs = planSlabs(this.shape[0], this.slabSlices, o.halo ?? 0);
    if (o.descending) slabs.reverse();
    for (const s of slabs) {
      if (o.needed && !o.needed(s.z0, s.z1)) continue;
      const n = (s.hi - s.lo) * plane;
      this.maxWindowVoxels = Math.max(this.maxWindowVoxels, n);
      const grey = o.grey ? (this.grey.readSlices(s.lo, s.hi, this.greyRoom(n)) as GreyArray) : this.greyBuf.subarray(0, 0);
      const labels = o.labels ? (this.labels.readSlices(s.lo, s.hi, this.labelRoom(n)) as Uint8Array) : this.labelBuf.subarray(0, 0);
      const stop = await kernel({ grey, labels, lo: s.lo, hi: s.hi, z0: s.z0, z1: s.z1 });
      if (o.labels === 'write') this.labels.writeSlices(s.z0, labels.subarray((s.z0 - s.lo) * plane, (s.z1 - s.lo) * plane));
      if (stop === true) break;
    }
  }
  greySlices(z0: number, z1: number): GreyArray {
    const n = (z1 - z0) * this.plane();
    // shared: the components passes' mask fill reads these slices on the workers (class-masks.ts)
    if (this.sliceBuf.length < n) this.sliceBuf = allocate(this.grey.dtype, n, true) as GreyArray;
    return this.grey.readSlices(z0, z1, this.sliceBuf) as GreyArray;
  }
  editLabels(z0: number, z1: number, edit: (labels: Uint8Array) => void): void {
    const n = (z1 - z0) * this.plane();
    const lab = this.labels.readSlices(z0, z1, this.labelRoom(n, false)) as Uint8Array;
    edit(lab);
    this.labels.writeSlices(z0, lab);
  }
  async fillLabels(value: number): Promise<void> {
    const plane = this.plane();
    for (const s of planSlabs(this.shape[0], this.slabSlices, 0)) {
      const lab = this.labelRoom((s.z1 - s.z0) * plane).subarray(0, (s.z1 - s.z0) * plane);
      lab.fill(value);
      this.labels.writeSlices(s.z0, lab);
    }
  }
  releaseWindows(): void {
    // new empty arrays: a subarray would keep the old buffer alive
    this.greyBuf = allocate(this.grey.dtype, 0) as GreyArray;
    this.labelBuf = new Uint8Array(0);
    this.sliceBuf = allocate(this.grey.dtype, 0) as GreyArray;
    collectGarbage(); // returned now, before the tables that take their room are built
  }
}
