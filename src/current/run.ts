/**
 * The current stage as one library call, used by `buried current` and by the run pipeline: a contact
 * map (and optionally the label slab under it) in, the conduction solve on the grid that fits, out.
 *
 * Grid choice, in this order:
 * - `grid` (the run pipeline's `current.grid`): the map is block-averaged until its long side is at
 *   most `grid` pixels (a block is in contact when ≥ half its pixels are), so a whole-scan map solves
 *   in seconds;
 * - `labels`: only electrolyte (code 2) conducts; the slab is streamed into a conducting mask, on
 *   k×k×k blocks when the voxel-resolution solve does not fit `budgetBytes` (coarsen.ts);
 * - otherwise the map's own pixels.
 * Cost: the multigrid-preconditioned CG of current/index.ts on the chosen grid.
 */
import { InputError } from '../io/errors.js';
import { formatBytes } from '../compute/budget.js';
import type { Volume, VoxelArray } from '../io/volume.js';
import type { VolumeSource } from '../io/source.js';
import { blockConductingMask, blockContact, coarsenContact, solveBlockFactor } from './coarsen.js';
import { runCurrentOn, type CurrentBackend } from './gpu.js';
import type { CurrentOptions, CurrentResult } from './index.js';

export interface CurrentStageOptions extends Omit<CurrentOptions, 'thicknessUm' | 'conducting'> {
  /** Electrolyte slab thickness (µm), or `{ autoDepthUm }`: that depth, at least 4 solve cells. Not needed with `labels`. */
  thicknessUm?: number | { autoDepthUm: number };
  /** Long side of the solve grid in pixels (block-averaged contact map); null / absent: the map's pixels. */
  grid?: number | null;
  /** Label slab [nz, ny, nx] under the contact map: only electrolyte conducts (see the header). */
  labels?: VolumeSource | null;
  /** Memory budget of the `labels` solve (bytes). */
  budgetBytes?: number;
  backend?: CurrentBackend;
  onWarning?: (message: string) => void;
  /** Progress of streaming the labels into blocks. */
  onLabelsProgress?: (block: number) => (done: number, total: number) => void;
  /** Which map (for error messages). */
  name?: string;
  /** The labels' file (for error messages). */
  labelsName?: string;
  /** Which electrode the map belongs to (for error messages), e.g. 'far'. */
  electrode?: string;
}

export interface CurrentStageResult extends CurrentResult {
  /** The grid the solve ran on: its size and pixel size, and the block size against the map. */
  grid: { ny: number; nx: number; dy: number; dx: number; block: number };
  /** The contact map on that grid (1 = contact). */
  contact: VoxelArray;
  thicknessUm: number;
  /** Coarsening of the `labels` solve (1: voxel resolution). */
  solveBlock: number;
  /** Why the labels solve was coarsened (null when it was not). */
  note: string | null;
}

/** Solve the current constriction under `contact` ([1, ny, nx], pixels > 0 in contact). */
export async function solveCurrentStage(contact: Volume, o: CurrentStageOptions = {}): Promise<CurrentStageResult> {
  const [nz, ny0, nx0] = contact.shape;
  if (nz !== 1) throw new InputError(`contact map must be a single slice [1, ny, nx], got ${contact.shape.join('×')}`, o.name);
  if (!contact.spacing) throw new InputError('no voxel size in the file: give --voxel UM (the current density and resistances need physical units)', o.name);
  const [, dy0, dx0] = contact.spacing;
  let map: VoxelArray = contact.data;
  let ny = ny0, nx = nx0, dy = dy0, dx = dx0, block = 1, solveBlock = 1;
  let conducting: CurrentOptions['conducting'] = null;
  let thickness = typeof o.thicknessUm === 'number' ? o.thicknessUm : undefined;
  let note: string | null = null;
  if (o.grid) {
    const coarse = coarsenContact(contact.data as Uint8Array, ny0, nx0, o.grid);
    map = coarse.map;
    ({ ny, nx, block } = coarse);
    dy = dy0 * block;
    dx = dx0 * block;
  } else if (o.labels) {
    const lab = o.labels;
    if (lab.shape[1] !== ny0 || lab.shape[2] !== nx0) throw new InputError(`labels are ${lab.shape.join('×')}, the contact map is ${ny0}×${nx0}`, o.labelsName);
    const dz = lab.spacing ? lab.spacing[0] : contact.spacing[0];
    solveBlock = solveBlockFactor(lab.shape[0], ny0, nx0, o.budgetBytes ?? Infinity, o.extrapolate ?? true);
    const coarse = await blockConductingMask(lab, solveBlock, 2, o.onLabelsProgress?.(solveBlock));
    conducting = { mask: coarse.mask, nz: coarse.nz, dz: dz * solveBlock };
    thickness = lab.shape[0] * dz;
    if (solveBlock > 1) {
      const m = blockContact(contact.data, ny0, nx0, solveBlock, (v) => v > 0);
      map = m.map;
      ny = m.ny;
      nx = m.nx;
      dy *= solveBlock;
      dx *= solveBlock;
      note = `the voxel-resolution solve (${lab.shape.join('×')} cells) does not fit the memory budget ${formatBytes(o.budgetBytes ?? Infinity)}: solved on ${solveBlock}×${solveBlock}×${solveBlock} blocks (${coarse.nz}×${ny}×${nx} cells)`;
    }
  }
  // a map with no contact has no current path: every figure would be NaN. Contact is > 0, as the solver
  // counts it (NaN and negative pixels are not in contact)
  if (!map.some((v) => v > 0)) throw new InputError(`no Li in contact with the electrolyte surface${o.electrode ? ` of the ${o.electrode} electrode` : ''}: the current stage has nothing to solve`, o.name);
  if (typeof o.thicknessUm === 'object' && o.thicknessUm !== null && thickness === undefined) thickness = Math.max(o.thicknessUm.autoDepthUm, 4 * Math.max(dx, dy));
  if (thickness === undefined) throw new InputError('give --thickness UM (electrolyte slab thickness) or --labels');
  const { grid: _grid, labels: _labels, budgetBytes: _budget, backend, onWarning, onLabelsProgress: _p, name: _name, labelsName: _ln, electrode: _e, thicknessUm: _t, ...solver } = o;
  const result = await runCurrentOn(backend ?? 'cpu', map, ny, nx, dx, dy, { ...solver, thicknessUm: thickness, conducting }, onWarning);
  return { ...result, grid: { ny, nx, dy, dx, block: block * solveBlock }, contact: map, thicknessUm: thickness, solveBlock, note };
}
