/**
 * 6-neighbourhood rules of the undecided and refinement steps (7, 8): the nearest-mean phase among a
 * voxel's decided neighbours (the half-way rule: a boundary sits where the grey crosses
 * (μa + μb)/2), whether a voxel sits on a phase boundary, and the phase means over interior voxels that the rule compares against (interior: the
 * partial volume at boundaries would pull each mean towards its neighbours).
 * Complexity: per voxel O(1); phaseMeans one O(N) pass.
 */
import type { ComputeBackend } from '../../compute/types.js';
import type { PhaseStore } from '../store.js';
import { phaseSumsSlab } from './slab-kernels.js';
import { runSlabKernel } from './slab-parallel.js';
import { COLLECTOR, COLLECTOR_2ND, LAST_PHASE, LI, OUTSIDE, VOID } from './codes.js';

/**
 * Mean grey per code 0..5 (the phases and the air outside the cell) over interior voxels (all 6
 * neighbours alike), else all, else fallback (sums: slab-kernels.ts phaseSumsSlab). Integer grey
 * levels sum exactly in float64 (below 2⁵³) in any order, so their slabs run on the workers and the
 * partial sums are added; float grey is summed on this thread in raster order (the same float sums).
 */
export async function phaseMeans(store: PhaseStore, fallback: number[], backend?: ComputeBackend): Promise<number[]> {
  let acc: Float64Array = new Float64Array(24);
  const exact = store.greyDtype !== 'float32';
  await store.sweep({ halo: 1, grey: true, labels: 'read' }, async (w) => {
    if (!backend || !exact) {
      acc = phaseSumsSlab({ grey: w.grey, labels: w.labels, lo: w.lo, z0: w.z0, z1: w.z1, shape: store.shape, acc });
      return;
    }
    const parts = await runSlabKernel(backend, w, store.shape, 'phaseSumsSlab', { acc: null });
    for (const p of parts) for (let k = 0; k < 24; k++) acc[k] += p[k];
  });
  const si = acc.subarray(0, 6), ci = acc.subarray(6, 12), sa = acc.subarray(12, 18), ca = acc.subarray(18, 24);
  return [0, 1, 2, 3, 4, 5].map((l) => (ci[l] >= 100 ? si[l] / ci[l] : ca[l] ? sa[l] / ca[l] : fallback[l]));
}

/** Whether a 6-neighbour of voxel i (index into `labels`, at global x, y, z) has a label other than a. */
export function hasOtherNeighbour(labels: Uint8Array, i: number, a: number, x: number, y: number, z: number, nz: number, ny: number, nx: number): boolean {
  const plane = ny * nx;
  return (
    (x > 0 && labels[i - 1] !== a) ||
    (x < nx - 1 && labels[i + 1] !== a) ||
    (y > 0 && labels[i - nx] !== a) ||
    (y < ny - 1 && labels[i + nx] !== a) ||
    (z > 0 && labels[i - plane] !== a) ||
    (z < nz - 1 && labels[i + plane] !== a)
  );
}

/**
 * Among the phases of voxel i's decided 6-neighbours (codes ≤ LAST_PHASE; i: index into `labels`, at
 * global x, y, z; and its own phase `own` when ≥ 0), the one whose mean is nearest to `g`. Between the
 * low phases (void, Li, air) the current decision stands (own low phase kept when the winner is
 * another low phase; an undecided or bright voxel going to void or Li takes the low phase of the
 * majority of its void and Li neighbours).
 */
export function nearestNeighbourPhase(
  labels: Uint8Array, i: number, g: number, mu: number[], x: number, y: number, z: number, nz: number, ny: number, nx: number, own: number,
): number {
  const plane = ny * nx;
  let present = own >= 0 && own <= LAST_PHASE ? 1 << own : 0;
  let nVoid = 0, nLi = 0, l = 0;
  // the six neighbours one by one (the set and the counts do not depend on the order)
  if (x > 0 && (l = labels[i - 1]) <= LAST_PHASE) { present |= 1 << l; if (l === VOID) nVoid++; else if (l === LI) nLi++; }
  if (x < nx - 1 && (l = labels[i + 1]) <= LAST_PHASE) { present |= 1 << l; if (l === VOID) nVoid++; else if (l === LI) nLi++; }
  if (y > 0 && (l = labels[i - nx]) <= LAST_PHASE) { present |= 1 << l; if (l === VOID) nVoid++; else if (l === LI) nLi++; }
  if (y < ny - 1 && (l = labels[i + nx]) <= LAST_PHASE) { present |= 1 << l; if (l === VOID) nVoid++; else if (l === LI) nLi++; }
  if (z > 0 && (l = labels[i - plane]) <= LAST_PHASE) { present |= 1 << l; if (l === VOID) nVoid++; else if (l === LI) nLi++; }
  if (z < nz - 1 && (l = labels[i + plane]) <= LAST_PHASE) { present |= 1 << l; if (l === VOID) nVoid++; else if (l === LI) nLi++; }
  if (!present) return -1;
  let best = -1, bestD = Infinity;
  // the air only against a collector (its faces to the air); elsewhere the layout placed it
  if (!(present & (1 << COLLECTOR))) present &= ~(1 << OUTSIDE);
  // a collector of two materials (mu[COLLECTOR_2ND]: the metal plunger behind a carbon foil) faces
  // the air with its metal: a voxel not of the collector next to the air is weighed against the
  // metal's level only (the bright fringe of air at the steel face is nearer the carbon's level)
  const twoMaterials = mu.length > COLLECTOR_2ND;
  const metalOnly = twoMaterials && own !== COLLECTOR && (present & (1 << OUTSIDE)) !== 0;
  for (let p = 0; p <= LAST_PHASE; p++) {
    if (!(present & (1 << p)) || !Number.isFinite(mu[p])) continue;
    const d = p === COLLECTOR && twoMaterials ? (metalOnly ? Math.abs(g - mu[COLLECTOR_2ND]) : Math.min(Math.abs(g - mu[p]), Math.abs(g - mu[COLLECTOR_2ND]))) : Math.abs(g - mu[p]);
    if (d < bestD) {
      bestD = d;
      best = p;
    }
  }
  if (own === OUTSIDE && best !== COLLECTOR) return own;
  if (best === VOID || best === LI || best === OUTSIDE) {
    // low phases keep their own split (void | Li by the fringe-corrected threshold, air by layout)
    if (own === VOID || own === LI || own === OUTSIDE) return own;
    if ((present & 3) === 3) return nLi >= nVoid ? LI : VOID;
  }
  return best;
}

/**
 * Phase levels for the nearest-mean rules, indexed by code (0 void … 4 cathode, 5 air outside the
 * cell): a collector of two materials is represented by both levels (index 3: the carbon,
 * COLLECTOR_2ND: the metal), never by their mixture's mean. Void and Li fall back to the levels of
 * step 6 when they have no voxels.
 */
export async function phaseLevels(store: PhaseStore, collectorMaterialLevels: readonly number[], muVoid: number, muLi: number, backend?: ComputeBackend): Promise<number[]> {
  const m = await phaseMeans(store, [muVoid, muLi, NaN, NaN, NaN, NaN], backend);
  return collectorMaterialLevels.length === 2 ? [m[0], m[1], m[2], collectorMaterialLevels[0], m[4], m[5], collectorMaterialLevels[1]] : m;
}
