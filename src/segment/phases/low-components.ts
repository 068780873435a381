/**
 * Step 4: the low-density voxels (void + Li: Li is nearly transparent) as 26-connected components,
 * placed by layout: voxels per component in each zone (columns.ts). Components with a real share
 * (≥ 25 %) in the layer between collector and electrolyte (or the far layer) → the Li electrode
 * (with its filaments and interfacial voids; working state ELECTRODE, split by grey level in step 6);
 * components mostly beyond a collector → air outside the cell; the rest (inclusions in the
 * electrolyte) → pores.
 * Complexity: one components pass O(N α(N)) and one write pass; ≈ 40 bytes per component.
 */
import type { ComputeBackend } from '../../compute/types.js';
import { slabComponents, type ChannelSpec, type ComponentsScratch } from '../slab-components.js';
import type { PhaseStore } from '../store.js';
import { classMask, type ClassMask } from './class-masks.js';
import { paintTarget } from './components.js';
import { AIR, ELECTRODE, OPEN, VOID } from './codes.js';
import type { Columns } from './columns.js';
import type { ClassPlan, StepContext } from './types.js';

export interface LowRoles {
  /** Voxels and components per role (index 1 electrode, 2 outside air, 3 pore, 4 a pocket inside the collector run). */
  roleVoxels: number[];
  roleCount: number[];
  /** lowRows[z·ny + y] is set for the rows (z, y) that hold a low-density voxel. */
  lowRows: Uint8Array;
}

export async function lowDensityRoles(ctx: StepContext, plan: ClassPlan, columns: Columns, scratch: ComponentsScratch): Promise<LowRoles> {
  const { store, backend, progress, lap, nz, ny, slabDepth } = ctx;
  progress('components', 2, 3);
  store.releaseWindows();
  // Rows (z, y) holding a low-density voxel: the passes of steps 5 and 6 act on low-density voxels
  // only (nothing else becomes one before step 7), so they skip every other row — most of a cell
  // is electrolyte, with the low density in the air, the Li layer and sparse pores.
  // (shared: the slab kernels of steps 5, 6 read it on the workers)
  const lowRows = new Uint8Array(new SharedArrayBuffer(nz * ny));
  const { roleVoxels, roleCount } = await lowComponentRoles(store, backend, slabDepth, scratch, classMask(store, plan.thresholds, [0], backend), columns.zonesOfSlice, lowRows, zoneSpec(columns, nz));
  lap('low_components');
  return { roleVoxels, roleCount, lowRows };
}

/** The zones of the column layout as data for the workers (components-kernels.ts: the comparisons of columns.ts zoneAt). */
export function zoneSpec(c: Columns, nz: number): ChannelSpec {
  const { collectorAtStart, farLayer, collOuter, collInner, elSurf, elBack, farInner, farOuter } = c;
  return { kind: 'zones', nz, collectorAtStart, farLayer, collOuter, collInner, elSurf, elBack, farInner, farOuter };
}

/**
 * Low-density 26-connected components by layout: zone counts per component (outside, in the
 * collector run, layer, inside the electrolyte), then each voxel's role written (ELECTRODE for the
 * Li electrode's components, VOID for air and pores). A function of its own so the per-component
 * tables (≈ 40 bytes per component; tens of millions on large scans) are garbage once it returns.
 * `lowRows[z·ny + y]` is set for the rows (z, y) that hold a low-density voxel.
 */
export async function lowComponentRoles(
  store: PhaseStore, backend: ComputeBackend, slabDepth: number, scratch: ComponentsScratch,
  mask: ClassMask, zonesOfSlice: (z: number) => (p: number) => number, lowRows: Uint8Array, channelSpec?: ChannelSpec,
): Promise<{ roleVoxels: number[]; roleCount: number[] }> {
  const low = await slabComponents({ backend, shape: store.shape, connectivity: 26, slabDepth, scratch, ...mask, channels: 5, channelOfSlice: zonesOfSlice, channelSpec });
  const zone = (zi: number, c: number) => low.stats[zi * (low.count + 1) + c]; // out, inColl, layer, inside, far layer
  // role: 1 electrode, 2 outside air, 3 pore, 4 inside the collector run
  const role = new Uint8Array(low.count + 1);
  const roleVoxels = [0, 0, 0, 0, 0];
  const roleCount = [0, 0, 0, 0, 0];
  for (let c = 1; c <= low.count; c++) {
    const size = low.sizes[c];
    // a pocket enclosed in the collector run (none of it beyond the collector or in the electrolyte):
    // a metal face's dark fringe or partial volume, left for the nearest-mean rule, not air
    const r = zone(2, c) + zone(4, c) >= 0.25 * size ? 1 : zone(0, c) === 0 && zone(3, c) === 0 && zone(1, c) > 0 ? 4 : zone(0, c) + zone(1, c) >= zone(3, c) ? 2 : 3;
    role[c] = r;
    roleVoxels[r] += size;
    roleCount[r]++;
  }
  const codeOfRole = [VOID, ELECTRODE, AIR, VOID, OPEN];
  const codes = new Uint8Array(low.count + 1);
  for (let c = 1; c <= low.count; c++) codes[c] = codeOfRole[role[c]];
  await low.paint(codes, paintTarget(store, lowRows));
  return { roleVoxels, roleCount };
}
