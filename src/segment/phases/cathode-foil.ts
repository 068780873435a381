/**
 * A full cell's cathode current collector: an Al foil (10–20 µm) beyond the composite cathode, as in
 * pouch and dry-film cells (S004: Al / Cu 10 µm foils). Al absorbs ≈ 1.2× Li6PS5Cl, so the foil falls
 * in the electrolyte's intensity class: without this step a foil of more than ≈ 5 % of the depth
 * hid the composite from the end-band test (particles at one end, collector.ts particlesAtEnd) and
 * the cell was read as a Li foil — the composite's matrix as Li, the Li as air — at QC high.
 *
 * Step 1c′ (`cathodeBehindFoil`): at the end holding the brightest class's mass (≥ 90 % of it in
 * that half of the stack), each sampled column is walked in from the face: past low density (air),
 * a run of the electrolyte class (the foil), then a window of 10 % of the depth. A foil: ≥ 80 % of
 * the columns have a run of ≥ 2 voxels (a composite reaching the face has runs of matrix between
 * particles: ≈ 15 % of the columns on the phantoms), no longer than a quarter of the depth, and the
 * window holds particles in a matrix (brightest class 15–90 %, electrolyte class ≥ 5 %, no depth
 * behind the foil ≥ 90 % bright: a layer, not particles). Decided per column, so a tilted or bowed
 * foil counts as well as a flat one.
 *
 * Step 10 (`cathodeFoilVoxels`, after the refinement): on the labels, each column's run of
 * electrolyte from the cathode face (past the air) is the foil plus the matrix up to the first
 * particle; the foil's thickness per column is the lower quartile of those runs over a (2R+1)²
 * neighbourhood (R = 4: the first voxel behind a flat foil is a particle in most columns at the
 * composite's 60–65 % CAM), and those electrolyte voxels become collector (3).
 * Complexity: step 1c′ reads the classes of ≤ 16 384 sampled columns over ≤ 85 % of the depth from
 * one end; step 10 a walk in from the face over every column (O(plane · foil depth)), the quartile
 * by a sliding histogram (O(plane · R)), one write over the foil's slices.
 */
import type { PhaseStore } from '../store.js';
import { endFraction, type ClassOf } from './class-stats.js';
import { CATHODE, COLLECTOR, ELECTROLYTE, OUTSIDE, TRANSITION, UNDECIDED, VOID } from './codes.js';
import type { BrightLayout } from './collector.js';
import { valleyRatio } from './end-layers.js';
import type { Histogram } from '../histogram.js';
import type { Thresholds } from './thresholds.js';
import type { ClassPlan, StepContext } from './types.js';

/** What the foil decision rests on (segment.json). */
export type FoilEvidence = {
  end: 'start' | 'end';
  /** Share of the brightest class's slice-fraction mass in the half of the stack at `end`. */
  bright_mass_at_end: number;
  sampled_columns: number;
  /** Share of the sampled columns with an electrolyte-class run of ≥ 2 voxels from the face (past air). */
  columns_with_run: number;
  run_p20: number;
  run_median: number;
  /** Behind the runs, over a window of `window` voxels: the brightest and the electrolyte class's shares. */
  window: number;
  window_bright: number;
  window_electrolyte: number;
  /** Largest share of columns bright at one depth behind the run (a solid layer: ≥ 0.9). */
  window_bright_max_depth: number;
  /** The runs are a foil (≥ 80 % of the columns, median ≤ a quarter of the depth): the window starts behind run_p20. */
  foil: boolean;
  /** The window holds particles in a matrix. */
  composite: boolean;
  /** The histogram's valley between the electrolyte and the brightest class (end-layers.ts valleyRatio): a population of its own below 0.75. */
  valley_ratio: number;
};

const RUN_MIN = 2;
const COLUMNS_WITH_RUN = 0.8;
const BRIGHT_MASS = 0.9;
/** Histogram valley ratio below which the brightest class is a population of its own (as cathodeBehindMetal). */
const VALLEY = 0.75;
/** Lateral half-width (columns) of the neighbourhood whose lower-quartile run is a column's foil thickness. */
const FOIL_R = 4;

/** The classes of ≤ 16 384 sampled columns over the first `depth` voxels in from `end` (column j at j·depth). */
async function columnClasses(store: PhaseStore, cls: ClassOf, end: 'start' | 'end', depth: number): Promise<{ seq: Uint8Array; columns: number }> {
  const [nz, ny, nx] = store.shape;
  const plane = ny * nx;
  const stride = Math.max(1, Math.floor(plane / 16384));
  const cols: number[] = [];
  for (let p = 0; p < plane; p += stride) cols.push(p);
  const seq = new Uint8Array(cols.length * depth);
  await store.sweep({ grey: true, descending: end === 'end', needed: (z0, z1) => (end === 'start' ? z0 < depth : z1 > nz - depth) }, (w) => {
    for (let z = w.z0; z < w.z1; z++) {
      const k = end === 'start' ? z : nz - 1 - z;
      if (k >= depth) continue;
      const base = (z - w.lo) * plane;
      for (let j = 0; j < cols.length; j++) seq[j * depth + k] = cls(w.grey[base + cols[j]]);
    }
  });
  return { seq, columns: cols.length };
}

/**
 * Where each column's layers behind the face begin: past air (class 0) and a metal plunger (class
 * `metal`, −1 none) with up to TRANSITION voxels of other classes between them (blurred faces), then
 * (a plunger seen) up to TRANSITION voxels that are not the electrolyte class (a blurred steel face
 * reads as cathode); −1 when the walk leaves the first `maxSkip` voxels. `runs`: the electrolyte-class run from there.
 */
export function faceRuns(seq: Uint8Array, columns: number, depth: number, metal: number, maxSkip: number): { from: Int32Array; runs: Int32Array } {
  const from = new Int32Array(columns).fill(-1), runs = new Int32Array(columns);
  for (let j = 0; j < columns; j++) {
    const c = seq.subarray(j * depth, (j + 1) * depth);
    let i = 0, outer = 0, gap = 0, metalSeen = false;
    for (; i < depth; i++) {
      const v = c[i];
      if (v === 0 || v === metal) { outer = i + 1; gap = 0; if (v === metal) metalSeen = true; continue; }
      if (++gap > TRANSITION) break;
    }
    // the face past the first maxSkip voxels, or no layer behind it in the walked depth
    if (outer > maxSkip || i >= depth) continue;
    let k = outer;
    if (metalSeen) for (let t = 0; t < TRANSITION && k < depth && c[k] !== 1; t++) k++;
    from[j] = k;
    let r = 0;
    while (k + r < depth && c[k + r] === 1) r++;
    runs[j] = r;
  }
  return { from, runs };
}

/** Class shares over `window` voxels starting `skip` voxels past each column's face (columns with a face and room). */
function windowShares(seq: Uint8Array, depth: number, from: Int32Array, skip: number, window: number): { bright: number; matrix: number; brightMaxDepth: number } {
  const brightAt = new Float64Array(window);
  let bright = 0, matrix = 0, total = 0, cols = 0;
  for (let j = 0; j < from.length; j++) {
    const k0 = from[j] + skip;
    if (from[j] < 0 || k0 + window > depth) continue;
    cols++;
    for (let d = 0; d < window; d++) {
      const v = seq[j * depth + k0 + d];
      total++;
      if (v === 2) { bright++; brightAt[d]++; }
      else if (v === 1) matrix++;
    }
  }
  let max = 0;
  for (let d = 0; d < window; d++) max = Math.max(max, cols ? brightAt[d] / cols : 0);
  return { bright: total ? bright / total : 0, matrix: total ? matrix / total : 0, brightMaxDepth: max };
}

/**
 * The foil test at the end holding the brightest class, or at `known` (a cathode found behind a
 * metal layer, class `metal` of `cls`); see the file comment.
 */
async function foilAtEnd(ctx: StepContext, cls: ClassOf, f3: Float64Array[], metal: number, known: 'start' | 'end' | null): Promise<FoilEvidence | null> {
  const { store, nz } = ctx;
  const f = f3[2];
  let near = 0, all = 0;
  for (let k = 0; k < nz; k++) { all += f[k]; if (k < nz / 2) near += f[k]; }
  if (!(all > 0)) return null;
  const end: 'start' | 'end' = known ?? (near >= all - near ? 'start' : 'end');
  const mass = known ? 1 : Math.max(near, all - near) / all;
  const window = Math.max(4, Math.round(0.1 * nz));
  const r3 = (v: number) => +v.toFixed(3);
  const none = { sampled_columns: 0, columns_with_run: 0, run_p20: 0, run_median: 0, window_bright: 0, window_electrolyte: 0, window_bright_max_depth: 0, foil: false, composite: false };
  if (mass < BRIGHT_MASS) return { end, bright_mass_at_end: r3(mass), window, valley_ratio: NaN, ...none };
  const maxSkip = Math.floor(nz / 2);
  const depth = Math.min(nz, maxSkip + Math.floor(nz / 4) + window + 1);
  const { seq, columns } = await columnClasses(store, cls, end, depth);
  const face = faceRuns(seq, columns, depth, metal, maxSkip);
  const runs = Array.from(face.runs).sort((a, b) => a - b);
  const n = runs.length;
  const p20 = runs[Math.floor(0.2 * (n - 1))], median = runs[n >> 1];
  const withRun = runs.filter((r) => r >= RUN_MIN).length / n;
  const foil = withRun >= COLUMNS_WITH_RUN && median <= nz / 4;
  // the composite behind a foil as thick as the thinner runs (a run ends at a particle: the window
  // right behind each run would start on one), else right past the air
  const w = windowShares(seq, depth, face.from, foil ? p20 : 0, window);
  const opposite = known ? 0 : endFraction(f3, 2, end === 'start' ? 'end' : 'start');
  return {
    end, bright_mass_at_end: r3(mass), sampled_columns: n, columns_with_run: r3(withRun), run_p20: p20, run_median: median, window,
    window_bright: r3(w.bright), window_electrolyte: r3(w.matrix), window_bright_max_depth: r3(w.brightMaxDepth), foil,
    composite: w.bright >= 0.15 && w.bright <= 0.9 && w.matrix >= 0.05 && w.brightMaxDepth < 0.9 && opposite < 0.02,
    valley_ratio: NaN,
  };
}

/**
 * Step 1c′: a composite cathode at the end face, per column (behind air, a tilted or bowed face, and
 * a current collector foil), where the end-band test found none; where it found one, whether a foil
 * lies beyond it. Only with the collector kind found, not requested, no metal in view and three classes.
 */
export async function cathodeBehindFoil(ctx: StepContext, plan: ClassPlan, bright: BrightLayout, th3: Thresholds, hist: Histogram, wanted: boolean): Promise<ClassPlan> {
  if ((ctx.options.collector ?? 'auto') !== 'auto') return plan;
  // a cathode found inside a metal layer (classes low | electrolyte | cathode | metal): a foil between them
  const inMetal = plan.collectorKind === 'metal' && plan.cathodeClass === 2 && plan.thresholds.length === 3;
  if (!inMetal && !(plan.collectorKind === 'none' && th3.thresholds.length === 2)) return plan;
  if (plan.cathodeClass < 0 && plan.cathodeInData) return plan;
  const evidence = await foilAtEnd(ctx, plan.cls, bright.f3, inMetal ? 3 : -1, inMetal ? plan.cathodeEnd : null);
  if (!evidence) return plan;
  const sameEnd = !plan.cathodeEnd || plan.cathodeEnd === evidence.end;
  // found here alone (no cathode from the end slices): the brightest class must also be a grey
  // population of its own, not the bright half of an electrolyte split in two
  evidence.valley_ratio = +valleyRatio(hist, th3.classes_stats[1].mean, th3.classes_stats[2].mean, th3.thresholds[1]).toFixed(3);
  if (!faceCathodeAccepted(evidence, plan.cathodeClass >= 0, sameEnd)) {
    if (evidence.sampled_columns > 0) ctx.decisions.push({ step: 'cathode face', decision: `${plan.cathodeClass >= 0 ? 'no current collector foil beyond the composite cathode' : 'no composite cathode behind the face of either end'}: ${describe(evidence)}`, evidence });
    return plan;
  }
  const found = evidence.foil ? `current collector foil at the ${evidence.end} of z beyond a composite cathode` : `composite cathode behind the face at the ${evidence.end} of z`;
  const outcome = [evidence.foil ? 'the foil is collector (code 3)' : '', plan.cathodeClass < 0 ? 'the brightest class cathode active material' : ''].filter(Boolean).join(', ');
  ctx.decisions.push({ step: 'cathode face', decision: `${found}: ${describe(evidence)} → ${outcome}`, evidence });
  const seen = { cathodeFoil: evidence.foil ? evidence : undefined, cathodeInData: true };
  if (plan.cathodeClass >= 0) return { ...plan, ...seen };
  return wanted ? { ...plan, ...seen, cathodeClass: 2, cathodeEnd: evidence.end } : { ...plan, cathodeInData: true };
}

/**
 * Whether the face walk's evidence stands: particles in a matrix behind the face, at the end-slice
 * test's cathode end if it found one; then a foil is what the walk adds. Alone (no cathode from the
 * end slices), the brightest class must also be a grey population of its own (valley < VALLEY).
 */
export function faceCathodeAccepted(e: FoilEvidence, cathodeFromEndSlices: boolean, sameEnd: boolean): boolean {
  if (!(e.composite && sameEnd)) return false;
  return cathodeFromEndSlices ? e.foil : e.valley_ratio < VALLEY;
}

function describe(e: FoilEvidence): string {
  return `${(100 * e.columns_with_run).toFixed(0)} % of the sampled columns show an electrolyte-grey run of ≥ ${RUN_MIN} voxels from the face past the air (median ${e.run_median}; a foil: ≥ ${(100 * COLUMNS_WITH_RUN).toFixed(0)} %), behind ${e.foil ? `the foil (${e.run_p20} voxels)` : 'the air'} ${(100 * e.window_bright).toFixed(0)} % brightest class mixed with ${(100 * e.window_electrolyte).toFixed(0)} % electrolyte class over ${e.window} voxels (particles: 15–90 % and ≥ 5 %; largest share at one depth ${(100 * e.window_bright_max_depth).toFixed(0)} %, a layer ≥ 90 %), ${(100 * e.bright_mass_at_end).toFixed(0)} % of the brightest class in that half, histogram valley ${e.valley_ratio} of the lower peak (its own population: < ${VALLEY})`;
}

/**
 * Lower quartile (the ⌊(n − 1)/4⌋-th smallest of n) of the runs over each column's (2R+1)²
 * neighbourhood, clipped at the edges. A histogram of the window's runs slides along each row (add
 * a column, drop one; the quartile by a walk over the bins): O(plane · (2R + 1) + plane · q) for a
 * quartile q, instead of a sort of (2R+1)² values per column (≈ 20 s on a 2000² plane).
 */
export function foilThickness(runs: Int32Array, ny: number, nx: number, R: number): Int32Array {
  const out = new Int32Array(ny * nx);
  let max = 0;
  for (let p = 0; p < runs.length; p++) if (runs[p] > max) max = runs[p];
  const hist = new Int32Array(max + 1);
  for (let y = 0; y < ny; y++) {
    const j0 = Math.max(0, y - R), j1 = Math.min(ny - 1, y + R);
    const rows = j1 - j0 + 1;
    hist.fill(0);
    const addColumn = (x: number, d: number) => {
      for (let j = j0; j <= j1; j++) hist[runs[j * nx + x]] += d;
    };
    for (let x = 0; x <= Math.min(nx - 1, R); x++) addColumn(x, 1);
    for (let x = 0; x < nx; x++) {
      if (x > 0) {
        if (x + R < nx) addColumn(x + R, 1);
        if (x - R - 1 >= 0) addColumn(x - R - 1, -1);
      }
      const n = rows * (Math.min(nx - 1, x + R) - Math.max(0, x - R) + 1);
      const k = Math.floor(0.25 * (n - 1));
      let v = 0, seen = hist[0];
      while (seen <= k) seen += hist[++v];
      out[y * nx + x] = v;
    }
  }
  return out;
}

/**
 * Step 10: the foil's voxels → collector, after the nearest-mean rules (steps 7–8 decide the foil
 * as electrolyte, its intensity class; before step 9, whose local electrolyte level must not hold
 * the foil's brighter grey: with the foil's level beside a plunger's, the collector's
 * mixed mean drew the NMC at the foil, and the Li and air at the plunger, into the collector). Per
 * column from the cathode face: past air, void and undecided voxels (and a plunger), the run of
 * electrolyte and undecided voxels (the foil, then matrix up to the first particle, pore or Li);
 * the lower quartile of the runs around the column is its foil. Returns the median foil thickness
 * (voxels; 0: no foil).
 */
export async function cathodeFoilVoxels(ctx: StepContext, plan: ClassPlan): Promise<number> {
  if (!plan.cathodeFoil || !plan.cathodeEnd) return 0;
  const { store, nz, ny, nx, plane } = ctx;
  const end = plan.cathodeFoil.end;
  const descending = end === 'end';
  const maxSkip = Math.floor(nz / 2);
  const start = new Int32Array(plane).fill(-1), runs = new Int32Array(plane);
  const state = new Uint8Array(plane); // 0 air (and a plunger), 1 run, 2 done
  const trans = new Uint8Array(plane);
  let open = plane;
  await store.sweep({ labels: 'read', descending }, (w) => {
    for (let s = 0; s < w.z1 - w.z0 && open; s++) {
      const z = descending ? w.z1 - 1 - s : w.z0 + s;
      const k = descending ? nz - 1 - z : z;
      const base = (z - w.lo) * plane;
      for (let p = 0; p < plane; p++) {
        const st = state[p];
        if (st === 2) continue;
        const l = w.labels[base + p];
        if (st === 0) {
          if ((l === OUTSIDE || l === VOID || l === UNDECIDED || l === COLLECTOR) && k < maxSkip) { if (l === COLLECTOR) trans[p] = 1; continue; }
          // the plunger's blurred face can read as cathode
          if (l === CATHODE && trans[p] && trans[p]++ <= TRANSITION) continue;
          if (l !== ELECTROLYTE) { state[p] = 2; open--; continue; }
          state[p] = 1;
          start[p] = k;
        }
        if (l === ELECTROLYTE || l === UNDECIDED) runs[p]++;
        else { state[p] = 2; open--; }
      }
    }
    return open === 0;
  });
  const foil = foilThickness(runs, ny, nx, FOIL_R);
  let kMax = 0;
  for (let p = 0; p < plane; p++) if (start[p] >= 0 && foil[p] > 0) kMax = Math.max(kMax, start[p] + foil[p]);
  let relabelled = 0, foilSum = 0;
  const z0 = descending ? nz - kMax : 0, z1 = descending ? nz : kMax;
  await store.sweep({ grey: true, labels: 'write', needed: (a, b) => a < z1 && b > z0 }, (w) => {
    for (let z = Math.max(w.z0, z0); z < Math.min(w.z1, z1); z++) {
      const k = descending ? nz - 1 - z : z;
      const base = (z - w.lo) * plane;
      for (let p = 0; p < plane; p++) {
        const s0 = start[p];
        if (s0 < 0 || k < s0 || k >= s0 + foil[p]) continue;
        if (w.labels[base + p] === ELECTROLYTE) { w.labels[base + p] = COLLECTOR; relabelled++; foilSum += w.grey[base + p]; }
      }
    }
  });
  const rank = rankOf(foil);
  const median = rank(plane >> 1);
  ctx.decisions.push({
    step: 'cathode foil voxels',
    decision: `${relabelled} electrolyte voxels of the foil at the ${end} of z → collector (code 3): per column the lower quartile, over ${2 * FOIL_R + 1}×${2 * FOIL_R + 1} columns, of the electrolyte run from the face (median ${median} voxels, 5–95 % ${rank(Math.floor(0.05 * (plane - 1)))}–${rank(Math.floor(0.95 * (plane - 1)))})`,
    evidence: { voxels: relabelled, thickness_median: median, grey_mean: relabelled ? foilSum / relabelled : null },
  });
  return relabelled ? Math.max(1, median) : 0;
}

/** The k-th smallest (0-based) of non-negative integers, by counting (no sort of a plane of values). */
function rankOf(values: Int32Array): (k: number) => number {
  let max = 0;
  for (let p = 0; p < values.length; p++) if (values[p] > max) max = values[p];
  const counts = new Float64Array(max + 1);
  for (let p = 0; p < values.length; p++) counts[values[p]]++;
  return (k) => {
    let v = 0, seen = counts[0];
    while (seen <= k && v < max) seen += counts[++v];
    return v;
  };
}
