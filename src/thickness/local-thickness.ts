/**
 * Local thickness (Hildebrand & Rüegsegger 1997; the BoneJ approach): exact EDT of the phase →
 * distance ridge (centres of maximal inscribed balls) → each phase voxel takes the diameter of the
 * largest ridge ball that contains its centre.
 *
 * Convention: the diameter reported is 2·r with r the EDT value of the ball centre, i.e. the
 * distance from that voxel centre to the nearest voxel centre outside the phase (BoneJ's and
 * SciPy's convention for the distance). On a digital plate of t voxels this gives t for even t and
 * t + 1 for odd t (the middle voxel is (t + 1)/2 from the outside voxel centres); on a digital
 * ball or cylinder of radius R (voxels with |x − c| ≤ R), 2·√(R² + 1) ≈ 2R + 1/R.
 * Output in µm; 0 outside the phase. Out of core (same results bit for bit): out-of-core.ts,
 * `streamLocalThickness`.
 */
import { concatArrays } from '../compute/concat.js';
import type { BackendName } from '../compute/types.js';
import type { Shape3, Spacing3 } from '../io/volume.js';
import { distanceTransformLabel, type DistanceOptions } from './edt.js';
import { distanceRidge, rasterBalls, sortBallsDescending } from './local-thickness-kernel.js';
import { defaultThreads, openPool, ranges, type TaskPool } from './pool.js';
import { histogramCounted, type Histogram } from './stats.js';

export interface LocalThicknessResult {
  /** Local thickness (diameter, µm; voxels without spacing), 0 outside the phase. */
  thickness: Float32Array;
  /** Distance to the nearest voxel outside the phase (µm), 0 outside. */
  distance: Float32Array;
  ridgeVoxels: number;
  noBackground: boolean;
  threads: number;
  /** Backend of the distance transform (options.backend: cpu by default; the ridge and balls run on the cpu). */
  backend: BackendName;
  backendDescription: string;
  timings_ms: { distance: number; ridge: number; balls: number };
}

export interface LocalThicknessStats {
  label: number;
  voxels: number;
  mean_um: number;
  std_um: number;
  median_um: number;
  max_um: number;
  ridge_voxels: number;
  histogram: Histogram;
}

export async function localThickness(
  data: Uint8Array,
  shape: Shape3,
  label: number,
  options: DistanceOptions = {},
): Promise<LocalThicknessResult> {
  const spacing: Spacing3 = options.spacing ?? [1, 1, 1];
  const n = shape[0] * shape[1] * shape[2];
  const threads = options.threads ?? defaultThreads();
  const parallel = threads > 1 && n >= (options.parallelMinVoxels ?? 1 << 21);
  const pool = options.pool !== undefined ? options.pool : parallel ? openPool(threads) : null;
  const report = options.onProgress;
  try {
    const t0 = performance.now();
    const { distance, noBackground, backend, backendDescription } = await distanceTransformLabel(data, shape, label, {
      ...options,
      pool,
      onProgress: report ? (d, t) => report((d / t) * 0.4, 1) : undefined,
    });
    const t1 = performance.now();
    const out = new Float32Array(new SharedArrayBuffer(n * 4));
    if (noBackground) {
      out.fill(Infinity);
      return { thickness: out, distance, ridgeVoxels: 0, noBackground, threads: 1, backend, backendDescription, timings_ms: { distance: t1 - t0, ridge: 0, balls: 0 } };
    }
    // one order by decreasing radius shared by every worker (rasterBalls paints each voxel once in it)
    const shared = pool !== null && distance.buffer instanceof SharedArrayBuffer;
    const labels = shared ? sharedBytes(data) : data;
    const found = shared ? await ridgeOnWorkers(pool, distance, labels, label, shape, spacing) : distanceRidge(distance, data, label, shape, spacing, 0, shape[0]);
    const ridge = sortBallsDescending(found.centres, found.radii);
    const count = ridge.radii.length;
    const t2 = performance.now();
    report?.(0.5, 1);
    let used = 1;
    if (!pool || count < 64) {
      rasterBalls(out, data, label, shape, spacing, ridge.centres, ridge.radii, 0, shape[0]);
    } else {
      const centres = new Int32Array(new SharedArrayBuffer(count * 4));
      centres.set(ridge.centres);
      const radii = new Float32Array(new SharedArrayBuffer(count * 4));
      radii.set(ridge.radii);
      let done = 0;
      await Promise.all(
        ranges(shape[0], pool.threads * 4).map(([from, to]) =>
          pool
            .run({
              op: 'balls',
              out: out.buffer as SharedArrayBuffer,
              labels: sharedBytes(labels).buffer as SharedArrayBuffer,
              label,
              shape: [...shape],
              spacing: [...spacing],
              centres: centres.buffer as SharedArrayBuffer,
              radii: radii.buffer as SharedArrayBuffer,
              count,
              from,
              to,
            })
            .then((k) => report?.(0.5 + (0.5 * (done += k)) / shape[0], 1)),
        ),
      );
      used = pool.threads;
    }
    const t3 = performance.now();
    return { thickness: out, distance, ridgeVoxels: count, noBackground, threads: used, backend, backendDescription, timings_ms: { distance: t1 - t0, ridge: t2 - t1, balls: t3 - t2 } };
  } finally {
    if (options.pool === undefined && pool) await pool.close();
  }
}

/** The labels in a SharedArrayBuffer the workers read (as they are when already shared). */
function sharedBytes(data: Uint8Array): Uint8Array {
  if (data.buffer instanceof SharedArrayBuffer) return data;
  const bytes = new Uint8Array(new SharedArrayBuffer(data.length));
  bytes.set(data);
  return bytes;
}

/** The distance ridge found by the workers over z ranges, joined in index order (as one pass finds it). */
async function ridgeOnWorkers(pool: TaskPool, distance: Float32Array, labels: Uint8Array, label: number, shape: Shape3, spacing: Spacing3): Promise<{ centres: Int32Array; radii: Float32Array }> {
  const parts = await Promise.all(
    ranges(shape[0], pool.threads * 4).map(([from, to]) =>
      pool.ridge({ op: 'ridge', dist: distance.buffer as SharedArrayBuffer, labels: labels.buffer as SharedArrayBuffer, label, shape: [...shape], spacing: [...spacing], from, to }),
    ),
  );
  return { centres: concatArrays(parts.map((p) => p.centres), Int32Array), radii: concatArrays(parts.map((p) => p.radii), Float32Array) };
}

/** Mean, std, median, max and histogram of the local thickness over the phase voxels. */
export function summarizeLocalThickness(thickness: Float32Array, labels: ArrayLike<number>, label: number, ridgeVoxels: number, bins = 50): LocalThicknessStats {
  let count = 0;
  for (let i = 0; i < thickness.length; i++) if (labels[i] === label) count++;
  const values = new Float32Array(count);
  let c = 0;
  for (let i = 0; i < thickness.length; i++) if (labels[i] === label) values[c++] = thickness[i];
  values.sort();
  // run-length encode the sorted values (the same numbers as the streamed, counted summary)
  let m = 0;
  for (let i = 0; i < count; i++) if (i === 0 || !Object.is(values[i], values[i - 1])) m++;
  const distinct = new Float32Array(m);
  const counts = new Float64Array(m);
  for (let i = 0, r = -1; i < count; i++) {
    if (i === 0 || !Object.is(values[i], values[i - 1])) distinct[++r] = values[i];
    counts[r]++;
  }
  return summarizeCountedThickness(distinct, counts, label, ridgeVoxels, bins);
}

/**
 * The local thickness summary from the sorted distinct values over the phase and their counts
 * (sums run in ascending order, one addition per voxel, as over the sorted values).
 */
export function summarizeCountedThickness(values: ArrayLike<number>, counts: ArrayLike<number>, label: number, ridgeVoxels: number, bins = 50): LocalThicknessStats {
  let count = 0;
  for (let i = 0; i < counts.length; i++) count += counts[i];
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    for (let t = counts[i]; t > 0; t--) sum += v;
  }
  const mean = count ? sum / count : 0;
  let v2 = 0;
  for (let i = 0; i < values.length; i++) {
    const d = (values[i] - mean) ** 2;
    for (let t = counts[i]; t > 0; t--) v2 += d;
  }
  let median = 0;
  if (count) {
    const at = Math.floor((count - 1) / 2);
    let seen = 0;
    for (let i = 0; i < values.length; i++) {
      seen += counts[i];
      if (seen > at) {
        median = values[i];
        break;
      }
    }
  }
  return {
    label,
    voxels: count,
    mean_um: mean,
    std_um: count ? Math.sqrt(v2 / count) : 0,
    median_um: median,
    max_um: count ? values[values.length - 1] : 0,
    ridge_voxels: ridgeVoxels,
    histogram: histogramCounted(values, counts, bins),
  };
}
