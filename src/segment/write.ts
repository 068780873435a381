/** Outputs of `buried segment`: labels.tif (uint8, voxel size kept) and segment.json. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomically } from '../io/atomic.js';
import { createTiffWriter, writeTiff } from '../io/tiff/index.js';
import type { ScratchVolume } from '../io/scratch-volume.js';
import type { SegmentReport } from './types.js';
import { makeVolume, type Spacing3, type Volume } from '../io/volume.js';
import type { SegmentResult } from './types.js';
import type { ImportedLabelsReport } from './import-labels.js';
import { SEGMENT_FILES } from '../io/run-folder.js';
import { classLabelDisplay, phaseLabelDisplay } from '../io/label-lut.js';

/** The labels TIFF's description line: the code of each value. */
const LABEL_DESCRIPTION = (report: SegmentReport) => (report.mode === 'phases' ? '0:void,1:Li,2:electrolyte,3:collector,255:masked' : `classes 0..${report.classes - 1} by intensity`);
/** How labels.tif opens in Fiji: phase colours and range 0–5, or grey levels over 0..K−1 (label-lut.ts). */
const LABEL_DISPLAY = (report: SegmentReport) => (report.mode === 'phases' ? phaseLabelDisplay() : classLabelDisplay(report.classes));

/**
 * Deflate level of labels.tif. A label volume is a few codes in long runs: level 1 writes a 512³
 * phase segmentation in 0.25 s against 1.3 s at zlib's default 6, for 5.9 MB instead of 3.8 MB
 * (23× smaller than the raw labels either way).
 */
const LABELS_DEFLATE_LEVEL = 1;

export interface SegmentationFiles {
  labels: string;
  json: string;
}

/** Write `labels.tif` and `segment.json` into `dir` (created if missing), each atomically. */
export async function writeSegmentation(dir: string, result: SegmentResult, scanVolume: Pick<Volume, 'shape' | 'spacing' | 'origin'>): Promise<SegmentationFiles> {
  await fs.mkdir(dir, { recursive: true });
  const labelsPath = path.join(dir, SEGMENT_FILES.labels);
  const jsonPath = path.join(dir, SEGMENT_FILES.json);
  const spacing = result.report.spacing_um ?? scanVolume.spacing ?? null;
  const vol = makeVolume(result.labels, scanVolume.shape, spacing, { origin: scanVolume.origin });
  await writeTiff(labelsPath, vol, {
    compression: 'deflate',
    deflateLevel: LABELS_DEFLATE_LEVEL,
    description: { labels: LABEL_DESCRIPTION(result.report) },
    display: LABEL_DISPLAY(result.report),
  });
  await writeFileAtomically(jsonPath, JSON.stringify(result.report, null, 1) + '\n');
  return { labels: labelsPath, json: jsonPath };
}

/**
 * The out-of-core counterpart of writeSegmentation: labels streamed from a scratch volume to
 * `labels.tif` slab by slab (Deflate; BigTIFF past 4 GiB), then `segment.json`; same files as the
 * in-memory writer for the same labels.
 */
export async function writeSegmentationFromScratch(
  dir: string,
  labels: ScratchVolume,
  report: SegmentReport,
  spacing: Spacing3 | null,
  onProgress?: (done: number, total: number) => void,
): Promise<SegmentationFiles> {
  await fs.mkdir(dir, { recursive: true });
  const labelsPath = path.join(dir, SEGMENT_FILES.labels);
  const jsonPath = path.join(dir, SEGMENT_FILES.json);
  const [nz, ny, nx] = labels.shape;
  const writer = await createTiffWriter(labelsPath, { shape: labels.shape, dtype: 'uint8', spacing: report.spacing_um ?? spacing, compression: 'deflate', deflateLevel: LABELS_DEFLATE_LEVEL, description: { labels: LABEL_DESCRIPTION(report) }, display: LABEL_DISPLAY(report) });
  try {
    const step = Math.max(1, Math.min(nz, Math.floor((32 << 20) / (ny * nx))));
    const buf = new Uint8Array(step * ny * nx);
    for (let z = 0; z < nz; z += step) {
      const z1 = Math.min(nz, z + step);
      await writer.writeSlices(labels.readSlices(z, z1, buf));
      onProgress?.(z1, nz);
    }
    await writer.close();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  await writeFileAtomically(jsonPath, JSON.stringify(report, null, 1) + '\n');
  return { labels: labelsPath, json: jsonPath };
}

/** labels.tif and segment.json of imported labels (the same files the segmentation writes). */
export async function writeImportedLabels(dir: string, labels: Volume<Uint8Array>, report: ImportedLabelsReport): Promise<SegmentationFiles> {
  await fs.mkdir(dir, { recursive: true });
  const labelsPath = path.join(dir, SEGMENT_FILES.labels);
  const jsonPath = path.join(dir, SEGMENT_FILES.json);
  await writeTiff(labelsPath, labels, {
    compression: 'deflate',
    deflateLevel: LABELS_DEFLATE_LEVEL,
    description: { labels: '0:void,1:Li,2:electrolyte,3:collector,4:cathode,5:outside,255:masked', imported_from: report.source },
    display: phaseLabelDisplay(),
  });
  await writeFileAtomically(jsonPath, JSON.stringify(report, null, 1) + '\n');
  return { labels: labelsPath, json: jsonPath };
}
