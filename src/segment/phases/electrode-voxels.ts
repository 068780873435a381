/**
 * Step 6b: each electrode voxel Li or void, then the final codes of the layout steps.
 * In the layer (between collector and electrolyte surface, or the far layer): Li unless the mean
 * corrected grey of the voxel and its electrode neighbours in the slice (3 × 3) is below the void | Li
 * threshold (interfacial voids). Interfacial voids and Li lie along the layer, so averaging across
 * the plane cuts the noise (per voxel, after the median filter, 1–7 % of the Li of the anode-free
 * phantoms fell below the half-way threshold) without thinning a void only 1–2 voxels tall.
 * Below the electrolyte surface (filaments, pores attached to the electrode; not layers: per-voxel
 * rule): void within 2 voxels of a dark core (geodesic growth inside the low-density mask), Li
 * otherwise; then candidates not connected through Li to the layer → void (filament-links.ts).
 * Dark cores carry growth marker 1 in the high nibble; voxels reached at step s, s + 1.
 * Complexity: one pass for the decisions, ≤ 2 growth passes (26-neighbourhood), one final pass.
 */
import { detachedCandidates } from './filament-links.js';
import { runSlabKernel } from './slab-parallel.js';
import type { Columns } from './columns.js';
import type { StepContext } from './types.js';
import type { VoidLiThreshold } from './void-li.js';

export interface ElectrodeVoxels {
  liVox: number;
  electrodeVoid: number;
  /** Columns with Li in the near layer. */
  hasLi: Uint8Array;
  /** Li voxels in the near layer and in the far layer. */
  liNear: number;
  liFar: number;
  /** Undecided voxels per slice and per row (z, y): step 7's passes skip the others. */
  undecidedAt: Float64Array;
  undecidedRow: Int32Array;
}

export async function electrodeVoxels(ctx: StepContext, columns: Columns, shift: Float64Array, vl: VoidLiThreshold, lowRows: Uint8Array): Promise<ElectrodeVoxels> {
  const decided = await decideElectrode(ctx, columns, shift, vl.tVL, lowRows);
  if (decided.cores) decided.electrodeVoid += await growVoidCores(ctx);
  decided.electrodeVoid += await detachedCandidates(ctx);
  const final = await finalCodes(ctx);
  return {
    liVox: decided.liVox + final.liVox, electrodeVoid: decided.electrodeVoid, hasLi: decided.hasLi, liNear: decided.liNear, liFar: decided.liFar,
    undecidedAt: final.undecidedAt, undecidedRow: final.undecidedRow,
  };
}

/**
 * Layer voxels → LI or VOID, voxels below the surface → CAND or a dark core (VOID | 1 << 4); VOID and
 * AIR lose their fringe bin (layout-kernels.ts decideElectrodeSlab: each slice decides itself, so
 * z-slabs run on the workers).
 */
async function decideElectrode(ctx: StepContext, columns: Columns, shift: Float64Array, tVL: number, lowRows: Uint8Array) {
  const { store, backend, shape, plane } = ctx;
  const { collectorAtStart, collOuter, collInner, elSurf, elBack, farInner, farOuter, farLayer } = columns;
  // shared: read / written on the workers (hasLi: only ever set to 1)
  const hasLi = new Uint8Array(new SharedArrayBuffer(plane));
  const sharedShift = new Float64Array(new SharedArrayBuffer(8 * shift.length));
  sharedShift.set(shift);
  let liVox = 0, electrodeVoid = 0, cores = 0, liNear = 0, liFar = 0;
  await store.sweep({ grey: true, labels: 'write' }, async (w) => {
    const params = { lowRows, shift: sharedShift, tVL, collectorAtStart, hasLi, collOuter, collInner, elSurf, elBack, farInner, farOuter, farLayer };
    for (const r of await runSlabKernel(backend, w, shape, 'decideElectrodeSlab', params)) {
      liVox += r[0]; electrodeVoid += r[1]; cores += r[2]; liNear += r[3]; liFar += r[4];
    }
  });
  return { liVox, electrodeVoid, cores, hasLi, liNear, liFar };
}

/** Candidates within 2 steps (26-connected, through candidates) of a dark core → void; returns how many. */
async function growVoidCores(ctx: StepContext): Promise<number> {
  const { store, backend, shape } = ctx;
  let electrodeVoid = 0;
  for (let step = 1; step <= 2; step++) {
    let grown = 0;
    // over z-slabs on the workers: a voxel marked in this step (step + 1) is not read as a source (step)
    await store.sweep({ halo: 1, labels: 'write' }, async (w) => {
      for (const g of await runSlabKernel(backend, w, shape, 'growCoresSlab', { step })) grown += g;
    });
    electrodeVoid += grown;
    if (!grown) break;
  }
  return electrodeVoid;
}

/** Final codes: candidates → Li, markers cleared, still-open voxels → UNDECIDED (counted per slice and row), AIR → OUTSIDE, CAM → CATHODE. */
async function finalCodes(ctx: StepContext): Promise<{ liVox: number; undecidedAt: Float64Array; undecidedRow: Int32Array }> {
  const { store, backend, shape, nz, ny } = ctx;
  let liVox = 0;
  // shared: written by the workers (each its own slices), then step 7's tables
  const undecidedAt = new Float64Array(new SharedArrayBuffer(8 * nz));
  const undecidedRow = new Int32Array(new SharedArrayBuffer(4 * nz * ny));
  await store.sweep({ labels: 'write' }, async (w) => {
    for (const li of await runSlabKernel(backend, w, shape, 'finalCodesSlab', { undecidedAt, undecidedRow })) liVox += li;
  });
  return { liVox, undecidedAt, undecidedRow };
}
