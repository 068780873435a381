/**
 * Step 2: the main collector and electrolyte components, and the cathode's voxels. The collector is
 * the largest 26-connected component of its class(es) in each end layer; the electrolyte the largest
 * component of its class. Other bright-class voxels (partial volume at interfaces, e.g.
 * Li | electrolyte edges that look like carbon) are left undecided (OPEN) for the later steps.
 * Components run slab by slab (slab-components.ts) and never hold a full-volume label array;
 * membership is written on a second pass, skipped when the class is one component.
 * Complexity: one components pass per phase, O(N α(N)), plus one write pass.
 */
import { componentsScratch, slabComponents, type ChannelSpec, type ComponentsScratch, type PaintTarget } from '../slab-components.js';
import { channelOfSliceFromSpec } from '../components-kernels.js';
import { MemoryStore, type PhaseStore } from '../store.js';
import { classMask } from './class-masks.js';
import { runSlabKernel } from './slab-parallel.js';
import { CAM, COLLECTOR, ELECTROLYTE, OPEN, TRANSITION } from './codes.js';
import type { ClassPlan, StepContext } from './types.js';

type Components = Awaited<ReturnType<typeof slabComponents>>;

/** Where a components pass paints: the in-memory label volume itself (on the workers), else slab edits. */
export function paintTarget(store: PhaseStore, lowRows?: Uint8Array): PaintTarget {
  return { volume: store instanceof MemoryStore ? store.labels : null, edit: (z0, z1, fn) => store.editLabels(z0, z1, fn), lowRows };
}

/** Channel per slice: the first range [z0, z1] (inclusive) holding it, −1 none. */
function sliceChannels(nz: number, ranges: readonly (readonly [number, number] | null)[]): { channels: number; channelSpec: ChannelSpec; channelOfSlice: (z: number) => number | ((p: number) => number) } {
  const ofSlice = new Int8Array(nz).fill(-1);
  for (let z = 0; z < nz; z++) for (let e = 0; e < ranges.length; e++) { const r = ranges[e]; if (r && z >= r[0] && z <= r[1]) { ofSlice[z] = e; break; } }
  const channelSpec: ChannelSpec = { kind: 'slices', ofSlice };
  return { channels: ranges.length, channelSpec, channelOfSlice: channelOfSliceFromSpec(channelSpec) };
}

/**
 * For each statistics channel 0..K−1 of a components result (voxels per channel per component), the
 * component with the most voxels in it, when it has any; their sizes are appended to `sizes`.
 */
function mostInEachChannel(cc: { count: number; stats: Float64Array; sizes: Float64Array }, K: number, sizes: number[]): Set<number> {
  const keep = new Set<number>();
  const row = cc.count + 1;
  for (let e = 0; e < K; e++) {
    let best = 0;
    for (let c = 1; c <= cc.count; c++) if (best === 0 || cc.stats[e * row + c] > cc.stats[e * row + best]) best = c;
    if (best && cc.stats[e * row + best] > 0) {
      keep.add(best);
      sizes.push(cc.sizes[best]);
    }
  }
  return keep;
}

/**
 * Set `code` on voxels of classes `cs` that belong to a component in `keep`. When the class is one
 * component, a sweep over the grey sets it on all of them instead, unless the pass paints on the
 * workers from its spilled runs (cheaper than classifying every voxel again).
 */
async function keepComponent(ctx: StepContext, plan: ClassPlan, cc: Components, cs: number[], keep: ReadonlySet<number>, code: number): Promise<void> {
  const { store } = ctx;
  const target = paintTarget(store);
  if (cc.count === 1 && keep.has(1) && !(cc.pieces && target.volume)) {
    cc.discard();
    const ts = plan.thresholds.map(Math.fround); // those of `cls`
    await store.sweep({ grey: true, labels: 'write' }, async (w) => {
      await runSlabKernel(ctx.backend, w, ctx.shape, 'classCodeSlab', { ts, cs, code });
    });
    return;
  }
  const codes = new Uint8Array(cc.count + 1).fill(255);
  for (const k of keep) codes[k] = code;
  await cc.paint(codes, target);
}

/** All labels OPEN, then the steps below; returns the slab buffers, reused by step 4. */
export async function mainComponents(ctx: StepContext, plan: ClassPlan): Promise<ComponentsScratch> {
  const { store, progress, lap, nz, plane, slabDepth } = ctx;
  progress('components', 0, 3);
  await store.fillLabels(OPEN);
  // the components passes read two slices at a time: their per-component tables (which grow with
  // the number of components, i.e. with the volume) get the room of the sweep windows
  store.releaseWindows();
  // one pair of slab buffers for every components pass (each is revisited or discarded before the
  // next starts)
  const scratch = componentsScratch(Math.min(nz, slabDepth) * plane);
  if (plan.collectorClasses.length && plan.endSlabs.length) await collectorComponents(ctx, plan, scratch);
  progress('components', 1, 3);
  await electrolyteComponent(ctx, plan, scratch);
  if (plan.cathodeClass >= 0) await cathodeVoxels(ctx, plan);
  lap('components');
  return scratch;
}

/** Per end layer: the component of the collector's class(es) with the most voxels in its z range (and the carbon foil behind a plunger). */
async function collectorComponents(ctx: StepContext, plan: ClassPlan, scratch: ComponentsScratch): Promise<void> {
  const { store, backend, shape, plane, slabDepth, decisions } = ctx;
  const { collectorClasses, collectorMaterialLevels, carbonRuns, thresholds } = plan;
  const sl = plan.endSlabs;
  const K = sl.length;
  const cc = await slabComponents({
    backend, shape, connectivity: 26, slabDepth, scratch, ...classMask(store, thresholds, collectorClasses, backend),
    ...sliceChannels(ctx.nz, sl.map((e) => [e.z0, e.z1] as const)),
  });
  const kept: number[] = [];
  const keep = mostInEachChannel(cc, K, kept);
  if (keep.size) await keepComponent(ctx, plan, cc, collectorClasses, keep, COLLECTOR);
  else cc.discard();
  if (collectorMaterialLevels.length === 2) {
    // the carbon foil behind the plunger is its own component (partial-volume voxels of electrolyte
    // grey separate the two): the largest carbon-class component just behind each end layer
    const ranges = sl.map((e, k) => {
      const reach = carbonRuns[k] + 2 * TRANSITION + 2;
      return e.end === 'start' ? [e.z0, e.z1 + reach] : [e.z0 - reach, e.z1];
    });
    const carbon = await slabComponents({
      backend, shape, connectivity: 26, slabDepth, scratch, ...classMask(store, thresholds, [1], backend),
      ...sliceChannels(ctx.nz, ranges.map((r, e) => (carbonRuns[e] >= 2 ? [r[0], r[1]] as const : null))),
    });
    const keepCarbon = mostInEachChannel(carbon, K, kept);
    if (keepCarbon.size) await keepComponent(ctx, plan, carbon, [1], keepCarbon, COLLECTOR);
    else carbon.discard();
  }
  decisions.push({ step: 'collector component', decision: `largest 26-connected component of class ${collectorClasses.join(' ∪ ')} in ${K === 2 ? 'each end layer (collectors or plungers at both ends)' : 'the end layer'} kept as collector; ${cc.count - keep.size} other components left undecided`, evidence: { voxels: kept, components: cc.count, layers: sl.map((x) => x.end) } });
}

async function electrolyteComponent(ctx: StepContext, plan: ClassPlan, scratch: ComponentsScratch): Promise<void> {
  const { store, backend, shape, slabDepth, decisions } = ctx;
  const { electrolyteClass } = plan;
  const cc = await slabComponents({ backend, shape, connectivity: 26, slabDepth, scratch, ...classMask(store, plan.thresholds, [electrolyteClass], backend) });
  let best = 0;
  for (let c = 1; c <= cc.count; c++) if (best === 0 || cc.sizes[c] > cc.sizes[best]) best = c;
  if (best) await keepComponent(ctx, plan, cc, [electrolyteClass], new Set([best]), ELECTROLYTE);
  else cc.discard();
  decisions.push({ step: 'electrolyte component', decision: `largest 26-connected component of class ${electrolyteClass} is the electrolyte; ${Math.max(0, cc.count - 1)} small components left undecided`, evidence: { voxels: best ? cc.sizes[best] : 0, components: cc.count } });
}

/** Every still-open voxel of the cathode's class → cathode active material (the composite is particles, not one component). */
async function cathodeVoxels(ctx: StepContext, plan: ClassPlan): Promise<void> {
  const { store } = ctx;
  const { cathodeClass } = plan;
  const ts = plan.thresholds.map(Math.fround); // those of `cls`
  let cam = 0;
  await store.sweep({ grey: true, labels: 'write' }, async (w) => {
    for (const n of await runSlabKernel(ctx.backend, w, ctx.shape, 'openClassSlab', { ts, c: cathodeClass, code: CAM })) cam += n;
  });
  ctx.decisions.push({ step: 'cathode voxels', decision: `${cam} voxels of class ${cathodeClass} → cathode active material`, evidence: { voxels: cam } });
}
