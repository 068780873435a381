/**
 * Step 7: undecided voxels → the nearest mean among their decided neighbours' phases (the half-way
 * rule), propagating inwards. A pass's decisions are written as PENDING | phase (not yet visible as
 * decided to their neighbours) and committed after the pass: no list of voxels is kept. Slabs and
 * rows without undecided (pending) voxels are skipped. Voxels with no decided neighbour at all
 * (isolated) take their intensity class: low → void, else electrolyte.
 * Undecided voxels touching a decided phase in the first pass are boundary partial volume, settled
 * like the refinement; those reached only by propagation (or isolated) are the fallback.
 * Complexity: ≤ 64 passes over the slabs that hold undecided voxels, O(undecided rows · nx) each.
 */
import { anyIn } from './class-stats.js';
import { ELECTROLYTE, UNDECIDED, VOID } from './codes.js';
import type { ElectrodeVoxels } from './electrode-voxels.js';
import { runSlabKernel } from './slab-parallel.js';
import type { ClassPlan, StepContext } from './types.js';

export interface Undecided {
  /** Undecided voxels after the layout steps. */
  nUndecided: number;
  /** Decided in the first pass (boundary partial volume): the rest are fallback voxels. */
  firstPass: number;
}

export async function settleUndecided(ctx: StepContext, plan: ClassPlan, ev: Pick<ElectrodeVoxels, 'undecidedAt' | 'undecidedRow'>, mu: number[]): Promise<Undecided> {
  const { store, backend, shape, nz, ny, nx, plane } = ctx;
  const { undecidedAt, undecidedRow } = ev;
  let nUndecided = 0;
  for (let z = 0; z < nz; z++) nUndecided += undecidedAt[z];
  // shared: the passes run over z-slabs on the workers (PENDING is not a decided phase, so a pass
  // reads only what was decided before it), each writing its own slices' and rows' entries
  const pendingAt = new Float64Array(new SharedArrayBuffer(8 * nz));
  const pendingRow = new Uint8Array(new SharedArrayBuffer(nz * ny));
  let remaining = nUndecided;
  let firstPass = 0;
  let passes = 0;
  while (remaining && passes < 64) {
    passes++;
    let changed = 0;
    await store.sweep({ halo: 1, grey: true, labels: 'write', needed: anyIn(undecidedAt) }, async (w) => {
      for (const c of await runSlabKernel(backend, w, shape, 'undecidedSlab', { mu, undecidedAt, undecidedRow, pendingAt, pendingRow })) changed += c;
    });
    if (!changed) break;
    // the pass's marks committed, over z-slabs on the workers too (each voxel is its own)
    await store.sweep({ labels: 'write', needed: anyIn(pendingAt) }, async (w) => {
      await runSlabKernel(backend, w, shape, 'commitPendingSlab', { pendingAt, pendingRow });
    });
    remaining -= changed;
    if (passes === 1) firstPass = changed;
  }
  if (remaining) {
    // isolated (no decided neighbour at all)
    const { cls } = plan;
    await store.sweep({ grey: true, labels: 'write', needed: anyIn(undecidedAt) }, (w) => {
      for (let z = w.z0; z < w.z1; z++)
        for (let y = 0; y < ny; y++) {
          if (!undecidedRow[z * ny + y]) continue;
          const i1 = (z - w.lo) * plane + (y + 1) * nx;
          for (let i = i1 - nx; i < i1; i++) if (w.labels[i] === UNDECIDED) w.labels[i] = cls(w.grey[i]) === 0 ? VOID : ELECTROLYTE;
        }
    });
  }
  ctx.decisions.push({ step: 'undecided', decision: `${nUndecided} bright-class voxels outside the main collector/electrolyte components assigned to the neighbouring phase with the nearest mean (${passes} passes)`, evidence: { means: mu } });
  ctx.lap('undecided');
  return { nUndecided, firstPass };
}
