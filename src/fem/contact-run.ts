/**
 * One contact simulation as a library call, shared by `buried fem contact` and the run's fem stage:
 * the materials from the user's choices, a ContactCell driven through a pressure history, the
 * interface fields at the first and last record (contact pressure and gap), the conduction under the
 * contact set (per record when asked: solved again only when the contact set changes), and the
 * `profiles.csv` table the viewer's Contact FEM tab reads.
 */
import { ContactCell, type HistoryPoint, type StepRecord } from './contact.js';
import { conductionBulk, solveConduction, type ConductionResult } from './conduction.js';
import { LPSCL_DEFAULTS, MaterialError, type Material } from './material.js';
import { liFeMaterial, liMaterialParams, type LiMaterial } from './li-material.js';

/**
 * The Li model: elastic, Norton creep (Arrhenius at T), perfectly plastic or viscoplastic (creep plus
 * a yield cap); `yieldMpa` the creep threshold or a fixed yield stress (else the size law at
 * `lengthUm`, else the bulk yield); `params` replaces any default constant (li-material.ts).
 */
export function liMaterial(law: Material['law'], temperatureK: number, yieldMpa?: number | null, params: Partial<LiMaterial> = {}, lengthUm?: number): Material {
  return liFeMaterial(liMaterialParams(params), law, { temperatureK, yieldMpa, lengthUm });
}

/** Li6PS5Cl, elastic (E, ν replaceable), or null for a rigid electrolyte. */
export function electrolyteMaterial(kind: 'elastic' | 'rigid', over: { E?: number; nu?: number } = {}): Material | null {
  if (kind === 'rigid') return null;
  const m: Material = { E: over.E ?? LPSCL_DEFAULTS.E, nu: over.nu ?? LPSCL_DEFAULTS.nu, law: 'elastic' };
  if (!(m.E > 0) || !Number.isFinite(m.E)) throw new MaterialError('electrolyte.E', `must be positive (MPa), got ${m.E}`);
  if (!(m.nu > -1 && m.nu < 0.5)) throw new MaterialError('electrolyte.nu', `must lie in (−1, 0.5), got ${m.nu}`);
  return m;
}

/**
 * Contact/asperity length of a profile for the size-dependent yield: the mean spacing of its summits
 * (λ over the number of local maxima of the periodic profile; λ for a flat one).
 */
export function asperityLength(lambda: number, h: Float64Array): number {
  const n = h.length;
  let peaks = 0;
  for (let i = 0; i < n; i++) {
    const a = h[(i + n - 1) % n], b = h[i], c = h[(i + 1) % n];
    if (b > a && b >= c) peaks++;
  }
  return lambda / Math.max(1, peaks);
}

export interface ContactRunOptions {
  lambda: number;
  h: Float64Array;
  li: Material;
  electrolyte: Material | null;
  history: HistoryPoint[];
  stepTol: number;
  /** Element rows in the Li block (the electrolyte gets 2/3 of them). */
  ny: number;
  solver?: 'fixed-k' | 'newton';
  conduction: { thickness: number; sigmaMsPerCm: number; rctOhmCm2: number };
  /** Conduction at every record (history columns), not only at the end. */
  conductionPerRecord?: boolean;
  onTime?: (t: number, tEnd: number) => void;
  /** Called at the saved times: the first record (at load), each history point reached (end of a ramp or hold), and the last. */
  onSaved?: (rec: StepRecord, cell: ContactCell) => void;
}

export interface InterfaceSnapshot {
  t: number;
  /** Contact pressure (MPa) and gap (µm) per interface node. */
  p: Float64Array;
  gap: Float64Array;
}

export interface ContactRun {
  cell: ContactCell;
  records: StepRecord[];
  /** With conductionPerRecord: constriction and hot spot per record. */
  conductionPerRecord: Array<{ constriction_ohm_cm2: number; hotspot_p99: number }>;
  /** First and last record. */
  snapshots: InterfaceSnapshot[];
  final: ConductionResult;
}

export function runContact(o: ContactRunOptions): ContactRun {
  const cell = new ContactCell({
    lambda: o.lambda, h: o.h, li: o.li, electrolyte: o.electrolyte, history: o.history, stepTol: o.stepTol,
    nyLi: o.ny, nyEl: Math.max(2, Math.round((2 * o.ny) / 3)), solver: o.solver,
  });
  let lastContact: Uint8Array | null = null;
  let cond: ConductionResult | null = null;
  const geom = { lambda: o.lambda, h: o.h, thickness: o.conduction.thickness, sigmaMsPerCm: o.conduction.sigmaMsPerCm };
  let bulk: number | undefined; // of the fixed geometry: solved once
  const conduct = (active: Uint8Array): ConductionResult => {
    if (!cond || !lastContact || lastContact.some((v, i) => v !== active[i])) {
      bulk ??= conductionBulk({ ...geom, contact: active });
      cond = solveConduction({ ...geom, contact: active, rctOhmCm2: o.conduction.rctOhmCm2, bulkOhmCm2: bulk });
      lastContact = active.slice();
    }
    return cond;
  };
  const perRecord: ContactRun['conductionPerRecord'] = [];
  const snapshots: InterfaceSnapshot[] = [];
  const tEnd = o.history[o.history.length - 1].t;
  let lastSaved: StepRecord | null = null;
  const records = cell.run(
    (rec, c) => {
      if (o.conductionPerRecord) {
        const cr = conduct(c.active);
        perRecord.push({ constriction_ohm_cm2: cr.constriction_ohm_cm2, hotspot_p99: cr.hotspot_p99 });
      }
      if (snapshots.length === 0) snapshots.push({ t: rec.t, p: c.contactPressure(), gap: c.gap.slice() });
      if (o.onSaved) {
        // a history point reached: its time and its pressure (plastic load steps share one time)
        const atPoint = o.history.some((h) => Math.abs(h.t - rec.t) <= 1e-9 * Math.max(1, tEnd) && Math.abs(h.p - rec.pressure) <= 1e-9 * Math.max(1, Math.abs(h.p)));
        if (!lastSaved || atPoint) { o.onSaved(rec, c); lastSaved = rec; }
      }
    },
    o.onTime ? (t) => o.onTime!(t, tEnd) : undefined,
  );
  const last = records[records.length - 1];
  if (o.onSaved && lastSaved !== last) o.onSaved(last, cell);
  snapshots.push({ t: last.t, p: cell.contactPressure(), gap: cell.gap.slice() });
  return { cell, records, conductionPerRecord: perRecord, snapshots, final: conduct(cell.active) };
}

const r6 = (v: number) => +v.toPrecision(6);

/** profiles.csv: x_um, h_um, contact pressure and gap at the first and last record, current ratio at the end. */
export function profilesCsv(run: ContactRun, h: Float64Array): string {
  const head = ['x_um', 'h_um', ...run.snapshots.flatMap((s) => [`p_mpa_t${r6(s.t)}`, `gap_um_t${r6(s.t)}`]), 'current_ratio_end'].join(',');
  const lines = [head];
  for (let i = 0; i < h.length; i++) lines.push([r6(run.cell.mesh.xs[i]), r6(h[i]), ...run.snapshots.flatMap((s) => [r6(s.p[i]), r6(s.gap[i])]), r6(run.final.current_ratio[i])].join(','));
  return lines.join('\n') + '\n';
}
