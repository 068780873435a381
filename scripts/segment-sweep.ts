/**
 * Robustness sweep of the default phase segmentation beyond the layout matrix: every phantom preset
 * over stack depths, lateral sizes, seeds, voxel sizes, noise and surroundings that the matrix
 * (test/segment/layout-matrix.test.ts, 96 × 96 columns at the presets' depth, seed 3) does not hold.
 * A phantom we wrote tests what we thought of; this one tests what we did not.
 *
 *   npm run build && node dist/scripts/segment-sweep.js [--presets plated,foil,...] [--set shapes|variants|contrast|faces|all] [--workers 2]
 *
 * Per case one line: layout and stack normal found, QC verdict, Dice per phase against the truth.
 * A case is SILENT when the QC says high and a phase with ≥ 1 % of the truth voxels (Li: ≥ 0.1 %) has Dice < 0.8
 * (void < 0.3: the anode-free cells' void is their 1–2-voxel electrolyte pores, 0.5–0.6 at best, see
 * the README's Gaps), or the layout is not the preset's: the one failure a user cannot see. Exit 1 when any case is
 * silent, so the sweep can gate a change. Each found failure that was fixed became a matrix row.
 * Cost: the `shapes` set ≈ 48 cases of 1–8 M voxels (≈ 6 min on 2 cores), `variants` 30 cases,
 * `contrast` 48 cases (≈ 5 min), `faces` 16 cases (symmetric and full cells: air beyond tilted faces, Al foils;
 * anode-free cells on a Cu foil).
 */
import { createBackend } from '../src/compute/index.js';
import type { Shape3 } from '../src/io/volume.js';
import { segment } from '../src/segment/index.js';
import { invertGrey } from '../src/segment/common.js';
import { minMax } from '../src/segment/histogram.js';
import { invertedReadingWorthTrying } from '../src/segment/run.js';
import type { GreyArray } from '../src/compute/types.js';
import type { LayoutName } from '../src/segment/types.js';
import { generatePhantom, type PresetName, type SynthOptions } from '../src/synth/index.js';

const argv = process.argv.slice(2);
const arg = (name: string, def: string) => {
  const k = argv.indexOf(`--${name}`);
  return k >= 0 ? argv[k + 1] : def;
};

const LAYOUT: Record<PresetName, LayoutName> = { plated: 'anode-free', depleted: 'anode-free', foil: 'li-foil', labct: 'li-foil', symmetric: 'symmetric', fullcell: 'full-cell' };
const NAMES: Record<number, string> = { 0: 'void', 1: 'Li', 2: 'electrolyte', 3: 'collector', 4: 'cathode', 5: 'outside', 255: 'fov' };
const presets = arg('presets', 'plated,depleted,foil,symmetric,labct,fullcell').split(',') as PresetName[];
const set = arg('set', 'all');

/** `invert`: the scan mirrored in its grey range (Li brighter than the electrolyte). */
interface SweepCase { name: string; synth: SynthOptions; invert?: boolean }
const cases: SweepCase[] = [];
for (const preset of presets) {
  if (set === 'shapes' || set === 'all') {
    // shallow and wide (a synchrotron crop), mid, deep and narrow, deep (a thick separator)
    for (const shape of [[64, 256, 256], [100, 160, 160], [300, 64, 64], [512, 128, 128]] as Shape3[]) {
      for (const seed of [1, 7]) cases.push({ name: `${preset} ${shape.join('×')} seed ${seed}`, synth: { preset, shape, seed } });
    }
  }
  if (set === 'variants' || set === 'all') {
    cases.push(
      { name: `${preset} voxel 0.7 µm`, synth: { preset, voxelUm: 0.7, shape: [200, 128, 128], seed: 2 } },
      { name: `${preset} voxel 3 µm`, synth: { preset, voxelUm: 3, shape: [120, 128, 128], seed: 2 } },
      { name: `${preset} noise 2×`, synth: { preset, noise: 2000, shape: [200, 128, 128], seed: 2 } },
      { name: `${preset} FOV, plungers, tilt 10°, along y`, synth: { preset, fov: 'circle', surroundings: 'plunger', tiltDeg: 10, tiltAzimuthDeg: 45, axis: 'y', shape: [128, 240, 128], seed: 2 } },
      { name: `${preset} die wall, along x`, synth: { preset, surroundings: 'die', axis: 'x', shape: [128, 128, 240], seed: 2 } },
      { name: `${preset} air, FOV (NaN), bowed 20 µm`, synth: { preset, surroundings: 'air', fov: 'circle', fovFill: 'nan', bowUm: 20, shape: [240, 128, 128], seed: 2 } },
    );
  }
  if (set === 'contrast' || set === 'all') {
    // grey, artefacts and resolution: what the matrix holds for the anode-free cell only, if at all
    cases.push(
      { name: `${preset} strong lab artefacts (rings 600, cupping 20 %, drift 10 %)`, synth: { preset, rings: 600, cupping: 0.2, drift: 0.1, shape: [200, 128, 128], seed: 4 } },
      { name: `${preset} blur σ 1.6 voxels`, synth: { preset, blurSigmaVoxels: 1.6, shape: [200, 128, 128], seed: 4 } },
      { name: `${preset} phase contrast 3`, synth: { preset, phaseContrast: 3, shape: [200, 128, 128], seed: 4 } },
      { name: `${preset} 8-bit, along x`, synth: { preset, dtype: 'uint8', axis: 'x', shape: [128, 128, 200], seed: 4 } },
      { name: `${preset} float32, tilt 15°`, synth: { preset, dtype: 'float32', tiltDeg: 15, tiltAzimuthDeg: 120, shape: [200, 128, 128], seed: 4 } },
      { name: `${preset} Li bright (inverted)`, synth: { preset, shape: [200, 128, 128], seed: 4 }, invert: true },
      { name: `${preset} small FOV disc (0.35), wavy 5 µm / 60 µm`, synth: { preset, fov: 'circle', fovRadiusFraction: 0.35, wave: { amplitudeUm: 5, periodUm: 60 }, shape: [200, 160, 160], seed: 4 } },
      { name: `${preset} small crop 48×96×96`, synth: { preset, shape: [48, 96, 96], seed: 4 } },
    );
  }
  if ((set === 'faces' || set === 'all') && (preset === 'plated' || preset === 'depleted')) {
    // the common anode-free current collector: a Cu foil (metal-bright), with and without the synchrotron fringe at it
    cases.push(
      { name: `${preset} on a Cu foil`, synth: { preset, collectorMaterial: 'copper', shape: [160, 128, 128], seed: 5 } },
      { name: `${preset} on a Cu foil, no phase contrast, tilt 10°`, synth: { preset, collectorMaterial: 'copper', phaseContrast: 0, tiltDeg: 10, tiltAzimuthDeg: 40, shape: [160, 128, 128], seed: 5 } },
      { name: `${preset} on a Cu foil, lab CT (no phase contrast, cupping 8 %), plunger`, synth: { preset, collectorMaterial: 'copper', phaseContrast: 0, cupping: 0.08, surroundings: 'plunger', shape: [160, 128, 128], seed: 5 } },
    );
  }
  if ((set === 'faces' || set === 'all') && (preset === 'symmetric' || preset === 'fullcell')) {
    // what lies beyond a two-ended stack's faces: air beyond a tilted Li face, a full cell's Al collector foil
    cases.push(
      { name: `${preset} air beyond, tilt 15°`, synth: { preset, surroundings: 'air', tiltDeg: 15, tiltAzimuthDeg: 250, shape: [200, 128, 128], seed: 5 } },
      { name: `${preset} air beyond, tilt 12°, along x`, synth: { preset, surroundings: 'air', tiltDeg: 12, tiltAzimuthDeg: 10, axis: 'x', shape: [128, 128, 200], seed: 5 } },
    );
    if (preset === 'fullcell') {
      cases.push(
        { name: 'fullcell Al foil 10 µm, air, tilt 8°', synth: { preset, cathodeFoilUm: 10, surroundings: 'air', tiltDeg: 8, tiltAzimuthDeg: 70, shape: [200, 128, 128], seed: 5 } },
        { name: 'fullcell Al foil 20 µm, plungers, FOV', synth: { preset, cathodeFoilUm: 20, surroundings: 'plunger', fov: 'circle', shape: [200, 128, 128], seed: 5 } },
        { name: 'fullcell Al foil 15 µm, 8-bit, along y', synth: { preset, cathodeFoilUm: 15, dtype: 'uint8', axis: 'y', shape: [128, 200, 128], seed: 5 } },
        { name: 'fullcell Al foil 12 µm, voxel 0.7 µm', synth: { preset, cathodeFoilUm: 12, voxelUm: 0.7, shape: [300, 128, 128], seed: 5 } },
        { name: 'fullcell Al foil 15 µm, blur σ 1.6, noise 2×', synth: { preset, cathodeFoilUm: 15, blurSigmaVoxels: 1.6, noise: 2000, shape: [200, 128, 128], seed: 5 } },
        { name: 'fullcell Al foil 15 µm, deep (400 slices)', synth: { preset, cathodeFoilUm: 15, shape: [400, 96, 96], seed: 5 } },
      );
    }
  }
}

const backend = await createBackend('cpu', { workers: Number(arg('workers', '2')) });
let silent = 0;
console.log('| case | layout / normal | QC | Dice | verdict |');
console.log('|---|---|---|---|---|');
try {
  for (const c of cases) {
    let p: ReturnType<typeof generatePhantom>;
    try {
      p = generatePhantom(c.synth);
    } catch (e) {
      console.log(`| ${c.name} | – | – | no such phantom: ${(e as Error).message} | skipped |`);
      continue;
    }
    if (c.invert) {
      const data = p.scan.data as GreyArray;
      const { min, max } = minMax(data);
      invertGrey(data, data, min, max);
    }
    // as `buried segment --li-contrast auto` (segment/run.ts): a second, inverted reading when the
    // attenuation reading calls for it (each reading gets its own copy: segment may filter in place)
    const grey = c.invert ? p.scan.data.slice() : null;
    let res = await segment(grey ? { ...p.scan, data: grey.slice() } : p.scan, { backend, mode: 'phases', method: 'otsu' });
    if (grey && invertedReadingWorthTrying(res.report)) {
      const bright = await segment({ ...p.scan, data: grey }, { backend, mode: 'phases', method: 'otsu', liContrast: 'bright' });
      if (bright.report.qc?.confidence === 'high') res = bright;
    }
    const qc = res.report.qc!;
    const truth = p.labels.data, labels = res.labels;
    const nT = new Float64Array(256), nS = new Float64Array(256), nI = new Float64Array(256);
    for (let k = 0; k < truth.length; k++) {
      const t = truth[k], s = labels[k];
      nT[t]++;
      nS[s]++;
      if (t === s) nI[t]++;
    }
    const parts: string[] = [];
    let worst = 1;
    for (const l of [0, 1, 2, 3, 4, 5, 255]) {
      if (!nT[l] && !nS[l]) continue;
      const d = (2 * nI[l]) / (nT[l] + nS[l]);
      parts.push(`${NAMES[l]} ${d.toFixed(3)}`);
      // phases of ≥ 1 % of the voxels, and Li whenever some is there (a depleted cell in a small field
      // of view holds 0.5 % Li: the product's main phase all the same)
      if (nT[l] >= 0.01 * truth.length || (l === 1 && nT[l] >= 0.001 * truth.length)) worst = Math.min(worst, l === 0 ? d / 0.375 : d); // void floor 0.3 ↔ 0.8
    }
    // collector | Li | electrolyte on a metal collector with Li in every column is named li-foil
    // (common.ts layoutName: a plated layer and a thin foil look alike); the same stack either way
    const sameStack = c.synth.collectorMaterial === 'copper' && qc.layout.name === 'li-foil';
    const wrongLayout = qc.layout.name !== LAYOUT[c.synth.preset] && !sameStack;
    const bad = worst < 0.8 || wrongLayout;
    const verdict = !bad ? 'ok' : qc.confidence === 'high' ? 'SILENT' : 'wrong, says low';
    if (verdict === 'SILENT') silent++;
    const why = qc.confidence === 'low' ? ` (${qc.checks.filter((k) => !k.ok && k.severity === 'error').map((k) => k.name).join(', ')})` : '';
    console.log(`| ${c.name} | ${qc.layout.name} / ${qc.layout.normal_axis} | ${qc.confidence}${why} | ${parts.join(', ')} | ${verdict} |`);
  }
} finally {
  await backend.dispose();
}
console.log(`${cases.length} cases, ${silent} silently wrong`);
process.exitCode = silent ? 1 : 0;
