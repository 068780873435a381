/**
 * Placing a built stack into the (canonical, z-normal) volume: surroundings beyond its ends, a tilt
 * of the whole stack, and the die wall around a pellet narrower than the field of view.
 *
 * The stack is built in a shallower frame (nzBuild slices) and every height field is then shifted
 * by offset(col) = topReserve + span/2 + tan θ·(x cos φ + y sin φ), x and y measured from the
 * slice centre, so tilting changes no layer's per-column thickness along z (the truth thickness
 * stays "along the volume axis", not perpendicular to the tilted layer).
 */
import type { Shape3 } from '../io/volume.js';
import { InputError } from '../io/errors.js';
import { LABEL, type Geometry } from './geometry.js';
import type { LayoutGeometry } from './layouts.js';
import type { GreyLevels, Surroundings } from './presets.js';

/** Plunger steel in view beyond each outer end (µm): tens of µm, as a lab scan crops it. */
export const PLUNGER_UM = 30;
/** Air beyond the outer end (or the plunger) in voxels: at least this many. */
export const AIR_VOXELS = 6;
/** Pellet (die bore) radius as a fraction of the smaller lateral extent for 'die' (FOV disc is 0.5). */
export const DIE_BORE_FRACTION = 0.42;

export interface Placement {
  topReserveUm: number;
  bottomReserveUm: number;
  spanUm: number;
  /** Slices the stack is built in. */
  nzBuild: number;
  airUm: number;
}

/**
 * How the whole stack is displaced along the normal per column: a tilt, a bow (paraboloid: the
 * corners `bowUm` deeper than the centre; negative: shallower) and a wave along x (amplitude and
 * period, µm). The per-column thickness of every layer is unchanged.
 */
export interface Warp {
  tiltDeg: number;
  azimuthDeg: number;
  bowUm: number;
  waveUm: number;
  wavePeriodUm: number;
}

/** The tilt's span (µm, over the full plane extent, as the tilt alone always had) and the curved part's range over the voxel centres. */
function warpSpan(ny: number, nx: number, v: number, w: Warp): { tiltSpan: number; lo: number; hi: number } {
  const t = Math.tan((w.tiltDeg * Math.PI) / 180);
  const phi = (w.azimuthDeg * Math.PI) / 180;
  const tiltSpan = t * (nx * v * Math.abs(Math.cos(phi)) + ny * v * Math.abs(Math.sin(phi)));
  let lo = 0, hi = 0;
  if (w.bowUm || w.waveUm) {
    lo = Infinity;
    hi = -Infinity;
    const f = curved(ny, nx, v, w);
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        const d = f(j, i);
        if (d < lo) lo = d;
        if (d > hi) hi = d;
      }
  }
  return { tiltSpan, lo, hi };
}

/** Bow and wave displacement of column (j, i), µm. */
function curved(ny: number, nx: number, v: number, w: Warp): (j: number, i: number) => number {
  const cx = (nx * v) / 2;
  const cy = (ny * v) / 2;
  const r2 = cx * cx + cy * cy;
  return (j, i) => {
    const y = (j + 0.5) * v - cy;
    const x = (i + 0.5) * v - cx;
    const wave = w.waveUm && w.wavePeriodUm > 0 ? w.waveUm * Math.sin((2 * Math.PI * (x + cx)) / w.wavePeriodUm) : 0;
    return (w.bowUm * (x * x + y * y)) / r2 + wave;
  };
}

export function planPlacement(shape: Shape3, v: number, surroundings: Surroundings, twoEnded: boolean, w: Warp): Placement {
  const [nz, ny, nx] = shape;
  const airUm = AIR_VOXELS * v;
  const end = surroundings === 'none' ? 0 : surroundings === 'air' ? airUm : airUm + PLUNGER_UM;
  const { tiltSpan, lo, hi } = warpSpan(ny, nx, v, w);
  const spanUm = tiltSpan + hi - lo;
  const topReserveUm = end;
  const bottomReserveUm = twoEnded ? end : 0;
  const nzBuild = nz - Math.ceil((topReserveUm + bottomReserveUm + spanUm) / v - 1e-9);
  if (nzBuild < 8) {
    throw new InputError(
      `${nz} slices along the stack normal leave ${nzBuild} for the stack after surroundings (${(topReserveUm + bottomReserveUm).toFixed(1)} µm) and tilt (${spanUm.toFixed(1)} µm); need ≥ 8: use a larger shape along the normal`,
    );
  }
  return { topReserveUm, bottomReserveUm, spanUm, nzBuild, airUm };
}

/** Per-column shift of every height field (see the file comment). */
export function offsets(ny: number, nx: number, v: number, plan: Placement, w: Warp): Float64Array {
  const t = Math.tan((w.tiltDeg * Math.PI) / 180);
  const phi = (w.azimuthDeg * Math.PI) / 180;
  const { tiltSpan, lo } = warpSpan(ny, nx, v, w);
  const bend = w.bowUm || w.waveUm ? curved(ny, nx, v, w) : null;
  const out = new Float64Array(ny * nx);
  const cx = (nx * v) / 2;
  const cy = (ny * v) / 2;
  for (let j = 0; j < ny; j++) {
    const y = (j + 0.5) * v - cy;
    for (let i = 0; i < nx; i++) {
      const x = (i + 0.5) * v - cx;
      out[j * nx + i] = plan.topReserveUm + tiltSpan / 2 + t * (x * Math.cos(phi) + y * Math.sin(phi)) + (bend ? bend(j, i) - lo : 0);
    }
  }
  return out;
}

function greyOfLabel(g: Required<GreyLevels>, label: number): number {
  return [g.void, g.li, g.electrolyte, g.collector, g.cathode, g.air][label];
}

/**
 * Shift the stack by `off` and add the surroundings' segments. Each height-field array is shifted
 * once even when shared (g.surface is also a bound, an electrode surface, …).
 */
export function place(lg: LayoutGeometry, off: Float64Array, plan: Placement, surroundings: Surroundings, grey: Required<GreyLevels>, depthUm: number): void {
  const g: Geometry = lg.geom;
  const arrays = new Set<Float64Array>([...g.bounds, g.surface]);
  if (g.poreEnd) arrays.add(g.poreEnd);
  for (const e of lg.electrodes) arrays.add(e.surface);
  for (const a of [lg.top, lg.bottom, lg.composite?.start, lg.composite?.end]) if (a) arrays.add(a);
  for (const a of arrays) for (let i = 0; i < a.length; i++) a[i] += off[i];

  const segGrey = g.segGrey ?? g.phases.map((ph) => greyOfLabel(grey, ph));
  const minus = (a: Float64Array, d: number) => a.map((z) => z - d);
  const plus = (a: Float64Array, d: number) => a.map((z) => z + d);
  const twoEnded = Boolean(lg.top && lg.bottom);
  if (surroundings !== 'none') {
    const plunger = surroundings !== 'air';
    const stackTop = lg.top ?? off; // one-ended layouts: the build frame's z = 0
    if (lg.top) {
      // Li reaches the outer face: add plunger steel (label 3) and air (label 5) beyond it.
      if (plunger) {
        g.phases.unshift(LABEL.outside, LABEL.collector);
        g.bounds.unshift(minus(stackTop, PLUNGER_UM), stackTop);
        segGrey.unshift(grey.air, grey.plunger);
      } else {
        g.phases.unshift(LABEL.outside);
        g.bounds.unshift(stackTop);
        segGrey.unshift(grey.air);
      }
    } else if (g.phases[0] === LABEL.outside) {
      // Anode-free: the void above the Grafoil was air outside the cell; or the plunger sits on it.
      if (plunger) {
        g.phases[0] = LABEL.collector;
        segGrey[0] = grey.plunger;
        g.phases.unshift(LABEL.outside);
        g.bounds.unshift(minus(stackTop, PLUNGER_UM));
        segGrey.unshift(grey.air);
      } else {
        g.phases[0] = LABEL.outside;
        segGrey[0] = grey.air;
      }
    } else {
      // Li foil: the steel collector is the plunger; it now ends in view, air beyond it.
      g.phases.unshift(LABEL.outside);
      g.bounds.unshift(plunger ? minus(stackTop, PLUNGER_UM) : Float64Array.from(stackTop));
      segGrey.unshift(grey.air);
    }
    if (lg.bottom) {
      if (plunger) {
        g.phases.push(LABEL.collector, LABEL.outside);
        g.bounds.push(lg.bottom, plus(lg.bottom, PLUNGER_UM));
        segGrey.push(grey.plunger, grey.air);
      } else {
        g.phases.push(LABEL.outside);
        g.bounds.push(lg.bottom);
        segGrey.push(grey.air);
      }
    }
  } else if (twoEnded) {
    // Cropped to the cell: the outer layers run to the volume ends. The first phase (Li) always
    // does; a full cell's composite was built to end at the build frame's depth, which a tilt or
    // bow shifts short of the volume end in some columns, leaving particle-free electrolyte beyond
    // the cathode — no cell has that — so its end (also the pores' end) moves to the volume end.
    // With a current collector foil beyond it, the foil (the last segment) runs to the volume end.
    if (lg.composite && !lg.foilUm) lg.composite.end.fill(depthUm);
    // The outer Li runs to the volume ends, so the Li in view is the truth.
    for (const e of lg.electrodes) {
      for (let i = 0; i < e.surface.length; i++) e.liThickness[i] = e.mirror ? depthUm - e.surface[i] : e.surface[i];
    }
  }
  g.segGrey = segGrey;
}

/** Columns outside the die bore (r > DIE_BORE_FRACTION · min(ny, nx) voxels about the slice centre). */
export function dieColumns(ny: number, nx: number): Uint8Array {
  const out = new Uint8Array(ny * nx);
  const R = DIE_BORE_FRACTION * Math.min(ny, nx);
  for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) if (Math.hypot(i + 0.5 - nx / 2, j + 0.5 - ny / 2) > R) out[j * nx + i] = 1;
  return out;
}

/** PEEK die wall: every voxel of a die column becomes outside (label 5) at the die grey. */
export function applyDie(die: Uint8Array, nz: number, labels: Uint8Array, att: Float32Array, dieGrey: number): void {
  const plane = die.length;
  for (let k = 0; k < nz; k++) {
    const base = k * plane;
    for (let c = 0; c < plane; c++) {
      if (die[c]) {
        labels[base + c] = LABEL.outside;
        att[base + c] = dieGrey;
      }
    }
  }
}
