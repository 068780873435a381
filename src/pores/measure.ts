/**
 * The electrolyte microstructure of a labels volume (issue #19): porosity of the electrolyte layer
 * and its profile along the stack normal, pore sizes (local thickness) and pore clusters, Li inside
 * the electrolyte (volume, filaments, depths, penetration maps), percolation of pores ∪ Li from one
 * side to the other, the short-circuit margin `min_gap_um`, and the tortuosity through the plug-in.
 *
 * Passes over z-slabs of the labels (one slab holding the whole volume when it fits the budget):
 *  1. the layer (layer.ts): per-column bounds between the two electrolyte surfaces;
 *  2. clusters of pores ∪ Li (clusters.ts) with the voxel counts and profile riding along;
 *  3. clusters of Li (filaments, depths, penetration maps);  4. clusters of pores;
 *  5. the two gaps (gap.ts: one EDT each);  6. pore sizes (sizes.ts: local thickness);
 *  7. the tortuosity box and solve (in memory: the box only).
 * Out of core every pass streams (cluster bits in a scratch file, EDT and local thickness through
 * thickness/out-of-core.ts); only the tortuosity box must fit in memory.
 */
import { CpuBackend } from '../compute/index.js';
import { fitsInBudget, memoryBudget, slicesPerSlab } from '../compute/budget.js';
import { InputError } from '../io/errors.js';
import type { Shape3, Spacing3, Volume } from '../io/volume.js';
import { accumulateAxisProfiles, axisFromProfiles, newAxisProfiles, type Axis } from '../thickness/map.js';
import { arraySource, type SlabReader } from '../thickness/out-of-core.js';
import { BITS, componentsScratch, ELECTROLYTE, layerClusters, LI, markClusters, PORE } from './clusters.js';
import { minGap } from './gap.js';
import { LayerScan, placeOf, voxelAt, type Layer } from './layer.js';
import { poreSizes } from './sizes.js';
import { diskStore, memoryStore } from './store.js';
import { tortuosityWith } from './tortuosity-plugin.js';
import { boxRange, phaseBox, runTortuosity } from './tortuosity-box.js';
import type { FilamentRecord, PoresJson, PoresOptions, PoresResult, TortuosityRecord } from './types.js';

const AXIS_INDEX = { z: 0, y: 1, x: 2 } as const;
const r6 = (v: number) => (Number.isFinite(v) ? +v.toPrecision(6) : v);

/** Bytes the in-memory path holds beside the labels: bit store, masks, uint32 component labels, float32 distance and thickness. */
export function poresInCoreBytes(shape: Shape3): number {
  return shape[0] * shape[1] * shape[2] * 16;
}

/** The stage on a labels volume in memory (streams anyway when options.slabSlices is set). */
export async function runPores(labels: Volume<Uint8Array>, options: PoresOptions = {}): Promise<PoresResult> {
  if (!(labels.data instanceof Uint8Array)) throw new InputError(`labels must be uint8 phase codes (got ${labels.dtype})`);
  const spacing = options.spacing ?? labels.spacing;
  if (!spacing) throw new InputError('the pore measures need the voxel size: give --voxel UM (or DZ,DY,DX)');
  return measurePores(arraySource(labels.data, labels.shape), spacing, { ...options, inMemory: true });
}

/**
 * The stage on any slab source (a file opened with openVolume, or an array): in memory when the
 * budget holds it, else streamed.
 */
export async function measurePores(source: SlabReader, spacing: Spacing3, options: PoresOptions & { inMemory?: boolean } = {}): Promise<PoresResult> {
  const shape: Shape3 = [...source.shape];
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const budget = options.budgetBytes ?? memoryBudget(undefined).bytes;
  const inCoreBytes = poresInCoreBytes(shape) + (options.inMemory ? 0 : nz * plane);
  const streamed = options.slabSlices !== undefined || !fitsInBudget(inCoreBytes, budget);
  // per slice while streaming: labels, mask, uint32 labels, the bit store's buffer, the EDT's float32 and spare
  const slabSlices = Math.max(1, Math.min(nz, options.slabSlices ?? (streamed ? slicesPerSlab(budget, 16 * plane, nz, options.window ?? 6) : nz)));
  if (streamed && options.slabSlices === undefined) options.onNote?.(`pores: ${shape.join('×')} needs ~${(inCoreBytes / 2 ** 20).toFixed(0)} MiB in memory, over the budget: streamed in slabs of ${slabSlices} slices`);
  // in memory from a file: read once, then every pass works on the array
  let src = source;
  if (!streamed && !options.inMemory) src = arraySource((await source.readSlices(0, nz)) as Uint8Array, shape);
  const timings: Record<string, number> = {};
  let t = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round(now - t);
    t = now;
  };
  const steps = 8;
  let step = 0;
  const tick = () => options.onProgress?.(++step, steps);
  const slabs = (halo = 0) => {
    const out: [number, number, number, number][] = [];
    for (let z0 = 0; z0 < nz; z0 += slabSlices) {
      const z1 = Math.min(nz, z0 + slabSlices);
      out.push([z0, z1, Math.max(0, z0 - halo), Math.min(nz, z1 + halo)]);
    }
    return out;
  };

  // 0. the stack normal
  let axis: Axis;
  if (options.normal === 'auto') {
    const acc = newAxisProfiles(shape);
    for (const [z0, z1] of slabs()) accumulateAxisProfiles(acc, (await src.readSlices(z0, z1)) as Uint8Array, shape, z0);
    axis = axisFromProfiles(acc, shape);
  } else axis = options.normal ?? 'z';
  const dn = spacing[AXIS_INDEX[axis]];

  // 1. the layer
  const scan = new LayerScan(shape, axis, options.window);
  for (const [z0, z1, lo, hi] of slabs(scan.halo())) scan.add((await src.readSlices(lo, hi)) as Uint8Array, lo, hi, z0, z1);
  const layer = scan.finish({ outlierVoxels: options.outlierVoxels, medianRadius: options.medianRadius });
  if (layer.columns === 0) throw new InputError('no electrolyte layer: no column holds an electrolyte body (label 2) along the stack normal');
  lap('layer');
  tick();

  const backend = new CpuBackend({ workers: options.threads });
  const store = streamed ? diskStore(shape, slabSlices) : memoryStore(shape);
  try {
    const scratch = componentsScratch(slabSlices * plane);
    const base = { backend, source: src, layer, slabSlices, scratch };

    // 2. pores ∪ Li, with the counts and the profile
    const n = layer.n;
    const prof = { pore: new Float64Array(n), el: new Float64Array(n), li: new Float64Array(n) };
    let other = 0;
    const any = await layerClusters(
      {
        ...base,
        onSlab: (z0, z1, labels) => {
          for (let i = 0; i < (z1 - z0) * plane; i++) {
            const [tt, c] = voxelAt(layer, shape, z0 * plane + i);
            if (placeOf(layer, tt, c) !== 0) continue;
            const v = labels[i];
            if (v === PORE) prof.pore[tt]++;
            else if (v === ELECTROLYTE) prof.el[tt]++;
            else if (v === LI) prof.li[tt]++;
            else if (v !== 5 && v !== 255) other++;
          }
        },
      },
      (v) => v === PORE || v === LI,
    );
    await markClusters(any, store, BITS.anyLow, BITS.anyHigh);
    let percolating = false;
    for (let k = 1; k <= any.table.count; k++) if (any.table.low[k] && any.table.high[k]) percolating = true;
    lap('clusters_pores_li');
    tick();

    // 3. Li: filaments, depths, penetration maps
    const li = await layerClusters(base, (v) => v === LI);
    const m = layer.rows * layer.cols;
    const penLow = new Float32Array(m);
    const penHigh = new Float32Array(m);
    for (let c = 0; c < m; c++) if (layer.lo[c] < 0) penLow[c] = penHigh[c] = NaN;
    const depthLow = new Float64Array(li.table.count + 1);
    const depthHigh = new Float64Array(li.table.count + 1);
    await markClusters(li, store, BITS.liLow, BITS.liHigh, (z0, i, k) => {
      const [tt, c] = voxelAt(layer, shape, z0 * plane + i);
      const dl = (tt - layer.lo[c] + 1) * dn;
      const dh = (layer.hi[c] - tt + 1) * dn;
      if (dl > depthLow[k]) depthLow[k] = dl;
      if (dh > depthHigh[k]) depthHigh[k] = dh;
      if (li.table.low[k] && dl > penLow[c]) penLow[c] = dl;
      if (li.table.high[k] && dh > penHigh[c]) penHigh[c] = dh;
    });
    let percolatingLi = false;
    for (let k = 1; k <= li.table.count; k++) if (li.table.low[k] && li.table.high[k]) percolatingLi = true;
    lap('clusters_li');
    tick();

    // 4. pores alone
    const pores = await layerClusters(base, (v) => v === PORE);
    pores.discard();
    lap('clusters_pores');
    tick();

    // 5. the short-circuit margins
    const gapOptions = { layer, store, spacing, slabSlices: streamed ? slabSlices : null, budgetBytes: budget, threads: options.threads };
    const minGapUm = await minGap({ ...gapOptions, bitLow: BITS.anyLow, bitHigh: BITS.anyHigh });
    const liGapUm = await minGap({ ...gapOptions, bitLow: BITS.liLow, bitHigh: BITS.liHigh });
    lap('gaps');
    tick();

    // 6. pore sizes
    const sizes = await poreSizes({ source: src, layer, spacing, slabSlices: streamed ? slabSlices : null, budgetBytes: budget, threads: options.threads, bins: options.bins });
    lap('pore_sizes');
    tick();

    // 7. tortuosity (options.measureTortuosity, else tortuosity.ts through tortuosity-plugin.ts)
    const fn = options.measureTortuosity === undefined ? tortuosityWith(options.tortuosityBackend ?? 'cpu') : options.measureTortuosity;
    const runs: TortuosityRecord[] = [];
    let flux: Float32Array | null = null;
    let reason: string | null = null;
    const range = boxRange(layer);
    if (!fn) reason = 'not asked for (measureTortuosity: null)';
    else if (!range) reason = 'the layer has no slice that every column covers twice over (no box between the interfaces)';
    else {
      for (const [code, kind] of [[ELECTROLYTE, 'electrolyte'], [PORE, 'pore']] as const) {
        const box = await phaseBox(src, layer, code, range, slabSlices);
        const axes = [...new Set((options.tortuosityAxes ?? ['normal']).map((a) => (a === 'normal' ? axis : a)))];
        for (const a of axes) {
          const r = await runTortuosity(fn, box, kind, a, options.tortuosityTol ?? 1e-6, spacing);
          runs.push(r.record);
          if (kind === 'electrolyte' && a === axis && r.flux && r.flux.length === m) flux = r.flux;
        }
      }
    }
    lap('tortuosity');
    tick();

    const json = assemble({
      shape, spacing, axis, layer, prof, other, percolating, percolatingLi, minGapUm, liGapUm, sizes,
      any: any.table, li: li.table, pores: pores.table, depthLow, depthHigh, penLow, penHigh,
      runs, reason, maxListed: options.maxListed ?? 200, bins: options.bins, minFilamentUm: (options.minFilamentVoxels ?? 4) * dn,
      memory: { out_of_core: streamed, slab_slices: slabSlices, slabs: Math.ceil(nz / slabSlices), budget_bytes: budget, in_core_bytes: inCoreBytes },
      timings,
    });
    tick();
    const penetration = [
      ...(layer.low.kind === 'li' ? [{ side: 'low' as const, name: layer.low.name, map: penLow }] : []),
      ...(layer.high.kind === 'li' ? [{ side: 'high' as const, name: layer.high.name, map: penHigh }] : []),
    ];
    const g = mapPixels(spacing, axis);
    return { json, penetration, flux, mapShape: [layer.rows, layer.cols], mapPixelUm: g };
  } finally {
    store.discard();
    await backend.dispose();
  }
}

/** µm per map pixel [rows, cols] (the volume's spacing without the normal axis). */
function mapPixels(s: Spacing3, axis: Axis): [number, number] {
  return axis === 'z' ? [s[1], s[2]] : axis === 'y' ? [s[0], s[2]] : [s[0], s[1]];
}

interface Parts {
  shape: Shape3;
  spacing: Spacing3;
  axis: Axis;
  layer: Layer;
  prof: { pore: Float64Array; el: Float64Array; li: Float64Array };
  other: number;
  percolating: boolean;
  percolatingLi: boolean;
  minGapUm: number;
  liGapUm: number;
  sizes: Awaited<ReturnType<typeof poreSizes>>;
  any: { count: number; sizes: Float64Array; low: Uint8Array; high: Uint8Array };
  li: { count: number; sizes: Float64Array; low: Uint8Array; high: Uint8Array };
  pores: { count: number; sizes: Float64Array; low: Uint8Array; high: Uint8Array };
  depthLow: Float64Array;
  depthHigh: Float64Array;
  penLow: Float32Array;
  penHigh: Float32Array;
  runs: TortuosityRecord[];
  reason: string | null;
  maxListed: number;
  bins?: number;
  minFilamentUm: number;
  memory: PoresJson['memory'];
  timings: Record<string, number>;
}

function penetrationSummary(map: Float32Array, side: 'low' | 'high', name: string) {
  let max = 0, sum = 0, k = 0, cols = 0;
  for (const v of map) {
    if (!Number.isFinite(v)) continue;
    cols++;
    if (v > 0) {
      k++;
      sum += v;
      if (v > max) max = v;
    }
  }
  return { side, name, max_um: r6(max), mean_um: r6(k ? sum / k : 0), area_fraction: r6(cols ? k / cols : 0) };
}

function assemble(p: Parts): PoresJson {
  const { layer, spacing, axis } = p;
  const dn = spacing[AXIS_INDEX[axis]];
  const voxelUm3 = spacing[0] * spacing[1] * spacing[2];
  let pore = 0, el = 0, li = 0;
  let tFirst = Infinity, tLast = -Infinity;
  let thSum = 0, thMin = Infinity, thMax = 0;
  for (let c = 0; c < layer.lo.length; c++) {
    if (layer.lo[c] < 0) continue;
    tFirst = Math.min(tFirst, layer.lo[c]);
    tLast = Math.max(tLast, layer.hi[c]);
    const th = (layer.hi[c] - layer.lo[c] + 1) * dn;
    thSum += th;
    thMin = Math.min(thMin, th);
    thMax = Math.max(thMax, th);
  }
  const profile: PoresJson['porosity_profile'] = {
    definition: 'per slice along the stack normal, over the layer voxels of the slice: pores / (pores + electrolyte); position = slice centre (µm from the volume start)',
    position_um: [], porosity: [], pore_voxels: [], electrolyte_voxels: [], li_voxels: [],
  };
  for (let t = tFirst; t <= tLast; t++) {
    pore += p.prof.pore[t];
    el += p.prof.el[t];
    li += p.prof.li[t];
    profile.position_um.push(r6((t + 0.5) * dn));
    const d = p.prof.pore[t] + p.prof.el[t];
    profile.porosity.push(d ? r6(p.prof.pore[t] / d) : null);
    profile.pore_voxels.push(p.prof.pore[t]);
    profile.electrolyte_voxels.push(p.prof.el[t]);
    profile.li_voxels.push(p.prof.li[t]);
  }
  const layerVoxels = pore + el + li + p.other;

  // filaments: Li clusters, deepest first
  const filaments: FilamentRecord[] = [];
  let crossing = 0, isolated = 0, bumps = 0, deepest = 0;
  for (let k = 1; k <= p.li.count; k++) {
    const lo = p.li.low[k] === 1, hi = p.li.high[k] === 1;
    const both = lo && hi;
    if (both) crossing++;
    if (!lo && !hi) isolated++;
    const depth = both ? Math.max(p.depthLow[k], p.depthHigh[k]) : lo ? p.depthLow[k] : hi ? p.depthHigh[k] : null;
    if (depth !== null && depth > deepest) deepest = depth;
    if (depth !== null && !both && depth < p.minFilamentUm - 1e-9) bumps++;
    filaments.push({ id: k, from: both ? 'both' : lo ? layer.low.name : hi ? layer.high.name : null, voxels: p.li.sizes[k], volume_um3: r6(p.li.sizes[k] * voxelUm3), depth_um: depth === null ? null : r6(depth), crossing: both });
  }
  filaments.sort((a, b) => (b.depth_um ?? -1) - (a.depth_um ?? -1) || b.voxels - a.voxels);

  // pore clusters
  const sizes = Array.from(p.pores.sizes.subarray(1)).sort((a, b) => b - a);
  let touchLow = 0, touchHigh = 0, porePerc = false;
  for (let k = 1; k <= p.pores.count; k++) {
    touchLow += p.pores.low[k];
    touchHigh += p.pores.high[k];
    if (p.pores.low[k] && p.pores.high[k]) porePerc = true;
  }
  const totalPore = sizes.reduce((a, b) => a + b, 0);

  const electrolyteRun = p.runs.find((r) => r.phase === 'electrolyte' && r.axis === axis) ?? null;
  const penetration = [
    ...(layer.low.kind === 'li' ? [penetrationSummary(p.penLow, 'low', layer.low.name)] : []),
    ...(layer.high.kind === 'li' ? [penetrationSummary(p.penHigh, 'high', layer.high.name)] : []),
  ];
  return {
    shape: p.shape,
    spacing_um: spacing,
    normal_axis: axis,
    layer: {
      definition:
        'per column along the stack normal, the voxels between the electrolyte surface found walking from each end (first electrolyte voxel with ≥ 60 % electrolyte in the next 6; surfaces deeper than their neighbourhood median by > 2.5 voxels take the median, as the thickness map), ending before the first cathode voxel (full cells); at an open end (the scan cuts the pellet) a column with only pores and electrolyte beyond its surface runs to the volume face; interface voids outside, Li and pores reaching into the electrolyte inside',
      columns: layer.columns,
      columns_total: layer.rows * layer.cols,
      thickness_um: { mean: r6(layer.columns ? thSum / layer.columns : 0), min: r6(thMin), max: r6(thMax) },
      repaired_columns: layer.repaired,
      sides: { low: layer.low, high: layer.high },
    },
    porosity: pore + el ? r6(pore / (pore + el)) : null,
    voxels: { layer: layerVoxels, pore, electrolyte: el, li, other: p.other },
    porosity_profile: profile,
    pore_size: p.sizes
      ? {
          definition: 'local thickness of the layer\'s pore voxels (diameter of the largest inscribed ball containing the voxel, µm; Hildebrand–Rüegsegger), distribution by pore volume',
          voxels: p.sizes.voxels,
          mean_um: r6(p.sizes.mean_um),
          d10_um: r6(p.sizes.d10_um),
          d50_um: r6(p.sizes.d50_um),
          d90_um: r6(p.sizes.d90_um),
          max_um: r6(p.sizes.max_um),
          histogram: p.sizes.histogram,
        }
      : null,
    pore_clusters: {
      connectivity: 6,
      count: p.pores.count,
      volume_um3: r6(totalPore * voxelUm3),
      largest_um3: r6((sizes[0] ?? 0) * voxelUm3),
      largest_fraction: r6(totalPore ? (sizes[0] ?? 0) / totalPore : 0),
      mean_um3: r6(sizes.length ? (totalPore / sizes.length) * voxelUm3 : 0),
      median_um3: r6(sizes.length ? sizes[Math.floor((sizes.length - 1) / 2)] * voxelUm3 : 0),
      touching_low: touchLow,
      touching_high: touchHigh,
      percolating: porePerc,
      sizes_um3: sizes.slice(0, p.maxListed).map((v) => r6(v * voxelUm3)),
    },
    li: {
      voxels: li,
      volume_um3: r6(li * voxelUm3),
      fraction_of_layer: r6(layerVoxels ? li / layerVoxels : 0),
      filament_count: p.li.count - isolated - bumps,
      min_filament_depth_um: r6(p.minFilamentUm),
      interface_bumps: bumps,
      crossing_count: crossing,
      isolated_count: isolated,
      deepest_um: r6(deepest),
      filaments: filaments.slice(0, p.maxListed),
      penetration,
    },
    percolating: p.percolating,
    percolating_definition: 'a face-connected cluster of pore and Li voxels of the layer touches both sides (a voxel of it has a face neighbour before the layer and one beyond it, the volume\'s ends along the normal included)',
    percolating_li: p.percolatingLi,
    min_gap_um: r6(p.minGapUm),
    li_min_gap_um: r6(p.liGapUm),
    gap_definition:
      'min_gap_um = max(0, min |a − b| − d_n) over a ∈ A_low, b ∈ A_high: A_side = the voxels beyond the layer on that side (a virtual plane at the volume\'s end) ∪ the pore ∪ Li clusters touching that side; |a − b| between voxel centres (µm), d_n the voxel size along the normal: k electrolyte voxels straight along the normal give k·d_n, 0 when percolating. li_min_gap_um: the same with Li clusters only (the electronic short margin)',
    tortuosity_factor: electrolyteRun?.tortuosity_factor ?? null,
    effective_conductivity_ratio: electrolyteRun?.effective_conductivity_ratio ?? null,
    tortuosity: { computed: p.runs.length > 0, reason: p.reason, runs: p.runs },
    memory: p.memory,
    timings_ms: p.timings,
  };
}
