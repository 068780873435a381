/**
 * What the phase steps report: the 'low density' decision (steps 4–6: component roles, the void | Li
 * split and its evidence) and the PhaseResult with its layout block (what the layout steps found,
 * which the QC block reports). Complexity: O(ny · nx) for the Li column coverage.
 */
import type { Histogram } from '../histogram.js';
import { DMAX } from './codes.js';
import type { Columns } from './columns.js';
import type { ElectrodeVoxels } from './electrode-voxels.js';
import type { Fringe } from './fringe.js';
import type { LowRoles } from './low-components.js';
import type { ClassPlan, PhaseResult, StepContext } from './types.js';
import type { VoidLiThreshold } from './void-li.js';

/** The 'low density' decision: roles of the components (step 4), the void | Li split and its evidence (steps 5, 6). */
export function lowDensityDecision(ctx: StepContext, roles: LowRoles, fringe: Fringe, vl: VoidLiThreshold, ev: ElectrodeVoxels): void {
  const { roleCount, roleVoxels } = roles;
  const { shift, binCounts } = fringe;
  const { tVL, muVoid, muLi, liSpread, voidCount } = vl;
  ctx.decisions.push({
    step: 'low density',
    decision: `low-density 26-connected components: ${roleCount[1]} in the layer between collector and electrolyte → Li electrode (${roleVoxels[1]} voxels), ${roleCount[2]} beyond the collector → outside the cell (code 5) (${roleVoxels[2]} voxels), ${roleCount[3]} enclosed by the electrolyte → pores (${roleVoxels[3]} voxels)${roleCount[4] ? `, ${roleCount[4]} enclosed in the collector run (a metal face's fringe) → decided by the nearest-mean rule (${roleVoxels[4]} voxels)` : ''}. Electrode voxels in the layer are Li unless their fringe-corrected grey < ${tVL.toFixed(1)} (half-way between the void level ${muVoid.toFixed(1)} and the Li level ${muLi.toFixed(1)}) → interfacial void; electrode voxels below the electrolyte surface are void within 2 voxels of a dark core, else Li (filaments)`,
    evidence: {
      li_voxels: ev.liVox,
      electrode_void_voxels: ev.electrodeVoid,
      li_level: muLi,
      li_spread: liSpread,
      void_level: muVoid,
      void_li_threshold: tVL,
      voxels_below_threshold: voidCount,
      fringe_shift_from_electrolyte: Array.from(shift.subarray(1, DMAX + 1)),
      fringe_shift_from_collector: Array.from(shift.subarray(DMAX + 1)),
      fringe_bin_counts: Array.from(binCounts),
    },
  });
}

/** The result of the phase steps (the labels stay in the store). An electrode: Li in its layer at least half a voxel thick on average. `cathodeFoilVoxels`: the median foil thickness (step 10), 0 none. */
export function phaseResult(
  ctx: StepContext, plan: ClassPlan, hist: Histogram, columns: Columns, vl: VoidLiThreshold, ev: ElectrodeVoxels,
  changedPerPass: number[], fallbackVoxels: number, cathodeFoilVoxels = 0,
): PhaseResult {
  const { plane } = ctx;
  const { collectorKind, collectorMaterialLevels, endSlabs, slab, cathodeClass, cathodeInData } = plan;
  const { liNear, liFar, hasLi } = ev;
  let covered = 0;
  for (let p = 0; p < plane; p++) covered += hasLi[p];
  return {
    thresholds: plan.thresholds,
    voidLiThreshold: vl.tVL,
    histogram: hist,
    gmm: plan.gmm,
    decisions: ctx.decisions,
    refinement: { passes: changedPerPass.length, changed_per_pass: changedPerPass },
    layout: {
      collector: collectorKind, electrodes: (liNear >= 0.5 * plane ? 1 : 0) + (liFar >= 0.5 * plane ? 1 : 0), li_column_coverage: covered / plane,
      collector_at: endSlabs.length === 2 ? 'both' : slab ? slab.end : null, collector_materials: (collectorMaterialLevels.length === 2 ? 2 : collectorKind === 'none' ? 0 : 1) + (cathodeFoilVoxels > 0 ? 1 : 0), cathode: cathodeClass >= 0, cathode_foil: cathodeFoilVoxels, li_voxels_near: liNear, li_voxels_far: liFar, far_layer: columns.farLayer, far_layer_in_data: columns.farLayerInData, cathode_in_data: cathodeInData,
    },
    fallbackVoxels,
  };
}
