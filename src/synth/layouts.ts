/**
 * Height-field geometry of the two-ended layouts (both outer ends of the stack lie in view):
 *   symmetric:  Li (near) | Li6PS5Cl pellet | Li (far)
 *   full-cell:  Li (anode) | Li6PS5Cl separator | composite cathode (CAM in electrolyte matrix)
 * Built in a build frame [0, depth) along z whose outer faces are z = 0 and z = depth (flat: the
 * foils are pressed onto flat plungers; all thickness variation is on the electrolyte side).
 * placement.ts later shifts it into the volume (surroundings, tilt). The original one-ended
 * layouts (anode-free, li-foil) come from buildLayers in geometry.ts.
 */
import type { Shape3 } from '../io/volume.js';
import { InputError } from '../io/errors.js';
import { gaussianField2D, normalQuantile, rankMap } from './fields.js';
import { LABEL, maxOf, meanOf, minOf, standardise, type Geometry } from './geometry.js';
import { fullGrey, type Layout, type PresetDefaults, type PresetName } from './presets.js';
import { Rng } from './rng.js';

export type ElectrodeName = 'near' | 'far' | 'anode';

export interface ElectrodeGeom {
  name: ElectrodeName;
  /** Electrolyte-facing surface z (µm) per column. */
  surface: Float64Array;
  /** Li thickness (µm) per column between the electrode's outer end and `surface`. */
  liThickness: Float64Array;
  /** true: the Li lies beyond `surface` (+z side) and filaments grow towards −z. */
  mirror: boolean;
  /** Electrolyte room (µm) in front of the surface before the next layer; absent = to the volume end. */
  room?: Float64Array;
}

export interface LayoutGeometry {
  layout: Layout;
  geom: Geometry;
  electrodes: ElectrodeGeom[];
  /** Outer faces of the stack (two-ended layouts only). */
  top?: Float64Array;
  bottom?: Float64Array;
  /** full-cell: separator | composite interface and the composite's far end. */
  composite?: { start: Float64Array; end: Float64Array };
  /** full-cell: an Al current collector foil this thick (µm) beyond the composite (label 3). */
  foilUm?: number;
}

/** One Li electrode: smooth thickness field (own stream) plus the pellet roughness on its face. */
function electrodeThickness(p: PresetDefaults, ny: number, nx: number, v: number, seed: number, name: string, mean: number): Float64Array {
  const e = p.electrode;
  if (!e) throw new Error(`preset has no electrode spec`);
  const t = rankMap(gaussianField2D(ny, nx, v, v, e.corrUm, new Rng(seed, `li-${name}`)), normalQuantile(mean, e.stdUm));
  const rough = standardise(gaussianField2D(ny, nx, v, v, p.surface.corrUm, new Rng(seed, `surface-${name}`), 256), p.surface.rqUm);
  for (let i = 0; i < t.length; i++) t[i] = Math.max(0, t[i] + rough[i]);
  return t;
}

/** Scale factor that fits the two outer layers with ≥ 20 % of the depth (≥ 4 voxels) of electrolyte. */
function fit(preset: PresetName, shape: Shape3, v: number, needed: number): number {
  const depth = shape[0] * v;
  const available = depth - Math.max(0.2 * depth, 4 * v);
  if (needed <= available) return 1;
  const s = available / needed;
  if (s < 0.25) throw new InputError(`shape ${shape.join(',')} at ${v} µm voxels is too shallow for the ${preset} preset (needs about ${Math.ceil(needed / 0.8 / v)} slices along the stack normal)`);
  return s;
}

function filled(n: number, value: number): Float64Array {
  return new Float64Array(n).fill(value);
}

/** `foilUm` (full cell): an Al current collector foil beyond the composite, its outer face at the stack's far end. */
export function buildTwoEnded(preset: PresetName, p: PresetDefaults, layout: Layout, shape: Shape3, v: number, seed: number, foilUm = 0): LayoutGeometry {
  const [nz, ny, nx] = shape;
  const n = ny * nx;
  const depth = nz * v;
  const e = p.electrode;
  if (!e) throw new Error(`preset ${preset} has no electrode spec`);
  const means = new Rng(seed, 'electrode-means');
  const info: Record<string, number> = {};
  if (layout === 'symmetric') {
    const tN = electrodeThickness(p, ny, nx, v, seed, 'near', means.uniform(e.meanUm[0], e.meanUm[1]));
    const tF = electrodeThickness(p, ny, nx, v, seed, 'far', means.uniform(e.meanUm[0], e.meanUm[1]));
    const zScale = fit(preset, shape, v, maxOf(tN) + maxOf(tF));
    const surfN = new Float64Array(n);
    const surfF = new Float64Array(n);
    const room = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      tN[i] *= zScale;
      tF[i] *= zScale;
      surfN[i] = tN[i];
      surfF[i] = depth - tF[i];
      room[i] = surfF[i] - surfN[i];
    }
    info.li_near_mean_um = meanOf(tN);
    info.li_far_mean_um = meanOf(tF);
    info.pellet_in_view_mean_um = meanOf(room);
    info.pellet_in_view_min_um = minOf(room);
    info.surface_rq_um = p.surface.rqUm;
    const geom: Geometry = {
      phases: [LABEL.li, LABEL.electrolyte, LABEL.li],
      bounds: [surfN, surfF],
      surface: surfN,
      liThickness: tN,
      voidThickness: new Float64Array(n),
      zScale,
      info,
      poreEnd: surfF,
      poreEndBand: true,
    };
    return {
      layout,
      geom,
      electrodes: [
        { name: 'near', surface: surfN, liThickness: tN, mirror: false, room },
        { name: 'far', surface: surfF, liThickness: tF, mirror: true, room: Float64Array.from(room) },
      ],
      top: filled(n, 0),
      bottom: filled(n, depth),
    };
  }
  // Full cell.
  const c = p.composite;
  if (!c) throw new Error(`preset ${preset} has no composite spec`);
  const tA = electrodeThickness(p, ny, nx, v, seed, 'anode', means.uniform(e.meanUm[0], e.meanUm[1]));
  const tC = standardise(gaussianField2D(ny, nx, v, v, c.corrUm, new Rng(seed, 'composite'), 256), c.rqUm);
  for (let i = 0; i < n; i++) tC[i] += c.thicknessUm;
  const zScale = fit(preset, shape, v, maxOf(tA) + maxOf(tC) + foilUm);
  const foil = foilUm * zScale;
  const surfA = new Float64Array(n);
  const start = new Float64Array(n);
  const room = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    tA[i] *= zScale;
    tC[i] *= zScale;
    surfA[i] = tA[i];
    start[i] = depth - foil - tC[i];
    room[i] = start[i] - surfA[i];
  }
  const end = filled(n, depth - foil);
  info.li_anode_mean_um = meanOf(tA);
  info.separator_in_view_mean_um = meanOf(room);
  info.composite_mean_um = meanOf(tC);
  info.surface_rq_um = p.surface.rqUm;
  if (foil > 0) info.cathode_foil_um = foil;
  // The composite matrix is electrolyte (label 2): one segment from the anode surface on; the CAM
  // particles (cathode.ts) are carved into [start, end). A foil is the last segment, at its own grey.
  const grey = fullGrey(p.grey);
  const geom: Geometry = {
    phases: foil > 0 ? [LABEL.li, LABEL.electrolyte, LABEL.collector] : [LABEL.li, LABEL.electrolyte],
    bounds: foil > 0 ? [surfA, end] : [surfA],
    segGrey: foil > 0 ? [grey.li, grey.electrolyte, grey.foil] : undefined,
    surface: surfA,
    liThickness: tA,
    voidThickness: new Float64Array(n),
    zScale,
    info,
    poreEnd: end,
  };
  return {
    layout,
    geom,
    electrodes: [{ name: 'anode', surface: surfA, liThickness: tA, mirror: false, room }],
    top: filled(n, 0),
    bottom: foil > 0 ? filled(n, depth) : end,
    composite: { start, end },
    foilUm: foil > 0 ? foil : undefined,
  };
}
