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
 */
import type { ComputeBackend, GreyArray } from '../compute/types.js';
import type { Shape3, Spacing3 } from '../io/volume.js';
import { fullHistogram, gmmOnHistogram, thresholdsFromHistogram, type Histogram } from './histogram.js';
import { slabComponents } from './slab-components.js';
import type { GaussianComponent } from './gmm.js';
import type { PhaseDecision, SegmentOptions } from './types.js';

export const VOID = 0, LI = 1, ELECTROLYTE = 2, COLLECTOR = 3, UNDECIDED = 255;
/**
 * Working states (low nibble of the label byte) before the final codes: a low-density voxel of an
 * electrode component (Li or void, decided by grey level), a candidate filament voxel below the
 * electrolyte surface, and undecided. The high nibble carries the fringe bin, then growth markers.
 */
const ELECTRODE = 4, CAND = 5, OPEN = 15;
/** A decision taken in the current pass of step 7 (low 2 bits: the phase), committed after the pass. */
const PENDING = 0x80;
/** Slices per connected-components slab: bounded scratch (≈ 5 bytes per slab voxel). */
const CC_SLAB_VOXELS = 1 << 20;

export interface PhaseContext {
  grey: GreyArray;
  shape: Shape3;
  spacing: Spacing3 | null;
  backend: ComputeBackend;
  method: 'otsu' | 'gmm';
  options: SegmentOptions;
  progress: (stage: string, done: number, total: number) => void;
  lap: (name: string) => void;
}

export interface PhaseResult {
  labels: Uint8Array;
  thresholds: number[];
  voidLiThreshold: number | null;
  histogram: Histogram;
  gmm?: { components: GaussianComponent[]; iterations: number; converged: boolean; fallback: string[] } | null;
  decisions: PhaseDecision[];
  refinement: { passes: number; changed_per_pass: number[] };
}

const DMAX = 4;

/** Intensity class of every voxel, computed on demand (thresholds rounded to float32 like `classify`). */
type ClassOf = (i: number) => number;

function classifier(grey: GreyArray, thresholds: readonly number[]): ClassOf {
  const t0 = Math.fround(thresholds[0]);
  if (thresholds.length === 1) return (i) => (grey[i] >= t0 ? 1 : 0);
  const t1 = Math.fround(thresholds[1]);
  return (i) => {
    const g = grey[i];
    return g >= t1 ? 2 : g >= t0 ? 1 : 0;
  };
}

/** Growable list of voxel indices (typed, not a JS array: lists may hold millions). */
class IndexList {
  data = new Int32Array(1024);
  length = 0;
  push(i: number): void {
    if (this.length === this.data.length) {
      const d = new Int32Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.length++] = i;
  }
}

function sliceFractions(cls: ClassOf, shape: Shape3, K: number): Float64Array[] {
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const f = Array.from({ length: K }, () => new Float64Array(nz));
  for (let z = 0; z < nz; z++) {
    const base = z * plane;
    for (let p = 0; p < plane; p++) {
      const c = cls(base + p);
      if (c < K) f[c][z]++;
    }
    for (let k = 0; k < K; k++) f[k][z] /= plane;
  }
  return f;
}

interface Slab {
  end: 'start' | 'end';
  /** z range (inclusive, array order) spanned by the supporting columns' runs. */
  z0: number;
  z1: number;
  run: number;
  skipped: number;
}

/**
 * Class c as a layer at one z end: walking each column in from that end, past low-density (air)
 * voxels, a run of ≥ 2 voxels of class c that stops before the far end. Decided per column, not per
 * slice, so a collector that undulates with the Li thickness or a tilted cell still counts; the layer
 * is accepted when at least half of the (sampled) columns show it. z0..z1 spans all supporting runs.
 */
function slabAtEnds(cls: ClassOf, shape: Shape3, c: number, low: number): Slab[] {
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const maxSkip = Math.max(2, Math.floor(nz / 2));
  const stride = Math.max(1, Math.floor(plane / 16384));
  const out: Slab[] = [];
  for (const end of ['start', 'end'] as const) {
    const at = (k: number) => (end === 'start' ? k : nz - 1 - k);
    let sampled = 0;
    let zMin = Infinity;
    let zMax = -Infinity;
    const runs: number[] = [];
    const skips: number[] = [];
    for (let p = 0; p < plane; p += stride) {
      sampled++;
      let k = 0;
      while (k < nz && k < maxSkip && cls(at(k) * plane + p) === low) k++;
      const skip = k;
      while (k < nz && cls(at(k) * plane + p) === c) k++;
      const run = k - skip;
      if (run < 2 || k >= nz) continue;
      runs.push(run);
      skips.push(skip);
      const a = at(skip), b = at(k - 1);
      zMin = Math.min(zMin, a, b);
      zMax = Math.max(zMax, a, b);
    }
    if (runs.length >= 0.5 * sampled) {
      const mid = (v: number[]) => v.sort((x, y) => x - y)[v.length >> 1];
      out.push({ end, z0: zMin, z1: zMax, run: mid(runs), skipped: mid(skips) });
    }
  }
  return out;
}

/** Mean fraction of class c over the last 10 % (≥ 2) slices at one end. */
function endFraction(f: Float64Array[], c: number, end: 'start' | 'end'): number {
  const nz = f[0].length;
  const m = Math.max(2, Math.round(0.1 * nz));
  let s = 0;
  for (let k = 0; k < Math.min(m, nz); k++) s += f[c][end === 'start' ? k : nz - 1 - k];
  return s / Math.min(m, nz);
}

function median(values: Float32Array): number {
  if (!values.length) return NaN;
  const a = values.slice().sort();
  const n = a.length;
  return n % 2 ? a[(n - 1) / 2] : 0.5 * (a[n / 2 - 1] + a[n / 2]);
}

export async function segmentPhases(ctx: PhaseContext): Promise<PhaseResult> {
  const { grey, shape, backend, method, options, progress, lap } = ctx;
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const n = grey.length;
  const decisions: PhaseDecision[] = [];
  const floatBins = options.floatBins ?? 4096;
  const slabDepth = Math.max(1, Math.floor(CC_SLAB_VOXELS / plane));

  // 1. Intensity classes and the layout of the bright ones.
  progress('thresholds', 0, 1);
  const hist = await fullHistogram(grey, backend, floatBins);
  lap('histogram');
  // Coarse classes: multi-Otsu (the gaps low | carbon | electrolyte or low | electrolyte | metal are
  // wide). With method 'gmm' the thresholds are refined by a 4-component mixture (void, Li, and the
  // two bright phases; initialised from multi-Otsu with the low class split in two) at the density
  // crossings of Li | middle and middle | brightest.
  const th3 = thresholdsFromHistogram(hist, 3, 'otsu', 'partition');
  let gmmInfo: PhaseResult['gmm'] = null;
  if (method === 'gmm') {
    const b = hist.binning;
    const end = Math.max(2, Math.min(hist.counts.length, Math.ceil((th3.thresholds[0] - b.lo) / b.width)));
    const lowPart: Histogram = { binning: { ...b, bins: end }, counts: hist.counts.slice(0, end), total: 0 };
    for (let i = 0; i < end; i++) lowPart.total += lowPart.counts[i];
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
  let cls = classifier(grey, th3.thresholds);
  lap('classify');
  const f3 = sliceFractions(cls, shape, 3);
  const wanted = options.collector ?? 'auto';
  let collectorClass = -1;
  let electrolyteClass = 2;
  let slab: Slab | null = null;
  let collectorKind: 'carbon' | 'metal' | 'none' = 'none';
  // The electrolyte is the dominant bright phase; the other bright class is a collector only if it
  // forms a slab at one z end while the electrolyte dominates the opposite end.
  const bigger = th3.classes_stats[2].weight >= th3.classes_stats[1].weight ? 2 : 1;
  const slabsOf = (c: number, el: number) => slabAtEnds(cls, shape, c, 0).filter((s) => endFraction(f3, el, s.end === 'start' ? 'end' : 'start') >= 0.5);
  const metalSlabs = slabsOf(2, 1);
  const carbonSlabs = slabsOf(1, 2);
  const longest = (a: Slab[]) => (a.length ? a.reduce((x, y) => (y.run > x.run ? y : x)) : null);
  const evidence = {
    class_means: th3.classes_stats.map((s) => s.mean),
    class_weights: th3.classes_stats.map((s) => s.weight),
    thresholds: th3.thresholds,
    dominant_bright_class: bigger,
    metal_slab: longest(metalSlabs),
    carbon_slab: longest(carbonSlabs),
    end_fractions: { start: [0, 1, 2].map((c) => endFraction(f3, c, 'start')), end: [0, 1, 2].map((c) => endFraction(f3, c, 'end')) },
  };
  if (wanted === 'metal' || (wanted === 'auto' && bigger === 1 && metalSlabs.length)) {
    collectorKind = 'metal';
    collectorClass = 2;
    electrolyteClass = 1;
    slab = longest(metalSlabs) ?? longest(slabAtEnds(cls, shape, 2, 0));
  } else if (wanted === 'carbon' || (wanted === 'auto' && bigger === 2 && carbonSlabs.length)) {
    collectorKind = 'carbon';
    collectorClass = 1;
    electrolyteClass = 2;
    slab = longest(carbonSlabs) ?? longest(slabAtEnds(cls, shape, 1, 0));
  }
  let thresholds = th3.thresholds;
  let gmm = gmmInfo;
  if (collectorKind === 'none') {
    const th2 = thresholdsFromHistogram(hist, 2, method, 'partition');
    thresholds = th2.thresholds;
    gmm = th2.gmm ?? gmm;
    cls = classifier(grey, th2.thresholds);
    electrolyteClass = 1;
    decisions.push({
      step: 'collector',
      decision: wanted === 'none' ? 'no collector (requested): two classes, low density | electrolyte' : 'no collector found: no bright class forms a slab at one z end with the electrolyte at the other; two classes, low density | electrolyte',
      evidence: { ...evidence, thresholds_2: th2.thresholds },
    });
  } else {
    decisions.push({
      step: 'collector',
      decision: `${collectorKind} collector = intensity class ${collectorClass} (${collectorKind === 'metal' ? 'brightest: metal absorbs most' : 'between Li and electrolyte: carbon'}), a slab of ${slab?.run ?? '?'} slices at the ${slab?.end ?? '?'} of z; electrolyte = class ${electrolyteClass}; low density (void + Li) = class 0${wanted !== 'auto' ? ' (kind requested)' : ''}`,
      evidence,
    });
  }
  const collectorAtStart = slab ? slab.end === 'start' : endFraction(f3, electrolyteClass, 'end') >= endFraction(f3, electrolyteClass, 'start');
  const oz = (z: number) => (collectorAtStart ? z : nz - 1 - z);
  const classMask = (c: number) => (z0: number, z1: number, m: Uint8Array) => {
    const base = z0 * plane;
    for (let i = 0; i < m.length; i++) m[i] = cls(base + i) === c ? 1 : 0;
  };

  // 2. Main collector and electrolyte components (slab by slab; membership written on a second pass,
  //    skipped when the class is one component).
  progress('components', 0, 3);
  const labels = new Uint8Array(n).fill(OPEN);
  /** Set `code` on voxels of class c that belong to component `keep` (all of class c when it is the only one). */
  const keepComponent = async (cc: Awaited<ReturnType<typeof slabComponents>>, c: number, keep: number, code: number) => {
    if (cc.count === 1 && keep === 1) {
      cc.discard();
      for (let i = 0; i < n; i++) if (cls(i) === c) labels[i] = code;
      return;
    }
    await cc.revisit((z0, _z1, lab, finalId) => {
      const base = z0 * plane;
      let lastLocal = -1, lastKeep = false;
      for (let i = 0; i < lab.length; i++) {
        const l = lab[i];
        if (!l) continue;
        if (l !== lastLocal) {
          lastLocal = l;
          lastKeep = finalId(l) === keep;
        }
        if (lastKeep) labels[base + i] = code;
      }
    });
  };
  if (collectorClass >= 0 && slab) {
    const s = slab;
    const cc = await slabComponents({
      backend, shape, connectivity: 26, slabDepth, fillMask: classMask(collectorClass),
      channels: 1, channelOf: (i) => { const z = Math.floor(i / plane); return z >= s.z0 && z <= s.z1 ? 0 : -1; },
    });
    let best = 0;
    for (let c = 1; c <= cc.count; c++) if (cc.stats[c] > cc.stats[best] || best === 0) best = c;
    if (best) await keepComponent(cc, collectorClass, best, COLLECTOR);
    else cc.discard();
    decisions.push({ step: 'collector component', decision: `largest 26-connected component of class ${collectorClass} in the slab kept as collector; ${cc.count - 1} other components left undecided`, evidence: { voxels: best ? cc.sizes[best] : 0, components: cc.count } });
  }
  progress('components', 1, 3);
  {
    const cc = await slabComponents({ backend, shape, connectivity: 26, slabDepth, fillMask: classMask(electrolyteClass) });
    let best = 0;
    for (let c = 1; c <= cc.count; c++) if (best === 0 || cc.sizes[c] > cc.sizes[best]) best = c;
    if (best) await keepComponent(cc, electrolyteClass, best, ELECTROLYTE);
    else cc.discard();
    decisions.push({ step: 'electrolyte component', decision: `largest 26-connected component of class ${electrolyteClass} is the electrolyte; ${Math.max(0, cc.count - 1)} small components left undecided`, evidence: { voxels: best ? cc.sizes[best] : 0, components: cc.count } });
  }
  lap('components');

  // 3. Layout per column (oriented z: 0 at the collector end).
  const collOuter = new Int32Array(plane).fill(-1);
  const collInner = new Int32Array(plane).fill(-1);
  const elSurf = new Int32Array(plane).fill(nz);
  const runDone = new Uint8Array(plane);
  for (let k = 0; k < nz; k++) {
    const z = collectorAtStart ? k : nz - 1 - k;
    const base = z * plane;
    for (let p = 0; p < plane; p++) {
      const l = labels[base + p];
      if (l === COLLECTOR) {
        // first contiguous run of collector voxels from the outer side (partial-volume collector-like
        // voxels further in, e.g. at thin-Li spots, do not move the inner face)
        if (collOuter[p] < 0) collOuter[p] = collInner[p] = k;
        else if (collInner[p] === k - 1 && !runDone[p]) collInner[p] = k;
        else runDone[p] = 1;
      } else if (collOuter[p] >= 0) runDone[p] = 1;
    }
  }
  // The collector is one layer on one side: collector-class voxels past the first run of a column
  // (a porous electrolyte band whose partial-volume grey looks like carbon, reached through Li-free
  // columns) are not collector; they are decided later by the half-way rule like other undecided voxels.
  let demoted = 0;
  for (let k = 0; k < nz; k++) {
    const base = (collectorAtStart ? k : nz - 1 - k) * plane;
    for (let p = 0; p < plane; p++) {
      if (labels[base + p] === COLLECTOR && k > collInner[p]) {
        labels[base + p] = OPEN;
        demoted++;
      }
    }
  }
  if (demoted) decisions.push({ step: 'collector layer', decision: `${demoted} collector-class voxels beyond the first collector run of their column left undecided (the collector is a single layer)` });
  for (let k = 0; k < nz; k++) {
    const z = collectorAtStart ? k : nz - 1 - k;
    const base = z * plane;
    for (let p = 0; p < plane; p++) if (labels[base + p] === ELECTROLYTE && k > collInner[p] && elSurf[p] === nz) elSurf[p] = k;
  }
  // Zone of a voxel: 0 outside (beyond the collector), 1 in the collector run, 2 layer, 3 inside the electrolyte.
  const zoneAt = (p: number, k: number): number => (collOuter[p] >= 0 && k < collOuter[p] ? 0 : k <= collInner[p] ? 1 : k < elSurf[p] ? 2 : 3);
  const zoneOf = (i: number): number => {
    const z = Math.floor(i / plane);
    return zoneAt(i - z * plane, oz(z));
  };

  // 4. Low-density components by layout: zone counts per component, then its role written per voxel
  //    (ELECTRODE for the Li electrode's components, VOID for air and pores).
  progress('components', 2, 3);
  const low = await slabComponents({ backend, shape, connectivity: 26, slabDepth, fillMask: classMask(0), channels: 4, channelOf: zoneOf });
  const zone = (zi: number, c: number) => low.stats[zi * (low.count + 1) + c]; // out, inColl, layer, inside
  // role: 1 electrode, 2 outside air, 3 pore
  const role = new Uint8Array(low.count + 1);
  const roleVoxels = [0, 0, 0, 0];
  const roleCount = [0, 0, 0, 0];
  for (let c = 1; c <= low.count; c++) {
    const size = low.sizes[c];
    const r = zone(2, c) >= 0.25 * size ? 1 : zone(0, c) + zone(1, c) >= zone(3, c) ? 2 : 3;
    role[c] = r;
    roleVoxels[r] += size;
    roleCount[r]++;
  }
  await low.revisit((z0, _z1, lab, finalId) => {
    const base = z0 * plane;
    for (let i = 0; i < lab.length; i++) if (lab[i]) labels[base + i] = role[finalId(lab[i])] === 1 ? ELECTRODE : VOID;
  });
  lap('low_components');

  // 5. Fringe correction: distance (6-connected steps, ≤ DMAX, through low-density voxels) from the
  //    bright decided phases, as a bin in the high nibble: 0 far, 1..4 from the electrolyte, 5..8 from
  //    the collector. One sweep per distance (a voxel set at distance d is not read as d - 1).
  const isLowState = (s: number) => s === VOID || s === ELECTRODE;
  const distOfBin = (b: number) => (b ? ((b - 1) % DMAX) + 1 : 0);
  // bin a voxel takes from neighbour j in sweep d (0: none): d = 1 from a bright phase, else from a
  // low voxel whose bin is at distance d - 1 (its source kept)
  const brightBin = (j: number) => {
    const s = labels[j] & 15;
    return s === ELECTROLYTE ? 1 : s === COLLECTOR ? DMAX + 1 : 0;
  };
  let sweepDistance = 0;
  const nextBin = (j: number) => {
    const bj = labels[j] >> 4;
    return bj && distOfBin(bj) === sweepDistance - 1 ? bj + 1 : 0;
  };
  for (let d = 1; d <= DMAX; d++) {
    sweepDistance = d;
    const from = d === 1 ? brightBin : nextBin;
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++) {
          const i = z * plane + y * nx + x;
          const li = labels[i];
          if (li >> 4 || !isLowState(li)) continue;
          let b = 0;
          if (x > 0) b = from(i - 1);
          if (!b && x < nx - 1) b = from(i + 1);
          if (!b && y > 0) b = from(i - nx);
          if (!b && y < ny - 1) b = from(i + nx);
          if (!b && z > 0) b = from(i - plane);
          if (!b && z < nz - 1) b = from(i + plane);
          if (b) labels[i] = li | (b << 4);
        }
  }
  const binOf = (i: number) => labels[i] >> 4;
  // Electrode voxels in the layer (between collector and electrolyte surface), visited in raster order.
  const forEachLayer = (visit: (i: number) => void) => {
    for (let z = 0; z < nz; z++) {
      const k = oz(z);
      const base = z * plane;
      for (let p = 0; p < plane; p++) if ((labels[base + p] & 15) === ELECTRODE && zoneAt(p, k) === 2) visit(base + p);
    }
  };
  // Fringe profile: median grey per (source phase, distance) over electrode voxels in the layer
  // (where Li dominates), minus the far-field (Li) median.
  const NB = 2 * DMAX + 1;
  const binCounts = new Float64Array(NB);
  let deep = 0;
  forEachLayer((i) => {
    const b = binOf(i);
    binCounts[b]++;
    if (!b || distOfBin(b) >= 3) deep++;
  });
  const sampleMedian = (select: (i: number) => boolean, count: number): number => {
    if (count <= 0) return NaN;
    const stride = Math.max(1, Math.ceil(count / 200_000));
    const buf = new Float32Array(Math.ceil(count / stride) + 1);
    let m = 0, seen = 0;
    forEachLayer((i) => {
      if (select(i) && seen++ % stride === 0 && m < buf.length) buf[m++] = grey[i];
    });
    return median(buf.subarray(0, m));
  };
  const med = Array.from(binCounts, (c, b) => (c >= 200 ? sampleMedian((i) => binOf(i) === b, c) : NaN));
  let totalLayer = 0;
  for (const c of binCounts) totalLayer += c;
  // Li level: far-field median; thin layers: voxels ≥ 3 steps from bright phases; else all layer voxels.
  const reference = binCounts[0] >= 1000 ? med[0] : deep >= 1000 ? sampleMedian((i) => !binOf(i) || distOfBin(binOf(i)) >= 3, deep) : sampleMedian(() => true, totalLayer);
  const shift = new Float64Array(NB);
  for (let b = 1; b < NB; b++) shift[b] = Number.isFinite(med[b]) && Number.isFinite(reference) ? med[b] - reference : 0;
  lap('fringe_profile');

  // 6. Void | Li threshold: Li level fixed at the reference, void level = mean of the corrected
  //    low-density grey below the threshold, threshold half-way between (iterated to a fixed point).
  //    Corrected grey = grey − shift[bin], computed where needed (no float copy of the volume).
  const corrected = (i: number) => Math.fround(grey[i] - shift[labels[i] >> 4]);
  const muLi = reference;
  let liSpread = NaN;
  {
    // robust spread of the Li level (MAD of far/deep layer voxels)
    const stride = Math.max(1, Math.ceil(totalLayer / 200_000));
    const dev: number[] = [];
    let seen = 0;
    forEachLayer((i) => {
      if (seen++ % stride === 0) dev.push(Math.abs(corrected(i) - muLi));
    });
    dev.sort((x, y) => x - y);
    liSpread = dev.length ? 1.4826 * dev[dev.length >> 1] : NaN;
  }
  let tVL = Number.isFinite(liSpread) ? muLi - 3 * liSpread : muLi;
  let muVoid = NaN;
  let voidCount = 0;
  for (let it = 0; it < 50; it++) {
    let s = 0, c = 0;
    for (let i = 0; i < n; i++) {
      if (!isLowState(labels[i] & 15)) continue;
      const v = corrected(i);
      if (v < tVL) { s += v; c++; }
    }
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
  for (let z = 0; z < nz; z++) {
    const k = oz(z);
    const base = z * plane;
    for (let p = 0; p < plane; p++) {
      const i = base + p;
      const s = labels[i] & 15;
      if (s === VOID) { labels[i] = VOID; continue; }
      if (s !== ELECTRODE) continue;
      const inside = zoneAt(p, k) === 3;
      if (corrected(i) < tVL) {
        electrodeVoid++;
        if (inside) cores++;
        labels[i] = inside ? VOID | (1 << 4) : VOID;
      } else if (inside) {
        labels[i] = CAND;
      } else {
        labels[i] = LI;
        liVox++;
      }
    }
  }
  for (let step = 1; step <= 2 && cores; step++) {
    const from = VOID | (step << 4);
    let grown = 0;
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++) {
          const i = z * plane + y * nx + x;
          if (labels[i] !== CAND) continue;
          let hit = false;
          for (let dz = -1; dz <= 1 && !hit; dz++) {
            const zz = z + dz;
            if (zz < 0 || zz >= nz) continue;
            for (let dy = -1; dy <= 1 && !hit; dy++) {
              const yy = y + dy;
              if (yy < 0 || yy >= ny) continue;
              for (let dx = -1; dx <= 1; dx++) {
                const xx = x + dx;
                if (xx >= 0 && xx < nx && labels[zz * plane + yy * nx + xx] === from) { hit = true; break; }
              }
            }
          }
          if (hit) { labels[i] = VOID | ((step + 1) << 4); electrodeVoid++; grown++; }
        }
    if (!grown) break;
  }
  // Final codes: candidates → Li, markers cleared, still-open voxels → UNDECIDED.
  for (let i = 0; i < n; i++) {
    const s = labels[i] & 15;
    if (s === CAND) { labels[i] = LI; liVox++; }
    else labels[i] = s === OPEN ? UNDECIDED : s;
  }
  decisions.push({
    step: 'low density',
    decision: `low-density 26-connected components: ${roleCount[1]} in the layer between collector and electrolyte → Li electrode (${roleVoxels[1]} voxels), ${roleCount[2]} beyond the collector → void/air (${roleVoxels[2]} voxels), ${roleCount[3]} enclosed by the electrolyte → pores (${roleVoxels[3]} voxels). Electrode voxels in the layer are Li unless their fringe-corrected grey < ${tVL.toFixed(1)} (half-way between the void level ${muVoid.toFixed(1)} and the Li level ${muLi.toFixed(1)}) → interfacial void; electrode voxels below the electrolyte surface are void within 2 voxels of a dark core, else Li (filaments)`,
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
  //    committed after the pass: no list of voxels is kept.
  let mu = phaseMeans(labels, grey, shape, [muVoid, muLi, NaN, NaN]);
  let nUndecided = 0;
  for (let i = 0; i < n; i++) if (labels[i] === UNDECIDED) nUndecided++;
  let remaining = nUndecided;
  let passes = 0;
  while (remaining && passes < 64) {
    passes++;
    let changed = 0;
    for (let i = 0; i < n; i++) {
      if (labels[i] !== UNDECIDED) continue;
      const best = nearestNeighbourPhase(i, labels, grey[i], mu, shape, -1);
      if (best >= 0) {
        labels[i] = PENDING | best;
        changed++;
      }
    }
    if (!changed) break;
    for (let i = 0; i < n; i++) if ((labels[i] & ~3) === PENDING) labels[i] &= 3;
    remaining -= changed;
  }
  if (remaining) for (let i = 0; i < n; i++) if (labels[i] === UNDECIDED) labels[i] = cls(i) === 0 ? VOID : ELECTROLYTE; // isolated (no decided neighbour at all)
  decisions.push({ step: 'undecided', decision: `${nUndecided} bright-class voxels outside the main collector/electrolyte components assigned to the neighbouring phase with the nearest mean (${passes} passes)`, evidence: { means: mu } });
  lap('undecided');

  // 8. Boundary refinement (half-way rule), low phases keep their void|Li decision between themselves.
  const refinePasses = options.refinePasses ?? 3;
  mu = phaseMeans(labels, grey, shape, [muVoid, muLi, NaN, NaN]);
  const changedPerPass: number[] = [];
  for (let pass = 0; pass < refinePasses; pass++) {
    const changes = new IndexList();
    const to = new IndexList();
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++) {
          const i = z * plane + y * nx + x;
          const a = labels[i];
          if (!hasOtherNeighbour(i, a, labels, x, y, z, shape)) continue;
          const best = nearestNeighbourPhase(i, labels, grey[i], mu, shape, a);
          if (best >= 0 && best !== a) {
            changes.push(i);
            to.push(best);
          }
        }
    for (let k = 0; k < changes.length; k++) labels[changes.data[k]] = to.data[k];
    changedPerPass.push(changes.length);
    if (!changes.length) break;
  }
  decisions.push({ step: 'boundaries', decision: `half-way rule at phase boundaries: a boundary voxel takes the adjacent phase whose mean is nearest (boundary where the grey crosses (μa+μb)/2); void|Li keep the fringe-corrected split`, evidence: { means: mu, changed_per_pass: changedPerPass } });
  lap('refine');

  return {
    labels,
    thresholds,
    voidLiThreshold: tVL,
    histogram: hist,
    gmm,
    decisions,
    refinement: { passes: changedPerPass.length, changed_per_pass: changedPerPass },
  };
}

/** Mean grey per phase 0..3 over interior voxels (all 6 neighbours alike), else all, else fallback. */
function phaseMeans(labels: Uint8Array, grey: GreyArray, shape: Shape3, fallback: number[]): number[] {
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const si = new Float64Array(4), ci = new Float64Array(4), sa = new Float64Array(4), ca = new Float64Array(4);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const i = z * plane + y * nx + x;
        const l = labels[i];
        if (l > 3) continue;
        sa[l] += grey[i];
        ca[l]++;
        if (!hasOtherNeighbour(i, l, labels, x, y, z, shape)) {
          si[l] += grey[i];
          ci[l]++;
        }
      }
  return [0, 1, 2, 3].map((l) => (ci[l] >= 100 ? si[l] / ci[l] : ca[l] ? sa[l] / ca[l] : fallback[l]));
}

function hasOtherNeighbour(i: number, a: number, labels: Uint8Array, x: number, y: number, z: number, shape: Shape3): boolean {
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  return (
    (x > 0 && labels[i - 1] !== a) ||
    (x < nx - 1 && labels[i + 1] !== a) ||
    (y > 0 && labels[i - nx] !== a) ||
    (y < ny - 1 && labels[i + nx] !== a) ||
    (z > 0 && labels[i - plane] !== a) ||
    (z < nz - 1 && labels[i + plane] !== a)
  );
}

/**
 * Among the phases of i's decided 6-neighbours (and its own phase `own` when ≥ 0), the one whose
 * mean is nearest to `g`. Between void and Li the current decision stands (own low phase kept when
 * the winner is the other low phase; an undecided or bright voxel going low takes the low phase of
 * the majority of its low neighbours).
 */
function nearestNeighbourPhase(i: number, labels: Uint8Array, g: number, mu: number[], shape: Shape3, own: number): number {
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const x = i % nx, y = Math.floor(i / nx) % ny, z = Math.floor(i / plane);
  let present = own >= 0 && own <= 3 ? 1 << own : 0;
  let nVoid = 0, nLi = 0;
  const look = (j: number) => {
    const l = labels[j];
    if (l <= 3) {
      present |= 1 << l;
      if (l === VOID) nVoid++;
      else if (l === LI) nLi++;
    }
  };
  if (x > 0) look(i - 1);
  if (x < nx - 1) look(i + 1);
  if (y > 0) look(i - nx);
  if (y < ny - 1) look(i + nx);
  if (z > 0) look(i - plane);
  if (z < nz - 1) look(i + plane);
  if (!present) return -1;
  let best = -1, bestD = Infinity;
  for (let p = 0; p < 4; p++) {
    if (!(present & (1 << p)) || !Number.isFinite(mu[p])) continue;
    const d = Math.abs(g - mu[p]);
    if (d < bestD) {
      bestD = d;
      best = p;
    }
  }
  if (best === VOID || best === LI) {
    if (own === VOID || own === LI) return own;
    if ((present & 3) === 3) return nLi >= nVoid ? LI : VOID;
  }
  return best;
}
