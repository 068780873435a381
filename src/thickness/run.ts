/**
 * The thickness stage as one library call: open the labels (or take them from memory) and the
 * optional grey-level scan, measure every Li electrode in memory when it fits the budget or block by
 * block from disk when it does not (identical maps), and return the maps with the memory record.
 * `buried thickness` and the `thickness` stage of `buried run` both use it; outputs.ts writes the files.
 */
import { InputError } from '../io/errors.js';
import { openVolume, readVolume, type OpenOptions } from '../io/open.js';
import type { VolumeSource } from '../io/source.js';
import { bytesPerVoxel, type Shape3, type Spacing3, type Volume } from '../io/volume.js';
import { fitsInBudget } from '../compute/budget.js';
import { peakRssBytes } from '../report/memory.js';
import { electrodeMaps, type ElectrodeMapsOptions, type ElectrodeMapsResult } from './electrodes.js';
import { electrodeMapsFromSource, inMemoryMapBytes } from './out-of-core-map.js';
import { measureBand, type ThicknessBand } from './band.js';

export interface ThicknessInputs {
  /** The labels file (named in errors; opened unless `volume` is given). */
  labelsFile: string;
  labelsOpen?: OpenOptions;
  /** Labels already in memory (the run pipeline's segment stage): used as they are. */
  volume?: Volume | null;
  /** Grey-level scan for the sub-voxel refinement. */
  scanFile?: string | null;
  scanOpen?: OpenOptions;
  /**
   * Folder of a trainable segmentation's probability_<phase>.tif (opened like the labels): each
   * electrode is measured again at P(Li) ≥ 0.7 and ≥ 0.3 (band.ts). In memory only.
   */
  probabilitiesDir?: string | null;
}

export interface MeasureThicknessOptions extends Omit<ElectrodeMapsOptions, 'scan' | 'spacing'> {
  budgetBytes: number;
  /** Called once the labels are known not to fit the budget (before streaming). */
  onStream?: (shape: Shape3) => void;
  /** Progress of re-reading the scan in memory. */
  onReadScan?: (done: number, total: number) => void;
  /** Called before the scan is read into memory (the caller drops what it no longer needs). */
  beforeScanRead?: () => void;
}

export interface ThicknessMeasurement extends ElectrodeMapsResult {
  shape: Shape3;
  spacing: Spacing3 | null;
  memory: { peak_rss_bytes: number; budget_bytes: number; out_of_core: boolean; blocks: number };
  /** The uncertainty band (probabilities given and the labels measured in memory), else null. */
  band: ThicknessBand | null;
  /** Why probabilities were given but no band was measured. */
  bandSkipped: string | null;
  /** Plausibility warnings, one line each (an electrode measured in under half of its columns). */
  warnings: string[];
}

/** Below this fraction of measured columns an electrode's map is suspect (wrong normal, labels, crop). */
export const MIN_MEASURED_COLUMNS = 0.5;

/** One line per electrode whose map measures fewer than MIN_MEASURED_COLUMNS of its columns. */
export function measuredColumnWarnings(result: ElectrodeMapsResult): string[] {
  return result.electrodes.flatMap((e) => {
    const m = e.map.thickness.length;
    let n = 0;
    for (const v of e.map.thickness) if (Number.isFinite(v)) n++;
    if (n >= MIN_MEASURED_COLUMNS * m) return [];
    const who = result.electrodes.length > 1 ? `the ${e.name} electrode's ` : '';
    return [`${who}Li thickness is measured in only ${n} of ${m} columns (${((100 * n) / m).toFixed(1)} %, normal ${e.map.axis}${e.map.tilt_deg >= 0.05 ? ` tilted ${e.map.tilt_deg.toFixed(1)}°` : ''}): its numbers stand for a small part of the interface; check the normal and the labels`];
  });
}

export async function measureThickness(inputs: ThicknessInputs, options: MeasureThicknessOptions): Promise<ThicknessMeasurement> {
  const file = inputs.labelsFile;
  const cached = inputs.volume ?? null;
  const labelsSource: VolumeSource | null = cached ? null : await openVolume(file, inputs.labelsOpen ?? {});
  let scanSource: VolumeSource | null = null;
  try {
    const dtype = cached ? cached.dtype : labelsSource!.dtype;
    const shape = cached ? cached.shape : labelsSource!.shape;
    const spacing = cached ? cached.spacing : labelsSource!.spacing;
    if (dtype !== 'uint8') throw new InputError(`labels must be uint8 label codes (got ${dtype}); segment the scan first`, file);
    if (!spacing) throw new InputError('voxel size unknown (no spacing in the file): give --voxel UM or --voxel DZ,DY,DX', file);
    if (inputs.scanFile) {
      scanSource = await openVolume(inputs.scanFile, inputs.scanOpen ?? {});
      if (scanSource.shape.join(',') !== shape.join(',')) throw new InputError(`scan shape ${scanSource.shape.join('×')} differs from the labels' ${shape.join('×')}`, inputs.scanFile);
    }
    const stream = !cached && !fitsInBudget(inMemoryMapBytes(shape, scanSource ? bytesPerVoxel(scanSource.dtype) : 0), options.budgetBytes);
    const mapOptions = { ...options, spacing };
    let result: ElectrodeMapsResult;
    let blocks = 1;
    let band: ThicknessBand | null = null;
    let bandSkipped: string | null = null;
    if (stream) {
      options.onStream?.(shape);
      const r = await electrodeMapsFromSource(labelsSource!, { ...mapOptions, scan: scanSource });
      blocks = r.blocks;
      result = r;
      if (inputs.probabilitiesDir) bandSkipped = 'the labels were streamed from disk (over the memory budget); the uncertainty band is measured in memory only';
    } else {
      let labels: Volume | null = cached ?? (await readVolume(labelsSource!));
      let scan: Volume | null = null;
      if (scanSource) {
        options.beforeScanRead?.();
        scan = await readVolume(scanSource, { onProgress: options.onReadScan });
      }
      result = electrodeMaps(labels, { ...mapOptions, scan });
      // the same labels (relabelled in place, then restored) and scan, measured at both bounds
      if (inputs.probabilitiesDir) band = await measureBand(labels, inputs.probabilitiesDir, inputs.labelsOpen ?? {}, { ...mapOptions, scan }, result);
      labels = null;
      scan = null;
    }
    return { ...result, shape, spacing, memory: { peak_rss_bytes: peakRssBytes(), budget_bytes: options.budgetBytes, out_of_core: stream, blocks }, band, bandSkipped, warnings: measuredColumnWarnings(result) };
  } finally {
    await labelsSource?.close();
    await scanSource?.close();
  }
}
