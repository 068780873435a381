/**
 * Layers at the volume's z ends, found from intensity classes per sampled column (not per slice, so
 * a collector that undulates with the Li thickness or a tilted cell still counts): a class forming a
 * slab at an end (collector, plunger), a class right behind an outer layer (a carbon foil behind a
 * steel plunger), and a composite cathode inside a metal layer (particles in an electrolyte matrix,
 * told from a pure slab by its mixed slices and a histogram valley).
 * Complexity: each walk visits slices in from one end over ≤ 16 384 sampled columns and stops when
 * every column is decided, O(depth walked · 16 384); cathodeBehindMetal one O(N) fractions pass.
 */
import type { ComputeBackend } from '../../compute/types.js';
import type { Histogram } from '../histogram.js';
import type { PhaseStore } from '../store.js';
import { sliceFractions, type ClassOf } from './class-stats.js';
import { TRANSITION } from './codes.js';

export interface Slab {
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
 * Every class in `classes` at once, one walk per end (slices in from that end, each sampled column a
 * small state machine: skipping air, in the run, done; the walk stops when every column is done).
 */
export async function slabsAtEnds(store: PhaseStore, cls: ClassOf, classes: number[], low: number): Promise<Map<number, Slab[]>> {
  const [nz, ny, nx] = store.shape;
  const plane = ny * nx;
  const maxSkip = Math.max(2, Math.floor(nz / 2));
  const stride = Math.max(1, Math.floor(plane / 16384));
  const cols: number[] = [];
  for (let p = 0; p < plane; p += stride) cols.push(p);
  const sampled = cols.length;
  const out = new Map<number, Slab[]>(classes.map((c) => [c, []]));
  for (const end of ['start', 'end'] as const) {
    const at = (k: number) => (end === 'start' ? k : nz - 1 - k);
    const st = classes.map(() => ({ phase: new Uint8Array(sampled), skip: new Int32Array(sampled), stop: new Int32Array(sampled), trans: new Uint8Array(sampled) }));
    let open = classes.length * sampled;
    await store.sweep({ grey: true, descending: end === 'end' }, (w) => {
      for (let s = 0; s < w.z1 - w.z0 && open; s++) {
        const z = end === 'start' ? w.z0 + s : w.z1 - 1 - s;
        const k = end === 'start' ? z : nz - 1 - z;
        const base = (z - w.lo) * plane;
        for (let ci = 0; ci < classes.length; ci++) {
          const c = classes[ci], S = st[ci];
          for (let j = 0; j < sampled; j++) {
            const ph = S.phase[j];
            if (ph === 2) continue;
            const v = cls(w.grey[base + cols[j]]);
            if (ph === 0) {
              if (k < maxSkip && v === low) continue;
              // up to TRANSITION partial-volume voxels between the air and the layer (e.g. an
              // air | steel edge blurred to carbon-like grey) do not end the walk
              if (v !== c && S.trans[j] < TRANSITION && k < maxSkip) { S.trans[j]++; continue; }
              S.skip[j] = k;
              S.phase[j] = 1;
            }
            if (v !== c) {
              S.stop[j] = k;
              S.phase[j] = 2;
              open--;
            }
          }
        }
      }
      return open === 0;
    });
    for (let ci = 0; ci < classes.length; ci++) {
      const S = st[ci];
      let zMin = Infinity;
      let zMax = -Infinity;
      const runs: number[] = [];
      const skips: number[] = [];
      for (let j = 0; j < sampled; j++) {
        if (S.phase[j] !== 2) continue; // walked to the far end
        const run = S.stop[j] - S.skip[j];
        if (run < 2) continue;
        runs.push(run);
        skips.push(S.skip[j]);
        const a = at(S.skip[j]), b = at(S.stop[j] - 1);
        zMin = Math.min(zMin, a, b);
        zMax = Math.max(zMax, a, b);
      }
      if (runs.length >= 0.5 * sampled) {
        const mid = (v: number[]) => v.sort((x, y) => x - y)[v.length >> 1];
        out.get(classes[ci])!.push({ end, z0: zMin, z1: zMax, run: mid(runs), skipped: mid(skips) });
      }
    }
  }
  return out;
}

/**
 * Whether class c forms a layer right behind the `outer` layer at one end: walking each sampled
 * column in from that end past low-density voxels (air) and then the outer layer (a plunger), up to
 * TRANSITION partial-volume voxels, then a run of ≥ 2 voxels of class c — in at least half of the
 * sampled columns. Returns the median run, or 0.
 */
export async function layerBehind(store: PhaseStore, cls: ClassOf, end: 'start' | 'end', outer: number, c: number): Promise<number> {
  const [nz, ny, nx] = store.shape;
  const plane = ny * nx;
  const stride = Math.max(1, Math.floor(plane / 16384));
  const cols: number[] = [];
  for (let p = 0; p < plane; p += stride) cols.push(p);
  // state: 0 air, 1 outer layer, 2 transition, 3 run, 4 done
  const state = new Uint8Array(cols.length), count = new Int32Array(cols.length);
  let open = cols.length;
  await store.sweep({ grey: true, descending: end === 'end' }, (w) => {
    for (let s = 0; s < w.z1 - w.z0 && open; s++) {
      const z = end === 'start' ? w.z0 + s : w.z1 - 1 - s;
      const base = (z - w.lo) * plane;
      for (let j = 0; j < cols.length; j++) {
        const st = state[j];
        if (st === 4) continue;
        const v = cls(w.grey[base + cols[j]]);
        if (st === 0 && v === 0) continue;
        if (st <= 1 && v === outer) { state[j] = 1; count[j] = 0; continue; }
        if (st === 0) {
          // partial volume between the air and the outer layer, or no outer layer first
          if (++count[j] > TRANSITION) { state[j] = 4; count[j] = 0; open--; }
          continue;
        }
        if (st <= 2 && v !== c) {
          if (++count[j] > TRANSITION) { state[j] = 4; count[j] = 0; open--; }
          else state[j] = 2;
          continue;
        }
        if (st <= 2) { state[j] = 3; count[j] = 0; }
        if (v === c) count[j]++;
        else { state[j] = 4; open--; }
      }
    }
    return open === 0;
  });
  const runs = Array.from(count).filter((r) => r >= 2).sort((a, b) => a - b);
  return runs.length >= 0.5 * cols.length ? runs[runs.length >> 1] : 0;
}

/**
 * The histogram's height at `threshold` over the lower of its heights at the two means (each
 * smoothed over ±1/128 of the bins): below 0.75, two populations; near 1, one split in two (a grey
 * drift along z broadens one population, it does not make two).
 */
export function valleyRatio(hist: Histogram, lowerMean: number, upperMean: number, threshold: number): number {
  const b = hist.binning;
  const at = (v: number) => {
    const i = Math.round((v - b.lo) / b.width);
    const w = Math.max(1, Math.round(hist.counts.length / 128));
    let sum = 0, n = 0;
    for (let j = Math.max(0, i - w); j <= Math.min(hist.counts.length - 1, i + w); j++) { sum += hist.counts[j]; n++; }
    return n ? sum / n : 0;
  };
  return at(threshold) / Math.max(1e-12, Math.min(at(lowerMean), at(upperMean)));
}

/**
 * A composite cathode inside a metal layer (a full cell between steel plungers). `th4`: thresholds of low |
 * electrolyte | brighter | metal. Per end, over the first slices inward that are neither mostly metal
 * nor mostly low density (up to 10 % of the depth): the brighter class's share of the two middle
 * classes. A cathode end has a share of 15–90 % and no slice above 90 % (particles in a matrix, not a
 * layer); the other end < 2 %; and the histogram has a valley between the two middle classes' means
 * below 75 % of the lower peak (a grey drift along z broadens one population, it does not make two).
 */
export async function cathodeBehindMetal(store: PhaseStore, th4: readonly number[], hist: Histogram, lowerMean: number, upperMean: number, threshold: number, backend?: ComputeBackend): Promise<{ end: 'start' | 'end' | null; evidence: { ratio: Record<'start' | 'end', number>; max_slice_ratio: Record<'start' | 'end', number>; valley_ratio: number } }> {
  const f = await sliceFractions(store, th4, 4, backend);
  const nz = f[0].length;
  const m = Math.max(2, Math.round(0.1 * nz));
  const share = (end: 'start' | 'end') => {
    let sum = 0, n = 0, max = 0;
    for (let k = 0; k < nz && n < m; k++) {
      const z = end === 'start' ? k : nz - 1 - k;
      // slices of the two middle classes with electrolyte in them (not the partial volume at a metal face)
      if (f[3][z] >= 0.5 || f[0][z] >= 0.5 || f[1][z] + f[2][z] < 0.5 || f[1][z] < 0.1) continue;
      const r = f[2][z] / Math.max(1e-12, f[1][z] + f[2][z]);
      sum += r;
      max = Math.max(max, r);
      n++;
    }
    return { ratio: n ? sum / n : 0, max };
  };
  const s = { start: share('start'), end: share('end') };
  const valley = valleyRatio(hist, lowerMean, upperMean, threshold);
  let end: 'start' | 'end' | null = null;
  for (const e of ['start', 'end'] as const) {
    const o = e === 'start' ? 'end' : 'start';
    if (s[e].ratio >= 0.15 && s[e].ratio <= 0.9 && s[e].max < 0.9 && s[o].ratio < 0.02 && valley < 0.75) end = e;
  }
  const r3 = (v: number) => +v.toFixed(3);
  return { end, evidence: { ratio: { start: r3(s.start.ratio), end: r3(s.end.ratio) }, max_slice_ratio: { start: r3(s.start.max), end: r3(s.end.max) }, valley_ratio: r3(valley) } };
}
