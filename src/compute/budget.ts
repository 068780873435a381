/**
 * Memory budget of a run (`--memory 8G`): how many bytes the stages may keep resident, and how the
 * out-of-core stages size their slabs from it. Default: a fraction of the memory the kernel reports
 * available, so a run on a shared node leaves room for others.
 */
import os from 'node:os';
import { InputError } from '../io/errors.js';

/** Fraction of available memory a run takes when no --memory is given. */
export const DEFAULT_BUDGET_FRACTION = 0.6;
/** Resident memory a run needs besides the voxel buffers (Node, code, small maps): kept out of every slab plan. */
export const PROCESS_BASELINE_BYTES = 160 * 2 ** 20;

const UNITS: Record<string, number> = { '': 1, B: 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 };

/** Parse '8G', '512M', '1.5GiB', '4096' (bytes); binary units. Throws an InputError naming the flag. */
export function parseMemory(text: string, flag = '--memory'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?\s*$/i.exec(text);
  if (!m) throw new InputError(`${flag} must be a size like 8G, 512M or 1.5GiB, got '${text}'`);
  const bytes = Math.floor(Number(m[1]) * UNITS[m[2].toUpperCase()]);
  if (!(bytes >= 64 * 2 ** 20)) throw new InputError(`${flag} must be at least 64M, got '${text}'`);
  return bytes;
}

export function defaultBudgetBytes(): number {
  return Math.floor(os.freemem() * DEFAULT_BUDGET_FRACTION);
}

/** The budget from a flag value (undefined → default). */
export function memoryBudget(flag: string | undefined): { bytes: number; origin: 'flag' | 'default' } {
  return flag === undefined ? { bytes: defaultBudgetBytes(), origin: 'default' } : { bytes: parseMemory(flag), origin: 'flag' };
}

export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
}

/**
 * Slices per slab for a streaming pass: `perSliceBytes` is what one slice of every buffer the pass
 * holds costs, `halo` the extra slices read on each side, `fixedBytes` what the pass keeps whatever
 * the slab (maps, tables). At least 1 slice; at most `nz`.
 */
export function slicesPerSlab(budgetBytes: number, perSliceBytes: number, nz: number, halo = 0, fixedBytes = 0): number {
  const room = budgetBytes - PROCESS_BASELINE_BYTES - fixedBytes;
  const slices = Math.floor(room / Math.max(1, perSliceBytes)) - 2 * halo;
  return Math.max(1, Math.min(nz, slices));
}

/** Whether a stage that would hold `inCoreBytes` resident fits the budget, or must stream. */
export function fitsInBudget(inCoreBytes: number, budgetBytes: number): boolean {
  return inCoreBytes + PROCESS_BASELINE_BYTES <= budgetBytes;
}
