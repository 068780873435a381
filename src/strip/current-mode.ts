/**
 * Current-aware stripping replay (`buried strip --mode current`).
 *
 * Instead of a uniform rate, each pixel loses Li at its local interface current density from the
 * 3D conduction solver (src/current) on the contact map of that step (contact = remaining Li > 0 and
 * not voided). To stay affordable the map is block-averaged onto a solve grid of at most
 * `solveGrid`² pixels (volume-conserving: each solve pixel keeps the Li volume and map area of its
 * block), the slab is resolved with `layers` layers, and consecutive solves are warm-started from the
 * previous potential. Time stepping: one solve per step (explicit in the current distribution), with
 * the step's duration chosen so the Li volume removed, Σ area·min(c·j_i, t_i), equals exactly the
 * uniform mode's step (solved for c by bisection on this monotone function), so both modes share
 * the same stripped-fraction axis. Optional voiding: with `jNominal` and `jVoid` (mA/cm²), a pixel
 * whose local stripping current j_i/ī·j_nominal exceeds j_void loses contact (void) and keeps its
 * remaining Li as dead Li; the step is re-solved until no new void appears (≤ 8 passes).
 */
import { runCurrent } from '../current/index.js';
import { islandsBruteForce } from './islands.js';
import type { StripRow } from './index.js';

export interface CurrentStripOptions {
  /** Target stripped fractions of the rows, non-decreasing, starting at 0 (the uniform rows' fractions). */
  fractions: number[];
  /** Extra exact fractions (reported separately and used for snapshots). */
  at?: number[];
  minIslandPixels?: number;
  /** Long side of the solve grid (default 64). */
  solveGrid?: number;
  /** Electrolyte slab thickness (µm); default: the map's smaller lateral size. */
  slabUm?: number;
  /** Layers across the slab (default: slab / solve pixel, clamped to [8, 64]). */
  layers?: number;
  sigmaMsPerCm?: number;
  sides?: 'periodic' | 'insulating';
  jNominalMaCm2?: number;
  jVoidMaCm2?: number;
  tol?: number;
  onStep?: (done: number, total: number) => void;
}

export interface CurrentStripRow extends StripRow {
  /** Percentiles / max of local current density over nominal on contact pixels. */
  j_p99: number;
  j_p999: number;
  j_max: number;
  voided_fraction: number;
  solver_iterations: number;
}

export interface CurrentStripResult {
  mode: 'current';
  rows: CurrentStripRow[];
  at_rows: CurrentStripRow[];
  /** Solve-grid state at each `at` fraction (for snapshots): remaining thickness, voided flags. */
  at_states: { remaining: Float32Array; voided: Uint8Array }[];
  grid: { ny: number; nx: number; block: number; pixel_um: number; nz: number; slab_um: number };
  summary: {
    total_solves: number;
    total_iterations: number;
    time_s: number;
    ended_early_at_fraction: number | null;
    solve_grid: string;
    time_stepping: string;
  };
}

export const CURRENT_EXTRA_COLUMNS = ['j_p99', 'j_p999', 'j_max', 'voided_fraction', 'solver_iterations'];

/** Block-average a map onto a coarser grid, keeping Li volume and map area per block. */
export function blockAverage(t: ArrayLike<number>, ny: number, nx: number, block: number): { rem: Float64Array; area: Float64Array; ny: number; nx: number } {
  const cny = Math.ceil(ny / block);
  const cnx = Math.ceil(nx / block);
  const vol = new Float64Array(cny * cnx);
  const area = new Float64Array(cny * cnx);
  for (let y = 0; y < ny; y++)
    for (let x = 0; x < nx; x++) {
      const v = t[y * nx + x];
      if (!(v >= 0)) continue;
      const b = ((y / block) | 0) * cnx + ((x / block) | 0);
      vol[b] += v;
      area[b] += 1;
    }
  const rem = new Float64Array(cny * cnx);
  for (let b = 0; b < rem.length; b++) rem[b] = area[b] > 0 ? vol[b] / area[b] : NaN;
  return { rem, area, ny: cny, nx: cnx };
}

export function stripCurrent(t: ArrayLike<number>, ny: number, nx: number, pixelUm: number, o: CurrentStripOptions): CurrentStripResult {
  const t0 = performance.now();
  const solveGrid = o.solveGrid ?? 64;
  const block = Math.max(1, Math.ceil(Math.max(ny, nx) / solveGrid));
  const g = blockAverage(t, ny, nx, block);
  const cpx = pixelUm * block;
  const slab = o.slabUm ?? Math.min(ny, nx) * pixelUm;
  const nz = o.layers ?? Math.min(64, Math.max(8, Math.round(slab / cpx)));
  const nb = g.ny * g.nx;
  const { rem, area } = g;
  const voided = new Uint8Array(nb);
  let totalArea = 0;
  let totalVol = 0;
  for (let b = 0; b < nb; b++) {
    if (area[b] > 0) {
      totalArea += area[b];
      totalVol += area[b] * rem[b];
    }
  }
  const at = o.at ?? [];
  type Target = { f: number; row: boolean; atPos: number };
  const targets: Target[] = [...o.fractions.map((f) => ({ f, row: true, atPos: -1 })), ...at.map((f, i) => ({ f, row: false, atPos: i }))];
  targets.sort((a, b) => a.f - b.f);
  const rows: CurrentStripRow[] = [];
  const atRows: CurrentStripRow[] = new Array(at.length);
  const atStates: { remaining: Float32Array; voided: Uint8Array }[] = new Array(at.length);
  let removed = 0;
  let phi: Float64Array | undefined;
  let solves = 0;
  let iters = 0;
  let endedAt: number | null = null;
  const contact = new Uint8Array(nb);
  const jrel = new Float64Array(nb);

  const solve = (): { iterations: number; p99: number; p999: number; max: number; any: boolean } => {
    let any = false;
    for (let b = 0; b < nb; b++) {
      contact[b] = area[b] > 0 && rem[b] > 0 && !voided[b] ? 1 : 0;
      any ||= contact[b] === 1;
    }
    jrel.fill(0);
    if (!any) return { iterations: 0, p99: 0, p999: 0, max: 0, any };
    const r = runCurrent(contact, g.ny, g.nx, cpx, cpx, {
      thicknessUm: slab,
      layers: nz,
      sigmaMsPerCm: o.sigmaMsPerCm ?? 2,
      sides: o.sides ?? 'insulating',
      tol: o.tol ?? 1e-6,
      solve: phi ? { x0: phi } : undefined,
      // only the current distribution is used here, not the resistance: skip the refined correction solve
      extrapolate: false,
    });
    phi = r.solution.phi;
    solves++;
    iters += r.summary.solver.iterations;
    // j relative to the nominal current over the *map* area (blocks outside the map carry nothing)
    const scale = totalArea / (nb * block * block) || 1;
    for (let b = 0; b < nb; b++) jrel[b] = r.density[b] * scale;
    const h = r.summary.hotspots;
    return { iterations: r.summary.solver.iterations, p99: h.p99 * scale, p999: h.p999 * scale, max: h.max * scale, any };
  };

  const record = (step: number, f: number, s: { iterations: number; p99: number; p999: number; max: number }): CurrentStripRow => {
    let act = 0;
    let vo = 0;
    for (let b = 0; b < nb; b++) {
      if (contact[b]) act += area[b];
      if (voided[b]) vo += area[b];
    }
    const isl = islandsBruteForce(contact, g.ny, g.nx, 0, o.minIslandPixels ?? 1);
    const active = totalArea ? act / totalArea : 0;
    return {
      step,
      stripped_fraction: f,
      active_fraction: active,
      current_multiplier: active > 0 ? 1 / active : Infinity,
      islands: isl.islands,
      removed_depth_um: totalArea ? removed / totalArea : 0,
      largest_island_px: isl.largest_island_px,
      median_island_px: isl.median_island_px,
      islands_ge_min: isl.islands_ge_min,
      j_p99: s.p99,
      j_p999: s.p999,
      j_max: s.max,
      voided_fraction: totalArea ? vo / totalArea : 0,
      solver_iterations: s.iterations,
    };
  };

  let cur = solve();
  const applyVoids = () => {
    if (o.jNominalMaCm2 === undefined || o.jVoidMaCm2 === undefined) return;
    const thr = o.jVoidMaCm2 / o.jNominalMaCm2;
    for (let pass = 0; pass < 8; pass++) {
      let fresh = 0;
      for (let b = 0; b < nb; b++) if (contact[b] && jrel[b] > thr) ((voided[b] = 1), fresh++);
      if (!fresh) return;
      cur = solve();
    }
  };
  applyVoids();
  let done = 0;
  for (const tg of targets) {
    const target = tg.f * totalVol;
    let need = target - removed;
    if (need > 0 && endedAt === null) {
      // volume removed for a step "duration" c: Σ area·min(c·j, rem)
      let avail = 0;
      for (let b = 0; b < nb; b++) if (contact[b]) avail += area[b] * rem[b];
      if (avail <= need * (1 + 1e-12)) {
        for (let b = 0; b < nb; b++) if (contact[b]) rem[b] = 0;
        removed += avail;
        need = 0;
      } else {
        // exact step duration c: Σ area·min(c·j, rem) is piecewise linear in c with breakpoints
        // c_b = rem_b / j_b; walk them in ascending order
        const ids: number[] = [];
        for (let b = 0; b < nb; b++) if (contact[b] && jrel[b] > 0) ids.push(b);
        ids.sort((p, q) => rem[p] / jrel[p] - rem[q] / jrel[q]);
        let slope = 0; // Σ area·j of pixels not yet depleted
        for (const b of ids) slope += area[b] * jrel[b];
        let gone = 0; // Σ area·rem of depleted pixels
        let c = 0;
        let k = 0;
        for (; k < ids.length; k++) {
          const b = ids[k];
          const cb = rem[b] / jrel[b];
          if (gone + cb * slope >= need) break;
          gone += area[b] * rem[b];
          slope -= area[b] * jrel[b];
        }
        c = slope > 0 ? (need - gone) / slope : 0;
        for (let m = 0; m < ids.length; m++) {
          const b = ids[m];
          if (m < k) rem[b] = 0;
          else rem[b] = Math.max(0, rem[b] - c * jrel[b]);
        }
        removed = target;
      }
      cur = solve();
      applyVoids();
      if (!cur.any && endedAt === null && removed / totalVol < 1 - 1e-9) endedAt = removed / totalVol;
    }
    const fNow = totalVol ? removed / totalVol : 0;
    const row = record(tg.row ? rows.length : tg.atPos, endedAt !== null ? fNow : tg.f, cur);
    if (tg.row) rows.push(row);
    else {
      atRows[tg.atPos] = row;
      const remaining = new Float32Array(nb);
      for (let b = 0; b < nb; b++) remaining[b] = area[b] > 0 ? (voided[b] ? 0 : rem[b]) : NaN;
      atStates[tg.atPos] = { remaining, voided: voided.slice() };
    }
    o.onStep?.(++done, targets.length);
  }
  return {
    mode: 'current',
    rows,
    at_rows: atRows,
    at_states: atStates,
    grid: { ny: g.ny, nx: g.nx, block, pixel_um: cpx, nz, slab_um: slab },
    summary: {
      total_solves: solves,
      total_iterations: iters,
      time_s: (performance.now() - t0) / 1000,
      ended_early_at_fraction: endedAt,
      solve_grid: `${g.ny}×${g.nx}×${nz} (block ${block} px, ${cpx.toPrecision(4)} µm pixels, slab ${slab.toPrecision(4)} µm)`,
      time_stepping: 'one warm-started solve per step; step duration set so the removed Li volume equals the uniform step exactly (exact: Σ area·min(c·j, t) is piecewise linear in c)',
    },
  };
}
