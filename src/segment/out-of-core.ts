/**
 * Phase segmentation of volumes larger than memory, bit-identical to `segment()` in memory.
 *
 * The grey volume is copied from the source slab by slab into a scratch file (uint8/uint16/float32
 * as the input, other types as float32, inverted there when the Li contrast is bright), denoised
 * slab by slab into a second scratch file (the backend's median3 / gaussian on a window of the slab
 * plus the filter's halo: every output slice of the interior reads only loaded slices, and at the
 * volume's ends the window ends there too, so the edge replication is the same), and the labels live
 * in a uint8 scratch file. Every pass of the phase mode is the same kernel as in memory, run over
 * windows by ScratchStore (store.ts); global statistics accumulate across slabs in raster order.
 * Memory: a few windows of (slab + 2 halo) slices, the per-column tables (ny × nx) and the
 * per-component tables — never a whole-volume array.
 *
 * A stack normal along y or x: the grey copy is rewritten in the working frame (normal along z) and
 * the labels back in the input frame (out-of-core-frame.ts), as the in-memory path permutes arrays.
 *
 * Not streamed yet: the label clean-up (minIslandVoxels > 1, fillHoles), the generic 'classes'
 * mode, and a field of view whose rotation axis is neither z nor the stack normal (refused with an
 * InputError: run them in memory).
 */
import { createBackend } from '../compute/index.js';
import type { ComputeBackend, GreyArray } from '../compute/types.js';
import { gaussianWeights } from '../compute/reference.js';
import { planSlabs } from '../compute/slabs.js';
import { slicesPerSlab } from '../compute/budget.js';
import { collectGarbage } from '../compute/gc.js';
import { InputError } from '../io/errors.js';
import type { VolumeSource } from '../io/source.js';
import { ScratchVolume } from '../io/scratch-volume.js';
import { allocate, bytesPerVoxel, voxelCount, type Shape3 } from '../io/volume.js';
import { cleanupActive, emptyCleanupReport } from './cleanup.js';
import { fullHistogramOfSlabs, minMax } from './histogram.js';
import { estimateNoiseOfSlices } from './noise.js';
import { CC_SLAB_VOXELS, segmentPhases } from './phases.js';
import { SECOND_PASS_SIGMA, secondPassLikelyStreamed, mergeLabelsStreamed, secondPassAllowed, secondPassDecision, secondPassGreyStreamed, secondPassRejected, secondPassWanted } from './second-pass.js';
import { MAX_HALO, ScratchStore } from './store.js';
import { detectFrame, markOutside, qcFieldOfView } from './frame.js';
import { canonicalShape, canonicalSpacing, fillOutsideFieldOfView } from './orient.js';
import { writeInputFrame, writeWorkingFrame } from './out-of-core-frame.js';
import { denoiseDecision, denoiseReport, invertGrey, phasesReport, stageTimer } from './common.js';
import type { SegmentOptions, SegmentReport } from './types.js';

export interface OutOfCoreOptions {
  /** Bytes the voxel buffers may keep resident (slab sizes are planned from it). */
  budgetBytes: number;
  /** Interior slices per slab (overrides the plan from the budget; tests). */
  slabSlices?: number;
  /** Folder of the scratch files (default $BURIED_SCRATCH or the temporary folder). */
  scratchDir?: string;
  onProgress?: (stage: string, done: number, total: number) => void;
  /** Refinement changes kept in memory per chunk before spilling (default 4 Mi; tests). */
  changeChunkEntries?: number;
}

export interface OutOfCoreResult {
  /** uint8 labels on disk: the caller streams them to labels.tif, then discard()s. */
  labels: ScratchVolume;
  report: SegmentReport;
  /** Interior slices per slab of the phase passes. */
  slab_slices: number;
  /** Interior slices per slab of the denoise pass (smaller when the filter's halo is wide). */
  denoise_slab_slices: number;
  /** Largest scratch footprint at one time (bytes on disk: grey + denoised grey + labels). */
  scratch_bytes: number;
  /** Largest window (voxels, slab plus halo) any pass held; < the volume's voxels unless one slab covers it. */
  max_window_voxels: number;
  /** Process peak RSS (MiB) reached by the end of each step, in step order. */
  peak_rss_mib_after_step: Record<string, number>;
}

/** Resident bytes besides the windows: connected-components slabs, per-column tables, samples. */
function fixedBytes(plane: number): number {
  return 5 * Math.max(CC_SLAB_VOXELS, plane) + 24 * plane + 16 * 2 ** 20 + BACKEND_FIXED_BYTES;
}
/**
 * What the cpu backend's worker threads keep besides the shared windows (their heaps and per-task
 * temporaries), measured with 2 workers: ≈ 64 MiB plus ≈ 4 bytes per window voxel.
 */
const BACKEND_FIXED_BYTES = 64 * 2 ** 20;
const BACKEND_BYTES_PER_WINDOW_VOXEL = 4;

export async function segmentOutOfCore(source: VolumeSource, options: SegmentOptions, ooc: OutOfCoreOptions): Promise<OutOfCoreResult> {
  if (options.backend) return segmentOutOfCoreOn(source, options.backend, options, ooc);
  const backend = await createBackend('cpu');
  try {
    return await segmentOutOfCoreOn(source, backend, options, ooc);
  } finally {
    await backend.dispose();
  }
}

async function segmentOutOfCoreOn(source: VolumeSource, backend: ComputeBackend, options: SegmentOptions, ooc: OutOfCoreOptions): Promise<OutOfCoreResult> {
  const { timings, lap: lapTime } = stageTimer(options.onStep);
  // high-water RSS after each step: which step sets the run's peak
  const peakAfter: Record<string, number> = {};
  const lap = (name: string) => {
    lapTime(name);
    peakAfter[name] = Math.round(process.resourceUsage().maxRSS / 1024);
  };
  const progress = options.onProgress ?? ooc.onProgress ?? (() => {});
  const mode = options.mode ?? 'phases';
  const method = options.method ?? 'otsu';
  if (mode !== 'phases') throw new InputError(`out-of-core segmentation supports the 'phases' mode only (got '${String(mode)}'): run it in memory`);
  if (method !== 'otsu' && method !== 'gmm') throw new InputError(`unknown method '${String(method)}' (expected otsu or gmm)`);
  const minIsland = options.minIslandVoxels ?? 0;
  const fillHoles = options.fillHoles ?? false;
  if (cleanupActive(minIsland, fillHoles)) throw new InputError('out-of-core segmentation: the label clean-up (--min-island > 1, --fill-holes) is not streamed yet; run in memory');
  // the input frame; the working frame (stack normal along z) replaces them once the normal is known
  const inputShape: Shape3 = [...source.shape];
  let shape: Shape3 = inputShape;
  let [nz, ny, nx] = shape;
  let plane = ny * nx;
  const n = voxelCount(shape);
  const liContrast = options.liContrast ?? 'dark';
  const inputSpacing = options.spacing !== undefined ? options.spacing : source.spacing;
  let spacing = inputSpacing;
  const greyDtype = source.dtype === 'uint8' || source.dtype === 'uint16' || source.dtype === 'float32' ? source.dtype : 'float32';
  const gb = bytesPerVoxel(greyDtype);
  let fixed = fixedBytes(plane);
  // windows of grey + labels (+ the source slab and a shared copy for the backend)
  const planSlices = () => Math.max(1, Math.min(nz, Math.floor(ooc.slabSlices ?? slicesPerSlab(ooc.budgetBytes, plane * (3 * gb + bytesPerVoxel(source.dtype) + 1 + BACKEND_BYTES_PER_WINDOW_VOXEL), nz, MAX_HALO, fixed))));
  let slabSlices = planSlices();
  const inputSlabSlices = slabSlices;
  const scratch = { dir: ooc.scratchDir };
  let scratchNow = 0, scratchPeak = 0;
  const track = (bytes: number) => {
    scratchNow += bytes;
    scratchPeak = Math.max(scratchPeak, scratchNow);
  };
  let maxWindow = 0;

  const created: ScratchVolume[] = [];
  const make = (dtype: 'uint8' | 'uint16' | 'float32') => {
    const v = ScratchVolume.create(shape, dtype, scratch);
    created.push(v);
    track(n * bytesPerVoxel(dtype));
    return v;
  };
  const drop = (v: ScratchVolume) => {
    v.discard();
    track(-n * v.bytesPerVoxel);
    created.splice(created.indexOf(v), 1);
  };
  try {
    // 0. Grey levels to scratch (types other than uint8/uint16/float32 → float32), optional inversion.
    let grey = make(greyDtype);
    const inverted = liContrast === 'bright';
    {
      const srcBuf = allocate(source.dtype, slabSlices * plane);
      const conv = greyDtype === source.dtype ? null : allocate(greyDtype, slabSlices * plane);
      let min = Infinity, max = -Infinity;
      for (const s of planSlabs(nz, slabSlices, 0)) {
        const m = (s.z1 - s.z0) * plane;
        const data = await source.readSlices(s.z0, s.z1, srcBuf);
        let g = data.subarray(0, m);
        if (conv) {
          conv.set(g as ArrayLike<number>);
          g = conv.subarray(0, m);
        }
        if (inverted) {
          const r = minMax(g as GreyArray);
          if (r.min < min) min = r.min;
          if (r.max > max) max = r.max;
        }
        grey.writeSlices(s.z0, g);
        maxWindow = Math.max(maxWindow, m);
      }
      if (inverted) {
        for (const s of planSlabs(nz, slabSlices, 0)) {
          const g = grey.readSlices(s.z0, s.z1, conv ?? srcBuf) as GreyArray;
          invertGrey(g, g, min, max);
          grey.writeSlices(s.z0, g);
        }
      }
    }
    // Stack normal and field of view (same detection as in memory, over slabs).
    const frame = await detectFrame((z0, z1) => grey.readSlices(z0, z1) as GreyArray, shape, { normal: options.normal, fieldOfView: options.fieldOfView, mask: options.mask }, slabSlices, backend);
    const normal = frame.normal;
    // masked lines are filled slab by slab where each lies within a slab: lines along z in the input
    // frame, lines along the stack normal (die wall, a rotation axis along the normal) in the working frame
    const fillAxis = frame.fill.detected && frame.near ? frame.fill.axis : null;
    if (fillAxis && fillAxis !== 'z' && fillAxis !== normal) throw new InputError(`the reconstruction field of view lies along ${fillAxis} and the stack normal along ${normal}; the streamed segmentation handles a field of view along z or along the stack normal only so far: raise --memory so it runs in memory`, source.path);
    const fillSlabs = (fill: typeof frame.fill) => {
      const buf = allocate(greyDtype, slabSlices * plane) as GreyArray;
      for (const s of planSlabs(nz, slabSlices, 0)) {
        const g = grey.readSlices(s.z0, s.z1, buf) as GreyArray;
        fillOutsideFieldOfView(g, s.z0, s.z1, shape, fill, frame.near!);
        grey.writeSlices(s.z0, g);
      }
    };
    if (fillAxis === 'z') fillSlabs(frame.fill);
    if (normal !== 'z') {
      const working = ScratchVolume.create(canonicalShape(inputShape, normal), greyDtype, scratch);
      created.push(working);
      track(n * gb);
      writeWorkingFrame(grey, working, normal, slabSlices);
      drop(grey);
      grey = working;
      shape = working.shape;
      [nz, ny, nx] = shape;
      plane = ny * nx;
      spacing = canonicalSpacing(inputSpacing ?? null, normal);
      fixed = fixedBytes(plane);
      slabSlices = planSlices();
      // a mask of lines along the normal indexes the working plane as it indexes the input one
      if (fillAxis === normal) fillSlabs({ ...frame.fill, axis: 'z' });
    }
    let labels = make('uint8');
    lap('prepare');

    // 1. Quick histogram, noise estimate → denoise choice.
    progress('histogram', 0, 1);
    const floatBins = options.floatBins ?? 4096;
    let store = new ScratchStore(grey, labels, slabSlices);
    // windows of a few million voxels are worth the workers (one bin table per task); thin ones are not
    const histogramOn = slabSlices * plane >= 1 << 22 ? backend : 'calling-thread';
    const quickHist = await fullHistogramOfSlabs((visit) => store.sweep({ grey: true }, (w) => visit(w.grey)), store.greyDtype, histogramOn, floatBins);
    const dn = denoiseDecision(mode, options, quickHist, (classOf, classes) =>
      estimateNoiseOfSlices((z) => grey.readSlices(z, z + 1) as GreyArray, shape, classOf, classes));
    lap('noise_estimate');
    // all cells but anode-free get a second pass on the scan itself (second-pass.ts): then the median goes to a copy
    const twoPass = secondPassAllowed(mode, options, dn.applied) && (await secondPassLikelyStreamed(backend, grey, slabSlices, options, method));
    let raw: ScratchVolume | null = null;

    // 2. Denoise slab by slab (window = slab + the filter's halo).
    progress('denoise', 0, 1);
    let denoiseSlices = slabSlices;
    if (dn.applied !== 'none') {
      const s = dn.sigma;
      const halo = dn.applied === 'median' ? 1 : (gaussianWeights(s).length - 1) / 2;
      const outDtype = dn.applied === 'median' ? greyDtype : 'float32';
      const ob = bytesPerVoxel(outDtype);
      // input window (shared), output window, gaussian temporary
      denoiseSlices = Math.max(1, Math.min(nz, Math.floor(ooc.slabSlices ?? slicesPerSlab(ooc.budgetBytes, plane * (gb + 2 * ob + 4 + BACKEND_BYTES_PER_WINDOW_VOXEL), nz, halo, fixed))));
      // Same type in and out (median): denoised in place, one scratch copy of the scan less on disk.
      // The slices below a window's interior were overwritten by the slabs before: their original
      // values are kept from the previous window (`below`: the `halo` slices under its top).
      const inPlace = outDtype === greyDtype && !twoPass;
      const work = inPlace ? grey : make(outDtype);
      const cap = Math.min(nz, denoiseSlices + 2 * halo) * plane;
      const inBuf = allocate(greyDtype, cap, true) as GreyArray;
      const outBuf = allocate(outDtype, cap, true) as GreyArray;
      const below = inPlace ? (allocate(greyDtype, halo * plane) as GreyArray) : null;
      let belowFrom = 0;
      const slabs = planSlabs(nz, denoiseSlices, halo);
      for (let k = 0; k < slabs.length; k++) {
        const { lo, hi, z0, z1 } = slabs[k];
        const m = (hi - lo) * plane;
        maxWindow = Math.max(maxWindow, m);
        const win = grey.readSlices(lo, hi, inBuf) as GreyArray;
        if (below && lo < z0) win.set(below.subarray((lo - belowFrom) * plane, (z0 - belowFrom) * plane) as ArrayLike<number>, 0);
        const wshape: Shape3 = [hi - lo, ny, nx];
        const out = dn.applied === 'median'
          ? await backend.median3(win, wshape, outBuf.subarray(0, m) as typeof win)
          : await backend.gaussian(win, wshape, [s, s, s], outBuf.subarray(0, m) as Float32Array);
        if (below) {
          belowFrom = Math.max(lo, z1 - halo); // a slab thinner than the halo: the window holds the originals below it too
          below.set(win.subarray((belowFrom - lo) * plane, (z1 - lo) * plane) as ArrayLike<number>);
        }
        work.writeSlices(z0, out.subarray((z0 - lo) * plane, (z1 - lo) * plane));
        progress('denoise', k + 1, slabs.length);
      }
      if (!inPlace) {
        if (twoPass) raw = grey;
        else drop(grey);
        grey = work;
      }
      store = new ScratchStore(grey, labels, slabSlices);
    }
    // the copy and denoise windows go before the phase passes allocate theirs
    collectGarbage();
    lap('denoise');
    progress('denoise', 1, 1);
    const denoise = denoiseReport(options, dn);

    // 3. Phases (same kernels as in memory, over slabs).
    let res = await segmentPhases({ store, spacing: spacing ?? null, backend, method, options, progress, lap, ccSlabSlices: slabSlices, changeChunkEntries: ooc.changeChunkEntries });
    if (raw && secondPassWanted(res.layout)) {
      // pass 2 (as in memory): Gaussian grey, phases again, pass 1's collector and outside kept
      const grey2 = make(greyDtype);
      // window: scan + float32 temporary and output of the Gaussian; interior: median, labels, pass-2 grey
      const halo = (gaussianWeights(SECOND_PASS_SIGMA).length - 1) / 2;
      const gSlices = Math.max(1, Math.min(nz, Math.floor(ooc.slabSlices ?? slicesPerSlab(ooc.budgetBytes, plane * (3 * gb + 8 + 1 + BACKEND_BYTES_PER_WINDOW_VOXEL), nz, halo, fixed))));
      maxWindow = Math.max(maxWindow, await secondPassGreyStreamed(backend, raw, grey, labels, grey2, gSlices));
      drop(raw);
      raw = null;
      const labels2 = make('uint8');
      const store2 = new ScratchStore(grey2, labels2, slabSlices);
      const res2 = await segmentPhases({ store: store2, spacing: spacing ?? null, backend, method, options, progress, lap: (name) => lap(`pass2_${name}`), ccSlabSlices: slabSlices, changeChunkEntries: ooc.changeChunkEntries });
      maxWindow = Math.max(maxWindow, store2.maxWindowVoxels);
      drop(grey2);
      const rejected = secondPassRejected(res, res2);
      if (rejected) {
        res.decisions.push(rejected);
        drop(labels2);
      } else {
        const { taken, changed } = mergeLabelsStreamed(labels2, labels, slabSlices);
        res2.decisions.push(secondPassDecision(changed, taken, n));
        drop(labels);
        labels = labels2;
        res = res2;
      }
      // the report and QC read the median grey, as for every other cell
      store = new ScratchStore(grey, labels, slabSlices);
    }
    if (raw) drop(raw);
    res.decisions.unshift(...frame.decisions);
    if (frame.fill.detected) {
      const buf = new Uint8Array(slabSlices * plane);
      for (const s of planSlabs(nz, slabSlices, 0)) {
        const l = labels.readSlices(s.z0, s.z1, buf) as Uint8Array;
        markOutside(frame, l, s.z0, s.z1);
        labels.writeSlices(s.z0, l);
      }
    }
    lap('cleanup');
    const report = await phasesReport({
      store, res, cleanup: emptyCleanupReport(minIsland, fillHoles), options, spacing: spacing ?? null, inputDtype: source.dtype, inverted, denoise, backend, timings,
      frame: { normal, source: frame.normalSource, fieldOfView: qcFieldOfView(frame.fov), inputShape, inputSpacing: inputSpacing ?? null },
    });
    drop(grey);
    let out = labels;
    if (normal !== 'z') {
      out = ScratchVolume.create(inputShape, 'uint8', scratch);
      created.push(out);
      track(n);
      writeInputFrame(labels, out, normal, inputSlabSlices);
      drop(labels);
      lap('input_frame');
    }
    timings.total = Object.entries(timings).reduce((a, [k, v]) => (k === 'total' ? a : a + v), 0);
    progress('done', 1, 1);
    created.splice(created.indexOf(out), 1);
    return {
      labels: out, report, slab_slices: slabSlices, denoise_slab_slices: denoiseSlices, scratch_bytes: scratchPeak,
      max_window_voxels: Math.max(maxWindow, store.maxWindowVoxels),
      peak_rss_mib_after_step: peakAfter,
    };
  } catch (err) {
    for (const v of created) v.discard();
    throw err;
  }
}
