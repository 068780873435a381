/**
 * Worker for the parallel distance transform and local thickness (piscina). Every task works on
 * SharedArrayBuffers owned by the main thread, on a disjoint range of slices or rows.
 */
import { passXY, passXYMask, passZ, volumeScratch, type LineScratch } from './edt-kernel.js';
import { distanceRidge, rasterBalls } from './local-thickness-kernel.js';

export type WorkerTask =
  | { op: 'xy' | 'z'; buffer: SharedArrayBuffer; shape: number[]; spacing: number[]; from: number; to: number; sqrt?: boolean }
  /** x and y passes from the phase bytes (`passXYMask`); answers the voxels outside the phase. */
  | { op: 'xym'; buffer: SharedArrayBuffer; src: SharedArrayBuffer; match: number; shape: number[]; spacing: number[]; from: number; to: number }
  | {
      op: 'balls';
      out: SharedArrayBuffer;
      labels: SharedArrayBuffer;
      label: number;
      shape: number[];
      spacing: number[];
      centres: SharedArrayBuffer;
      radii: SharedArrayBuffer;
      count: number;
      from: number;
      to: number;
    };

/** The distance ridge of slices [from, to) (`distanceRidge`). */
export interface RidgeTask {
  op: 'ridge';
  dist: SharedArrayBuffer;
  labels: SharedArrayBuffer;
  label: number;
  shape: number[];
  spacing: number[];
  from: number;
  to: number;
}

export interface RidgePart {
  centres: Int32Array;
  radii: Float32Array;
}

let cached: { key: string; scratch: LineScratch } | null = null;

function scratchFor(shape: number[]): LineScratch {
  const key = shape.join(',');
  if (!cached || cached.key !== key) cached = { key, scratch: volumeScratch(shape) };
  return cached.scratch;
}

/** Slices or rows done ('xy', 'z', 'balls'), the voxels outside the phase ('xym'), or the ridge found ('ridge'). */
export default function run(task: WorkerTask | RidgeTask): number | RidgePart {
  if (task.op === 'ridge') return distanceRidge(new Float32Array(task.dist), new Uint8Array(task.labels), task.label, task.shape, task.spacing, task.from, task.to);
  if (task.op === 'balls') {
    rasterBalls(
      new Float32Array(task.out),
      new Uint8Array(task.labels),
      task.label,
      task.shape,
      task.spacing,
      new Int32Array(task.centres, 0, task.count),
      new Float32Array(task.radii, 0, task.count),
      task.from,
      task.to,
    );
    return task.to - task.from;
  }
  const buf = new Float32Array(task.buffer);
  const scratch = scratchFor(task.shape);
  if (task.op === 'xym') return passXYMask(buf, new Uint8Array(task.src), task.match, task.shape, task.spacing, task.from, task.to, scratch);
  if (task.op === 'xy') passXY(buf, task.shape, task.spacing, task.from, task.to, scratch);
  else passZ(buf, task.shape, task.spacing, task.from, task.to, scratch, task.sqrt ?? true);
  return task.to - task.from;
}
