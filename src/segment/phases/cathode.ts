/**
 * Step 1c: a composite cathode. The class brighter than the electrolyte fills part (15–90 %) of the
 * slices at one end, mixed with electrolyte, and is absent at the other end (a plunger is a pure
 * slab, a cathode composite is particles in an electrolyte matrix). Inside a metal layer (a full cell
 * between steel plungers) its grey may fall below or above the metal threshold: both 4-class splits
 * are tried (end-layers.ts: cathodeBehindMetal). Looked for whatever the requested layout, so that a
 * request the data contradict is reported (cathodeInData).
 * Complexity: one O(N) slice-fractions pass per candidate split; the no-collector test is O(nz).
 */
import { histogramAbove, thresholdsFromHistogram, type Histogram } from '../histogram.js';
import { classifier } from './class-stats.js';
import { CATHODE } from './codes.js';
import { particlesAtEnd, type BrightLayout, type SplitBelowMetal } from './collector.js';
import { cathodeBehindMetal } from './end-layers.js';
import type { Thresholds } from './thresholds.js';
import type { ClassPlan, StepContext } from './types.js';

/** Whether the requested layout admits a cathode. */
export const cathodeWanted = (ctx: StepContext): boolean => {
  const wantLayout = ctx.options.layout ?? 'auto';
  return wantLayout === 'auto' || wantLayout === 'full-cell';
};

/** Classes low | electrolyte | cathode | metal when a composite cathode lies inside the metal layer. */
export async function cathodeInMetal(ctx: StepContext, plan: ClassPlan, split4: SplitBelowMetal, hist: Histogram, th3: Thresholds): Promise<ClassPlan> {
  const above = histogramAbove(hist, th3.thresholds[1], 2);
  const subA = thresholdsFromHistogram(above, 2, 'otsu', 'partition');
  const candidates = [
    { where: 'below', th4: split4.th4, cls4: split4.cls4, hist: split4.below, lo: split4.sub.classes_stats[1].mean, hi: split4.sub.classes_stats[2].mean, t: split4.sub.thresholds[1] },
    { where: 'above', th4: [th3.thresholds[0], th3.thresholds[1], subA.thresholds[0]], cls4: classifier([th3.thresholds[0], th3.thresholds[1], subA.thresholds[0]]), hist: above, lo: subA.classes_stats[0].mean, hi: subA.classes_stats[1].mean, t: subA.thresholds[0] },
  ];
  const tried: Record<string, unknown> = {};
  for (const c of candidates) {
    const found = await cathodeBehindMetal(ctx.store, c.th4, c.hist, c.lo, c.hi, c.t, ctx.backend);
    tried[c.where] = { thresholds: c.th4, ...found.evidence };
    if (!found.end) continue;
    ctx.decisions.push({ step: 'cathode behind metal', decision: `composite cathode at the ${found.end} of z inside the metal layer: split ${c.where} the metal threshold, class 2 of low | electrolyte | cathode | metal is mixed with electrolyte there (${(100 * found.evidence.ratio[found.end]).toFixed(0)} % of the bright voxels), absent inside the other end, and a population of its own (valley ${found.evidence.valley_ratio} of the lower peak) → cathode active material (code ${CATHODE}); metal = collector (class 3)`, evidence: tried });
    return { ...plan, thresholds: c.th4, cls: c.cls4, collectorClass: 3, collectorClasses: [3], cathodeClass: 2, cathodeEnd: found.end, cathodeInData: true };
  }
  ctx.decisions.push({ step: 'cathode behind metal', decision: 'no composite cathode inside the metal layer (the grey below and above the metal threshold split into two classes: neither is mixed with electrolyte at one end only, as particles in a matrix are)', evidence: tried });
  return plan;
}

/** No collector in view: the brightest class as particles at one end (not a solid layer) is a cathode. */
export function cathodeWithoutCollector(ctx: StepContext, plan: ClassPlan, bright: BrightLayout, th3: Thresholds): ClassPlan {
  const { f3, solidAt } = bright;
  if (!((ctx.options.collector ?? 'auto') === 'auto' && plan.collectorKind === 'none' && th3.classes_stats[2].mean > th3.classes_stats[1].mean)) return plan;
  const wanted = cathodeWanted(ctx);
  let { cathodeClass, cathodeEnd, cathodeInData } = plan;
  for (const end of ['start', 'end'] as const) {
    if (particlesAtEnd(f3, solidAt, end)) {
      cathodeInData = true;
      if (wanted) { cathodeClass = 2; cathodeEnd = end; }
    }
  }
  return { ...plan, cathodeClass, cathodeEnd, cathodeInData };
}
