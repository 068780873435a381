/**
 * One contact simulation as a library call, shared by `buried fem contact` and the run's fem stage:
 * the materials from the user's choices, a ContactCell driven through a pressure history, the
 * interface fields at the first and last record (contact pressure and gap), the conduction under the
 * contact set (per record when asked: solved again only when the contact set changes), and the
 * `profiles.csv` table the viewer's Contact FEM tab reads.
 */
import { ContactCell, type HistoryPoint, type StepRecord } from './contact.js';
import { solveConduction, type ConductionResult } from './conduction.js';
import { LI_DEFAULTS, LPSCL_DEFAULTS, arrhenius, type Material } from './material.js';

/** The Li model: elastic, Norton creep (Arrhenius at T) or perfectly plastic; `yieldMpa` the creep threshold or yield stress. */
export function liMaterial(law: Material['law'], temperatureK: number, yieldMpa?: number | null): Material {
  const li: Material = { E: LI_DEFAULTS.E, nu: LI_DEFAULTS.nu, law, bbar: true };
  if (law === 'creep') {
    li.A = LI_DEFAULTS.A * arrhenius(temperatureK);
    li.n = LI_DEFAULTS.n;
    li.sigmaY = yieldMpa ?? 0;
  }
  if (law === 'plastic') li.sigmaY = yieldMpa ?? LI_DEFAULTS.sigmaY;
  return li;
}

/** Li6PS5Cl, elastic, or null for a rigid electrolyte. */
export function electrolyteMaterial(kind: 'elastic' | 'rigid'): Material | null {
  return kind === 'rigid' ? null : { E: LPSCL_DEFAULTS.E, nu: LPSCL_DEFAULTS.nu, law: 'elastic' };
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
  const conduct = (active: Uint8Array): ConductionResult => {
    if (!cond || !lastContact || lastContact.some((v, i) => v !== active[i])) {
      cond = solveConduction({ lambda: o.lambda, h: o.h, contact: active, thickness: o.conduction.thickness, sigmaMsPerCm: o.conduction.sigmaMsPerCm, rctOhmCm2: o.conduction.rctOhmCm2 });
      lastContact = active.slice();
    }
    return cond;
  };
  const perRecord: ContactRun['conductionPerRecord'] = [];
  const snapshots: InterfaceSnapshot[] = [];
  const tEnd = o.history[o.history.length - 1].t;
  const records = cell.run(
    (rec, c) => {
      if (o.conductionPerRecord) {
        const cr = conduct(c.active);
        perRecord.push({ constriction_ohm_cm2: cr.constriction_ohm_cm2, hotspot_p99: cr.hotspot_p99 });
      }
      if (snapshots.length === 0) snapshots.push({ t: rec.t, p: c.contactPressure(), gap: c.gap.slice() });
    },
    o.onTime ? (t) => o.onTime!(t, tEnd) : undefined,
  );
  const last = records[records.length - 1];
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
