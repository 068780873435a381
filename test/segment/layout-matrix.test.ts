/**
 * The default phase segmentation over the matrix of cells researchers scan: layout × stack axis ×
 * surroundings × field of view × tilt × contrast (phantoms with exact truth, 96 × 96 columns, the
 * presets' noise). Each case asserts per-phase Dice floors, the per-electrode Li thickness error,
 * the layout found, and the QC verdict; the table printed at the end is the closing-note matrix.
 *
 * Floors are what the segmentation reaches today, a little below the measured figures, so a
 * regression fails. Where a floor is below the issue's target (Li 0.95, electrolyte 0.97, collector
 * 0.95, void 0.85, cathode 0.90) the reason is in GAPS and the table marks it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { generatePhantom, type SynthOptions } from '../../src/synth/index.js';
import { segment } from '../../src/segment/index.js';
import { toCanonical } from '../../src/segment/orient.js';
import type { AxisName, LayoutName } from '../../src/segment/types.js';
import type { Shape3 } from '../../src/io/volume.js';
import { testBackend } from './backend.js';
import { dice } from './metrics.js';

type Code = 0 | 1 | 2 | 3 | 4 | 5 | 255;
const NAMES: Record<Code, string> = { 0: 'void', 1: 'Li', 2: 'electrolyte', 3: 'collector', 4: 'cathode', 5: 'outside', 255: 'fov' };
const TARGET: Partial<Record<Code, number>> = { 0: 0.85, 1: 0.95, 2: 0.97, 3: 0.95, 4: 0.9 };

interface Case {
  name: string;
  synth: Omit<SynthOptions, 'shape'>;
  layout: LayoutName;
  /** Dice floors per code (codes absent from the truth are not checked). */
  floor: Partial<Record<Code, number>>;
  /** Largest per-electrode Li thickness MAE in voxels. */
  maeVoxels?: number;
  /** A case the segmentation does not handle yet: it must say so (QC low). */
  mustBeLow?: boolean;
  /** Transform of the scan before segmentation (contrast cases). */
  invert?: boolean;
  /** QC verdict not asserted: a check sits at its limit on this case (reason in GAPS). */
  anyConfidence?: boolean;
  /** Shape along z (stack normal z only) instead of the preset's depth × L × L. */
  shape?: Shape3;
}

const L = 96;
const depth = (preset: string) => (preset === 'plated' || preset === 'depleted' ? 160 : 200);

// the floors' common part per layout (void: see GAPS)
const ANODE_FREE = { 0: 0.48, 1: 0.98, 2: 0.97, 3: 0.95, 5: 0.99 } as const;
const FOIL = { 0: 0.86, 1: 0.98, 2: 0.97, 3: 0.99, 5: 0.99 } as const;
const SYMMETRIC = { 0: 0.81, 1: 0.965, 2: 0.96, 3: 0.99, 5: 0.99 } as const;

const CASES: Case[] = [
  { name: 'anode-free plated', synth: { preset: 'plated' }, layout: 'anode-free', floor: ANODE_FREE, maeVoxels: 0.5 },
  { name: 'anode-free depleted', synth: { preset: 'depleted' }, layout: 'anode-free', floor: { ...ANODE_FREE, 1: 0.875 }, maeVoxels: 1 },
  { name: 'anode-free stack along y', synth: { preset: 'plated', axis: 'y' }, layout: 'anode-free', floor: ANODE_FREE, maeVoxels: 0.5 },
  { name: 'anode-free stack along x', synth: { preset: 'plated', axis: 'x' }, layout: 'anode-free', floor: ANODE_FREE, maeVoxels: 0.5 },
  { name: 'anode-free tilted 12°', synth: { preset: 'plated', tiltDeg: 12, tiltAzimuthDeg: 30 }, layout: 'anode-free', floor: ANODE_FREE, maeVoxels: 0.5 },
  { name: 'anode-free bowed 25 µm', synth: { preset: 'plated', bowUm: 25 }, layout: 'anode-free', floor: ANODE_FREE, maeVoxels: 0.5 },
  { name: 'anode-free wavy 8 µm / 80 µm', synth: { preset: 'plated', wave: { amplitudeUm: 8, periodUm: 80 } }, layout: 'anode-free', floor: ANODE_FREE, maeVoxels: 0.5 },
  { name: 'anode-free circular FOV (0)', synth: { preset: 'plated', fov: 'circle' }, layout: 'anode-free', floor: { ...ANODE_FREE, 255: 0.999 }, maeVoxels: 0.5 },
  { name: 'anode-free circular FOV (NaN)', synth: { preset: 'plated', fov: 'circle', fovFill: 'nan' }, layout: 'anode-free', floor: { ...ANODE_FREE, 255: 0.999 }, maeVoxels: 0.5 },
  { name: 'anode-free air beyond', synth: { preset: 'plated', surroundings: 'air' }, layout: 'anode-free', floor: ANODE_FREE, maeVoxels: 0.5 },
  // the steel face's dark fringe between plunger and carbon foil is collector (columns.ts FRINGE_GAP), its bright fringe on the air side air (neighbours.ts)
  { name: 'anode-free plunger + air', synth: { preset: 'plated', surroundings: 'plunger' }, layout: 'anode-free', floor: { ...ANODE_FREE, 3: 0.995, 5: 0.995 }, maeVoxels: 0.5 },
  { name: 'anode-free die wall', synth: { preset: 'plated', surroundings: 'die' }, layout: 'anode-free', floor: { ...ANODE_FREE, 2: 0.98, 3: 0.995, 5: 0.995 }, maeVoxels: 0.5 },
  // lab CT artefacts: the pores are dips below the local electrolyte level (electrolyte-level.ts), not one global level (void 0.36 before)
  { name: 'anode-free, strong lab artefacts (rings 600, cupping 20 %, drift 10 %)', synth: { preset: 'plated', rings: 600, cupping: 0.2, drift: 0.1 }, layout: 'anode-free', floor: { ...ANODE_FREE, 0: 0.53 }, maeVoxels: 0.5 },
  // on a Cu foil (metal-bright, synchrotron phase contrast): the Cu face's dark fringe clips the Li within 2–3 voxels to 0 (GAPS);
  // full Li coverage on a metal collector is named li-foil (common.ts layoutName)
  // (thickness MAE 3.4 voxels: the clipped Li reads as void); the QC says so (clipped_li)
  { name: 'anode-free plated on a Cu foil', synth: { preset: 'plated', collectorMaterial: 'copper' }, layout: 'li-foil', floor: {}, mustBeLow: true },
  // depleted on Cu: the Cu face's partial-volume sheet touches the electrolyte where the Li is gone (metal-face sheet rule, layout-kernels.ts); was Li 0.000 at QC high
  { name: 'anode-free depleted on a Cu foil', synth: { preset: 'depleted', collectorMaterial: 'copper' }, layout: 'anode-free', floor: {}, mustBeLow: true },
  { name: 'anode-free depleted on a Cu foil, no phase contrast', synth: { preset: 'depleted', collectorMaterial: 'copper', phaseContrast: 0 }, layout: 'anode-free', floor: { ...ANODE_FREE, 0: 0.42, 1: 0.89, 3: 0.97 }, maeVoxels: 1.5 },
  { name: 'anode-free 8-bit', synth: { preset: 'plated', dtype: 'uint8' }, layout: 'anode-free', floor: ANODE_FREE, maeVoxels: 0.5 },
  { name: 'anode-free float32', synth: { preset: 'plated', dtype: 'float32' }, layout: 'anode-free', floor: ANODE_FREE, maeVoxels: 0.5 },
  { name: 'anode-free Li bright (inverted)', synth: { preset: 'plated' }, invert: true, layout: 'anode-free', floor: ANODE_FREE, maeVoxels: 0.5 },
  // the issue's small crop (`synth --shape 48,64,64`): as much carbon collector as electrolyte
  { name: 'anode-free small crop 48×64×64', synth: { preset: 'plated' }, shape: [48, 64, 64], layout: 'anode-free', floor: ANODE_FREE, maeVoxels: 0.5 },
  { name: 'Li foil, steel collector', synth: { preset: 'foil' }, layout: 'li-foil', floor: FOIL, maeVoxels: 0.5 },
  { name: 'Li foil stack along x', synth: { preset: 'foil', axis: 'x' }, layout: 'li-foil', floor: FOIL, maeVoxels: 0.5 },
  { name: 'Li foil tilted 15°', synth: { preset: 'foil', tiltDeg: 15 }, layout: 'li-foil', floor: FOIL, maeVoxels: 0.5 },
  { name: 'lab CT: plunger, air, FOV', synth: { preset: 'labct' }, layout: 'li-foil', floor: { ...FOIL, 255: 0.999 }, maeVoxels: 0.5 },
  { name: 'lab CT + die wall', synth: { preset: 'labct', surroundings: 'die' }, layout: 'li-foil', floor: { ...FOIL, 5: 0.99, 255: 0.999 }, maeVoxels: 2 },
  { name: 'symmetric, cropped', synth: { preset: 'symmetric' }, layout: 'symmetric', floor: SYMMETRIC, maeVoxels: 0.5 },
  { name: 'symmetric stack along y', synth: { preset: 'symmetric', axis: 'y' }, layout: 'symmetric', floor: SYMMETRIC, maeVoxels: 0.5 },
  { name: 'symmetric air beyond', synth: { preset: 'symmetric', surroundings: 'air' }, layout: 'symmetric', floor: { ...SYMMETRIC, 5: 0.98 }, maeVoxels: 0.5 },
  { name: 'symmetric plungers + air', synth: { preset: 'symmetric', surroundings: 'plunger' }, layout: 'symmetric', floor: SYMMETRIC, maeVoxels: 0.5 },
  { name: 'symmetric plungers, FOV, tilt 8°', synth: { preset: 'symmetric', surroundings: 'plunger', fov: 'circle', tiltDeg: 8 }, layout: 'symmetric', floor: { ...SYMMETRIC, 255: 0.999 }, maeVoxels: 1.5 },
  { name: 'symmetric bowed 20 µm, plungers', synth: { preset: 'symmetric', bowUm: 20, surroundings: 'plunger' }, layout: 'symmetric', floor: SYMMETRIC, maeVoxels: 0.5 },
  // a deep separator (512 slices): each cropped foil is 46 % of its end's 10 % band, so only the
  // outer 2.5 % shows the far Li layer — once 'unknown', both foils labelled outside
  { name: 'symmetric, deep separator (512 slices)', synth: { preset: 'symmetric', seed: 1 }, shape: [512, L, L], layout: 'symmetric', floor: SYMMETRIC, maeVoxels: 0.5 },
  { name: 'symmetric die wall', synth: { preset: 'symmetric', surroundings: 'die' }, layout: 'symmetric', floor: { ...SYMMETRIC, 2: 0.965 }, maeVoxels: 2 },
  { name: 'full cell', synth: { preset: 'fullcell' }, layout: 'full-cell', floor: { 0: 0.74, 1: 0.97, 2: 0.93, 4: 0.885 }, maeVoxels: 0.5, anyConfidence: true },
  { name: 'full cell air beyond', synth: { preset: 'fullcell', surroundings: 'air' }, layout: 'full-cell', floor: { 0: 0.74, 1: 0.97, 2: 0.93, 4: 0.885, 5: 0.98 }, maeVoxels: 0.5, anyConfidence: true },
  // tilted 15° towards 120°: the phantom's composite once ended short of the volume end in half the
  // columns (particle-free electrolyte beyond it), read as a Li foil with QC low (sweep `contrast`)
  { name: 'full cell tilted 15°', synth: { preset: 'fullcell', tiltDeg: 15, tiltAzimuthDeg: 120 }, layout: 'full-cell', floor: { 0: 0.69, 1: 0.98, 2: 0.9, 4: 0.885 }, maeVoxels: 0.5, anyConfidence: true },
  // a deep separator (512 slices, 1.5 µm voxels): the Li end's 10 % band is mostly electrolyte, the
  // NMC's end runs cover most columns — once read as a metal collector with confidence high, Li 0
  { name: 'full cell, deep separator (512 slices)', synth: { preset: 'fullcell' }, shape: [512, L, L], layout: 'full-cell', floor: { 0: 0.79, 1: 0.97, 2: 0.96, 4: 0.88 }, maeVoxels: 0.5, anyConfidence: true },
  // a thin separator (100 slices: Li 20, separator ≈ 20, composite 60): the NMC class outweighs the
  // electrolyte and the separator is a middle-grey slab at one end — once read as a carbon collector
  { name: 'full cell, thin separator (100 slices)', synth: { preset: 'fullcell' }, shape: [100, L, L], layout: 'full-cell', floor: { 0: 0.54, 1: 0.96, 2: 0.86, 4: 0.885 }, maeVoxels: 0.5, anyConfidence: true },
  // five materials (air, Li, electrolyte, NMC, steel): the cathode is found inside the metal layer
  { name: 'full cell with plungers', synth: { preset: 'fullcell', surroundings: 'plunger' }, layout: 'full-cell', floor: { 0: 0.7, 1: 0.97, 2: 0.9, 3: 0.99, 4: 0.88, 5: 0.99 }, maeVoxels: 0.5 },
  // an Al current collector beyond the composite (pouch and dry-film cells, S004): electrolyte-grey, found per column behind the face
  { name: 'full cell, Al foil 15 µm', synth: { preset: 'fullcell', cathodeFoilUm: 15 }, layout: 'full-cell', floor: { 0: 0.74, 1: 0.97, 2: 0.92, 3: 0.97, 4: 0.885 }, maeVoxels: 0.5, anyConfidence: true },
  { name: 'full cell, Al foil, tilted 15°', synth: { preset: 'fullcell', cathodeFoilUm: 15, tiltDeg: 15, tiltAzimuthDeg: 120 }, layout: 'full-cell', floor: { 0: 0.7, 1: 0.98, 2: 0.9, 3: 0.97, 4: 0.885 }, maeVoxels: 0.5, anyConfidence: true },
  { name: 'full cell, Al foil + air beyond', synth: { preset: 'fullcell', cathodeFoilUm: 15, surroundings: 'air' }, layout: 'full-cell', floor: { 0: 0.72, 1: 0.97, 2: 0.92, 3: 0.97, 4: 0.885, 5: 0.98 }, maeVoxels: 0.5, anyConfidence: true },
  { name: 'full cell, Al foil + plungers', synth: { preset: 'fullcell', cathodeFoilUm: 15, surroundings: 'plunger' }, layout: 'full-cell', floor: { 0: 0.69, 1: 0.97, 2: 0.89, 3: 0.97, 4: 0.87, 5: 0.99 }, maeVoxels: 0.5, anyConfidence: true },
  // a tilted Li face with air beyond it: the air wedge (9–28 slices) outweighs the Li in the layer's far field (fringe.ts liLevelUnderAir)
  { name: 'full cell air beyond, tilted 10°', synth: { preset: 'fullcell', surroundings: 'air', tiltDeg: 10, tiltAzimuthDeg: 30 }, layout: 'full-cell', floor: { 0: 0.7, 1: 0.97, 2: 0.9, 4: 0.885, 5: 0.98 }, maeVoxels: 0.5, anyConfidence: true },
  { name: 'symmetric air beyond, tilted 15°, along y', synth: { preset: 'symmetric', surroundings: 'air', tiltDeg: 15, tiltAzimuthDeg: 200, axis: 'y' }, layout: 'symmetric', floor: { ...SYMMETRIC, 5: 0.98 }, maeVoxels: 0.5 },
];

/** Gaps between the floors and the issue's targets, with their reason (printed with the table). */
const GAPS = [
  'void in anode-free cells (0.50–0.58): the 3 % electrolyte pores are ~1–2 voxels across; 68 % of the pore voxels lie in pores < 27 voxels and 99 % have a face neighbour that is not pore. A per-voxel oracle told which phases meet at each voxel reaches 0.57 on the scan, 0.68 on the noise-free image: the target 0.85 is beyond this phantom',
  'Li in the depleted cell (0.885): where the Li is gone a ≈ 1.8-voxel void gap between collector and electrolyte blurs to the grey of Li at the collector (median 3100 vs 2940 after the median filter): 4 400 of the 7 700 false Li voxels; counted right, Li would be 0.93',
  'electrolyte and cathode in the full cells (0.92–0.94, 0.89): NMC particles 3–7 voxels across blur into the matrix; the oracle above reaches electrolyte 0.94 / cathode 0.90 on the median-filtered scan, 0.95 / 0.92 on a Gaussian of σ 0.6 and 0.97 / 0.94 on the noise-free image. The opt-in second pass on that Gaussian (secondPass, --second-pass) lifts void +0.04, electrolyte +0.01, cathode +0.016 (0.907–0.911), at ≈ 1.8× the CPU and ≈ 9.5× the scan in memory at 512³: off by default. The pores by the Li anode are nearly as bright as Li (void | Li ≈ 1.3–1.5 σ, at the QC limit 1.5: the verdict is not asserted)',
  'anode-free cells on a Cu foil (plated Li 0.865 at QC high, depleted 0.81 at QC low): the synchrotron phase contrast at the Cu face (40 000 against Li 2 200) clips the Li within 2–3 voxels of it to grey 0, where void and Li cannot be told apart; its partial-volume sheet, electrolyte-grey, is not collector, so the fringe correction gets almost no collector-side samples (58–860 against 9 216 per electrolyte-side bin). Joining the sheet to the collector was tried: plated on Cu Li 0.988 but the QC verdicts flipped the wrong way (plated low, depleted high at Li 0.825) and the steel rows lost 0.01–0.02 voxel of thickness MAE: not kept',
  'void in the symmetric FOV / die-wall cases (0.82): at the oracle on the median-filtered scan (0.86, 0.83); the opt-in second pass reaches 0.847 / 0.846 (oracle on its Gaussian 0.89 / 0.86)',
  'full cell with a thin separator (100 slices, the composite 60 % of the depth): void 0.56, electrolyte 0.87: the separator is 20 voxels, so the Li | electrolyte and electrolyte | composite boundaries weigh more; the layout is found only on a denoised scan (with --denoise none, noise mixes a solid electrolyte\'s end slices like a composite\'s, and the separator reads as a carbon collector)',
];

const rows: string[] = [];

/** Per-electrode Li thickness MAE (voxels) in the working frame, over columns inside the cell. */
function thicknessMae(labels: Uint8Array, truthLabels: Uint8Array, p: ReturnType<typeof generatePhantom>, shape: Shape3): number {
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const dz = p.truth.voxel_um;
  let worst = 0;
  for (const e of p.electrodes) {
    const far = e.name === 'far';
    const surf = e.surface.data;
    let err = 0, cols = 0;
    for (let c = 0; c < plane; c++) {
      if (!Number.isFinite(surf[c]) || truthLabels[c] === 255 || truthLabels[(nz - 1) * plane + c] === 255) continue;
      if (truthLabels[Math.floor(nz / 2) * plane + c] === 5) continue; // die wall column
      let mine = 0, truth = 0;
      for (let k = 0; k < nz; k++) {
        const zc = (k + 0.5) * dz;
        if (far ? zc <= surf[c] : zc >= surf[c]) continue;
        if (labels[k * plane + c] === 1) mine += dz;
        if (truthLabels[k * plane + c] === 1) truth += dz;
      }
      err += Math.abs(mine - truth);
      cols++;
    }
    worst = Math.max(worst, cols ? err / cols / dz : 0);
  }
  return worst;
}

describe('default segmentation over the layout matrix', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const backend = await testBackend();
      const axis = (c.synth.axis ?? 'z') as AxisName;
      const d = depth(c.synth.preset);
      const shape: Shape3 = c.shape ?? (axis === 'x' ? [L, L, d] : axis === 'y' ? [L, d, L] : [d, L, L]);
      const p = generatePhantom({ seed: 3, ...c.synth, shape });
      let scan = p.scan;
      if (c.invert) scan = { ...scan, data: Uint16Array.from(scan.data as Uint16Array, (v) => 65535 - v) };
      const res = await segment(scan, { backend, mode: 'phases', method: 'otsu', liContrast: c.invert ? 'bright' : 'dark' });
      const qc = res.report.qc!;
      const truth = p.labels.data;
      const codes = ([0, 1, 2, 3, 4, 5, 255] as Code[]).filter((l) => truth.includes(l));
      const di = Object.fromEntries(codes.map((l) => [l, dice(res.labels, truth, l)])) as Partial<Record<Code, number>>;
      const canonShape: Shape3 = axis === 'x' ? [d, L, L] : axis === 'y' ? [d, L, L] : shape;
      const mae = c.mustBeLow ? NaN : thicknessMae(toCanonical(res.labels, shape, axis), toCanonical(truth, shape, axis), p, canonShape);
      const cell = codes.map((l) => `${NAMES[l]} ${di[l]!.toFixed(3)}${TARGET[l] !== undefined && di[l]! < TARGET[l]! ? '*' : ''}`).join(', ');
      rows.push(`| ${c.name} | ${qc.layout.name} / ${qc.layout.normal_axis} | ${cell} | ${Number.isFinite(mae) ? mae.toFixed(2) : '—'} | ${qc.confidence}${qc.confidence === 'low' ? ` (${qc.checks.filter((k) => !k.ok && k.severity === 'error').map((k) => k.name).join(', ')})` : ''} |`);
      if (c.mustBeLow) {
        expect(qc.confidence, 'an unhandled case must say it is unsure').toBe('low');
        return;
      }
      if (!c.anyConfidence) expect(qc.confidence, qc.warnings.join('; ')).toBe('high');
      expect(qc.layout.name).toBe(c.layout);
      expect(qc.layout.normal_axis).toBe(axis);
      for (const [code, floor] of Object.entries(c.floor)) {
        const l = Number(code) as Code;
        if (di[l] === undefined) continue;
        expect(di[l]!, `${NAMES[l]} Dice`).toBeGreaterThanOrEqual(floor);
      }
      expect(mae, 'per-electrode Li thickness MAE (voxels)').toBeLessThanOrEqual(c.maeVoxels ?? 1);
    });
  }
  afterAll(() => {
    console.log(['| case | layout / normal | Dice (* below the issue target) | thickness MAE (vox) | QC |', '|---|---|---|---|---|', ...rows, '', 'Gaps:', ...GAPS.map((g) => `- ${g}`)].join('\n'));
  });
});
