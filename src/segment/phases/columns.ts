/**
 * Step 3: the layout per column (y, x), in oriented z (k = 0 at the collector end): the collector run
 * from the outer side, the electrolyte's surface and back face, and (two-ended layouts) the far
 * collector run. A voxel's zone follows: outside (beyond a collector), in a collector run, the layer
 * between collector and electrolyte, inside the electrolyte, or the far layer beyond its far face.
 * The collector is one layer on one side: collector-class voxels past a column's first run, and
 * cathode-class voxels before the electrolyte surface (partial volume of metal faces), go back to
 * undecided.
 * Complexity: two or three O(N) label passes (slab-kernels.ts column kernels, ranges of columns on
 * the workers); per-column tables of ny × nx int32.
 */
import { endFraction } from './class-stats.js';
import { FRINGE_GAP, TRANSITION } from './codes.js';
import { zoneOf, type ColumnTables } from './layout-kernels.js';
import { runColumnKernel } from './slab-parallel.js';
import type { ClassPlan, StepContext } from './types.js';

/** Zone of a voxel (zoneAt). */
export const ZONE_OUTSIDE = 0, ZONE_COLLECTOR = 1, ZONE_LAYER = 2, ZONE_INSIDE = 3, ZONE_FAR_LAYER = 4;

/** The per-column faces (layout-kernels.ts ColumnTables) with the orientation and the zone rule. */
export interface Columns extends ColumnTables {
  collectorAtStart: boolean;
  /** Oriented z of array slice z (0 at the collector end). */
  oz: (z: number) => number;
  /** Whether the data show a Li layer beyond the electrolyte's far face (`farLayer`: as requested). */
  farLayerInData: boolean;
  /** Zone of column p at oriented k: 0 outside, 1 collector run, 2 layer, 3 inside the electrolyte, 4 far layer. */
  zoneAt: (p: number, k: number) => number;
  /** Zones of slice z: the zone of in-plane position p. */
  zonesOfSlice: (z: number) => (p: number) => number;
}

export const isLayer = (zone: number): boolean => zone === ZONE_LAYER || zone === ZONE_FAR_LAYER;

/**
 * Which end the collector is at: its layer's end; with none in view, the end opposite a composite
 * cathode (the Li side of a full cell), else the end where the electrolyte dominates less (its 10 %
 * band: with a thin Li foil and a deep separator both ends can be mostly electrolyte, so the cathode,
 * when there is one, decides).
 */
export function collectorAtStartOf(plan: ClassPlan, f3: Float64Array[]): boolean {
  if (plan.slab) return plan.slab.end === 'start';
  if (plan.cathodeEnd) return plan.cathodeEnd === 'end';
  return endFraction(f3, plan.electrolyteClass, 'end') >= endFraction(f3, plan.electrolyteClass, 'start');
}

export async function columnLayout(ctx: StepContext, plan: ClassPlan, f3: Float64Array[]): Promise<Columns> {
  const { options, nz, plane } = ctx;
  const collectorAtStart = collectorAtStartOf(plan, f3);
  const oz = (z: number) => (collectorAtStart ? z : nz - 1 - z);
  // shared: slab kernels read them on the workers (slab-kernels.ts)
  const table = (v: number) => new Int32Array(new SharedArrayBuffer(4 * plane)).fill(v);
  const collOuter = table(-1);
  const collInner = table(-1);
  const elSurf = table(nz);
  const elBack = table(nz - 1);
  const farInner = table(nz);
  const farOuter = table(nz);
  const twoCollectors = plan.endSlabs.length === 2;
  // a Li layer beyond the electrolyte's far face: collectors at both ends, or low density dominating
  // the far end (symmetric cell cropped inside its Li foils) — in the 10 % band or, as a foil of
  // fixed thickness is a smaller part of a deeper stack (512 slices: 46 % of the 10 % band), in the
  // outer 2.5 % — not where a composite cathode ends the stack (air beyond it is low density too);
  // a requested layout decides it
  const farEnd = collectorAtStart ? 'end' : 'start';
  const lowAtFar = plan.cathodeEnd !== farEnd && (endFraction(f3, 0, farEnd) >= 0.5 || endFraction(f3, 0, farEnd, 0.025) >= 0.5);
  const farLayerInData = twoCollectors || lowAtFar;
  const wantLayout = options.layout ?? 'auto';
  const farLayer = wantLayout === 'symmetric' ? true : wantLayout !== 'auto' ? false : farLayerInData;
  const faces: ColumnFaces = { collectorAtStart, oz, collOuter, collInner, elSurf, elBack, farInner, farOuter };
  // a collector of two materials (metal plunger | carbon foil) has partial-volume voxels of other
  // classes between them: gaps up to TRANSITION stay in the run; one material: no gap (a thin Li
  // layer must not be bridged to collector-grey partial volume further in)
  const twoMaterials = plan.collectorMaterialLevels.length === 2;
  const runGap = twoMaterials ? TRANSITION : 0;
  // metal voxels: the 4-class split's brightest class (collector.ts collectorBehindPlunger)
  const metalFrom = twoMaterials ? plan.thresholds[plan.thresholds.length - 1] : Infinity;
  await collectorRuns(ctx, faces, runGap, metalFrom, twoCollectors);
  // a metal collector (one material): its face blurred against thin Li passes through the electrolyte's grey
  const shell = plan.collectorKind === 'metal' && !twoMaterials;
  await electrolyteFaces(ctx, faces, shell, shell && farLayer);
  const tables = { collOuter, collInner, elSurf, elBack, farInner, farOuter, farLayer };
  const zoneAt = (p: number, k: number): number => zoneOf(tables, p, k);
  const zonesOfSlice = (z: number) => {
    const k = oz(z);
    return (p: number) => zoneAt(p, k);
  };
  return { collectorAtStart, oz, collOuter, collInner, elSurf, elBack, farInner, farOuter, farLayer, farLayerInData, zoneAt, zonesOfSlice };
}

/** The per-column tables, filled by the passes below. */
type ColumnFaces = Pick<Columns, 'collectorAtStart' | 'oz' | 'collOuter' | 'collInner' | 'elSurf' | 'elBack' | 'farInner' | 'farOuter'>;

/**
 * The first collector run of each column from the collector end, and (two collectors) from the far
 * end (column ranges on the workers). Behind a metal plunger (`metalFrom` finite) the run bridges
 * the steel face's fringe to the carbon foil (FRINGE_GAP), which needs the grey.
 */
async function collectorRuns(ctx: StepContext, faces: ColumnFaces, runGap: number, metalFrom: number, twoCollectors: boolean): Promise<void> {
  const { store, backend, shape, plane } = ctx;
  const { collectorAtStart, collOuter, collInner, farInner, farOuter } = faces;
  const runDone = new Uint8Array(new SharedArrayBuffer(plane));
  const grey = metalFrom < Infinity;
  const lastMetal = new Int32Array(new SharedArrayBuffer(grey ? 4 * plane : 0));
  const fringe = { metalFrom, fringeGap: FRINGE_GAP, lastMetal };
  lastMetal.fill(-1);
  await store.sweep({ labels: 'read', grey, descending: !collectorAtStart }, async (w) => {
    await runColumnKernel(backend, w, shape, 'collectorRunsCols', { collectorAtStart, fromFar: false, runGap, outer: collOuter, inner: collInner, runDone, ...fringe });
  });
  if (!twoCollectors) return;
  runDone.fill(0);
  lastMetal.fill(ctx.nz);
  await store.sweep({ labels: 'read', grey, descending: collectorAtStart }, async (w) => {
    await runColumnKernel(backend, w, shape, 'collectorRunsCols', { collectorAtStart, fromFar: true, runGap, outer: farOuter, inner: farInner, runDone, ...fringe });
  });
}

/**
 * The collector is one layer on one side: collector-class voxels past the first run of a column
 * (a porous electrolyte band whose partial-volume grey looks like carbon, reached through Li-free
 * columns) are not collector; they are decided later by the half-way rule like other undecided
 * voxels. Same pass: the electrolyte surface of each column (first electrolyte voxel past the
 * collector) and its back face. Also: cathode-class voxels before the electrolyte surface or from
 * the far collector run on are the partial volume of metal faces (steel | air, steel | Li edges blur
 * through the NMC grey), not the composite, which lies beyond the electrolyte surface: left
 * undecided too.
 */
async function electrolyteFaces(ctx: StepContext, faces: ColumnFaces, shell: boolean, farShell: boolean): Promise<void> {
  const { store, backend, decisions, shape, plane, nz } = ctx;
  const { collectorAtStart, collInner, elSurf, elBack, farInner } = faces;
  let demoted = 0, demotedCam = 0, sheets = 0;
  const pend = new Int32Array(new SharedArrayBuffer(shell ? 4 * plane : 0)).fill(-1);
  const prevEl = new Uint8Array(new SharedArrayBuffer(shell ? plane : 0));
  await store.sweep({ labels: 'write', descending: !collectorAtStart }, async (w) => {
    for (const [d, dc, sh] of await runColumnKernel(backend, w, shape, 'electrolyteFacesCols', { collectorAtStart, collInner, elSurf, elBack, farInner, shell, farShell, pend, prevEl })) {
      demoted += d;
      demotedCam += dc;
      sheets += sh;
    }
  });
  if (shell) {
    // a run still pending where its column ended: the electrolyte's surface after all
    for (let p = 0; p < plane; p++) if (elSurf[p] === nz && pend[p] >= 0) elSurf[p] = pend[p];
    let opened = 0;
    await store.sweep({ labels: 'write', descending: !collectorAtStart }, async (w) => {
      for (const n of await runColumnKernel(backend, w, shape, 'sheetsToOpenCols', { collectorAtStart, collInner, elSurf, elBack, farInner, farShell })) opened += n;
    });
    if (opened) decisions.push({ step: 'metal face sheet', decision: `${opened} electrolyte-grey voxels in a sheet of ≤ ${TRANSITION} voxels at the metal collector's face, followed by low density (${sheets} columns near the collector), are the face's partial volume against thin Li, not the electrolyte's surface: left undecided`, evidence: { voxels: opened, columns: sheets } });
  }
  if (demoted) decisions.push({ step: 'collector layer', decision: `${demoted} collector-class voxels beyond the first collector run of their column left undecided (the collector is a single layer)` });
  if (demotedCam) decisions.push({ step: 'cathode layer', decision: `${demotedCam} cathode-class voxels before the electrolyte surface or in and beyond the far metal layer left undecided (partial volume of metal faces; the composite lies beyond the electrolyte surface)` });
}
