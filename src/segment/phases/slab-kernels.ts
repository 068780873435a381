/**
 * Kernels of the phase steps over the interior slices [z0, z1) of a window (store.ts), written so
 * that slabs of one window can run at once on the cpu backend's workers (slab-parallel.ts) with the
 * labels of a single raster pass: each kernel's outcome at a voxel does not depend on the order the
 * voxels are visited in (what it writes is never what it reads: a fringe bin of distance d is read
 * only as d − 1, PENDING is not a decided phase, a growth marker step + 1 is not step), it writes
 * only its own slices (tables per slice and per row (z, y) included), and its sums are of integers
 * (or carried in raster order when a window is not split). Arguments: plain data (typed arrays,
 * numbers, arrays of numbers) — they travel to the workers by structured clone.
 * Complexity: one pass over the slab each (rows without work skipped where a row table says so).
 */
import type { GreyArray } from '../../compute/types.js';
import type { Shape3 } from '../../io/volume.js';
import { AIR, CAM, CAND, CATHODE, ELECTRODE, ELECTROLYTE, LAST_PHASE, LI, OPEN, OUTSIDE, PENDING, UNDECIDED, VOID } from './codes.js';
import { hasOtherNeighbour, nearestNeighbourPhase } from './neighbours.js';
import { LevelRows } from './electrolyte-level.js';
import { fourOf, hasByte } from '../../compute/words.js';
import { labelWords, phaseSumsWords, wordsOf } from './word-kernels.js';

/** A window's arrays (slices [lo, lo + length / plane)) and the slices [z0, z1) to process. */
export interface SlabArgs {
  grey: GreyArray;
  labels: Uint8Array;
  lo: number;
  z0: number;
  z1: number;
  shape: Shape3;
}

/**
 * Step 5, one distance sweep: each low-density voxel without a bin (rows of `lowRows` only) takes
 * the bin table[v] of its first 6-neighbour (−x, +x, −y, +y, −z, +z) whose label byte v gives one.
 * `changedIn` (sweeps after the first): the rows (z, y) where the previous sweep set a bin — sweep d
 * passes on only bins of distance d − 1, which sweep d − 1 set, so a row none of whose 6-neighbour
 * rows ((z, y), (z, y ± 1), (z ± 1, y)) changed has nothing to take and is skipped. `changedOut`:
 * this sweep's rows with a bin set (its own slices only).
 */
export function fringeBinsSlab(a: SlabArgs & { lowRows: Uint8Array; table: Uint8Array; changedIn?: Uint8Array | null; changedOut?: Uint8Array | null }): number {
  const { labels: L, lo, z0, z1, lowRows, table: T } = a;
  const changedIn = a.changedIn ?? null, changedOut = a.changedOut ?? null;
  const [nz, ny, nx] = a.shape;
  const plane = ny * nx;
  // words of four equal bytes that are not a low state without a bin (the electrolyte's bulk) are skipped whole
  const W = wordsOf(L, nx);
  let set = 0;
  for (let z = z0; z < z1; z++)
    for (let y = 0; y < ny; y++) {
      const r = z * ny + y;
      if (!lowRows[r]) continue;
      if (changedIn && !changedIn[r] && !(y > 0 && changedIn[r - 1]) && !(y < ny - 1 && changedIn[r + 1]) && !(z > 0 && changedIn[r - ny]) && !(z < nz - 1 && changedIn[r + ny])) continue;
      const row = (z - lo) * plane + y * nx;
      let rowSet = 0;
      for (let x = 0; x < nx; x++) {
        const i = row + x;
        const li = L[i];
        if (li !== VOID && li !== ELECTRODE && li !== AIR) {
          if (W && (x & 3) === 0 && x + 4 <= nx && W[i >> 2] === fourOf(li)) x += 3;
          continue; // low state without a bin yet
        }
        let b = 0;
        if (x > 0) b = T[L[i - 1]];
        if (!b && x < nx - 1) b = T[L[i + 1]];
        if (!b && y > 0) b = T[L[i - nx]];
        if (!b && y < ny - 1) b = T[L[i + nx]];
        if (!b && z > 0) b = T[L[i - plane]];
        if (!b && z < nz - 1) b = T[L[i + plane]];
        if (b) { L[i] = li | (b << 4); rowSet++; }
      }
      if (changedOut) changedOut[r] = rowSet ? 1 : 0;
      set += rowSet;
    }
  return set;
}

/** Step 6b, growth step `step`: candidates with a 26-neighbour marked VOID | step << 4 → VOID | (step + 1) << 4; returns how many. */
export function growCoresSlab(a: SlabArgs & { step: number }): number {
  const { labels: L, lo, z0, z1 } = a;
  const [nz, ny, nx] = a.shape;
  const plane = ny * nx;
  const from = VOID | (a.step << 4), to = VOID | ((a.step + 1) << 4);
  // words with no candidate byte (nearly all) are skipped whole
  const W = wordsOf(L, nx);
  let grown = 0;
  for (let z = z0; z < z1; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const i = (z - lo) * plane + y * nx + x;
        if (W && (x & 3) === 0) {
          if (!hasByte(W[i >> 2], CAND_BYTES)) { x += 3; continue; }
        }
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
              if (xx >= 0 && xx < nx && L[(zz - lo) * plane + yy * nx + xx] === from) { hit = true; break; }
            }
          }
        }
        if (hit) { L[i] = to; grown++; }
      }
  return grown;
}

const CAND_BYTES = fourOf(CAND);

/**
 * Step 6b′ (filament-links.ts): the Li candidates of the slab in raster order — global indices and
 * whether each has a 26-neighbour that is layer Li (low nibble LI: a seed). Reads the 1-slice halo.
 */
export function filamentCandidatesSlab(a: SlabArgs): { index: Float64Array; seed: Uint8Array } {
  const { labels: L, lo, z0, z1 } = a;
  const [nz, ny, nx] = a.shape;
  const plane = ny * nx;
  const W = wordsOf(L, nx);
  let index = new Float64Array(256), seed = new Uint8Array(256), n = 0;
  for (let z = z0; z < z1; z++) {
    for (let y = 0; y < ny; y++) {
      const row = (z - lo) * plane + y * nx;
      for (let x = 0; x < nx; x++) {
        const i = row + x;
        if (W && (x & 3) === 0 && !hasByte(W[i >> 2], CAND_BYTES)) { x += 3; continue; }
        if (L[i] !== CAND) continue;
        let touches = 0;
        for (let dz = -1; dz <= 1 && !touches; dz++) {
          const zz = z + dz;
          if (zz < 0 || zz >= nz) continue;
          for (let dy = -1; dy <= 1 && !touches; dy++) {
            const yy = y + dy;
            if (yy < 0 || yy >= ny) continue;
            const r = (zz - lo) * plane + yy * nx;
            for (let dx = -1; dx <= 1; dx++) {
              const xx = x + dx;
              if (xx >= 0 && xx < nx && (L[r + xx] & 15) === LI) { touches = 1; break; }
            }
          }
        }
        if (n === index.length) {
          const bigger = new Float64Array(2 * n);
          bigger.set(index);
          index = bigger;
          const s = new Uint8Array(2 * n);
          s.set(seed);
          seed = s;
        }
        index[n] = z * plane + y * nx + x;
        seed[n++] = touches;
      }
    }
  }
  return { index: index.slice(0, n), seed: seed.slice(0, n) };
}

/**
 * Step 6b, final codes: candidates → Li, markers cleared, still-open voxels → UNDECIDED (counted
 * into undecidedAt[z] and undecidedRow[z·ny + y]), AIR → OUTSIDE, CAM → CATHODE; returns the Li
 * candidates.
 */
export function finalCodesSlab(a: SlabArgs & { undecidedAt: Float64Array; undecidedRow: Int32Array }): number {
  const { labels: L, lo, z0, z1, undecidedAt, undecidedRow } = a;
  const [, ny, nx] = a.shape;
  const plane = ny * nx;
  // per label byte: its final code, and whether it is a Li candidate / still open (no branches per voxel)
  const final = new Uint8Array(256), isCand = new Uint8Array(256), isOpen = new Uint8Array(256);
  for (let v = 0; v < 256; v++) {
    const s = v & 15;
    final[v] = s === CAND ? LI : s === OPEN ? UNDECIDED : s === AIR ? OUTSIDE : s === CAM ? CATHODE : s;
    isCand[v] = s === CAND ? 1 : 0;
    isOpen[v] = s === OPEN ? 1 : 0;
  }
  // a word of four equal label bytes that stay as they are (most of the volume: electrolyte) is skipped whole
  const still = new Uint8Array(256);
  for (let v = 0; v < 256; v++) still[v] = final[v] === v && !isCand[v] && !isOpen[v] ? 1 : 0;
  const W = wordsOf(L, nx);
  let li = 0;
  for (let z = z0; z < z1; z++)
    for (let y = 0; y < ny; y++) {
      const base = (z - lo) * plane + y * nx;
      let open = 0;
      for (let i = base; i < base + nx; ) {
        if (W && (i & 3) === 0 && i + 4 <= base + nx) {
          const w = W[i >> 2], v = w & 255;
          if (still[v] && w === fourOf(v)) {
            i += 4;
            continue;
          }
        }
        const v = L[i];
        L[i] = final[v];
        li += isCand[v];
        open += isOpen[v];
        i++;
      }
      undecidedAt[z] += open;
      undecidedRow[z * ny + y] = open;
    }
  return li;
}

/**
 * Step 7, one pass: each undecided voxel (rows with undecided voxels only) with a decided neighbour
 * → PENDING | the nearest-mean phase, the tables updated; returns how many.
 */
export function undecidedSlab(a: SlabArgs & { mu: number[]; undecidedAt: Float64Array; undecidedRow: Int32Array; pendingAt: Float64Array; pendingRow: Uint8Array }): number {
  const { grey, labels: L, lo, z0, z1, mu, undecidedAt, undecidedRow, pendingAt, pendingRow } = a;
  const [nz, ny, nx] = a.shape;
  const plane = ny * nx;
  let changed = 0;
  for (let z = z0; z < z1; z++)
    for (let y = 0; y < ny; y++) {
      const r = z * ny + y;
      if (!undecidedRow[r]) continue;
      for (let x = 0; x < nx; x++) {
        const i = (z - lo) * plane + y * nx + x;
        if (L[i] !== UNDECIDED) continue;
        const best = nearestNeighbourPhase(L, i, grey[i], mu, x, y, z, nz, ny, nx, -1);
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
  return changed;
}

/** Step 8: the phase voxel i (window index; global x, y, z) should take, or −1 when it keeps its own. */
export function boundaryChange(L: Uint8Array, grey: GreyArray, mu: number[], i: number, x: number, y: number, z: number, nz: number, ny: number, nx: number): number {
  const a = L[i];
  if (a > LAST_PHASE) return -1; // outside the cell: not a phase boundary
  if (!hasOtherNeighbour(L, i, a, x, y, z, nz, ny, nx)) return -1;
  const best = nearestNeighbourPhase(L, i, grey[i], mu, x, y, z, nz, ny, nx, a);
  return best >= 0 && best !== a ? best : -1;
}

/**
 * Step 8, first pass: the changes of every voxel with a 6-neighbour of another label, in raster order
 * (new phase, and the voxel's global index as `from` + offset). Offsets from the slab's first voxel
 * fit int32 below 2³¹ voxels per slab (else float64): the lists cross threads as copies, and a full
 * cell's first pass changes ≈ 3 M voxels at 512³.
 */
export function boundaryChangesSlab(a: SlabArgs & { mu: number[] }): { from: number; offset: Int32Array | Float64Array; phase: Uint8Array } {
  const { grey, labels: L, lo, z0, z1, mu } = a;
  const [nz, ny, nx] = a.shape;
  const plane = ny * nx;
  const from = z0 * plane;
  const wide = (z1 - z0) * plane >= 2 ** 31;
  const list = (n: number): Int32Array | Float64Array => (wide ? new Float64Array(n) : new Int32Array(n));
  let offset = list(1024), phase = new Uint8Array(1024), n = 0;
  for (let z = z0; z < z1; z++)
    for (let y = 0; y < ny; y++) {
      const row = (z - lo) * plane + y * nx;
      const edgeRow = z === 0 || z === nz - 1 || y === 0 || y === ny - 1;
      // by runs of one label in x: inside a run the left and right neighbours are alike
      for (let x = 0; x < nx; ) {
        const c = L[row + x];
        let end = x + 1;
        while (end < nx && L[row + end] === c) end++;
        if (c > LAST_PHASE) {
          x = end;
          continue;
        }
        for (const first = x; x < end; x++) {
          const i = row + x;
          // most voxels sit inside their phase: ruled out here, as boundaryChange would
          if (!edgeRow && x > first && x < end - 1 && L[i - nx] === c && L[i + nx] === c && L[i - plane] === c && L[i + plane] === c) continue;
          const best = boundaryChange(L, grey, mu, i, x, y, z, nz, ny, nx);
          if (best < 0) continue;
          if (n === offset.length) {
            const o2 = list(2 * n), p2 = new Uint8Array(2 * n);
            o2.set(offset);
            p2.set(phase);
            offset = o2;
            phase = p2;
          }
          offset[n] = z * plane + y * nx + x - from;
          phase[n++] = best;
        }
      }
    }
  return { from, offset: offset.slice(0, n), phase: phase.slice(0, n) };
}

/**
 * Steps 7, 8: grey sums and counts per code 0..5 over interior voxels (all 6 neighbours alike) and
 * over all, added onto `acc` = [si(6), ci(6), sa(6), ca(6)] (returned; null: onto zeros). Rows are walked run by run
 * (voxels of one label in x): a run's sums stay in locals, added in the same order as voxel by voxel
 * (the same float sums), and inside a run only the 4 neighbours off the row need a look.
 */
export function phaseSumsSlab(a: SlabArgs & { acc: Float64Array | null }): Float64Array {
  const { grey: G, labels: L, lo, z0, z1 } = a;
  const [nz, ny, nx] = a.shape;
  const plane = ny * nx;
  const acc = a.acc ?? new Float64Array(24);
  // integer grey: four labels at a time (word-kernels.ts; the same sums)
  const W = labelWords(L, G, nx);
  if (W) {
    phaseSumsWords(G, L, W, lo, z0, z1, a.shape, acc);
    return acc;
  }
  for (let z = z0; z < z1; z++)
    for (let y = 0; y < ny; y++) {
      const row = (z - lo) * plane + y * nx;
      const edgeRow = z === 0 || z === nz - 1 || y === 0 || y === ny - 1;
      for (let x = 0; x < nx; ) {
        const l = L[row + x];
        let end = x + 1;
        while (end < nx && L[row + end] === l) end++;
        if (l > LAST_PHASE) {
          x = end;
          continue;
        }
        let s = acc[12 + l], c = acc[18 + l], s2 = acc[l], c2 = acc[6 + l];
        const first = x;
        for (; x < end; x++) {
          const i = row + x;
          const g = G[i];
          s += g;
          c++;
          // the left / right neighbours differ from l at the run's ends only
          const other = edgeRow || x === 0 || x === nx - 1
            ? hasOtherNeighbour(L, i, l, x, y, z, nz, ny, nx)
            : x === first || x === end - 1 || L[i - nx] !== l || L[i + nx] !== l || L[i - plane] !== l || L[i + plane] !== l;
          if (!other) {
            s2 += g;
            c2++;
          }
        }
        acc[12 + l] = s;
        acc[18 + l] = c;
        acc[l] = s2;
        acc[6 + l] = c2;
      }
    }
  return acc;
}

/**
 * Components masks (class-masks.ts), elements [i0, i1) of `grey` → `mask`: 1 where the intensity
 * class (the number of float32 thresholds `ts` ≤ g) is cs[0], or, for several classes, any of `cs`.
 */
export function classMaskRange(a: { grey: GreyArray; mask: Uint8Array; i0: number; i1: number; ts: number[]; cs: number[] }): number {
  const { grey: g, mask: m, i0, i1, ts, cs } = a;
  const c = cs[0];
  // comparisons turned into 0/1 without branches: interface grey is a coin toss for the branch
  // predictor (NaN compares false: class 0, as the classifier has it)
  if (c === 0) {
    const hi = ts[0];
    for (let i = i0; i < i1; i++) m[i] = 1 - +(g[i] >= hi);
  } else if (c === ts.length) {
    const lo = ts[c - 1];
    for (let i = i0; i < i1; i++) m[i] = +(g[i] >= lo);
  } else {
    const lo = ts[c - 1], hi = ts[c];
    for (let i = i0; i < i1; i++) {
      const v = g[i];
      m[i] = +(v >= lo) & (1 - +(v >= hi));
    }
  }
  if (cs.length === 1) return 0;
  // the class as `classifier` computes it (class-stats.ts)
  const want = new Uint8Array(4);
  for (const k of cs) want[k] = 1;
  const t0 = ts[0], t1 = ts.length > 1 ? ts[1] : Infinity, t2 = ts.length > 2 ? ts[2] : Infinity;
  for (let i = i0; i < i1; i++) {
    if (m[i]) continue;
    const v = g[i];
    if (want[ts.length > 2 && v >= t2 ? 3 : ts.length > 1 && v >= t1 ? 2 : v >= t0 ? 1 : 0]) m[i] = 1;
  }
  return 0;
}

/** Step 2, a class that is one component: `code` on every voxel whose intensity class (as `classifier`, float32 thresholds `ts`) is in `cs`. */
export function classCodeSlab(a: SlabArgs & { ts: number[]; cs: number[]; code: number }): number {
  const { grey: g, labels: L, lo, z0, z1, ts, cs, code } = a;
  const plane = a.shape[1] * a.shape[2];
  const want = new Uint8Array(4);
  for (const k of cs) want[k] = 1;
  const K = ts.length, t0 = ts[0], t1 = K > 1 ? ts[1] : Infinity, t2 = K > 2 ? ts[2] : Infinity;
  const i1 = (z1 - lo) * plane;
  for (let i = (z0 - lo) * plane; i < i1; i++) {
    const v = g[i];
    if (want[K > 2 && v >= t2 ? 3 : K > 1 && v >= t1 ? 2 : v >= t0 ? 1 : 0]) L[i] = code;
  }
  return 0;
}

/**
 * Step 2, cathode voxels: every still-open voxel (OPEN) whose intensity class (as `classifier`,
 * float32 thresholds `ts`) is `c` → `code`; returns how many. Words with no open byte are skipped.
 */
export function openClassSlab(a: SlabArgs & { ts: number[]; c: number; code: number }): number {
  const { grey: g, labels: L, lo, z0, z1, ts, c, code } = a;
  const plane = a.shape[1] * a.shape[2];
  const K = ts.length, t0 = ts[0], t1 = K > 1 ? ts[1] : Infinity, t2 = K > 2 ? ts[2] : Infinity;
  const W = wordsOf(L, a.shape[2]);
  let n = 0;
  const i1 = (z1 - lo) * plane;
  for (let i = (z0 - lo) * plane; i < i1; i++) {
    if (W && (i & 3) === 0 && i + 4 <= i1) {
      if (!hasByte(W[i >> 2], OPEN_BYTES)) { i += 3; continue; }
    }
    if (L[i] !== OPEN) continue;
    const v = g[i];
    if ((K > 2 && v >= t2 ? 3 : K > 1 && v >= t1 ? 2 : v >= t0 ? 1 : 0) === c) { L[i] = code; n++; }
  }
  return n;
}

const OPEN_BYTES = fourOf(OPEN);

/**
 * Steps 7b, 9: electrolyte voxels inside the electrolyte (oriented k ≥ elSurf + 2 and, with a far
 * layer, ≤ elBack − 2; no Li 6-neighbour) darker than `level` → VOID; returns how many. With a
 * level grid (step 9: electrolyte-level.ts; `grid` non-empty, `gridDims` its cells along z, y, x)
 * the threshold is the grid's trilinear value at the voxel and `level` its largest cell. A pore
 * written is not Li, so what the others read does not change.
 */
export function poresBelowSlab(a: SlabArgs & { level: number; collectorAtStart: boolean; farLayer: boolean; elSurf: Int32Array; elBack: Int32Array; grid: Float64Array; gridDims: [number, number, number] }): number {
  const { grey: G, labels: L, lo, z0, z1, collectorAtStart, farLayer, elSurf, elBack, grid, gridDims } = a;
  // with a level grid: per row its largest value bounds the grey test, per voxel its own value
  const rows = grid.length > 0 ? new LevelRows(grid, gridDims, a.shape) : null;
  let level = a.level;
  const [nz, ny, nx] = a.shape;
  const plane = ny * nx;
  let marked = 0;
  for (let z = z0; z < z1; z++) {
    const k = collectorAtStart ? z : nz - 1 - z; // columns.ts oz
    rows?.slice(z);
    for (let y = 0; y < ny; y++) {
      if (rows) {
        rows.rowAt(y);
        level = rows.rowMax;
      }
      for (let x = 0; x < nx; x++) {
        const p = y * nx + x;
        const i = (z - lo) * plane + p;
        // the grey test first: it rules out nearly every voxel
        if (!(G[i] < level) || L[i] !== ELECTROLYTE) continue;
        if (k < elSurf[p] + 2 || (farLayer && k > elBack[p] - 2)) continue;
        if (rows && !(G[i] < rows.at(x))) continue;
        if (
          (x > 0 && L[i - 1] === LI) || (x < nx - 1 && L[i + 1] === LI) || (y > 0 && L[i - nx] === LI) || (y < ny - 1 && L[i + nx] === LI) ||
          (z > 0 && L[i - plane] === LI) || (z < nz - 1 && L[i + plane] === LI)
        ) continue;
        L[i] = VOID;
        marked++;
      }
    }
  }
  return marked;
}

/**
 * Step 6a: low-state voxels (rows of `lowRows`) counted per fringe bin and integer grey level into
 * the shared hist[b·levels + g] (atomic adds: one table for every slab, no per-slab copies to hold);
 * hist[bins·levels]: voxels with a bin ≥ `bins` (none expected).
 */
export function lowGreyHistSlab(a: SlabArgs & { lowRows: Uint8Array; levels: number; bins: number; hist: Uint32Array }): number {
  const { grey: G, labels: L, lo, z0, z1, lowRows, levels, bins, hist } = a;
  const [, ny, nx] = a.shape;
  const plane = ny * nx;
  // counted into this thread's own table first, then added onto the shared one over the grey range
  // met per bin (an atomic add per voxel cost more than the rest of the pass)
  const size = bins * levels + 1;
  if (!histScratch || histScratch.length < size) histScratch = new Uint32Array(size);
  const own = histScratch;
  const gLo = new Int32Array(bins).fill(levels), gHi = new Int32Array(bins).fill(-1);
  let over = 0;
  const W = wordsOf(L, nx);
  for (let z = z0; z < z1; z++)
    for (let y = 0; y < ny; y++) {
      if (!lowRows[z * ny + y]) continue;
      const i0 = (z - lo) * plane + y * nx, i1 = i0 + nx;
      for (let i = i0; i < i1; i++) {
        const l = L[i], s = l & 15;
        if (s !== VOID && s !== ELECTRODE && s !== AIR) {
          // four equal bytes of another state (the electrolyte's bulk): skipped at once
          if (W && ((i - i0) & 3) === 0 && W[i >> 2] === fourOf(l)) i += 3;
          continue;
        }
        const b = l >> 4;
        if (b >= bins) { over++; continue; }
        const g = G[i];
        own[b * levels + g]++;
        if (g < gLo[b]) gLo[b] = g;
        if (g > gHi[b]) gHi[b] = g;
      }
    }
  for (let b = 0; b < bins; b++)
    for (let j = b * levels + gLo[b]; j <= b * levels + gHi[b]; j++)
      if (own[j]) { Atomics.add(hist, j, own[j]); own[j] = 0; }
  if (over) Atomics.add(hist, bins * levels, over);
  return 0;
}

/** lowGreyHistSlab's own table, kept by the thread (all zero between calls). */
let histScratch: Uint32Array | null = null;

/** Step 7, after a pass: its PENDING | phase marks (rows of `pendingRow`) → the phase, the slices' and rows' tables cleared. */
export function commitPendingSlab(a: SlabArgs & { pendingAt: Float64Array; pendingRow: Uint8Array }): number {
  const { labels: L, lo, z0, z1, pendingAt, pendingRow } = a;
  const [, ny, nx] = a.shape;
  const plane = ny * nx;
  for (let z = z0; z < z1; z++) {
    if (!pendingAt[z]) continue;
    for (let y = 0; y < ny; y++) {
      if (!pendingRow[z * ny + y]) continue;
      pendingRow[z * ny + y] = 0;
      const i1 = (z - lo) * plane + (y + 1) * nx;
      for (let i = i1 - nx; i < i1; i++) if ((L[i] & ~7) === PENDING) L[i] &= 7;
    }
    pendingAt[z] = 0;
  }
  return 0;
}

/**
 * Label statistics (common.ts labelStats): voxels and grey sum per label byte, added onto
 * `acc` = [counts(256), sums(256)] (returned; null: onto zeros) in raster order.
 */
export function labelSumsSlab(a: SlabArgs & { acc: Float64Array | null }): Float64Array {
  const { grey: G, labels: L, lo, z0, z1 } = a;
  const plane = a.shape[1] * a.shape[2];
  const acc = a.acc ?? new Float64Array(512);
  const i1 = (z1 - lo) * plane;
  // by runs of one label: the run's count and sum in locals (the same additions in the same order
  // as voxel by voxel), not a store and reload of one table entry per voxel
  for (let i = (z0 - lo) * plane; i < i1; ) {
    const l = L[i];
    let s = acc[256 + l];
    const start = i;
    for (; i < i1 && L[i] === l; i++) s += G[i];
    acc[l] += i - start;
    acc[256 + l] = s;
  }
  return acc;
}

/**
 * Fraction of each intensity class 0..K−1 per slice (class-stats.ts sliceFractions; the class as
 * `classifier` computes it, thresholds `ts` rounded to float32) → f[k·nz + z].
 */
export function sliceFractionsSlab(a: SlabArgs & { ts: number[]; K: number; f: Float64Array }): number {
  const { grey: G, lo, z0, z1, ts, K, f } = a;
  const [nz, ny, nx] = a.shape;
  const plane = ny * nx;
  const T = ts.length, t0 = Math.fround(ts[0]), t1 = T > 1 ? Math.fround(ts[1]) : 0, t2 = T > 2 ? Math.fround(ts[2]) : 0;
  // ascending thresholds (multi-Otsu's): voxels at or above each counted without branches, the
  // classes are the differences (the grey of a noisy interface defeats the branch predictor:
  // 6 ns per voxel in the nested tests, ≈ 2 with the sums); a missing threshold is +∞ (never met)
  if (T >= 1 && T <= 3 && (T < 2 || t0 <= t1) && (T < 3 || t1 <= t2)) {
    const u1 = T > 1 ? t1 : Infinity, u2 = T > 2 ? t2 : Infinity;
    for (let z = z0; z < z1; z++) {
      const base = (z - lo) * plane;
      let ge0 = 0, ge1 = 0, ge2 = 0;
      for (let i = base; i < base + plane; i++) {
        const g = G[i];
        ge0 += +(g >= t0);
        ge1 += +(g >= u1);
        ge2 += +(g >= u2);
      }
      const n = [plane - ge0, ge0 - ge1, ge1 - ge2, ge2];
      for (let k = 0; k < K; k++) f[k * nz + z] = n[k] / plane;
    }
    return 0;
  }
  for (let z = z0; z < z1; z++) {
    const base = (z - lo) * plane;
    // counts in locals (classes 0..3 at most), not an array element per voxel
    let n1 = 0, n2 = 0, n3 = 0;
    for (let i = base; i < base + plane; i++) {
      const g = G[i];
      if (g >= t0) {
        if (T > 2 && g >= t2) n3++;
        else if (T > 1 && g >= t1) n2++;
        else n1++;
      }
    }
    const n = [plane - n1 - n2 - n3, n1, n2, n3];
    for (let k = 0; k < K; k++) f[k * nz + z] = n[k] / plane;
  }
  return 0;
}

// the layout steps' kernels (columns, electrode voxels): in their own file, loaded with these
export * from './layout-kernels.js';
export * from './layer-kernels.js';

/**
 * Step 8, a later pass over slices [z0, z1): the previous pass's changed voxels `prev` (global
 * indices, sorted; those within a slice of the chunk) and their 6-neighbours inside the chunk, each
 * looked at once in raster order; their changes (global index, new phase). Chunks only read the
 * labels, so they run at once on the workers (refine.ts).
 */
/** Changes of a later refinement pass in [z0, z1): voxel offsets from the chunk's first voxel (z0 · plane) and their new phase. */
export function nearChangesSlab(a: SlabArgs & { mu: number[]; prev: Float64Array }): { offset: Int32Array; phase: Uint8Array } {
  const { grey, labels: L, lo, z0, z1, mu, prev } = a;
  const [nz, ny, nx] = a.shape;
  const plane = ny * nx;
  const from = z0 * plane, to = z1 * plane;
  // the candidates (changed voxels and their 6-neighbours in [from, to)) marked in one byte per
  // voxel of the chunk, kept per thread: read in raster order they come sorted and without repeats,
  // with no 7× index list to sort (that list, per chunk and batch, grew the workers' heaps by ≈ 55 MiB
  // at 512³)
  const marks = chunkMarks(to - from);
  let count = 0;
  const add = (g: number) => {
    if (g >= from && g < to && !marks[g - from]) { marks[g - from] = 1; count++; }
  };
  for (let k = 0; k < prev.length; k++) {
    const g = prev[k];
    const z = Math.floor(g / plane), r = g - z * plane, y = Math.floor(r / nx), x = r - y * nx;
    add(g);
    if (x > 0) add(g - 1);
    if (x < nx - 1) add(g + 1);
    if (y > 0) add(g - nx);
    if (y < ny - 1) add(g + nx);
    if (z > 0) add(g - plane);
    if (z < nz - 1) add(g + plane);
  }
  // offsets in the chunk (< 2³¹), not float64 indices: the results cross threads as copies
  const offset = new Int32Array(count), phase = new Uint8Array(count);
  let n = 0;
  const off = lo * plane;
  const words = new Uint32Array(marks.buffer, 0, (to - from) >> 2);
  for (let wi = 0, seen = 0; wi <= words.length && seen < count; wi++) {
    // whole words of unmarked voxels skipped; the tail (span not a multiple of 4) byte by byte
    if (wi < words.length && words[wi] === 0) continue;
    const i1 = wi < words.length ? 4 * wi + 4 : to - from;
    for (let i = 4 * wi; i < i1; i++) {
      if (!marks[i]) continue;
      marks[i] = 0;
      seen++;
      const g = from + i;
      const z = Math.floor(g / plane), r = g - z * plane, y = Math.floor(r / nx), x = r - y * nx;
      const best = boundaryChange(L, grey, mu, g - off, x, y, z, nz, ny, nx);
      if (best >= 0) {
        offset[n] = i;
        phase[n++] = best;
      }
    }
  }
  return { offset: offset.slice(0, n), phase: phase.slice(0, n) };
}

/** One zeroed byte per voxel of a refinement chunk, reused by this thread (cleared as it is read). */
let marksBuffer = new Uint8Array(0);
function chunkMarks(span: number): Uint8Array {
  if (marksBuffer.length < span) marksBuffer = new Uint8Array(span + 3);
  return marksBuffer;
}
