/**
 * The QC block of the segment stage's segment.json, for the run's --strict gate and the CLI
 * warning. Read from the file (not from memory) so a skipped, up-to-date segment stage is judged
 * exactly like one that just ran.
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import type { QcBlock } from '../segment/types.js';
import { SEGMENT_FILES } from '../io/run-folder.js';

/** segment.json's `qc`, or null when the file has none (classes mode, older runs) or cannot be read. */
export async function readSegmentQc(segmentDir: string): Promise<QcBlock | null> {
  try {
    const seg = JSON.parse(await fs.readFile(path.join(segmentDir, SEGMENT_FILES.json), 'utf8')) as { qc?: QcBlock | null };
    return seg.qc ?? null;
  } catch {
    return null;
  }
}

/** The run stops after the segment stage only when asked to (run.strict) and the confidence is low. */
export function stopsOnQc(qc: QcBlock | null, strict: boolean): boolean {
  return strict && qc?.confidence === 'low';
}

/** Li voxels (label 1) in segment.json (`li.voxels`), or null when the file has none or cannot be read. */
export async function readSegmentLiVoxels(segmentDir: string): Promise<number | null> {
  try {
    const seg = JSON.parse(await fs.readFile(path.join(segmentDir, SEGMENT_FILES.json), 'utf8')) as { li?: { voxels?: number } | null };
    return typeof seg.li?.voxels === 'number' ? seg.li.voxels : null;
  } catch {
    return null;
  }
}
