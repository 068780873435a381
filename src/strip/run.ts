/**
 * The stripping stage as one library call: uniform replay, optional current-aware replay, depletion
 * snapshots, chart series and the outputs (`stripping.csv/json/svg`, snapshot PNGs). `buried strip`
 * and the `strip` stage of `buried run` both use it.
 */
import path from 'node:path';
import { InputError } from '../io/errors.js';
import type { Volume } from '../io/volume.js';
import { writeFileAtomically } from '../io/atomic.js';
import { remainingAfter, stripCsv, stripUniform, writeStripOutputs, type SnapshotSpec, type StepMode, type StripRow, type UniformStripResult } from './index.js';
import { stripCurrent, CURRENT_EXTRA_COLUMNS, type CurrentStripResult } from './current-mode.js';
import type { ChartSeries } from './chart.js';

export const DEFAULT_SNAPSHOTS = [0.25, 0.5, 0.64, 0.85, 0.95];
export const STRIP_COLUMNS = ['step', 'stripped_fraction', 'active_fraction', 'current_multiplier', 'islands', 'removed_depth_um', 'largest_island_px', 'median_island_px', 'islands_ge_min'];

export interface StrippingOptions {
  uniform: boolean;
  current: boolean;
  steps: number;
  by: StepMode;
  /** Stripped fractions reported exactly (and snapshotted when `snapshots` is not given). */
  at: number[];
  snapshots?: number[];
  /** Islands of at least this many pixels count in islands_ge_min. */
  minIslandPixels: number;
  /** Current-aware mode: at most this many solves (the uniform steps are subsampled); all steps when absent. */
  currentSteps?: number;
  solveGrid: number;
  slabUm?: number;
  sigmaMsPerCm: number;
  jNominalMaCm2?: number;
  jVoidMaCm2?: number;
  /** Called when a phase starts ('uniform' | 'current'); returns the progress callback and a finisher. */
  /** The map's file (messages, stripping.json). */
  name?: string;
  onPhase?: (phase: 'uniform' | 'current') => { update(done: number, total: number): void; finish(note?: string): void };
}

export interface StrippingResult {
  uniform: UniformStripResult;
  current: CurrentStripResult | null;
  mode: 'uniform' | 'current' | 'both';
  files: string[];
  atRows: UniformStripResult['at_rows'] | CurrentStripResult['at_rows'];
}

/** stripping.json: the replay's summary, rows and requested fractions (with `memory` added on write). */
export interface StrippingJson {
  input: string;
  mode: 'uniform' | 'current' | 'both';
  columns: readonly string[];
  pixel_um: number | null;
  summary: UniformStripResult['summary'];
  uniform?: { rows: StripRow[]; at_rows: UniformStripResult['at_rows'] };
  at: number[];
  at_rows: UniformStripResult['at_rows'] | CurrentStripResult['at_rows'];
  current?: { rows: CurrentStripResult['rows']; at_rows: CurrentStripResult['at_rows']; grid: CurrentStripResult['grid']; summary: CurrentStripResult['summary'] };
  rows: StripRow[];
}

/** Subsample the stripped fractions to at most steps + 1 (first and last kept). */
export function currentFractions(all: number[], steps: number): number[] {
  if (all.length <= steps + 1) return all;
  const out: number[] = [];
  for (let i = 0; i <= steps; i++) out.push(all[Math.round((i * (all.length - 1)) / steps)]);
  return out;
}

/**
 * A map the replay can strip: at least one pixel inside the map (thickness ≥ 0; NaN and < 0 are
 * outside) and some Li on it (a thickness > 0). Throws an InputError naming `name` otherwise.
 */
export function checkStrippable(map: ArrayLike<number>, name?: string): void {
  let inside = 0;
  let li = 0;
  for (let i = 0; i < map.length; i++) {
    const t = map[i];
    if (t >= 0) inside++;
    if (t > 0) li++;
  }
  if (inside === 0) throw new InputError('the map has no pixels with a thickness ≥ 0 (nothing to strip)', name);
  if (li === 0) throw new InputError(`the map has no Li (all ${inside} pixels are 0 µm thick): nothing to strip`, name);
}

/**
 * The stripping stage: replay the Li thickness map `map` ([1, ny, nx], µm; NaN = masked) uniformly
 * and/or current-aware, and write its outputs into `out`. `o.name` names the map in messages and in
 * stripping.json.
 */
/**
 * Everything runStripping refuses, checked without writing: a single slice, the pixel size for the
 * current-aware replay, some Li to strip. The CLI calls it before it makes the output folder.
 */
export function checkStrippingInput(thicknessMap: Volume, o: Pick<StrippingOptions, 'current' | 'name'>): void {
  if (thicknessMap.shape[0] !== 1) throw new InputError(`thickness map must be a single slice [1, ny, nx], got ${thicknessMap.shape.join('×')}`, o.name);
  if (o.current && !thicknessMap.spacing) throw new InputError('current mode needs the pixel size: give --voxel UM', o.name);
  checkStrippable(thicknessMap.data as ArrayLike<number>, o.name);
}

export async function runStripping(thicknessMap: Volume, out: string, o: StrippingOptions): Promise<StrippingResult> {
  const input = o.name ?? 'thickness map';
  checkStrippingInput(thicknessMap, o);
  const [, ny, nx] = thicknessMap.shape;
  const map = thicknessMap.data instanceof Float32Array ? thicknessMap.data : Float32Array.from(thicknessMap.data as ArrayLike<number>);
  const pixelUm = thicknessMap.spacing ? thicknessMap.spacing[2] : null;
  const noop = { update() {}, finish() {} };
  const p1 = o.onPhase?.('uniform') ?? noop;
  const uni = stripUniform(map, ny, nx, { steps: o.steps, by: o.by, at: o.at, minIslandPixels: o.minIslandPixels });
  p1.finish(`${uni.rows.length} rows`);
  const snapFractions = o.snapshots ?? (o.at.length ? o.at : DEFAULT_SNAPSHOTS);
  const snapshots: SnapshotSpec[] = [];
  const chart: ChartSeries[] = [];
  if (o.uniform) {
    // exact depth for each snapshot fraction (reuse the replay's rows when they are the same fractions)
    const atRows = snapFractions === o.at ? uni.at_rows : stripUniform(map, ny, nx, { steps: 1, by: 'fraction', at: snapFractions, minIslandPixels: o.minIslandPixels }).at_rows;
    atRows.forEach((r, i) =>
      snapshots.push({ stripped_fraction: snapFractions[i], active_fraction: r.active_fraction, remaining: remainingAfter(map, r.removed_depth_um), ny, nx, pixelUm, mode: 'uniform' }),
    );
    chart.push({ label: 'uniform stripping', color: '#1f77b4', points: uni.rows.map((r) => ({ x: r.stripped_fraction, active: r.active_fraction, multiplier: r.current_multiplier })) });
  }
  let cur: CurrentStripResult | null = null;
  if (o.current) {
    if (!pixelUm) throw new InputError('current mode needs the pixel size: give --voxel UM', o.name);
    const p2 = o.onPhase?.('current') ?? noop;
    const all = uni.rows.map((r) => r.stripped_fraction);
    cur = stripCurrent(map, ny, nx, pixelUm, {
      fractions: o.currentSteps !== undefined ? currentFractions(all, o.currentSteps) : all,
      at: snapFractions,
      minIslandPixels: o.minIslandPixels,
      solveGrid: o.solveGrid,
      slabUm: o.slabUm,
      sigmaMsPerCm: o.sigmaMsPerCm,
      jNominalMaCm2: o.jNominalMaCm2,
      jVoidMaCm2: o.jVoidMaCm2,
      onStep: (d, t) => p2.update(d, t),
    });
    p2.finish(`${cur.summary.total_solves} solves, ${cur.summary.total_iterations} CG iterations`);
    const c = cur;
    c.at_rows.forEach((r, i) =>
      snapshots.push({
        stripped_fraction: r.stripped_fraction,
        active_fraction: r.active_fraction,
        remaining: c.at_states[i].remaining,
        voided: o.jVoidMaCm2 !== undefined ? c.at_states[i].voided : undefined,
        ny: c.grid.ny,
        nx: c.grid.nx,
        pixelUm: c.grid.pixel_um,
        mode: 'current',
      }),
    );
    chart.push({ label: `current-aware (${c.grid.ny}×${c.grid.nx} solve grid)`, color: '#ff7f0e', dashed: true, points: c.rows.map((r) => ({ x: r.stripped_fraction, active: r.active_fraction, multiplier: r.current_multiplier })) });
  }
  const mode = o.uniform && o.current ? 'both' : o.uniform ? 'uniform' : 'current';
  const csvRows: StripRow[] = o.uniform ? uni.rows : cur!.rows;
  const atRows = o.uniform ? uni.at_rows : cur!.at_rows;
  const json: StrippingJson = {
    input,
    mode,
    columns: STRIP_COLUMNS,
    pixel_um: pixelUm,
    summary: uni.summary,
    uniform: o.uniform ? { rows: uni.rows, at_rows: uni.at_rows } : undefined,
    at: o.at,
    at_rows: atRows,
    current: cur ? { rows: cur.rows, at_rows: cur.at_rows, grid: cur.grid, summary: cur.summary } : undefined,
    rows: csvRows,
  };
  const files = await writeStripOutputs(out, {
    json,
    csvRows,
    csvExtra: o.uniform ? [] : CURRENT_EXTRA_COLUMNS,
    chart,
    snapshots,
    title: 'Stripping replay: active area and current multiplier',
    // the snapshots share one scale: 0 … the thickest column of the map before stripping
    scaleMaxUm: map.reduce((m, v) => (v > m ? v : m), 0),
  });
  if (cur && o.uniform) {
    // stripping.csv holds the uniform rows when both ran; the current-aware rows get their own CSV
    await writeFileAtomically(path.join(out, 'stripping_current.csv'), stripCsv(cur.rows, CURRENT_EXTRA_COLUMNS));
    files.push('stripping_current.csv');
  }
  return { uniform: uni, current: cur, mode, files, atRows };
}
