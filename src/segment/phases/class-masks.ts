/**
 * Masks of intensity classes for the connected-components passes, computed slab by slab from the
 * grey level (no class volume is stored). The comparisons are those of `classifier` (thresholds
 * rounded to float32), inlined: these masks run over every voxel of each components pass.
 * Complexity: O(voxels of the slab).
 */
import type { PhaseStore } from '../store.js';
import type { ClassOf } from './class-stats.js';

export type MaskFiller = (z0: number, z1: number, m: Uint8Array) => void;

/** Mask of intensity class c (as `cls`: the number of thresholds ≤ g). */
export const classMask = (store: PhaseStore, thresholds: readonly number[], c: number): MaskFiller => (z0, z1, m) => {
  const g = store.greySlices(z0, z1);
  const ts = thresholds.map(Math.fround); // those of `cls`
  if (c === 0) {
    const hi = ts[0];
    for (let i = 0; i < m.length; i++) m[i] = g[i] >= hi ? 0 : 1;
  } else if (c === ts.length) {
    const lo = ts[c - 1];
    for (let i = 0; i < m.length; i++) m[i] = g[i] >= lo ? 1 : 0;
  } else {
    const lo = ts[c - 1], hi = ts[c];
    for (let i = 0; i < m.length; i++) m[i] = g[i] >= lo && !(g[i] >= hi) ? 1 : 0;
  }
};

/** Mask of several intensity classes (the collector's), OR of their masks. */
export const classesMask = (store: PhaseStore, thresholds: readonly number[], cls: ClassOf, cs: number[]): MaskFiller => (z0, z1, m) => {
  classMask(store, thresholds, cs[0])(z0, z1, m);
  if (cs.length === 1) return;
  const g = store.greySlices(z0, z1);
  for (let i = 0; i < m.length; i++) if (!m[i] && cs.includes(cls(g[i]))) m[i] = 1;
};
