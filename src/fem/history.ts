import type { StepRecord } from './contact.js';

export type HistoryField = 'contact_fraction' | 'void_area_um2' | 'li_top_displacement_um';

/**
 * Value of a step-record field at time t, linear in log t between the end-of-step records
 * (creep histories span microseconds to hours, so log-time is the natural axis).
 */
export function historyValueAt(recs: readonly StepRecord[], t: number, key: HistoryField): number {
  for (let k = 1; k < recs.length; k++) {
    if (recs[k].t >= t) {
      const a = recs[k - 1], b = recs[k];
      if (!(a.t > 0)) return b[key];
      const w = (Math.log(t) - Math.log(a.t)) / (Math.log(b.t) - Math.log(a.t));
      return a[key] + (b[key] - a[key]) * Math.min(1, Math.max(0, w));
    }
  }
  return recs[recs.length - 1][key];
}
