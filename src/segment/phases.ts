/**
 * Phase mode: intensity classes → contract codes (0 void/pore, 1 Li, 2 electrolyte, 3 collector)
 * from physics and layout, not fixed grey levels.
 *
 * 1. Three intensity classes (multi-Otsu or GMM): low density (void + Li: Li is nearly transparent),
 *    and two bright classes. The collector is the bright class forming a slab at one z end with the
 *    other bright class (the electrolyte) dominating the opposite end: the brightest class → metal
 *    collector, the middle one → carbon collector; neither → no collector (two classes).
 * 2. The collector is the largest 26-connected component of its class in that slab; the electrolyte
 *    the largest component of its class. Other bright-class voxels (partial volume at interfaces,
 *    e.g. Li|electrolyte edges that look like carbon) are left undecided.
 * 3. Low-density voxels: 26-connected components, placed by layout per column (outside = beyond the
 *    collector, layer = between collector and electrolyte surface, inside = below the surface).
 *    Components mostly outside → void (air); components with a real share in the layer → the Li
 *    electrode (with its filaments and any interfacial voids); the rest (inclusions in the
 *    electrolyte) → pores. Inside the electrode components each voxel is Li or void by its grey
 *    level against the void|Li threshold, after removing the phase-contrast fringe: the median grey
 *    of layer voxels at distance d (1..4 voxels) from each bright phase, minus the far-field (Li)
 *    median, is subtracted (fringes darken Li next to the electrolyte to void levels otherwise).
 *    Threshold: half-way between the Li level (far-field median) and the void level (mean of the
 *    corrected low-density grey below the threshold), iterated to a fixed point. Electrode voxels
 *    below the electrolyte surface are void within 2 voxels of a dark core (pores attached to the
 *    electrode), Li otherwise (filaments).
 * 4. Undecided voxels take, among their decided neighbours' phases, the one whose mean is nearest to
 *    their grey level (half-way rule), propagating inwards.
 * 5. Boundary refinement: voxels at a boundary between phases a and b are re-assigned to whichever
 *    mean is nearer (the boundary sits where the grey crosses (μa + μb)/2), a few passes.
 *
 * Memory: besides the grey volume, one uint8 volume (the labels; while the low-density phase is
 * decided, its high nibble holds the fringe distance bin). Intensity classes are recomputed from the
 * grey level where needed rather than stored, connected components run slab by slab
 * (slab-components.ts) and never hold a full-volume label array, and voxel lists are typed arrays.
 * Both volumes live in a PhaseStore (store.ts): every full-volume pass is a kernel over a window of
 * slices, run once over the whole volume in memory or slab by slab from scratch files
 * (out-of-core.ts), with the same results. Per-column tables (ny × nx) and per-component tables stay
 * in memory.
 *
 * The steps live in phases/, one file each, and `segmentPhases` below runs them in order:
 *   codes.ts            phase codes, working states, shared constants
 *   types.ts            PhaseContext / PhaseResult, the step context, the class plan
 *   class-stats.ts      intensity classifier, slice fractions, sampler / median
 *   class-masks.ts      class masks for the components passes
 *   end-layers.ts       layers at the z ends (collector slabs, a layer behind a plunger, a cathode in metal)
 *   neighbours.ts       6-neighbourhood rules (nearest mean, boundary test) and the phase levels
 *   plan.ts             step 1 as one call (1a–1c)
 *   thresholds.ts       step 1a: histogram, three classes (multi-Otsu, GMM)
 *   collector.ts        step 1b: collector class, carbon foil behind a plunger, the final class decision
 *   cathode.ts          step 1c: composite cathode (inside a metal layer or with no collector)
 *   components.ts       step 2: collector / electrolyte components, cathode voxels
 *   columns.ts          step 3: layout per column and the zones
 *   low-components.ts   step 4: low-density component roles
 *   fringe.ts           step 5: fringe distance bins and profile
 *   void-li.ts          step 6a: void | Li threshold
 *   electrode-voxels.ts step 6b: Li or void per electrode voxel, final codes
 *   filament-links.ts   step 6b′: Li below the surface not connected through Li to a layer → void
 *   air.ts              step 6c: air at ends with no collector
 *   cathode-foil.ts     steps 1c′, 10: a current collector foil beyond a composite cathode
 *   undecided.ts        step 7: undecided voxels by the nearest mean
 *   pores.ts            steps 7b, 9: sub-resolution pores and pore dips (after step 10)
 *   electrolyte-level.ts step 9's reference: the electrolyte's local level (cupping, drift, stitching)
 *   refine.ts           step 8: boundary refinement
 *   report.ts           the 'low density' decision and the result
 */
import { CC_SLAB_VOXELS, ELECTROLYTE } from './phases/codes.js';
import { columnLayout } from './phases/columns.js';
import { mainComponents } from './phases/components.js';
import { electrodeVoxels } from './phases/electrode-voxels.js';
import { fringeCorrection } from './phases/fringe.js';
import { airAtOpenEnds } from './phases/air.js';
import { cathodeFoilVoxels } from './phases/cathode-foil.js';
import { lowDensityRoles } from './phases/low-components.js';
import { phaseLevels } from './phases/neighbours.js';
import { poreDips, subResolutionPores } from './phases/pores.js';
import { refineBoundaries } from './phases/refine.js';
import { lowDensityDecision, phaseResult } from './phases/report.js';
import { classPlan } from './phases/plan.js';
import type { PhaseContext, PhaseResult, StepContext } from './phases/types.js';
import { settleUndecided } from './phases/undecided.js';
import { voidLiThreshold } from './phases/void-li.js';
import type { ComponentsScratch } from './slab-components.js';

export { VOID, LI, ELECTROLYTE, COLLECTOR, OUTSIDE, UNDECIDED, CATHODE, CC_SLAB_VOXELS } from './phases/codes.js';
export type { PhaseContext, PhaseResult } from './phases/types.js';

export async function segmentPhases(ctx: PhaseContext): Promise<PhaseResult> {
  const { store } = ctx;
  const [nz, ny, nx] = store.shape;
  const plane = ny * nx;
  const step: StepContext = {
    store, backend: ctx.backend, method: ctx.method, options: ctx.options, progress: ctx.progress, lap: ctx.lap, decisions: [],
    shape: store.shape, nz, ny, nx, plane, changeChunkEntries: ctx.changeChunkEntries,
    // (components, sizes and first-voxel numbering do not depend on the slab depth)
    slabDepth: Math.max(1, Math.min(Math.floor(CC_SLAB_VOXELS / plane), ctx.ccSlabSlices ?? Infinity)),
  };

  // 1. Intensity classes and which phase each is: collector (and a plunger behind it), cathode, electrolyte.
  const { plan, hist, bright } = await classPlan(step);

  // 2. Main collector and electrolyte components, cathode voxels.
  let scratch: ComponentsScratch | null = await mainComponents(step, plan);
  // 3. Layout per column (oriented z: 0 at the collector end).
  const columns = await columnLayout(step, plan, bright.f3);
  // 4. Low-density components by layout → electrode, air, pores (the slab buffers dropped after).
  const roles = await lowDensityRoles(step, plan, columns, scratch);
  scratch = null;

  // 5. Fringe correction; 6. void | Li threshold, each electrode voxel, air at open ends.
  const fringe = await fringeCorrection(step, columns, roles.lowRows);
  const vl = await voidLiThreshold(step, fringe, roles.lowRows);
  const ev = await electrodeVoxels(step, columns, fringe.shift, vl, roles.lowRows);
  await airAtOpenEnds(step, columns);
  lowDensityDecision(step, roles, fringe, vl, ev);
  ctx.lap('void_li');

  // 7. Undecided voxels by the nearest mean; 7b. pores below the low class's resolution.
  const mu7 = await phaseLevels(store, plan.collectorMaterialLevels, vl.muVoid, vl.muLi, ctx.backend);
  const undecided = await settleUndecided(step, plan, ev, mu7);
  const pores = await subResolutionPores(step, columns, vl.muVoid, mu7[ELECTROLYTE]);
  // 8. Boundary refinement (means of the phases as they are now).
  const mu8 = await phaseLevels(store, plan.collectorMaterialLevels, vl.muVoid, vl.muLi, ctx.backend);
  const changedPerPass = await refineBoundaries(step, mu8);
  // 10. A current collector foil beyond a composite cathode: decided as electrolyte until here (its
  // grey is the electrolyte's class), so the collector's level stays the plunger's; before step 9,
  // whose local electrolyte level must not hold the foil's brighter grey.
  const foil = await cathodeFoilVoxels(step, plan);
  // 9. Sub-voxel pore dips against the local electrolyte level.
  await poreDips(step, columns, pores.tPore, pores.sample);

  return phaseResult(step, plan, hist, columns, vl, ev, changedPerPass, undecided.nUndecided - undecided.firstPass, foil);
}
