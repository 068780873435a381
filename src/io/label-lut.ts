/**
 * How label volumes (labels.tif) open in Fiji/ImageJ: in the phase colours of the viewer, with the
 * display range 0–5, instead of black (codes 0..5 are the darkest grey levels of 0..255).
 *
 * ImageJ shows an 8-bit value v inside the display range [min, max] through lookup-table entry
 * floor(256 (v − min)/(max − min)), clamped to 255, and a value above max through entry 255
 * (ij.process.ByteProcessor.setMinAndMax). The colour table is laid out for that: entries
 * 0, 51, 102, 153, 204 and 255 (the entries of codes 0..5 under range 0–5) start the blocks of the
 * six codes. Code 255 (masked) is shown as entry 255, the colour of code 5 (outside the cell).
 */
import type { TiffDisplay } from './tiff/writer.js';

export type Rgb = readonly [number, number, number];

/** Label code → colour; the same as the viewer's (viewer/src/colors.ts; test/io/label-lut.test.ts keeps them equal). */
export const LABEL_COLORS: Readonly<Record<number, Rgb>> = {
  0: [70, 120, 230], // void / pore
  1: [235, 190, 60], // Li metal
  2: [80, 185, 130], // solid electrolyte
  3: [205, 105, 60], // current collector
  4: [170, 90, 200], // cathode active material
  5: [60, 60, 60], // outside the cell
  255: [200, 200, 200], // outside the field of view / masked
};

/** Highest phase code (contract: 0..5); the display range of a phase label volume is 0..PHASE_MAX. */
export const PHASE_MAX = 5;

/** The lookup-table entry ImageJ shows 8-bit value v through under display range [min, max]. */
export function imagejLutEntry(v: number, min: number, max: number): number {
  if (v < min) return 0;
  if (v > max) return 255;
  return Math.min(255, Math.max(0, Math.floor((256 * (v - min)) / (max - min))));
}

/** Display of a phase label volume (codes 0..5, 255): range 0–5 and the phase colours as TIFF colour map. */
export function phaseLabelDisplay(): TiffDisplay {
  const colormap: Rgb[] = [];
  for (let j = 0; j < 256; j++) {
    let code = 0;
    for (let c = 1; c <= PHASE_MAX; c++) if (imagejLutEntry(c, 0, PHASE_MAX) <= j) code = c;
    colormap.push(LABEL_COLORS[code]);
  }
  return { range: { min: 0, max: PHASE_MAX }, colormap };
}

/** Display of a generic K-class label volume (codes 0..K−1 by intensity): range 0..K−1, grey levels. */
export function classLabelDisplay(classes: number): TiffDisplay {
  return { range: { min: 0, max: Math.max(1, classes - 1) } };
}
