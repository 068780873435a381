/**
 * Quality control of a phase segmentation: figures measured on the final labels and the grey levels
 * they were decided on, each held to a limit, so that a scan the automatic mode does not understand
 * says so instead of producing plausible-looking numbers.
 *
 * One sweep (halo 2) over the store — every row on scans up to 8 Mi voxels, every k-th row of every
 * k-th slice above — gathers, per phase code 0..4: voxel count, a 256-bin histogram,
 * and the mean and variance of interior voxels (all six neighbours alike: boundary voxels mix two
 * phases through blur), and a histogram of voxels two deep along every axis; plus the fraction of analysed voxels that touch another phase. Codes 5
 * (outside the cell) and 255 (outside the field of view) are not analysed. O(N) time, O(1) memory
 * besides the store.
 *
 * Checks (limits measured on the phantom matrix; see test/segment/qc.test.ts):
 *   fragmentation  analysed voxels with a 6-neighbour of another phase ≤ 35 % (layered cells: a few %,
 *                  porous pellets ≈ 10–20 %; labels of noise or of the wrong grey scale ≥ 50 %)
 *   separation     every pair of phases in contact (≥ 0.05 % of the voxels as 6-neighbour contacts,
 *                  and ≥ 10 % of the boundary of one of them) of phases |ma − mb| / min(sa, sb) ≥ 1.5 on interior voxels (m median,
 *                  s = 1.4826·MAD: robust to a phase that mixes populations, e.g. void = air and pore centres)
 *   unimodal       no phase's grey histogram splits into two populations (2-class Otsu: sub-means
 *                  ≥ 5 pooled σ apart two voxels deep; clean phases of the phantoms 1.9–3.4, smaller part ≥ 2 %): a phase holding two materials means a
 *                  material the layout did not know (plunger, cathode, collector taken as electrolyte)
 *   clipped_li     ≤ 1 % of the void and Li voxels at the scan's lowest grey (a clipped fringe: plated Li on a Cu
 *                  foil at a synchrotron, 40 000 against 2 200, reaches 0 within 2–3 voxels of the Cu)
 *   li_transparent Li nearer the void than the electrolyte: void | Li separation < Li | electrolyte
 *                  separation (physics: Li barely attenuates; a shifted labelling breaks it)
 *   fallback       voxels decided by fallback rules (undecided after the layout steps) ≤ 5 %
 *   electrolyte    electrolyte ≥ 5 % of the analysed voxels
 *   layout         a layout was recognised
 *   layout_requested  (with a requested layout) the data show that layout
 *   li_thickness   (note, or error when the layout has a Li foil) Li thicker than one voxel on average
 */
import { thresholdsFromHistogram, type Histogram } from './histogram.js';
import type { PhaseStore } from './store.js';
import type { AxisName, LayoutName, QcBlock, QcCheck } from './types.js';

const PHASES = 5; // codes 0..4 are analysed
/** Voxels the QC pass looks at, at least (rows and slices are sampled on larger scans). */
const QC_SAMPLE_VOXELS = 8 * 2 ** 20;
const BINS = 2048;
const NAMES = ['void', 'Li', 'electrolyte', 'collector', 'cathode'];

export const QC_LIMITS = {
  fragmentation: 0.35,
  separation: 1.5,
  bimodalSeparation: 5,
  bimodalMinorWeight: 0.02,
  fallback: 0.05,
  electrolyte: 0.05,
  /** Smallest class contrast-to-noise ratio when the caller turned denoising off: the auto choice filters below it (common.ts chooseDenoise). */
  unfilteredCnr: 8,
  /** Largest share of the void and Li voxels at the scan's lowest grey (clipped). */
  clippedLi: 0.01,
} as const;

export interface QcInputs {
  store: PhaseStore;
  /** Range of the analysed grey levels (the segmentation's histogram range). */
  greyRange: { lo: number; hi: number };
  /** `source`: how the stack normal was found; `requested`: the layout asked for (null: found from the data). */
  layout: { name: LayoutName; normal_axis: AxisName; source: 'detected' | 'requested'; requested: Exclude<LayoutName, 'unknown'> | null; collector: 'carbon' | 'metal' | 'none'; electrodes: number; evidence: Record<string, unknown> };
  fieldOfView: QcBlock['field_of_view'];
  /** Materials under the collector label (2: carbon foil and metal plunger; not one population). */
  collectorMaterials?: number;
  /** Voxels whose phase came from a fallback rule. */
  fallbackVoxels: number;
  /** Pairs of phase codes that meet in this layout (e.g. [0,1], [1,2], [1,3]). */
  adjacentPairs: [number, number][];
  /** The denoise choice: a caller's `none` on a noisy scan is checked (the auto choice filters it). */
  denoise?: { requested: string; applied: string; min_cnr: number | null };
}

interface PhaseStats {
  count: Float64Array;
  interior: Float64Array;
  sum: Float64Array;
  sumSq: Float64Array;
  hist: Float64Array[];
  /** Histogram of voxels ≥ 2 voxels from another label along every axis (the one-population test). */
  deep: Float64Array[];
  boundary: number;
  analysed: number;
  /** Voxels each sampled voxel stands for (stride², 1 when every voxel was looked at). */
  weight: number;
  /** 6-neighbour contacts between phases a < b: contacts[a * PHASES + b]. */
  contacts: Float64Array;
  /** Voxels per phase at the analysed range's lowest grey (clipped there). */
  atFloor: Float64Array;
}

async function gather(store: PhaseStore, lo: number, hi: number): Promise<PhaseStats> {
  const [nz, ny, nx] = store.shape;
  const plane = ny * nx;
  const s: PhaseStats = {
    count: new Float64Array(PHASES), interior: new Float64Array(PHASES), sum: new Float64Array(PHASES), sumSq: new Float64Array(PHASES),
    hist: Array.from({ length: PHASES }, () => new Float64Array(BINS)), deep: Array.from({ length: PHASES }, () => new Float64Array(BINS)), boundary: 0, analysed: 0, weight: 1, contacts: new Float64Array(PHASES * PHASES), atFloor: new Float64Array(PHASES),
  };
  const scale = hi > lo ? BINS / (hi - lo) : 0;
  const { count, interior, sum, sumSq, hist, deep, contacts, atFloor } = s;
  let analysed = 0, boundary = 0;
  // every stride-th row of every stride-th slice: ≥ ~8 M voxels, enough for every figure here, at a
  // fraction of the cost on large scans (deterministic, so streamed and in-memory runs agree)
  const stride = Math.max(1, Math.floor(Math.sqrt(nz * plane / QC_SAMPLE_VOXELS)));
  await store.sweep({ halo: 2, grey: true, labels: 'read', needed: (z0, z1) => Math.ceil(z0 / stride) * stride < z1 }, (w) => {
    const L = w.labels, G = w.grey;
    for (let z = Math.ceil(w.z0 / stride) * stride; z < w.z1; z += stride)
      for (let y = 0; y < ny; y += stride) {
        const row = (z - w.lo) * plane + y * nx;
        const innerRow = y > 0 && y < ny - 1 && z > 0 && z < nz - 1;
        const deepRow = y > 1 && y < ny - 2 && z > 1 && z < nz - 2;
        for (let x = 0; x < nx; x++) {
          const i = row + x;
          const l = L[i];
          if (l >= PHASES) continue;
          const g = G[i];
          if (g !== g) continue; // NaN
          analysed++;
          count[l]++;
          if (g <= lo) atFloor[l]++;
          let same: boolean;
          if (innerRow && x > 0 && x < nx - 1 && L[i - 1] === l && L[i + 1] === l && L[i - nx] === l && L[i + nx] === l && L[i - plane] === l && L[i + plane] === l) {
            same = true; // the common case: an interior voxel, no neighbour bookkeeping
          } else {
            // another analysed phase among the 6 neighbours (outside-cell and masked neighbours do not count)
            let other = false;
            same = true;
            for (let n = 0; n < 6; n++) {
              let j: number;
              if (n === 0) { if (x === 0) continue; j = i - 1; }
              else if (n === 1) { if (x === nx - 1) continue; j = i + 1; }
              else if (n === 2) { if (y === 0) continue; j = i - nx; }
              else if (n === 3) { if (y === ny - 1) continue; j = i + nx; }
              else if (n === 4) { if (z === 0) continue; j = i - plane; }
              else { if (z === nz - 1) continue; j = i + plane; }
              const m = L[j];
              if (m === l) continue;
              same = false;
              if (m < PHASES) {
                other = true;
                contacts[m > l ? l * PHASES + m : m * PHASES + l]++;
              }
            }
            if (other) boundary++;
          }
          if (same) {
            const b = Math.min(BINS - 1, Math.max(0, Math.floor((g - lo) * scale)));
            hist[l][b]++;
            interior[l]++;
            sum[l] += g;
            sumSq[l] += g * g;
            // two voxels deep along every axis: clear of the partial volume of blurred faces
            if (
              deepRow && x > 1 && x < nx - 2 &&
              L[i - 2] === l && L[i + 2] === l && L[i - 2 * nx] === l && L[i + 2 * nx] === l && L[i - 2 * plane] === l && L[i + 2 * plane] === l
            ) deep[l][b]++;
          }
        }
      }
  });
  s.analysed = analysed;
  s.boundary = boundary;
  s.weight = stride * stride;
  return s;
}

/** Two-population test of one phase's histogram: sub-means in pooled σ and the smaller weight. */
function bimodality(hist: Float64Array, lo: number, hi: number): { separation: number; minorWeight: number; means: [number, number] } | null {
  let total = 0, nonEmpty = 0;
  for (const c of hist) { total += c; if (c) nonEmpty++; }
  if (total < 1000 || nonEmpty < 4) return null;
  const width = (hi - lo) / BINS;
  const h: Histogram = { binning: { lo, width, bins: BINS, integer: false }, counts: hist, total };
  const th = thresholdsFromHistogram(h, 2, 'otsu', 'partition');
  const [a, b] = th.classes_stats;
  const pooled = Math.sqrt((a.weight * a.std ** 2 + b.weight * b.std ** 2) / Math.max(1e-12, a.weight + b.weight));
  // a one-bin-wide population has std 0: floor the pooled σ at the bin width
  const sep = Math.abs(b.mean - a.mean) / Math.max(pooled, width);
  return { separation: sep, minorWeight: Math.min(a.weight, b.weight) / Math.max(1e-12, a.weight + b.weight), means: [a.mean, b.mean] };
}

/** Median and 1.4826 × median absolute deviation of a histogram (bin centres). */
function robustLevel(hist: Float64Array, lo: number, width: number): { median: number; sigma: number } | null {
  let total = 0;
  for (const c of hist) total += c;
  if (!total) return null;
  const quantileBin = (h: ArrayLike<number>, q: number) => {
    let acc = 0;
    for (let i = 0; i < h.length; i++) { acc += h[i]; if (acc >= q * total) return i; }
    return h.length - 1;
  };
  const m = quantileBin(hist, 0.5);
  const dev = new Float64Array(hist.length);
  for (let i = 0; i < hist.length; i++) dev[Math.abs(i - m)] += hist[i];
  return { median: lo + (m + 0.5) * width, sigma: 1.4826 * quantileBin(dev, 0.5) * width };
}

/** P(Z > x) of a standard normal (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7), x ≥ 0. */
function normalTail(x: number): number {
  const t = 1 / (1 + 0.3275911 * (x / Math.SQRT2));
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return 0.5 * poly * Math.exp(-(x * x) / 2);
}

const pct = (v: number) => `${(100 * v).toFixed(1)} %`;

export async function assessQuality(q: QcInputs): Promise<QcBlock> {
  const { lo, hi } = q.greyRange;
  const s = await gather(q.store, lo, hi);
  const checks: QcCheck[] = [];
  const add = (c: QcCheck) => checks.push(c);
  const n = Math.max(1, s.analysed);

  const phaseMeans: Record<string, number | null> = {};
  const phaseSigmas: Record<string, number | null> = {};
  const mean = new Float64Array(PHASES).fill(NaN), sigma = new Float64Array(PHASES).fill(NaN);
  for (let l = 0; l < PHASES; l++) {
    if (s.interior[l] >= 50) {
      mean[l] = s.sum[l] / s.interior[l];
      sigma[l] = Math.sqrt(Math.max(0, s.sumSq[l] / s.interior[l] - mean[l] ** 2));
    }
    if (s.count[l]) {
      phaseMeans[String(l)] = Number.isFinite(mean[l]) ? mean[l] : null;
      phaseSigmas[String(l)] = Number.isFinite(sigma[l]) ? sigma[l] : null;
    }
  }

  const frag = s.boundary / n;
  add({
    name: 'fragmentation', ok: frag <= QC_LIMITS.fragmentation, severity: 'error', value: frag, limit: `≤ ${pct(QC_LIMITS.fragmentation)}`,
    message: frag <= QC_LIMITS.fragmentation
      ? `${pct(frag)} of the voxels touch another phase: the phases form coherent regions`
      : `${pct(frag)} of the voxels touch another phase: the labels are fragmented (noise-like), not the regions of a cell`,
  });

  // robust level and spread per phase (median, 1.4826·MAD of the interior histogram): a phase such as
  // void mixes populations (air, pore centres lifted by partial volume) that inflate σ, not the noise
  const width = (hi - lo) / BINS;
  const med = new Float64Array(PHASES).fill(NaN), mad = new Float64Array(PHASES).fill(NaN);
  for (let l = 0; l < PHASES; l++) {
    const r = robustLevel(s.hist[l], lo, width);
    if (r && s.interior[l] >= 50) { med[l] = r.median; mad[l] = Math.max(r.sigma, width); }
  }
  const pairs: QcBlock['contrast']['pairs'] = [];
  let minSep: number | null = null;
  // pairs that really meet: a pair with almost no contact (pores of a cathode composite and the Li
  // anode) says nothing about how the boundaries were placed
  const minContacts = Math.max(100, 5e-4 * n);
  const contactsOf = (l: number) => {
    let t = 0;
    for (let m = 0; m < PHASES; m++) if (m !== l) t += s.contacts[Math.min(l, m) * PHASES + Math.max(l, m)];
    return t;
  };
  for (const [a, b] of q.adjacentPairs) {
    if (!Number.isFinite(med[a]) || !Number.isFinite(med[b])) continue;
    const ab = s.contacts[Math.min(a, b) * PHASES + Math.max(a, b)];
    // …and that makes up ≥ 10 % of the boundary of one of the two
    if (ab < minContacts || ab < 0.1 * Math.min(contactsOf(a), contactsOf(b))) continue;
    // the cleaner phase's spread stands for the noise: a phase mixing populations (void = air and
    // blurred pore centres) has a wide spread that says nothing about the grey separation
    const sep = Math.abs(med[b] - med[a]) / Math.max(Math.min(mad[a], mad[b]), 1e-12);
    pairs.push({ a: String(a), b: String(b), separation: sep });
    if (minSep === null || sep < minSep) minSep = sep;
    const ok = sep >= QC_LIMITS.separation;
    add({
      name: `separation_${NAMES[a]}_${NAMES[b]}`.toLowerCase(), ok, severity: 'error', value: sep, limit: `≥ ${QC_LIMITS.separation}`,
      message: `${NAMES[a]} | ${NAMES[b]}: medians ${med[a].toPrecision(5)} / ${med[b].toPrecision(5)} are ${sep.toFixed(2)} σ apart (robust σ)${ok ? '' : ': the two phases are not separated by their grey levels'}`,
    });
  }

  // Li is nearly transparent (Z = 3, 0.53 g/cm³): its grey sits much nearer the void's than the
  // electrolyte's. A "Li" label farther from void than from the electrolyte is another material.
  const sepOf = (a: string, b: string) => pairs.find((x) => x.a === a && x.b === b)?.separation;
  const vl = sepOf('0', '1'), le = sepOf('1', '2');
  if (vl !== undefined && le !== undefined) {
    add({
      name: 'li_transparent', ok: vl < le, severity: 'error', value: vl / le, limit: '< 1 (void | Li separation below Li | electrolyte)',
      message: vl < le
        ? `Li sits nearer the void (${vl.toFixed(1)} σ) than the electrolyte (${le.toFixed(1)} σ), as a nearly transparent metal should`
        : `the Li label is farther from the void (${vl.toFixed(1)} σ) than from the electrolyte (${le.toFixed(1)} σ): Li is nearly transparent, so this label holds another material (the phases are shifted)`,
    });
  }

  // Li at the scan's lowest grey: clipped there (a metal face's phase-contrast fringe driven below
  // the reconstruction's range, or a display window): no grey level tells void from Li in it
  if (s.count[1] >= 1000) {
    // void and Li together: the clipped voxels of a Li layer read as void
    const clipped = (s.atFloor[0] + s.atFloor[1]) / (s.count[0] + s.count[1]);
    const ok = clipped <= QC_LIMITS.clippedLi;
    add({
      name: 'clipped_li', ok, severity: 'error', value: clipped, limit: `≤ ${pct(QC_LIMITS.clippedLi)}`,
      message: ok
        ? `${pct(clipped)} of the void and Li voxels at the scan's lowest grey (${lo.toPrecision(5)})`
        : `${pct(clipped)} of the void and Li voxels sit at the scan's lowest grey (${lo.toPrecision(5)}): the grey was clipped there (a metal face's phase-contrast fringe, or the reconstruction's range), so void and Li cannot be told apart in them`,
    });
  }

  for (let l = 1; l < PHASES; l++) {
    if (s.count[l] < 0.01 * n) continue;
    // the collector label holds two materials by design when a carbon foil sits behind a plunger
    if (l === 3 && q.collectorMaterials === 2) continue;
    const bm = bimodality(s.deep[l], lo, hi);
    if (!bm) continue;
    const two = bm.separation >= QC_LIMITS.bimodalSeparation && bm.minorWeight >= QC_LIMITS.bimodalMinorWeight;
    add({
      name: `unimodal_${NAMES[l]}`.toLowerCase(), ok: !two, severity: 'error', value: bm.separation, limit: `< ${QC_LIMITS.bimodalSeparation} σ (or smaller part < ${pct(QC_LIMITS.bimodalMinorWeight)})`,
      message: two
        ? `the ${NAMES[l]} label holds two grey populations (means ${bm.means[0].toPrecision(5)} and ${bm.means[1].toPrecision(5)}, ${bm.separation.toFixed(1)} σ apart, smaller ${pct(bm.minorWeight)}): a material the layout did not recognise is labelled ${NAMES[l]}`
        : `the ${NAMES[l]} label is one grey population (2-class split ${bm.separation.toFixed(1)} σ apart, smaller part ${pct(bm.minorWeight)})`,
    });
  }

  // denoising turned off by the caller on a noisy scan: every grey-level rule then works on raw noise
  // (a half-way threshold misreads Φ(−CNR/2) of the closest pair's voxels), and the layout steps'
  // class fractions mix like a composite's (a plunger-backed anode-free cell read as a Li foil, Li
  // Dice 0.62, at QC high before this check)
  const dn = q.denoise;
  if (dn && dn.requested === 'none' && dn.applied === 'none' && dn.min_cnr !== null) {
    const cnr = dn.min_cnr;
    const misread = normalTail(cnr / 2);
    add({
      name: 'noise_unfiltered', ok: cnr >= QC_LIMITS.unfilteredCnr, severity: 'error', value: cnr, limit: `≥ ${QC_LIMITS.unfilteredCnr} with --denoise none`,
      message: cnr >= QC_LIMITS.unfilteredCnr
        ? `no denoising requested; the closest classes are ${cnr.toFixed(1)} noise σ apart (≈ ${pct(misread)} of their voxels misread by grey alone)`
        : `no denoising requested on a scan the automatic choice would filter: the closest classes are ${cnr.toFixed(1)} noise σ apart (< ${QC_LIMITS.unfilteredCnr}; ≈ ${pct(misread)} of their voxels misread by grey alone, and the layout steps' class fractions are read through the noise); use --denoise auto`,
    });
  }

  // voxel counts of the whole volume (the sample scaled up) against whole-volume counts
  const fb = q.fallbackVoxels / (n * s.weight);
  add({
    name: 'fallback', ok: fb <= QC_LIMITS.fallback, severity: 'error', value: fb, limit: `≤ ${pct(QC_LIMITS.fallback)}`,
    message: `${pct(fb)} of the voxels were decided by fallback rules (nearest phase mean among neighbours) rather than by the layout`,
  });

  const el = s.count[2] / n;
  add({
    name: 'electrolyte', ok: el >= QC_LIMITS.electrolyte, severity: 'error', value: el, limit: `≥ ${pct(QC_LIMITS.electrolyte)}`,
    message: `electrolyte is ${pct(el)} of the analysed voxels${el >= QC_LIMITS.electrolyte ? '' : ': too little for a cell with a solid electrolyte in view'}`,
  });

  add({
    name: 'layout', ok: q.layout.name !== 'unknown', severity: 'error', value: q.layout.name, limit: 'a recognised layout',
    message: q.layout.name !== 'unknown' ? `layout ${q.layout.name}, stack normal along ${q.layout.normal_axis}` : 'no known cell layout was recognised along any axis',
  });
  if (q.layout.requested) {
    // the data may contradict a request the layout steps followed: a Li layer beyond the far face or
    // a composite cathode they were told not to take as such
    const ev = q.layout.evidence as { far_layer?: boolean; far_layer_in_data?: boolean; cathode?: boolean; cathode_in_data?: boolean };
    const ignored = [
      ...(ev.far_layer_in_data && !ev.far_layer ? ['a Li layer beyond the electrolyte\'s far face (a second electrode)'] : []),
      ...(ev.cathode_in_data && !ev.cathode ? ['a composite cathode'] : []),
    ];
    const ok = q.layout.name === q.layout.requested && !ignored.length;
    add({
      name: 'layout_requested', ok, severity: 'error', value: q.layout.name, limit: q.layout.requested,
      message: ok
        ? `layout ${q.layout.requested} as requested`
        : q.layout.name !== q.layout.requested
          ? `layout ${q.layout.requested} was requested but the data show ${q.layout.name} (${q.layout.collector} collector, ${q.layout.electrodes} Li electrode${q.layout.electrodes === 1 ? '' : 's'}): check the request or the scan`
          : `layout ${q.layout.requested} was requested and followed, but the data show ${ignored.join(' and ')}: check the request`,
    });
  }

  // the store is in the working frame: stack normal along its z
  const mapArea = q.store.shape[1] * q.store.shape[2];
  const liPerElectrode = (s.count[1] * s.weight) / Math.max(1, q.layout.electrodes) / Math.max(1, mapArea * (1 - q.fieldOfView.masked_fraction));
  const foil = q.layout.name === 'li-foil' || q.layout.name === 'symmetric' || q.layout.name === 'full-cell';
  add({
    name: 'li_thickness', ok: liPerElectrode >= 1, severity: foil ? 'error' : 'note', value: liPerElectrode, limit: '≥ 1 voxel',
    message: `mean Li per electrode ${liPerElectrode.toFixed(2)} voxels thick${liPerElectrode >= 1 ? '' : foil ? ': the Li electrode of this layout is thinner than one voxel' : ' (an anode-free cell before plating has none)'}`,
  });

  const warnings = checks.filter((c) => !c.ok && c.severity === 'error').map((c) => c.message);
  return {
    confidence: warnings.length ? 'low' : 'high',
    warnings,
    layout: q.layout,
    field_of_view: q.fieldOfView,
    contrast: { phase_means: phaseMeans, phase_sigmas: phaseSigmas, pairs, min_separation: minSep },
    fallback_fraction: fb,
    checks,
  };
}
