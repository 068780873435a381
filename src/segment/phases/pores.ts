/**
 * Steps 7b and 9: pores the low-density class never saw. Inside the electrolyte (≥ 2 voxels from its
 * faces, no Li 6-neighbour: filament rims stay), an electrolyte voxel darker than a level is pore.
 * 7b: blurred small pores never reach the low class, so nothing seeds them: the level is half-way
 *     between the void level and the electrolyte mean (the half-way rule against the pure void
 *     level); the refinement then settles their rims.
 * 9:  a pore one or two voxels across, blurred, never reaches half-way to the void level, but it is
 *     a dip far below the electrolyte's own spread: the level is the electrolyte median − PORE_DIP
 *     robust σ (after the refinement, which would hand them back to the nearer electrolyte mean).
 * Complexity: one O(N) pass each (the grey test first rules out nearly every voxel); ≤ ~200k
 * electrolyte samples for the median and MAD.
 */
import { ELECTROLYTE, PORE_DIP } from './codes.js';
import { runSlabKernel } from './slab-parallel.js';
import type { Columns } from './columns.js';
import type { StepContext } from './types.js';

/** Every stride-th voxel of the volume that is electrolyte before step 7b: its grey (count used). */
export interface ElectrolyteSample {
  stride: number;
  values: Float32Array;
  count: number;
}

/**
 * Electrolyte voxels inside the electrolyte (≥ 2 voxels from its faces, no Li 6-neighbour) darker
 * than `level` → pore. With `sample`, the grey of every sample.stride-th voxel of the volume that
 * is electrolyte before the pass is appended to it first. Returns the number of pores marked.
 */
async function poresBelow(ctx: StepContext, columns: Columns, level: number, sample?: ElectrolyteSample): Promise<number> {
  const { store, backend, shape, plane } = ctx;
  const { collectorAtStart, elSurf, elBack, farLayer } = columns;
  let marked = 0;
  await store.sweep({ halo: 1, grey: true, labels: 'write' }, async (w) => {
    const L = w.labels, G = w.grey;
    if (sample) {
      const off = w.lo * plane, end = w.z1 * plane;
      for (let idx = Math.ceil((w.z0 * plane) / sample.stride) * sample.stride; idx < end; idx += sample.stride)
        if (L[idx - off] === ELECTROLYTE) sample.values[sample.count++] = G[idx - off];
    }
    // then the marking (slab-kernels.ts), over z-slabs on the workers
    for (const m of await runSlabKernel(backend, w, shape, 'poresBelowSlab', { level, collectorAtStart, farLayer, elSurf, elBack })) marked += m;
  });
  return marked;
}

/** Step 7b; returns the threshold (NaN when the void level or electrolyte mean is unknown) and the electrolyte sample for step 9. */
export async function subResolutionPores(ctx: StepContext, columns: Columns, muVoid: number, muEl: number): Promise<{ tPore: number; sample: ElectrolyteSample }> {
  const { nz, plane } = ctx;
  let poreSeeds = 0;
  // every elStride-th voxel of the volume, when it is electrolyte: ≤ ~200 k samples in a typed array
  const elStride = Math.max(1, Math.ceil((nz * plane) / 200_000));
  const sample: ElectrolyteSample = { stride: elStride, values: new Float32Array(Math.ceil((nz * plane) / elStride) + 1), count: 0 };
  const tPore = Number.isFinite(muVoid) && Number.isFinite(muEl) ? 0.5 * (muVoid + muEl) : NaN;
  if (Number.isFinite(tPore)) poreSeeds = await poresBelow(ctx, columns, tPore, sample);
  ctx.decisions.push({ step: 'pores', decision: `${poreSeeds} electrolyte voxels ≥ 2 voxels below the surface and darker than ${Number.isFinite(tPore) ? tPore.toFixed(1) : '—'} (half-way between the void level and the electrolyte mean) → pore`, evidence: { threshold: Number.isFinite(tPore) ? tPore : null, voxels: poreSeeds } });
  ctx.lap('pores');
  return { tPore, sample };
}

/** Step 9 (sub-voxel pores), from the electrolyte sample of step 7b. */
export async function poreDips(ctx: StepContext, columns: Columns, tPore: number, elSample: ElectrolyteSample): Promise<void> {
  let dips = 0;
  let dipLevel = NaN;
  {
    // robust level and spread of the electrolyte (sampled in step 7b)
    const sample = elSample.values.subarray(0, elSample.count);
    if (sample.length >= 1000) {
      sample.sort();
      const med = sample[sample.length >> 1];
      const dev = sample.map((v) => Math.abs(v - med)).sort();
      const sigma = 1.4826 * dev[dev.length >> 1];
      dipLevel = med - PORE_DIP * sigma;
      // a dip level below the half-way threshold adds nothing (those voxels are pores already)
      if (Number.isFinite(tPore) && dipLevel < tPore) dipLevel = NaN;
    }
  }
  if (Number.isFinite(dipLevel)) dips = await poresBelow(ctx, columns, dipLevel);
  ctx.decisions.push({ step: 'pore dips', decision: `${dips} electrolyte voxels ≥ 2 below the surface darker than ${Number.isFinite(dipLevel) ? dipLevel.toFixed(1) : '—'} (electrolyte median − ${PORE_DIP} robust σ) → pore (sub-voxel pores)`, evidence: { level: Number.isFinite(dipLevel) ? dipLevel : null, voxels: dips } });
  ctx.lap('pore_dips');
}
