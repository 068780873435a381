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
 * Memory: the labels are relabelled in place and restored afterwards (no second volume); the
 * probabilities are read in slabs of 16 MiB; the relabelled voxels are listed (5 bytes each).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../io/errors.js';
import { openVolume, slabDepth, type OpenOptions } from '../io/open.js';
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

/** A growing list of voxel indices (or codes). */
class Grow<A extends Uint32Array | Uint8Array> {
  n = 0;
  constructor(private buf: A) {}
  push(v: number): void {
    if (this.n === this.buf.length) {
      const next = new (this.buf.constructor as new (n: number) => A)(Math.max(1024, 2 * this.n));
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.n++] = v;
  }
  done(): A {
    return this.buf.slice(0, this.n) as A;
  }
}

/** The voxels each bound relabels, fed P(Li) (uint8) slab by slab in increasing order. */
export class FlipCollector {
  private readonly thin = new Grow(new Uint32Array(0));
  private readonly thick = new Grow(new Uint32Array(0));
  private readonly from = new Grow(new Uint8Array(0));
  private readonly thinLevel: number;
  private readonly thickLevel: number;
  constructor(private readonly labels: Uint8Array, thresholds: { thin: number; thick: number } = BAND_THRESHOLDS) {
    this.thinLevel = probabilityLevel(thresholds.thin);
    this.thickLevel = probabilityLevel(thresholds.thick);
  }
  /** P(Li) of the voxels [offset, offset + pLi.length). */
  add(pLi: Uint8Array, offset: number): void {
    const labels = this.labels;
    for (let j = 0; j < pLi.length; j++) {
      const i = offset + j;
      const l = labels[i];
      if (l === LI) {
        if (pLi[j] < this.thinLevel) this.thin.push(i);
      } else if (l !== MASKED && pLi[j] >= this.thickLevel) {
        this.thick.push(i);
        this.from.push(l);
      }
    }
  }
  result(): BandFlips {
    return { thin: this.thin.done(), thick: this.thick.done(), thickFrom: this.from.done() };
  }
}

/** The voxels each bound relabels, from the labels and P(Li) (uint8) of the whole volume. */
export function bandFlips(labels: Uint8Array, pLi: Uint8Array, thresholds: { thin: number; thick: number } = BAND_THRESHOLDS): BandFlips {
  if (pLi.length !== labels.length) throw new RangeError(`P(Li) has ${pLi.length} voxels, the labels ${labels.length}`);
  const c = new FlipCollector(labels, thresholds);
  c.add(pLi, 0);
  return c.result();
}

/** The most probable other class of each thin flip, fed one class's probabilities at a time. */
export class Competitors {
  readonly codes: Uint8Array;
  private readonly best: Int16Array;
  constructor(private readonly thin: Uint32Array) {
    this.codes = new Uint8Array(thin.length);
    this.best = new Int16Array(thin.length).fill(-1);
  }
  /** A class's probabilities (uint8) of the voxels [offset, offset + p.length); on ties the class offered first wins. */
  offer(code: number, p: Uint8Array, offset = 0): void {
    if (code === LI) throw new RangeError('the competitor of Li is another class');
    const thin = this.thin;
    // the flips are in increasing order: the first one in this slab, by bisection
    let lo = 0, hi = thin.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (thin[mid] < offset) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo; k < thin.length && thin[k] < offset + p.length; k++) {
      const v = p[thin[k] - offset];
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

/** Feed a probability file to `fn` slab by slab (16 MiB at a time), checked against the labels. */
async function eachProbabilitySlab(dir: string, code: number, open: OpenOptions, labels: Volume, fn: (p: Uint8Array, offset: number) => void): Promise<void> {
  const file = path.join(dir, probabilityFile(code));
  const source = await openVolume(file, { roi: open.roi, voxel: open.voxel });
  try {
    if (source.dtype !== 'uint8') throw new InputError(`probabilities must be uint8 (P × 255), got ${source.dtype}`, file);
    if (source.shape.join(',') !== labels.shape.join(',')) throw new InputError(`probability shape ${source.shape.join('×')} differs from the labels' ${labels.shape.join('×')}`, file);
    const [nz, ny, nx] = source.shape;
    const depth = slabDepth(source, 16 << 20);
    for (let z0 = 0; z0 < nz; z0 += depth) {
      const z1 = Math.min(nz, z0 + depth);
      fn((await source.readSlices(z0, z1)) as Uint8Array, z0 * ny * nx);
    }
  } finally {
    await source.close();
  }
}

/**
 * Both bounds of every electrode of `main` (the labels' own measurement, whose electrode count the
 * bounds keep). `options` are the main measurement's (scan, spacing, normal, ...).
 */
export async function measureBand(labels: Volume, dir: string, open: OpenOptions, options: ElectrodeMapsOptions, main: ElectrodeMapsResult): Promise<ThicknessBand> {
  if (!(labels.data instanceof Uint8Array)) throw new InputError(`labels must be uint8 (got ${labels.dtype})`);
  const data = labels.data;
  const collector = new FlipCollector(data);
  await eachProbabilitySlab(dir, LI, open, labels, (p, offset) => collector.add(p, offset));
  const flips = collector.result();
  const competitors = new Competitors(flips.thin);
  for (const code of Object.keys(PROBABILITY_PHASES).map(Number)) {
    if (code === LI || !existsSync(path.join(dir, probabilityFile(code)))) continue;
    await eachProbabilitySlab(dir, code, open, labels, (p, offset) => competitors.offer(code, p, offset));
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
