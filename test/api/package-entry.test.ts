/**
 * The package entry (package.json exports['.'], the built dist/src/index.js that `import … from
 * 'buried-li'` loads): the names it exports are exactly the documented set, every stage is a
 * function, and a small phantom goes through the stages called from the entry, with numbers checked
 * against the phantom's truth and closed forms. Needs the build (npm test builds first).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPO, tempDir } from '../helpers.js';

const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { main: string; exports: { '.': { import: string } } };
const entry = path.join(REPO, pkg.exports['.'].import);
const api = (await import(pathToFileURL(entry).href)) as typeof import('../../src/index.js');

/** What users import: values and functions (types are checked by readme-example.test.ts's declarations test). */
const EXPORTS = [
  'CURRENT_FILES', 'ContactCell', 'CpuBackend', 'FEM_FILES', 'InputError', 'LI_UM_PER_MAH_CM2', 'PHASE_NAMES', 'PLAUSIBLE_VOXEL_UM', 'PRESETS',
  'RUN_MANIFEST', 'RUN_REPORT', 'SEGMENT_FILES', 'STAGE_DIRS', 'STRIP_FILES', 'ServiceLostError', 'THICKNESS_FILES', 'allocate', 'arrayConstructor', 'bytesPerVoxel',
  'createBackend', 'createTiffWriter', 'defaultConfig', 'distanceStage', 'distanceTransformLabel', 'dtypeOf', 'electrodeMaps', 'generatePhantom',
  'isPlausibleVoxel', 'loadVolume', 'localThickness', 'localThicknessStage', 'makeVolume', 'measureThickness', 'micronsPerUnit', 'namingFile',
  'openHdf5', 'openRaw', 'openTiff', 'openTiffFolder', 'openVolume', 'parseVoxelOption', 'readRunDocs', 'readVolume', 'resolveConfig', 'runCurrent',
  'runFile', 'runPipeline', 'runStripping', 'segment', 'segmentOutOfCore', 'segmentScan', 'slabDepth', 'solveConduction', 'solveCurrentStage',
  'sourceRange', 'spacingFromTiffTags', 'summarizeThickness', 'thicknessFiles', 'thicknessMap', 'valueRange', 'viewAs', 'voxelCount',
  'writeAtomically', 'writeElectrodeOutputs', 'writeFileAtomically', 'writeSegmentation', 'writeTiff', 'writeVti',
  'runContact', 'profilesCsv', 'liMaterial', 'electrolyteMaterial',
  'generateSeries', 'registerSeries', 'registerRigid',
];

/** One library call per stage (src/index.ts: "each stage is a library function first"). */
const STAGES = [
  'generatePhantom', 'segment', 'segmentOutOfCore', 'segmentScan', 'writeSegmentation', 'electrodeMaps', 'thicknessMap', 'summarizeThickness',
  'measureThickness', 'writeElectrodeOutputs', 'distanceStage', 'localThicknessStage', 'distanceTransformLabel', 'localThickness', 'runStripping',
  'runCurrent', 'solveCurrentStage', 'solveConduction', 'ContactCell', 'runContact', 'runPipeline', 'createBackend', 'openVolume', 'loadVolume', 'writeTiff', 'sourceRange',
];

describe('package entry', () => {
  it('main and exports point at the same built file', () => {
    expect(path.join(REPO, pkg.main)).toBe(entry);
    expect(entry).toBe(path.join(REPO, 'dist', 'src', 'index.js'));
  });

  it('exports exactly the documented names; every stage is a function', () => {
    expect(Object.keys(api).sort()).toEqual([...EXPORTS].sort());
    const record = api as unknown as Record<string, unknown>;
    for (const name of STAGES) expect(typeof record[name], name).toBe('function');
  });

  it('a phantom through the stages from the entry: scan range, segmentation, thickness and current against truth and closed forms', async () => {
    const p = api.generatePhantom({ preset: 'plated', seed: 3, shape: [96, 32, 32] });
    const truth = p.truth;
    expect(truth.voxel_um).toBe(1.7);

    // write, reopen, range
    const file = path.join(tempDir('buried-entry-'), 'scan.tif');
    await api.writeTiff(file, p.scan);
    const source = await api.openVolume(file);
    let lo = Infinity, hi = -Infinity;
    for (const v of p.scan.data) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(await api.sourceRange(source)).toMatchObject({ min: lo, max: hi, sampled: false, slicesRead: 96 });
    await source.close();

    // segmentation: Li where the truth has it, capacity as the truth says (measured: Li Dice 0.991, capacity −0.39 %)
    const backend = await api.createBackend('cpu', { workers: 1 });
    let labels: Uint8Array;
    try {
      const seg = await api.segment(p.scan, { backend, mode: 'phases', method: 'otsu' });
      labels = seg.labels;
      let inter = 0, a = 0, b = 0;
      for (let i = 0; i < labels.length; i++) {
        const x = labels[i] === 1, y = p.labels.data[i] === 1;
        if (x) a++;
        if (y) b++;
        if (x && y) inter++;
      }
      expect((2 * inter) / (a + b)).toBeGreaterThan(0.98);
      expect(Math.abs(seg.report.li!.areal_capacity_mah_cm2! / truth.thickness.mean_capacity_mah_cm2 - 1)).toBeLessThan(0.01);
    } finally {
      await backend.dispose();
    }

    // thickness map of the electrode against the truth map (measured: mean −0.69 %)
    const maps = api.electrodeMaps(api.makeVolume(labels, p.scan.shape, p.scan.spacing), { scan: p.scan });
    expect(maps.electrodes).toHaveLength(1);
    const s = api.summarizeThickness(maps.electrodes[0].map);
    expect(Math.abs(s.mean_um - truth.thickness.mean_um) / truth.thickness.mean_um).toBeLessThan(0.015);
    expect(s.mean_capacity_mah_cm2).toBeCloseTo(s.mean_um / api.LI_UM_PER_MAH_CM2, 4);

    // full contact: the electrolyte's resistance L/σ, in both solvers (50 µm / 2 mS/cm = 2.5 Ω·cm²)
    const current = api.runCurrent(new Uint8Array(16 * 16).fill(1), 16, 16, 1.7, 1.7, { thicknessUm: 50, layers: 20, sigmaMsPerCm: 2, tol: 1e-12 });
    expect(current.summary.resistance_ohm_cm2).toBeCloseTo(2.5, 9);
    const fem = api.solveConduction({ lambda: 10, h: new Float64Array(32), contact: new Uint8Array(32).fill(1), thickness: 50, sigmaMsPerCm: 2, ny: 8 });
    expect(fem.total_ohm_cm2).toBeCloseTo(2.5, 9);
  });
});
