/**
 * Labels from another tool (Fiji Trainable Weka, ilastik, Dragonfly, Avizo, a MATLAB script) mapped
 * onto the contract's phase codes (0 void/pore, 1 Li, 2 electrolyte, 3 collector, 4 cathode,
 * 5 outside the cell, 255 masked), in place of the automatic segmentation.
 *
 * Read slab by slab: peak memory is the uint8 output plus one slab of the source (64 MiB), whatever
 * the source's integer type. Refused with one line naming the file: non-integer data, a shape other
 * than the scan's, a voxel size other than the scan's (beyond 1 %), and codes the map does not name.
 * The stack normal (for the Li inventory and the thickness stage) is the axis along which the
 * electrolyte fraction of the slices varies most, reported with that evidence. O(N) time.
 */
import { InputError } from '../io/errors.js';
import { openVolume, slabDepth, type OpenOptions } from '../io/open.js';
import { makeVolume, type DType, type Shape3, type Spacing3, type Volume } from '../io/volume.js';
import { PHASE_NAMES, UM_PER_MAH_CM2 } from './common.js';
import type { AxisName, PhaseDecision } from './types.js';

/** Phase names a label map may use, with their contract codes. */
export const PHASE_CODES: Readonly<Record<string, number>> = {
  void: 0, pore: 0, li: 1, electrolyte: 2, collector: 3, cathode: 4, outside: 5, masked: 255,
};
const CONTRACT_CODES = new Set([0, 1, 2, 3, 4, 5, 255]);
const INTEGER_TYPES: ReadonlySet<DType> = new Set<DType>(['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32']);

/**
 * Parse "SRC:PHASE,SRC:PHASE,…" (SRC an integer code of the file, PHASE a phase name or a contract
 * code) into source code → contract code. `where` names the option in errors.
 */
export function parseLabelMap(text: string, where = '--label-map'): Map<number, number> {
  const map = new Map<number, number>();
  for (const item of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(-?\d+)\s*:\s*([A-Za-z]+|\d+)$/.exec(item);
    if (!m) throw new InputError(`${where}: '${item}' is not SRC:PHASE (e.g. 3:li; phases ${Object.keys(PHASE_CODES).join(', ')} or codes 0–5, 255)`);
    const src = Number(m[1]);
    const phase = /^\d+$/.test(m[2]) ? Number(m[2]) : PHASE_CODES[m[2].toLowerCase()];
    if (phase === undefined || !CONTRACT_CODES.has(phase)) throw new InputError(`${where}: unknown phase '${m[2]}' in '${item}' (phases ${Object.keys(PHASE_CODES).join(', ')} or codes 0–5, 255)`);
    if (map.has(src) && map.get(src) !== phase) throw new InputError(`${where}: code ${src} is mapped twice`);
    map.set(src, phase);
  }
  if (map.size === 0) throw new InputError(`${where}: empty map (give SRC:PHASE pairs, e.g. 0:void,1:li,2:electrolyte)`);
  return map;
}

export interface ImportLabelsOptions {
  /** The scan the labels belong to: shape and voxel size are checked against it (none: the labels' own). */
  scan?: { path: string; shape: Shape3; spacing: Spacing3 | null } | null;
  /** "SRC:PHASE,…"; null: the file already holds contract codes. */
  labelMap?: string | null;
  open?: OpenOptions;
  /** Stack normal: 'auto' (default) finds it from the labels. */
  normal?: 'auto' | AxisName;
  onProgress?: (done: number, total: number) => void;
}

/** segment.json of a run whose labels were imported. */
export interface ImportedLabelsReport {
  version: 1;
  mode: 'imported';
  source: string;
  source_dtype: DType;
  /** Source code → phase name, as applied (null: contract codes as they were). */
  label_map: Record<string, string> | null;
  /** Voxels per source code. */
  source_codes: Record<string, number>;
  shape: Shape3;
  spacing_um: Spacing3 | null;
  phase_fractions: Record<string, number>;
  excluded_fractions: Record<string, number>;
  phase_names: Record<string, string>;
  li: { voxels: number; volume_um3: number | null; map_area_um2: number | null; mean_thickness_um: number | null; areal_capacity_mah_cm2: number | null; um_per_mah_cm2: 4.85 };
  /** What the thickness stage reads: the stack normal; the layout itself is not judged from imported labels. */
  layout: { name: 'unknown'; normal_axis: AxisName; source: 'detected' | 'requested'; evidence: Record<string, number> };
  decisions: PhaseDecision[];
}

const AXES: AxisName[] = ['z', 'y', 'x'];
const SHORT_NAMES = ['void', 'li', 'electrolyte', 'collector', 'cathode', 'outside'];
const phaseName = (code: number) => (code === 255 ? 'masked' : SHORT_NAMES[code]);

export async function importLabels(file: string, o: ImportLabelsOptions): Promise<{ labels: Volume<Uint8Array>; report: ImportedLabelsReport }> {
  const map = o.labelMap ? parseLabelMap(o.labelMap) : null;
  const src = await openVolume(file, o.open ?? {});
  try {
    if (!INTEGER_TYPES.has(src.dtype)) throw new InputError(`labels must hold integer codes (got ${src.dtype}); export the label image as 8-, 16- or 32-bit integers`, file);
    const { shape } = src;
    if (o.scan && shape.join() !== o.scan.shape.join()) throw new InputError(`labels shape ${shape.join('×')} differs from the scan's ${o.scan.shape.join('×')} (${o.scan.path})`, file);
    const spacing = checkSpacing(file, src.spacing, o.scan ? o.scan.spacing : src.spacing);
    const [nz, ny, nx] = shape;
    const plane = ny * nx;
    const out = new Uint8Array(nz * plane);
    // source code → contract code; codes outside the map are collected for one error at the end
    const counts = new Map<number, number>();
    const translate = map ?? new Map([...CONTRACT_CODES].map((c) => [c, c]));
    const depth = slabDepth(src);
    for (let z0 = 0; z0 < nz; z0 += depth) {
      const z1 = Math.min(nz, z0 + depth);
      const slab = await src.readSlices(z0, z1);
      const base = z0 * plane;
      let last = NaN;
      let lastOut = 0;
      for (let i = 0; i < slab.length; i++) {
        const v = Number(slab[i]);
        if (v !== last) {
          last = v;
          const t = translate.get(v);
          lastOut = t === undefined ? 256 : t;
        }
        counts.set(v, (counts.get(v) ?? 0) + 1);
        out[base + i] = lastOut === 256 ? 0 : lastOut;
      }
      o.onProgress?.(z1, nz);
    }
    const unmapped = [...counts.keys()].filter((c) => !translate.has(c)).sort((a, b) => a - b);
    if (unmapped.length) {
      const list = unmapped.slice(0, 12).join(', ') + (unmapped.length > 12 ? `, … (${unmapped.length} codes)` : '');
      throw new InputError(map
        ? `label codes ${list} are not in --label-map; map every code the file holds (it holds ${[...counts.keys()].sort((a, b) => a - b).slice(0, 16).join(', ')})`
        : `label codes ${list} are not contract codes (0 void, 1 Li, 2 electrolyte, 3 collector, 4 cathode, 5 outside, 255 masked): give --label-map SRC:PHASE,… (e.g. ${unmapped[0]}:li)`, file);
    }
    const report = describe(file, src.dtype, out, shape, spacing, counts, map, o.normal ?? 'auto');
    return { labels: makeVolume(out, shape, spacing), report };
  } finally {
    await src.close();
  }
}

function checkSpacing(file: string, labels: Spacing3 | null, scan: Spacing3 | null): Spacing3 | null {
  if (!labels || !scan) return scan ?? labels;
  const off = labels.some((v, k) => Math.abs(v / scan[k] - 1) > 0.01);
  if (off) throw new InputError(`labels voxel size ${labels.join(' × ')} µm differs from the scan's ${scan.join(' × ')} µm (resample the labels, or the scan's voxel size is wrong: give --voxel)`, file);
  return scan;
}

/** Fractions, Li inventory and the stack normal of the contract-coded labels. */
function describe(
  file: string, dtype: DType, labels: Uint8Array, shape: Shape3, spacing: Spacing3 | null,
  counts: Map<number, number>, map: Map<number, number> | null, normal: 'auto' | AxisName,
): ImportedLabelsReport {
  const geometry = labelsGeometry(labels, shape);
  const { perCode, spread, axis: detected } = geometry;
  const n = labels.length;
  const analysed = n - perCode[5] - perCode[255];
  const phase_fractions: Record<string, number> = {};
  for (let k = 0; k <= 4; k++) phase_fractions[String(k)] = analysed ? perCode[k] / analysed : 0;
  const excluded_fractions: Record<string, number> = {};
  for (const k of [5, 255]) if (perCode[k]) excluded_fractions[String(k)] = perCode[k] / n;

  const axis = normal === 'auto' ? detected : normal;
  const sorted = [...spread].sort((p, q) => q - p);
  const decisions: PhaseDecision[] = [
    {
      step: 'import',
      decision: `labels imported from ${file}${map ? ` with the map ${[...map].map(([s, c]) => `${s}:${phaseName(c)}`).join(',')}` : ' (contract codes)'}; no automatic segmentation`,
      evidence: { source_dtype: dtype, source_codes: Object.fromEntries([...counts].sort((p, q) => p[0] - q[0])) },
    },
    {
      step: 'normal',
      decision: normal === 'auto'
        ? `stack normal ${detected}: the electrolyte fraction of the slices varies most along ${detected}`
        : `stack normal ${axis} as requested${axis !== detected ? ` (the labels suggest ${detected})` : ''}`,
      evidence: { variance_z: r6(spread[0]), variance_y: r6(spread[1]), variance_x: r6(spread[2]), ratio_best_to_next: sorted[1] > 0 ? r6(sorted[0] / sorted[1]) : null },
    },
  ];
  return {
    version: 1,
    mode: 'imported',
    source: file,
    source_dtype: dtype,
    label_map: map ? Object.fromEntries([...map].map(([s, c]) => [String(s), phaseName(c)])) : null,
    source_codes: Object.fromEntries([...counts].sort((p, q) => p[0] - q[0]).map(([c, k]) => [String(c), k])),
    shape,
    spacing_um: spacing,
    phase_fractions,
    excluded_fractions,
    phase_names: { ...PHASE_NAMES },
    li: liInventory(geometry, shape, spacing, axis),
    layout: { name: 'unknown', normal_axis: axis, source: normal === 'auto' ? 'detected' : 'requested', evidence: { variance_z: r6(spread[0]), variance_y: r6(spread[1]), variance_x: r6(spread[2]) } },
    decisions,
  };
}

const r6 = (v: number) => +v.toPrecision(6);

export type LiInventory = ImportedLabelsReport['li'];

/**
 * Li inventory of contract-coded labels: the Li voxels × the voxel volume over the map area across
 * the stack normal `axis` (columns holding any in-cell voxel), as a mean thickness and areal capacity.
 */
export function liInventory(g: LabelsGeometry, shape: Shape3, spacing: Spacing3 | null, axis: AxisName): LiInventory {
  const a = AXES.indexOf(axis);
  const liVoxels = g.perCode[1];
  const vox = spacing ? spacing[0] * spacing[1] * spacing[2] : null;
  const n = shape[0] * shape[1] * shape[2];
  const area = spacing ? (n / shape[a]) * (vox! / spacing[a]) * g.columnFraction[a] : null;
  const volume = vox !== null ? liVoxels * vox : null;
  const meanT = volume !== null && area ? volume / area : null;
  return { voxels: liVoxels, volume_um3: volume, map_area_um2: area, mean_thickness_um: meanT, areal_capacity_mah_cm2: meanT !== null ? meanT / UM_PER_MAH_CM2 : null, um_per_mah_cm2: UM_PER_MAH_CM2 };
}

export interface LabelsGeometry {
  /** Voxels per code. */
  perCode: Float64Array;
  /** Stack normal: the axis along which the electrolyte fraction of the slices (in-cell voxels) varies most. */
  axis: AxisName;
  /** That variance along z, y, x (the normal's evidence). */
  spread: [number, number, number];
  /** Per axis z, y, x: fraction of the columns along it holding an in-cell voxel (not 5, not 255). */
  columnFraction: [number, number, number];
}

/** Codes, stack normal and in-cell columns of contract-coded labels, in one pass. */
export function labelsGeometry(labels: Uint8Array, shape: Shape3): LabelsGeometry {
  const [nz, ny, nx] = shape;
  const perCode = new Float64Array(256);
  const el = [new Float64Array(nz), new Float64Array(ny), new Float64Array(nx)];
  const cell = [new Float64Array(nz), new Float64Array(ny), new Float64Array(nx)];
  // columns along z, y, x that hold an in-cell voxel
  const alongZ = new Uint8Array(ny * nx), alongY = new Uint8Array(nz * nx), alongX = new Uint8Array(nz * ny);
  let i = 0;
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) {
        const c = labels[i];
        perCode[c]++;
        if (c === 5 || c === 255) continue;
        cell[0][z]++; cell[1][y]++; cell[2][x]++;
        if (c === 2) { el[0][z]++; el[1][y]++; el[2][x]++; }
        alongZ[y * nx + x] = 1; alongY[z * nx + x] = 1; alongX[z * ny + y] = 1;
      }
    }
  }
  const spread = AXES.map((_, a) => variance(el[a], cell[a])) as [number, number, number];
  const fraction = (seen: Uint8Array) => seen.reduce((k, v) => k + v, 0) / seen.length;
  return { perCode, axis: AXES[spread.indexOf(Math.max(...spread))], spread, columnFraction: [fraction(alongZ), fraction(alongY), fraction(alongX)] };
}

/** Variance over the slices of the per-slice fraction num/den (slices with den 0 skipped). */
function variance(num: Float64Array, den: Float64Array): number {
  let s = 0, q = 0, m = 0;
  for (let k = 0; k < num.length; k++) {
    if (!den[k]) continue;
    const f = num[k] / den[k];
    s += f;
    q += f * f;
    m++;
  }
  return m ? q / m - (s / m) ** 2 : 0;
}
