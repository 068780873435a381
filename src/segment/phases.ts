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
 */
import type { ComputeBackend } from '../compute/types.js';
import type { Spacing3 } from '../io/volume.js';
import { fullHistogramOfSlabs, gmmOnHistogram, histogramAbove, histogramBelow, thresholdsFromHistogram, type Histogram, type SlabVisitor } from './histogram.js';
import { componentsScratch, slabComponents, type ComponentsScratch } from './slab-components.js';
import { InputError } from '../io/errors.js';
import { ChangeLog } from './change-log.js';
import type { GaussianComponent } from './gmm.js';
import type { PhaseDecision, SegmentOptions } from './types.js';
import type { PhaseStore, Window } from './store.js';
import { anyIn, classifier, endFraction, Sampler, sliceFractions } from './phases/class-stats.js';
import { AIR, CAM, CAND, CATHODE, CC_SLAB_VOXELS, COLLECTOR, DMAX, ELECTRODE, ELECTROLYTE, LAST_PHASE, LI, OPEN, OUTSIDE, PENDING, PORE_DIP, REFINE_CHUNK_SLICES, TRANSITION, UNDECIDED, VOID } from './phases/codes.js';
import { cathodeBehindMetal, layerBehind, slabsAtEnds, type Slab } from './phases/end-layers.js';
import { hasOtherNeighbour, nearestNeighbourPhase, neighbourhoodOf, phaseMeans } from './phases/neighbours.js';

export { VOID, LI, ELECTROLYTE, COLLECTOR, OUTSIDE, UNDECIDED, CATHODE, CC_SLAB_VOXELS } from './phases/codes.js';


export interface PhaseContext {
  /** Grey levels (denoised, possibly inverted) and the label volume: in memory or on disk. */
  store: PhaseStore;
  spacing: Spacing3 | null;
  backend: ComputeBackend;
  method: 'otsu' | 'gmm';
  options: SegmentOptions;
  progress: (stage: string, done: number, total: number) => void;
  lap: (name: string) => void;
  /** Cap on the slices per connected-components slab (out of core: the store's slab size). */
  ccSlabSlices?: number;
  /** Refinement changes kept in memory per chunk before spilling to disk (default CHANGE_CHUNK_ENTRIES; tests). */
  changeChunkEntries?: number;
}

/** The labels are left in `ctx.store`. */
export interface PhaseResult {
  thresholds: number[];
  voidLiThreshold: number | null;
  histogram: Histogram;
  gmm?: { components: GaussianComponent[]; iterations: number; converged: boolean; fallback: string[] } | null;
  decisions: PhaseDecision[];
  refinement: { passes: number; changed_per_pass: number[] };
  /** What the layout steps found (the QC block reports it). */
  layout: {
    collector: 'carbon' | 'metal' | 'none'; electrodes: number; li_column_coverage: number; collector_at: 'start' | 'end' | 'both' | null;
    /** Li voxels in the layer at the start of the working z (the collector side) and beyond the electrolyte's far face. */
    li_voxels_near: number; li_voxels_far: number; far_layer: boolean;
    /** What the data show whatever the requested layout: a Li layer beyond the far face, a composite cathode. */
    far_layer_in_data: boolean; cathode_in_data: boolean;
    /** Materials under the collector label: 0 none, 1, or 2 (carbon foil and metal plunger). */
    collector_materials: number;
    /** A composite cathode was found (its active material labelled 4). */
    cathode: boolean;
  };
  /** Voxels decided by fallback rules: undecided after the layout steps (nearest mean among neighbours, or class alone). */
  fallbackVoxels: number;
}

/**
 * For each statistics channel 0..K−1 of a components result (voxels per channel per component), the
 * component with the most voxels in it, when it has any; their sizes are appended to `sizes`.
 */
function mostInEachChannel(cc: { count: number; stats: Float64Array; sizes: Float64Array }, K: number, sizes: number[]): Set<number> {
  const keep = new Set<number>();
  const row = cc.count + 1;
  for (let e = 0; e < K; e++) {
    let best = 0;
    for (let c = 1; c <= cc.count; c++) if (best === 0 || cc.stats[e * row + c] > cc.stats[e * row + best]) best = c;
    if (best && cc.stats[e * row + best] > 0) {
      keep.add(best);
      sizes.push(cc.sizes[best]);
    }
  }
  return keep;
}

/**
 * Low-density 26-connected components by layout: zone counts per component (outside, in the
 * collector run, layer, inside the electrolyte), then each voxel's role written (ELECTRODE for the
 * Li electrode's components, VOID for air and pores). A function of its own so the per-component
 * tables (≈ 40 bytes per component; tens of millions on large scans) are garbage once it returns.
 * `lowRows[z·ny + y]` is set for the rows (z, y) that hold a low-density voxel.
 */
async function lowComponentRoles(
  store: PhaseStore, backend: ComputeBackend, slabDepth: number, scratch: ComponentsScratch,
  fillMask: (z0: number, z1: number, m: Uint8Array) => void, zoneOf: (i: number) => number, lowRows: Uint8Array,
): Promise<{ roleVoxels: number[]; roleCount: number[] }> {
  const low = await slabComponents({ backend, shape: store.shape, connectivity: 26, slabDepth, scratch, fillMask, channels: 5, channelOf: zoneOf });
  const zone = (zi: number, c: number) => low.stats[zi * (low.count + 1) + c]; // out, inColl, layer, inside, far layer
  // role: 1 electrode, 2 outside air, 3 pore
  const role = new Uint8Array(low.count + 1);
  const roleVoxels = [0, 0, 0, 0];
  const roleCount = [0, 0, 0, 0];
  for (let c = 1; c <= low.count; c++) {
    const size = low.sizes[c];
    const r = zone(2, c) + zone(4, c) >= 0.25 * size ? 1 : zone(0, c) + zone(1, c) >= zone(3, c) ? 2 : 3;
    role[c] = r;
    roleVoxels[r] += size;
    roleCount[r]++;
  }
  const nx = store.shape[2];
  const rowsPerSlice = store.shape[1];
  await low.revisit((z0, z1, lab, finalId) => store.editLabels(z0, z1, (labels) => {
    for (let r = 0, i = 0; i < lab.length; r++) {
      let any = 0;
      for (const end = i + nx; i < end; i++) {
        if (!lab[i]) continue;
        labels[i] = role[finalId(lab[i])] === 1 ? ELECTRODE : role[finalId(lab[i])] === 2 ? AIR : VOID;
        any = 1;
      }
      if (any) lowRows[z0 * rowsPerSlice + r] = 1;
    }
  }));
  return { roleVoxels, roleCount };
}

export async function segmentPhases(ctx: PhaseContext): Promise<PhaseResult> {
  const { store, backend, method, options, progress, lap } = ctx;
  const shape = store.shape;
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const decisions: PhaseDecision[] = [];
  const floatBins = options.floatBins ?? 4096;
  // (components, sizes and first-voxel numbering do not depend on the slab depth)
  const slabDepth = Math.max(1, Math.min(Math.floor(CC_SLAB_VOXELS / plane), ctx.ccSlabSlices ?? Infinity));
  const greySlabs: SlabVisitor = (visit) => store.sweep({ grey: true }, (w) => visit(w.grey));

  // 1. Intensity classes and the layout of the bright ones.
  progress('thresholds', 0, 1);
  const hist = await fullHistogramOfSlabs(greySlabs, store.greyDtype, store.windows === 'slabs' ? 'calling-thread' : backend, floatBins);
  lap('histogram');
  // Coarse classes: multi-Otsu (the gaps low | carbon | electrolyte or low | electrolyte | metal are
  // wide). With method 'gmm' the thresholds are refined by a 4-component mixture (void, Li, and the
  // two bright phases; initialised from multi-Otsu with the low class split in two) at the density
  // crossings of Li | middle and middle | brightest.
  // a binary or two-level image has no void | Li | electrolyte to tell apart: bad input, not a crash
  let levels = 0;
  for (let i = 0; i < hist.counts.length && levels < 3; i++) if (hist.counts[i] > 0) levels++;
  if (levels < 3) throw new InputError(`the scan has only ${levels} distinct grey level${levels === 1 ? '' : 's'}: phase segmentation needs a grey-level tomogram (for labels already made, use --classes ${Math.max(2, levels)})`);
  const th3 = thresholdsFromHistogram(hist, 3, 'otsu', 'partition');
  let gmmInfo: PhaseResult['gmm'] = null;
  if (method === 'gmm') {
    const b = hist.binning;
    const lowPart = histogramBelow(hist, th3.thresholds[0], 2);
    const split = thresholdsFromHistogram(lowPart, 2, 'otsu', 'partition').classes_stats;
    const w0 = th3.classes_stats[0].weight;
    const init = [
      { ...split[0], weight: split[0].weight * w0 },
      { ...split[1], weight: split[1].weight * w0 },
      th3.classes_stats[1],
      th3.classes_stats[2],
    ];
    const g = gmmOnHistogram(hist, init);
    const fallback: string[] = [];
    const t0 = g.crossings[1];
    const t1 = g.crossings[2];
    if (t0 !== null && t1 !== null && t0 < t1) {
      th3.thresholds = [b.integer ? Math.ceil(t0) : t0, b.integer ? Math.ceil(t1) : t1];
    } else fallback.push('no density crossing Li | middle or middle | brightest: multi-Otsu thresholds kept');
    gmmInfo = { components: g.components, iterations: g.iterations, converged: g.converged, fallback };
  }
  let cls = classifier(th3.thresholds);
  lap('classify');
  const f3 = await sliceFractions(store, cls, 3);
  const ends = await slabsAtEnds(store, cls, [1, 2], 0);
  const wanted = options.collector ?? 'auto';
  let collectorClass = -1;
  let electrolyteClass = 2;
  let slab: Slab | null = null;
  /** The collector layers kept: one, or one at each end (plungers of a symmetric cell). */
  let endSlabs: Slab[] = [];
  let collectorKind: 'carbon' | 'metal' | 'none' = 'none';
  // The electrolyte is the dominant bright phase; the other bright class is a collector only if it
  // forms a slab at one z end while the electrolyte dominates the opposite end.
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
  const evidence = {
    class_means: th3.classes_stats.map((s) => s.mean),
    class_weights: th3.classes_stats.map((s) => s.weight),
    thresholds: th3.thresholds,
    dominant_bright_class: bigger,
    brightest_contrast: metalContrast,
    metal_slab: longest(metalSlabs),
    carbon_slab: longest(carbonSlabs),
    end_fractions: { start: [0, 1, 2].map((c) => endFraction(f3, c, 'start')), end: [0, 1, 2].map((c) => endFraction(f3, c, 'end')) },
  };
  // A solid layer of the brightest class at an end (some slice ≥ 90 % that class within the end
  // quarter): a plunger or metal collector, not a composite of particles.
  const solidAt = (c: number, end: 'start' | 'end'): boolean => {
    const q = Math.max(2, Math.floor(nz / 4));
    for (let k = 0; k < q; k++) if (f3[c][end === 'start' ? k : nz - 1 - k] >= 0.9) return true;
    return false;
  };
  // the electrolyte is usually the bigger bright class; in a shallow scan a thick plunger can outweigh
  // it, which a solid, far brighter layer at an end still identifies
  const metalLayer = metalSlabs.length > 0 && (bigger === 1 || (metalContrast >= 3.5 && metalSlabs.some((sl) => solidAt(2, sl.end))));
  // a shallow crop can hold more carbon collector than electrolyte: the middle class is still the
  // collector when the brightest is no metal (contrast < 3.5) and a solid layer of it (the electrolyte,
  // not a composite cathode's particles) fills the end opposite the middle-class slab
  const carbonOutweighs = () => bigger === 1 && metalContrast < 3.5 && carbonSlabs.some((sl) => solidAt(2, sl.end === 'start' ? 'end' : 'start'));
  if (wanted === 'metal' || (wanted === 'auto' && metalLayer)) {
    collectorKind = 'metal';
    collectorClass = 2;
    electrolyteClass = 1;
    slab = longest(metalSlabs) ?? longest(ends.get(2)!);
    endSlabs = metalSlabs.length ? metalSlabs : slab ? [slab] : [];
  } else if (wanted === 'carbon' || (wanted === 'auto' && carbonSlabs.length && (bigger === 2 || carbonOutweighs()))) {
    collectorKind = 'carbon';
    collectorClass = 1;
    electrolyteClass = 2;
    slab = longest(carbonSlabs) ?? longest(ends.get(1)!);
    endSlabs = carbonSlabs.length ? carbonSlabs : slab ? [slab] : [];
  }
  let thresholds = th3.thresholds;
  let gmm = gmmInfo;
  /** Grey levels of the collector label's materials when it holds two (carbon foil + metal plunger). */
  let collectorMaterialLevels: number[] = [];
  /** Median carbon run behind each end layer (two-material collectors). */
  let carbonRuns: number[] = [];
  /** Intensity classes of the collector label (a carbon foil behind a metal plunger: both). */
  let collectorClasses = collectorClass >= 0 ? [collectorClass] : [];
  // A metal layer: the grey below it may hold one more material than low | electrolyte (a carbon foil
  // behind the plunger, a composite cathode's particles): split it into three classes.
  const split4 = collectorKind === 'metal' && wanted === 'auto' ? (() => {
    const below = histogramBelow(hist, th3.thresholds[1], 2);
    const sub = thresholdsFromHistogram(below, 3, 'otsu', 'partition');
    const th4 = [sub.thresholds[0], sub.thresholds[1], th3.thresholds[1]];
    return { below, sub, th4, cls4: classifier(th4) };
  })() : null;
  if (split4) {
    // A carbon collector between the plunger and the Li: the middle class right behind the metal layer.
    const { sub, th4, cls4 } = split4;
    const runs = await Promise.all(endSlabs.map((e) => layerBehind(store, cls4, e.end, 3, 1)));
    const wMid = sub.classes_stats[1].weight;
    if (runs.some((r) => r >= 2) && sub.classes_stats[2].weight > sub.classes_stats[1].weight) {
      thresholds = th4;
      cls = cls4;
      collectorKind = 'carbon';
      collectorClasses = [1, 3];
      collectorMaterialLevels = [sub.classes_stats[1].mean, th3.classes_stats[2].mean];
      carbonRuns = runs;
      electrolyteClass = 2;
      decisions.push({
        step: 'collector behind plunger',
        decision: `a carbon-grey layer (class 1 of low | carbon | electrolyte below the metal threshold) lies right behind the metal layer (median run ${Math.max(...runs)} slices): carbon collector and metal plunger both labelled collector; electrolyte = class 2`,
        evidence: { thresholds: th4, runs_behind_metal: runs, sub_class_means: sub.classes_stats.map((x) => x.mean), middle_weight: wMid },
      });
    }
  }
  // A composite cathode: the class brighter than the electrolyte fills part (15–90 %) of the slices
  // at one end, mixed with electrolyte, and is absent at the other end (a plunger is a pure slab, a
  // cathode composite is particles in an electrolyte matrix).
  let cathodeClass = -1;
  let cathodeEnd: 'start' | 'end' | null = null;
  const wantLayout = options.layout ?? 'auto';
  const cathodeWanted = wantLayout === 'auto' || wantLayout === 'full-cell';
  if (split4 && collectorKind === 'metal' && cathodeWanted) {
    // The cathode's grey may fall below the metal threshold (split below it) or above it (the metal
    // class then holds cathode and steel: split it in two). Classes: low | electrolyte | cathode | metal.
    const above = histogramAbove(hist, th3.thresholds[1], 2);
    const subA = thresholdsFromHistogram(above, 2, 'otsu', 'partition');
    const candidates = [
      { where: 'below', th4: split4.th4, cls4: split4.cls4, hist: split4.below, lo: split4.sub.classes_stats[1].mean, hi: split4.sub.classes_stats[2].mean, t: split4.sub.thresholds[1] },
      { where: 'above', th4: [th3.thresholds[0], th3.thresholds[1], subA.thresholds[0]], cls4: classifier([th3.thresholds[0], th3.thresholds[1], subA.thresholds[0]]), hist: above, lo: subA.classes_stats[0].mean, hi: subA.classes_stats[1].mean, t: subA.thresholds[0] },
    ];
    const tried: Record<string, unknown> = {};
    for (const c of candidates) {
      const found = await cathodeBehindMetal(store, c.cls4, c.hist, c.lo, c.hi, c.t);
      tried[c.where] = { thresholds: c.th4, ...found.evidence };
      if (!found.end) continue;
      thresholds = c.th4;
      cls = c.cls4;
      collectorClass = 3;
      collectorClasses = [3];
      cathodeClass = 2;
      cathodeEnd = found.end;
      decisions.push({ step: 'cathode behind metal', decision: `composite cathode at the ${found.end} of z inside the metal layer: split ${c.where} the metal threshold, class 2 of low | electrolyte | cathode | metal is mixed with electrolyte there (${(100 * found.evidence.ratio[found.end]).toFixed(0)} % of the bright voxels), absent inside the other end, and a population of its own (valley ${found.evidence.valley_ratio} of the lower peak) → cathode active material (code ${CATHODE}); metal = collector (class 3)`, evidence: tried });
      break;
    }
    if (cathodeClass < 0) decisions.push({ step: 'cathode behind metal', decision: 'no composite cathode inside the metal layer (the grey below and above the metal threshold split into two classes: neither is mixed with electrolyte at one end only, as particles in a matrix are)', evidence: tried });
  }
  // (looked for whatever the requested layout, so a request the data contradict is reported)
  let cathodeInData = cathodeClass >= 0;
  if (wanted === 'auto' && collectorKind === 'none' && th3.classes_stats[2].mean > th3.classes_stats[1].mean) {
    for (const end of ['start', 'end'] as const) {
      const other = end === 'start' ? 'end' : 'start';
      const fc = endFraction(f3, 2, end), fe = endFraction(f3, 1, end), fo = endFraction(f3, 2, other);
      if (fc >= 0.15 && fc <= 0.9 && fe >= 0.05 && fo < 0.02 && !solidAt(2, end)) {
        cathodeInData = true;
        if (cathodeWanted) { cathodeClass = 2; cathodeEnd = end; }
      }
    }
  }
  if (cathodeClass >= 0 && collectorKind === 'metal') {
    electrolyteClass = 1;
  } else if (cathodeClass >= 0) {
    electrolyteClass = 1;
    decisions.push({
      step: 'cathode',
      decision: `composite cathode at the ${cathodeEnd} of z: the brightest class (mean ${th3.classes_stats[2].mean.toFixed(0)}) fills ${(100 * endFraction(f3, 2, cathodeEnd!)).toFixed(0)} % of the end slices mixed with electrolyte (class 1, mean ${th3.classes_stats[1].mean.toFixed(0)}) and is absent at the other end → cathode active material (code ${CATHODE}); no collector in view`,
      evidence,
    });
  } else if (collectorKind === 'none') {
    const th2 = thresholdsFromHistogram(hist, 2, method, 'partition');
    thresholds = th2.thresholds;
    gmm = th2.gmm ?? gmm;
    cls = classifier(th2.thresholds);
    electrolyteClass = 1;
    decisions.push({
      step: 'collector',
      decision: wanted === 'none' ? 'no collector (requested): two classes, low density | electrolyte' : 'no collector found: no bright class forms a slab at one z end with the electrolyte at the other; two classes, low density | electrolyte',
      evidence: { ...evidence, thresholds_2: th2.thresholds },
    });
  } else {
    decisions.push({
      step: 'collector',
      decision: collectorMaterialLevels.length === 2 ? `carbon collector behind a metal plunger: classes ${collectorClasses.join(' and ')} of 4 (low | carbon | electrolyte | metal); electrolyte = class ${electrolyteClass}` : `${collectorKind} collector = intensity class ${collectorClass} (${collectorKind === 'metal' ? 'brightest: metal absorbs most' : 'between Li and electrolyte: carbon'}), a slab of ${slab?.run ?? '?'} slices at the ${slab?.end ?? '?'} of z; electrolyte = class ${electrolyteClass}; low density (void + Li) = class 0${wanted !== 'auto' ? ' (kind requested)' : ''}`,
      evidence,
    });
  }
  const collectorAtStart = slab ? slab.end === 'start' : endFraction(f3, electrolyteClass, 'end') >= endFraction(f3, electrolyteClass, 'start');
  const oz = (z: number) => (collectorAtStart ? z : nz - 1 - z);
  /** Mask of intensity class c (as `cls`: the number of thresholds ≤ g), comparisons inlined. */
  const classMask = (c: number) => (z0: number, z1: number, m: Uint8Array) => {
    const g = store.greySlices(z0, z1);
    const ts = thresholds.map(Math.fround); // those of `cls`
    if (c === 0) {
      const hi = ts[0];
      for (let i = 0; i < m.length; i++) m[i] = g[i] >= hi ? 0 : 1;
    } else if (c === ts.length) {
      const lo = ts[c - 1];
      for (let i = 0; i < m.length; i++) m[i] = g[i] >= lo ? 1 : 0;
    } else {
      const lo = ts[c - 1], hi = ts[c];
      for (let i = 0; i < m.length; i++) m[i] = g[i] >= lo && !(g[i] >= hi) ? 1 : 0;
    }
  };

  /**
   * Phase levels for the nearest-mean rules, indexed by code (0 void … 4 cathode, 5 air outside the cell): a collector of two
   * materials is represented by both levels (index 3: the carbon, COLLECTOR_2ND: the metal), never by
   * their mixture's mean.
   */
  const collectorLevels = (m: number[]): number[] => (collectorMaterialLevels.length === 2 ? [m[0], m[1], m[2], collectorMaterialLevels[0], m[4], m[5], collectorMaterialLevels[1]] : m);

  // 2. Main collector and electrolyte components (slab by slab; membership written on a second pass,
  //    skipped when the class is one component).
  progress('components', 0, 3);
  await store.fillLabels(OPEN);
  // the components passes read two slices at a time: their per-component tables (which grow with
  // the number of components, i.e. with the volume) get the room of the sweep windows
  store.releaseWindows();
  // one pair of slab buffers for every components pass below (each is revisited or discarded
  // before the next starts); dropped after the last
  let ccScratch: ComponentsScratch | null = componentsScratch(Math.min(nz, slabDepth) * plane);
  /** Set `code` on voxels of class c that belong to component `keep` (all of class c when it is the only one). */
  const keepComponent = async (cc: Awaited<ReturnType<typeof slabComponents>>, cs: number[], keep: ReadonlySet<number>, code: number) => {
    if (cc.count === 1 && keep.has(1)) {
      cc.discard();
      await store.sweep({ grey: true, labels: 'write' }, (w) => {
        const i1 = (w.z1 - w.lo) * plane;
        if (cs.length === 1) {
          const c = cs[0];
          for (let i = (w.z0 - w.lo) * plane; i < i1; i++) if (cls(w.grey[i]) === c) w.labels[i] = code;
        } else for (let i = (w.z0 - w.lo) * plane; i < i1; i++) if (cs.includes(cls(w.grey[i]))) w.labels[i] = code;
      });
      return;
    }
    await cc.revisit((z0, z1, lab, finalId) => store.editLabels(z0, z1, (labels) => {
      let lastLocal = -1, lastKeep = false;
      for (let i = 0; i < lab.length; i++) {
        const l = lab[i];
        if (!l) continue;
        if (l !== lastLocal) {
          lastLocal = l;
          lastKeep = keep.has(finalId(l));
        }
        if (lastKeep) labels[i] = code;
      }
    }));
  };
  /** Mask of several intensity classes (the collector's), OR of their masks. */
  const classesMask = (cs: number[]) => (z0: number, z1: number, m: Uint8Array) => {
    classMask(cs[0])(z0, z1, m);
    if (cs.length === 1) return;
    const g = store.greySlices(z0, z1);
    for (let i = 0; i < m.length; i++) if (!m[i] && cs.includes(cls(g[i]))) m[i] = 1;
  };
  if (collectorClasses.length && endSlabs.length) {
    const sl = endSlabs;
    const K = sl.length;
    const cc = await slabComponents({
      backend, shape, connectivity: 26, slabDepth, scratch: ccScratch, fillMask: classesMask(collectorClasses),
      channels: K, channelOf: (i) => { const z = Math.floor(i / plane); for (let e = 0; e < K; e++) if (z >= sl[e].z0 && z <= sl[e].z1) return e; return -1; },
    });
    // per layer: the component with the most voxels in its z range
    const kept: number[] = [];
    const keep = mostInEachChannel(cc, K, kept);
    if (keep.size) await keepComponent(cc, collectorClasses, keep, COLLECTOR);
    else cc.discard();
    if (collectorMaterialLevels.length === 2) {
      // the carbon foil behind the plunger is its own component (partial-volume voxels of electrolyte
      // grey separate the two): the largest carbon-class component just behind each end layer
      const ranges = sl.map((e, k) => {
        const reach = carbonRuns[k] + 2 * TRANSITION + 2;
        return e.end === 'start' ? [e.z0, e.z1 + reach] : [e.z0 - reach, e.z1];
      });
      const carbon = await slabComponents({
        backend, shape, connectivity: 26, slabDepth, scratch: ccScratch, fillMask: classMask(1),
        channels: K, channelOf: (i) => { const z = Math.floor(i / plane); for (let e = 0; e < K; e++) if (carbonRuns[e] >= 2 && z >= ranges[e][0] && z <= ranges[e][1]) return e; return -1; },
      });
      const keepCarbon = mostInEachChannel(carbon, K, kept);
      if (keepCarbon.size) await keepComponent(carbon, [1], keepCarbon, COLLECTOR);
      else carbon.discard();
    }
    decisions.push({ step: 'collector component', decision: `largest 26-connected component of class ${collectorClasses.join(' ∪ ')} in ${K === 2 ? 'each end layer (collectors or plungers at both ends)' : 'the end layer'} kept as collector; ${cc.count - keep.size} other components left undecided`, evidence: { voxels: kept, components: cc.count, layers: sl.map((x) => x.end) } });
  }
  progress('components', 1, 3);
  {
    const cc = await slabComponents({ backend, shape, connectivity: 26, slabDepth, scratch: ccScratch, fillMask: classMask(electrolyteClass) });
    let best = 0;
    for (let c = 1; c <= cc.count; c++) if (best === 0 || cc.sizes[c] > cc.sizes[best]) best = c;
    if (best) await keepComponent(cc, [electrolyteClass], new Set([best]), ELECTROLYTE);
    else cc.discard();
    decisions.push({ step: 'electrolyte component', decision: `largest 26-connected component of class ${electrolyteClass} is the electrolyte; ${Math.max(0, cc.count - 1)} small components left undecided`, evidence: { voxels: best ? cc.sizes[best] : 0, components: cc.count } });
  }
  if (cathodeClass >= 0) {
    let cam = 0;
    await store.sweep({ grey: true, labels: 'write' }, (w) => {
      const i1 = (w.z1 - w.lo) * plane;
      for (let i = (w.z0 - w.lo) * plane; i < i1; i++) if (w.labels[i] === OPEN && cls(w.grey[i]) === cathodeClass) { w.labels[i] = CAM; cam++; }
    });
    decisions.push({ step: 'cathode voxels', decision: `${cam} voxels of class ${cathodeClass} → cathode active material`, evidence: { voxels: cam } });
  }
  lap('components');

  // 3. Layout per column (oriented z: 0 at the collector end), slices visited in oriented order.
  const collOuter = new Int32Array(plane).fill(-1);
  const collInner = new Int32Array(plane).fill(-1);
  const elSurf = new Int32Array(plane).fill(nz);
  // far side (two-ended layouts): last electrolyte voxel, and the far collector run from the far end
  const elBack = new Int32Array(plane).fill(nz - 1);
  const farInner = new Int32Array(plane).fill(nz);
  const farOuter = new Int32Array(plane).fill(nz);
  const twoCollectors = endSlabs.length === 2;
  // a Li layer beyond the electrolyte's far face: collectors at both ends, or low density dominating
  // the far end (symmetric cell cropped inside its Li foils)
  const farEnd = collectorAtStart ? 'end' : 'start';
  // a requested layout decides whether a Li layer lies beyond the electrolyte's far face
  const farLayerInData = twoCollectors || endFraction(f3, 0, farEnd) >= 0.5;
  const farLayer = wantLayout === 'symmetric' ? true : wantLayout !== 'auto' ? false : farLayerInData;
  const runDone = new Uint8Array(plane);
  // a collector of two materials (metal plunger | carbon foil) has partial-volume voxels of other
  // classes between them: gaps up to TRANSITION stay in the run; one material: no gap (a thin Li
  // layer must not be bridged to collector-grey partial volume further in)
  const runGap = collectorMaterialLevels.length === 2 ? TRANSITION : 0;
  /** Slices of the window's interior in oriented order: visit(k, local slice base). */
  const oriented = (w: Window, visit: (k: number, base: number) => void) => {
    for (let s = 0; s < w.z1 - w.z0; s++) {
      const z = collectorAtStart ? w.z0 + s : w.z1 - 1 - s;
      visit(oz(z), (z - w.lo) * plane);
    }
  };
  await store.sweep({ labels: 'read', descending: !collectorAtStart }, (w) => oriented(w, (k, base) => {
    for (let p = 0; p < plane; p++) {
      const l = w.labels[base + p];
      if (l === COLLECTOR) {
        // first contiguous run of collector voxels from the outer side (partial-volume collector-like
        // voxels further in, e.g. at thin-Li spots, do not move the inner face)
        if (collOuter[p] < 0) collOuter[p] = collInner[p] = k;
        else if (collInner[p] >= k - 1 - runGap && !runDone[p]) collInner[p] = k;
        else runDone[p] = 1;
      } else if (collOuter[p] >= 0 && k - collInner[p] > runGap) runDone[p] = 1;
    }
  }));
  if (twoCollectors) {
    runDone.fill(0);
    await store.sweep({ labels: 'read', descending: collectorAtStart }, (w) => {
      for (let s = 0; s < w.z1 - w.z0; s++) {
        const z = collectorAtStart ? w.z1 - 1 - s : w.z0 + s; // far end first
        const k = oz(z), base = (z - w.lo) * plane;
        for (let p = 0; p < plane; p++) {
          if (w.labels[base + p] === COLLECTOR) {
            if (farOuter[p] === nz) farOuter[p] = farInner[p] = k;
            else if (farInner[p] <= k + 1 + runGap && !runDone[p]) farInner[p] = k;
            else runDone[p] = 1;
          } else if (farOuter[p] < nz && farInner[p] - k > runGap) runDone[p] = 1;
        }
      }
    });
  }
  // The collector is one layer on one side: collector-class voxels past the first run of a column
  // (a porous electrolyte band whose partial-volume grey looks like carbon, reached through Li-free
  // columns) are not collector; they are decided later by the half-way rule like other undecided voxels.
  // Same pass: the electrolyte surface of each column (first electrolyte voxel past the collector).
  // Also: cathode-class voxels before the electrolyte surface or from the far collector run on are
  // the partial volume of metal faces (steel | air, steel | Li edges blur through the NMC grey), not
  // the composite, which lies beyond the electrolyte surface: left undecided too.
  let demoted = 0, demotedCam = 0;
  await store.sweep({ labels: 'write', descending: !collectorAtStart }, (w) => oriented(w, (k, base) => {
    for (let p = 0; p < plane; p++) {
      const l = w.labels[base + p];
      if (l === COLLECTOR && k > collInner[p] && k < farInner[p]) {
        w.labels[base + p] = OPEN;
        demoted++;
      } else if (l === CAM && (elSurf[p] === nz || k >= farInner[p])) {
        w.labels[base + p] = OPEN;
        demotedCam++;
      } else if (l === ELECTROLYTE && k > collInner[p] && k < farInner[p]) {
        if (elSurf[p] === nz) elSurf[p] = k;
        elBack[p] = k;
      }
    }
  }));
  if (demoted) decisions.push({ step: 'collector layer', decision: `${demoted} collector-class voxels beyond the first collector run of their column left undecided (the collector is a single layer)` });
  if (demotedCam) decisions.push({ step: 'cathode layer', decision: `${demotedCam} cathode-class voxels before the electrolyte surface or in and beyond the far metal layer left undecided (partial volume of metal faces; the composite lies beyond the electrolyte surface)` });
  // Zone of a voxel: 0 outside (beyond a collector), 1 in a collector run, 2 layer, 3 inside the
  // electrolyte, 4 far layer (beyond the electrolyte's far face, two-ended layouts).
  const zoneAt = (p: number, k: number): number => {
    if (collOuter[p] >= 0 && k < collOuter[p]) return 0;
    if (k <= collInner[p]) return 1;
    if (k < elSurf[p]) return 2;
    if (!farLayer || k <= elBack[p]) return 3;
    if (k < farInner[p]) return 4;
    return k <= farOuter[p] ? 1 : 0;
  };
  const isLayer = (zone: number) => zone === 2 || zone === 4;
  const zoneOf = (i: number): number => {
    const z = Math.floor(i / plane);
    return zoneAt(i - z * plane, oz(z));
  };

  // 4. Low-density components by layout: zone counts per component, then its role written per voxel
  //    (ELECTRODE for the Li electrode's components, VOID for air and pores).
  progress('components', 2, 3);
  store.releaseWindows();
  // Rows (z, y) holding a low-density voxel: the passes of steps 5 and 6 act on low-density voxels
  // only (nothing else becomes one before step 7), so they skip every other row — most of a cell
  // is electrolyte, with the low density in the air, the Li layer and sparse pores.
  const lowRows = new Uint8Array(nz * ny);
  const { roleVoxels, roleCount } = await lowComponentRoles(store, backend, slabDepth, ccScratch, classMask(0), zoneOf, lowRows);
  ccScratch = null;
  lap('low_components');

  // 5. Fringe correction: distance (6-connected steps, ≤ DMAX, through low-density voxels) from the
  //    bright decided phases, as a bin in the high nibble: 0 far, 1..4 from the electrolyte, 5..8 from
  //    the collector. One sweep per distance (a voxel set at distance d is not read as d - 1).
  const isLowState = (s: number) => s === VOID || s === ELECTRODE || s === AIR;
  const distOfBin = (b: number) => (b ? ((b - 1) % DMAX) + 1 : 0);
  // The bin a voxel takes in sweep d from a neighbour depends only on the neighbour's label byte v
  // (0: none): d = 1 from a bright phase, else from a low voxel whose bin is at distance d − 1 (its
  // source kept). One table per sweep.
  const binFrom = (v: number, d: number): number => {
    if (d === 1) return (v & 15) === ELECTROLYTE ? 1 : (v & 15) === COLLECTOR ? DMAX + 1 : 0;
    const b = v >> 4;
    return b && distOfBin(b) === d - 1 ? b + 1 : 0;
  };
  const fromTable = new Uint8Array(256);
  for (let d = 1; d <= DMAX; d++) {
    for (let v = 0; v < 256; v++) fromTable[v] = binFrom(v, d);
    await store.sweep({ halo: 1, labels: 'write' }, (w) => {
      const L = w.labels, T = fromTable;
      for (let z = w.z0; z < w.z1; z++)
        for (let y = 0; y < ny; y++) {
          if (!lowRows[z * ny + y]) continue;
          const row = (z - w.lo) * plane + y * nx;
          for (let x = 0; x < nx; x++) {
            const i = row + x;
            const li = L[i];
            if (li !== VOID && li !== ELECTRODE && li !== AIR) continue; // low state without a bin yet
            let b = 0;
            if (x > 0) b = T[L[i - 1]];
            if (!b && x < nx - 1) b = T[L[i + 1]];
            if (!b && y > 0) b = T[L[i - nx]];
            if (!b && y < ny - 1) b = T[L[i + nx]];
            if (!b && z > 0) b = T[L[i - plane]];
            if (!b && z < nz - 1) b = T[L[i + plane]];
            if (b) L[i] = li | (b << 4);
          }
        }
    });
  }
  // Electrode voxels in the layer (between collector and electrolyte surface), visited in raster order.
  const forEachLayer = (grey: boolean, visit: (w: Window, i: number) => void) => store.sweep({ grey, labels: 'read' }, (w) => {
    for (let z = w.z0; z < w.z1; z++) {
      const k = oz(z);
      const base = (z - w.lo) * plane;
      for (let y = 0; y < ny; y++) {
        if (!lowRows[z * ny + y]) continue;
        for (let p = y * nx; p < (y + 1) * nx; p++) if ((w.labels[base + p] & 15) === ELECTRODE && isLayer(zoneAt(p, k))) visit(w, base + p);
      }
    }
  });
  // Fringe profile: median grey per (source phase, distance) over electrode voxels in the layer
  // (where Li dominates), minus the far-field (Li) median. Every sample in one pass (each sampler
  // keeps every stride-th of its own voxels in raster order).
  const NB = 2 * DMAX + 1;
  const binCounts = new Float64Array(NB);
  let deep = 0;
  await forEachLayer(false, (w, i) => {
    const b = w.labels[i] >> 4;
    binCounts[b]++;
    if (!b || distOfBin(b) >= 3) deep++;
  });
  let totalLayer = 0;
  for (const c of binCounts) totalLayer += c;
  // Li level: far-field median; thin layers: voxels ≥ 3 steps from bright phases; else all layer voxels.
  const binSamplers = Array.from(binCounts, (c) => (c >= 200 ? new Sampler(c) : null));
  const refKind = binCounts[0] >= 1000 ? 'far' : deep >= 1000 ? 'deep' : 'all';
  const refSampler = refKind === 'deep' ? new Sampler(deep) : refKind === 'all' && totalLayer > 0 ? new Sampler(totalLayer) : null;
  await forEachLayer(true, (w, i) => {
    const b = w.labels[i] >> 4;
    const g = w.grey[i];
    binSamplers[b]?.offer(g);
    if (refSampler && (refKind === 'all' || !b || distOfBin(b) >= 3)) refSampler.offer(g);
  });
  const med = binSamplers.map((s) => (s ? s.median() : NaN));
  const reference = refKind === 'far' ? med[0] : refSampler ? refSampler.median() : NaN;
  const shift = new Float64Array(NB);
  for (let b = 1; b < NB; b++) shift[b] = Number.isFinite(med[b]) && Number.isFinite(reference) ? med[b] - reference : 0;
  lap('fringe_profile');

  // 6. Void | Li threshold: Li level fixed at the reference, void level = mean of the corrected
  //    low-density grey below the threshold, threshold half-way between (iterated to a fixed point).
  //    Corrected grey = grey − shift[bin], computed where needed (no float copy of the volume).
  const corrected = (g: number, l: number) => Math.fround(g - shift[l >> 4]);
  const muLi = reference;
  let liSpread = NaN;
  {
    // robust spread of the Li level (MAD of far/deep layer voxels)
    const stride = Math.max(1, Math.ceil(totalLayer / 200_000));
    const dev: number[] = [];
    let seen = 0;
    await forEachLayer(true, (w, i) => {
      if (seen++ % stride === 0) dev.push(Math.abs(corrected(w.grey[i], w.labels[i]) - muLi));
    });
    dev.sort((x, y) => x - y);
    liSpread = dev.length ? 1.4826 * dev[dev.length >> 1] : NaN;
  }
  let tVL = Number.isFinite(liSpread) ? muLi - 3 * liSpread : muLi;
  let muVoid = NaN;
  let voidCount = 0;
  for (let it = 0; it < 50; it++) {
    let s = 0, c = 0;
    await store.sweep({ grey: true, labels: 'read' }, (w) => {
      for (let z = w.z0; z < w.z1; z++)
        for (let y = 0; y < ny; y++) {
          if (!lowRows[z * ny + y]) continue;
          const i1 = (z - w.lo) * plane + (y + 1) * nx;
          for (let i = i1 - nx; i < i1; i++) {
            const l = w.labels[i];
            if (!isLowState(l & 15)) continue;
            const v = corrected(w.grey[i], l);
            if (v < tVL) { s += v; c++; }
          }
        }
    });
    if (!c) { muVoid = NaN; voidCount = 0; break; }
    muVoid = s / c;
    voidCount = c;
    const next = 0.5 * (muVoid + muLi);
    if (Math.abs(next - tVL) < 1e-3 * Math.max(1, Math.abs(muLi))) { tVL = next; break; }
    tVL = next;
  }
  // Voxel decisions. Layer: Li unless darker than the void|Li threshold (interfacial voids).
  // Inside the electrolyte (filaments or pores attached to the electrode): void near a void core
  // (geodesic growth of dark cores by 2 steps inside the low-density mask), Li otherwise.
  // Dark cores carry growth marker 1 in the high nibble; voxels reached at step s carry s + 1.
  let liVox = 0, electrodeVoid = 0, cores = 0;
  const hasLi = new Uint8Array(plane);
  let liNear = 0, liFar = 0;
  // Outside the electrolyte the decision is taken on the mean corrected grey of the voxel and its
  // electrode neighbours in the slice (3 × 3): interfacial voids and Li lie along the layer, so
  // averaging across the plane cuts the noise (per voxel, after the median filter, 1–7 % of the Li
  // of the anode-free phantoms fell below the half-way threshold) without thinning a void only 1–2
  // voxels tall. Filaments and pores below the surface are not layers: they keep the per-voxel rule.
  const dark = new Uint8Array(plane);
  const cg = new Float64Array(plane);
  // A voxel's fringe bin names the nearest bright phase only; in a layer a few voxels thin (Li
  // thinned by stripping, a gap where it is gone) the phase on the other side spills into it too,
  // and blur and fringes add. Its shift at the voxel's distance along the column from that phase
  // (collector run or electrolyte surface of the column, ≤ DMAX) is subtracted as well.
  const otherSide = (p: number, k: number, b: number): number => {
    if (!b) return 0;
    const zone = zoneAt(p, k);
    if (zone === 2) {
      if (b <= DMAX) { const d = k - collInner[p]; return collOuter[p] >= 0 && d >= 1 && d <= DMAX ? shift[DMAX + d] : 0; }
      const d = elSurf[p] - k; return d >= 1 && d <= DMAX ? shift[d] : 0;
    }
    if (zone === 4) {
      if (b <= DMAX) { const d = farInner[p] - k; return farOuter[p] < nz && d >= 1 && d <= DMAX ? shift[DMAX + d] : 0; }
      const d = k - elBack[p]; return d >= 1 && d <= DMAX ? shift[d] : 0;
    }
    return 0;
  };
  await store.sweep({ grey: true, labels: 'write' }, (w) => {
    const L = w.labels;
    for (let z = w.z0; z < w.z1; z++) {
      const k = oz(z);
      const base = (z - w.lo) * plane;
      // this slice's in-plane decisions first (the writes below would hide the neighbours' fringe
      // bins): each electrode voxel's corrected grey once (NaN elsewhere; rows without a low-density
      // voxel have none), then the 3 × 3 means
      let any = false;
      for (let y = 0; y < ny; y++) {
        const row = lowRows[z * ny + y];
        for (let p = y * nx; p < (y + 1) * nx; p++) {
          const l = L[base + p];
          if (!row || (l & 15) !== ELECTRODE) { cg[p] = NaN; continue; }
          cg[p] = corrected(w.grey[base + p], l) - otherSide(p, k, l >> 4);
          any = true;
        }
      }
      if (any)
        for (let y = 0; y < ny; y++)
          for (let x = 0; x < nx; x++) {
            const p = y * nx + x;
            if (cg[p] !== cg[p] || zoneAt(p, k) === 3) continue;
            let sum = 0, c = 0;
            for (let dy = -1; dy <= 1; dy++) {
              if (y + dy < 0 || y + dy >= ny) continue;
              for (let dx = -1; dx <= 1; dx++) {
                if (x + dx < 0 || x + dx >= nx) continue;
                const v = cg[p + dy * nx + dx];
                if (v === v) { sum += v; c++; }
              }
            }
            dark[p] = sum / c < tVL ? 1 : 0;
          }
      for (let y = 0; y < ny; y++) {
        if (!lowRows[z * ny + y]) continue;
        for (let p = y * nx; p < (y + 1) * nx; p++) {
          const i = base + p;
          const s = L[i] & 15;
          if (s === VOID) { L[i] = VOID; continue; }
          if (s === AIR) { L[i] = AIR; continue; }
          if (s !== ELECTRODE) continue;
          const zone = zoneAt(p, k);
          const inside = zone === 3;
          if (inside ? corrected(w.grey[i], L[i]) < tVL : dark[p]) {
            electrodeVoid++;
            if (inside) cores++;
            L[i] = inside ? VOID | (1 << 4) : VOID;
          } else if (inside) {
            L[i] = CAND;
          } else {
            L[i] = LI;
            liVox++;
            if (zone === 4) liFar++;
            else { liNear++; hasLi[p] = 1; }
          }
        }
      }
    }
  });
  for (let step = 1; step <= 2 && cores; step++) {
    const from = VOID | (step << 4);
    let grown = 0;
    await store.sweep({ halo: 1, labels: 'write' }, (w) => {
      const L = w.labels;
      for (let z = w.z0; z < w.z1; z++)
        for (let y = 0; y < ny; y++)
          for (let x = 0; x < nx; x++) {
            const i = (z - w.lo) * plane + y * nx + x;
            if (L[i] !== CAND) continue;
            let hit = false;
            for (let dz = -1; dz <= 1 && !hit; dz++) {
              const zz = z + dz;
              if (zz < 0 || zz >= nz) continue;
              for (let dy = -1; dy <= 1 && !hit; dy++) {
                const yy = y + dy;
                if (yy < 0 || yy >= ny) continue;
                for (let dx = -1; dx <= 1; dx++) {
                  const xx = x + dx;
                  if (xx >= 0 && xx < nx && L[(zz - w.lo) * plane + yy * nx + xx] === from) { hit = true; break; }
                }
              }
            }
            if (hit) { L[i] = VOID | ((step + 1) << 4); electrodeVoid++; grown++; }
          }
    });
    if (!grown) break;
  }
  // Final codes: candidates → Li, markers cleared, still-open voxels → UNDECIDED (counted per slice
  // and per row (z, y): step 7's passes skip the rows with none).
  const undecidedAt = new Float64Array(nz);
  const undecidedRow = new Int32Array(nz * ny);
  await store.sweep({ labels: 'write' }, (w) => {
    const L = w.labels;
    for (let z = w.z0; z < w.z1; z++)
      for (let y = 0; y < ny; y++) {
        const base = (z - w.lo) * plane + y * nx;
        let open = 0;
        for (let i = base; i < base + nx; i++) {
          const s = L[i] & 15;
          if (s === CAND) { L[i] = LI; liVox++; }
          else if (s === OPEN) { L[i] = UNDECIDED; open++; }
          else if (s === AIR) L[i] = OUTSIDE;
          else if (s === CAM) L[i] = CATHODE;
          else L[i] = s;
        }
        undecidedAt[z] += open;
        undecidedRow[z * ny + y] = open;
      }
  });
  // Air at an end with no collector in view (a Li foil or the electrolyte ends inside the scan): the
  // void run from the volume's face inward, per column, is outside the cell — taken only at an end
  // where at least half of the columns start with void (else a pore touching the face stays a pore).
  const airAt: Record<'start' | 'end', number> = { start: 0, end: 0 };
  for (const end of ['start', 'end'] as const) {
    const fromCollectorSide = (end === 'start') === collectorAtStart; // oriented k = 0 side
    const noCollector = (p: number) => (fromCollectorSide ? collOuter[p] < 0 : farOuter[p] === nz);
    let startsVoid = 0;
    const zEdge = end === 'start' ? 0 : nz - 1;
    await store.sweep({ labels: 'read', needed: (z0, z1) => zEdge >= z0 && zEdge < z1 }, (w) => {
      const base = (zEdge - w.lo) * plane;
      for (let p = 0; p < plane; p++) if (w.labels[base + p] === VOID && noCollector(p)) startsVoid++;
    });
    if (startsVoid < 0.5 * plane) continue;
    const open = new Uint8Array(plane);
    for (let p = 0; p < plane; p++) open[p] = noCollector(p) ? 1 : 0;
    let left = plane;
    await store.sweep({ labels: 'write', descending: end === 'end' }, (w) => {
      for (let s2 = 0; s2 < w.z1 - w.z0 && left; s2++) {
        const z = end === 'start' ? w.z0 + s2 : w.z1 - 1 - s2;
        const base = (z - w.lo) * plane;
        for (let p = 0; p < plane; p++) {
          if (!open[p]) continue;
          if (w.labels[base + p] === VOID) { w.labels[base + p] = OUTSIDE; airAt[end]++; }
          else { open[p] = 0; left--; }
        }
      }
      return left === 0;
    });
  }
  if (airAt.start || airAt.end) decisions.push({ step: 'air', decision: `void runs from the volume's faces with no collector in view → outside the cell (code 5): ${airAt.start} voxels at the start of z, ${airAt.end} at the end`, evidence: airAt });
  decisions.push({
    step: 'low density',
    decision: `low-density 26-connected components: ${roleCount[1]} in the layer between collector and electrolyte → Li electrode (${roleVoxels[1]} voxels), ${roleCount[2]} beyond the collector → outside the cell (code 5) (${roleVoxels[2]} voxels), ${roleCount[3]} enclosed by the electrolyte → pores (${roleVoxels[3]} voxels). Electrode voxels in the layer are Li unless their fringe-corrected grey < ${tVL.toFixed(1)} (half-way between the void level ${muVoid.toFixed(1)} and the Li level ${muLi.toFixed(1)}) → interfacial void; electrode voxels below the electrolyte surface are void within 2 voxels of a dark core, else Li (filaments)`,
    evidence: {
      li_voxels: liVox,
      electrode_void_voxels: electrodeVoid,
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
  lap('void_li');

  // 7. Undecided voxels → nearest mean among decided neighbours (propagating inwards). A pass's
  //    decisions are written as PENDING | phase (not yet visible as decided to their neighbours) and
  //    committed after the pass: no list of voxels is kept. Slabs without undecided (pending)
  //    voxels are skipped.
  let mu = collectorLevels(await phaseMeans(store, [muVoid, muLi, NaN, NaN, NaN, NaN]));
  let nUndecided = 0;
  for (let z = 0; z < nz; z++) nUndecided += undecidedAt[z];
  const pendingAt = new Float64Array(nz);
  const pendingRow = new Uint8Array(nz * ny);
  let remaining = nUndecided;
  // undecided voxels touching a decided phase are boundary partial volume, settled by the half-way
  // rule like the refinement; those reached only by propagation (or isolated) are the fallback
  let firstPass = 0;
  let passes = 0;
  while (remaining && passes < 64) {
    passes++;
    let changed = 0;
    await store.sweep({ halo: 1, grey: true, labels: 'write', needed: anyIn(undecidedAt) }, (w) => {
      const L = w.labels;
      for (let z = w.z0; z < w.z1; z++)
        for (let y = 0; y < ny; y++) {
          const r = z * ny + y;
          if (!undecidedRow[r]) continue;
          for (let x = 0; x < nx; x++) {
            const i = (z - w.lo) * plane + y * nx + x;
            if (L[i] !== UNDECIDED) continue;
            const best = nearestNeighbourPhase(L, i, w.grey[i], mu, x, y, z, nz, ny, nx, -1);
            if (best >= 0) {
              L[i] = PENDING | best;
              changed++;
              undecidedAt[z]--;
              pendingAt[z]++;
              undecidedRow[r]--;
              pendingRow[r] = 1;
            }
          }
        }
    });
    if (!changed) break;
    await store.sweep({ labels: 'write', needed: anyIn(pendingAt) }, (w) => {
      for (let z = w.z0; z < w.z1; z++)
        for (let y = 0; y < ny; y++) {
          if (!pendingRow[z * ny + y]) continue;
          pendingRow[z * ny + y] = 0;
          const i1 = (z - w.lo) * plane + (y + 1) * nx;
          for (let i = i1 - nx; i < i1; i++) if ((w.labels[i] & ~7) === PENDING) w.labels[i] &= 7;
        }
      pendingAt.fill(0, w.z0, w.z1);
    });
    remaining -= changed;
    if (passes === 1) firstPass = changed;
  }
  if (remaining) {
    // isolated (no decided neighbour at all)
    await store.sweep({ grey: true, labels: 'write', needed: anyIn(undecidedAt) }, (w) => {
      for (let z = w.z0; z < w.z1; z++)
        for (let y = 0; y < ny; y++) {
          if (!undecidedRow[z * ny + y]) continue;
          const i1 = (z - w.lo) * plane + (y + 1) * nx;
          for (let i = i1 - nx; i < i1; i++) if (w.labels[i] === UNDECIDED) w.labels[i] = cls(w.grey[i]) === 0 ? VOID : ELECTROLYTE;
        }
    });
  }
  decisions.push({ step: 'undecided', decision: `${nUndecided} bright-class voxels outside the main collector/electrolyte components assigned to the neighbouring phase with the nearest mean (${passes} passes)`, evidence: { means: mu } });
  lap('undecided');

  // 7b. Pores below the resolution of the low-density class: blurred small pores never reach the
  //     low class, so nothing seeds them and the steps above leave them electrolyte. Inside the
  //     electrolyte (≥ 2 voxels below its surface, no Li 6-neighbour: filament rims stay), an
  //     electrolyte voxel darker than half-way between the void level and the electrolyte mean is
  //     pore (the half-way rule against the pure void level); the refinement then settles their rims.
  /**
   * Electrolyte voxels inside the electrolyte (≥ 2 voxels from its faces, no Li 6-neighbour) darker
   * than `level` → pore. With `sample`, the grey of every sample.stride-th voxel of the volume that
   * is electrolyte before the pass is appended to it first. Returns the number of pores marked.
   */
  const poresBelow = async (level: number, sample?: { stride: number; values: Float32Array; count: number }): Promise<number> => {
    let marked = 0;
    await store.sweep({ halo: 1, grey: true, labels: 'write' }, (w) => {
      const L = w.labels, G = w.grey;
      if (sample) {
        const off = w.lo * plane, end = w.z1 * plane;
        for (let idx = Math.ceil((w.z0 * plane) / sample.stride) * sample.stride; idx < end; idx += sample.stride)
          if (L[idx - off] === ELECTROLYTE) sample.values[sample.count++] = G[idx - off];
      }
      for (let z = w.z0; z < w.z1; z++) {
        const k = oz(z);
        for (let y = 0; y < ny; y++)
          for (let x = 0; x < nx; x++) {
            const p = y * nx + x;
            const i = (z - w.lo) * plane + p;
            // the grey test first: it rules out nearly every voxel
            if (!(G[i] < level) || L[i] !== ELECTROLYTE) continue;
            if (k < elSurf[p] + 2 || (farLayer && k > elBack[p] - 2)) continue;
            if (
              (x > 0 && L[i - 1] === LI) || (x < nx - 1 && L[i + 1] === LI) || (y > 0 && L[i - nx] === LI) || (y < ny - 1 && L[i + nx] === LI) ||
              (z > 0 && L[i - plane] === LI) || (z < nz - 1 && L[i + plane] === LI)
            ) continue;
            L[i] = VOID;
            marked++;
          }
      }
    });
    return marked;
  };
  let poreSeeds = 0;
  // every elStride-th voxel of the volume, when it is electrolyte: ≤ ~200 k samples in a typed array
  const elStride = Math.max(1, Math.ceil((nz * plane) / 200_000));
  const elSample = { stride: elStride, values: new Float32Array(Math.ceil((nz * plane) / elStride) + 1), count: 0 };
  const muEl = mu[ELECTROLYTE];
  const tPore = Number.isFinite(muVoid) && Number.isFinite(muEl) ? 0.5 * (muVoid + muEl) : NaN;
  if (Number.isFinite(tPore)) poreSeeds = await poresBelow(tPore, elSample);
  decisions.push({ step: 'pores', decision: `${poreSeeds} electrolyte voxels ≥ 2 voxels below the surface and darker than ${Number.isFinite(tPore) ? tPore.toFixed(1) : '—'} (half-way between the void level and the electrolyte mean) → pore`, evidence: { threshold: Number.isFinite(tPore) ? tPore : null, voxels: poreSeeds } });
  lap('pores');

  // 8. Boundary refinement (half-way rule), low phases keep their void|Li decision between themselves.
  //    The cathode takes part too: left at the 3-class Otsu threshold, its face with the electrolyte
  //    sat below the half-way point of the two interior means (full-cell phantom: 12 900 vs 13 290),
  //    and electrolyte between particles went to the cathode.
  //    Each pass reads the labels as they were before it (changes listed, then applied). A voxel's
  //    outcome depends only on its own and its 6 neighbours' labels (grey and means are fixed), so
  //    after the first full pass only the changed voxels and their neighbours are looked at again.
  const refinePasses = options.refinePasses ?? 3;
  mu = collectorLevels(await phaseMeans(store, [muVoid, muLi, NaN, NaN, NaN, NaN]));
  const changedPerPass: number[] = [];
  // the last pass's changes (raster order; spilled to disk beyond a chunk), null: look at every voxel
  let previous: ChangeLog | null = null;
  let current: ChangeLog | null = null;
  try {
    for (let pass = 0; pass < refinePasses; pass++) {
      const changes = (current = new ChangeLog(ctx.changeChunkEntries));
      const consider = (w: Window, i: number, x: number, y: number, z: number) => {
        const L = w.labels;
        const a = L[i];
        if (a > LAST_PHASE) return; // outside the cell: not a phase boundary
        if (!hasOtherNeighbour(L, i, a, x, y, z, nz, ny, nx)) return;
        const best = nearestNeighbourPhase(L, i, w.grey[i], mu, x, y, z, nz, ny, nx, a);
        if (best >= 0 && best !== a) changes.push(z * plane + y * nx + x, best);
      };
      if (previous === null) {
        await store.sweep({ halo: 1, grey: true, labels: 'read' }, (w) => {
          const L = w.labels;
          for (let z = w.z0; z < w.z1; z++)
            for (let y = 0; y < ny; y++) {
              const row = (z - w.lo) * plane + y * nx;
              const edgeRow = z === 0 || z === nz - 1 || y === 0 || y === ny - 1;
              for (let x = 0; x < nx; x++) {
                const i = row + x;
                const a = L[i];
                // most voxels sit inside their phase: ruled out here, as `consider` would
                if (a > LAST_PHASE) continue;
                if (!edgeRow && x > 0 && x < nx - 1 && L[i - 1] === a && L[i + 1] === a && L[i - nx] === a && L[i + nx] === a && L[i - plane] === a && L[i + plane] === a) continue;
                consider(w, i, x, y, z);
              }
            }
        });
      } else {
        // candidates (changed voxels and their 6-neighbours) made a few slices at a time: memory
        // bounded by the changes near those slices, not by all changes of the volume
        const prev = previous.reader();
        let k = 0; // first change not below the chunk's slices − 1
        const near = (z0: number, z1: number) => {
          while (k < prev.length && prev.index(k) < (z0 - 1) * plane) k++;
          prev.release(k);
          return k < prev.length && prev.index(k) < (z1 + 1) * plane;
        };
        await store.sweep({ halo: 1, grey: true, labels: 'read', needed: near }, (w) => {
          const off = w.lo * plane;
          for (let c0 = w.z0; c0 < w.z1; c0 += REFINE_CHUNK_SLICES) {
            const c1 = Math.min(w.z1, c0 + REFINE_CHUNK_SLICES);
            if (!near(c0, c1)) continue;
            let e = k;
            while (e < prev.length && prev.index(e) < (c1 + 1) * plane) e++;
            const cand = neighbourhoodOf(prev.indices(k, e), shape, c0 * plane, c1 * plane);
            for (let j = 0; j < cand.length; j++) {
              const g = cand[j];
              const z = Math.floor(g / plane), r = g - z * plane, y = Math.floor(r / nx), x = r - y * nx;
              consider(w, g - off, x, y, z);
            }
          }
        });
        previous.discard();
      }
      previous = changes;
      current = null;
      if (changes.length) {
        const list = changes.reader();
        let k = 0; // changes are in raster order
        await store.sweep({ labels: 'write', needed: (_z0, z1) => k < list.length && list.index(k) < z1 * plane }, (w) => {
          const end = w.z1 * plane, off = w.lo * plane;
          while (k < list.length && list.index(k) < end) {
            w.labels[list.index(k) - off] = list.phase(k);
            k++;
          }
          list.release(k);
        });
      }
      changedPerPass.push(changes.length);
      if (!changes.length) break;
    }
  } finally {
    (previous as ChangeLog | null)?.discard();
    (current as ChangeLog | null)?.discard();
  }
  decisions.push({ step: 'boundaries', decision: `half-way rule at phase boundaries: a boundary voxel takes the adjacent phase whose mean is nearest (boundary where the grey crosses (μa+μb)/2); void|Li keep the fringe-corrected split`, evidence: { means: mu, changed_per_pass: changedPerPass } });
  lap('refine');

  // 9. Sub-voxel pores: a pore one or two voxels across, blurred, never reaches half-way to the void
  //    level, but it is a dip far below the electrolyte's own spread. Electrolyte voxels ≥ 2 below the
  //    surface with no Li neighbour, darker than the electrolyte median by PORE_DIP robust σ, → pore
  //    (after the refinement, which would hand them back to the nearer electrolyte mean).
  let dips = 0;
  let dipLevel = NaN;
  {
    // robust level and spread of the electrolyte (sampled in step 7b)
    const sample = elSample.values.subarray(0, elSample.count);
    if (sample.length >= 1000) {
      sample.sort();
      const med = sample[sample.length >> 1];
      const dev = sample.map((v) => Math.abs(v - med)).sort();
      const sigma = 1.4826 * dev[dev.length >> 1];
      dipLevel = med - PORE_DIP * sigma;
      // a dip level below the half-way threshold adds nothing (those voxels are pores already)
      if (Number.isFinite(tPore) && dipLevel < tPore) dipLevel = NaN;
    }
  }
  if (Number.isFinite(dipLevel)) dips = await poresBelow(dipLevel);
  decisions.push({ step: 'pore dips', decision: `${dips} electrolyte voxels ≥ 2 below the surface darker than ${Number.isFinite(dipLevel) ? dipLevel.toFixed(1) : '—'} (electrolyte median − ${PORE_DIP} robust σ) → pore (sub-voxel pores)`, evidence: { level: Number.isFinite(dipLevel) ? dipLevel : null, voxels: dips } });
  lap('pore_dips');

  let covered = 0;
  for (let p = 0; p < plane; p++) covered += hasLi[p];
  return {
    thresholds,
    voidLiThreshold: tVL,
    histogram: hist,
    gmm,
    decisions,
    refinement: { passes: changedPerPass.length, changed_per_pass: changedPerPass },
    // an electrode: Li in its layer at least half a voxel thick on average
    layout: {
      collector: collectorKind, electrodes: (liNear >= 0.5 * plane ? 1 : 0) + (liFar >= 0.5 * plane ? 1 : 0), li_column_coverage: covered / plane,
      collector_at: endSlabs.length === 2 ? 'both' : slab ? slab.end : null, collector_materials: collectorMaterialLevels.length === 2 ? 2 : collectorKind === 'none' ? 0 : 1, cathode: cathodeClass >= 0, li_voxels_near: liNear, li_voxels_far: liFar, far_layer: farLayer, far_layer_in_data: farLayerInData, cathode_in_data: cathodeInData,
    },
    fallbackVoxels: nUndecided - firstPass,
  };
}
