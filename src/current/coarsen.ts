/**
 * Coarser solve grids for the conduction problem. The voxel-resolution solve costs ≈ 125 bytes per
 * cell (CG vectors, stencil, multigrid hierarchy: measured 117–125 on 128²×64 and 256²×64), so a
 * slab from a large scan is solved on k×k×k blocks: the contact map and the conducting mask are
 * block-averaged (a block conducts / touches when at least half of its voxels do), the labels
 * streamed slab by slab so the full-resolution mask is never held.
 */
import type { VolumeSource } from '../io/source.js';
import { fitsInBudget } from '../compute/budget.js';

/** Measured resident bytes per solve cell of runCurrent (map-resolution solve, no extrapolation). */
export const SOLVE_BYTES_PER_CELL = 125;

export interface BlockMap {
  map: Uint8Array;
  ny: number;
  nx: number;
  block: number;
}

/** Block-average a contact map with blocks of `block` pixels (partial edge blocks dropped): ≥ half in contact → 1. */
export function blockContact(contact: ArrayLike<number>, ny: number, nx: number, block: number, inContact: (v: number) => boolean = (v) => v === 1): BlockMap {
  if (block === 1) return { map: Uint8Array.from(contact, (v) => (inContact(v) ? 1 : 0)), ny, nx, block };
  const cny = Math.floor(ny / block) || 1;
  const cnx = Math.floor(nx / block) || 1;
  const sum = new Float64Array(cny * cnx);
  const cnt = new Float64Array(cny * cnx);
  for (let y = 0; y < cny * block && y < ny; y++)
    for (let x = 0; x < cnx * block && x < nx; x++) {
      const b = ((y / block) | 0) * cnx + ((x / block) | 0);
      sum[b] += inContact(contact[y * nx + x]) ? 1 : 0;
      cnt[b]++;
    }
  const map = new Uint8Array(cny * cnx);
  for (let i = 0; i < map.length; i++) map[i] = cnt[i] > 0 && sum[i] / cnt[i] >= 0.5 ? 1 : 0;
  return { map, ny: cny, nx: cnx, block };
}

/** Block-average a 0/1 contact map (255 = outside, counted as no contact) onto ≤ grid × grid pixels. */
export function coarsenContact(contact: Uint8Array, ny: number, nx: number, grid: number): BlockMap {
  return blockContact(contact, ny, nx, Math.max(1, Math.ceil(Math.max(ny, nx) / grid)));
}

/** Estimated resident bytes of a conduction solve on nz × ny × nx cells (the refined extrapolation solve over nzD layers included). */
export function solveBytes(nz: number, ny: number, nx: number, extrapolationLayers = 0): number {
  return SOLVE_BYTES_PER_CELL * ny * nx * (nz + 8 * Math.min(nz, extrapolationLayers)) + 2 * nz * ny * nx;
}

/** Smallest block edge k so that the solve on ⌈nz/k⌉ × ⌊ny/k⌋ × ⌊nx/k⌋ cells fits the budget. */
export function solveBlockFactor(nz: number, ny: number, nx: number, budgetBytes: number, extrapolate: boolean): number {
  for (let k = 1; ; k++) {
    const cz = Math.ceil(nz / k), cy = Math.max(1, Math.floor(ny / k)), cx = Math.max(1, Math.floor(nx / k));
    // the extrapolation solve covers at most 16-layer multiples of the top of the slab; bound it by 16 layers
    if (fitsInBudget(solveBytes(cz, cy, cx, extrapolate ? Math.min(cz, 16) : 0), budgetBytes) || (cz === 1 && cy === 1 && cx === 1)) return k;
  }
}

/**
 * Conducting mask (label `conducting` = electrolyte) on k×k×k blocks, read slab by slab from a labels
 * source: ⌈nz/k⌉ layers (the last block may be thinner), ⌊ny/k⌋ × ⌊nx/k⌋ columns like blockContact.
 */
export async function blockConductingMask(labels: VolumeSource, block: number, conducting = 2, onProgress?: (done: number, total: number) => void): Promise<{ mask: Uint8Array; nz: number; ny: number; nx: number }> {
  const [nz, ny, nx] = labels.shape;
  const cnz = Math.ceil(nz / block), cny = Math.floor(ny / block) || 1, cnx = Math.floor(nx / block) || 1;
  const mask = new Uint8Array(cnz * cny * cnx);
  const sum = new Float64Array(cny * cnx);
  const cnt = new Float64Array(cny * cnx);
  const plane = ny * nx;
  for (let cz = 0; cz < cnz; cz++) {
    const z0 = cz * block, z1 = Math.min(nz, z0 + block);
    const slab = await labels.readSlices(z0, z1);
    sum.fill(0);
    cnt.fill(0);
    for (let z = 0; z < z1 - z0; z++)
      for (let y = 0; y < cny * block && y < ny; y++) {
        const row = z * plane + y * nx, brow = ((y / block) | 0) * cnx;
        for (let x = 0; x < cnx * block && x < nx; x++) {
          const b = brow + ((x / block) | 0);
          if (slab[row + x] === conducting) sum[b]++;
          cnt[b]++;
        }
      }
    for (let i = 0; i < sum.length; i++) mask[cz * cny * cnx + i] = cnt[i] > 0 && sum[i] / cnt[i] >= 0.5 ? 1 : 0;
    onProgress?.(z1, nz);
  }
  return { mask, nz: cnz, ny: cny, nx: cnx };
}
