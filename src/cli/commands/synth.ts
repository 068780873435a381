import path from 'node:path';
import type { Command } from 'commander';
import { generatePhantom, PRESETS, type PresetName, type SynthOptions } from '../../synth/index.js';
import { writeTiff } from '../../io/tiff/index.js';
import { writeFileAtomically } from '../../io/atomic.js';
import { InputError } from '../../io/errors.js';
import { parseShape } from '../../io/raw.js';
import { ensureOutputDir } from '../input-options.js';
import { action, emit } from '../run-command.js';
import { createProgress } from '../progress.js';

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
  json?: boolean;
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
    .option('--tile <ny,nx>', 'mirror-tile the phantom laterally to NY×NX voxels and stream scan.tif, labels.tif and thickness_um.tif slice by slice (volumes larger than RAM)')
    .option('--json', 'print the summary as JSON on stdout')
    .action(
      action(async (dir: string, flags: SynthFlags) => {
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
        };
        await ensureOutputDir(dir);
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
        let shape = phantom.scan.shape;
        if (tile) {
          const { writeTiledTiff } = await import('../../synth/tile.js');
          const bar = createProgress('synth: tiled scan');
          shape = await writeTiledTiff(files.scan, phantom.scan, tile[0], tile[1], (d, t) => bar.update(d, t));
          bar.finish();
          const labelsBar = createProgress('synth: tiled labels');
          await writeTiledTiff(files.labels, phantom.labels, tile[0], tile[1], (d, t) => labelsBar.update(d, t), 'deflate');
          labelsBar.finish();
          await writeTiledTiff(files.thickness, phantom.thickness, tile[0], tile[1]);
          await writeTiledTiff(files.penetration, phantom.penetration, tile[0], tile[1]);
        } else {
          await writeTiff(files.scan, phantom.scan);
          await writeTiff(files.labels, phantom.labels);
          await writeTiff(files.thickness, phantom.thickness);
          await writeTiff(files.penetration, phantom.penetration);
        }
        await writeFileAtomically(files.truth, `${JSON.stringify(phantom.truth, null, 2)}\n`);
        const t = phantom.truth as unknown as { thickness?: { mean_um?: number } };
        emit(
          Boolean(flags.json),
          { dir, files, shape, tiled_from: tile ? phantom.scan.shape : null, spacing_um: phantom.scan.spacing, truth: phantom.truth },
          `wrote ${dir}: scan.tif ${shape.join('×')}${tile ? ` (mirror-tiled from ${phantom.scan.shape.join('×')})` : ''} uint16 at ${phantom.scan.spacing?.[0]} µm, labels.tif, thickness_um.tif, penetration_um.tif, truth.json` +
            (t.thickness?.mean_um !== undefined ? ` (mean Li thickness ${t.thickness.mean_um.toFixed(1)} µm)` : ''),
        );
      }),
    );
}
