/**
 * Step 1a: the histogram of the whole volume and three coarse intensity classes. Multi-Otsu first
 * (the gaps low | carbon | electrolyte or low | electrolyte | metal are wide); with method 'gmm' the
 * thresholds are refined by a 4-component Gaussian mixture (void, Li and the two bright phases;
 * initialised from multi-Otsu with the low class split in two) at the density crossings of
 * Li | middle and middle | brightest.
 * Complexity: one O(N) histogram pass; the rest works on the histogram's bins.
 */
import { InputError } from '../../io/errors.js';
import { fullHistogramOfSlabs, gmmOnHistogram, requireContrast, histogramBelow, thresholdsFromHistogram, type Histogram, type SlabVisitor } from '../histogram.js';
import type { GmmInfo, StepContext } from './types.js';

export type Thresholds = ReturnType<typeof thresholdsFromHistogram>;

export interface IntensityClasses {
  hist: Histogram;
  /** Three classes: low density (void + Li) and two bright ones. */
  th3: Thresholds;
  gmmInfo: GmmInfo;
}

export async function intensityClasses(ctx: StepContext): Promise<IntensityClasses> {
  const { store, backend, method, options, progress, lap } = ctx;
  const floatBins = options.floatBins ?? 4096;
  const greySlabs: SlabVisitor = (visit) => store.sweep({ grey: true }, (w) => visit(w.grey));
  progress('thresholds', 0, 1);
  const hist = await fullHistogramOfSlabs(greySlabs, store.greyDtype, store.windows === 'slabs' ? 'calling-thread' : backend, floatBins);
  lap('histogram');
  // a binary or two-level image has no void | Li | electrolyte to tell apart: bad input, not a crash
  const levels = requireContrast(hist, 3);
  if (levels < 3) throw new InputError(`the scan has only ${levels} distinct grey level${levels === 1 ? '' : 's'}: phase segmentation needs a grey-level tomogram (for labels already made, use --classes ${Math.max(2, levels)})`);
  const th3 = thresholdsFromHistogram(hist, 3, 'otsu', 'partition');
  const gmmInfo = method === 'gmm' ? gmmThresholds(hist, th3) : null;
  return { hist, th3, gmmInfo };
}

/** Refines th3.thresholds in place at the mixture's density crossings (kept when there are none). */
function gmmThresholds(hist: Histogram, th3: Thresholds): GmmInfo {
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
  return { components: g.components, iterations: g.iterations, converged: g.converged, fallback };
}
