/**
 * The distance and local-thickness stages as library calls: open the labels, check the phase, run
 * in memory when it fits the budget or streamed in slabs through scratch files when it does not
 * (identical outputs), write the float32 volumes and the JSON, and return the summary.
 * `buried distance` and `buried local-thickness` are thin adapters over them.
 */
import path from 'node:path';
import { writeFileAtomically } from '../io/atomic.js';
import { InputError } from '../io/errors.js';
import { openVolume, readVolume, type OpenOptions } from '../io/open.js';
import type { VolumeSource } from '../io/source.js';
import { createTiffWriter, type TiffSlabWriter } from '../io/tiff/writer.js';
import { fitsInBudget, formatBytes } from '../compute/budget.js';
import type { BackendChoice } from '../compute/types.js';
import type { Shape3, Spacing3, Volume } from '../io/volume.js';
import { peakRssBytes } from '../report/memory.js';
import { distanceTransformLabel, summarizeDistance } from './edt.js';
import { localThickness, summarizeLocalThickness } from './local-thickness.js';
import { distanceInCoreBytes, inCorePossible, localThicknessInCoreBytes, streamDistance, streamLocalThickness, type SlabSink } from './out-of-core.js';
import { writeFloatVolume } from './outputs.js';

export interface PhaseStageOptions {
  /** Label code of the phase. */
  label: number;
  threads?: number;
  backend: BackendChoice;
  budgetBytes: number;
  /** Notes for the user (backend fallbacks, streaming). */
  onNote?: (message: string) => void;
  onProgress?: (done: number, total: number) => void;
  /** Called before the output folder is first written to (the caller creates it). */
  beforeWrite?: () => Promise<void>;
}

/** Open the labels (voxels not read yet) and check uint8 + spacing. */
async function openPhase(input: string, open: OpenOptions): Promise<{ source: VolumeSource; spacing: Spacing3 }> {
  const source = await openVolume(input, open);
  try {
    if (source.dtype !== 'uint8') throw new InputError(`labels must be uint8 label codes (got ${source.dtype}); segment the scan first`, input);
    if (!source.spacing) throw new InputError('voxel size unknown (no spacing in the file): give --voxel UM or --voxel DZ,DY,DX', input);
  } catch (err) {
    await source.close();
    throw err;
  }
  return { source, spacing: source.spacing };
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

function streamingNote(note: (m: string) => void, backend: BackendChoice, shape: Shape3, inCore: number, budget: number): void {
  const why = inCorePossible(shape) ? `needs ~${formatBytes(inCore)} in memory, over the budget of ${formatBytes(budget)}` : 'has 2³¹ voxels or more';
  note(`${shape.join('×')} ${why}: streaming in slabs through scratch files`);
  if (backend === 'gpu') note('--backend gpu: the out-of-core distance transform runs on the cpu');
}

export type DistanceSummary = ReturnType<typeof summarizeDistance> & Record<string, unknown> & { memory: ReturnType<typeof memoryBlock> };
export type LocalThicknessSummary = ReturnType<typeof summarizeLocalThickness> & Record<string, unknown> & { memory: ReturnType<typeof memoryBlock> };

/** What one phase stage computes, in memory and streamed; the runner does the rest. */
interface PhaseSpec<S> {
  inCoreBytes(shape: Shape3): number;
  /** Output volumes (file names in `out`), in the order both paths produce them. */
  files: string[];
  inMemory(labels: Volume, spacing: Spacing3, note: (m: string) => void): Promise<{ volumes: Float32Array[]; stats: S; run: PhaseRun }>;
  streamed(source: VolumeSource, spacing: Spacing3, sinks: SlabSink[], onCounts: (count: number, total: number) => void): Promise<{ stats: S; run: PhaseRun }>;
  /** The JSON: the statistics and the run fields, with the stage's own extra keys. */
  json(stats: S, common: Record<string, unknown>): Record<string, unknown>;
  jsonName: string;
}

/** Open, choose in memory or streamed by the budget, run, write the volumes and the JSON. */
async function runPhaseStage<S>(input: string, open: OpenOptions, out: string, o: PhaseStageOptions, spec: PhaseSpec<S>): Promise<{ summary: Record<string, unknown> & { memory: ReturnType<typeof memoryBlock> }; file: string; outOfCore: boolean; backendDescription: string }> {
  const note = o.onNote ?? (() => {});
  const { source, spacing } = await openPhase(input, open);
  const label = o.label;
  try {
    const shape = source.shape;
    const inCore = spec.inCoreBytes(shape);
    const outOfCore = !fitsInBudget(inCore, o.budgetBytes) || !inCorePossible(shape);
    const files = spec.files.map((f) => path.join(out, f));
    let stats: S;
    let run: PhaseRun;
    let seconds: number;
    if (!outOfCore) {
      const labels = await loadPhase(source, label, input);
      await o.beforeWrite?.();
      const t0 = performance.now();
      const r = await spec.inMemory(labels, spacing, note);
      seconds = (performance.now() - t0) / 1000;
      for (let k = 0; k < files.length; k++) await writeFloatVolume(files[k], r.volumes[k], labels.shape, spacing);
      stats = r.stats;
      run = r.run;
    } else {
      streamingNote(note, o.backend, shape, inCore, o.budgetBytes);
      await o.beforeWrite?.();
      const writers = await openWriters(files, shape, spacing);
      try {
        const t0 = performance.now();
        const r = await spec.streamed(source, spacing, writers.sinks, (count, total) => checkPhaseCount(count, total, label, input));
        await writers.close();
        seconds = (performance.now() - t0) / 1000;
        stats = r.stats;
        run = r.run;
      } catch (err) {
        await writers.abort();
        throw err;
      }
    }
    const summary = spec.json(stats, { input, shape, spacing_um: spacing, ...runFields(run, seconds, o.budgetBytes, outOfCore) }) as Record<string, unknown> & { memory: ReturnType<typeof memoryBlock> };
    await writeFileAtomically(path.join(out, spec.jsonName), `${JSON.stringify(summary, null, 2)}\n`);
    return { summary, file: files[0], outOfCore, backendDescription: run.backendDescription };
  } finally {
    await source.close();
  }
}

/** distance_um.tif and distance.json in `out` for the phase `o.label` of the labels `input`. */
export async function distanceStage(input: string, open: OpenOptions, out: string, o: PhaseStageOptions): Promise<{ summary: DistanceSummary; file: string; outOfCore: boolean; backendDescription: string }> {
  const r = await runPhaseStage(input, open, out, o, {
    inCoreBytes: distanceInCoreBytes,
    files: ['distance_um.tif'],
    jsonName: 'distance.json',
    inMemory: async (labels, spacing, note) => {
      const r = await distanceTransformLabel(labels.data, labels.shape, o.label, { spacing, threads: o.threads, backend: o.backend, onWarning: note, onProgress: o.onProgress });
      return { volumes: [r.distance], stats: summarizeDistance(r.distance, labels.data, o.label), run: { threads: r.threads, backend: r.backend, backendDescription: r.backendDescription, slabSlices: labels.shape[0] } };
    },
    streamed: async (source, spacing, sinks, onCounts) => {
      const r = await streamDistance(source, o.label, { spacing, threads: o.threads, budgetBytes: o.budgetBytes, onCounts, onProgress: o.onProgress, sink: sinks[0] });
      return { stats: r.summary, run: { threads: r.threads, backend: 'cpu', backendDescription: r.backendDescription, slabSlices: r.plan.slab_slices, plan: r.plan } };
    },
    json: (stats, common) => ({ ...stats, ...common, files: { distance: 'distance_um.tif' } }),
  });
  return r as typeof r & { summary: DistanceSummary };
}

/** local_thickness_um.tif, distance_um.tif and local_thickness.json in `out`. */
export async function localThicknessStage(input: string, open: OpenOptions, out: string, o: PhaseStageOptions): Promise<{ summary: LocalThicknessSummary; file: string; outOfCore: boolean; backendDescription: string }> {
  const r = await runPhaseStage(input, open, out, o, {
    inCoreBytes: localThicknessInCoreBytes,
    files: ['local_thickness_um.tif', 'distance_um.tif'],
    jsonName: 'local_thickness.json',
    inMemory: async (labels, spacing, note) => {
      const data = labels.data as Uint8Array;
      const r = await localThickness(data, labels.shape, o.label, { spacing, threads: o.threads, backend: o.backend, onWarning: note, onProgress: o.onProgress });
      return {
        volumes: [r.thickness, r.distance],
        stats: summarizeLocalThickness(r.thickness, data, o.label, r.ridgeVoxels),
        run: { threads: r.threads, backend: r.backend, backendDescription: r.backendDescription, timings_ms: r.timings_ms, slabSlices: labels.shape[0] },
      };
    },
    streamed: async (source, spacing, sinks, onCounts) => {
      const r = await streamLocalThickness(source, o.label, { spacing, threads: o.threads, budgetBytes: o.budgetBytes, onCounts, onProgress: o.onProgress, thicknessSink: sinks[0], distanceSink: sinks[1] });
      return { stats: r.stats, run: { threads: r.threads, backend: 'cpu', backendDescription: r.backendDescription, timings_ms: r.timings_ms, slabSlices: r.plan.slab_slices, plan: r.plan } };
    },
    json: (stats, common) => ({
      ...stats,
      input: common.input,
      shape: common.shape,
      spacing_um: common.spacing_um,
      convention: 'diameter = 2 × distance from the ball centre to the nearest voxel centre outside the phase',
      ...Object.fromEntries(Object.entries(common).filter(([k]) => !['input', 'shape', 'spacing_um'].includes(k))),
      files: { local_thickness: 'local_thickness_um.tif', distance: 'distance_um.tif' },
    }),
  });
  return r as typeof r & { summary: LocalThicknessSummary };
}
