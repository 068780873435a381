/**
 * Step 6a: the void | Li threshold. The Li level is fixed at the fringe profile's reference; the
 * void level is the mean of the fringe-corrected low-density grey below the threshold, and the
 * threshold half-way between the two, iterated to a fixed point (≤ 50 passes). Corrected grey =
 * grey − shift[fringe bin], computed where needed (no float copy of the volume). The first guess is
 * 3 robust σ (MAD of the layer voxels) below the Li level.
 * Complexity: one layer pass for the spread, one pass for a histogram per fringe bin (integer grey),
 * then O(bins · log levels) per iteration; float grey: O(N_low rows) per iteration.
 */
import { AIR, ELECTRODE, VOID } from './codes.js';
import type { Fringe } from './fringe.js';
import type { ComputeBackend } from '../../compute/types.js';
import type { PhaseStore } from '../store.js';
import { runSlabKernel } from './slab-parallel.js';
import type { StepContext } from './types.js';

/** Fringe-corrected grey of a voxel from its grey and label byte (bin in the high nibble), rounded to float32. */
export type Corrected = (g: number, l: number) => number;

export const correctedGrey = (shift: Float64Array): Corrected => (g, l) => Math.fround(g - shift[l >> 4]);

export interface VoidLiThreshold {
  muLi: number;
  liSpread: number;
  /** The void | Li threshold on corrected grey. */
  tVL: number;
  muVoid: number;
  /** Low-density voxels below the threshold in the last pass. */
  voidCount: number;
}

const isLowState = (s: number) => s === VOID || s === ELECTRODE || s === AIR;

export async function voidLiThreshold(ctx: StepContext, fringe: Fringe, lowRows: Uint8Array): Promise<VoidLiThreshold> {
  const { store, ny, nx, plane } = ctx;
  const corrected = correctedGrey(fringe.shift);
  const muLi = fringe.reference;
  let liSpread = fringe.referenceSpread ?? NaN;
  // (air beyond a tilted Li face: the spread of the Li population itself, the layer's mixture with the air would put the first guess below every voxel)
  if (fringe.referenceSpread === undefined) {
    // robust spread of the Li level (MAD of the layer voxels fringe.ts sampled, every stride-th in raster order)
    const { grey, labels } = fringe.layerSample;
    const dev: number[] = [];
    for (let k = 0; k < grey.length; k++) dev.push(Math.abs(corrected(grey[k], labels[k]) - muLi));
    dev.sort((x, y) => x - y);
    liSpread = dev.length ? 1.4826 * dev[dev.length >> 1] : NaN;
  }
  let tVL = Number.isFinite(liSpread) ? muLi - 3 * liSpread : muLi;
  let muVoid = NaN;
  let voidCount = 0;
  const table = await lowGreyTable(store, ctx.backend, fringe.shift, lowRows);
  for (let it = 0; it < 50; it++) {
    let s = 0, c = 0;
    if (table) [s, c] = table.below(tVL);
    else
      await store.sweep({ grey: true, labels: 'read' }, (w) => {
        for (let z = w.z0; z < w.z1; z++)
          for (let y = 0; y < ny; y++) {
            if (!lowRows[z * ny + y]) continue;
            const i1 = (z - w.lo) * plane + (y + 1) * nx;
            for (let i = i1 - nx; i < i1; i++) {
              const l = w.labels[i];
              if (!isLowState(l & 15)) continue;
              const v = corrected(w.grey[i], l);
              if (v < tVL) { s += v; c++; }
            }
          }
      });
    if (!c) { muVoid = NaN; voidCount = 0; break; }
    muVoid = s / c;
    voidCount = c;
    const next = 0.5 * (muVoid + muLi);
    if (Math.abs(next - tVL) < 1e-3 * Math.max(1, Math.abs(muLi))) { tVL = next; break; }
    tVL = next;
  }
  return { muLi, liSpread, tVL, muVoid, voidCount };
}

/** Sum and count of the low-state voxels whose corrected grey is below a threshold. */
export interface LowGreyTable {
  below(t: number): [number, number];
}

/**
 * The iterations' sums from one pass (on the workers) instead of a sweep per iteration: low-state
 * voxels counted per fringe bin and integer grey level; for a threshold, each bin's voxels below it
 * are a prefix of grey levels (the corrected grey rises with the grey), so prefix sums answer it.
 * Equal to the sweep's raster-order float sums when those are exact: every corrected grey a
 * multiple of 2^−e (integer grey, shifts of medians of integer grey: halves) and Σ|v| below
 * 2^(53−e). Null otherwise (float grey, or other shifts): the sweeps then run as before.
 */
export async function lowGreyTable(store: PhaseStore, backend: ComputeBackend, shift: Float64Array, lowRows: Uint8Array): Promise<LowGreyTable | null> {
  const shape = store.shape;
  if (store.greyDtype === 'float32') return null;
  const levels = store.greyDtype === 'uint8' ? 256 : 65536;
  const bins = shift.length;
  let e = 0;
  while (e <= 8 && !shift.every((x) => Number.isInteger(x * 2 ** e))) e++;
  if (e > 8) return null;
  let maxAbs = 0;
  for (const x of shift) maxAbs = Math.max(maxAbs, Math.abs(x), Math.abs(levels - 1 - x));
  if (maxAbs >= 2 ** (24 - e)) return null; // fround(g − shift) would round
  // uint32 counts: no count exceeds the voxels of the volume
  if (shape[0] * shape[1] * shape[2] >= 2 ** 32) return null;
  const hist = new Uint32Array(new SharedArrayBuffer(4 * (bins * levels + 1)));
  await store.sweep({ grey: true, labels: 'read' }, async (w) => {
    await runSlabKernel(backend, w, shape, 'lowGreyHistSlab', { lowRows, levels, bins, hist });
  });
  if (hist[bins * levels]) return null;
  // per bin: prefix counts and sums of the corrected grey over grey levels 0..g
  const cumC = new Float64Array(bins * levels), cumS = new Float64Array(bins * levels);
  let absSum = 0;
  for (let b = 0; b < bins; b++) {
    let c = 0, s = 0;
    for (let g = 0; g < levels; g++) {
      const n = hist[b * levels + g];
      if (n) {
        const v = Math.fround(g - shift[b]);
        c += n;
        s += n * v;
        absSum += n * Math.abs(v);
      }
      cumC[b * levels + g] = c;
      cumS[b * levels + g] = s;
    }
  }
  if (absSum * 2 ** e >= 2 ** 53) return null;
  return {
    below(t) {
      let s = 0, c = 0;
      for (let b = 0; b < bins; b++) {
        // levels g with fround(g − shift[b]) < t: 0..hi − 1
        let lo = 0, hi = levels;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (Math.fround(mid - shift[b]) < t) lo = mid + 1;
          else hi = mid;
        }
        if (hi > 0) {
          s += cumS[b * levels + hi - 1];
          c += cumC[b * levels + hi - 1];
        }
      }
      return [s, c];
    },
  };
}
