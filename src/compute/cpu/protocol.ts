/**
 * Messages from the cpu backend to its workers. Arrays travel as SharedArrayBuffers plus a dtype
 * tag (structured clone shares, never copies, a SharedArrayBuffer), so every worker sees the same
 * memory; each task writes only its own z-slab or index range of the outputs.
 */
import type { HistogramSpec } from '../types.js';

export type GreyDType = 'uint8' | 'uint16' | 'float32';

export interface SharedRef {
  buffer: SharedArrayBuffer;
  dtype: GreyDType | 'uint32';
  byteOffset: number;
  length: number;
}

type Shape3 = [number, number, number];

export type Task =
  | { op: 'normalize'; input: SharedRef; out: SharedRef; i0: number; i1: number; lo: number; hi: number }
  | { op: 'clip'; input: SharedRef; out: SharedRef; i0: number; i1: number; lo: number; hi: number }
  | { op: 'classify'; input: SharedRef; out: SharedRef; i0: number; i1: number; thresholds: number[] }
  | { op: 'histogram'; input: SharedRef; i0: number; i1: number; spec: HistogramSpec }
  | { op: 'median3'; input: SharedRef; out: SharedRef; shape: Shape3; z0: number; z1: number; haloLo: SharedRef | null; haloHi: SharedRef | null }
  | { op: 'gaussianXY'; input: SharedRef; tmp: SharedRef; shape: Shape3; z0: number; z1: number; wx: number[]; wy: number[] }
  | { op: 'gaussianZ'; tmp: SharedRef; out: SharedRef; shape: Shape3; z0: number; z1: number; wz: number[] }
  | { op: 'localMeanVariance'; input: SharedRef; mean: SharedRef; variance: SharedRef; shape: Shape3; z0: number; z1: number; radius: number }
  | { op: 'components'; mask: SharedRef; labels: SharedRef; shape: Shape3; z0: number; z1: number; connectivity: 6 | 26 }
  | { op: 'relabel'; labels: SharedRef; map: SharedRef; offset: number; i0: number; i1: number }
  /** A stage's own kernel: export `name` of the module at file URL `url`, called with `arg`. */
  | { op: 'module'; url: string; name: string; arg: object };
