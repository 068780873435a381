/**
 * The segment stage as one library call: open the scan, segment it in memory when it fits the
 * budget or slab by slab through scratch files when it does not (identical labels), and write
 * labels.tif and segment.json (with the memory record). `buried segment` and the `segment` stage of
 * `buried run` both use it.
 */
import { openVolume, readVolume, type OpenOptions } from '../io/open.js';
import { resolveRoi } from '../io/roi.js';
import { namingFile, type InputWarning } from '../io/errors.js';
import { bytesPerVoxel, makeVolume, voxelCount, type DType, type Shape3, type Volume } from '../io/volume.js';
import type { ScratchVolume } from '../io/scratch-volume.js';
import { createBackend } from '../compute/index.js';
import { loadUserMask } from './mask.js';
import type { BackendChoice } from '../compute/types.js';
import { fitsInBudget } from '../compute/budget.js';
import { memoryReport, type MemoryReport } from '../report/memory.js';
import { segment, segmentInMemoryBytes } from './index.js';
import { segmentOutOfCore } from './out-of-core.js';
import { writeSegmentation, writeSegmentationFromScratch, type SegmentationFiles } from './write.js';
import type { SegmentOptions, SegmentReport } from './types.js';

export interface SegmentScanOptions extends Omit<SegmentOptions, 'liContrast' | 'backend' | 'mask'> {
  /** A mask slice (see mask.ts) in the frame of the volume as opened (after any --roi). */
  maskFile?: string | null;
  /** 'auto' (default): attenuation contrast, the inverted rendering when that gives a low QC verdict. */
  liContrast?: 'auto' | 'dark' | 'bright';
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

/** One segmentation of the scan, its labels held (in memory or in a scratch file) until written or discarded. */
interface Attempt {
  report: SegmentScanResult['report'];
  backend: string;
  write(out: string): Promise<SegmentationFiles>;
  labels: Volume | null;
  discard(): void;
}

async function segmentOnce(input: string, open: OpenOptions, o: SegmentScanOptions, liContrast: 'dark' | 'bright', first: boolean): Promise<Attempt> {
  const { backend: choice, workers, budgetBytes, onNote, onStream, onOpen, onRead, onWrite, beforeWrite, keepLabels, maskFile, ...rest } = o;
  const options: SegmentOptions = { ...rest, liContrast };
  const source = await openVolume(input, open);
  if (maskFile) {
    try {
      options.mask = await loadUserMask(maskFile, source.shape);
    } catch (e) {
      await source.close();
      throw e;
    }
  }
  const inputBytes = voxelCount(source.shape) * bytesPerVoxel(source.dtype);
  const stream = options.mode !== 'classes' && !fitsInBudget(segmentInMemoryBytes(source.shape, source.dtype), budgetBytes);
  const note = (m: string) => onNote?.(m);
  let closed = false;
  try {
    if (first) onOpen?.({ shape: source.shape, dtype: source.dtype, spacing: source.spacing, warnings: source.warnings });
    if (stream) {
      if (first && onStream) onStream(source.shape, source.dtype);
      else if (first) note(`${source.shape.join('×')} ${source.dtype} does not fit the memory budget in memory: streamed by slabs through scratch files`);
      const backend = await createBackend(choice, { bytesNeeded: 0, workers, onWarning: note });
      try {
        const r = await namingFile(source.path, segmentOutOfCore(source, { ...options, backend }, { budgetBytes }));
        const labels: ScratchVolume = r.labels;
        const memory: SegmentMemory = { ...memoryReport(inputBytes), budget_bytes: budgetBytes, out_of_core: true, slab_slices: r.slab_slices, denoise_slab_slices: r.denoise_slab_slices, scratch_bytes: r.scratch_bytes, max_window_voxels: r.max_window_voxels, peak_rss_mib_after_step: r.peak_rss_mib_after_step };
        const report = { ...r.report, input: source.path, memory };
        const spacing = source.spacing;
        return {
          report, backend: backend.description, labels: null,
          write: async (out) => {
            beforeWrite?.();
            try {
              return await writeSegmentationFromScratch(out, labels, report, spacing, onWrite);
            } finally {
              labels.discard();
            }
          },
          discard: () => labels.discard(),
        };
      } finally {
        await backend.dispose();
      }
    }
    let scan: Volume | null;
    try {
      // shared: the cpu backend's workers use the voxels without a copy
      scan = await readVolume(source, { shared: true, onProgress: first ? onRead : undefined });
    } finally {
      await source.close();
      closed = true;
    }
    const backend = await createBackend(choice, { bytesNeeded: inputBytes * 2, workers, onWarning: note });
    try {
      const result = await namingFile(source.path, segment(scan, { ...options, backend }));
      const geometry = { shape: scan.shape, spacing: scan.spacing, origin: scan.origin };
      const memory: SegmentMemory = { ...memoryReport(inputBytes), budget_bytes: budgetBytes, out_of_core: false, slab_slices: scan.shape[0] };
      scan = null; // the (denoised) scan goes before the labels are written
      const report = { ...result.report, input: source.path, memory };
      const labels = keepLabels ? makeVolume(result.labels, geometry.shape, report.spacing_um ?? geometry.spacing) : null;
      return {
        report, backend: backend.description, labels,
        write: async (out) => {
          beforeWrite?.();
          return writeSegmentation(out, { ...result, report }, geometry);
        },
        discard: () => {},
      };
    } finally {
      await backend.dispose();
    }
  } finally {
    if (!closed) await source.close();
  }
}

/**
 * Whether `--li-contrast auto` reads the scan again inverted after this attenuation-contrast
 * reading: its QC verdict is low, by a failure an inverted grey scale causes — two phases that
 * merely sit close in grey (a separation check) fail the same way either way up.
 */
export function invertedReadingWorthTrying(report: SegmentReport): boolean {
  if (report.qc?.confidence !== 'low') return false;
  return report.qc.checks.some((c) => !c.ok && c.severity === 'error' && !c.name.startsWith('separation_'));
}

/**
 * Segment the scan `input` into `out` (labels.tif, segment.json). Li contrast 'auto' (phase mode):
 * attenuation contrast (Li darker than the electrolyte) first; when its QC verdict is low the scan is
 * segmented again as an inverted rendering (Li brighter), which is kept only if its verdict is high.
 * Both verdicts are recorded as the first decision. The retry re-reads the scan (the first pass may
 * have denoised it in place) and holds the first labels meanwhile (1 byte per voxel).
 */
export async function segmentScan(input: string, open: OpenOptions, out: string, o: SegmentScanOptions): Promise<SegmentScanResult> {
  const requested = o.liContrast ?? 'auto';
  const auto = requested === 'auto' && o.mode !== 'classes';
  let chosen = await segmentOnce(input, open, o, requested === 'bright' ? 'bright' : 'dark', true);
  if (auto) {
    const verdict = (a: Attempt) => ({ confidence: a.report.qc?.confidence ?? null, warnings: a.report.qc?.warnings ?? [] });
    const dark = verdict(chosen);
    let decision = dark.confidence === 'low'
      ? 'Li darker than the electrolyte kept: only the grey separation of two phases failed, which an inverted reading does not change'
      : 'Li darker than the electrolyte (attenuation contrast): the QC verdict is high';
    let bright: ReturnType<typeof verdict> | null = null;
    if (invertedReadingWorthTrying(chosen.report)) {
      o.onNote?.('the segmentation as attenuation contrast (Li darker than the electrolyte) has low confidence: trying an inverted rendering (Li brighter)');
      const second = await segmentOnce(input, open, o, 'bright', false);
      bright = verdict(second);
      if (bright.confidence === 'high') {
        chosen.discard();
        chosen = second;
        decision = 'Li brighter than the electrolyte (inverted rendering): as attenuation contrast the QC verdict was low, inverted it is high';
      } else {
        second.discard();
        decision = 'Li darker than the electrolyte kept: the QC verdict is low both as attenuation contrast and inverted (see the QC warnings)';
      }
    }
    chosen.report.decisions.unshift({ step: 'li contrast', decision, evidence: { requested: 'auto', dark, bright } });
  }
  if (open.roi) await checkRegionAlongNormal(input, open, chosen.report);
  const files = await chosen.write(out);
  return { report: chosen.report, files, backend: chosen.backend, labels: chosen.labels };
}

/**
 * A region (--roi) that cuts the stack along its normal hides layers from the layout decisions: a
 * crop that leaves out the electrolyte makes the steel plunger the brightest phase left, and it was
 * labelled electrolyte with the QC verdict high. What is outside the box cannot be checked, so the
 * verdict says so: a QC error (confidence low) naming the cut. Lateral crops are not affected.
 */
async function checkRegionAlongNormal(input: string, open: OpenOptions, report: SegmentReport): Promise<void> {
  const qc = report.qc;
  if (!qc || !open.roi) return;
  const full = await openVolume(input, { ...open, roi: undefined });
  await full.close();
  const box = resolveRoi(open.roi, full.shape, full.spacing, input);
  const a = ['z', 'y', 'x'].indexOf(qc.layout.normal_axis);
  const [s, e] = box[a], n = full.shape[a];
  const ok = s === 0 && e === n;
  qc.checks.push({
    name: 'region_along_normal', ok, severity: 'error', value: `${qc.layout.normal_axis} ${s}:${e} of 0:${n}`, limit: 'the whole stack along its normal',
    message: ok
      ? `the region spans the whole stack along its normal (${qc.layout.normal_axis})`
      : `the region (--roi) cuts the stack along its normal (${qc.layout.normal_axis} ${s}:${e} of 0:${n}): a layer outside it cannot be seen, so the phases were judged on part of the stack; check the labels, or crop only across ${qc.layout.normal_axis}`,
  });
  if (!ok) {
    qc.warnings.push(qc.checks[qc.checks.length - 1].message);
    qc.confidence = 'low';
  }
}
