/** Phase colours and names, colour maps (viridis, inferno: the report's), percentiles and number formatting shared by the views. */
import { colormap as reportColormap } from '../../src/report/figures/colormaps';
export type RGB = [number, number, number];

/** Label code → colour and name of the cell's phases (contract: 0 void, 1 Li, 2 electrolyte, 3 collector, 4 cathode). */
export const PHASES: Array<{ code: number; name: string; color: RGB; opacity: number }> = [
  { code: 0, name: 'void / pore', color: [70, 120, 230], opacity: 0.6 },
  { code: 1, name: 'Li metal', color: [235, 190, 60], opacity: 0.9 },
  { code: 2, name: 'electrolyte', color: [80, 185, 130], opacity: 0.12 },
  { code: 3, name: 'current collector', color: [205, 105, 60], opacity: 0.8 },
  { code: 4, name: 'cathode active material', color: [170, 90, 200], opacity: 0.8 },
];
/** Not phases of the cell (shown in the slices, not in 3D): 5 beyond the stack (air, holder, die), 255 outside the field of view. */
const EXCLUDED: Array<{ code: number; name: string; color: RGB }> = [
  { code: 5, name: 'outside the cell', color: [60, 60, 60] },
  { code: 255, name: 'outside the field of view / masked', color: [200, 200, 200] },
];
export const phaseName = (c: number): string => PHASES.find((p) => p.code === c)?.name ?? EXCLUDED.find((p) => p.code === c)?.name ?? `class ${c}`;
export const phaseColor = (c: number): RGB => PHASES.find((p) => p.code === c)?.color ?? EXCLUDED.find((p) => p.code === c)?.color ?? [200, 200, 200];

/** The report's colour maps (matplotlib's 256-entry tables), so a map looks the same in the viewer and in the report. */
export const COLORMAPS = { viridis: 'viridis', inferno: 'inferno' } as const;
export type ColormapName = keyof typeof COLORMAPS;

/** Colour of t in [0, 1] (clamped; NaN → 0), the report's table entry round(255 t) as figures/png.ts picks it. */
export function colormap(name: ColormapName, t: number): RGB {
  const lut = reportColormap(name);
  const k = Math.round(Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * 255);
  return [lut[3 * k], lut[3 * k + 1], lut[3 * k + 2]];
}

/** Colours of the lines of a chart with one line per run (e.g. per stack pressure), in order (not the time marker's red). */
export const SERIES_COLORS: string[] = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f'];

/** Crosshair colour of the slice views (where the other two planes cut), not a phase colour. */
export const CROSSHAIR: RGB = [255, 0, 255];

/** Percentile of the finite values (sampled for big arrays). */
export function percentile(data: ArrayLike<number>, q: number): number {
  const step = Math.max(1, Math.floor(data.length / 200000));
  const v: number[] = [];
  for (let i = 0; i < data.length; i += step) if (Number.isFinite(data[i])) v.push(data[i]);
  if (!v.length) return 0;
  v.sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.max(0, Math.round(q * (v.length - 1))))];
}

/** "Nice" length for a scale bar: 1, 2 or 5 × 10^k not longer than `max`. */
export function niceLength(max: number): number {
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [5, 2, 1]) if (m * p <= max) return m * p;
  return p;
}
export const fmt = (v: number, digits = 3): string => (Number.isFinite(v) ? (Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(2) : (+v.toPrecision(digits)).toString()) : '—');
