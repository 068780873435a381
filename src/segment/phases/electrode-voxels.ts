/**
 * Step 6b: each electrode voxel Li or void, then the final codes of the layout steps.
 * In the layer (between collector and electrolyte surface, or the far layer): Li unless the mean
 * corrected grey of the voxel and its electrode neighbours in the slice (3 × 3) is below the void | Li
 * threshold (interfacial voids). Interfacial voids and Li lie along the layer, so averaging across
 * the plane cuts the noise (per voxel, after the median filter, 1–7 % of the Li of the anode-free
 * phantoms fell below the half-way threshold) without thinning a void only 1–2 voxels tall.
 * Below the electrolyte surface (filaments, pores attached to the electrode; not layers: per-voxel
 * rule): void within 2 voxels of a dark core (geodesic growth inside the low-density mask), Li
 * otherwise. Dark cores carry growth marker 1 in the high nibble; voxels reached at step s, s + 1.
 * Complexity: one pass for the decisions, ≤ 2 growth passes (26-neighbourhood), one final pass.
 */
import { AIR, CAND, DMAX, ELECTRODE, LI, VOID } from './codes.js';
import { runSlabKernel } from './slab-parallel.js';
import type { Columns } from './columns.js';
import type { StepContext } from './types.js';
import { correctedGrey, type VoidLiThreshold } from './void-li.js';

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
  const final = await finalCodes(ctx);
  return {
    liVox: decided.liVox + final.liVox, electrodeVoid: decided.electrodeVoid, hasLi: decided.hasLi, liNear: decided.liNear, liFar: decided.liFar,
    undecidedAt: final.undecidedAt, undecidedRow: final.undecidedRow,
  };
}

/**
 * A voxel's fringe bin names the nearest bright phase only; in a layer a few voxels thin (Li thinned
 * by stripping, a gap where it is gone) the phase on the other side spills into it too, and blur and
 * fringes add. Its shift at the voxel's distance along the column from that phase (collector run or
 * electrolyte surface of the column, ≤ DMAX) is subtracted as well.
 */
function otherSideShift(columns: Columns, shift: Float64Array, nz: number): (p: number, k: number, b: number) => number {
  const { zoneAt, collInner, collOuter, elSurf, farInner, farOuter, elBack } = columns;
  return (p, k, b) => {
    if (!b) return 0;
    const zone = zoneAt(p, k);
    if (zone === 2) {
      if (b <= DMAX) { const d = k - collInner[p]; return collOuter[p] >= 0 && d >= 1 && d <= DMAX ? shift[DMAX + d] : 0; }
      const d = elSurf[p] - k; return d >= 1 && d <= DMAX ? shift[d] : 0;
    }
    if (zone === 4) {
      if (b <= DMAX) { const d = farInner[p] - k; return farOuter[p] < nz && d >= 1 && d <= DMAX ? shift[DMAX + d] : 0; }
      const d = k - elBack[p]; return d >= 1 && d <= DMAX ? shift[d] : 0;
    }
    return 0;
  };
}

/** Layer voxels → LI or VOID, voxels below the surface → CAND or a dark core (VOID | 1 << 4); VOID and AIR lose their fringe bin. */
async function decideElectrode(ctx: StepContext, columns: Columns, shift: Float64Array, tVL: number, lowRows: Uint8Array) {
  const { store, nz, ny, nx, plane } = ctx;
  const { oz, zoneAt } = columns;
  const corrected = correctedGrey(shift);
  const otherSide = otherSideShift(columns, shift, nz);
  let liVox = 0, electrodeVoid = 0, cores = 0;
  const hasLi = new Uint8Array(plane);
  let liNear = 0, liFar = 0;
  const dark = new Uint8Array(plane);
  const cg = new Float64Array(plane).fill(NaN);
  const cgRow = new Uint8Array(ny); // rows of cg holding values (the others are NaN)
  await store.sweep({ grey: true, labels: 'write' }, (w) => {
    const L = w.labels;
    for (let z = w.z0; z < w.z1; z++) {
      // a slice without low-density rows has nothing to decide
      let low = 0;
      for (let r = z * ny; r < (z + 1) * ny && !low; r++) low = lowRows[r];
      if (!low) continue;
      const k = oz(z);
      const base = (z - w.lo) * plane;
      // this slice's in-plane decisions first (the writes below would hide the neighbours' fringe
      // bins): each electrode voxel's corrected grey once (NaN elsewhere; rows without a low-density
      // voxel have none), then the 3 × 3 means
      let any = false;
      for (let y = 0; y < ny; y++) {
        const row = lowRows[z * ny + y];
        // a row without low-density voxels is all NaN: filled once, when it last held values
        if (!row) {
          if (cgRow[y]) cg.fill(NaN, y * nx, (y + 1) * nx);
          cgRow[y] = 0;
          continue;
        }
        cgRow[y] = 1;
        for (let p = y * nx; p < (y + 1) * nx; p++) {
          const l = L[base + p];
          if ((l & 15) !== ELECTRODE) { cg[p] = NaN; continue; }
          cg[p] = corrected(w.grey[base + p], l) - otherSide(p, k, l >> 4);
          any = true;
        }
      }
      if (any)
        for (let y = 0; y < ny; y++) {
          if (!cgRow[y]) continue; // no electrode voxel in the row: nothing to decide
          for (let x = 0; x < nx; x++) {
            const p = y * nx + x;
            if (cg[p] !== cg[p] || zoneAt(p, k) === 3) continue;
            let sum = 0, c = 0;
            for (let dy = -1; dy <= 1; dy++) {
              if (y + dy < 0 || y + dy >= ny) continue;
              for (let dx = -1; dx <= 1; dx++) {
                if (x + dx < 0 || x + dx >= nx) continue;
                const v = cg[p + dy * nx + dx];
                if (v === v) { sum += v; c++; }
              }
            }
            dark[p] = sum / c < tVL ? 1 : 0;
          }
        }
      for (let y = 0; y < ny; y++) {
        if (!lowRows[z * ny + y]) continue;
        for (let p = y * nx; p < (y + 1) * nx; p++) {
          const i = base + p;
          const s = L[i] & 15;
          if (s === VOID) { L[i] = VOID; continue; }
          if (s === AIR) { L[i] = AIR; continue; }
          if (s !== ELECTRODE) continue;
          const zone = zoneAt(p, k);
          const inside = zone === 3;
          if (inside ? corrected(w.grey[i], L[i]) < tVL : dark[p]) {
            electrodeVoid++;
            if (inside) cores++;
            L[i] = inside ? VOID | (1 << 4) : VOID;
          } else if (inside) {
            L[i] = CAND;
          } else {
            L[i] = LI;
            liVox++;
            if (zone === 4) liFar++;
            else { liNear++; hasLi[p] = 1; }
          }
        }
      }
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
