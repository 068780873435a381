/**
 * The Li thickness band from a trainable segmentation's boundary uncertainty (issue #18 point 5):
 * every electrode measured again with Li redefined as P(Li) ≥ 0.7 (the thin bound) and as
 * P(Li) ≥ 0.3 (the thick bound), with the thickness stage's own electrodeMaps.
 *
 * Relabelling, only between Li and the class competing with it at each voxel:
 *  - thin bound: a voxel labelled Li with P(Li) < 0.7 becomes its most probable other class;
 *  - thick bound: a voxel not labelled Li (nor masked) with P(Li) ≥ 0.3 becomes Li.
 * Probabilities are read from probability_<phase>.tif (uint8, round(255 P)): P ≥ t is taken as
 * round(255 P) ≥ round(255 t), exact to the files' precision (±1/510).
 *
 * Memory: the labels are relabelled in place and restored afterwards (no second volume); one
 * probability volume is read at a time; the relabelled voxels are listed (5 bytes each).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../io/errors.js';
import { loadVolume, type OpenOptions } from '../io/open.js';
import type { Volume } from '../io/volume.js';
import { PROBABILITY_PHASES, probabilityFile, SEGMENT_FILES } from '../io/run-folder.js';
import { electrodeMaps, type ElectrodeMapsOptions, type ElectrodeMapsResult, type ElectrodeName } from './electrodes.js';
import type { ThicknessMapResult } from './map.js';

const LI = 1;
const MASKED = 255;

/** P(Li) defining Li for the thin and thick bounds. */
export const BAND_THRESHOLDS = { thin: 0.7, thick: 0.3 } as const;

/** The uint8 probability level at and above which P ≥ t (the files hold round(255 P)). */
export const probabilityLevel = (t: number) => Math.round(255 * t);

/** Voxels that change class for each bound; `thickFrom` keeps the thick flips' labels for the restore. */
export interface BandFlips {
  thin: Uint32Array;
  thick: Uint32Array;
  thickFrom: Uint8Array;
}

/** The voxels each bound relabels, from the labels and P(Li) (uint8). */
export function bandFlips(labels: Uint8Array, pLi: Uint8Array, thresholds: { thin: number; thick: number } = BAND_THRESHOLDS): BandFlips {
  if (pLi.length !== labels.length) throw new RangeError(`P(Li) has ${pLi.length} voxels, the labels ${labels.length}`);
  const thinLevel = probabilityLevel(thresholds.thin);
  const thickLevel = probabilityLevel(thresholds.thick);
  let nThin = 0, nThick = 0;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l === LI) {
      if (pLi[i] < thinLevel) nThin++;
    } else if (l !== MASKED && pLi[i] >= thickLevel) nThick++;
  }
  const thin = new Uint32Array(nThin);
  const thick = new Uint32Array(nThick);
  const thickFrom = new Uint8Array(nThick);
  let a = 0, b = 0;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (l === LI) {
      if (pLi[i] < thinLevel) thin[a++] = i;
    } else if (l !== MASKED && pLi[i] >= thickLevel) {
      thick[b] = i;
      thickFrom[b++] = l;
    }
  }
  return { thin, thick, thickFrom };
}

/** The most probable other class of each thin flip, fed one class's probabilities at a time. */
export class Competitors {
  readonly codes: Uint8Array;
  private readonly best: Int16Array;
  constructor(private readonly thin: Uint32Array) {
    this.codes = new Uint8Array(thin.length);
    this.best = new Int16Array(thin.length).fill(-1);
  }
  /** A class's probabilities (uint8); on ties the class offered first wins. */
  offer(code: number, p: Uint8Array): void {
    if (code === LI) throw new RangeError('the competitor of Li is another class');
    for (let k = 0; k < this.thin.length; k++) {
      const v = p[this.thin[k]];
      if (v > this.best[k]) {
        this.best[k] = v;
        this.codes[k] = code;
      }
    }
  }
  /** Whether every thin flip has a competitor (some other class was offered). */
  complete(): boolean {
    return this.best.every((b) => b >= 0);
  }
}

export interface ElectrodeBand {
  name: ElectrodeName;
  suffix: '' | '_far';
  /** Li as P(Li) ≥ 0.7, and as P(Li) ≥ 0.3. */
  thin: ThicknessMapResult;
  thick: ThicknessMapResult;
}

export interface ThicknessBand {
  thresholds: { thin: number; thick: number };
  /** Voxels relabelled for each bound. */
  relabelled: { thin: number; thick: number };
  /** The electrodes measured under both bounds with the same end (side) as the labels' own maps. */
  electrodes: ElectrodeBand[];
  /** Electrodes left out, and why (the bound found another electrode layout). */
  skipped: string[];
}

/**
 * The folder of a trainable segmentation's probabilities when `labelsFile` is its labels.tif: the
 * file's own folder when probability_li.tif lies beside it and segment.json (if any) says
 * trainable (an automatic segmentation written there later leaves the old probabilities behind).
 */
export function probabilitiesBeside(labelsFile: string): string | null {
  const dir = path.dirname(labelsFile);
  if (path.basename(labelsFile) !== SEGMENT_FILES.labels || !existsSync(path.join(dir, probabilityFile(LI)))) return null;
  try {
    return (JSON.parse(readFileSync(path.join(dir, SEGMENT_FILES.json), 'utf8')) as { mode?: string }).mode === 'trainable' ? dir : null;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? dir : null;
  }
}

async function readProbability(dir: string, code: number, open: OpenOptions, labels: Volume): Promise<Uint8Array> {
  const file = path.join(dir, probabilityFile(code));
  const v = await loadVolume(file, { roi: open.roi, raw: open.raw, voxel: open.voxel });
  if (!(v.data instanceof Uint8Array)) throw new InputError(`probabilities must be uint8 (P × 255), got ${v.dtype}`, file);
  if (v.shape.join(',') !== labels.shape.join(',')) throw new InputError(`probability shape ${v.shape.join('×')} differs from the labels' ${labels.shape.join('×')}`, file);
  return v.data;
}

/**
 * Both bounds of every electrode of `main` (the labels' own measurement, whose electrode count the
 * bounds keep). `options` are the main measurement's (scan, spacing, normal, ...).
 */
export async function measureBand(labels: Volume, dir: string, open: OpenOptions, options: ElectrodeMapsOptions, main: ElectrodeMapsResult): Promise<ThicknessBand> {
  if (!(labels.data instanceof Uint8Array)) throw new InputError(`labels must be uint8 (got ${labels.dtype})`);
  const data = labels.data;
  const flips = bandFlips(data, await readProbability(dir, LI, open, labels));
  const competitors = new Competitors(flips.thin);
  for (const code of Object.keys(PROBABILITY_PHASES).map(Number)) {
    if (code === LI || !existsSync(path.join(dir, probabilityFile(code)))) continue;
    competitors.offer(code, await readProbability(dir, code, open, labels));
  }
  if (!competitors.complete()) throw new InputError(`no probability of another class than Li beside ${probabilityFile(LI)}`, dir);
  const o: ElectrodeMapsOptions = { ...options, electrodes: main.detection.count, onProgress: undefined };
  const { thin, thick, thickFrom } = flips;
  let thinMaps: ElectrodeMapsResult;
  let thickMaps: ElectrodeMapsResult;
  try {
    for (let k = 0; k < thin.length; k++) data[thin[k]] = competitors.codes[k];
    thinMaps = electrodeMaps(labels, o);
  } finally {
    for (let k = 0; k < thin.length; k++) data[thin[k]] = LI;
  }
  try {
    for (let k = 0; k < thick.length; k++) data[thick[k]] = LI;
    thickMaps = electrodeMaps(labels, o);
  } finally {
    for (let k = 0; k < thick.length; k++) data[thick[k]] = thickFrom[k];
  }
  const electrodes: ElectrodeBand[] = [];
  const skipped: string[] = [];
  for (const e of main.electrodes) {
    const a = thinMaps.electrodes.find((x) => x.name === e.name && x.map.li_side === e.map.li_side);
    const b = thickMaps.electrodes.find((x) => x.name === e.name && x.map.li_side === e.map.li_side);
    if (a && b) electrodes.push({ name: e.name, suffix: e.suffix, thin: a.map, thick: b.map });
    else skipped.push(`${e.name}: a bound found its Li at the other end of the ${main.axis} axis`);
  }
  return { thresholds: { ...BAND_THRESHOLDS }, relabelled: { thin: thin.length, thick: thick.length }, electrodes, skipped };
}
