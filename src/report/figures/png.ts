/** PNG encoding of 2D maps through a colour map (fast-png). */
import { encode } from 'fast-png';
import { colormap, type ColormapName } from './colormaps.js';

export interface MapColourOptions {
  /** Value mapped to the first colour (default: min of the finite values). */
  vmin?: number;
  /** Value mapped to the last colour (default: max of the finite values). */
  vmax?: number;
  colormap?: ColormapName;
  /** RGBA of non-finite values (default transparent). */
  missing?: [number, number, number, number];
}

export function finiteRange(values: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!Number.isFinite(min)) return { min: 0, max: 1 };
  return { min, max };
}

/** Row-major map (width = columns) → RGBA bytes. */
export function mapToRgba(values: ArrayLike<number>, width: number, height: number, options: MapColourOptions = {}): Uint8Array {
  if (values.length !== width * height) throw new RangeError(`map has ${values.length} values, expected ${width}×${height}`);
  const range = finiteRange(values);
  const lo = options.vmin ?? range.min;
  const hi = options.vmax ?? range.max;
  const span = hi > lo ? hi - lo : 1;
  const lut = colormap(options.colormap ?? 'inferno');
  const miss = options.missing ?? [0, 0, 0, 0];
  const out = new Uint8Array(width * height * 4);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const o = 4 * i;
    if (!Number.isFinite(v)) {
      out[o] = miss[0];
      out[o + 1] = miss[1];
      out[o + 2] = miss[2];
      out[o + 3] = miss[3];
      continue;
    }
    const k = Math.max(0, Math.min(255, Math.round(((v - lo) / span) * 255)));
    out[o] = lut[3 * k];
    out[o + 1] = lut[3 * k + 1];
    out[o + 2] = lut[3 * k + 2];
    out[o + 3] = 255;
  }
  return out;
}

export function encodeRgbaPng(rgba: Uint8Array, width: number, height: number): Uint8Array {
  return encode({ width, height, data: rgba, channels: 4, depth: 8 });
}

/** A map as a PNG, one pixel per map value. */
export function mapToPng(values: ArrayLike<number>, width: number, height: number, options: MapColourOptions = {}): Uint8Array {
  return encodeRgbaPng(mapToRgba(values, width, height, options), width, height);
}

/** A vertical colour-bar strip (top = vmax) as a PNG. */
export function colorbarPng(name: ColormapName = 'inferno', height = 256): Uint8Array {
  const lut = colormap(name);
  const out = new Uint8Array(height * 4);
  for (let y = 0; y < height; y++) {
    const k = Math.round((1 - y / (height - 1)) * 255);
    out.set([lut[3 * k], lut[3 * k + 1], lut[3 * k + 2], 255], 4 * y);
  }
  return encodeRgbaPng(out, 1, height);
}
