/** Outputs of `buried segment`: labels.tif (uint8, voxel size kept) and segment.json. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomically } from '../io/atomic.js';
import { writeTiff } from '../io/tiff/index.js';
import { makeVolume, type Volume } from '../io/volume.js';
import type { SegmentResult } from './types.js';

export interface SegmentationFiles {
  labels: string;
  json: string;
}

/** Write `labels.tif` and `segment.json` into `dir` (created if missing), each atomically. */
export async function writeSegmentation(dir: string, result: SegmentResult, scanVolume: Pick<Volume, 'shape' | 'spacing' | 'origin'>): Promise<SegmentationFiles> {
  await fs.mkdir(dir, { recursive: true });
  const labelsPath = path.join(dir, 'labels.tif');
  const jsonPath = path.join(dir, 'segment.json');
  const spacing = result.report.spacing_um ?? scanVolume.spacing ?? null;
  const vol = makeVolume(result.labels, scanVolume.shape, spacing, { origin: scanVolume.origin });
  await writeTiff(labelsPath, vol, {
    compression: 'deflate',
    description: { labels: result.report.mode === 'phases' ? '0:void,1:Li,2:electrolyte,3:collector,255:masked' : `classes 0..${result.report.classes - 1} by intensity` },
  });
  await writeFileAtomically(jsonPath, JSON.stringify(result.report, null, 1) + '\n');
  return { labels: labelsPath, json: jsonPath };
}
