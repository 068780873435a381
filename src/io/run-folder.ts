/**
 * The run folder of `buried run` (and the output folders of the single commands): every file name,
 * where it lies, and typed readers for the JSON documents other parts read back (the report, the
 * batch summary, the viewer server, later stages). Writers and readers both take names from here,
 * so they cannot drift apart (they did: `fem/profile.csv` vs `profiles.csv`, issue #17).
 *
 * Layout: DIR/manifest.json, DIR/report.html, DIR/summary.csv, DIR/figures/, and one folder per stage. A cell with
 * two Li electrodes adds the far electrode's files with the suffix `_far` in thickness/, and its
 * replay and current solve in strip/far/ and current/far/.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

export const RUN_MANIFEST = 'manifest.json';
export const RUN_REPORT = 'report.html';
export const RUN_FIGURES = 'figures';
export const RUN_LOG = 'run.log';
/** One row of the run's headline numbers (io/run-summary.ts). */
export const RUN_SUMMARY = 'summary.csv';

/** Stage folders of a run. */
export const STAGE_DIRS = { segment: 'segment', thickness: 'thickness', pores: 'pores', strip: 'strip', current: 'current', fem: 'fem' } as const;
export type RunStage = keyof typeof STAGE_DIRS;

export const SEGMENT_FILES = { labels: 'labels.tif', json: 'segment.json' } as const;

/** The trainable segmentation's phase names in its file names (probability_<name>.tif), by label code. */
export const PROBABILITY_PHASES: Readonly<Record<number, string>> = { 0: 'void', 1: 'li', 2: 'electrolyte', 3: 'collector', 4: 'cathode', 5: 'outside' };
/** probability_<phase>.tif (uint8, P × 255) and uncertainty.tif (uint8, (1 − max P) × 255) of a trainable segmentation. */
export const probabilityFile = (code: number) => `probability_${PROBABILITY_PHASES[code]}.tif`;
export const UNCERTAINTY_FILE = 'uncertainty.tif';

/** Per-column Li thickness maps of the uncertainty band (thickness stage, trainable labels): Li as P(Li) ≥ 0.7 and ≥ 0.3. */
export function thicknessBandFiles(suffix = '') {
  return { p70: `thickness${suffix}_p70_um.tif`, p30: `thickness${suffix}_p30_um.tif` } as const;
}

/** Thickness-stage files of one electrode: `suffix` '' for the near (or only) electrode, '_far' for the far one. */
export function thicknessFiles(suffix = '') {
  return {
    map: `thickness${suffix}_um.tif`,
    penetration: `penetration${suffix}_um.tif`,
    surface: `surface_height${suffix}_um.tif`,
    liTop: `li_top_height${suffix}_um.tif`,
    contact: `contact${suffix}.tif`,
    json: `thickness${suffix}.json`,
    figure: `thickness${suffix}.svg`,
    figurePng: `thickness${suffix}.png`,
    histogram: `thickness_histogram${suffix}.svg`,
    histogramPng: `thickness_histogram${suffix}.png`,
  } as const;
}
/** Thickness-stage files shared by the electrodes. */
export const THICKNESS_FILES = { ...thicknessFiles(), interface: 'interface.json' } as const;

/** Pores-stage files (electrolyte microstructure); `penetration(name)` per Li side (near, far or anode). */
export const PORES_FILES = {
  json: 'pores.json',
  profile: 'porosity_profile.svg',
  profilePng: 'porosity_profile.png',
  sizes: 'pore_sizes.svg',
  sizesPng: 'pore_sizes.png',
  flux: 'flux_inlet.tif',
  penetration: (name: string) => `li_penetration_${name}_um.tif`,
  penetrationFigure: (name: string) => `li_penetration_${name}.svg`,
  penetrationPng: (name: string) => `li_penetration_${name}.png`,
} as const;

export const STRIP_FILES = { csv: 'stripping.csv', json: 'stripping.json', figure: 'stripping.svg' } as const;

export const CURRENT_FILES = {
  json: 'current.json',
  density: 'current_density.tif',
  solveGrid: 'contact_solve_grid.tif',
  figure: 'current_density.svg',
  figurePng: 'current_density.png',
} as const;

export const FEM_FILES = { json: 'contact.json', csv: 'contact.csv', profiles: 'profiles.csv', profile: 'profile.csv', papers: 'papers.json' } as const;

/** Path of `file` in the `stage` folder of the run folder `dir`. */
export function runFile(dir: string, stage: RunStage, file: string): string {
  return path.join(dir, STAGE_DIRS[stage], file);
}

// ───────────────────────────────────────── typed documents (the fields read back)

export interface SegmentDoc {
  shape?: number[];
  spacing_um?: number[] | null;
  input_dtype?: string;
  phase_fractions?: Record<string, number>;
  phase_names?: Record<string, string>;
  li?: { volume_um3?: number; map_area_um2?: number; mean_thickness_um?: number; areal_capacity_mah_cm2?: number } | null;
  qc?: { confidence?: string; layout?: { name?: string } } | null;
}
export interface ThicknessDoc {
  mean_um?: number;
  std_um?: number;
  min_um?: number;
  max_um?: number;
  p05_um?: number;
  p50_um?: number;
  p95_um?: number;
  zero_fraction?: number;
  mean_capacity_mah_cm2?: number;
  roughness?: { electrolyte_surface?: { rq_um?: number }; li_top?: { rq_um?: number } };
  penetration?: { max_um?: number; area_fraction?: number };
  histogram?: { edges: number[]; counts: number[] };
  map?: { area_mm2?: number };
}
export interface InterfaceDoc {
  contact_fraction?: number;
  electrolyte_depth_um?: number;
  li_side?: 'low' | 'high';
  electrodes?: Record<string, { electrolyte_depth_um: number; contact_fraction?: number }>;
}
export interface StripRowDoc {
  stripped_fraction: number;
  active_fraction: number;
}
export interface StrippingDoc {
  at?: number[];
  uniform?: { rows?: StripRowDoc[]; at_rows?: StripRowDoc[] };
  current?: { rows?: StripRowDoc[]; at_rows?: StripRowDoc[] } | null;
}
export interface CurrentDoc {
  resistance_ohm_cm2?: number;
  constriction_ohm_cm2?: number;
  contact_fraction?: number;
  hotspots?: { p99?: number };
}
export interface ContactDoc {
  runs?: { pressure_mpa: number; contact_fraction: number }[];
}
export interface ManifestDoc {
  wall_seconds?: number;
  input?: { sha256?: string };
  stages?: { stage: string }[];
}

/** A JSON document, or null when the file is missing or unreadable (a stage that did not run). */
export async function readJsonIf<T>(file: string): Promise<T | null> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** The JSON documents of a run folder (null where a stage did not run). */
export interface RunDocs {
  manifest: ManifestDoc | null;
  segment: SegmentDoc | null;
  thickness: ThicknessDoc | null;
  iface: InterfaceDoc | null;
  stripping: StrippingDoc | null;
  current: CurrentDoc | null;
  contact: ContactDoc | null;
}

/** Read a run folder's documents (null where a stage did not run). */
export async function readRunDocs(dir: string): Promise<RunDocs> {
  const [manifest, segment, thickness, iface, stripping, current, contact] = await Promise.all([
    readJsonIf<ManifestDoc>(path.join(dir, RUN_MANIFEST)),
    readJsonIf<SegmentDoc>(runFile(dir, 'segment', SEGMENT_FILES.json)),
    readJsonIf<ThicknessDoc>(runFile(dir, 'thickness', THICKNESS_FILES.json)),
    readJsonIf<InterfaceDoc>(runFile(dir, 'thickness', THICKNESS_FILES.interface)),
    readJsonIf<StrippingDoc>(runFile(dir, 'strip', STRIP_FILES.json)),
    readJsonIf<CurrentDoc>(runFile(dir, 'current', CURRENT_FILES.json)),
    readJsonIf<ContactDoc>(runFile(dir, 'fem', FEM_FILES.json)),
  ]);
  return { manifest, segment, thickness, iface, stripping, current, contact };
}
