/**
 * Label codes drawn semi-transparently over the grey scan. Colours are the Okabe–Ito palette
 * (distinguishable with the common colour-vision deficiencies); the grey underneath stays visible
 * so a wrong boundary shows as colour spilling over an edge of the scan.
 */
import { encodeRgbaPng } from './png.js';

export interface LabelStyle {
  code: number;
  name: string;
  rgb: [number, number, number];
  /** Opacity of the colour over the grey (0..1). */
  alpha: number;
}

export const LABEL_STYLES: readonly LabelStyle[] = [
  { code: 0, name: 'void / pore', rgb: [0xf0, 0xe4, 0x42], alpha: 0.45 },
  { code: 1, name: 'Li', rgb: [0x56, 0xb4, 0xe9], alpha: 0.45 },
  { code: 2, name: 'electrolyte', rgb: [0xe6, 0x9f, 0x00], alpha: 0.45 },
  { code: 3, name: 'collector', rgb: [0xcc, 0x79, 0xa7], alpha: 0.45 },
  { code: 4, name: 'cathode', rgb: [0x00, 0x9e, 0x73], alpha: 0.45 },
  { code: 5, name: 'outside the cell', rgb: [0x00, 0x72, 0xb2], alpha: 0.45 },
  // darkened rather than coloured: these voxels carry no phase at all
  { code: 255, name: 'outside the field of view', rgb: [0, 0, 0], alpha: 0.6 },
];

const BY_CODE = new Map(LABEL_STYLES.map((s) => [s.code, s]));

export function labelStyle(code: number): LabelStyle | undefined {
  return BY_CODE.get(code);
}

/** Grey window [lo, hi]: the 0.5 and 99.5 percentiles of the values, so a few hot voxels do not wash the slice out. */
export function greyWindow(values: ArrayLike<number>): { lo: number; hi: number } {
  // typed-array sort is numeric and puts NaN last
  const sorted = Float64Array.from(values).sort();
  let a = 0;
  let n = sorted.length;
  while (n > 0 && !Number.isFinite(sorted[n - 1])) n--;
  while (a < n && !Number.isFinite(sorted[a])) a++;
  if (a >= n) return { lo: 0, hi: 1 };
  const at = (q: number) => sorted[a + Math.round(q * (n - 1 - a))];
  const lo = at(0.005);
  const hi = at(0.995);
  if (hi > lo) return { lo, hi };
  return sorted[n - 1] > sorted[a] ? { lo: sorted[a], hi: sorted[n - 1] } : { lo: sorted[a], hi: sorted[a] + 1 };
}

/**
 * RGBA of a plane: grey from `grey` through the window, blended with the colour of each voxel's
 * label: out = (1 − α)·grey + α·colour. Codes without a style (6..254) show the grey only.
 */
export function overlayRgba(grey: ArrayLike<number>, labels: ArrayLike<number>, window: { lo: number; hi: number }): Uint8Array {
  if (grey.length !== labels.length) throw new RangeError(`grey has ${grey.length} values, labels ${labels.length}`);
  const out = new Uint8Array(grey.length * 4);
  const span = window.hi - window.lo || 1;
  for (let i = 0; i < grey.length; i++) {
    const v = grey[i];
    const g = Number.isFinite(v) ? Math.max(0, Math.min(255, Math.round(((v - window.lo) / span) * 255))) : 0;
    const st = BY_CODE.get(labels[i]);
    const o = 4 * i;
    if (st) {
      out[o] = Math.round((1 - st.alpha) * g + st.alpha * st.rgb[0]);
      out[o + 1] = Math.round((1 - st.alpha) * g + st.alpha * st.rgb[1]);
      out[o + 2] = Math.round((1 - st.alpha) * g + st.alpha * st.rgb[2]);
    } else out[o] = out[o + 1] = out[o + 2] = g;
    out[o + 3] = 255;
  }
  return out;
}

export function overlayPng(grey: ArrayLike<number>, labels: ArrayLike<number>, cols: number, rows: number, window: { lo: number; hi: number }): Uint8Array {
  return encodeRgbaPng(overlayRgba(grey, labels, window), cols, rows);
}
