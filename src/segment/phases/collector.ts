/**
 * Step 1b: which bright intensity class is the collector. The electrolyte is the dominant bright
 * phase; the other bright class is a collector only if it forms a slab at one z end while the
 * electrolyte dominates the opposite end (or the same class is a layer at both ends: plungers of a
 * symmetric cell): the brightest class → metal collector, the middle one → carbon collector. Behind a
 * metal layer, a carbon-grey layer makes a two-material collector (carbon foil + steel plunger).
 * `settleClasses` takes the final decision once the cathode steps have looked (cathode.ts); with no
 * collector and no cathode, the scan is re-split into two classes.
 * Complexity: one O(N) slice-fractions pass, end walks over sampled columns (end-layers.ts), a
 * histogram split per candidate.
 */
import { histogramBelow, thresholdsFromHistogram, type Histogram } from '../histogram.js';
import { classifier, endFraction, sliceFractions, type ClassOf } from './class-stats.js';
import { CATHODE } from './codes.js';
import { layerBehind, slabsAtEnds, type Slab } from './end-layers.js';
import type { Thresholds } from './thresholds.js';
import type { ClassPlan, CollectorKind, GmmInfo, StepContext } from './types.js';

/** What the collector decision rests on (reported in segment.json). */
export type CollectorEvidence = {
  class_means: number[];
  class_weights: number[];
  thresholds: number[];
  dominant_bright_class: number;
  brightest_contrast: number;
  metal_slab: Slab | null;
  carbon_slab: Slab | null;
  end_fractions: { start: number[]; end: number[] };
  /** Set when a middle-class slab at one end was taken as a full cell's separator (a composite cathode opposite), not a carbon collector. */
  carbon_slab_is_separator?: true;
};

export interface BrightLayout {
  plan: ClassPlan;
  /** Fractions of the three classes per slice. */
  f3: Float64Array[];
  /** Whether some slice within the end quarter is ≥ 90 % class c (a solid layer: plunger or metal collector, not particles). */
  solidAt: (c: number, end: 'start' | 'end') => boolean;
  evidence: CollectorEvidence;
}

/** The grey below the metal threshold split into three classes (low | carbon or cathode | electrolyte): the 4-class candidate. */
export interface SplitBelowMetal {
  below: Histogram;
  sub: Thresholds;
  th4: number[];
  cls4: ClassOf;
}

/**
 * Class 2 (the brightest of three) as particles in an electrolyte matrix at one end: 15–90 % of the
 * end slices, electrolyte mixed in (≥ 5 %), no slice solid (≥ 90 %), and absent (< 2 %) at the
 * other end — a composite cathode, not a plunger or metal collector.
 */
export function particlesAtEnd(f3: Float64Array[], solidAt: BrightLayout['solidAt'], end: 'start' | 'end'): boolean {
  const fc = endFraction(f3, 2, end), fe = endFraction(f3, 1, end), fo = endFraction(f3, 2, end === 'start' ? 'end' : 'start');
  return fc >= 0.15 && fc <= 0.9 && fe >= 0.05 && fo < 0.02 && !solidAt(2, end);
}

export async function findCollector(ctx: StepContext, th3: Thresholds, gmmInfo: GmmInfo): Promise<BrightLayout> {
  const { store, options, lap, nz } = ctx;
  const cls = classifier(th3.thresholds);
  lap('classify');
  const f3 = await sliceFractions(store, th3.thresholds, 3, ctx.backend);
  const ends = await slabsAtEnds(store, cls, [1, 2], 0);
  const wanted = options.collector ?? 'auto';
  let collectorClass = -1;
  let electrolyteClass = 2;
  let slab: Slab | null = null;
  let endSlabs: Slab[] = [];
  let collectorKind: CollectorKind = 'none';
  const bigger = th3.classes_stats[2].weight >= th3.classes_stats[1].weight ? 2 : 1;
  // accepted: the electrolyte dominates the opposite end, or the same class is a layer there too
  // (metal plungers at both ends of a symmetric cell; a carbon-grey layer at both ends is the partial
  // volume of Li foils against the electrolyte, not two carbon collectors)
  const slabsOf = (c: number, el: number, bothEnds: boolean) => ends.get(c)!.filter((s) => endFraction(f3, el, s.end === 'start' ? 'end' : 'start') >= 0.5 || (bothEnds && ends.get(c)!.some((o) => o.end !== s.end)));
  const metalSlabs = slabsOf(2, 1, true);
  const carbonSlabs = slabsOf(1, 2, false);
  const longest = (a: Slab[]) => (a.length ? a.reduce((x, y) => (y.run > x.run ? y : x)) : null);
  // metal is far brighter than the electrolyte: (μ2 − μ0) / (μ1 − μ0) ≥ 3.5 (steel | Li6PS5Cl ≈ 4–5;
  // Li6PS5Cl | carbon ≈ 2; NMC | Li6PS5Cl ≈ 2.7)
  const [m0, m1, m2] = th3.classes_stats.map((x) => x.mean);
  const metalContrast = (m2 - m0) / Math.max(1e-12, m1 - m0);
  const evidence: CollectorEvidence = {
    class_means: th3.classes_stats.map((s) => s.mean),
    class_weights: th3.classes_stats.map((s) => s.weight),
    thresholds: th3.thresholds,
    dominant_bright_class: bigger,
    brightest_contrast: metalContrast,
    metal_slab: longest(metalSlabs),
    carbon_slab: longest(carbonSlabs),
    end_fractions: { start: [0, 1, 2].map((c) => endFraction(f3, c, 'start')), end: [0, 1, 2].map((c) => endFraction(f3, c, 'end')) },
  };
  const solidAt = (c: number, end: 'start' | 'end'): boolean => {
    const q = Math.max(2, Math.floor(nz / 4));
    for (let k = 0; k < q; k++) if (f3[c][end === 'start' ? k : nz - 1 - k] >= 0.9) return true;
    return false;
  };
  // a composite cathode's particles (NMC ≈ 2.7× the electrolyte's contrast) also form end runs in
  // most columns; with no far brighter class, a brightest class that only partly fills its end, mixed
  // with electrolyte, and is absent at the other end is that cathode (cathode.ts), not a metal layer.
  // Depth decides nothing here: a deep separator can make the Li end's 10 % band electrolyte-dominated.
  const cathodeLike = metalContrast < 3.5 && metalSlabs.every((sl) => particlesAtEnd(f3, solidAt, sl.end));
  // the electrolyte is usually the bigger bright class; in a shallow scan a thick plunger can outweigh
  // it, which a solid, far brighter layer at an end still identifies
  const metalLayer = metalSlabs.length > 0 && !cathodeLike && (bigger === 1 || (metalContrast >= 3.5 && metalSlabs.some((sl) => solidAt(2, sl.end))));
  // a shallow crop can hold more carbon collector than electrolyte: the middle class is still the
  // collector when the brightest is no metal (contrast < 3.5) and a solid layer of it (the electrolyte,
  // not a composite cathode's particles) fills the end opposite the middle-class slab
  const carbonOutweighs = () => bigger === 1 && metalContrast < 3.5 && carbonSlabs.some((sl) => solidAt(2, sl.end === 'start' ? 'end' : 'start'));
  // a thin separator before a thick composite cathode (100 slices: Li 20, separator 20, composite
  // 60) makes the NMC class outweigh the electrolyte and the separator a middle-class slab: with the
  // brightest class as particles at the opposite end and almost no low density there (a porous
  // electrolyte's pores are dark), that slab is the separator, not a carbon collector. Only on a
  // denoised scan and with the brightest class ≥ 2× the middle one's contrast (NMC | Li6PS5Cl:
  // measured 2.26–2.30; Li6PS5Cl | carbon 1.53–1.56): noise mixes a solid electrolyte's end slices
  // the same way (unfiltered, or at twice the presets' noise after the median).
  const compositeOpposite = (sl: Slab) => {
    const other = sl.end === 'start' ? 'end' : 'start';
    return metalContrast >= 2 && particlesAtEnd(f3, solidAt, other) && endFraction(f3, 0, other) < 0.05;
  };
  const denoised = (options.denoise ?? 'auto') !== 'none';
  const carbonLayer = carbonSlabs.some((sl) => !(denoised && compositeOpposite(sl)));
  if (wanted === 'metal' || (wanted === 'auto' && metalLayer)) {
    collectorKind = 'metal';
    collectorClass = 2;
    electrolyteClass = 1;
    slab = longest(metalSlabs) ?? longest(ends.get(2)!);
    endSlabs = metalSlabs.length ? metalSlabs : slab ? [slab] : [];
  } else if (wanted === 'auto' && carbonSlabs.length && !carbonLayer && (bigger === 2 || carbonOutweighs())) {
    evidence.carbon_slab_is_separator = true;
  } else if (wanted === 'carbon' || (wanted === 'auto' && carbonLayer && (bigger === 2 || carbonOutweighs()))) {
    collectorKind = 'carbon';
    collectorClass = 1;
    electrolyteClass = 2;
    slab = longest(carbonSlabs) ?? longest(ends.get(1)!);
    endSlabs = carbonSlabs.length ? carbonSlabs : slab ? [slab] : [];
  }
  const plan: ClassPlan = {
    thresholds: th3.thresholds, cls, gmm: gmmInfo, collectorKind, collectorClass, collectorClasses: collectorClass >= 0 ? [collectorClass] : [],
    electrolyteClass, collectorMaterialLevels: [], carbonRuns: [], slab, endSlabs, cathodeClass: -1, cathodeEnd: null, cathodeInData: false,
  };
  return { plan, f3, solidAt, evidence };
}

/**
 * A metal layer: the grey below it may hold one more material than low | electrolyte (a carbon foil
 * behind the plunger, a composite cathode's particles): split it into three classes. Only when the
 * collector kind was found, not requested.
 */
export function splitBelowMetal(ctx: StepContext, plan: ClassPlan, hist: Histogram, th3: Thresholds): SplitBelowMetal | null {
  if (!(plan.collectorKind === 'metal' && (ctx.options.collector ?? 'auto') === 'auto')) return null;
  const below = histogramBelow(hist, th3.thresholds[1], 2);
  const sub = thresholdsFromHistogram(below, 3, 'otsu', 'partition');
  const th4 = [sub.thresholds[0], sub.thresholds[1], th3.thresholds[1]];
  return { below, sub, th4, cls4: classifier(th4) };
}

/** A carbon collector between the plunger and the Li: the middle class right behind the metal layer → a two-material collector. */
export async function collectorBehindPlunger(ctx: StepContext, plan: ClassPlan, split4: SplitBelowMetal, th3: Thresholds): Promise<ClassPlan> {
  const { sub, th4, cls4 } = split4;
  const runs = await Promise.all(plan.endSlabs.map((e) => layerBehind(ctx.store, cls4, e.end, 3, 1)));
  const wMid = sub.classes_stats[1].weight;
  if (!(runs.some((r) => r >= 2) && sub.classes_stats[2].weight > sub.classes_stats[1].weight)) return plan;
  ctx.decisions.push({
    step: 'collector behind plunger',
    decision: `a carbon-grey layer (class 1 of low | carbon | electrolyte below the metal threshold) lies right behind the metal layer (median run ${Math.max(...runs)} slices): carbon collector and metal plunger both labelled collector; electrolyte = class 2`,
    evidence: { thresholds: th4, runs_behind_metal: runs, sub_class_means: sub.classes_stats.map((x) => x.mean), middle_weight: wMid },
  });
  return {
    ...plan, thresholds: th4, cls: cls4, collectorKind: 'carbon', collectorClasses: [1, 3],
    collectorMaterialLevels: [sub.classes_stats[1].mean, th3.classes_stats[2].mean], carbonRuns: runs, electrolyteClass: 2,
  };
}

/**
 * The decision once collector and cathode are known: a cathode sets the electrolyte to class 1; no
 * collector and no cathode → two classes, low density | electrolyte (re-split with `method`).
 */
export function settleClasses(ctx: StepContext, plan: ClassPlan, bright: BrightLayout, hist: Histogram, th3: Thresholds): ClassPlan {
  const { decisions, options, method } = ctx;
  const { f3, evidence } = bright;
  const wanted = options.collector ?? 'auto';
  const { collectorKind, cathodeClass, cathodeEnd, collectorMaterialLevels, collectorClasses, collectorClass, slab } = plan;
  if (cathodeClass >= 0 && collectorKind === 'metal') return { ...plan, electrolyteClass: 1 };
  if (cathodeClass >= 0) {
    decisions.push({
      step: 'cathode',
      decision: `composite cathode at the ${cathodeEnd} of z: the brightest class (mean ${th3.classes_stats[2].mean.toFixed(0)}) fills ${(100 * endFraction(f3, 2, cathodeEnd!)).toFixed(0)} % of the end slices mixed with electrolyte (class 1, mean ${th3.classes_stats[1].mean.toFixed(0)}) and is absent at the other end → cathode active material (code ${CATHODE}); ${plan.cathodeFoil ? `a current collector foil beyond it (step 'cathode foil'), no other collector` : 'no collector in view'}`,
      evidence,
    });
    return { ...plan, electrolyteClass: 1 };
  }
  if (collectorKind === 'none') {
    const th2 = thresholdsFromHistogram(hist, 2, method, 'partition');
    decisions.push({
      step: 'collector',
      decision: wanted === 'none' ? 'no collector (requested): two classes, low density | electrolyte' : 'no collector found: no bright class forms a slab at one z end with the electrolyte at the other; two classes, low density | electrolyte',
      evidence: { ...evidence, thresholds_2: th2.thresholds },
    });
    return { ...plan, thresholds: th2.thresholds, gmm: th2.gmm ?? plan.gmm, cls: classifier(th2.thresholds), electrolyteClass: 1 };
  }
  const { electrolyteClass } = plan;
  decisions.push({
    step: 'collector',
    decision: collectorMaterialLevels.length === 2 ? `carbon collector behind a metal plunger: classes ${collectorClasses.join(' and ')} of 4 (low | carbon | electrolyte | metal); electrolyte = class ${electrolyteClass}` : `${collectorKind} collector = intensity class ${collectorClass} (${collectorKind === 'metal' ? 'brightest: metal absorbs most' : 'between Li and electrolyte: carbon'}), a slab of ${slab?.run ?? '?'} slices at the ${slab?.end ?? '?'} of z; electrolyte = class ${electrolyteClass}; low density (void + Li) = class 0${wanted !== 'auto' ? ' (kind requested)' : ''}`,
    evidence,
  });
  return plan;
}
