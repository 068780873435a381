/**
 * Step 8: boundary refinement by the half-way rule. A voxel at a boundary between phases a and b
 * takes whichever adjacent phase's mean is nearest to its grey (the boundary sits where the grey
 * crosses (μa + μb)/2), a few passes; the low phases keep their void | Li decision between
 * themselves (nearestNeighbourPhase). The cathode takes part too: left at the 3-class Otsu
 * threshold, its face with the electrolyte sat below the half-way point of the two interior means
 * (full-cell phantom: 12 900 vs 13 290), and electrolyte between particles went to the cathode.
 * Each pass reads the labels as they were before it (changes listed, then applied). A voxel's
 * outcome depends only on its own and its 6 neighbours' labels (grey and means are fixed), so after
 * the first full pass only the changed voxels and their neighbours are looked at again.
 * Complexity: one O(N) pass, then O(changes · log) per pass; the change lists spill to disk beyond a
 * chunk (change-log.ts), and candidates are made REFINE_CHUNK_SLICES slices at a time.
 */
import { ChangeLog } from '../change-log.js';
import { REFINE_CHUNK_SLICES } from './codes.js';
import { nearChangesSlab, type SlabArgs } from './slab-kernels.js';
import { KERNELS_MODULE, runSlabKernel } from './slab-parallel.js';
import type { StepContext } from './types.js';

/** Chunks of a later pass per worker thread in one batch (the changes cluster in a few slices). */
const CHUNKS_PER_THREAD = 4;

/** Returns the number of changes per pass (the last pass: 0 when it converged). */
export async function refineBoundaries(ctx: StepContext, mu: number[]): Promise<number[]> {
  const refinePasses = ctx.options.refinePasses ?? 3;
  const changedPerPass: number[] = [];
  // the last pass's changes (raster order; spilled to disk beyond a chunk), null: look at every voxel
  let previous: ChangeLog | null = null;
  let current: ChangeLog | null = null;
  try {
    for (let pass = 0; pass < refinePasses; pass++) {
      const changes = (current = new ChangeLog(ctx.changeChunkEntries));
      if (previous === null) await considerAll(ctx, mu, changes);
      else {
        await considerNear(ctx, mu, previous, changes);
        previous.discard();
      }
      previous = changes;
      current = null;
      if (changes.length) await applyChanges(ctx, changes);
      changedPerPass.push(changes.length);
      if (!changes.length) break;
    }
  } finally {
    (previous as ChangeLog | null)?.discard();
    (current as ChangeLog | null)?.discard();
  }
  ctx.decisions.push({ step: 'boundaries', decision: `half-way rule at phase boundaries: a boundary voxel takes the adjacent phase whose mean is nearest (boundary where the grey crosses (μa+μb)/2); void|Li keep the fringe-corrected split`, evidence: { means: mu, changed_per_pass: changedPerPass } });
  ctx.lap('refine');
  return changedPerPass;
}

/**
 * First pass: every voxel with a 6-neighbour of another label (slab-kernels.ts
 * boundaryChangesSlab), over z-slabs on the workers: the pass only reads the labels, and the slabs'
 * changes, in z order, are the raster order of one pass.
 */
async function considerAll(ctx: StepContext, mu: number[], changes: ChangeLog): Promise<void> {
  const { store, backend, shape } = ctx;
  await store.sweep({ halo: 1, grey: true, labels: 'read' }, async (w) => {
    for (const part of await runSlabKernel(backend, w, shape, 'boundaryChangesSlab', { mu }))
      for (let k = 0; k < part.offset.length; k++) changes.push(part.from + part.offset[k], part.phase[k]);
  });
}

/**
 * Later passes: the previous pass's changed voxels and their 6-neighbours (slab-kernels.ts
 * nearChangesSlab), made REFINE_CHUNK_SLICES slices at a time: memory bounded by the changes near
 * a batch of chunks, not by all changes of the volume. The chunks of a batch run at once on the
 * workers (they only read the labels); their changes, in chunk order, are the raster order.
 */
async function considerNear(ctx: StepContext, mu: number[], previous: ChangeLog, changes: ChangeLog): Promise<void> {
  const { store, backend, shape, plane } = ctx;
  const prev = previous.reader();
  let k = 0; // first change not below the chunk's slices − 1
  const near = (z0: number, z1: number) => {
    while (k < prev.length && prev.index(k) < (z0 - 1) * plane) k++;
    prev.release(k);
    return k < prev.length && prev.index(k) < (z1 + 1) * plane;
  };
  const threads = backend.runModuleTasks ? (backend.threads ?? 1) : 1;
  const batch = threads > 1 ? threads * CHUNKS_PER_THREAD : 1;
  await store.sweep({ halo: 1, grey: true, labels: 'read', needed: near }, async (w) => {
    const onWorkers = batch > 1 && w.grey.buffer instanceof SharedArrayBuffer && w.labels.buffer instanceof SharedArrayBuffer;
    let args: (SlabArgs & { mu: number[]; prev: Float64Array })[] = [];
    const run = async () => {
      const parts = onWorkers && args.length > 1 ? await backend.runModuleTasks!<ReturnType<typeof nearChangesSlab>>(KERNELS_MODULE, 'nearChangesSlab', args) : args.map(nearChangesSlab);
      for (let c = 0; c < parts.length; c++) {
        const part = parts[c], from = args[c].z0 * plane;
        for (let j = 0; j < part.offset.length; j++) changes.push(from + part.offset[j], part.phase[j]);
      }
      args = [];
    };
    for (let c0 = w.z0; c0 < w.z1; c0 += REFINE_CHUNK_SLICES) {
      const c1 = Math.min(w.z1, c0 + REFINE_CHUNK_SLICES);
      if (!near(c0, c1)) continue;
      let e = k;
      while (e < prev.length && prev.index(e) < (c1 + 1) * plane) e++;
      // shared when sent to the workers: passed by reference, not copied into each worker's heap
      args.push({ grey: w.grey, labels: w.labels, lo: w.lo, z0: c0, z1: c1, shape, mu, prev: prev.indices(k, e, onWorkers) });
      if (args.length === batch) await run();
    }
    if (args.length) await run();
  });
}

/** Writes a pass's changes (raster order) into the labels. */
async function applyChanges(ctx: StepContext, changes: ChangeLog): Promise<void> {
  const { store, plane } = ctx;
  const list = changes.reader();
  let k = 0;
  await store.sweep({ labels: 'write', needed: (_z0, z1) => k < list.length && list.index(k) < z1 * plane }, (w) => {
    const end = w.z1 * plane, off = w.lo * plane;
    while (k < list.length && list.index(k) < end) {
      w.labels[list.index(k) - off] = list.phase(k);
      k++;
    }
    list.release(k);
  });
}
