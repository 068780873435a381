/**
 * Steps 7b and 9: pores the low-density class never saw. Inside the electrolyte (≥ 2 voxels from its
 * faces, no Li 6-neighbour: filament rims stay), an electrolyte voxel darker than a level is pore.
 * 7b: blurred small pores never reach the low class, so nothing seeds them: the level is half-way
 *     between the void level and the electrolyte mean (the half-way rule against the pure void
 *     level); the refinement then settles their rims.
 * 9:  a pore one or two voxels across, blurred, never reaches half-way to the void level, but it is
 *     a dip far below the electrolyte's own spread: the level is the local electrolyte level −
 *     PORE_DIP robust σ (electrolyte-level.ts; after the refinement, which would hand them back to
 *     the nearer electrolyte mean).
 * Complexity: one O(N) pass each (the grey test first rules out nearly every voxel); ≤ ~200k
 * electrolyte samples for the median and MAD.
 */
import { ELECTROLYTE, PORE_DIP } from './codes.js';
import { electrolyteLevelGrid, type LevelGrid } from './electrolyte-level.js';
import { runSlabKernel } from './slab-parallel.js';
import type { Columns } from './columns.js';
import type { StepContext } from './types.js';

/** Every stride-th voxel of the volume that is electrolyte before step 7b: its grey and global index (count used). */
export interface ElectrolyteSample {
  stride: number;
  values: Float32Array;
  index: Float64Array;
  count: number;
}

/**
 * Electrolyte voxels inside the electrolyte (≥ 2 voxels from its faces, no Li 6-neighbour) darker
 * than `level` → pore. With `sample`, the grey of every sample.stride-th voxel of the volume that
 * is electrolyte before the pass is appended to it first. Returns the number of pores marked.
 */
async function poresBelow(ctx: StepContext, columns: Columns, level: number, sample?: ElectrolyteSample, grid?: LevelGrid): Promise<number> {
  const { store, backend, shape, plane } = ctx;
  const { collectorAtStart, elSurf, elBack, farLayer } = columns;
  let marked = 0;
  await store.sweep({ halo: 1, grey: true, labels: 'write' }, async (w) => {
    const L = w.labels, G = w.grey;
    if (sample) {
      const off = w.lo * plane, end = w.z1 * plane;
      for (let idx = Math.ceil((w.z0 * plane) / sample.stride) * sample.stride; idx < end; idx += sample.stride)
        if (L[idx - off] === ELECTROLYTE) {
          sample.index[sample.count] = idx;
          sample.values[sample.count++] = G[idx - off];
        }
    }
    // then the marking (slab-kernels.ts), over z-slabs on the workers
    for (const m of await runSlabKernel(backend, w, shape, 'poresBelowSlab', { level, collectorAtStart, farLayer, elSurf, elBack, grid: grid?.level ?? NO_GRID, gridDims: grid?.dims ?? [1, 1, 1] })) marked += m;
  });
  return marked;
}

/** Step 7b; returns the threshold (NaN when the void level or electrolyte mean is unknown) and the electrolyte sample for step 9. */
export async function subResolutionPores(ctx: StepContext, columns: Columns, muVoid: number, muEl: number): Promise<{ tPore: number; sample: ElectrolyteSample }> {
  const { nz, plane } = ctx;
  let poreSeeds = 0;
  // every elStride-th voxel of the volume, when it is electrolyte: ≤ ~200 k samples in a typed array
  const elStride = Math.max(1, Math.ceil((nz * plane) / 200_000));
  const room = Math.ceil((nz * plane) / elStride) + 1;
  const sample: ElectrolyteSample = { stride: elStride, values: new Float32Array(room), index: new Float64Array(room), count: 0 };
  const tPore = Number.isFinite(muVoid) && Number.isFinite(muEl) ? 0.5 * (muVoid + muEl) : NaN;
  if (Number.isFinite(tPore)) poreSeeds = await poresBelow(ctx, columns, tPore, sample);
  ctx.decisions.push({ step: 'pores', decision: `${poreSeeds} electrolyte voxels ≥ 2 voxels below the surface and darker than ${Number.isFinite(tPore) ? tPore.toFixed(1) : '—'} (half-way between the void level and the electrolyte mean) → pore`, evidence: { threshold: Number.isFinite(tPore) ? tPore : null, voxels: poreSeeds } });
  ctx.lap('pores');
  return { tPore, sample };
}

/**
 * Step 9 (sub-voxel pores), from the electrolyte sample of step 7b: the threshold is the local
 * electrolyte level − PORE_DIP robust σ (electrolyte-level.ts: cupping, drift and stitching move the
 * level by more than the noise).
 */
export async function poreDips(ctx: StepContext, columns: Columns, tPore: number, elSample: ElectrolyteSample): Promise<void> {
  let dips = 0;
  const kept = await stillElectrolyte(ctx, elSample);
  const grid = electrolyteLevelGrid(elSample.values, elSample.index, kept, ctx.shape, PORE_DIP);
  // a threshold everywhere below the half-way one adds nothing (those voxels are pores already)
  const used = grid && !(Number.isFinite(tPore) && grid.max < tPore) ? grid : null;
  if (used) dips = await poresBelow(ctx, columns, used.max, undefined, used);
  const range = (a: number, b: number) => `${a.toFixed(1)}–${b.toFixed(1)}`;
  ctx.decisions.push({
    step: 'pore dips',
    decision: used
      ? `${dips} electrolyte voxels ≥ 2 below the surface darker than the local electrolyte level − ${PORE_DIP} robust σ (level ${range(used.fieldMin, used.fieldMax)} over ${used.dims.join(' × ')} cells, σ ${used.sigma.toFixed(1)} about it; ${used.globalSigma.toFixed(1)} about one global level) → pore (sub-voxel pores)`
      : `no pore dips: ${grid ? `the threshold (≤ ${grid.max.toFixed(1)}) is below the half-way one` : 'too few electrolyte samples'}`,
    evidence: { voxels: dips, ...(grid ? { cells: grid.dims, cells_with_own_median: grid.ownCells, level_range: [grid.fieldMin, grid.fieldMax], sigma: grid.sigma, global_sigma: grid.globalSigma, largest_threshold: grid.max } : {}) },
  });
  ctx.lap('pore_dips');
}

const NO_GRID = new Float64Array(0);

/**
 * The samples whose voxel is still electrolyte (steps 7b–8 made some pore or another phase, step 10
 * a collector foil: its brighter grey must not raise the local level), moved to the front in sample
 * order; returns how many. (Leaving out the samples within 2 voxels of the electrolyte's faces, where
 * step 9 does not mark, was tried: the level rose, and so did the false dips — Li-foil pellet void
 * 0.897 → 0.891.)
 */
async function stillElectrolyte(ctx: StepContext, sample: ElectrolyteSample): Promise<number> {
  const { store, plane } = ctx;
  let k = 0, kept = 0;
  await store.sweep({ labels: 'read', needed: (_z0, z1) => k < sample.count && sample.index[k] < z1 * plane }, (w) => {
    const off = w.lo * plane, end = w.z1 * plane;
    for (; k < sample.count && sample.index[k] < end; k++) {
      const g = sample.index[k];
      if (w.labels[g - off] !== ELECTROLYTE) continue;
      sample.index[kept] = g;
      sample.values[kept++] = sample.values[k];
    }
  });
  return kept;
}
