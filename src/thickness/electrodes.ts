/**
 * One Li thickness map per electrode (contract: "a cell with two Li electrodes gets one thickness
 * map, penetration map, stripping replay and contact map per electrode").
 *
 * The electrolyte surface is found walking from each end of the axis (map.ts stage 1). An end is an
 * electrode when Li lies before its surface in at least `MIN_ELECTRODE_COVERAGE` of the columns:
 * a symmetric Li | electrolyte | Li cell has one at each end, an anode-free cell, a Li foil cell or a
 * full cell at one (its other end is electrolyte, air, a plunger or the composite cathode). With two,
 * each map measures its own Li layer and stops at the other electrode's interface: Li between the
 * two interfaces is attributed to the electrode it grows from (map.ts `deepestOwnLi`), so neither
 * electrode's foil is counted as the other's penetration.
 *
 * Names: one electrode is `anode`; two are `near` (index 0 end of the axis) and `far`. File names
 * keep the single-electrode names for `anode` and `near` and add `_far` for the far one.
 *
 * Cost: stage 1 runs from both ends (one more walk over the labels), the measuring pass once per
 * electrode; memory: the maps of each electrode (≈ 40 bytes per column each).
 */
import type { Volume } from '../io/volume.js';
import { InputError } from '../io/errors.js';
import {
  accumulateGreyMeans,
  accumulateLiSide,
  dominantAxis,
  fitSurface,
  greyMeansOf,
  liSideFromCounts,
  mapPlan,
  mapResult,
  measureRows,
  newGreyMeanSums,
  newLiSideCounts,
  newMapColumns,
  repairTiltedSurface,
  surfaceRows,
  tiltedLines,
  tiltedMeasureRows,
  tiltedSurfaceRows,
  type Axis,
  type ColumnBlock,
  type MapPlan,
  type SurfaceFit,
  type ThicknessMapOptions,
  type ThicknessMapResult,
} from './map.js';
import { interfaceContact, type InterfaceContact } from './contact.js';

/** Fraction of the columns (with a surface) that must hold Li before the surface for an end to be an electrode. */
export const MIN_ELECTRODE_COVERAGE = 0.5;
/** Coverage at the other end above which one electrode is an uncertain call (a partly stripped second electrode?). */
export const UNCLEAR_COVERAGE = 0.1;

export type ElectrodeName = 'anode' | 'near' | 'far';
export type ElectrodeCount = 'auto' | 1 | 2;

export interface ElectrodeMapsOptions extends ThicknessMapOptions {
  /** 'auto' (default): from the Li coverage at each end; 1: the Li side only; 2: both ends. */
  electrodes?: ElectrodeCount;
}

export interface ElectrodeMap {
  name: ElectrodeName;
  /** Inserted before the unit / extension of each output file name: '' or '_far'. */
  suffix: '' | '_far';
  map: ThicknessMapResult;
  contact: InterfaceContact;
}

/** How the electrodes were decided, written to thickness.json. */
export interface ElectrodeDetection {
  requested: ElectrodeCount;
  count: 1 | 2;
  /** Fraction of the columns with Li before the electrolyte surface, walking from each end. */
  li_coverage: { low: number; high: number };
  min_coverage: number;
  rule: string;
  /** Set when the evidence is unclear: a user-facing warning (null when the decision is clear). */
  warning: string | null;
}

export interface ElectrodeMapsResult {
  axis: Axis;
  electrodes: ElectrodeMap[];
  detection: ElectrodeDetection;
}

/** Fraction of the columns with a surface whose walk meets Li before it. */
export function liCoverage(surf: Float64Array, liAbove: Uint8Array): number {
  let n = 0, li = 0;
  for (let i = 0; i < surf.length; i++) {
    if (!Number.isFinite(surf[i])) continue;
    n++;
    li += liAbove[i];
  }
  return n ? li / n : 0;
}

/** The electrodes to measure: one (the Li side) or both ends, from the coverage evidence or the request. */
export function decideElectrodes(coverage: { low: number; high: number }, requested: ElectrodeCount, primary: 'low' | 'high'): { detection: ElectrodeDetection; sides: Array<{ side: 'low' | 'high'; name: ElectrodeName; suffix: '' | '_far' }> } {
  const both = coverage.low >= MIN_ELECTRODE_COVERAGE && coverage.high >= MIN_ELECTRODE_COVERAGE;
  const count: 1 | 2 = requested === 'auto' ? (both ? 2 : 1) : requested;
  const r3 = (v: number) => +v.toFixed(3);
  const other = primary === 'low' ? coverage.high : coverage.low;
  const unclear = count === 1 && other >= UNCLEAR_COVERAGE;
  const detection: ElectrodeDetection = {
    requested,
    count,
    li_coverage: { low: r3(coverage.low), high: r3(coverage.high) },
    min_coverage: MIN_ELECTRODE_COVERAGE,
    rule: requested === 'auto' ? `an end is an electrode when Li lies before the electrolyte surface in ≥ ${MIN_ELECTRODE_COVERAGE * 100} % of the columns walked from it` : 'requested',
    warning: unclear
      ? `Li lies before the electrolyte in ${(100 * other).toFixed(0)} % of the columns walked from the ${primary === 'low' ? 'high' : 'low'} end: a second, partly stripped electrode? One electrode was measured, so that Li counts as its penetration; --electrodes 2 (thickness.electrodes: 2) measures it as an electrode`
      : null,
  };
  const sides =
    count === 2
      ? [
          { side: 'low' as const, name: 'near' as const, suffix: '' as const },
          { side: 'high' as const, name: 'far' as const, suffix: '_far' as const },
        ]
      : [{ side: primary, name: 'anode' as const, suffix: '' as const }];
  return { detection, sides };
}

/**
 * The plan and surface fit of each electrode measured: only those ends are fitted (the repair's
 * medians cost a pass over the map), and with two electrodes each plan carries the other's
 * interface heights.
 */
export function electrodePlans(plans: Record<'low' | 'high', MapPlan>, surf: Record<'low' | 'high', Float64Array>, sides: Array<{ side: 'low' | 'high' }>): Array<{ plan: MapPlan; fit: SurfaceFit }> {
  const fits = sides.map(({ side }) => fitSurface(plans[side], surf[side]));
  return sides.map(({ side }, k) => ({ plan: { ...plans[side], opposite: sides.length === 2 ? fits[1 - k].surface : null }, fit: fits[k] }));
}

/** The measuring pass of one electrode over a block holding the whole volume. */
function measureWhole(plan: MapPlan, fit: SurfaceFit, means: Array<number | null> | null, block: ColumnBlock, onRow?: (r: number) => void): ThicknessMapResult {
  const rows = plan.g.rows;
  const out = newMapColumns(plan);
  if (!fit.tilted) measureRows(plan, fit, means, block, 0, rows, out, onRow);
  else {
    const lines = tiltedLines(plan, fit);
    tiltedSurfaceRows(plan, fit, lines, block, 0, rows);
    repairTiltedSurface(plan, lines);
    tiltedMeasureRows(plan, fit, lines, means, block, 0, rows, out, onRow);
  }
  return mapResult(plan, fit, means, out);
}

/** Thickness, penetration, surface and contact maps of every Li electrode of a labels volume (uint8 codes). */
export function electrodeMaps(labels: Volume, options: ElectrodeMapsOptions = {}): ElectrodeMapsResult {
  if (!(labels.data instanceof Uint8Array)) throw new InputError(`labels must be uint8 (got ${labels.dtype})`);
  const spacing = options.spacing ?? labels.spacing;
  if (!spacing) throw new InputError('the thickness map needs the voxel size: give --voxel UM (or DZ,DY,DX)');
  const data = labels.data;
  const shape = labels.shape;
  const scan = options.scan ?? null;
  if (scan && scan.shape.join(',') !== shape.join(',')) throw new InputError(`--scan shape ${scan.shape.join('×')} differs from the labels' ${shape.join('×')}`);
  const normal = options.normal ?? 'z';
  const axis: Axis = normal === 'auto' ? dominantAxis(data, shape) : normal;
  const sideCounts = newLiSideCounts(axis);
  accumulateLiSide(sideCounts, data, shape, 0);
  const primary = liSideFromCounts(sideCounts);
  const plans = { low: mapPlan(shape, spacing, axis, 'low', options), high: mapPlan(shape, spacing, axis, 'high', options) };
  const rows = plans.low.g.rows;
  const m = rows * plans.low.g.cols;
  // the whole volume is one block of every map row
  const block: ColumnBlock = { labels: data, scan: scan ? scan.data : null, r0: 0, held: rows };
  const progress = options.onProgress;
  const surf = { low: new Float64Array(m), high: new Float64Array(m) };
  const liAbove = { low: new Uint8Array(m), high: new Uint8Array(m) };
  surfaceRows(plans.low, block, 0, rows, surf.low, progress ? (r) => r % 16 === 0 && progress(r, rows * 4) : undefined, liAbove.low);
  surfaceRows(plans.high, block, 0, rows, surf.high, progress ? (r) => r % 16 === 0 && progress(rows + r, rows * 4) : undefined, liAbove.high);
  const { detection, sides } = decideElectrodes({ low: liCoverage(surf.low, liAbove.low), high: liCoverage(surf.high, liAbove.high) }, options.electrodes ?? 'auto', primary);
  const measured = electrodePlans(plans, surf, sides);
  let means: Array<number | null> | null = null;
  if (scan) {
    const sums = newGreyMeanSums();
    accumulateGreyMeans(plans[primary], block, 0, rows, sums);
    means = greyMeansOf(sums);
  }
  const electrodes: ElectrodeMap[] = sides.map(({ side, name, suffix }, k) => {
    const { plan, fit } = measured[k];
    const base = rows * (2 + k);
    const onRow = progress ? (r: number) => r % 16 === 0 && progress(base + (r * 2) / sides.length, rows * 4) : undefined;
    const map = measureWhole(plan, fit, means, block, onRow);
    return { name, suffix, map, contact: interfaceContact(labels, axis, side, map.surface) };
  });
  progress?.(1, 1);
  return { axis, electrodes, detection };
}

/** The Li thickness map of the first electrode (the only one, or `near`): see electrodeMaps. */
export function thicknessMap(labels: Volume, options: ElectrodeMapsOptions = {}): ThicknessMapResult {
  return electrodeMaps(labels, options).electrodes[0].map;
}

export type { InterfaceContact };
