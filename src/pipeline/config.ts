/**
 * The configuration of `buried run`: ONE schema (sections per stage, every field with a default,
 * a validator, a flag and a line of documentation). Sources, later wins:
 *   defaults  <  --config FILE (JSON or YAML)  <  --set section.key=value  <  --section-key flags.
 * Errors are InputErrors naming the key (`config: unknown key 'segment.methd'`,
 * `config: segment.method must be one of otsu, gmm, got 'x'`), so the CLI exits 2.
 */
import { promises as fs } from 'node:fs';
import { InputError } from '../io/errors.js';
import { parseMemory } from '../compute/budget.js';
import { parseLabelMap } from '../segment/import-labels.js';
import { parseRoi } from '../io/roi.js';
import { LI_MATERIAL_DEFAULTS as LI } from '../fem/li-material.js';
import { LPSCL_DEFAULTS } from '../fem/material.js';

/** A field of the schema: default, validator of a file value, parser of a flag string. */
export interface Field<T> {
  default: T;
  doc: string;
  /** Human description of the allowed values (used in messages and --help). */
  allowed: string;
  /** Validate a value from a file (already typed by JSON/YAML); throw a message (without the key) when bad. */
  check(value: unknown): T;
  /** Parse a flag / --set string. */
  parse(text: string): T;
}

class FieldError extends Error {
  constructor(readonly allowed: string, value: unknown) {
    super(`must be ${allowed}, got '${show(value)}'`);
  }
}

const show = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
const bad = (allowed: string, v: unknown): never => {
  throw new FieldError(allowed, v);
};

/** 'auto' or a count (written as a number or a string in the config, as text on the command line). */
function autoOrCountField<N extends number>(counts: readonly N[], doc: string): Field<'auto' | N> {
  const allowed = `auto or one of ${counts.join(', ')}`;
  const check = (v: unknown): 'auto' | N => {
    if (v === 'auto') return 'auto';
    const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
    return (counts as readonly unknown[]).includes(n) ? (n as N) : bad(allowed, v);
  };
  return { default: 'auto', doc, allowed, check, parse: check };
}

function enumField<T extends string>(values: readonly T[], def: T, doc: string): Field<T> {
  const allowed = `one of ${values.join(', ')}`;
  const check = (v: unknown) => ((values as readonly unknown[]).includes(v) ? (v as T) : bad(allowed, v));
  return { default: def, doc, allowed, check, parse: check };
}

interface NumRange { min?: number; max?: number; exclusiveMin?: boolean; integer?: boolean }

function rangeText(r: NumRange): string {
  const what = r.integer ? 'an integer' : 'a number';
  if (r.min !== undefined && r.max !== undefined) return `${what} in ${r.min}…${r.max}`;
  if (r.min !== undefined) return r.exclusiveMin ? (r.min === 0 ? `a positive ${r.integer ? 'integer' : 'number'}` : `${what} > ${r.min}`) : `${what} ≥ ${r.min}`;
  return what;
}

function checkNumber(v: unknown, r: NumRange, allowed: string): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!Number.isFinite(n)) return bad(allowed, v);
  if (r.integer && !Number.isInteger(n)) return bad(allowed, v);
  if (r.min !== undefined && (r.exclusiveMin ? !(n > r.min) : !(n >= r.min))) return bad(allowed, v);
  if (r.max !== undefined && !(n <= r.max)) return bad(allowed, v);
  return n;
}

function numField(r: NumRange, def: number, doc: string): Field<number> {
  const allowed = rangeText(r);
  const check = (v: unknown) => (typeof v === 'number' ? checkNumber(v, r, allowed) : bad(allowed, v));
  return { default: def, doc, allowed, check, parse: (t) => checkNumber(t, r, allowed) };
}

/** null or a number (flag: 'null'/'none'/'auto' for null when `nullWord` is given). */
function optNumField(r: NumRange, def: number | null, doc: string, nullWord = 'null'): Field<number | null> {
  const allowed = `${rangeText(r)} or ${nullWord}`;
  const check = (v: unknown) => (v === null || v === nullWord ? null : typeof v === 'number' ? checkNumber(v, r, allowed) : bad(allowed, v));
  return { default: def, doc, allowed, check, parse: (t) => (t === 'null' || t === 'none' || t === nullWord ? null : checkNumber(t, r, allowed)) };
}

function boolField(def: boolean, doc: string): Field<boolean> {
  const allowed = 'true or false';
  const parse = (t: string) => (['true', 'yes', '1', 'on'].includes(t) ? true : ['false', 'no', '0', 'off'].includes(t) ? false : bad(allowed, t));
  return { default: def, doc, allowed, check: (v) => (typeof v === 'boolean' ? v : bad(allowed, v)), parse };
}

function numListField(r: NumRange, def: number[], doc: string, opts: { minLength?: number; increasing?: boolean } = {}): Field<number[]> {
  const allowed = `a list of ${rangeText(r).replace(/^an? /, '')}s${opts.increasing ? ', increasing' : ''}${opts.minLength ? ` (at least ${opts.minLength})` : ''}`;
  const check = (v: unknown): number[] => {
    if (!Array.isArray(v)) return bad(allowed, v);
    if (v.length < (opts.minLength ?? 0)) return bad(allowed, v);
    const out = v.map((x) => (typeof x === 'number' ? checkNumber(x, r, allowed) : bad(allowed, v)));
    if (opts.increasing) for (let i = 1; i < out.length; i++) if (!(out[i] > out[i - 1])) return bad(allowed, v);
    return out;
  };
  const parse = (t: string) => check(t.trim() === '' ? [] : t.split(',').map((s) => (s.trim() === '' ? NaN : Number(s.trim()))).map((x) => (Number.isFinite(x) ? x : bad(allowed, t))));
  return { default: def, doc, allowed, check, parse };
}

function enumListField<T extends string>(values: readonly T[], def: T[], doc: string): Field<T[]> {
  const allowed = `a non-empty list of ${values.join(', ')}`;
  const check = (v: unknown): T[] => {
    if (!Array.isArray(v) || v.length === 0 || v.some((x) => !(values as readonly unknown[]).includes(x))) return bad(allowed, v);
    return [...new Set(v as T[])];
  };
  return { default: def, doc, allowed, check, parse: (t) => check(t.split(',').map((s) => s.trim())) };
}

function optStringField(def: string | null, doc: string): Field<string | null> {
  const allowed = 'a string or null';
  return { default: def, doc, allowed, check: (v) => (v === null || typeof v === 'string' ? v : bad(allowed, v)), parse: (t) => t };
}

/** Memory budget: null (a fraction of the available RAM) or a size such as '8G' (kept as written). */
function memoryField(doc: string): Field<string | null> {
  const allowed = "null or a size such as 8G, 512M, 1.5GiB (at least 64M)";
  const check = (v: unknown): string | null => {
    if (v === null) return null;
    if (typeof v !== 'string' && typeof v !== 'number') return bad(allowed, v);
    try {
      parseMemory(String(v));
    } catch {
      return bad(allowed, v);
    }
    return String(v);
  };
  return { default: null, doc, allowed, check, parse: (t) => (t === 'null' || t === 'auto' ? null : check(t)) };
}

/** Voxel size override: null (from the file), one number (isotropic) or [dz, dy, dx]. */
function voxelField(doc: string): Field<number[] | null> {
  const allowed = 'a positive number (µm), a list [dz, dy, dx] or null';
  const check = (v: unknown): number[] | null => {
    if (v === null) return null;
    const list = typeof v === 'number' ? [v, v, v] : Array.isArray(v) && v.length === 3 ? v : null;
    if (!list || list.some((x) => typeof x !== 'number' || !(x > 0) || !Number.isFinite(x))) return bad(allowed, v);
    return list as number[];
  };
  const parse = (t: string) => (t === 'null' || t === 'none' ? null : check(t.includes(',') ? t.split(',').map(Number) : Number(t)));
  return { default: null, doc, allowed, check, parse };
}

/** Row of the surface height map: 'middle' or a row index. */
function rowField(doc: string): Field<number | 'middle'> {
  const allowed = "'middle' or an integer ≥ 0";
  const check = (v: unknown) => (v === 'middle' ? 'middle' : typeof v === 'number' || typeof v === 'string' ? (checkNumber(v, { min: 0, integer: true }, allowed) as number) : bad(allowed, v));
  return { default: 'middle', doc, allowed, check, parse: check };
}

/** 'auto' or a positive number. */
function autoNumField(doc: string, def: number | 'auto' = 'auto'): Field<number | 'auto'> {
  const allowed = "'auto' or a positive number";
  const check = (v: unknown) => (v === 'auto' ? 'auto' : typeof v === 'number' || typeof v === 'string' ? checkNumber(v, { min: 0, exclusiveMin: true }, allowed) : bad(allowed, v));
  return { default: def, doc, allowed, check, parse: check };
}

export const STAGES = ['segment', 'thickness', 'pores', 'strip', 'current', 'fem', 'report'] as const;
export type StageName = (typeof STAGES)[number];

/** THE schema. Add a parameter here and it gets a default, validation, a flag and a manifest entry. */
export const SCHEMA = {
  input: {
    shape: optStringField(null, 'raw input only: volume shape NZ,NY,NX'),
    dtype: optStringField(null, 'raw input only: uint8|int8|uint16|int16|uint32|int32|float32|float64'),
    endian: enumField(['little', 'big'] as const, 'little', 'raw input only: byte order'),
    header_bytes: numField({ min: 0, integer: true }, 0, 'raw input only: bytes before the voxels'),
    roi: optStringField(null, 'analyse only this box of the scan: AXIS=START:END or AXIS=center:LENGTH per axis (z, y, x), voxels or µm with a um suffix, e.g. y=center:800um,x=center:800um; null = the whole scan; --roi'),
  },
  run: {
    voxel: voxelField('voxel size override in µm (one value or [dz, dy, dx]); null = from the file'),
    workers: optNumField({ min: 1, max: 256, integer: true }, null, 'cpu worker threads (null = all cores)'),
    memory: memoryField('memory budget of the voxel stages, e.g. 8G (null = 60 % of the available RAM); a volume that does not fit is streamed from disk by slabs'),
    note: optStringField(null, 'free text copied into manifest.json (e.g. the machine or a memory remark)'),
    strict: boolField(false, 'stop after the segment stage, exit 3, when the segmentation confidence is low (its outputs stay); --strict'),
  },
  segment: {
    method: enumField(['otsu', 'gmm'] as const, 'otsu', 'thresholds: exact multi-Otsu or Gaussian mixture (EM)'),
    denoise: enumField(['auto', 'none', 'median', 'gaussian'] as const, 'auto', 'denoising before thresholding (auto decides from the contrast-to-noise ratio)'),
    sigma: optNumField({ min: 0, exclusiveMin: true }, null, 'Gaussian σ in voxels for denoise gaussian (null = automatic)'),
    second_pass: boolField(false, 'full, symmetric and Li-foil cells: phases decided again on a Gaussian (σ 0.6) of the scan (Dice +0.01–0.04; ≈ 1.8× the CPU, in memory ≈ 9.5× the scan); buried segment --second-pass'),
    li_contrast: enumField(['auto', 'dark', 'bright'] as const, 'auto', 'Li darker than the electrolyte (attenuation) or brighter (inverted rendering); auto: attenuation, the inverted rendering when that gives a low QC verdict'),
    collector: enumField(['auto', 'carbon', 'metal', 'none'] as const, 'auto', 'current collector kind'),
    normal: enumField(['auto', 'z', 'y', 'x'] as const, 'auto', 'stack normal of the scan (auto: the axis along which the slice means vary most)'),
    field_of_view: enumField(['auto', 'none'] as const, 'auto', 'look for a reconstruction field of view (constant or NaN fill outside a disc; labelled 255) or not'),
    layout: enumField(['auto', 'anode-free', 'li-foil', 'symmetric', 'full-cell'] as const, 'auto', 'cell layout: auto = found from the data; a requested layout steers the layout steps and the QC fails when the data show another'),
    min_island: numField({ min: 0, integer: true }, 0, 'relabel islands smaller than this many voxels (0 = off)'),
    fill_holes: boolField(false, 'fill enclosed holes of each phase'),
    backend: enumField(['auto', 'cpu', 'gpu'] as const, 'auto', 'compute backend for the voxel kernels'),
    mask: optStringField(null, 'one slice across an axis of the scan (after input.roi), non-zero = analyse: the lines outside it are labelled 255 and left out of every number, like the field of view; --mask'),
    annotations: optStringField(null, 'trainable segmentation: a volume of the scan\'s shape, 0 = not annotated, k = phase code k − 1; a random forest learns the phases from it (see buried segment --annotations); --annotations'),
    annotation_map: optStringField(null, 'codes of segment.annotations onto the phases, SRC:PHASE,… as segment.label_map; 0 stays "not annotated"; null: the file holds phase code + 1; --annotation-map'),
    model: optStringField(null, 'trainable segmentation with the model.json of an earlier run or buried segment --annotations (another scan of the same series)'),
    labels: optStringField(null, 'labels from another tool (TIFF, folder, file.h5:/dataset, raw) used instead of the automatic segmentation, checked against the scan\'s shape and voxel size; the run goes on from the thickness stage; --labels'),
    label_map: optStringField(null, 'codes of segment.labels onto the phases, SRC:PHASE,… (phases void, li, electrolyte, collector, cathode, outside, masked or codes 0–5, 255); null: the file holds those codes; --label-map'),
  },
  thickness: {
    normal: enumField(['segment', 'x', 'y', 'z', 'auto'] as const, 'segment', 'interface normal: segment = the stack normal the segment stage found; auto fits the interface plane'),
    electrodes: autoOrCountField([1, 2] as const, 'Li electrodes measured: auto = two when the segment stage found a symmetric cell or Li lies before the electrolyte from both ends; 2: near and far maps'),
    scan_refinement: boolField(true, 'refine the Li boundaries to sub-voxel positions with the grey-level scan'),
    window: numField({ min: 1, max: 64, integer: true }, 6, 'voxels looked ahead to accept an electrolyte surface'),
    outlier_voxels: numField({ min: 0, exclusiveMin: true }, 2.5, 'surface deeper than the local median by more than this is repaired'),
    median_radius: numField({ min: 1, max: 64, integer: true }, 6, 'half-width (columns) of the surface median neighbourhood'),
  },
  pores: {
    enabled: boolField(true, 'electrolyte microstructure stage (buried pores): porosity and profile, pore sizes and clusters, Li filaments and penetration maps, percolation, min_gap_um, tortuosity; false skips it'),
    normal: enumField(['segment', 'x', 'y', 'z', 'auto'] as const, 'segment', 'stack normal: segment = the one the segment stage found (z if none); auto = the axis along which the electrolyte fraction varies most'),
    min_filament: numField({ min: 1, max: 1000, integer: true }, 4, 'Li at a side of the electrolyte counts as a filament from this depth (voxels along the normal); shallower is interface roughness'),
    tortuosity_axes: enumListField(['normal', 'x', 'y', 'z'] as const, ['normal'], 'axes of the tortuosity solve (normal = the stack normal)'),
    backend: enumField(['auto', 'cpu', 'gpu'] as const, 'auto', 'where the tortuosity solve runs: auto = the gpu on a hardware WebGPU adapter, else the cpu'),
  },
  strip: {
    modes: enumListField(['uniform', 'current'] as const, ['uniform', 'current'], 'replays to run: uniform rate and/or current-aware'),
    steps: numField({ min: 1, max: 100000, integer: true }, 100, 'replay steps (rows = steps + 1)'),
    by: enumField(['fraction', 'depth'] as const, 'fraction', 'steps uniform in stripped fraction or in removed depth'),
    at: numListField({ min: 0, max: 1 }, [0.25, 0.5, 0.64, 0.85, 0.95], 'stripped fractions reported exactly and snapshotted'),
    min_island: numField({ min: 1, integer: true }, 10, 'islands of at least this many pixels count in islands_ge_min'),
    current_steps: numField({ min: 1, max: 100000, integer: true }, 25, 'current-aware mode: conduction solves along the replay (rows at evenly spaced uniform-replay fractions)'),
    solve_grid: numField({ min: 4, max: 512, integer: true }, 32, 'current-aware mode: long side of the solve grid (pixels)'),
    conductivity: numField({ min: 0, exclusiveMin: true }, 2, 'current-aware mode: electrolyte ionic conductivity (mS/cm)'),
    thickness_um: optNumField({ min: 0, exclusiveMin: true }, null, 'current-aware mode: electrolyte slab thickness (µm; null = map width)'),
    j_nominal: optNumField({ min: 0, exclusiveMin: true }, null, 'current-aware mode: nominal stripping current density (mA/cm², with j_void)'),
    j_void: optNumField({ min: 0, exclusiveMin: true }, null, 'current-aware mode: local current density above which a pixel voids (mA/cm²)'),
  },
  current: {
    thickness_um: autoNumField('electrolyte slab thickness (µm); auto = the electrolyte depth seen in the scan (at least the map width / 4)'),
    conductivity: numField({ min: 0, exclusiveMin: true }, 2, 'electrolyte ionic conductivity (mS/cm)'),
    rct: numField({ min: 0 }, 0, 'charge-transfer resistance (Ω·cm²; 0 = equipotential contacts)'),
    sides: enumField(['periodic', 'insulating'] as const, 'periodic', 'lateral boundaries'),
    grid: numField({ min: 8, max: 2048, integer: true }, 96, 'long side of the solve grid (the contact map is block-averaged onto it)'),
    layers: optNumField({ min: 4, max: 512, integer: true }, 32, 'layers across the slab (null = slab / pixel)'),
    extrapolate: boolField(false, 'Richardson extrapolation to zero cell size (one 8× costlier extra solve)'),
    j_nominal: optNumField({ min: 0, exclusiveMin: true }, null, 'nominal current density (mA/cm², with j_crit)'),
    j_crit: optNumField({ min: 0, exclusiveMin: true }, null, 'critical local current density (mA/cm²): area fraction above it'),
    tol: numField({ min: 0, exclusiveMin: true, max: 0.1 }, 1e-8, 'relative CG residual'),
  },
  fem: {
    pressures: numListField({ min: 0, exclusiveMin: true }, [1, 5], 'stack pressures (MPa), one contact run each', { minLength: 1, increasing: true }),
    hold_s: numField({ min: 0 }, 1800, 'hold time at each pressure (s)'),
    li: enumField(['elastic', 'creep', 'plastic', 'viscoplastic'] as const, 'creep', 'Li constitutive model (viscoplastic: creep plus the size-dependent yield cap)'),
    electrolyte: enumField(['elastic', 'rigid'] as const, 'elastic', 'electrolyte model'),
    yield_mpa: optNumField({ min: 0 }, null, 'fixed Li yield stress (plastic, viscoplastic; null = the size law at fem.asperity_um) or creep threshold (creep; null = 0)'),
    li_e_mpa: numField({ min: 0, exclusiveMin: true }, LI.E, "Li Young's modulus (MPa; Masias et al. 2019)"),
    li_nu: numField({ min: -0.999, max: 0.499 }, LI.nu, "Li Poisson's ratio (Masias et al. 2019)"),
    creep_a: numField({ min: 0 }, LI.creepA, 'Li Norton prefactor at 298 K (MPa^-n/s; fitted to the foil creep rates of Ding et al. 2021)'),
    creep_n: numField({ min: 1, max: 20 }, LI.creepN, 'Li Norton exponent (Ding et al. 2021)'),
    creep_q_kj: numField({ min: 0 }, LI.creepQ / 1e3, 'Li creep activation energy (kJ/mol; LePage et al. 2019)'),
    yield_bulk_mpa: numField({ min: 0, exclusiveMin: true }, LI.yieldBulk, 'Li bulk yield stress, the floor of the size law (MPa; Masias et al. 2019)'),
    yield_ref_mpa: numField({ min: 0, exclusiveMin: true }, LI.yieldRef, 'size law anchor: Li yield (MPa) at fem.yield_ref_um (Xu et al. 2017)'),
    yield_ref_um: numField({ min: 0, exclusiveMin: true }, LI.sizeRefUm, 'size law anchor length (µm)'),
    yield_size_exponent: numField({ min: 0, max: 2 }, LI.sizeExponent, 'size law σy ∝ L^-m (Xu et al. 2017; 0 = bulk yield only)'),
    asperity_um: optNumField({ min: 0, exclusiveMin: true }, null, 'contact/asperity length for the size law (µm; null = mean summit spacing of the profile)'),
    electrolyte_e_mpa: numField({ min: 0, exclusiveMin: true }, LPSCL_DEFAULTS.E, "electrolyte Young's modulus (MPa)"),
    electrolyte_nu: numField({ min: -0.999, max: 0.499 }, LPSCL_DEFAULTS.nu, "electrolyte Poisson's ratio"),
    temperature_k: numField({ min: 0, exclusiveMin: true }, 298, 'temperature for the Arrhenius creep factor (K)'),
    nx: numField({ min: 8, max: 4096, integer: true }, 32, 'interface nodes per period'),
    ny: numField({ min: 2, max: 256, integer: true }, 4, 'element rows in the Li block'),
    row: rowField('row of the electrolyte surface height map taken as the profile'),
    step_tol: numField({ min: 0, exclusiveMin: true }, 5e-3, 'max Δεeq per creep step'),
    conductivity: numField({ min: 0, exclusiveMin: true }, 2, 'electrolyte ionic conductivity for the contact conduction (mS/cm)'),
    rct: numField({ min: 0 }, 0, 'charge-transfer resistance for the contact conduction (Ω·cm²)'),
    vtu: boolField(false, 'write the Li stress and creep/plastic strain fields for ParaView: fem/vtu/p<P>MPa.pvd and its .vtu per saved time'),
    papers: boolField(false, "also run the stack-pressure papers' protocols (as contact3d --papers: Doux et al. 2020, Zhang et al. 2020; about 30 s CPU) and show model vs paper in the report's contact section"),
  },
  report: {
    title: optStringField(null, 'report title (null = from the input name)'),
    figure_width_px: numField({ min: 300, max: 10000, integer: true }, 2400, 'PNG width of the figures in figures/ (2400 px = 300 dpi at 8 in)'),
  },
} as const;

type Schema = typeof SCHEMA;
type ValueOf<F> = F extends Field<infer T> ? T : never;
export type RunConfig = { -readonly [S in keyof Schema]: { -readonly [K in keyof Schema[S]]: ValueOf<Schema[S][K]> } };
export type SectionName = keyof Schema;

export function defaultConfig(): RunConfig {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [s, fields] of Object.entries(SCHEMA)) {
    out[s] = {};
    for (const [k, f] of Object.entries(fields as Record<string, Field<unknown>>)) out[s][k] = structuredClone(f.default);
  }
  return out as RunConfig;
}

/**
 * Keys renamed, old → new: the old name still works (file, --set, flag) for one version, with a note.
 * σ was a conductivity here and a Gaussian width in segment.sigma; the commands say --conductivity.
 */
export const RENAMED_KEYS: Readonly<Record<string, string>> = {
  'strip.sigma': 'strip.conductivity',
  'current.sigma': 'current.conductivity',
  'fem.sigma': 'fem.conductivity',
};

/** The current name of `key`, telling `note` when an old one was used. */
function currentKey(key: string, note?: (message: string) => void): string {
  const to = RENAMED_KEYS[key];
  if (!to) return key;
  note?.(`${key} is now ${to}; the old name works for this version only`);
  return to;
}

function fieldOf(key: string): Field<unknown> {
  const [section, name, ...rest] = key.split('.');
  const fields = (SCHEMA as Record<string, Record<string, Field<unknown>>>)[section];
  if (!fields || name === undefined || rest.length || !Object.hasOwn(fields, name)) throw new InputError(`config: unknown key '${key}'`);
  return fields[name];
}

function setChecked(cfg: RunConfig, name: string, value: unknown, fromText: boolean, note?: (message: string) => void): void {
  const key = currentKey(name, note);
  const f = fieldOf(key);
  let v: unknown;
  try {
    v = fromText ? f.parse(String(value)) : f.check(value);
  } catch (e) {
    // a flag's or --set's text is quoted as typed (not as the number it failed to become: NaN showed as 'null')
    if (e instanceof FieldError) throw new InputError(fromText ? `config: ${key} must be ${e.allowed}, got '${String(value)}'` : `config: ${key} ${e.message}`);
    throw e;
  }
  const [s, k] = key.split('.');
  (cfg as unknown as Record<string, Record<string, unknown>>)[s][k] = v;
}

/** Cross-field rules (after all sources are merged). */
export function validateConfig(cfg: RunConfig): void {
  const pair = (a: string, b: string, va: unknown, vb: unknown) => {
    if ((va === null) !== (vb === null)) throw new InputError(`config: ${a} and ${b} go together (set both or neither)`);
  };
  pair('strip.j_nominal', 'strip.j_void', cfg.strip.j_nominal, cfg.strip.j_void);
  pair('current.j_nominal', 'current.j_crit', cfg.current.j_nominal, cfg.current.j_crit);
  pair('input.shape', 'input.dtype', cfg.input.shape, cfg.input.dtype);
  if (cfg.input.roi !== null) parseRoi(cfg.input.roi, 'config: input.roi');
  if (cfg.segment.annotation_map !== null) {
    if (cfg.segment.annotations === null) throw new InputError('config: segment.annotation_map maps the codes of segment.annotations: give the annotations too');
    parseLabelMap(cfg.segment.annotation_map, 'config: segment.annotation_map');
  }
  if (cfg.segment.annotations !== null && cfg.segment.model !== null) throw new InputError('config: give segment.annotations (train) or segment.model (reuse), not both');
  if (cfg.segment.labels !== null && (cfg.segment.annotations !== null || cfg.segment.model !== null)) throw new InputError('config: segment.labels replaces the segmentation; segment.annotations and segment.model train or apply one: give one of them');
  if (cfg.segment.labels !== null && cfg.segment.mask !== null) throw new InputError('config: segment.mask applies to the automatic segmentation; imported segment.labels carry their own masked code (255)');
  if (cfg.segment.label_map !== null) {
    if (cfg.segment.labels === null) throw new InputError('config: segment.label_map needs segment.labels (the label file it maps)');
    parseLabelMap(cfg.segment.label_map, 'config: segment.label_map');
  }
}

/** Merge a parsed config object (from a file) into `cfg`, rejecting unknown keys and bad values. */
export function applyConfigObject(cfg: RunConfig, obj: unknown, origin = 'config', note?: (message: string) => void): void {
  if (obj === null || obj === undefined) return;
  if (typeof obj !== 'object' || Array.isArray(obj)) throw new InputError(`config: ${origin} must be a mapping of sections (${Object.keys(SCHEMA).join(', ')})`);
  for (const [section, values] of Object.entries(obj as Record<string, unknown>)) {
    if (!Object.hasOwn(SCHEMA, section)) throw new InputError(`config: unknown key '${section}'`);
    if (values === null) continue;
    if (typeof values !== 'object' || Array.isArray(values)) throw new InputError(`config: ${section} must be a mapping of keys`);
    for (const [k, v] of Object.entries(values as Record<string, unknown>)) setChecked(cfg, `${section}.${k}`, v, false, note);
  }
}

/** Read a JSON or YAML config file (YAML is a superset of JSON; the extension does not matter). */
export async function readConfigFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read config file (${(e as NodeJS.ErrnoException).code ?? 'error'})`, file);
  }
  try {
    // the YAML parser loads only for YAML files (it is ≈ 9 MB resident, kept for the whole run)
    return file.endsWith('.json') ? JSON.parse(text) : (await import('yaml')).default.parse(text);
  } catch (e) {
    throw new InputError(`config file is not valid ${file.endsWith('.json') ? 'JSON' : 'YAML/JSON'}: ${(e as Error).message.split('\n')[0]}`, file);
  }
}

/** Flag name of a key: segment.min_island → --segment-min-island. */
export const flagOf = (key: string) => `--${key.replace(/[._]/g, '-')}`;
/** Commander's attribute name of that flag. */
export const attributeOf = (key: string) => key.replace(/[._]([a-z0-9])/g, (_m, c: string) => c.toUpperCase());

/** Every key of the schema, `section.name`. */
export function allKeys(): string[] {
  return Object.entries(SCHEMA).flatMap(([s, fields]) => Object.keys(fields).map((k) => `${s}.${k}`));
}

export function fieldFor(key: string): Field<unknown> {
  return fieldOf(key);
}

export interface ConfigSources {
  /** --config FILE */
  file?: string;
  /** --set key=value, in order. */
  sets?: string[];
  /** Flag values by key (`segment.method` → 'gmm'), strings as typed. */
  flags?: Record<string, string>;
  /** Told when a renamed key is used by its old name. */
  onNote?: (message: string) => void;
}

/** defaults < file < --set < flags, validated. */
export async function resolveConfig(sources: ConfigSources): Promise<RunConfig> {
  const cfg = defaultConfig();
  const note = sources.onNote;
  if (sources.file) applyConfigObject(cfg, await readConfigFile(sources.file), sources.file, note);
  for (const s of sources.sets ?? []) {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new InputError(`config: --set needs key=value, got '${s}'`);
    setChecked(cfg, s.slice(0, eq).trim(), s.slice(eq + 1).trim(), true, note);
  }
  for (const [k, v] of Object.entries(sources.flags ?? {})) setChecked(cfg, k, v, true, note);
  validateConfig(cfg);
  return cfg;
}

/** Rows (key, value, default, doc) for the report's parameter table. */
export function configTable(cfg: RunConfig): { key: string; value: unknown; default: unknown; changed: boolean; doc: string }[] {
  return allKeys().map((key) => {
    const [s, k] = key.split('.');
    const value = (cfg as unknown as Record<string, Record<string, unknown>>)[s][k];
    const f = fieldOf(key);
    return { key, value, default: f.default, changed: JSON.stringify(value) !== JSON.stringify(f.default), doc: f.doc };
  });
}
