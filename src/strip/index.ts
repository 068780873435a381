/**
 * Layer-by-layer stripping replay of a Li thickness map (S002 Fig 5e–g; physics.md §2.2, §5 item 4).
 *
 * stripUniform: exact uniform-rate curve (replay.ts) + island statistics for every step in one
 * union-find sweep (islands.ts). stripCurrent (current-mode.ts): each pixel strips at its local
 * current density from the 3D conduction solver. writeStripOutputs: stripping.csv/json/svg and
 * snapshot PNGs, all written atomically.
 */
import { memoryReport } from '../report/memory.js';
import path from 'node:path';
import { writeFileAtomically } from '../io/atomic.js';
import { sortMap, strippingCurve, type CurvePoint, type SortedMap, type StepMode } from './replay.js';
import { islandSweep } from './islands.js';
import { strippingChartSvg, type ChartSeries } from './chart.js';
import { snapshotPng } from './snapshot.js';
import { STRIP_FILES } from '../io/run-folder.js';

export { sortMap, strippingCurve, CurveWalker, directCurvePoint, type CurvePoint, type SortedMap, type StepMode } from './replay.js';
export { islandSweep, islandsBruteForce, type IslandStats } from './islands.js';
export { strippingChartSvg } from './chart.js';
export { snapshotPng, snapshotSvg, svgToPng, bundledFont } from './snapshot.js';
export { lognormalMap } from './synthetic.js';

/**
 * The anode-free stripping paper (S002 in /work/shared/docs/physics.md), as a reader cites it. The
 * stored text carries title and authors; journal, volume and DOI are the published record.
 */
export const S002_CITATION = {
  short: 'Lewis et al. 2023',
  full: 'J. A. Lewis, S. E. Sandoval, Y. Liu, D. L. Nelson, S. G. Yoon, … M. T. McDowell, “Accelerated Short Circuiting in Anode-Free Solid-State Batteries Driven by Local Lithium Depletion”, Adv. Energy Mater. 13, 2204186 (2023), doi:10.1002/aenm.202204186',
} as const;

/** Reference points of that paper's Fig 5e–f (physics.md §2.2). */
export const S002_REFERENCE = [
  { stripped_fraction: 0.64, active_fraction: 0.91, source: `${S002_CITATION.short}, Fig 5e` },
  { stripped_fraction: 0.85, active_fraction: 0.47, source: `${S002_CITATION.short}, Fig 5f (2.1× current)` },
] as const;

export const CSV_COLUMNS = [
  'step',
  'stripped_fraction',
  'active_fraction',
  'current_multiplier',
  'islands',
  'removed_depth_um',
  'largest_island_px',
  'median_island_px',
  'islands_ge_min',
] as const;

export interface StripRow {
  step: number;
  stripped_fraction: number;
  active_fraction: number;
  current_multiplier: number;
  islands: number;
  /** Uniformly removed depth (map units, µm for a thickness map). In current mode: mean removed depth over the map. */
  removed_depth_um: number;
  largest_island_px: number;
  median_island_px: number;
  islands_ge_min: number;
}

export interface StripOptions {
  /** Number of steps (rows = steps + 1, from 0 to full). Default 100. */
  steps?: number;
  /** Steps uniform in removed depth or in stripped fraction. Default 'fraction'. */
  by?: StepMode;
  /** Extra exact stripped fractions to report (e.g. [0.64, 0.85]). */
  at?: number[];
  /** Minimum island size (px) for islands_ge_min. Default 10. */
  minIslandPixels?: number;
}

export interface UniformStripResult {
  mode: 'uniform';
  rows: StripRow[];
  at_rows: StripRow[];
  summary: {
    map_pixels: number;
    masked_pixels: number;
    ny: number;
    nx: number;
    mean_thickness_um: number;
    max_thickness_um: number;
    initially_bare_fraction: number;
    steps: number;
    by: StepMode;
    min_island_px: number;
    s002_comparison: { stripped_fraction: number; active_fraction: number; paper_active_fraction: number; current_multiplier: number; source: string }[];
  };
  /** The sorted map (reused by snapshots and the current mode). */
  sorted: SortedMap;
}

function toRow(step: number, p: CurvePoint, isl: { islands: number; largest_island_px: number; median_island_px: number; islands_ge_min: number }): StripRow {
  return {
    step,
    stripped_fraction: p.stripped_fraction,
    active_fraction: p.active_fraction,
    current_multiplier: p.current_multiplier,
    islands: isl.islands,
    removed_depth_um: p.removed_depth,
    largest_island_px: isl.largest_island_px,
    median_island_px: isl.median_island_px,
    islands_ge_min: isl.islands_ge_min,
  };
}

/** Exact uniform-rate replay of thickness map `t` ([ny·nx], NaN/negative = masked). */
export function stripUniform(t: ArrayLike<number>, ny: number, nx: number, options: StripOptions = {}): UniformStripResult {
  if (t.length !== ny * nx) throw new RangeError(`map length ${t.length} ≠ ${ny}×${nx}`);
  const steps = options.steps ?? 100;
  const by = options.by ?? 'fraction';
  const minIsland = options.minIslandPixels ?? 10;
  const at = options.at ?? [];
  for (const f of at) if (!(f >= 0 && f <= 1)) throw new RangeError(`stripped fraction must be in [0, 1], got ${f}`);
  const sorted = sortMap(t);
  const refs = S002_REFERENCE.map((r) => r.stripped_fraction);
  const allAt = [...at, ...refs];
  const { points, isAt, atIndex } = strippingCurve(sorted, steps, by, allAt);
  const stats = islandSweep(sorted, ny, nx, points.map((p) => p.removed_depth), minIsland);
  const rows: StripRow[] = [];
  points.forEach((p, i) => {
    if (!isAt[i]) rows.push(toRow(rows.length, p, stats[i]));
  });
  const atRows = at.map((_, j) => {
    const i = atIndex[j];
    return toRow(j, points[i], stats[i]);
  });
  const s002 = S002_REFERENCE.map((r, j) => {
    const p = points[atIndex[at.length + j]];
    return {
      stripped_fraction: r.stripped_fraction,
      active_fraction: p.active_fraction,
      paper_active_fraction: r.active_fraction,
      current_multiplier: p.current_multiplier,
      source: r.source,
    };
  });
  const n = sorted.n;
  let zeros = 0;
  while (zeros < n && sorted.values[zeros] === 0) zeros++;
  return {
    mode: 'uniform',
    rows,
    at_rows: atRows,
    summary: {
      map_pixels: n,
      masked_pixels: sorted.masked,
      ny,
      nx,
      mean_thickness_um: n ? sorted.total / n : 0,
      max_thickness_um: n ? sorted.values[n - 1] : 0,
      initially_bare_fraction: n ? zeros / n : 0,
      steps,
      by,
      min_island_px: minIsland,
      s002_comparison: s002,
    },
    sorted,
  };
}

const csvNum = (v: number) => (Number.isFinite(v) ? (Number.isInteger(v) ? String(v) : v.toPrecision(12).replace(/\.?0+$/, '').replace(/\.?0+e/, 'e')) : v > 0 ? 'inf' : 'nan');

export function stripCsv(rows: StripRow[], extraColumns: string[] = []): string {
  const cols = [...CSV_COLUMNS, ...extraColumns];
  const lines = [cols.join(',')];
  for (const r of rows) lines.push(cols.map((c) => csvNum((r as unknown as Record<string, number>)[c])).join(','));
  return lines.join('\n') + '\n';
}

/** JSON-safe copy: Infinity → null. */
export function jsonSafe<T>(v: T): T {
  return JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x))) as T;
}

export interface SnapshotSpec {
  stripped_fraction: number;
  /** Remaining thickness per pixel (NaN outside the map). */
  remaining: Float32Array;
  active_fraction: number;
  voided?: Uint8Array;
  /** Pixel grid of `remaining` (may differ from the map's in current mode). */
  ny: number;
  nx: number;
  pixelUm: number | null;
  mode: string;
}

/** Remaining thickness after removing depth h uniformly. */
export function remainingAfter(t: ArrayLike<number>, h: number): Float32Array {
  const out = new Float32Array(t.length);
  for (let i = 0; i < t.length; i++) {
    const v = t[i];
    out[i] = v >= 0 ? Math.max(0, v - h) : NaN;
  }
  return out;
}

/** The largest remaining thickness over all snapshots (µm; 1 when none is positive). */
export function sharedSnapshotMax(snapshots: readonly { remaining: ArrayLike<number> }[]): number {
  let m = 0;
  for (const s of snapshots) for (let i = 0; i < s.remaining.length; i++) if (s.remaining[i] > m) m = s.remaining[i];
  return m > 0 ? m : 1;
}

export const snapshotName = (mode: string, f: number) => `snapshot_${mode}_${(f * 100).toFixed(1).replace(/\.0$/, '')}pct.png`;

/** Write stripping.csv/json/svg and the snapshots into `dir` (which must exist). */
export async function writeStripOutputs(
  dir: string,
  result: { json: unknown; csvRows: StripRow[]; csvExtra?: string[]; chart: ChartSeries[]; snapshots: SnapshotSpec[]; title: string; /** Shared colour-scale maximum of the snapshots (µm): the map's max; default the largest remaining over them. */ scaleMaxUm?: number },
): Promise<string[]> {
  const files: string[] = [];
  const put = async (name: string, data: string | Uint8Array) => {
    await writeFileAtomically(path.join(dir, name), data);
    files.push(name);
  };
  await put(STRIP_FILES.csv, stripCsv(result.csvRows, result.csvExtra));
  await put(STRIP_FILES.json, `${JSON.stringify(jsonSafe({ ...(result.json as object), memory: memoryReport() }), null, 2)}\n`);
  const refs = S002_REFERENCE.map((r) => ({ x: r.stripped_fraction, active: r.active_fraction, label: `${S002_CITATION.short}: ${Math.round(r.stripped_fraction * 100)}% → ${Math.round(r.active_fraction * 100)}%` }));
  await put(STRIP_FILES.figure, strippingChartSvg(result.chart, refs, result.title));
  // one colour scale for every snapshot, so panels compare (a per-panel maximum made 2 µm left look like 20)
  const vmax = result.scaleMaxUm !== undefined && result.scaleMaxUm > 0 ? result.scaleMaxUm : sharedSnapshotMax(result.snapshots);
  for (const s of result.snapshots) {
    const title = `${s.mode === 'current' ? 'current-aware' : s.mode}: ${(s.stripped_fraction * 100).toFixed(1)} % stripped`;
    const subtitle = `${(s.active_fraction * 100).toFixed(1)} % active, j ×${s.active_fraction > 0 ? (1 / s.active_fraction).toFixed(2) : '∞'}; colour 0 – ${+vmax.toPrecision(3)} µm (shared)`;
    await put(snapshotName(s.mode, s.stripped_fraction), snapshotPng({ remaining: s.remaining, ny: s.ny, nx: s.nx, title, subtitle, pixelUm: s.pixelUm, voided: s.voided, vmax }));
  }
  return files;
}
