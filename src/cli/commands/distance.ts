import type { Command } from 'commander';
import { checkOutputFolder } from '../../io/output-guard.js';
import { InputError } from '../../io/errors.js';
import { formatBytes, memoryBudget } from '../../compute/budget.js';
import type { BackendChoice } from '../../compute/types.js';
import { distanceStage, localThicknessStage, type PhaseStageOptions } from '../../thickness/phase-run.js';
import { addInputOptions, ensureOutputDir, FORCE_HELP, openOptionsFrom, type InputFlags } from '../input-options.js';
import { createProgress } from '../../io/progress.js';
import { action, emit } from '../run-command.js';

interface PhaseFlags extends InputFlags {
  out: string;
  label: string;
  threads?: string;
  backend: string;
  memory?: string;
  json?: boolean;
  force?: boolean;
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

/** The stage options both commands take from their flags. */
function stageOptions(flags: PhaseFlags, progressLabel: string, files: string[]): { options: PhaseStageOptions; budget: number; finish(): void } {
  const label = parseLabel(flags.label);
  const backend = parseBackend(flags.backend);
  const threads = parseThreads(flags.threads);
  const budget = memoryBudget(flags.memory).bytes;
  const progress = createProgress(progressLabel);
  return {
    options: { label, threads, backend, budgetBytes: budget, onNote: note, onProgress: (d, t) => progress.update(d, t), beforeWrite: () => ensureOutputDir(flags.out, { files, force: flags.force }) },
    budget,
    finish: () => progress.finish(),
  };
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
      .option('--memory <size>', 'memory budget, e.g. 4G (default: 60 % of available memory); a volume that does not fit is streamed in slabs (cpu)')
      .option('--force', FORCE_HELP)
      .option('--json', 'print the summary as JSON on stdout'),
  );
}

export function registerDistance(program: Command): void {
  phaseCommand(program, 'distance', 'exact Euclidean distance (µm) from each voxel of a phase to the nearest voxel outside it').action(
    action(async (input: string, flags: PhaseFlags) => {
      // before any computing: a read-only or unwritable output folder fails now, in one line
      await checkOutputFolder(flags.out);
      const { options, budget, finish } = stageOptions(flags, 'distance', ['distance_um.tif']);
      const r = await distanceStage(input, openOptionsFrom(flags), flags.out, options);
      finish();
      const s = r.summary;
      emit(Boolean(flags.json), s, [
        `label ${options.label}: ${s.voxels} voxels (${(s.volume_fraction * 100).toFixed(2)} %)`,
        `distance to the nearest voxel outside: max ${s.max_um.toPrecision(5)} µm, mean ${s.mean_um.toPrecision(5)} µm`,
        `backend ${r.backendDescription}`,
        `peak memory ${formatBytes(s.memory.peak_rss_bytes)} (budget ${formatBytes(budget)}${r.outOfCore ? ', out of core' : ''})`,
        `wrote ${r.file}`,
      ].join('\n'));
    }),
  );
}

export function registerLocalThickness(program: Command): void {
  phaseCommand(program, 'local-thickness', 'local thickness (diameter of the largest inscribed ball, µm; Hildebrand–Rüegsegger) of a phase').action(
    action(async (input: string, flags: PhaseFlags) => {
      // before any computing: a read-only or unwritable output folder fails now, in one line
      await checkOutputFolder(flags.out);
      const { options, budget, finish } = stageOptions(flags, 'local-thickness', ['local_thickness_um.tif', 'distance_um.tif']);
      const r = await localThicknessStage(input, openOptionsFrom(flags), flags.out, options);
      finish();
      const s = r.summary;
      emit(Boolean(flags.json), s, [
        `label ${options.label}: ${s.voxels} voxels, ${s.ridge_voxels} ridge voxels`,
        `local thickness: mean ${s.mean_um.toPrecision(5)} µm, std ${s.std_um.toPrecision(4)}, median ${s.median_um.toPrecision(5)}, max ${s.max_um.toPrecision(5)} µm`,
        `distance transform: ${r.backendDescription}`,
        `peak memory ${formatBytes(s.memory.peak_rss_bytes)} (budget ${formatBytes(budget)}${r.outOfCore ? ', out of core' : ''})`,
        `wrote ${r.file}, distance_um.tif`,
      ].join('\n'));
    }),
  );
}
