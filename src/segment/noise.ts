/**
 * Robust noise estimate (Immerkær 1996, with a median instead of the mean so edges do not count):
 * the 3×3 operator N = [1 −2 1; −2 4 −2; 1 −2 1] cancels planes and linear ramps in a slice; on white
 * noise of std σ its response has std 6σ (Σ N² = 36). σ = 1.4826 · median|N ∗ I| / 6 over a sample
 * of slices. Per class: the same, over pixels whose 3×3 neighbourhood lies in one class only.
 */
import type { Shape3 } from '../io/volume.js';
import type { GreyArray } from '../compute/types.js';

export interface NoiseEstimate {
  /** σ over all sampled pixels (grey levels). */
  sigma: number;
  /** σ per class (null when a class has too few flat pixels in the sample). */
  perClass: (number | null)[];
  slicesSampled: number;
  pixelsSampled: number;
  method: string;
}

function medianOf(values: Float32Array, n: number): number {
  if (n === 0) return NaN;
  const a = values.subarray(0, n).slice().sort();
  return n % 2 ? a[(n - 1) / 2] : 0.5 * (a[n / 2 - 1] + a[n / 2]);
}

/**
 * @param classOf optional classification of a grey value (e.g. from quick thresholds): per-class σ
 * @param maxSlices slices sampled, evenly spaced along z
 */
export function estimateNoise(data: GreyArray, shape: Shape3, classOf?: (v: number) => number, classes = 0, maxSlices = 12, maxPixelsPerSlice = 1 << 16): NoiseEstimate {
  const plane = shape[1] * shape[2];
  return estimateNoiseOfSlices((z) => data.subarray(z * plane, (z + 1) * plane), shape, classOf, classes, maxSlices, maxPixelsPerSlice);
}

/** The slices estimateNoise samples (evenly spaced along z). */
export function noiseSlices(nz: number, maxSlices = 12): number[] {
  const slices: number[] = [];
  const ns = Math.min(nz, maxSlices);
  for (let s = 0; s < ns; s++) slices.push(Math.min(nz - 1, Math.floor(((s + 0.5) * nz) / ns)));
  return slices;
}

/** estimateNoise with each sampled slice z read by `slice(z)` (ny·nx values; volumes not in memory). */
export function estimateNoiseOfSlices(slice: (z: number) => GreyArray, shape: Shape3, classOf?: (v: number) => number, classes = 0, maxSlices = 12, maxPixelsPerSlice = 1 << 16): NoiseEstimate {
  const [nz, ny, nx] = shape;
  const slices = noiseSlices(nz, maxSlices);
  const interior = Math.max(0, ny - 2) * Math.max(0, nx - 2);
  const stride = Math.max(1, Math.ceil(interior / maxPixelsPerSlice));
  const cap = slices.length * Math.ceil(interior / stride) + 1;
  const all = new Float32Array(cap);
  let nAll = 0;
  const per = Array.from({ length: classes }, () => new Float32Array(cap));
  const nPer = new Array(classes).fill(0);
  for (const z of slices) {
    const data = slice(z);
    const base = 0;
    let counter = 0;
    for (let y = 1; y < ny - 1; y++) {
      for (let x = 1; x < nx - 1; x++) {
        if (counter++ % stride) continue;
        const i = base + y * nx + x;
        const r =
          data[i - nx - 1] - 2 * data[i - nx] + data[i - nx + 1] -
          2 * data[i - 1] + 4 * data[i] - 2 * data[i + 1] +
          data[i + nx - 1] - 2 * data[i + nx] + data[i + nx + 1];
        const a = Math.abs(r);
        all[nAll++] = a;
        if (classOf && classes) {
          const c = classOf(data[i]);
          let flat = true;
          for (let dy = -1; dy <= 1 && flat; dy++) for (let dx = -1; dx <= 1; dx++) if (classOf(data[i + dy * nx + dx]) !== c) { flat = false; break; }
          if (flat && c >= 0 && c < classes) per[c][nPer[c]++] = a;
        }
      }
    }
  }
  const k = 1.4826 / 6;
  return {
    sigma: k * medianOf(all, nAll),
    perClass: per.map((arr, c) => (nPer[c] >= 50 ? k * medianOf(arr, nPer[c]) : null)),
    slicesSampled: slices.length,
    pixelsSampled: nAll,
    method: 'Immerkaer 3x3 Laplacian-difference operator, 1.4826*median|response|/6, per class over pixels whose 3x3 neighbourhood is in one class',
  };
}
