/**
 * Label clean-up: islands (26-connected components of one label) smaller than `minIslandVoxels` take
 * the majority label of their 6-neighbours outside the island; optional hole filling per label
 * (6-connected components of "not this label" that do not touch the volume border and are enclosed
 * by this label only).
 */
import type { ComputeBackend } from '../compute/types.js';
import type { Shape3 } from '../io/volume.js';

export interface CleanupReport {
  min_island_voxels: number;
  islands_removed: Record<string, number>;
  voxels_relabelled: Record<string, number>;
  fill_holes: boolean;
  holes_filled_voxels: Record<string, number>;
}

/** The report of a clean-up that changed nothing (what cleanup returns when both steps are off). */
export function emptyCleanupReport(minIsland: number, fillHoles: boolean): CleanupReport {
  return { min_island_voxels: minIsland, islands_removed: {}, voxels_relabelled: {}, fill_holes: fillHoles, holes_filled_voxels: {} };
}

/** Whether cleanup would change anything (both steps off by default). */
export function cleanupActive(minIsland: number, fillHoles: boolean): boolean {
  return minIsland > 1 || fillHoles;
}

export async function cleanup(labels: Uint8Array, shape: Shape3, backend: ComputeBackend, K: number, minIsland: number, fillHoles: boolean): Promise<CleanupReport> {
  const report = emptyCleanupReport(minIsland, fillHoles);
  if (!cleanupActive(minIsland, fillHoles)) return report;
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const n = labels.length;
  const mask = new Uint8Array(n);
  if (minIsland > 1) {
    for (let p = 0; p < K; p++) {
      let any = false;
      for (let i = 0; i < n; i++) {
        const m = labels[i] === p ? 1 : 0;
        mask[i] = m;
        if (m) any = true;
      }
      if (!any) continue;
      const cc = await backend.connectedComponents(mask, shape, 26);
      const small = new Uint8Array(cc.count + 1);
      let nSmall = 0;
      for (let c = 1; c <= cc.count; c++) if (cc.sizes[c] < minIsland) { small[c] = 1; nSmall++; }
      if (!nSmall) continue;
      // Neighbour label tallies per small component.
      const tally = new Map<number, Float64Array>();
      for (let z = 0; z < nz; z++)
        for (let y = 0; y < ny; y++)
          for (let x = 0; x < nx; x++) {
            const i = z * plane + y * nx + x;
            const c = cc.labels[i];
            if (!c || !small[c]) continue;
            let t = tally.get(c);
            if (!t) tally.set(c, (t = new Float64Array(256)));
            if (x > 0 && labels[i - 1] !== p) t[labels[i - 1]]++;
            if (x < nx - 1 && labels[i + 1] !== p) t[labels[i + 1]]++;
            if (y > 0 && labels[i - nx] !== p) t[labels[i - nx]]++;
            if (y < ny - 1 && labels[i + nx] !== p) t[labels[i + nx]]++;
            if (z > 0 && labels[i - plane] !== p) t[labels[i - plane]]++;
            if (z < nz - 1 && labels[i + plane] !== p) t[labels[i + plane]]++;
          }
      const target = new Int16Array(cc.count + 1).fill(-1);
      for (const [c, t] of tally) {
        let best = -1, bestN = 0;
        for (let l = 0; l < 256; l++) if (t[l] > bestN) { bestN = t[l]; best = l; }
        target[c] = best;
      }
      let moved = 0, removed = 0;
      for (const [c] of tally) if (target[c] >= 0) removed++;
      for (let i = 0; i < n; i++) {
        const c = cc.labels[i];
        if (c && small[c] && target[c] >= 0) {
          labels[i] = target[c];
          moved++;
        }
      }
      report.islands_removed[String(p)] = removed;
      report.voxels_relabelled[String(p)] = moved;
    }
  }
  if (fillHoles) {
    for (let p = 0; p < K; p++) {
      for (let i = 0; i < n; i++) mask[i] = labels[i] !== p ? 1 : 0;
      const cc = await backend.connectedComponents(mask, shape, 6);
      const touches = new Uint8Array(cc.count + 1);
      for (let z = 0; z < nz; z++)
        for (let y = 0; y < ny; y++)
          for (let x = 0; x < nx; x++) {
            if (z > 0 && z < nz - 1 && y > 0 && y < ny - 1 && x > 0 && x < nx - 1) {
              x = nx - 2; // skip interior of the row
              continue;
            }
            touches[cc.labels[z * plane + y * nx + x]] = 1;
          }
      let filled = 0;
      for (let i = 0; i < n; i++) {
        const c = cc.labels[i];
        if (c && !touches[c]) {
          labels[i] = p;
          filled++;
        }
      }
      report.holes_filled_voxels[String(p)] = filled;
    }
  }
  return report;
}
