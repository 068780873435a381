/** Correlated lognormal thickness maps (tests, benchmarks, the S002 comparison). */
import { gaussianField2D, lognormalQuantile, rankMap } from '../synth/fields.js';
import { Rng } from '../synth/rng.js';

export interface LognormalMapOptions {
  /** Median thickness (µm). */
  median: number;
  /** σ of ln t. */
  sigmaLog: number;
  /** Correlation length in pixels. */
  corrPx: number;
  seed?: number;
  /** Random Fourier modes of the Gaussian field (default 128). */
  modes?: number;
  /** Clip the marginal to quantiles [uClip, 1 − uClip] (default 0.001). */
  uClip?: number;
}

/**
 * Float32 [ny·nx] map whose marginal distribution is exactly the lognormal quantiles of the pixel
 * ranks (rank mapping of a Gaussian random field, as the phantom generator does).
 */
export function lognormalMap(ny: number, nx: number, o: LognormalMapOptions): Float32Array {
  const rng = new Rng(o.seed ?? 1, 'strip-lognormal');
  const g = gaussianField2D(ny, nx, 1, 1, o.corrPx, rng, o.modes ?? 128);
  return Float32Array.from(rankMap(g, lognormalQuantile(o.median, o.sigmaLog), o.uClip ?? 0.001));
}
