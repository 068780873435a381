/**
 * What changed between the scans of one cell (issue #21 point 2), from their labels already in one
 * frame (registered and resampled into scan 0's): per electrode, the Li thickness change per column
 * (µm and mAh/cm²) from the first scan and from the previous one, the Li deposited and stripped
 * (the positive and negative parts of the change, µm³ and mAh/cm² over the map area), the active
 * (contact) area fraction, filaments (penetration), and the interfacial voids matched across
 * consecutive scans (appear, grow, shrink, merge, split, vanish) by the overlap of their 2D
 * footprints. With the charge passed at each scan, the image-derived Li inventory change against it
 * (an image Coulombic efficiency).
 *
 * The thickness maps are the thickness stage's (thickness/electrodes.ts), measured along scan 0's
 * axis with scan 0's electrode count on every scan, and matched by the end of the axis they sit at
 * (a symmetric cell's electrodes keep their identity whichever holds more Li later).
 * O(voxels) per scan for the maps, O(map pixels) for the rest.
 */
import { LI_UM_PER_MAH_CM2 } from '../thickness/map-plan.js';
import { InputError } from '../io/errors.js';
import type { Spacing3, Volume } from '../io/volume.js';
import { electrodeMaps, type ElectrodeCount, type ElectrodeName } from '../thickness/electrodes.js';
import { dominantAxis, type Axis } from '../thickness/map-plan.js';
import { compareReplays, type ModelAgreement, type ReplayComparison } from './replay.js';

/** µm of Li metal per mAh/cm²: the thickness stage's constant (4.85; physics.md §1.1). */
export const UM_PER_MAH_CM2 = LI_UM_PER_MAH_CM2;
/** A matched void whose area changes by less than this fraction is 'stable'. */
const STABLE_AREA = 0.1;

export interface SeriesChangeOptions {
  /** Charge passed from the first scan up to each scan, mAh/cm² (one per scan, the first 0). */
  chargeMahCm2?: number[] | null;
  electrodes?: ElectrodeCount;
  /** Voxel size when the labels carry none. */
  spacing?: Spacing3 | null;
  /** The stack axis (the segment stage's); default: the axis the labels' layers vary along. */
  axis?: Axis;
  /** Compare scan 0's stripping replay with each later scan (replay.ts): false = off; `current: false` = uniform model only. */
  replay?: false | { current?: boolean; solveGrid?: number };
}

/** A replay comparison as recorded (the agreement maps go to files). */
export type ReplayRecord = Omit<ReplayComparison, 'uniform' | 'current'> & { uniform: Omit<ModelAgreement, 'map'>; current: Omit<ModelAgreement, 'map'> | null };

export interface ChangeStats {
  /** Mean change over the columns measured in both scans (µm; + = Li gained). */
  mean_um: number;
  deposited_um3: number;
  stripped_um3: number;
  /** Over the map's area. */
  deposited_mah_cm2: number;
  stripped_mah_cm2: number;
  net_mah_cm2: number;
  columns: number;
}

export interface VoidEvent {
  kind: 'appear' | 'vanish' | 'grow' | 'shrink' | 'stable' | 'merge' | 'split';
  /** Void ids in the earlier and the later scan (their index in each scan's void list). */
  before: number[];
  after: number[];
  area_before_um2: number;
  area_after_um2: number;
}

export interface ScanVoids {
  count: number;
  area_um2: number;
  /** Each void's area (µm²) and centroid (map row, col). */
  voids: Array<{ area_um2: number; centroid: [number, number] }>;
}

export interface ElectrodeSeries {
  name: ElectrodeName;
  suffix: '' | '_far';
  side: 'low' | 'high';
  /** Per scan. */
  mean_thickness_um: number[];
  capacity_mah_cm2: number[];
  active_area_fraction: number[];
  max_penetration_um: number[];
  penetrating_columns: number[];
  voids: ScanVoids[];
  /** Per later scan k = 1, 2, …: the change from the first scan and from scan k − 1. */
  changes: Array<{ scan: number; from_first: ChangeStats; from_previous: ChangeStats; void_events: VoidEvent[] }>;
  /** Image Coulombic efficiency per later scan: |capacity change from the first| / charge passed (null without charge). */
  image_efficiency: Array<number | null>;
  /** Per later scan: scan 0's stripping replay at the fraction it lost, against its measured contact (empty when off). */
  replay: ReplayRecord[];
}

export interface SeriesChange {
  axis: Axis;
  map_shape: [number, number];
  pixel_um: [number, number];
  electrodes: ElectrodeSeries[];
  /** All Li voxels per scan (µm³) and as mAh/cm² over the map area. */
  li_inventory_um3: number[];
  li_inventory_mah_cm2: number[];
  /** Per electrode, per later scan: the thickness change from the first scan (µm, NaN where unmeasured). */
  maps: Array<{ electrode: ElectrodeName; suffix: '' | '_far'; from_first: Float32Array[]; from_previous: Float32Array[]; replay_uniform: Uint8Array[]; replay_current: Uint8Array[] }>;
}

/** The change between the scans whose labels (one frame, one shape) are given in order. */
export function seriesChange(labels: Volume[], options: SeriesChangeOptions = {}): SeriesChange {
  if (labels.length < 2) throw new InputError(`a series needs at least two scans (got ${labels.length})`);
  const shape = labels[0].shape;
  for (const [k, l] of labels.entries()) {
    if (l.shape.join() !== shape.join()) throw new InputError(`labels of scan ${k} are ${l.shape.join('×')}, scan 0's ${shape.join('×')}: resample them into scan 0's frame first`);
  }
  const charge = options.chargeMahCm2 ?? null;
  if (charge && charge.length !== labels.length) throw new InputError(`--charge gives ${charge.length} values for ${labels.length} scans`);
  const spacing = options.spacing ?? labels[0].spacing;
  if (!spacing) throw new InputError('the change maps need the voxel size');
  // along scan 0's stack axis (the axis its layers vary along), the same for every scan
  const axis = options.axis ?? dominantAxis(labels[0].data as Uint8Array, shape);
  const first = electrodeMaps(labels[0], { spacing, normal: axis, electrodes: options.electrodes ?? 'auto' });
  const count = first.electrodes.length as 1 | 2;
  const perScan = [first, ...labels.slice(1).map((l) => electrodeMaps(l, { spacing, normal: first.axis, electrodes: count }))];
  const map0 = first.electrodes[0].map;
  const [rows, cols] = map0.shape;
  const pixelUm2 = map0.pixel_um[0] * map0.pixel_um[1];
  const areaUm2 = rows * cols * pixelUm2;
  const voxelUm3 = spacing[0] * spacing[1] * spacing[2];
  const inventory = labels.map((l) => {
    let n = 0;
    for (let i = 0; i < l.data.length; i++) if (l.data[i] === 1) n++;
    return n * voxelUm3;
  });
  const electrodes: ElectrodeSeries[] = [];
  const maps: SeriesChange['maps'] = [];
  for (const e0 of first.electrodes) {
    const side = e0.map.li_side;
    const series = perScan.map((s, k) => {
      const e = s.electrodes.find((x) => x.map.li_side === side);
      if (!e) throw new InputError(`scan ${k}: no electrode at the ${side} end of the ${first.axis} axis, where scan 0 has one`);
      return e;
    });
    const thickness = series.map((e) => e.map.thickness);
    const voids = series.map((e) => interfacialVoids(e.contact.contact, e.map.thickness, rows, cols, pixelUm2));
    const fromFirst: Float32Array[] = [], fromPrevious: Float32Array[] = [];
    const changes: ElectrodeSeries['changes'] = [];
    for (let k = 1; k < series.length; k++) {
      const a = difference(thickness[k], thickness[0]);
      const b = difference(thickness[k], thickness[k - 1]);
      fromFirst.push(a);
      fromPrevious.push(b);
      changes.push({ scan: k, from_first: stats(a, pixelUm2, areaUm2), from_previous: stats(b, pixelUm2, areaUm2), void_events: matchVoids(voids[k - 1], voids[k], rows * cols) });
    }
    const meanThickness = thickness.map(meanFinite);
    const capacity = meanThickness.map((t) => t / UM_PER_MAH_CM2);
    const replays = options.replay === false ? [] : compareReplays(thickness[0], thickness.slice(1), series.slice(1).map((e) => e.contact.contact), rows, cols, map0.pixel_um[0], options.replay ?? {});
    electrodes.push({
      name: e0.name, suffix: e0.suffix, side,
      mean_thickness_um: meanThickness,
      capacity_mah_cm2: capacity,
      active_area_fraction: series.map((e) => e.contact.contactFraction),
      max_penetration_um: series.map((e) => maxFinite(e.map.penetration)),
      penetrating_columns: series.map((e) => countPositive(e.map.penetration)),
      voids: voids.map((v) => v.summary),
      changes,
      image_efficiency: labels.slice(1).map((_, j) => (charge && charge[j + 1] > 0 ? Math.abs(capacity[j + 1] - capacity[0]) / charge[j + 1] : null)),
      replay: replays.map((r) => ({ ...r, uniform: withoutMap(r.uniform), current: r.current ? withoutMap(r.current) : null })),
    });
    maps.push({ electrode: e0.name, suffix: e0.suffix, from_first: fromFirst, from_previous: fromPrevious, replay_uniform: replays.map((r) => r.uniform.map), replay_current: replays.flatMap((r) => (r.current ? [r.current.map] : [])) });
  }
  return {
    axis: first.axis, map_shape: [rows, cols], pixel_um: map0.pixel_um, electrodes,
    li_inventory_um3: inventory,
    li_inventory_mah_cm2: inventory.map((v) => v / areaUm2 / UM_PER_MAH_CM2),
    maps,
  };
}

const withoutMap = ({ map: _map, ...rest }: ModelAgreement): Omit<ModelAgreement, 'map'> => rest;

/** later − earlier per column; NaN where either is unmeasured. */
function difference(later: Float32Array, earlier: Float32Array): Float32Array {
  const d = new Float32Array(later.length);
  for (let i = 0; i < d.length; i++) d[i] = later[i] - earlier[i];
  return d;
}

function stats(d: Float32Array, pixelUm2: number, areaUm2: number): ChangeStats {
  let n = 0, sum = 0, dep = 0, str = 0;
  for (const v of d) {
    if (!Number.isFinite(v)) continue;
    n++;
    sum += v;
    if (v > 0) dep += v;
    else str -= v;
  }
  const toCapacity = (um3: number) => um3 / areaUm2 / UM_PER_MAH_CM2;
  return {
    mean_um: n ? sum / n : 0, deposited_um3: dep * pixelUm2, stripped_um3: str * pixelUm2,
    deposited_mah_cm2: toCapacity(dep * pixelUm2), stripped_mah_cm2: toCapacity(str * pixelUm2), net_mah_cm2: toCapacity((dep - str) * pixelUm2), columns: n,
  };
}

const meanFinite = (a: Float32Array): number => {
  let n = 0, s = 0;
  for (const v of a) if (Number.isFinite(v)) { n++; s += v; }
  return n ? s / n : 0;
};
const maxFinite = (a: Float32Array): number => a.reduce((m, v) => (Number.isFinite(v) && v > m ? v : m), 0);
const countPositive = (a: Float32Array): number => a.reduce((n, v) => n + (v > 0 ? 1 : 0), 0);

/**
 * Interfacial voids: 4-connected footprints of the columns where Li lies over the electrolyte
 * (thickness > 0) but the voxel against the surface is not Li (contact 0). Columns without Li at
 * all are lost area, not voids.
 */
function interfacialVoids(contact: Uint8Array, thickness: Float32Array, rows: number, cols: number, pixelUm2: number): { id: Int32Array; summary: ScanVoids } {
  const id = new Int32Array(rows * cols).fill(-1);
  const voids: ScanVoids['voids'] = [];
  const stack: number[] = [];
  for (let s = 0; s < id.length; s++) {
    if (id[s] >= 0 || contact[s] !== 0 || !(thickness[s] > 0)) continue;
    const k = voids.length;
    let n = 0, sr = 0, sc = 0;
    id[s] = k;
    stack.push(s);
    while (stack.length) {
      const p = stack.pop()!;
      const r = Math.floor(p / cols), c = p - r * cols;
      n++; sr += r; sc += c;
      for (const q of [r > 0 ? p - cols : -1, r < rows - 1 ? p + cols : -1, c > 0 ? p - 1 : -1, c < cols - 1 ? p + 1 : -1]) {
        if (q < 0 || id[q] >= 0 || contact[q] !== 0 || !(thickness[q] > 0)) continue;
        id[q] = k;
        stack.push(q);
      }
    }
    voids.push({ area_um2: n * pixelUm2, centroid: [sr / n, sc / n] });
  }
  return { id, summary: { count: voids.length, area_um2: voids.reduce((a, v) => a + v.area_um2, 0), voids } };
}

/** Events between the voids of two consecutive scans, from the overlap of their footprints. */
function matchVoids(before: { id: Int32Array; summary: ScanVoids }, after: { id: Int32Array; summary: ScanVoids }, m: number): VoidEvent[] {
  const nb = before.summary.count, na = after.summary.count;
  const fwd: Array<Set<number>> = Array.from({ length: nb }, () => new Set());
  const back: Array<Set<number>> = Array.from({ length: na }, () => new Set());
  for (let i = 0; i < m; i++) {
    const b = before.id[i], a = after.id[i];
    if (b >= 0 && a >= 0) { fwd[b].add(a); back[a].add(b); }
  }
  const areaB = (ids: number[]) => ids.reduce((s, k) => s + before.summary.voids[k].area_um2, 0);
  const areaA = (ids: number[]) => ids.reduce((s, k) => s + after.summary.voids[k].area_um2, 0);
  const events: VoidEvent[] = [];
  const event = (kind: VoidEvent['kind'], b: number[], a: number[]) => events.push({ kind, before: b, after: a, area_before_um2: areaB(b), area_after_um2: areaA(a) });
  for (let b = 0; b < nb; b++) {
    if (fwd[b].size === 0) event('vanish', [b], []);
    else if (fwd[b].size > 1) event('split', [b], [...fwd[b]]);
  }
  for (let a = 0; a < na; a++) {
    const from = [...back[a]];
    if (from.length === 0) event('appear', [], [a]);
    else if (from.length > 1) event('merge', from, [a]);
    else if (fwd[from[0]].size === 1) {
      const ratio = after.summary.voids[a].area_um2 / before.summary.voids[from[0]].area_um2;
      event(ratio > 1 + STABLE_AREA ? 'grow' : ratio < 1 - STABLE_AREA ? 'shrink' : 'stable', from, [a]);
    }
  }
  return events;
}
