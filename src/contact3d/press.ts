/**
 * One pressure step on a periodic height map (used by papers.ts at the coarse scale and by
 * two-scale.ts on the sub-grid cell): instantaneous elastic–plastic loading with the size-dependent
 * hardness c·σy(L) at the contact width L (fixed point), the plastic set kept, then a Norton creep
 * hold whose sink is kept. The model and its sources are described in papers.ts's header.
 */
import { liYieldStress, type LiMaterial } from '../fem/li-material.js';
import { LPSCL_DEFAULTS, type HistoryPoint } from '../fem/index.js';
import { simulateContact, type BemRecord } from './simulate.js';

/** What a step needs: the grid, the Li, the Tabor constraint and the creep step control. */
export interface PressOptions {
  surface: { n: number; cellUm: number };
  li: LiMaterial;
  constraint: number;
  stepTol: number;
}

/** One pressure step: what the plastic loading and the creep hold gave. */
export interface PressStep {
  pressure_mpa: number;
  hold_s: number;
  /** Contact width L (µm) that set the yield, the yield σy(L) and the hardness c·σy (MPa). */
  contact_width_um: number;
  yield_mpa: number;
  hardness_mpa: number;
  /** The cap could not carry the load: Li pressed flat (full contact). */
  crushed: boolean;
  contact_fraction_plastic: number;
  contact_fraction: number;
  spots: number;
  /** The plastic solve hit its iteration cap (bearing-area relaxation of polonsky-keer.ts). */
  plastic_unconverged: number;
  creep_steps: number;
  creep_unconverged: number;
  /** The hold's records (t from the step's start). */
  records: BemRecord[];
  contact: Uint8Array;
}

export const contactWidth = (p: Float64Array, n: number, d: number): number => {
  // 4·A/P with the pixel-edge perimeter corrected for its staircase (π/4, Cauchy–Crofton): the
  // diameter for a disc, 8/π widths for a strip, and not blown up when spots merge
  let area = 0, edges = 0;
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < n; i++) {
      const a = p[r * n + i] > 0;
      if (a) area++;
      if (a !== p[r * n + ((i + 1) % n)] > 0) edges++;
      if (a !== p[((r + 1) % n) * n + i] > 0) edges++;
    }
  }
  if (area === 0) return d;
  if (edges === 0) return (2 * n * d) / Math.sqrt(Math.PI); // full contact: the whole cell
  return (16 * area * d) / (Math.PI * edges);
};

/**
 * Press the surface h (changed in place: plastic set and creep sink) at P for holdS seconds.
 * `cell` overrides the grid (the sub-grid cell of two-scale.ts) and `hold` the creep history (t from
 * 0; default P held for holdS): the fine scale creeps under the coarse spots' falling pressure.
 */
export function pressStep(h: Float64Array, P: number, holdS: number, o: PressOptions, cell?: { n: number; cellUm: number; sizeScaledCreep?: boolean }, hold?: HistoryPoint[]): PressStep {
  const { n, cellUm } = cell ?? o.surface;
  const d = cellUm / n;
  const c = o.constraint;
  const liE = { E: o.li.E, nu: o.li.nu };
  const electrolyte = { E: LPSCL_DEFAULTS.E, nu: LPSCL_DEFAULTS.nu };
  const base = { h, ny: n, nx: n, dy: d, dx: d, electrolyte };
  // fixed point on the spot size: L → σy(L) → plastic contact → L
  let L = d, sy = liYieldStress(o.li, L), crushed = false, plasticUnconverged = 0;
  let plastic: ReturnType<typeof simulateContact> | null = null;
  for (let it = 0; it < 6; it++) {
    sy = liYieldStress(o.li, L);
    if (c * sy <= P) { crushed = true; break; }
    plastic = simulateContact({ ...base, li: { ...liE, law: 'plastic', yieldMpa: sy, constraint: c }, history: [{ t: 0, p: P }], rampSteps: 1 });
    plasticUnconverged = plastic.stats.unconverged;
    const L2 = contactWidth(plastic.p, n, d);
    const done = Math.abs(L2 - L) <= 0.05 * L;
    L = L2;
    if (done) break;
  }
  if (!crushed && c * liYieldStress(o.li, L) <= P) crushed = true;
  const N = n * n;
  if (crushed || !plastic) {
    h.fill(0);
    const rec: BemRecord = { t: 0, pressure: P, contact_fraction: 1, mean_contact_pressure: P, max_contact_pressure: P, mean_gap_um: 0, spots: 1, max_sink_um: 0, iterations: 0 };
    return {
      pressure_mpa: P, hold_s: holdS, contact_width_um: L, yield_mpa: sy, hardness_mpa: c * sy, crushed: true,
      contact_fraction_plastic: 1, contact_fraction: 1, spots: 1, plastic_unconverged: plasticUnconverged, creep_steps: 0, creep_unconverged: 0,
      records: holdS > 0 ? [rec, { ...rec, t: holdS }] : [rec], contact: new Uint8Array(N).fill(1),
    };
  }
  const p0 = plastic.p, g0 = plastic.gap;
  let nc0 = 0;
  for (let i = 0; i < N; i++) if (p0[i] > 0) { h[i] += g0[i]; nc0++; }
  let records: BemRecord[] = plastic.records.map((r) => ({ ...r, t: 0 }));
  let p = p0, creepSteps = 0, creepUnconverged = 0;
  if (holdS > 0) {
    // sizeScaledCreep: the Li flows at σ/k with k = σy(L)/σy,bulk, the yield's size factor (the same
    // strengthening acts on the flow stress at every rate): A·k^−n
    const k = cell?.sizeScaledCreep ? sy / o.li.yieldBulk : 1;
    const creep = simulateContact({ ...base, li: { ...liE, law: 'creep', yieldMpa: 0, constraint: c, A: o.li.creepA * Math.pow(k, -o.li.creepN), n: o.li.creepN }, history: hold ?? [{ t: 0, p: P }, { t: holdS, p: P }], stepTol: o.stepTol });
    for (let i = 0; i < N; i++) h[i] -= creep.sink[i];
    records = creep.records;
    p = creep.p;
    creepSteps = creep.stats.steps_accepted;
    creepUnconverged = creep.stats.unconverged;
  }
  const contact = new Uint8Array(N);
  for (let i = 0; i < N; i++) contact[i] = p[i] > 0 ? 1 : 0;
  const last = records[records.length - 1];
  return {
    pressure_mpa: P, hold_s: holdS, contact_width_um: L, yield_mpa: sy, hardness_mpa: c * sy, crushed: false,
    contact_fraction_plastic: nc0 / N, contact_fraction: last.contact_fraction, spots: last.spots,
    plastic_unconverged: plasticUnconverged, creep_steps: creepSteps, creep_unconverged: creepUnconverged, records, contact,
  };
}

/** Contact fraction at time t (s) from the step's records, linear in between. */
export function fractionAt(records: BemRecord[], t: number): number {
  if (t <= records[0].t) return records[0].contact_fraction;
  for (let k = 1; k < records.length; k++) {
    const a = records[k - 1], b = records[k];
    if (t <= b.t) return b.t > a.t ? a.contact_fraction + ((t - a.t) / (b.t - a.t)) * (b.contact_fraction - a.contact_fraction) : b.contact_fraction;
  }
  return records[records.length - 1].contact_fraction;
}
