/**
 * Step 6a: the void | Li threshold. The Li level is fixed at the fringe profile's reference; the
 * void level is the mean of the fringe-corrected low-density grey below the threshold, and the
 * threshold half-way between the two, iterated to a fixed point (≤ 50 passes). Corrected grey =
 * grey − shift[fringe bin], computed where needed (no float copy of the volume). The first guess is
 * 3 robust σ (MAD of the layer voxels) below the Li level.
 * Complexity: one layer pass for the spread, then O(N_low rows) per iteration.
 */
import { AIR, ELECTRODE, VOID } from './codes.js';
import type { Fringe, LayerVisitor } from './fringe.js';
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

export async function voidLiThreshold(ctx: StepContext, fringe: Fringe, forEachLayer: LayerVisitor, lowRows: Uint8Array): Promise<VoidLiThreshold> {
  const { store, ny, nx, plane } = ctx;
  const corrected = correctedGrey(fringe.shift);
  const muLi = fringe.reference;
  let liSpread = NaN;
  {
    // robust spread of the Li level (MAD of far/deep layer voxels)
    const stride = Math.max(1, Math.ceil(fringe.totalLayer / 200_000));
    const dev: number[] = [];
    let seen = 0;
    await forEachLayer(true, (w, i) => {
      if (seen++ % stride === 0) dev.push(Math.abs(corrected(w.grey[i], w.labels[i]) - muLi));
    });
    dev.sort((x, y) => x - y);
    liSpread = dev.length ? 1.4826 * dev[dev.length >> 1] : NaN;
  }
  let tVL = Number.isFinite(liSpread) ? muLi - 3 * liSpread : muLi;
  let muVoid = NaN;
  let voidCount = 0;
  for (let it = 0; it < 50; it++) {
    let s = 0, c = 0;
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
