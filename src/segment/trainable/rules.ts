/**
 * Connectivity rules on the trainable segmentation (issue #18 point 3): the forest labels each
 * voxel from its neighbourhood's grey features alone, so it cannot see what the automatic mode
 * decides by 3-D connectivity (phases.ts steps 2–4: "Li and voids are close in grey level, so
 * connectivity decides"). These rules put that physics on top of its labels, each on 26-connected
 * components (slab-components.ts: never a full-volume id array), in this order:
 *
 * 1. collector_islands: the collector is a slab at an end of the stack (phases/components.ts keeps
 *    the largest component of its class in each end layer). A collector component smaller than
 *    `minCollectorFraction` of the largest is a bright speck (a partial-volume edge, a dense grain),
 *    not a current collector: it takes its next most probable class. The fraction keeps the second
 *    plunger of a symmetric cell and a carbon foil separated from its plunger.
 * 2. outside_enclosed: "outside the cell" is air, holder or die wall beyond the stack, so it reaches
 *    the edge of the volume or of the field of view (255). An enclosed one is a pore the forest
 *    took for air (both are empty space): next most probable class.
 * 3. isolated_li: Li metal is plated from an electrode, and filaments grow out of it, so Li is
 *    connected to its electrode (phases/low-components.ts: low-density components with no share in
 *    the electrode layer are pores). The largest Li component, any of `maxIsolatedLi` voxels or
 *    more, any touching a collector on the cell side (Li islands left on the collector by
 *    stripping; not the partial volume of a collector | air face), and any reaching a side face of
 *    the volume or the masked region (its electrode may lie outside the view: the labct phantom's
 *    truth holds a 961-voxel filament cut off by the field of view) stay; a smaller Li component
 *    elsewhere is a dark speck in the electrolyte (a pore, noise) and takes its next most probable
 *    class. The end faces along the stack normal (labelsGeometry) do not count: beyond them lies
 *    more of the same layer, and Li specks there were pores at the electrolyte's far end (foil). A filament joined to its electrode is part of
 *    the electrode's component and stays whatever its size. Isolated Li that large is kept: dead Li
 *    broken off a filament is real, and the forest saw Li's grey and texture over that whole volume.
 * 4. void_in_li: a void that touches nothing but Li (no electrolyte, collector, air or mask) is
 *    enclosed in the metal. Li creeps under stack pressure and fills voids even below 5 MPa (Ding
 *    et al., physics.md), and voids form where Li is stripped away from the electrolyte, so a void
 *    inside bulk Li smaller than `maxVoidInLi` voxels is noise in the Li: next most probable class.
 *    Larger ones are kept (a pocket whose contact with the electrolyte lies outside the view).
 * 5. voids (counted, code 0 kept as the contract says): a void touching Li and the electrolyte
 *    (or cathode) with at least a quarter of its faces on the Li is an interfacial void (between Li
 *    and electrolyte; the auto mode's "real share in the layer" is the same 25 %); one touching the
 *    electrolyte otherwise is a pore (a pore network that reaches a filament at a point stays a
 *    pore); one touching Li but no electrolyte is in the Li (inside it, or between it and its
 *    collector: contact lost there); the rest (against a collector or the air only) other.
 *
 * "Next most probable class": the class with the highest forest probability at that voxel among
 * those the rule has not ruled out (ties: the lower code), so the rules never invent a phase the
 * forest gave no weight to. Masked voxels (255) never change.
 * In/out: the labels are corrected in place (the caller's array, returned); probabilities are read.
 * Memory: one slab of mask + uint32 ids (5 bytes × slab voxels) and per-component tables (≤ 8
 * channels × 12 bytes). Time: four components passes, each O(N α(N)) plus an O(foreground) revisit.
 */
import type { Shape3 } from '../../io/volume.js';
import type { ComputeBackend } from '../../compute/types.js';
import { referenceBackend } from '../../compute/reference-backend.js';
import { componentsSlab } from '../../compute/cpu/kernels.js';
import { componentsScratch, slabComponents, type ComponentsScratch, type SlabComponents } from '../slab-components.js';
import { CC_SLAB_VOXELS } from '../phases/codes.js';
import { labelsGeometry } from '../import-labels.js';

const AXES = ['z', 'y', 'x'] as const;

const VOID = 0, LI = 1, ELECTROLYTE = 2, COLLECTOR = 3, CATHODE = 4, OUTSIDE = 5, MASKED = 255;

export const RULE_DEFAULTS = { maxIsolatedLi: 1000, maxVoidInLi: 1000, minCollectorFraction: 0.1 } as const;

export interface PhaseRulesInput {
  /** Contract codes, corrected in place. */
  labels: Uint8Array;
  /** One uint8 map per class (0–255), in `classCodes` order. */
  probabilities: readonly Uint8Array[];
  /** Contract code of each class index. */
  classCodes: readonly number[];
  shape: Shape3;
}

export interface PhaseRulesOptions {
  /** Li components of at least this many voxels stay wherever they are. */
  maxIsolatedLi?: number;
  /** Voids enclosed by Li of fewer voxels become their next most probable class. */
  maxVoidInLi?: number;
  /** Collector components smaller than this fraction of the largest become their next most probable class. */
  minCollectorFraction?: number;
  /** Voxels per components slab (default 2²³). */
  slabVoxels?: number;
}

/** What one rule changed: components relabelled, their voxels, and the codes those voxels took. */
export interface RuleChange {
  components: number;
  voxels: number;
  to: Record<string, number>;
}

export interface VoidClass {
  components: number;
  voxels: number;
}

export interface PhaseRulesReport {
  max_isolated_li_voxels: number;
  max_void_in_li_voxels: number;
  min_collector_fraction: number;
  collector_islands: RuleChange;
  outside_enclosed: RuleChange;
  isolated_li: RuleChange;
  void_in_li: RuleChange;
  /** Voids (code 0) after the rules, by what they touch. */
  voids: { interfacial: VoidClass; pores: VoidClass; in_li: VoidClass; other: VoidClass };
  changed_voxels: number;
  /** Voxels gained (+) or lost (−) per code. */
  code_delta: Record<string, number>;
  time_ms: number;
}

export interface PhaseRulesResult {
  labels: Uint8Array;
  report: PhaseRulesReport;
}

/**
 * The slab-local components kernel of the cpu backend, run in this thread: the rules' passes are
 * one uint8 test per voxel, cheaper than handing slabs to workers. Every other method is the
 * reference backend's (never called here).
 */
const inThread: ComputeBackend = {
  ...referenceBackend,
  description: 'in-thread components (trainable rules)',
  connectedComponents: async (mask, shape, connectivity, out) => {
    const labels = out && out.length === mask.length ? out : new Uint32Array(mask.length);
    const sizes = componentsSlab(mask, labels, shape, 0, shape[0], connectivity);
    return { labels, count: sizes.length - 1, sizes };
  },
};

export async function applyPhaseRules(input: PhaseRulesInput, o: PhaseRulesOptions = {}): Promise<PhaseRulesResult> {
  const t0 = performance.now();
  const { labels, probabilities, classCodes, shape } = input;
  const [, ny, nx] = shape;
  const plane = ny * nx;
  const maxIsolatedLi = o.maxIsolatedLi ?? RULE_DEFAULTS.maxIsolatedLi;
  const maxVoidInLi = o.maxVoidInLi ?? RULE_DEFAULTS.maxVoidInLi;
  const minCollectorFraction = o.minCollectorFraction ?? RULE_DEFAULTS.minCollectorFraction;
  const slabDepth = Math.max(1, Math.floor((o.slabVoxels ?? CC_SLAB_VOXELS) / plane));
  const scratch = componentsScratch(Math.min(shape[0], slabDepth) * plane);
  const has = (code: number) => classCodes.includes(code);
  const codeDelta = new Float64Array(256);
  const ctx: PassContext = { labels, shape, slabDepth, scratch, probabilities, classCodes, codeDelta };
  const none = (): RuleChange => ({ components: 0, voxels: 0, to: {} });

  // 1. collector specks
  let collectorIslands = none();
  if (has(COLLECTOR)) {
    const cc = await components(ctx, COLLECTOR, NO_BITS);
    let largest = 0;
    for (let c = 1; c <= cc.count; c++) largest = Math.max(largest, cc.sizes[c]);
    collectorIslands = await relabel(ctx, cc, COLLECTOR, (c) => cc.sizes[c] < minCollectorFraction * largest);
  }
  // 2. outside the cell, enclosed
  let outsideEnclosed = none();
  if (has(OUTSIDE)) {
    const EDGE = 1;
    const bits = bitTable([[MASKED, EDGE]], [EDGE, EDGE, EDGE]);
    const cc = await components(ctx, OUTSIDE, bits);
    outsideEnclosed = await relabel(ctx, cc, OUTSIDE, (c) => !(anyBits(cc, c) & EDGE));
  }
  // 3. Li not joined to an electrode
  let isolatedLi = none();
  if (has(LI)) {
    const COLL = 1, CELL = 2, BEYOND = 4, AIR = 8;
    // the faces along the stack normal are its ends; the side faces and the mask cut the view
    const side: [number, number, number] = [BEYOND, BEYOND, BEYOND];
    side[AXES.indexOf(labelsGeometry(labels, shape).axis)] = 0;
    const bits = bitTable([[COLLECTOR, COLL], [VOID, CELL], [ELECTROLYTE, CELL], [CATHODE, CELL], [MASKED, BEYOND], [OUTSIDE, AIR]], side);
    const cc = await components(ctx, LI, bits);
    let largest = 0;
    for (let c = 1; c <= cc.count; c++) if (!largest || cc.sizes[c] > cc.sizes[largest]) largest = c;
    const anchored = (c: number) => {
      const f = anyBits(cc, c);
      // on a collector or cut by the view: in the cell (against void, electrolyte or cathode), not in the air beyond it
      return c === largest || cc.sizes[c] >= maxIsolatedLi || ((f & (COLL | BEYOND)) !== 0 && (f & CELL) !== 0 && !(f & AIR));
    };
    isolatedLi = await relabel(ctx, cc, LI, (c) => !anchored(c));
  }
  // 4 and 5. voids in the Li, then the voids by what they touch
  let voidInLi = none();
  const voids = { interfacial: { components: 0, voxels: 0 }, pores: { components: 0, voxels: 0 }, in_li: { components: 0, voxels: 0 }, other: { components: 0, voxels: 0 } };
  if (has(VOID)) {
    const L = 1, E = 2, X = 4;
    // the volume's edge is neutral: a void in the Li at the edge of the view is still in the Li
    const bits = bitTable([[LI, L], [ELECTROLYTE, E], [CATHODE, E], [COLLECTOR, X], [OUTSIDE, X], [MASKED, X]], [0, 0, 0]);
    const cc = await components(ctx, VOID, bits);
    const inMetal = new Uint8Array(cc.count + 1);
    for (let c = 1; c <= cc.count; c++) {
      const f = anyBits(cc, c);
      if (f === L && cc.sizes[c] < maxVoidInLi) { inMetal[c] = 1; continue; }
      const k: keyof typeof voids = (f & L) && (f & E) && withBits(cc, c, L) >= 0.25 * withBits(cc, c, L | E) ? 'interfacial' : f & E ? 'pores' : f & L ? 'in_li' : 'other';
      voids[k].components++;
      voids[k].voxels += cc.sizes[c];
    }
    voidInLi = await relabel(ctx, cc, VOID, (c) => inMetal[c] === 1);
  }
  const code_delta: Record<string, number> = {};
  for (let c = 0; c < 256; c++) if (codeDelta[c]) code_delta[String(c)] = codeDelta[c];
  return {
    labels,
    report: {
      max_isolated_li_voxels: maxIsolatedLi, max_void_in_li_voxels: maxVoidInLi, min_collector_fraction: minCollectorFraction,
      collector_islands: collectorIslands, outside_enclosed: outsideEnclosed, isolated_li: isolatedLi, void_in_li: voidInLi, voids,
      changed_voxels: collectorIslands.voxels + outsideEnclosed.voxels + isolatedLi.voxels + voidInLi.voxels,
      code_delta,
      time_ms: Math.round(performance.now() - t0),
    },
  };
}

interface PassContext {
  labels: Uint8Array;
  shape: Shape3;
  slabDepth: number;
  scratch: ComponentsScratch;
  probabilities: readonly Uint8Array[];
  classCodes: readonly number[];
  codeDelta: Float64Array;
}

/** Neighbour bits of a pass: bits[code] for a 6-neighbour of that code; edge[a] beyond the volume's faces across axis a (z, y, x). */
type BitTable = { bits: Uint8Array; edge: [number, number, number]; n: number };

const NO_BITS: BitTable = { bits: new Uint8Array(256), edge: [0, 0, 0], n: 0 };

function bitTable(pairs: [number, number][], edge: [number, number, number]): BitTable {
  const bits = new Uint8Array(256);
  for (const [code, b] of pairs) bits[code] |= b;
  let all = edge[0] | edge[1] | edge[2];
  for (const [, b] of pairs) all |= b;
  return { bits, edge, n: 32 - Math.clz32(all) };
}

/**
 * 26-connected components of `code`, with one statistics channel per combination of neighbour bits:
 * stats[ch] counts a component's voxels whose 6-neighbours give exactly the bits ch.
 */
function components(ctx: PassContext, code: number, t: BitTable): Promise<SlabComponents> {
  const { labels, shape, slabDepth, scratch } = ctx;
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const B = t.bits;
  const [ez, ey, ex] = t.edge;
  return slabComponents({
    backend: inThread, shape, connectivity: 26, slabDepth, scratch,
    fillMask: (z0, z1, m) => {
      const off = z0 * plane;
      for (let i = 0; i < m.length; i++) m[i] = labels[off + i] === code ? 1 : 0;
    },
    ...(t.n ? {
      channels: 1 << t.n,
      channelOf: (i: number) => {
        const z = Math.floor(i / plane), r = i - z * plane, y = Math.floor(r / nx), x = r - y * nx;
        return (x > 0 ? B[labels[i - 1]] : ex) | (x < nx - 1 ? B[labels[i + 1]] : ex) |
          (y > 0 ? B[labels[i - nx]] : ey) | (y < ny - 1 ? B[labels[i + nx]] : ey) |
          (z > 0 ? B[labels[i - plane]] : ez) | (z < nz - 1 ? B[labels[i + plane]] : ez);
      },
    } : {}),
  });
}

/** The neighbour bits seen anywhere on component c. */
function anyBits(cc: SlabComponents, c: number): number {
  const channels = cc.stats.length / (cc.count + 1);
  let f = 0;
  for (let ch = 1; ch < channels; ch++) if (cc.stats[ch * (cc.count + 1) + c] > 0) f |= ch;
  return f;
}

/** Voxels of component c with a 6-neighbour giving any of `bits`. */
function withBits(cc: SlabComponents, c: number, bits: number): number {
  const channels = cc.stats.length / (cc.count + 1);
  let n = 0;
  for (let ch = 1; ch < channels; ch++) if (ch & bits) n += cc.stats[ch * (cc.count + 1) + c];
  return n;
}

/** Every voxel of the components `drop` picks takes its most probable class other than `code`. */
async function relabel(ctx: PassContext, cc: SlabComponents, code: number, drop: (c: number) => boolean): Promise<RuleChange> {
  const { labels, shape, probabilities, classCodes, codeDelta } = ctx;
  const plane = shape[1] * shape[2];
  const out: RuleChange = { components: 0, voxels: 0, to: {} };
  const dropped = new Uint8Array(cc.count + 1);
  for (let c = 1; c <= cc.count; c++) if (drop(c)) { dropped[c] = 1; out.components++; }
  if (!out.components) {
    cc.discard();
    return out;
  }
  // the other classes, lowest code first (ties go to it)
  const others = classCodes.map((k, j) => [k, j] as const).filter(([k]) => k !== code).sort((a, b) => a[0] - b[0]);
  if (!others.length) {
    cc.discard();
    return { components: 0, voxels: 0, to: {} };
  }
  const to = new Float64Array(256);
  await cc.revisit((z0, _z1, lab, finalId) => {
    const off = z0 * plane;
    let lastLocal = -1, lastDrop = 0;
    for (let i = 0; i < lab.length; i++) {
      const l = lab[i];
      if (!l) continue;
      if (l !== lastLocal) {
        lastLocal = l;
        lastDrop = dropped[finalId(l)];
      }
      if (!lastDrop) continue;
      const g = off + i;
      let best = others[0][0], bp = -1;
      for (const [k, j] of others) {
        const p = probabilities[j][g];
        if (p > bp) { bp = p; best = k; }
      }
      labels[g] = best;
      to[best]++;
    }
  });
  for (let k = 0; k < 256; k++) {
    if (!to[k]) continue;
    out.to[String(k)] = to[k];
    out.voxels += to[k];
    codeDelta[k] += to[k];
    codeDelta[code] -= to[k];
  }
  return out;
}
