/**
 * Step 6c: air at an end with no collector in view (a Li foil or the electrolyte ends inside the
 * scan). The void run from the volume's face inward, per column, is outside the cell — taken only
 * at an end where at least half of the columns start with void (else a pore touching the face stays
 * a pore). The face test (`openFace`) is shared with step 5 (fringe.ts: air beyond a Li face).
 * Complexity: per end, one read of the edge slice and a walk in from it that stops when every
 * column has left the void run.
 */
import { OUTSIDE, VOID } from './codes.js';
import type { Columns } from './columns.js';
import type { StepContext } from './types.js';

/** Whether column p has no collector at `end` of z (no collector run from that side). */
function noCollectorAt(columns: Columns, end: 'start' | 'end', nz: number): (p: number) => boolean {
  const { collectorAtStart, collOuter, farOuter } = columns;
  const fromCollectorSide = (end === 'start') === collectorAtStart; // oriented k = 0 side
  return fromCollectorSide ? (p) => collOuter[p] < 0 : (p) => farOuter[p] === nz;
}

/**
 * Whether at least half of the columns have no collector at `end` and a face voxel whose label byte
 * passes `test`: an open face (step 6c: void there; fringe.ts, step 5: any low-density state).
 */
export async function openFace(ctx: StepContext, columns: Columns, end: 'start' | 'end', test: (label: number) => boolean): Promise<boolean> {
  const { store, nz, plane } = ctx;
  const noCollector = noCollectorAt(columns, end, nz);
  const zEdge = end === 'start' ? 0 : nz - 1;
  let count = 0;
  await store.sweep({ labels: 'read', needed: (z0, z1) => zEdge >= z0 && zEdge < z1 }, (w) => {
    const base = (zEdge - w.lo) * plane;
    for (let p = 0; p < plane; p++) if (test(w.labels[base + p]) && noCollector(p)) count++;
  });
  return count >= 0.5 * plane;
}

export async function airAtOpenEnds(ctx: StepContext, columns: Columns): Promise<void> {
  const { store, nz, plane } = ctx;
  const airAt: Record<'start' | 'end', number> = { start: 0, end: 0 };
  for (const end of ['start', 'end'] as const) {
    const noCollector = noCollectorAt(columns, end, nz);
    if (!(await openFace(ctx, columns, end, (l) => l === VOID))) continue;
    const open = new Uint8Array(plane);
    for (let p = 0; p < plane; p++) open[p] = noCollector(p) ? 1 : 0;
    let left = plane;
    await store.sweep({ labels: 'write', descending: end === 'end' }, (w) => {
      for (let s2 = 0; s2 < w.z1 - w.z0 && left; s2++) {
        const z = end === 'start' ? w.z0 + s2 : w.z1 - 1 - s2;
        const base = (z - w.lo) * plane;
        for (let p = 0; p < plane; p++) {
          if (!open[p]) continue;
          if (w.labels[base + p] === VOID) { w.labels[base + p] = OUTSIDE; airAt[end]++; }
          else { open[p] = 0; left--; }
        }
      }
      return left === 0;
    });
  }
  if (airAt.start || airAt.end) ctx.decisions.push({ step: 'air', decision: `void runs from the volume's faces with no collector in view → outside the cell (code 5): ${airAt.start} voxels at the start of z, ${airAt.end} at the end`, evidence: airAt });
}
