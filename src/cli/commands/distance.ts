import path from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomically } from '../../io/atomic.js';
import { InputError } from '../../io/errors.js';
import { loadVolume } from '../../io/open.js';
import type { BackendChoice } from '../../compute/types.js';
import type { Spacing3, Volume } from '../../io/volume.js';
import { distanceTransformLabel, summarizeDistance } from '../../thickness/edt.js';
import { localThickness, summarizeLocalThickness } from '../../thickness/local-thickness.js';
import { writeFloatVolume } from '../../thickness/outputs.js';
import { addInputOptions, ensureOutputDir, openOptionsFrom, type InputFlags } from '../input-options.js';
import { createProgress } from '../progress.js';
import { action, emit } from '../run-command.js';
import { requireLabels } from './thickness.js';

interface PhaseFlags extends InputFlags {
  out: string;
  label: string;
  threads?: string;
  backend: string;
  json?: boolean;
}

function parseBackend(text: string): BackendChoice {
  if (text === 'auto' || text === 'cpu' || text === 'gpu') return text;
  throw new InputError(`--backend must be auto, cpu or gpu, got '${text}'`);
}

const note = (message: string) => process.stderr.write(`buried: note: ${message}\n`);

function parseLabel(text: string): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < 0 || v > 255) throw new InputError(`--label must be an integer 0..255, got '${text}'`);
  return v;
}

function parseThreads(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1) throw new InputError(`--threads must be a positive integer, got '${text}'`);
  return v;
}

/** Load, check uint8 + spacing, check the label is present and is not the whole volume. */
async function loadPhase(input: string, flags: PhaseFlags): Promise<{ labels: Volume; label: number; spacing: Spacing3 }> {
  const label = parseLabel(flags.label);
  const labels = await loadVolume(input, openOptionsFrom(flags));
  requireLabels(labels, input);
  const data = labels.data;
  let count = 0;
  for (let i = 0; i < data.length; i++) if (data[i] === label) count++;
  if (count === 0) throw new InputError(`label ${label} does not occur in the volume`, input);
  if (count === data.length) throw new InputError(`every voxel is labelled ${label}: no voxel outside the phase, the distance is undefined`, input);
  return { labels, label, spacing: labels.spacing as Spacing3 };
}

function phaseCommand(program: Command, name: string, description: string): Command {
  return addInputOptions(
    program
      .command(name)
      .description(description)
      .argument('<labels>', 'uint8 labels volume')
      .requiredOption('--label <n>', 'label code of the phase')
      .requiredOption('-o, --out <dir>', 'output folder (created if missing)')
      .option('--threads <n>', 'worker threads (default: all cores)')
      .option('--backend <b>', 'distance transform on: auto (gpu on a hardware adapter, else cpu) | cpu | gpu', 'auto')
      .option('--json', 'print the summary as JSON on stdout'),
  );
}

export function registerDistance(program: Command): void {
  phaseCommand(program, 'distance', 'exact Euclidean distance (µm) from each voxel of a phase to the nearest voxel outside it').action(
    action(async (input: string, flags: PhaseFlags) => {
      const backend = parseBackend(flags.backend);
      const { labels, label, spacing } = await loadPhase(input, flags);
      await ensureOutputDir(flags.out);
      const progress = createProgress('distance');
      const t0 = performance.now();
      const r = await distanceTransformLabel(labels.data, labels.shape, label, {
        spacing,
        threads: parseThreads(flags.threads),
        backend,
        onWarning: note,
        onProgress: (d, t) => progress.update(d, t),
      });
      const seconds = (performance.now() - t0) / 1000;
      progress.finish();
      const file = path.join(flags.out, 'distance_um.tif');
      await writeFloatVolume(file, r.distance, labels.shape, spacing);
      const s = summarizeDistance(r.distance, labels.data, label);
      const summary = { ...s, input, shape: labels.shape, spacing_um: spacing, threads: r.threads, backend: r.backend, backend_description: r.backendDescription, seconds: +seconds.toFixed(3), files: { distance: 'distance_um.tif' } };
      await writeFileAtomically(path.join(flags.out, 'distance.json'), `${JSON.stringify(summary, null, 2)}\n`);
      emit(Boolean(flags.json), summary, [
        `label ${label}: ${s.voxels} voxels (${(s.volume_fraction * 100).toFixed(2)} %)`,
        `distance to the nearest voxel outside: max ${s.max_um.toPrecision(5)} µm, mean ${s.mean_um.toPrecision(5)} µm`,
        `backend ${r.backendDescription}`,
        `wrote ${file}`,
      ].join('\n'));
    }),
  );
}

export function registerLocalThickness(program: Command): void {
  phaseCommand(program, 'local-thickness', 'local thickness (diameter of the largest inscribed ball, µm; Hildebrand–Rüegsegger) of a phase').action(
    action(async (input: string, flags: PhaseFlags) => {
      const backend = parseBackend(flags.backend);
      const { labels, label, spacing } = await loadPhase(input, flags);
      await ensureOutputDir(flags.out);
      const progress = createProgress('local-thickness');
      const t0 = performance.now();
      const data = labels.data as Uint8Array;
      const r = await localThickness(data, labels.shape, label, {
        spacing,
        threads: parseThreads(flags.threads),
        backend,
        onWarning: note,
        onProgress: (d, t) => progress.update(d, t),
      });
      const seconds = (performance.now() - t0) / 1000;
      progress.finish();
      await writeFloatVolume(path.join(flags.out, 'local_thickness_um.tif'), r.thickness, labels.shape, spacing);
      await writeFloatVolume(path.join(flags.out, 'distance_um.tif'), r.distance, labels.shape, spacing);
      const s = summarizeLocalThickness(r.thickness, data, label, r.ridgeVoxels);
      const summary = {
        ...s,
        input,
        shape: labels.shape,
        spacing_um: spacing,
        convention: 'diameter = 2 × distance from the ball centre to the nearest voxel centre outside the phase',
        threads: r.threads,
        backend: r.backend,
        backend_description: r.backendDescription,
        seconds: +seconds.toFixed(3),
        timings_ms: r.timings_ms,
        files: { local_thickness: 'local_thickness_um.tif', distance: 'distance_um.tif' },
      };
      await writeFileAtomically(path.join(flags.out, 'local_thickness.json'), `${JSON.stringify(summary, null, 2)}\n`);
      emit(Boolean(flags.json), summary, [
        `label ${label}: ${s.voxels} voxels, ${s.ridge_voxels} ridge voxels`,
        `local thickness: mean ${s.mean_um.toPrecision(5)} µm, std ${s.std_um.toPrecision(4)}, median ${s.median_um.toPrecision(5)}, max ${s.max_um.toPrecision(5)} µm`,
        `distance transform: ${r.backendDescription}`,
        `wrote ${path.join(flags.out, 'local_thickness_um.tif')}, distance_um.tif`,
      ].join('\n'));
    }),
  );
}
