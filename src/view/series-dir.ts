/**
 * A series folder (output of `buried series`: DIR/series.json, DIR/scan<k>/…) as the viewer's
 * frames: frame 0 is scan 0 itself (the file series.json names, and DIR/scan0/labels.tif), frame
 * k ≥ 1 the registered scan k in scan 0's frame (DIR/scan<k>/scan.tif, labels.tif) and its Li
 * thickness change from scan 0 (thickness_change_um.tif). Charge comes from series.json.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../io/errors.js';
import { recordedPath, type RunFiles } from './run-dir.js';

export interface SeriesFrame {
  index: number;
  /** Charge passed up to this scan (mAh/cm²), null when the series was registered without --charge. */
  charge_mah_cm2: number | null;
  /** The scan as given to `buried series`. */
  input: string;
  /** Absolute paths (null when absent). Frame 0's scan may lie outside the folder, like a run's input. */
  scan: string | null;
  labels: string | null;
  change: string | null;
}

export interface SeriesFolder {
  dir: string;
  file: string;
  /** method.kind of series.json. */
  transform: string;
  frames: SeriesFrame[];
}

/** `rel` inside `dir` when it is a regular file whose real path stays inside, else null. */
function inside(dir: string, rel: string): string | null {
  const p = path.join(dir, rel);
  try {
    const real = realpathSync(p);
    return real.startsWith(realpathSync(dir) + path.sep) && statSync(real).isFile() ? p : null;
  } catch {
    return null;
  }
}

interface SeriesDoc {
  scans?: unknown;
  scans_absolute?: unknown;
  method?: { kind?: unknown };
  transforms?: Array<{ index?: unknown; input?: unknown; charge_mah_cm2?: unknown }>;
}

/** The series in `dir`, or null when the folder has no series.json; a series.json that is not one is bad input. */
export function discoverSeries(dir: string): SeriesFolder | null {
  const abs = path.resolve(dir);
  const file = existsSync(abs) ? inside(abs, 'series.json') : null;
  if (!file) return null;
  let doc: SeriesDoc;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as SeriesDoc;
  } catch (e) {
    throw new InputError(`not a readable series.json (${(e as Error).message})`, file);
  }
  const scans = doc.scans;
  if (!Array.isArray(scans) || scans.length < 2 || !scans.every((s) => typeof s === 'string')) throw new InputError('series.json: "scans" must list at least two files', file);
  const transforms = Array.isArray(doc.transforms) ? doc.transforms : [];
  // a relative path is tried from the folder and the working directory first, then the one recorded at registration
  const absoluteScan0 = Array.isArray(doc.scans_absolute) && typeof doc.scans_absolute[0] === 'string' ? recordedPath(abs, doc.scans_absolute[0]) : null;
  const frames = (scans as string[]).map((input, k): SeriesFrame => {
    const charge = transforms.find((t) => t.index === k)?.charge_mah_cm2;
    return {
      index: k,
      charge_mah_cm2: typeof charge === 'number' && Number.isFinite(charge) ? charge : null,
      input,
      scan: k === 0 ? recordedPath(abs, input) ?? absoluteScan0 : inside(abs, `scan${k}/scan.tif`),
      labels: inside(abs, `scan${k}/labels.tif`),
      change: k === 0 ? null : inside(abs, `scan${k}/thickness_change_um.tif`),
    };
  });
  return { dir: abs, file, transform: typeof doc.method?.kind === 'string' ? doc.method.kind : 'rigid', frames };
}

/** A series folder's files as a run's: frame 0's scan (or the one --scan names) and labels, no stage outputs. */
export function seriesRunFiles(series: SeriesFolder, scan?: string): RunFiles {
  return {
    dir: series.dir,
    scan: scan ? path.resolve(scan) : series.frames[0].scan,
    labels: series.frames[0].labels,
    segment_json: null,
    thickness: null,
    surface_height: null,
    penetration: null,
    thickness_json: null,
    stripping_json: null,
    current_density: null,
    current_json: null,
    contact_json: null,
    contact_csv: null,
    profiles_csv: null,
    manifest: null,
  };
}
