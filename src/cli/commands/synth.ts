import path from 'node:path';
import type { Command } from 'commander';
import { generatePhantom, PRESETS, type NormalAxis, type PresetName, type ScanDtype, type Surroundings, type SynthOptions } from '../../synth/index.js';
import { writeTiff } from '../../io/tiff/index.js';
import { makeVolume } from '../../io/volume.js';
import { generateSeries } from '../../synth/series.js';
import { phaseLabelDisplay } from '../../io/label-lut.js';
import { writeFileAtomically } from '../../io/atomic.js';
import { InputError } from '../../io/errors.js';
import { parseShape } from '../../io/raw.js';
import { ensureOutputDir, FORCE_HELP } from '../input-options.js';
import { action, emit } from '../run-command.js';
import { createProgress } from '../../io/progress.js';

interface SynthFlags {
  preset: string;
  seed: string;
  shape?: string;
  voxel?: string;
  noise?: string;
  blur?: string;
  phaseContrast?: string;
  rings?: string;
  cupping?: string;
  drift?: string;
  tile?: string;
  axis?: string;
  tilt?: string;
  bow?: string;
  wave?: string;
  fov?: string;
  fovRadius?: string;
  surroundings?: string;
  dtype?: string;
  cathodeFoil?: string;
  collector?: string;
  series?: string;
  seriesScale?: string;
  json?: boolean;
  force?: boolean;
}

function choice<T extends string>(flag: string, text: string | undefined, allowed: readonly T[]): T | undefined {
  if (text === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(text)) throw new InputError(`${flag} must be one of ${allowed.join(', ')}, got '${text}'`);
  return text as T;
}

/** --tilt DEG[,AZIMUTH] */
function parseTilt(text: string): { tiltDeg: number; tiltAzimuthDeg?: number } {
  const parts = text.split(',');
  const v = parts.map((t) => (t.trim() === '' ? NaN : Number(t)));
  if (parts.length > 2 || v.some((n) => !Number.isFinite(n)) || v[0] < 0 || v[0] > 15) {
    throw new InputError(`--tilt must be DEG[,AZIMUTH] with DEG in 0..15 degrees, got '${text}'`);
  }
  return { tiltDeg: v[0], tiltAzimuthDeg: v.length > 1 ? v[1] : undefined };
}

/** --bow UM */
function parseBow(text: string): { bowUm: number } {
  const v = text.trim() === '' ? NaN : Number(text);
  if (!Number.isFinite(v) || Math.abs(v) > 1e4) throw new InputError(`--bow must be a number of µm (corners deeper than the centre; negative: shallower), got '${text}'`);
  return { bowUm: v };
}

/** --wave AMPLITUDE,PERIOD (µm) */
function parseWave(text: string): { wave: { amplitudeUm: number; periodUm: number } } {
  const v = text.split(',').map((t) => (t.trim() === '' ? NaN : Number(t)));
  if (v.length !== 2 || !(v[0] >= 0) || !(v[1] > 0) || v.some((n) => !Number.isFinite(n))) throw new InputError(`--wave must be AMPLITUDE,PERIOD in µm (amplitude ≥ 0, period > 0), got '${text}'`);
  return { wave: { amplitudeUm: v[0], periodUm: v[1] } };
}

/** --fov none|circle[:FILL], FILL a number or nan */
function parseFov(text: string): { fov: 'none' | 'circle'; fovFill?: number | 'nan' } {
  const [kind, fill, ...rest] = text.split(':');
  if (rest.length || (kind !== 'none' && kind !== 'circle') || (kind === 'none' && fill !== undefined)) {
    throw new InputError(`--fov must be none or circle[:FILL] (FILL a number or nan), got '${text}'`);
  }
  if (fill === undefined) return { fov: kind };
  if (fill.toLowerCase() === 'nan') return { fov: kind, fovFill: 'nan' };
  const n = fill.trim() === '' ? NaN : Number(fill);
  if (!Number.isFinite(n)) throw new InputError(`--fov fill must be a number or nan, got '${fill}'`);
  return { fov: kind, fovFill: n };
}

function nonNegative(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isFinite(v) || v < 0) throw new InputError(`${flag} must be a non-negative number, got '${text}'`);
  return v;
}

function parseTile(text: string): [number, number] {
  const v = text.split(',').map(Number);
  if (v.length !== 2 || v.some((n) => !Number.isInteger(n) || n < 1)) throw new InputError(`--tile must be NY,NX (positive integers), got '${text}'`);
  return [v[0], v[1]];
}

/** --series-scale SZ,SY,SX: the last scan's scale along [z, y, x] (pellet creep), each in (0.5, 2). */
function parseSeriesScale(text: string): [number, number, number] {
  const v = text.split(',').map((t) => (t.trim() === '' ? NaN : Number(t)));
  if (v.length !== 3 || v.some((x) => !(x > 0.5 && x < 2))) throw new InputError(`--series-scale must be SZ,SY,SX (three factors in 0.5…2, e.g. 1.02,1,0.99), got '${text}'`);
  return [v[0], v[1], v[2]];
}

/** --series N: generateSeries (src/synth/series.ts) written as scan<k>.tif, labels<k>.tif, labels<k>_in_scan0.tif, series_truth.json. */
async function writeSeries(dir: string, flags: SynthFlags, options: SynthOptions): Promise<void> {
  const count = Number(flags.series);
  if (!Number.isInteger(count) || count < 2 || count > 64) throw new InputError(`--series must be an integer from 2 to 64, got '${flags.series}'`);
  if (flags.tile) throw new InputError('--series cannot be combined with --tile');
  if ((options.axis ?? 'z') !== 'z') throw new InputError(`--series needs --axis z, got --axis ${options.axis}`);
  const { axis: _axis, ...rest } = options;
  const names = ['series_truth.json', ...Array.from({ length: count }, (_, k) => [`scan${k}.tif`, `labels${k}.tif`, `labels${k}_in_scan0.tif`]).flat()];
  await ensureOutputDir(dir, { files: names, force: flags.force });
  const progress = createProgress(`synth series ${flags.preset}`);
  const series = generateSeries({ ...rest, count, onProgress: undefined, scale: flags.seriesScale !== undefined ? parseSeriesScale(flags.seriesScale) : undefined });
  progress.finish();
  const files: string[] = [];
  for (let k = 0; k < count; k++) {
    const s = series.scans[k];
    const f = { scan: path.join(dir, `scan${k}.tif`), labels: path.join(dir, `labels${k}.tif`), first: path.join(dir, `labels${k}_in_scan0.tif`) };
    await writeTiff(f.scan, s.scan);
    await writeTiff(f.labels, s.labels, { display: phaseLabelDisplay() });
    await writeTiff(f.first, makeVolume(series.labelsInFirst[k], s.labels.shape, s.labels.spacing), { display: phaseLabelDisplay() });
    files.push(f.scan, f.labels, f.first);
  }
  const truthFile = path.join(dir, 'series_truth.json');
  await writeFileAtomically(truthFile, `${JSON.stringify(series.truth, null, 2)}\n`);
  emit(
    Boolean(flags.json),
    { dir, files: [...files, truthFile], truth: series.truth },
    [
      `wrote ${dir}: ${count} scans ${series.truth.shape.join('×')} at ${series.truth.voxel_um} µm (scan<k>.tif, labels<k>.tif, labels<k>_in_scan0.tif), series_truth.json`,
      ...series.truth.scans.slice(1).map((s) => `  scan ${s.index}: moved ${s.translation_voxels.map((x) => x.toFixed(2)).join(', ')} voxels [z, y, x], rotated ${s.rotation_deg.map((x) => x.toFixed(2)).join(', ')}° [z, y, x]${s.scale ? `, scaled ${s.scale.map((x) => x.toFixed(4)).join(', ')} [z, y, x]` : ''}; ${s.stripped_mah_cm2.toFixed(2)} mAh/cm² stripped`),
    ].join('\n'),
  );
}

export function registerSynth(program: Command): void {
  program
    .command('synth')
    .description('generate a realistic Li / solid-electrolyte phantom scan with ground truth')
    .argument('<dir>', 'output folder (created if missing)')
    .option('--preset <name>', `phantom kind: ${Object.keys(PRESETS).join('|')}`, 'plated')
    .option('--seed <n>', 'random seed (same seed, same phantom)', '1')
    .option('--shape <nz,ny,nx>', 'volume shape in voxels (default per preset)')
    .option('--voxel <um>', 'isotropic voxel size in µm (default per preset)')
    .option('--noise <s>', 'noise strength (0 = none)')
    .option('--blur <sigma>', 'detector blur σ in voxels (0 = none)')
    .option('--phase-contrast <a>', 'phase-contrast edge fringe strength (0 = none)')
    .option('--rings <a>', 'ring artefact strength (0 = none)')
    .option('--cupping <a>', 'beam-hardening cupping strength (0 = none)')
    .option('--drift <a>', 'slow gain drift along z (0 = none)')
    .option('--axis <z|y|x>', 'stack normal in the output volume (default z); --shape is the output shape')
    .option('--tilt <deg[,azimuth]>', 'tilt the whole stack by DEG (0–15) towards AZIMUTH degrees (default 0 = +x)')
    .option('--bow <um>', 'bowed stack: the corners UM deeper along the normal than the centre (negative: shallower)')
    .option('--wave <amplitude,period>', 'wavy stack: displacement AMPLITUDE µm with PERIOD µm along x')
    .option('--fov <none|circle[:fill]>', 'circular reconstruction field of view; outside: label 255 and FILL (number or nan, default 0)')
    .option('--fov-radius <fraction>', 'field-of-view disc radius as a fraction of the smaller lateral extent (default 0.5)')
    .option('--surroundings <none|air|plunger|die>', 'what lies beyond the stack ends (label 5 air, steel plunger label 3, PEEK die wall label 5)')
    .option('--dtype <uint16|uint8|float32>', 'scan type (uint8 = linear rescale of the uint16 range; default uint16, float32 with a nan fill)')
    .option('--cathode-foil <um>', 'full cell: an Al current collector foil UM thick beyond the composite cathode (label 3)')
    .option('--collector <carbon|copper>', 'anode-free presets: the current collector (default carbon: Grafoil; copper: a 12 µm Cu foil, metal-bright)')
    .option('--tile <ny,nx>', 'mirror-tile the phantom laterally to NY×NX voxels and stream scan.tif, labels.tif and thickness_um.tif slice by slice (volumes larger than RAM)')
    .option('--series <n>', 'a time series of N scans of one cell: known rigid motion, non-uniform Li stripping and voids, gain change and fresh noise per scan; writes scan<k>.tif, labels<k>.tif, labels<k>_in_scan0.tif and series_truth.json')
    .option('--series-scale <sz,sy,sx>', 'with --series: pellet creep, the last scan scaled by these factors along [z, y, x] (scan k by 1 + (s − 1)·k/(N − 1)), e.g. 1.02,1,0.99')
    .option('--force', FORCE_HELP)
    .option('--json', 'print the summary as JSON on stdout')
    .action(
      action(async (dir: string, flags: SynthFlags) => {
        if (flags.seriesScale !== undefined && flags.series === undefined) throw new InputError('--series-scale needs --series N');
        if (!(flags.preset in PRESETS)) throw new InputError(`--preset must be one of ${Object.keys(PRESETS).join(', ')}, got '${flags.preset}'`);
        const seed = Number(flags.seed);
        if (!Number.isInteger(seed)) throw new InputError(`--seed must be an integer, got '${flags.seed}'`);
        const voxelUm = nonNegative('--voxel', flags.voxel);
        if (voxelUm === 0) throw new InputError('--voxel must be positive');
        const options: SynthOptions = {
          preset: flags.preset as PresetName,
          seed,
          shape: flags.shape ? parseShape(flags.shape) : undefined,
          voxelUm,
          noise: nonNegative('--noise', flags.noise),
          blurSigmaVoxels: nonNegative('--blur', flags.blur),
          phaseContrast: nonNegative('--phase-contrast', flags.phaseContrast),
          rings: nonNegative('--rings', flags.rings),
          cupping: nonNegative('--cupping', flags.cupping),
          drift: nonNegative('--drift', flags.drift),
          axis: choice<NormalAxis>('--axis', flags.axis, ['z', 'y', 'x']),
          surroundings: choice<Surroundings>('--surroundings', flags.surroundings, ['none', 'air', 'plunger', 'die']),
          dtype: choice<ScanDtype>('--dtype', flags.dtype, ['uint16', 'uint8', 'float32']),
          fovRadiusFraction: nonNegative('--fov-radius', flags.fovRadius),
          cathodeFoilUm: nonNegative('--cathode-foil', flags.cathodeFoil),
          collectorMaterial: choice<'carbon' | 'copper'>('--collector', flags.collector, ['carbon', 'copper']),
          ...(flags.tilt !== undefined ? parseTilt(flags.tilt) : {}),
          ...(flags.bow !== undefined ? parseBow(flags.bow) : {}),
          ...(flags.wave !== undefined ? parseWave(flags.wave) : {}),
          ...(flags.fov !== undefined ? parseFov(flags.fov) : {}),
        };
        if (flags.series !== undefined) {
          await writeSeries(dir, flags, options);
          return;
        }
        // Mirror tiling extends the two lateral axes, which are y and x only for a z stack normal.
        if (flags.tile && (options.axis ?? 'z') !== 'z') throw new InputError(`--tile needs --axis z (the tiled axes are y and x), got --axis ${options.axis}`);
        const names = ['scan.tif', 'labels.tif', 'thickness_um.tif', 'penetration_um.tif', 'truth.json', 'thickness_far_um.tif', 'penetration_far_um.tif'];
        await ensureOutputDir(dir, { files: names, force: flags.force });
        const progress = createProgress(`synth ${flags.preset}`);
        options.onProgress = (d, t) => progress.update(d, t);
        const phantom = generatePhantom(options);
        progress.finish();
        const tile = flags.tile ? parseTile(flags.tile) : null;
        const files = {
          scan: path.join(dir, 'scan.tif'),
          labels: path.join(dir, 'labels.tif'),
          thickness: path.join(dir, 'thickness_um.tif'),
          penetration: path.join(dir, 'penetration_um.tif'),
          truth: path.join(dir, 'truth.json'),
        };
        // Second electrode (symmetric cells): thickness_far_um.tif / penetration_far_um.tif.
        const extra = phantom.electrodes.slice(1).flatMap((e) => [
          { file: path.join(dir, `thickness_${e.name}_um.tif`), vol: e.thickness },
          { file: path.join(dir, `penetration_${e.name}_um.tif`), vol: e.penetration },
        ]);
        let shape = phantom.scan.shape;
        if (tile) {
          const { writeTiledTiff } = await import('../../synth/tile.js');
          const bar = createProgress('synth: tiled scan');
          shape = await writeTiledTiff(files.scan, phantom.scan, tile[0], tile[1], (d, t) => bar.update(d, t));
          bar.finish();
          const labelsBar = createProgress('synth: tiled labels');
          await writeTiledTiff(files.labels, phantom.labels, tile[0], tile[1], (d, t) => labelsBar.update(d, t), 'deflate', phaseLabelDisplay());
          labelsBar.finish();
          await writeTiledTiff(files.thickness, phantom.thickness, tile[0], tile[1]);
          await writeTiledTiff(files.penetration, phantom.penetration, tile[0], tile[1]);
          for (const x of extra) await writeTiledTiff(x.file, x.vol, tile[0], tile[1]);
        } else {
          await writeTiff(files.scan, phantom.scan);
          await writeTiff(files.labels, phantom.labels, { display: phaseLabelDisplay() });
          await writeTiff(files.thickness, phantom.thickness);
          await writeTiff(files.penetration, phantom.penetration);
          for (const x of extra) await writeTiff(x.file, x.vol);
        }
        await writeFileAtomically(files.truth, `${JSON.stringify(phantom.truth, null, 2)}\n`);
        const t = phantom.truth as unknown as { thickness?: { mean_um?: number } };
        emit(
          Boolean(flags.json),
          { dir, files: { ...files, electrodes: extra.map((x) => x.file) }, shape, tiled_from: tile ? phantom.scan.shape : null, spacing_um: phantom.scan.spacing, truth: phantom.truth },
          `wrote ${dir}: scan.tif ${shape.join('×')}${tile ? ` (mirror-tiled from ${phantom.scan.shape.join('×')})` : ''} ${phantom.scan.dtype} at ${phantom.scan.spacing?.[0]} µm, labels.tif, thickness_um.tif, penetration_um.tif${extra.map((x) => `, ${path.basename(x.file)}`).join('')}, truth.json` +
            (t.thickness?.mean_um !== undefined ? ` (mean Li thickness ${t.thickness.mean_um.toFixed(1)} µm)` : ''),
        );
      }),
    );
}
