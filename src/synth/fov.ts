/**
 * Circular reconstruction field of view and the output scan type.
 *
 * The rotation axis is the cell axis (the stack normal), so the disc lies in the canonical (y, x)
 * slice: centre (nx/2, ny/2) in pixel units, a pixel is outside when its centre (i + 0.5, j + 0.5)
 * is farther than R = fraction · min(ny, nx) from it (fraction 0.5 = the inscribed disc). Rings and
 * cupping use the same centre (imaging.ts). Outside the disc: label 255 and the fill value.
 */
import { InputError } from '../io/errors.js';
import { LABEL } from './geometry.js';

export type ScanDtype = 'uint16' | 'uint8' | 'float32';
export type ScanArray = Uint16Array | Uint8Array | Float32Array;

/** 1 for columns outside the disc. */
export function fovOutside(ny: number, nx: number, fraction: number): Uint8Array {
  const out = new Uint8Array(ny * nx);
  const R = fraction * Math.min(ny, nx);
  for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) if (Math.hypot(i + 0.5 - nx / 2, j + 0.5 - ny / 2) > R) out[j * nx + i] = 1;
  return out;
}

/** uint16 scan → requested type: uint8 = round(v · 255 / 65535); float32 = the same numbers. */
export function convertScan(u16: Uint16Array, dtype: ScanDtype): ScanArray {
  if (dtype === 'uint16') return u16;
  if (dtype === 'float32') return Float32Array.from(u16);
  const out = new Uint8Array(u16.length);
  for (let i = 0; i < u16.length; i++) out[i] = Math.round((u16[i] * 255) / 65535);
  return out;
}

/** Check the fill value fits the scan type (NaN needs float32). */
export function checkFill(fill: number, dtype: ScanDtype): void {
  if (Number.isNaN(fill)) {
    if (dtype !== 'float32') throw new InputError(`fov fill NaN needs a float32 scan (got dtype ${dtype})`);
    return;
  }
  const max = dtype === 'uint8' ? 255 : dtype === 'uint16' ? 65535 : Infinity;
  if (!Number.isFinite(fill) || (dtype !== 'float32' && (!Number.isInteger(fill) || fill < 0 || fill > max))) {
    throw new InputError(`fov fill must be ${dtype === 'float32' ? 'a finite number or nan' : `an integer 0..${max}`} for a ${dtype} scan (got ${fill})`);
  }
}

/** Mask the canonical volume: label 255 and the fill value outside the disc, in every slice. */
export function applyFov(outside: Uint8Array, nz: number, labels: Uint8Array, scan: ScanArray, fill: number): number {
  const plane = outside.length;
  let masked = 0;
  for (let k = 0; k < nz; k++) {
    const base = k * plane;
    for (let c = 0; c < plane; c++) {
      if (outside[c]) {
        labels[base + c] = LABEL.masked;
        scan[base + c] = fill;
        masked++;
      }
    }
  }
  return masked;
}
