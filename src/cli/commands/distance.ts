import path from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomically } from '../../io/atomic.js';
import { InputError } from '../../io/errors.js';
import { openVolume, readVolume } from '../../io/open.js';
import type { VolumeSource } from '../../io/source.js';
import { createTiffWriter, type TiffSlabWriter } from '../../io/tiff/writer.js';
import { fitsInBudget, formatBytes, memoryBudget } from '../../compute/budget.js';
import type { BackendChoice } from '../../compute/types.js';
import type { Shape3, Spacing3, Volume } from '../../io/volume.js';
import { peakRssBytes } from '../../report/memory.js';
import { distanceTransformLabel, summarizeDistance } from '../../thickness/edt.js';
import { localThickness, summarizeLocalThickness } from '../../thickness/local-thickness.js';
import { distanceInCoreBytes, inCorePossible, localThicknessInCoreBytes, streamDistance, streamLocalThickness, type SlabSink } from '../../thickness/out-of-core.js';
import { writeFloatVolume } from '../../thickness/outputs.js';
import { addInputOptions, ensureOutputDir, openOptionsFrom, type InputFlags } from '../input-options.js';
import { createProgress } from '../../io/progress.js';
import { action, emit } from '../run-command.js';
import { requireLabels } from './thickness.js';

interface PhaseFlags extends InputFlags {
  out: string;
  label: string;
  threads?: string;
  backend: string;
  memory?: string;
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

/** Open the labels (voxels not read yet) and check uint8 + spacing, as requireLabels does for a loaded volume. */
async function openPhase(input: string, flags: PhaseFlags): Promise<{ source: VolumeSource; label: number; spacing: Spacing3 }> {
  const label = parseLabel(flags.label);
  const source = await openVolume(input, openOptionsFrom(flags));
  try {
    requireLabels({ dtype: source.dtype, spacing: source.spacing } as Volume, input);
  } catch (err) {
    await source.close();
    throw err;
  }
  return { source, label, spacing: source.spacing as Spacing3 };
}

/** The label must occur and must not be the whole volume. */
function checkPhaseCount(count: number, total: number, label: number, input: string): void {
  if (count === 0) throw new InputError(`label ${label} does not occur in the volume`, input);
  if (count === total) throw new InputError(`every voxel is labelled ${label}: no voxel outside the phase, the distance is undefined`, input);
}

/** Read the whole labels volume and check the phase. */
async function loadPhase(source: VolumeSource, label: number, input: string): Promise<Volume> {
  const labels = await readVolume(source);
  const data = labels.data;
  let count = 0;
  for (let i = 0; i < data.length; i++) if (data[i] === label) count++;
  checkPhaseCount(count, data.length, label, input);
  return labels;
}

/** The memory block of every JSON these commands write. */
function memoryBlock(budgetBytes: number, outOfCore: boolean, slabSlices: number) {
  return { peak_rss_bytes: peakRssBytes(), budget_bytes: budgetBytes, out_of_core: outOfCore, slab_slices: slabSlices };
}

interface PhaseRun {
  threads: number;
  backend: string;
  backendDescription: string;
  slabSlices: number;
  timings_ms?: object;
  plan?: unknown;
}

/** The JSON fields both commands report about how they ran (threads, backend, time, streaming plan, memory). */
function runFields(run: PhaseRun, seconds: number, budgetBytes: number, outOfCore: boolean) {
  return {
    threads: run.threads,
    backend: run.backend,
    backend_description: run.backendDescription,
    seconds: +seconds.toFixed(3),
    ...(run.timings_ms ? { timings_ms: run.timings_ms } : {}),
    ...(run.plan ? { out_of_core_plan: run.plan } : {}),
    memory: memoryBlock(budgetBytes, outOfCore, run.slabSlices),
  };
}

/** Float32 TIFF writers for streamed outputs; all aborted (temporary files removed) unless closed. */
async function openWriters(files: string[], shape: Shape3, spacing: Spacing3): Promise<{ sinks: SlabSink[]; close(): Promise<void>; abort(): Promise<void> }> {
  const writers: TiffSlabWriter[] = [];
  try {
    for (const f of files) writers.push(await createTiffWriter(f, { shape, dtype: 'float32', spacing }));
  } catch (err) {
    for (const w of writers) await w.abort();
    throw err;
  }
  return {
    sinks: writers.map((w) => (_z0: number, data: Float32Array) => w.writeSlices(data)),
    close: async () => {
      for (const w of writers) await w.close();
    },
    abort: async () => {
      for (const w of writers) await w.abort();
    },
  };
}

function streamingNote(backend: BackendChoice, shape: Shape3, inCore: number, budget: number): void {
  const why = inCorePossible(shape) ? `needs ~${formatBytes(inCore)} in memory, over the budget of ${formatBytes(budget)}` : 'has 2³¹ voxels or more';
  note(`${shape.join('×')} ${why}: streaming in slabs through scratch files`);
  if (backend === 'gpu') note('--backend gpu: the out-of-core distance transform runs on the cpu');
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
      .option('--json', 'print the summary as JSON on stdout'),
  );
}

export function registerDistance(program: Command): void {
  phaseCommand(program, 'distance', 'exact Euclidean distance (µm) from each voxel of a phase to the nearest voxel outside it').action(
    action(async (input: string, flags: PhaseFlags) => {
      const backend = parseBackend(flags.backend);
      const budget = memoryBudget(flags.memory);
      const { source, label, spacing } = await openPhase(input, flags);
      try {
        const shape = source.shape;
        const inCore = distanceInCoreBytes(shape);
        const outOfCore = !fitsInBudget(inCore, budget.bytes) || !inCorePossible(shape);
        const file = path.join(flags.out, 'distance_um.tif');
        const progress = createProgress('distance');
        let s: ReturnType<typeof summarizeDistance>;
        let run: PhaseRun;
        let seconds: number;
        if (!outOfCore) {
          const labels = await loadPhase(source, label, input);
          await ensureOutputDir(flags.out);
          const t0 = performance.now();
          const r = await distanceTransformLabel(labels.data, labels.shape, label, {
            spacing,
            threads: parseThreads(flags.threads),
            backend,
            onWarning: note,
            onProgress: (d, t) => progress.update(d, t),
          });
          seconds = (performance.now() - t0) / 1000;
          progress.finish();
          await writeFloatVolume(file, r.distance, labels.shape, spacing);
          s = summarizeDistance(r.distance, labels.data, label);
          run = { threads: r.threads, backend: r.backend, backendDescription: r.backendDescription, slabSlices: shape[0] };
        } else {
          streamingNote(backend, shape, inCore, budget.bytes);
          await ensureOutputDir(flags.out);
          const out = await openWriters([file], shape, spacing);
          try {
            const t0 = performance.now();
            const r = await streamDistance(source, label, {
              spacing,
              threads: parseThreads(flags.threads),
              budgetBytes: budget.bytes,
              onCounts: (count, total) => checkPhaseCount(count, total, label, input),
              onProgress: (d, t) => progress.update(d, t),
              sink: out.sinks[0],
            });
            await out.close();
            seconds = (performance.now() - t0) / 1000;
            progress.finish();
            s = r.summary;
            run = { threads: r.threads, backend: 'cpu', backendDescription: r.backendDescription, slabSlices: r.plan.slab_slices, plan: r.plan };
          } catch (err) {
            await out.abort();
            throw err;
          }
        }
        const summary = {
          ...s,
          input,
          shape,
          spacing_um: spacing,
          ...runFields(run, seconds, budget.bytes, outOfCore),
          files: { distance: 'distance_um.tif' },
        };
        await writeFileAtomically(path.join(flags.out, 'distance.json'), `${JSON.stringify(summary, null, 2)}\n`);
        emit(Boolean(flags.json), summary, [
          `label ${label}: ${s.voxels} voxels (${(s.volume_fraction * 100).toFixed(2)} %)`,
          `distance to the nearest voxel outside: max ${s.max_um.toPrecision(5)} µm, mean ${s.mean_um.toPrecision(5)} µm`,
          `backend ${run.backendDescription}`,
          `peak memory ${formatBytes(summary.memory.peak_rss_bytes)} (budget ${formatBytes(budget.bytes)}${outOfCore ? ', out of core' : ''})`,
          `wrote ${file}`,
        ].join('\n'));
      } finally {
        await source.close();
      }
    }),
  );
}

export function registerLocalThickness(program: Command): void {
  phaseCommand(program, 'local-thickness', 'local thickness (diameter of the largest inscribed ball, µm; Hildebrand–Rüegsegger) of a phase').action(
    action(async (input: string, flags: PhaseFlags) => {
      const backend = parseBackend(flags.backend);
      const budget = memoryBudget(flags.memory);
      const { source, label, spacing } = await openPhase(input, flags);
      try {
        const shape = source.shape;
        const inCore = localThicknessInCoreBytes(shape);
        const outOfCore = !fitsInBudget(inCore, budget.bytes) || !inCorePossible(shape);
        const thicknessFile = path.join(flags.out, 'local_thickness_um.tif');
        const distanceFile = path.join(flags.out, 'distance_um.tif');
        const progress = createProgress('local-thickness');
        let s: ReturnType<typeof summarizeLocalThickness>;
        let run: PhaseRun;
        let seconds: number;
        if (!outOfCore) {
          const labels = await loadPhase(source, label, input);
          await ensureOutputDir(flags.out);
          const t0 = performance.now();
          const data = labels.data as Uint8Array;
          const r = await localThickness(data, labels.shape, label, {
            spacing,
            threads: parseThreads(flags.threads),
            backend,
            onWarning: note,
            onProgress: (d, t) => progress.update(d, t),
          });
          seconds = (performance.now() - t0) / 1000;
          progress.finish();
          await writeFloatVolume(thicknessFile, r.thickness, labels.shape, spacing);
          await writeFloatVolume(distanceFile, r.distance, labels.shape, spacing);
          s = summarizeLocalThickness(r.thickness, data, label, r.ridgeVoxels);
          run = { threads: r.threads, backend: r.backend, backendDescription: r.backendDescription, timings_ms: r.timings_ms, slabSlices: shape[0] };
        } else {
          streamingNote(backend, shape, inCore, budget.bytes);
          await ensureOutputDir(flags.out);
          const out = await openWriters([thicknessFile, distanceFile], shape, spacing);
          try {
            const t0 = performance.now();
            const r = await streamLocalThickness(source, label, {
              spacing,
              threads: parseThreads(flags.threads),
              budgetBytes: budget.bytes,
              onCounts: (count, total) => checkPhaseCount(count, total, label, input),
              onProgress: (d, t) => progress.update(d, t),
              thicknessSink: out.sinks[0],
              distanceSink: out.sinks[1],
            });
            await out.close();
            seconds = (performance.now() - t0) / 1000;
            progress.finish();
            s = r.stats;
            run = { threads: r.threads, backend: 'cpu', backendDescription: r.backendDescription, timings_ms: r.timings_ms, slabSlices: r.plan.slab_slices, plan: r.plan };
          } catch (err) {
            await out.abort();
            throw err;
          }
        }
        const summary = {
          ...s,
          input,
          shape,
          spacing_um: spacing,
          convention: 'diameter = 2 × distance from the ball centre to the nearest voxel centre outside the phase',
          ...runFields(run, seconds, budget.bytes, outOfCore),
          files: { local_thickness: 'local_thickness_um.tif', distance: 'distance_um.tif' },
        };
        await writeFileAtomically(path.join(flags.out, 'local_thickness.json'), `${JSON.stringify(summary, null, 2)}\n`);
        emit(Boolean(flags.json), summary, [
          `label ${label}: ${s.voxels} voxels, ${s.ridge_voxels} ridge voxels`,
          `local thickness: mean ${s.mean_um.toPrecision(5)} µm, std ${s.std_um.toPrecision(4)}, median ${s.median_um.toPrecision(5)}, max ${s.max_um.toPrecision(5)} µm`,
          `distance transform: ${run.backendDescription}`,
          `peak memory ${formatBytes(summary.memory.peak_rss_bytes)} (budget ${formatBytes(budget.bytes)}${outOfCore ? ', out of core' : ''})`,
          `wrote ${thicknessFile}, distance_um.tif`,
        ].join('\n'));
      } finally {
        await source.close();
      }
    }),
  );
}
