/**
 * The segment stage as one library call: open the scan, segment it in memory when it fits the
 * budget or slab by slab through scratch files when it does not (identical labels), and write
 * labels.tif and segment.json (with the memory record). `buried segment` and the `segment` stage of
 * `buried run` both use it.
 */
import { openVolume, readVolume, type OpenOptions } from '../io/open.js';
import { namingFile, type InputWarning } from '../io/errors.js';
import { bytesPerVoxel, makeVolume, voxelCount, type DType, type Shape3, type Volume } from '../io/volume.js';
import type { ScratchVolume } from '../io/scratch-volume.js';
import { createBackend } from '../compute/index.js';
import type { BackendChoice } from '../compute/types.js';
import { fitsInBudget } from '../compute/budget.js';
import { memoryReport, type MemoryReport } from '../report/memory.js';
import { segment, segmentInMemoryBytes } from './index.js';
import { segmentOutOfCore } from './out-of-core.js';
import { writeSegmentation, writeSegmentationFromScratch, type SegmentationFiles } from './write.js';
import type { SegmentOptions, SegmentReport } from './types.js';

export interface SegmentScanOptions extends SegmentOptions {
  backend: BackendChoice;
  /** Worker threads of the cpu backend (default: its own choice). */
  workers?: number;
  budgetBytes: number;
  /** Notes for the user (backend fallbacks; streaming when there is no onStream). */
  onNote?: (message: string) => void;
  /** The scan does not fit the budget in memory: it is streamed by slabs. */
  onStream?: (shape: Shape3, dtype: DType) => void;
  /** The scan was opened: its warnings (and the caller's checks, which may throw). */
  onOpen?: (info: { shape: Shape3; dtype: DType; spacing: Volume['spacing']; warnings: InputWarning[] }) => void;
  /** Progress of reading the scan into memory. */
  onRead?: (done: number, total: number) => void;
  /** Progress of writing streamed labels. */
  onWrite?: (done: number, total: number) => void;
  /** Called after segmentation, before the outputs are written: the caller drops what it holds. */
  beforeWrite?: () => void;
  /** Keep the in-memory labels in the result (the run pipeline hands them to the thickness stage). */
  keepLabels?: boolean;
}

export type SegmentMemory = MemoryReport & {
  budget_bytes: number;
  out_of_core: boolean;
  slab_slices: number;
  denoise_slab_slices?: number;
  scratch_bytes?: number;
  max_window_voxels?: number;
  peak_rss_mib_after_step?: Record<string, number>;
};

export interface SegmentScanResult {
  report: SegmentReport & { input: string; memory: SegmentMemory };
  files: SegmentationFiles;
  /** The backend that ran. */
  backend: string;
  /** The labels with the scan's geometry when kept (in memory only). */
  labels: Volume | null;
}

/** Segment the scan `input` into `out` (labels.tif, segment.json). */
export async function segmentScan(input: string, open: OpenOptions, out: string, o: SegmentScanOptions): Promise<SegmentScanResult> {
  const { backend: choice, workers, budgetBytes, onNote, onStream, onOpen, onRead, onWrite, beforeWrite, keepLabels, ...options } = o;
  const source = await openVolume(input, open);
  const inputBytes = voxelCount(source.shape) * bytesPerVoxel(source.dtype);
  const stream = options.mode !== 'classes' && !fitsInBudget(segmentInMemoryBytes(source.shape, source.dtype), budgetBytes);
  const note = (m: string) => onNote?.(m);
  let closed = false;
  try {
    onOpen?.({ shape: source.shape, dtype: source.dtype, spacing: source.spacing, warnings: source.warnings });
    if (stream) {
      if (onStream) onStream(source.shape, source.dtype);
      else note(`${source.shape.join('×')} ${source.dtype} does not fit the memory budget in memory: streamed by slabs through scratch files`);
      const backend = await createBackend(choice, { bytesNeeded: 0, workers, onWarning: note });
      let labels: ScratchVolume | null = null;
      try {
        const r = await namingFile(source.path, segmentOutOfCore(source, backend, options, { budgetBytes }));
        labels = r.labels;
        const memory: SegmentMemory = { ...memoryReport(inputBytes), budget_bytes: budgetBytes, out_of_core: true, slab_slices: r.slab_slices, denoise_slab_slices: r.denoise_slab_slices, scratch_bytes: r.scratch_bytes, max_window_voxels: r.max_window_voxels, peak_rss_mib_after_step: r.peak_rss_mib_after_step };
        const report = { ...r.report, input: source.path, memory };
        beforeWrite?.();
        const files = await writeSegmentationFromScratch(out, labels, report, source.spacing, onWrite);
        return { report, files, backend: backend.description, labels: null };
      } finally {
        labels?.discard();
        await backend.dispose();
      }
    }
    let scan: Volume | null;
    try {
      // shared: the cpu backend's workers use the voxels without a copy
      scan = await readVolume(source, { shared: true, onProgress: onRead });
    } finally {
      await source.close();
      closed = true;
    }
    const backend = await createBackend(choice, { bytesNeeded: inputBytes * 2, workers, onWarning: note });
    try {
      const result = await namingFile(source.path, segment(scan, backend, options));
      const geometry = { shape: scan.shape, spacing: scan.spacing, origin: scan.origin };
      const memory: SegmentMemory = { ...memoryReport(inputBytes), budget_bytes: budgetBytes, out_of_core: false, slab_slices: scan.shape[0] };
      scan = null; // the (denoised) scan goes before the labels are written
      beforeWrite?.();
      const report = { ...result.report, input: source.path, memory };
      const files = await writeSegmentation(out, { ...result, report }, geometry);
      const labels = keepLabels ? makeVolume(result.labels, geometry.shape, report.spacing_um ?? geometry.spacing) : null;
      return { report, files, backend: backend.description, labels };
    } finally {
      await backend.dispose();
    }
  } finally {
    if (!closed) await source.close();
  }
}
