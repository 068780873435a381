/**
 * Step 1 as one call: intensity classes and which phase each is (collector, a plunger behind it, a
 * composite cathode, electrolyte). `segmentPhases` runs it on the denoised volume; the second pass's
 * predictor (../second-pass.ts) runs it on a small central crop before the denoise.
 */
import type { Histogram } from '../histogram.js';
import { cathodeInMetal, cathodeWanted, cathodeWithoutCollector } from './cathode.js';
import { cathodeBehindFoil } from './cathode-foil.js';
import { collectorBehindPlunger, findCollector, settleClasses, splitBelowMetal, type BrightLayout } from './collector.js';
import { intensityClasses, type Thresholds } from './thresholds.js';
import type { ClassPlan, GmmInfo, StepContext } from './types.js';

export interface PlanResult {
  plan: ClassPlan;
  hist: Histogram;
  th3: Thresholds;
  gmmInfo: GmmInfo;
  bright: BrightLayout;
}

export async function classPlan(step: StepContext): Promise<PlanResult> {
  const { hist, th3, gmmInfo } = await intensityClasses(step);
  const bright = await findCollector(step, th3, gmmInfo);
  let plan = bright.plan;
  const split4 = splitBelowMetal(step, plan, hist, th3);
  if (split4) plan = await collectorBehindPlunger(step, plan, split4, th3);
  if (split4 && plan.collectorKind === 'metal' && cathodeWanted(step)) plan = await cathodeInMetal(step, plan, split4, hist, th3);
  plan = cathodeWithoutCollector(step, plan, bright, th3);
  plan = await cathodeBehindFoil(step, plan, bright, th3, hist, cathodeWanted(step));
  plan = settleClasses(step, plan, bright, hist, th3);
  return { plan, hist, th3, gmmInfo, bright };
}
