/**
 * Kernels of the layout steps (3, 6b), loaded with slab-kernels.ts (which re-exports them) on the
 * cpu backend's workers; the same rules as there: plain-data arguments, each kernel writes only its
 * own part, integer counts.
 * Column kernels: a window's interior slices in oriented order (k = 0 at the collector end), for
 * the columns p ∈ [p0, p1) only. Each column's state lives in its own table entries, so ranges of
 * columns run at once (slab-parallel.ts runColumnKernel) with the outcome of one pass; windows come
 * in the sweep's oriented order and the tables carry across them.
 */
import { AIR, CAM, CAND, COLLECTOR, DMAX, ELECTRODE, ELECTROLYTE, LI, OPEN, TRANSITION, VOID } from './codes.js';
import type { SlabArgs } from './slab-kernels.js';
import { fourOf, hasByte, oneByteWord } from '../../compute/words.js';
import { wordsOf } from './word-kernels.js';

export interface ColumnArgs extends SlabArgs {
  p0: number;
  p1: number;
  collectorAtStart: boolean;
}

/** Slice z of the interior visited s-th (s = 0.. z1 − z0 − 1) from the collector end (`fromFar`: from the far end). */
const orientedSlice = (a: ColumnArgs, s: number, fromFar: boolean): number => (a.collectorAtStart !== fromFar ? a.z0 + s : a.z1 - 1 - s);

/**
 * Step 3: the first contiguous run of collector voxels of each column from the collector end
 * (`fromFar`: from the far end: far runs), gaps up to `runGap` bridged; `outer` / `inner` hold
 * its first and last oriented k (near: −1 none yet; far: nz none yet), `runDone` marks a closed run.
 * Two-material collectors (`metalFrom` finite: the grey from which a collector voxel is the metal
 * plunger): a gap of up to `fringeGap` is bridged where the run's inner voxel is within `runGap` of
 * its last metal voxel (`lastMetal`, oriented k): the steel face's dark phase-contrast fringe and
 * partial volume between the plunger and the carbon foil, which is not Li.
 */
export function collectorRunsCols(a: ColumnArgs & { fromFar: boolean; runGap: number; outer: Int32Array; inner: Int32Array; runDone: Uint8Array; metalFrom: number; fringeGap: number; lastMetal: Int32Array }): number {
  const { grey: G, labels: L, lo, p0, p1, fromFar, runGap, outer, inner, runDone, metalFrom, fringeGap, lastMetal } = a;
  const [nz, ny, nx] = a.shape;
  const plane = ny * nx;
  const none = fromFar ? nz : -1;
  const twoMaterials = metalFrom < Infinity;
  // the gap bridged after column p's run so far
  const gapOf = (p: number): number => (twoMaterials && lastMetal[p] !== none && Math.abs(inner[p] - lastMetal[p]) <= runGap ? fringeGap : runGap);
  // Columns inside a run (one begun, not closed) change at any voxel; the others only at a collector
  // voxel. Four columns none of which is inside a run, under four label bytes none of which is
  // collector, are skipped at once (word views: rows and this table aligned alike).
  const W = wordsOf(L, nx);
  const pa = p0 & ~3;
  const inRun = new Uint8Array((p1 - pa + 3) & ~3);
  for (let p = p0; p < p1; p++) inRun[p - pa] = outer[p] !== none && !runDone[p] ? 1 : 0;
  const R = new Uint32Array(inRun.buffer);
  for (let s = 0; s < a.z1 - a.z0; s++) {
    const z = orientedSlice(a, s, fromFar);
    const k = a.collectorAtStart ? z : nz - 1 - z;
    const base = (z - lo) * plane;
    for (let p = p0; p < p1; p++) {
      if (W && (p & 3) === 0 && p + 4 <= p1 && R[(p - pa) >> 2] === 0) {
        if (!hasByte(W[(base + p) >> 2], COLLECTOR_BYTES)) { p += 3; continue; }
      }
      if (L[base + p] === COLLECTOR) {
        // first contiguous run from the outer side (partial-volume collector-like voxels further
        // in, e.g. at thin-Li spots, do not move the inner face)
        let inRunNow = false;
        if (outer[p] === none) { outer[p] = inner[p] = k; inRun[p - pa] = 1; inRunNow = true; }
        else if (!runDone[p] && (fromFar ? inner[p] <= k + 1 + gapOf(p) : inner[p] >= k - 1 - gapOf(p))) { inner[p] = k; inRunNow = true; }
        else { runDone[p] = 1; inRun[p - pa] = 0; }
        if (inRunNow && twoMaterials && G[base + p] >= metalFrom) lastMetal[p] = k;
      } else if (outer[p] !== none && !runDone[p] && (fromFar ? inner[p] - k : k - inner[p]) > gapOf(p)) { runDone[p] = 1; inRun[p - pa] = 0; }
    }
  }
  return 0;
}

const COLLECTOR_BYTES = fourOf(COLLECTOR);

/**
 * Step 3: collector-class voxels past the first run and cathode-class voxels before the electrolyte
 * surface (or from the far run on) → OPEN; each column's electrolyte surface and back face. Returns
 * [collector voxels demoted, cathode voxels demoted, shells skipped].
 * `shell` (a metal collector): a metal face blurred against Li passes through the electrolyte's grey,
 * and where the Li is thin or gone that partial-volume sheet is one component with the electrolyte.
 * A run of ≤ TRANSITION electrolyte voxels right at the collector run (k ≤ collInner + TRANSITION)
 * followed by a voxel of another label is that sheet, not the electrolyte's surface: `pend` holds
 * the run's first k while undecided (−1 none, −2 a sheet was skipped), resolved when the run goes on
 * past TRANSITION (the surface) or meets another label (a sheet); a run still pending at the end of
 * the column is resolved by the caller (the surface). The same at the far collector for the back
 * face (`farShell`: a Li layer expected there): a run of electrolyte voxels begun within TRANSITION
 * of the far run right after a voxel of another label does not move it (`prevEl`: 0 another label, 1 electrolyte, 2 electrolyte of such a
 * sheet).
 */
export function electrolyteFacesCols(a: ColumnArgs & { collInner: Int32Array; elSurf: Int32Array; elBack: Int32Array; farInner: Int32Array; shell: boolean; farShell: boolean; pend: Int32Array; prevEl: Uint8Array }): number[] {
  const { labels: L, lo, p0, p1, collInner, elSurf, elBack, farInner, shell, farShell, pend, prevEl } = a;
  const [nz, ny, nx] = a.shape;
  const plane = ny * nx;
  let demoted = 0, demotedCam = 0, shells = 0;
  for (let s = 0; s < a.z1 - a.z0; s++) {
    const z = orientedSlice(a, s, false);
    const k = a.collectorAtStart ? z : nz - 1 - z;
    const base = (z - lo) * plane;
    for (let p = p0; p < p1; p++) {
      const l = L[base + p];
      const inside = k > collInner[p] && k < farInner[p];
      if (l === COLLECTOR && inside) {
        L[base + p] = OPEN;
        demoted++;
      } else if (l === CAM && (elSurf[p] === nz || k >= farInner[p])) {
        L[base + p] = OPEN;
        demotedCam++;
      }
      if (l === ELECTROLYTE && inside) {
        if (elSurf[p] === nz) {
          if (!shell) elSurf[p] = k;
          else if (pend[p] >= 0) { if (k - collInner[p] > TRANSITION) elSurf[p] = pend[p]; }
          else if (pend[p] === -1 && collInner[p] >= 0 && k - collInner[p] <= TRANSITION) pend[p] = k;
          else elSurf[p] = k;
        }
        // a run begun within TRANSITION of the far run, after a voxel of another label: the sheet there
        if (farShell && farInner[p] < nz && farInner[p] - k <= TRANSITION && prevEl[p] !== 1) prevEl[p] = 2;
        else {
          elBack[p] = k;
          if (shell) prevEl[p] = 1;
        }
      } else if (shell) {
        if (inside && pend[p] >= 0 && elSurf[p] === nz) { pend[p] = -2; shells++; }
        prevEl[p] = 0;
      }
    }
  }
  return [demoted, demotedCam, shells];
}

/**
 * Step 3, after electrolyteFacesCols skipped a metal face's partial-volume sheet: the sheet's
 * electrolyte voxels (between the collector run and the electrolyte surface, or between the back
 * face and the far run) → OPEN, for the nearest-mean rule (collector or Li by their grey). Returns
 * how many.
 */
export function sheetsToOpenCols(a: ColumnArgs & { collInner: Int32Array; elSurf: Int32Array; elBack: Int32Array; farInner: Int32Array; farShell: boolean }): number {
  const { labels: L, lo, p0, p1, collInner, elSurf, elBack, farInner, farShell } = a;
  const [nz, ny, nx] = a.shape;
  const plane = ny * nx;
  let opened = 0;
  for (let s = 0; s < a.z1 - a.z0; s++) {
    const z = orientedSlice(a, s, false);
    const k = a.collectorAtStart ? z : nz - 1 - z;
    const base = (z - lo) * plane;
    for (let p = p0; p < p1; p++) {
      if (L[base + p] !== ELECTROLYTE) continue;
      if ((k > collInner[p] && k < elSurf[p]) || (farShell && elSurf[p] < nz && k > elBack[p] && k < farInner[p])) {
        L[base + p] = OPEN;
        opened++;
      }
    }
  }
  return opened;
}

/** Per-column faces of the layout (columns.ts Columns): oriented k of each face per column p = y·nx + x. */
export interface ColumnTables {
  /** Collector run's outer / inner voxel (−1: none). */
  collOuter: Int32Array;
  collInner: Int32Array;
  /** First electrolyte voxel past the collector (nz: none) and the last one. */
  elSurf: Int32Array;
  elBack: Int32Array;
  /** Far collector run from the far end (nz: none). */
  farInner: Int32Array;
  farOuter: Int32Array;
  /** A Li layer beyond the electrolyte's far face (as requested). */
  farLayer: boolean;
}

/** Zone of column p at oriented k: 0 outside, 1 collector run, 2 layer, 3 inside the electrolyte, 4 far layer. */
export function zoneOf(t: ColumnTables, p: number, k: number): number {
  if (t.collOuter[p] >= 0 && k < t.collOuter[p]) return 0;
  if (k <= t.collInner[p]) return 1;
  if (k < t.elSurf[p]) return 2;
  if (!t.farLayer || k <= t.elBack[p]) return 3;
  if (k < t.farInner[p]) return 4;
  return k <= t.farOuter[p] ? 1 : 0;
}

/**
 * A voxel's fringe bin names the nearest bright phase only; in a layer a few voxels thin the phase on
 * the other side spills into it too: its shift at the voxel's distance along the column from that
 * phase (collector run or electrolyte surface, ≤ DMAX); bin b of column p at k.
 */
function otherSideShift(t: ColumnTables, shift: Float64Array, nz: number, p: number, k: number, b: number, zone: number): number {
  if (!b) return 0;
  if (zone === 2) {
    if (b <= DMAX) { const d = k - t.collInner[p]; return t.collOuter[p] >= 0 && d >= 1 && d <= DMAX ? shift[DMAX + d] : 0; }
    const d = t.elSurf[p] - k; return d >= 1 && d <= DMAX ? shift[d] : 0;
  }
  if (zone === 4) {
    if (b <= DMAX) { const d = t.farInner[p] - k; return t.farOuter[p] < nz && d >= 1 && d <= DMAX ? shift[DMAX + d] : 0; }
    const d = k - t.elBack[p]; return d >= 1 && d <= DMAX ? shift[d] : 0;
  }
  return 0;
}

/**
 * The column tables as an object of one fixed shape: kernels' argument objects differ in shape (each
 * kernel its own parameters), and zoneOf reading several of them per voxel went megamorphic.
 */
export const columnTables = (a: ColumnTables): ColumnTables => ({
  collOuter: a.collOuter, collInner: a.collInner, elSurf: a.elSurf, elBack: a.elBack, farInner: a.farInner, farOuter: a.farOuter, farLayer: a.farLayer,
});

/** Label bytes decideElectrodeSlab acts on: electrode voxels, and void or air still carrying a fringe bin. */
const ACTS = Uint8Array.from({ length: 256 }, (_, b) => ((b & 15) === ELECTRODE || (((b & 15) === VOID || (b & 15) === AIR) && b >> 4 !== 0) ? 1 : 0));

/** decideElectrodeSlab's in-plane buffers, kept by the thread from one slab to the next (one plane's worth, not one per slab). */
let scratch: { cg: Float64Array; dark: Uint8Array; zoneAt: Uint8Array; held: Int32Array } | null = null;
function planeScratch(plane: number): { cg: Float64Array; dark: Uint8Array; zoneAt: Uint8Array; held: Int32Array } {
  if (!scratch || scratch.cg.length !== plane) scratch = { cg: new Float64Array(plane), dark: new Uint8Array(plane), zoneAt: new Uint8Array(plane), held: new Int32Array(plane) };
  // as new: what a slab reads must not depend on which slab the thread ran before
  scratch.cg.fill(NaN);
  scratch.dark.fill(0);
  scratch.zoneAt.fill(0);
  return scratch;
}

/**
 * Step 6b, electrode-voxels.ts: layer voxels (rows of `lowRows`) → LI or VOID by the 3 × 3 in-plane
 * mean of the corrected grey (g − shift[bin], float32, minus the other side's shift) against `tVL`;
 * voxels below the electrolyte surface → CAND or a dark core (VOID | 1 << 4); VOID and AIR lose their
 * fringe bin; hasLi[p] = 1 for columns with near-layer Li. A slice reads and writes only itself.
 * Returns [Li, electrode void, dark cores, near-layer Li, far-layer Li].
 */
export function decideElectrodeSlab(a: SlabArgs & ColumnTables & { lowRows: Uint8Array; shift: Float64Array; tVL: number; collectorAtStart: boolean; hasLi: Uint8Array }): number[] {
  const { grey: G, labels: L, lo, z0, z1, lowRows, shift, tVL, hasLi } = a;
  const t = columnTables(a);
  const [nz, ny, nx] = a.shape;
  const plane = ny * nx;
  const W = wordsOf(L, nx);
  let liVox = 0, electrodeVoid = 0, cores = 0, liNear = 0, liFar = 0;
  // made at the first slice with low-density rows (most slabs have none)
  let cg: Float64Array | null = null, dark: Uint8Array | null = null, zoneAt: Uint8Array | null = null;
  // the slice's electrode voxels (in-plane places, raster order): they alone hold a value in cg
  // (the others are NaN) and a zone + 1 in zoneAt (the others 0), cleared at the next slice
  let held: Int32Array | null = null, nHeld = 0;
  for (let z = z0; z < z1; z++) {
    let low = 0;
    for (let r = z * ny; r < (z + 1) * ny && !low; r++) low = lowRows[r];
    if (!low) continue;
    if (!cg || !dark || !zoneAt || !held) ({ cg, dark, zoneAt, held } = planeScratch(plane));
    const k = a.collectorAtStart ? z : nz - 1 - z;
    const base = (z - lo) * plane;
    for (let j = 0; j < nHeld; j++) { cg[held[j]] = NaN; zoneAt[held[j]] = 0; }
    nHeld = 0;
    // each electrode voxel's zone and corrected grey once, before any electrode voxel is written
    // (the writes hide the fringe bins); void and air lose their bin here (no voxel reads it)
    for (let y = 0; y < ny; y++) {
      if (!lowRows[z * ny + y]) continue;
      const row = base + y * nx;
      for (let x = 0; x < nx; x++) {
        // four voxels of one byte with nothing to do (electrolyte, collector, a cleared void): skipped at once
        if (W && (x & 3) === 0) {
          const word = W[(row + x) >> 2];
          if (!ACTS[word & 255] && oneByteWord(word)) { x += 3; continue; }
        }
        const i = row + x, l = L[i];
        if (!ACTS[l]) continue;
        const s = l & 15;
        if (s !== ELECTRODE) { L[i] = s; continue; }
        const p = i - base;
        const zone = zoneOf(t, p, k);
        zoneAt[p] = zone + 1;
        cg[p] = Math.fround(G[i] - shift[l >> 4]) - otherSideShift(t, shift, nz, p, k, l >> 4, zone);
        held[nHeld++] = p;
      }
    }
    // the 3 × 3 in-plane means of the layer voxels
    for (let j = 0, y = -1, rowEnd = 0; j < nHeld; j++) {
      const p = held[j];
      while (p >= rowEnd) { y++; rowEnd += nx; }
      if (zoneAt[p] === 4 || cg[p] !== cg[p]) continue;
      const x = p - (rowEnd - nx);
      const up = y > 0, down = y < ny - 1, left = x > 0, right = x < nx - 1;
      // the neighbours in raster order (dy, then dx): the sum's rounding depends on its order
      let sum = 0, c = 0, v = 0;
      if (up) {
        const q = p - nx;
        if (left) { v = cg[q - 1]; if (v === v) { sum += v; c++; } }
        v = cg[q]; if (v === v) { sum += v; c++; }
        if (right) { v = cg[q + 1]; if (v === v) { sum += v; c++; } }
      }
      if (left) { v = cg[p - 1]; if (v === v) { sum += v; c++; } }
      sum += cg[p]; c++;
      if (right) { v = cg[p + 1]; if (v === v) { sum += v; c++; } }
      if (down) {
        const q = p + nx;
        if (left) { v = cg[q - 1]; if (v === v) { sum += v; c++; } }
        v = cg[q]; if (v === v) { sum += v; c++; }
        if (right) { v = cg[q + 1]; if (v === v) { sum += v; c++; } }
      }
      dark[p] = sum / c < tVL ? 1 : 0;
    }
    for (let j = 0; j < nHeld; j++) {
      const p = held[j], i = base + p;
      const zone = zoneAt[p] - 1;
      const inside = zone === 3;
      if (inside ? Math.fround(G[i] - shift[L[i] >> 4]) < tVL : dark[p]) {
        electrodeVoid++;
        if (inside) cores++;
        L[i] = inside ? VOID | (1 << 4) : VOID;
      } else if (inside) {
        L[i] = CAND;
      } else {
        L[i] = LI;
        liVox++;
        if (zone === 4) liFar++;
        // written once per column: both workers set the same columns from their own slices, and a
        // store to a shared line each Li voxel kept it moving between the cores
        else { liNear++; if (!hasLi[p]) hasLi[p] = 1; }
      }
    }
  }
  return [liVox, electrodeVoid, cores, liNear, liFar];
}
