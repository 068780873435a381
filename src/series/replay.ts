/**
 * The stripping replay of the first scan against what a later scan measured (issue #21 point 3):
 * replay scan 0's Li thickness map (strip/, uniform rate and current-aware) to the Li fraction the
 * later scan has lost, and compare the predicted active (Li-covered, in contact) area with the
 * measured contact, per pixel: which model the cell followed.
 *
 * Measured stripped fraction = Σ max(0, t₀ − t_k) / Σ t₀ over the columns measured in both (Li
 * deposited elsewhere does not cancel Li stripped here). Uniform model: the replay's removed depth
 * h at that fraction, active where t₀ > h (strip/index.ts remainingAfter). Current-aware model: its
 * state at that fraction on the solve grid (strip/current-mode.ts), each map pixel taking its block.
 * Agreement map codes: 0 both lost, 1 both active, 2 predicted active but lost, 3 predicted lost but
 * active, 255 unmeasured. O(map pixels) for the uniform model; the current-aware one solves the
 * conduction problem at each of its steps (strip/current-mode.ts).
 */
import { remainingAfter, stripUniform } from '../strip/index.js';
import { stripCurrent } from '../strip/current-mode.js';

export interface ModelAgreement {
  /** Predicted fraction of the measured pixels with Li left in contact. */
  active_fraction: number;
  /** Pixels where prediction and measurement agree (both active or both lost), over the measured ones. */
  pixel_agreement: number;
  /** Per map pixel (codes above). */
  map: Uint8Array;
}

export interface ReplayComparison {
  stripped_fraction: number;
  /** Measured fraction of the pixels in contact. */
  measured_active_fraction: number;
  uniform: ModelAgreement;
  current: ModelAgreement | null;
  /** The model whose pixels agree better ('uniform' | 'current'), null when they tie within 1 %. */
  closer: 'uniform' | 'current' | null;
}

export interface ReplayCompareOptions {
  /** Also the current-aware replay (a conduction solve per step; default true). */
  current?: boolean;
  /** Long side of its solve grid (default 64, as `buried strip`). */
  solveGrid?: number;
}

/**
 * Compare, for each later scan, scan 0's replay with the measured contact. `t0` and `later[k]` are
 * thickness maps (µm, NaN = unmeasured) of rows × cols pixels of `pixelUm`; `contact[k]` the later
 * scans' contact maps (1 Li against the electrolyte, 0 not, 255 no surface).
 */
export function compareReplays(t0: Float32Array, later: Float32Array[], contact: Uint8Array[], rows: number, cols: number, pixelUm: number, o: ReplayCompareOptions = {}): ReplayComparison[] {
  const m = rows * cols;
  const fractions = later.map((tk) => {
    let total = 0, lost = 0;
    for (let i = 0; i < m; i++) {
      if (!Number.isFinite(t0[i]) || !Number.isFinite(tk[i])) continue;
      total += t0[i];
      lost += Math.max(0, t0[i] - tk[i]);
    }
    return total > 0 ? Math.min(1, lost / total) : 0;
  });
  const uniform = stripUniform(t0, rows, cols, { at: fractions, steps: 50 });
  const current = o.current === false ? null : stripCurrent(t0, rows, cols, pixelUm, {
    fractions: uniform.rows.map((r) => r.stripped_fraction), at: fractions, solveGrid: o.solveGrid ?? 64,
  });
  return later.map((_, k) => {
    const measured = contact[k];
    let n = 0, active = 0;
    for (let i = 0; i < m; i++) if (measured[i] !== 255 && Number.isFinite(t0[i])) { n++; active += measured[i]; }
    const remaining = remainingAfter(t0, uniform.at_rows[k].removed_depth_um);
    const u = agreement((i) => remaining[i] > 0, measured, t0, m);
    let c: ModelAgreement | null = null;
    if (current) {
      const { grid } = current;
      const state = current.at_states[k];
      c = agreement((i) => {
        const r = Math.floor(Math.floor(i / cols) / grid.block), q = Math.floor((i % cols) / grid.block);
        const b = r * grid.nx + q;
        return state.remaining[b] > 0 && !state.voided[b];
      }, measured, t0, m);
    }
    const closer = !c || Math.abs(c.pixel_agreement - u.pixel_agreement) < 0.01 ? null : c.pixel_agreement > u.pixel_agreement ? 'current' : 'uniform';
    return { stripped_fraction: fractions[k], measured_active_fraction: n ? active / n : 0, uniform: u, current: c, closer };
  });
}

function agreement(predictedActive: (i: number) => boolean, measured: Uint8Array, t0: Float32Array, m: number): ModelAgreement {
  const map = new Uint8Array(m).fill(255);
  let n = 0, same = 0, active = 0;
  for (let i = 0; i < m; i++) {
    if (measured[i] === 255 || !Number.isFinite(t0[i])) continue;
    const p = predictedActive(i), a = measured[i] === 1;
    n++;
    if (p) active++;
    if (p === a) same++;
    map[i] = p && a ? 1 : !p && !a ? 0 : p ? 2 : 3;
  }
  return { active_fraction: n ? active / n : 0, pixel_agreement: n ? same / n : 0, map };
}
