/**
 * The headline numbers of a run folder as CSV columns, read from the stages' JSON documents (so they
 * are the numbers of manifest.json and report.html): `buried run` writes them as the one-row
 * `summary.csv` of the run folder, and `buried batch` puts the same columns in its summary.csv, one
 * row per scan, between the scan's outcome and how it ran.
 */
import path from 'node:path';
import { writeFileAtomically } from './atomic.js';
import { RUN_SUMMARY, type RunDocs, type StripRowDoc } from './run-folder.js';

export type Cell = string | number | null;

export interface RunColumn<T> {
  key: string;
  doc: string;
  get(s: T): Cell;
}

export const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const phaseOf = (s: RunDocs, name: string): number | null => {
  const names = s.segment?.phase_names ?? {};
  const code = Object.keys(names).find((k) => names[k] === name);
  return code === undefined ? null : num(s.segment?.phase_fractions?.[code]);
};
const near = (a: number, b: number) => Math.abs(a - b) < 1e-9;
/** 0.85 → '85pct', 0.125 → '12.5pct'. */
const pctKey = (f: number) => `${+(f * 100).toPrecision(6)}pct`;
const mpaKey = (p: number) => `${+p.toPrecision(6)}mpa`;

/** Active area fraction of the replay row at stripped fraction `f`, or null. */
export function activeAt(rows: StripRowDoc[] | undefined, f: number): number | null {
  const r = rows?.find((x) => near(x.stripped_fraction, f));
  return r ? num(r.active_fraction) : null;
}

/**
 * The measurement columns of run folders: shape and voxel size, Li inventory, thickness statistics,
 * roughness, penetration, phase fractions, contact, active area at the configured stripped
 * fractions, resistance and FEM contact. The active-area and FEM columns follow the fractions and
 * pressures the runs used (the union over `runs`).
 */
export function runColumns(runs: RunDocs[]): RunColumn<RunDocs>[] {
  const fractions = [...new Set(runs.flatMap((s) => s.stripping?.at ?? []))].sort((a, b) => a - b);
  const pressures = [...new Set(runs.flatMap((s) => (s.contact?.runs ?? []).map((r) => r.pressure_mpa)))].sort((a, b) => a - b);
  const hasCurrent = runs.some((s) => s.stripping?.current?.at_rows?.length);
  const cols: RunColumn<RunDocs>[] = [
    { key: 'shape', doc: 'volume shape nz×ny×nx (voxels)', get: (s) => (s.segment?.shape ? s.segment.shape.join('x') : null) },
    { key: 'voxel_um', doc: 'voxel size dz×dy×dx (µm)', get: (s) => (s.segment?.spacing_um ? s.segment.spacing_um.map((v) => +v.toPrecision(6)).join('x') : null) },
    { key: 'li_inventory_um', doc: 'Li inventory as an equivalent uniform Li thickness: mean Li thickness over the map (µm, sub-voxel refined; thickness.json mean_um)', get: (s) => num(s.thickness?.mean_um) },
    { key: 'li_inventory_mah_cm2', doc: 'Li inventory as areal capacity (mAh/cm², 4.85 µm per mAh/cm²; thickness.json mean_capacity_mah_cm2)', get: (s) => num(s.thickness?.mean_capacity_mah_cm2) },
    { key: 'li_volume_um3', doc: 'Li volume from the voxel count (µm³; segment.json li.volume_um3)', get: (s) => num(s.segment?.li?.volume_um3) },
    { key: 'li_voxel_mah_cm2', doc: 'areal capacity from the voxel count, without sub-voxel refinement (mAh/cm²; segment.json)', get: (s) => num(s.segment?.li?.areal_capacity_mah_cm2) },
    { key: 'map_area_mm2', doc: 'area of the thickness map (mm²)', get: (s) => num(s.thickness?.map?.area_mm2) },
    { key: 'thickness_mean_um', doc: 'Li thickness: mean over the map columns (µm)', get: (s) => num(s.thickness?.mean_um) },
    { key: 'thickness_std_um', doc: 'Li thickness: standard deviation (µm)', get: (s) => num(s.thickness?.std_um) },
    { key: 'thickness_min_um', doc: 'Li thickness: minimum (µm)', get: (s) => num(s.thickness?.min_um) },
    { key: 'thickness_p05_um', doc: 'Li thickness: 5th percentile (µm)', get: (s) => num(s.thickness?.p05_um) },
    { key: 'thickness_p50_um', doc: 'Li thickness: median (µm)', get: (s) => num(s.thickness?.p50_um) },
    { key: 'thickness_p95_um', doc: 'Li thickness: 95th percentile (µm)', get: (s) => num(s.thickness?.p95_um) },
    { key: 'thickness_max_um', doc: 'Li thickness: maximum (µm)', get: (s) => num(s.thickness?.max_um) },
    { key: 'thickness_zero_fraction', doc: 'fraction of map columns without Li', get: (s) => num(s.thickness?.zero_fraction) },
    { key: 'electrolyte_rq_um', doc: 'RMS roughness of the electrolyte surface (µm)', get: (s) => num(s.thickness?.roughness?.electrolyte_surface?.rq_um) },
    { key: 'li_top_rq_um', doc: 'RMS roughness of the Li top surface (µm)', get: (s) => num(s.thickness?.roughness?.li_top?.rq_um) },
    { key: 'penetration_max_um', doc: 'deepest Li penetration into the electrolyte (µm)', get: (s) => num(s.thickness?.penetration?.max_um) },
    { key: 'penetration_area_fraction', doc: 'map fraction with Li penetration', get: (s) => num(s.thickness?.penetration?.area_fraction) },
    { key: 'phase_void', doc: 'volume fraction of void/pore', get: (s) => phaseOf(s, 'void/pore') },
    { key: 'phase_li', doc: 'volume fraction of Li', get: (s) => phaseOf(s, 'Li') },
    { key: 'phase_electrolyte', doc: 'volume fraction of electrolyte', get: (s) => phaseOf(s, 'electrolyte') },
    { key: 'phase_collector', doc: 'volume fraction of current collector', get: (s) => phaseOf(s, 'collector') },
    { key: 'contact_fraction', doc: 'fraction of the electrolyte surface touched by Li (thickness/interface.json)', get: (s) => num(s.iface?.contact_fraction) },
    { key: 'electrolyte_depth_um', doc: 'mean electrolyte depth seen in the scan (µm)', get: (s) => num(s.iface?.electrolyte_depth_um) },
  ];
  for (const f of fractions)
    cols.push({ key: `active_uniform_${pctKey(f)}`, doc: `active (Li-covered) area fraction after stripping ${+(f * 100).toPrecision(6)} % of the Li, uniform-rate replay`, get: (s) => activeAt(s.stripping?.uniform?.at_rows, f) });
  if (hasCurrent)
    for (const f of fractions)
      cols.push({ key: `active_current_${pctKey(f)}`, doc: `active area fraction after stripping ${+(f * 100).toPrecision(6)} % of the Li, current-aware replay`, get: (s) => activeAt(s.stripping?.current?.at_rows ?? undefined, f) });
  cols.push(
    { key: 'resistance_ohm_cm2', doc: 'electrolyte + constriction resistance of the measured contact map (Ω·cm²; current stage)', get: (s) => num(s.current?.resistance_ohm_cm2) },
    { key: 'constriction_ohm_cm2', doc: 'constriction part of the resistance (Ω·cm²)', get: (s) => num(s.current?.constriction_ohm_cm2) },
    { key: 'current_p99', doc: '99th percentile of the local current density / nominal', get: (s) => num(s.current?.hotspots?.p99) },
  );
  for (const p of pressures)
    cols.push({ key: `fem_contact_${mpaKey(p)}`, doc: `contact fraction at the end of the hold at ${p} MPa (fem stage)`, get: (s) => num(s.contact?.runs?.find((r) => near(r.pressure_mpa, p))?.contact_fraction) });
  return cols;
}

function csvCell(v: Cell): string {
  if (v === null || v === undefined) return '';
  const t = String(v);
  return /[",\n\r]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
}

/** A header line of the column keys and one line per row (RFC 4180 quoting; empty cell for a missing number). */
export function csvTable<T>(rows: T[], columns: RunColumn<T>[]): string {
  const lines = [columns.map((c) => c.key).join(',')];
  for (const r of rows) lines.push(columns.map((c) => csvCell(c.get(r))).join(','));
  return `${lines.join('\n')}\n`;
}

/** What a run's summary.csv says about the run besides the measurements. */
export interface RunIdentity {
  /** The scan's name: its file name without extension (as `buried batch` names scan folders). */
  scan: string;
  /** The scan file (absolute path). */
  input: string;
}

/** The columns of a run folder's summary.csv: scan, input, input_sha256, the measurements, wall_seconds. */
export function runSummaryColumns(docs: RunDocs): RunColumn<RunDocs & RunIdentity>[] {
  return [
    { key: 'scan', doc: 'scan name (file name without extension)', get: (s) => s.scan },
    { key: 'input', doc: 'scan file (absolute path)', get: (s) => s.input },
    { key: 'input_sha256', doc: 'sha256 of the scan file', get: (s) => s.manifest?.input?.sha256 ?? null },
    ...runColumns([docs]),
    { key: 'wall_seconds', doc: 'wall time of the run (s; a re-run with every stage up to date takes a fraction of a second)', get: (s) => num(s.manifest?.wall_seconds) },
  ];
}

/** Write DIR/summary.csv (atomically): one header line and one row of the run's headline numbers. */
export async function writeRunSummary(dir: string, docs: RunDocs, identity: RunIdentity): Promise<string> {
  const file = path.join(dir, RUN_SUMMARY);
  await writeFileAtomically(file, csvTable([{ ...docs, ...identity }], runSummaryColumns(docs)));
  return file;
}
