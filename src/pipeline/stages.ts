/**
 * The stages of `buried run`, each a thin wrapper over a stage library that reads its inputs from
 * the previous stages' folders (or from memory when the previous stage just ran), writes its
 * outputs atomically into DIR/<stage>/ and returns a small JSON summary.
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import { InputError } from '../io/errors.js';
import { parseRoi } from '../io/roi.js';
import { loadVolume, openVolume, type OpenOptions } from '../io/open.js';
import { writeTiff } from '../io/tiff/index.js';
import { writeFileAtomically } from '../io/atomic.js';
import { makeVolume, type Shape3, type Spacing3, type Volume } from '../io/volume.js';
import { segmentScan } from '../segment/run.js';
import { importLabels } from '../segment/import-labels.js';
import { trainableScan } from '../segment/trainable/stage.js';
import { writeImportedLabels } from '../segment/write.js';
import { summarizeThickness } from '../thickness/map.js';
import { measureThickness } from '../thickness/run.js';
import { probabilitiesBeside } from '../thickness/band.js';
import { formatBytes } from '../compute/budget.js';
import { solveCurrentStage } from '../current/run.js';
import type { ContactCell, HistoryPoint } from '../fem/contact.js';
import type { Material } from '../fem/material.js';
import type { CurrentSummary } from '../current/index.js';
import type { PapersRun } from '../contact3d/papers-report.js';
import { asperityLength, electrolyteMaterial, liMaterial, profilesCsv, runContact } from '../fem/contact-run.js';
import { resamplePeriodic } from '../fem/profile.js';
import { contactCellFields, writeFieldSeries, type CellFields } from '../fem/vtu-fields.js';
import { coarsenContact } from '../current/coarsen.js';
export { coarsenContact } from '../current/coarsen.js';
import type { Progress } from '../io/progress.js';
import type { RunConfig, StageName } from './config.js';
import { CURRENT_FILES, FEM_FILES, probabilityFile, SEGMENT_FILES, THICKNESS_FILES, thicknessFiles } from '../io/run-folder.js';

export interface RunContext {
  dir: string;
  cfg: RunConfig;
  /** The scan (file, folder or file.h5:/dataset). */
  input: string;
  openOptions: OpenOptions;
  version: string;
  /** Volumes kept in memory from one stage to the next (dropped as soon as they are not needed). */
  cache: { labels?: Volume | null };
  /** Set by the segment stage (or taken from its record when it is skipped). */
  backend?: string;
  progress(label: string): Progress;
  note(line: string): void;
  /** Full garbage collection: a stage that dropped a volume calls it before allocating more. */
  releaseMemory(): void;
  /** Memory budget of the voxel stages (run.memory / --memory, else a fraction of the available RAM). */
  budget: { bytes: number; origin: 'flag' | 'default' };
  /** Stages that streamed their volumes from disk because the in-memory path did not fit the budget. */
  streamed: StageName[];
}

export interface StageSpec {
  name: StageName;
  /** The stage's effective parameters (hashed into its fingerprint). */
  params(ctx: RunContext): unknown;
  /** Files the stage reads, by role (hashed into its fingerprint). */
  inputs(ctx: RunContext): Promise<Record<string, string>>;
  /** Output folder (default DIR/<name>). */
  folder?(ctx: RunContext): string;
  /** false: the configuration switches the stage off (default: on). */
  enabled?(cfg: RunConfig): boolean;
  run(ctx: RunContext, out: string): Promise<Record<string, unknown>>;
}

/** current/current.json of a run (per electrode under current/<name>/ for two electrodes). */
export type CurrentStageJson = CurrentSummary & {
  input: string;
  electrode?: string;
  solve_grid: { ny: number; nx: number; block: number; dx_um: number; dy_um: number; rule: string };
  thickness_source: string;
};

export const stageDir = (ctx: Pick<RunContext, 'dir'>, name: StageName) => path.join(ctx.dir, name);
const r6 = (v: number) => (Number.isFinite(v) ? +v.toPrecision(6) : v);
const jsonText = (v: unknown) => `${JSON.stringify(v, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x), 2)}\n`;

async function readJson<T>(file: string): Promise<T> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (e) {
    throw new InputError(`cannot read a previous stage's output (${(e as Error).message.split('\n')[0]})`, file);
  }
}

export function openOptionsOf(cfg: RunConfig): OpenOptions {
  const o: OpenOptions = {};
  if (cfg.run.voxel) o.voxel = cfg.run.voxel as Spacing3;
  if (cfg.input.roi !== null) o.roi = parseRoi(cfg.input.roi, 'config: input.roi');
  if (cfg.input.shape !== null && cfg.input.dtype !== null) {
    const shape = cfg.input.shape.split(',').map((s) => Number(s.trim()));
    if (shape.length !== 3 || shape.some((v) => !Number.isInteger(v) || v < 1)) throw new InputError(`config: input.shape must be NZ,NY,NX, got '${cfg.input.shape}'`);
    const dtypes = ['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'float64'];
    if (!dtypes.includes(cfg.input.dtype)) throw new InputError(`config: input.dtype must be one of ${dtypes.join(', ')}, got '${cfg.input.dtype}'`);
    o.raw = { shape: shape as Shape3, dtype: cfg.input.dtype as never, endian: cfg.input.endian, headerBytes: cfg.input.header_bytes };
  }
  return o;
}

/** The scan file(s) to fingerprint (the HDF5 file for file.h5:/dataset, the store for store.zarr:/level). */
export function scanFile(input: string): string {
  const m = /^(.*\.(?:h5|hdf5|hdf|nxs|zarr)):(\/.*)$/i.exec(input);
  return m ? m[1] : input;
}

/** The layout recorded in segment.json's QC block (null when absent). */
export async function segmentLayout(ctx: RunContext): Promise<{ name?: string; normal_axis?: string; electrodes?: number } | null> {
  try {
    type Layout = { name?: string; normal_axis?: string; electrodes?: number };
    // imported labels record their stack normal as `layout` (no QC block)
    const seg = JSON.parse(await fs.readFile(path.join(stageDir(ctx, 'segment'), SEGMENT_FILES.json), 'utf8')) as { qc?: { layout?: Layout }; layout?: Layout };
    return seg.qc?.layout ?? seg.layout ?? null;
  } catch {
    return null;
  }
}

/** The segment folder when it holds a trainable segmentation's probabilities (thickness/band.ts). */
export function trainableProbabilities(ctx: Pick<RunContext, 'dir'>): string | null {
  return probabilitiesBeside(path.join(stageDir(ctx, 'segment'), SEGMENT_FILES.labels));
}

/** The thickness stage's normal: 'segment' resolves to the stack normal recorded in segment.json (z if none). */
function thicknessNormal(ctx: RunContext, layout: { normal_axis?: string } | null): 'x' | 'y' | 'z' | 'auto' {
  const n = ctx.cfg.thickness.normal;
  if (n !== 'segment') return n;
  const a = layout?.normal_axis;
  return a === 'x' || a === 'y' || a === 'z' ? a : 'z';
}

/** A Li electrode the thickness stage measured: its name and the suffix of its file names. */
export interface MeasuredElectrode {
  name: string;
  suffix: string;
}

/**
 * The electrodes listed in thickness/thickness.json (one, or near and far). The stages that work
 * from a map (strip, current) write the first electrode's outputs into their folder and each further
 * electrode's complete set into a sub-folder named after it (strip/far/, current/far/).
 */
export async function measuredElectrodes(ctx: Pick<RunContext, 'dir'>): Promise<MeasuredElectrode[]> {
  try {
    const th = JSON.parse(await fs.readFile(path.join(stageDir(ctx, 'thickness'), THICKNESS_FILES.json), 'utf8')) as { electrodes?: MeasuredElectrode[] };
    if (Array.isArray(th.electrodes) && th.electrodes.length) return th.electrodes.map((e) => ({ name: e.name, suffix: e.suffix }));
  } catch {
    // no thickness.json yet (fingerprinting before the stage ran): the single-electrode names
  }
  return [{ name: 'anode', suffix: '' }];
}

const electrodeFolder = (out: string, k: number, e: MeasuredElectrode) => (k === 0 ? out : path.join(out, e.name));

// ───────────────────────────────────────── segment

export const segmentStage: StageSpec = {
  name: 'segment',
  params: (ctx) => ({ ...ctx.cfg.segment, input: ctx.cfg.input, voxel: ctx.cfg.run.voxel, dataset: ctx.input === scanFile(ctx.input) ? null : ctx.input.slice(scanFile(ctx.input).length + 1) }),
  inputs: async (ctx) => ({
    scan: scanFile(ctx.input),
    ...(ctx.cfg.segment.labels ? { labels: scanFile(ctx.cfg.segment.labels) } : {}),
    ...(ctx.cfg.segment.mask ? { mask: scanFile(ctx.cfg.segment.mask) } : {}),
    ...(ctx.cfg.segment.annotations ? { annotations: scanFile(ctx.cfg.segment.annotations) } : {}),
    ...(ctx.cfg.segment.model ? { model: ctx.cfg.segment.model } : {}),
  }),
  async run(ctx, out) {
    const c = ctx.cfg.segment;
    if (c.labels) return importedLabelsStage(ctx, out, c.labels, c.label_map);
    if (c.annotations || c.model) return trainableStage(ctx, out);
    // one bar per segmentation step (histogram, denoise, thresholds, components, ...)
    let step: Progress | null = null;
    let stepName = '';
    const onProgress = (name: string, done: number, total: number) => {
      if (name === 'done') return;
      if (name !== stepName) {
        step?.finish();
        stepName = name;
        step = ctx.progress(`segment: ${name}`);
      }
      step?.update(done, total);
    };
    const reading = ctx.progress('segment: read');
    const r = await segmentScan(ctx.input, ctx.openOptions, out, {
      mode: 'phases',
      method: c.method,
      denoise: c.denoise,
      sigma: c.sigma ?? undefined,
      secondPass: c.second_pass,
      liContrast: c.li_contrast,
      collector: c.collector,
      normal: c.normal,
      fieldOfView: c.field_of_view,
      maskFile: c.mask,
      layout: c.layout,
      minIslandVoxels: c.min_island,
      fillHoles: c.fill_holes,
      // the scan is re-read from the file when needed again: denoise in place, peak ≈ scan + labels
      inPlace: true,
      onProgress,
      backend: c.backend,
      workers: ctx.cfg.run.workers ?? undefined,
      budgetBytes: ctx.budget.bytes,
      keepLabels: true,
      onOpen: (info) => {
        for (const w of info.warnings) ctx.note(`warning: ${w.message}`);
        if (!info.spacing) throw new InputError('voxel size unknown (no spacing in the file): give --voxel UM (or run.voxel in the config)', ctx.input);
      },
      onNote: (m) => ctx.note(`note: ${m}`),
      onStream: (shape, dtype) => {
        ctx.streamed.push('segment');
        ctx.note(`segment: the scan (${shape.join('×')} ${dtype}) does not fit the memory budget (${formatBytes(ctx.budget.bytes)}) in memory: streamed by slabs through scratch files`);
      },
      onRead: (d, t) => reading.update(d, t),
      beforeWrite: () => {
        (step as Progress | null)?.finish();
        ctx.releaseMemory();
      },
    });
    reading.finish();
    ctx.backend = r.backend;
    ctx.note(`segment: backend ${r.backend}`);
    ctx.cache.labels = r.labels;
    const report = r.report;
    return { phase_fractions: report.phase_fractions, li: report.li ?? null, backend: r.backend, denoise: report.denoise.applied, thresholds: report.thresholds, shape: report.shape, spacing_um: report.spacing_um };
  },
};

/** The segment stage with the user's labels: checked against the scan, mapped onto the phases, written as the segmentation's files. */
async function importedLabelsStage(ctx: RunContext, out: string, labelsFile: string, labelMap: string | null): Promise<Record<string, unknown>> {
  const scan = await openVolume(ctx.input, ctx.openOptions);
  const scanInfo = { path: ctx.input, shape: scan.shape, spacing: scan.spacing };
  await scan.close();
  if (!scanInfo.spacing) throw new InputError('voxel size unknown (no spacing in the file): give --voxel UM (or run.voxel in the config)', ctx.input);
  const bar = ctx.progress('segment: import labels');
  const { labels, report } = await importLabels(labelsFile, {
    scan: scanInfo,
    // a --voxel override is the voxel size of both volumes, and a --roi the box of both
    open: { voxel: ctx.openOptions.voxel, roi: ctx.openOptions.roi },
    labelMap,
    normal: ctx.cfg.segment.normal,
    onProgress: (d, t) => bar.update(d, t),
  });
  bar.finish(`${labels.shape.join('×')} from ${path.basename(labelsFile)}`);
  ctx.note(`segment: labels imported from ${labelsFile}${labelMap ? ` (map ${labelMap})` : ''}; no automatic segmentation and no segmentation QC`);
  await writeImportedLabels(out, labels, report);
  ctx.cache.labels = labels;
  return { imported_from: labelsFile, label_map: report.label_map, phase_fractions: report.phase_fractions, li: report.li, shape: report.shape, spacing_um: report.spacing_um, normal_axis: report.layout.normal_axis };
}

/** The segment stage as a trainable segmentation (annotations or a model; segment/trainable/stage.ts). */
async function trainableStage(ctx: RunContext, out: string): Promise<Record<string, unknown>> {
  const c = ctx.cfg.segment;
  const probe = await openVolume(ctx.input, ctx.openOptions);
  const spacing = probe.spacing;
  await probe.close();
  if (!spacing) throw new InputError('voxel size unknown (no spacing in the file): give --voxel UM (or run.voxel in the config)', ctx.input);
  const bars = new Map<string, Progress>();
  const r = await trainableScan(ctx.input, ctx.openOptions, out, {
    annotations: c.annotations,
    annotationMap: c.annotation_map,
    modelFile: c.model,
    onProgress: (step, done, total) => {
      let bar = bars.get(step);
      if (!bar) bars.set(step, (bar = ctx.progress(`segment: ${step}`)));
      bar.update(done, total);
    },
  });
  for (const b of bars.values()) b.finish();
  ctx.note(`segment: trainable (random forest, ${r.report.trees} trees, model ${r.report.model_source}); no segmentation QC`);
  ctx.cache.labels = r.labels;
  return { trainable: true, model_source: r.report.model_source, phase_fractions: r.report.phase_fractions, li: r.report.li, li_band: r.report.li_band, mean_uncertainty: r.report.mean_uncertainty };
}

// ───────────────────────────────────────── thickness

export const thicknessStage: StageSpec = {
  name: 'thickness',
  params: (ctx) => ctx.cfg.thickness,
  inputs: async (ctx) => {
    const probabilities = trainableProbabilities(ctx);
    return {
      labels: path.join(stageDir(ctx, 'segment'), SEGMENT_FILES.labels),
      ...(ctx.cfg.thickness.scan_refinement ? { scan: scanFile(ctx.input) } : {}),
      // the uncertainty band's P(Li) (its competitors come from the same segmentation as the labels)
      ...(probabilities ? { probability_li: path.join(probabilities, probabilityFile(1)) } : {}),
    };
  },
  async run(ctx, out) {
    const layout = await segmentLayout(ctx);
    const c = { ...ctx.cfg.thickness, normal: thicknessNormal(ctx, layout) };
    const labelsFile = path.join(stageDir(ctx, 'segment'), SEGMENT_FILES.labels);
    const cached = ctx.cache.labels ?? null;
    ctx.cache.labels = null;
    const bar = ctx.progress('thickness');
    // the segmentation's layout decides when it found two electrodes; otherwise the maps' own evidence
    const electrodes = c.electrodes === 'auto' && layout?.electrodes === 2 ? 2 : c.electrodes;
    const m = await measureThickness(
      { labelsFile, labelsOpen: ctx.cfg.run.voxel ? { voxel: ctx.openOptions.voxel } : {}, volume: cached, scanFile: c.scan_refinement ? ctx.input : null, scanOpen: ctx.openOptions, probabilitiesDir: trainableProbabilities(ctx) },
      {
        normal: c.normal,
        electrodes,
        window: c.window,
        outlierVoxels: c.outlier_voxels,
        medianRadius: c.median_radius,
        budgetBytes: ctx.budget.bytes,
        onProgress: (d, t) => bar.update(d, t),
        onStream: (shape) => {
          ctx.streamed.push('thickness');
          ctx.note(`thickness: labels ${shape.join('×')} do not fit the memory budget (${formatBytes(ctx.budget.bytes)}): streamed by blocks of columns`);
        },
        beforeScanRead: () => ctx.releaseMemory(), // whatever the segment stage left goes before the scan is read again
      },
    );
    const bandOf = (name: string) => {
      const b = m.band?.electrodes.find((x) => x.name === name);
      return b ? ` (P(Li) ≥ 0.7 … ≥ 0.3: ${summarizeThickness(b.thin).mean_um}–${summarizeThickness(b.thick).mean_um} µm)` : '';
    };
    bar.finish(m.electrodes.map((e) => `${m.electrodes.length > 1 ? `${e.name} ` : ''}mean ${summarizeThickness(e.map).mean_um} µm${bandOf(e.name)}`).join(', '));
    if (m.detection.warning) ctx.note(`warning: thickness: ${m.detection.warning}`);
    for (const w of m.warnings) ctx.note(`warning: thickness: ${w}`);
    if (m.bandSkipped) ctx.note(`thickness: no uncertainty band: ${m.bandSkipped}`);
    for (const why of m.band?.skipped ?? []) ctx.note(`thickness: no uncertainty band for ${why}`);
    if (m.electrodes.length > 1) ctx.note(`thickness: two Li electrodes (near: index 0 end of the ${m.axis} axis, far: the other end): maps per electrode, the far one's files end in _far`);
    ctx.releaseMemory(); // labels and scan go before the figures are rendered
    // outputs (figures: resvg) load with the stage that needs them, keeping the segment stage lean
    const { writeElectrodeOutputs } = await import('../thickness/outputs.js');
    const { summaries, entries } = await writeElectrodeOutputs(out, m, { input: labelsFile, scan: c.scan_refinement ? ctx.input : null, spacing_um: ctx.cfg.run.voxel, volume_shape: null }, m.band);
    return { mean_um: summaries[0].mean_um, ...(entries[0].mean_um_band ? { mean_um_band: entries[0].mean_um_band } : {}), mean_capacity_mah_cm2: summaries[0].mean_capacity_mah_cm2, contact_fraction: entries[0].contact_fraction, electrodes: entries.map((e) => e.name) };
  },
};

// ───────────────────────────────────────── strip

/** Every k-th fraction of the uniform rows (first and last kept) so the current-aware replay makes about `steps` solves. */
export const stripStage: StageSpec = {
  name: 'strip',
  params: (ctx) => ctx.cfg.strip,
  inputs: async (ctx) =>
    Object.fromEntries((await measuredElectrodes(ctx)).map((e) => [`thickness${e.suffix}`, path.join(stageDir(ctx, 'thickness'), thicknessFiles(e.suffix).map)])),
  async run(ctx, out) {
    const c = ctx.cfg.strip;
    const { runStripping } = await import('../strip/run.js');
    const electrodes = await measuredElectrodes(ctx);
    const results: Record<string, unknown> = {};
    for (const [k, e] of electrodes.entries()) {
      const input = path.join(stageDir(ctx, 'thickness'), thicknessFiles(e.suffix).map);
      const folder = electrodeFolder(out, k, e);
      await fs.mkdir(folder, { recursive: true });
      const vol = await loadVolume(input);
      const [, ny, nx] = vol.shape;
      const tag = electrodes.length > 1 ? ` (${e.name})` : '';
      const r = await runStripping(vol, folder, {
        name: input,
        uniform: c.modes.includes('uniform'),
        current: c.modes.includes('current'),
        steps: c.steps,
        by: c.by,
        at: [...c.at],
        minIslandPixels: c.min_island,
        currentSteps: c.current_steps,
        solveGrid: c.solve_grid,
        slabUm: c.thickness_um ?? undefined,
        sigmaMsPerCm: c.conductivity,
        jNominalMaCm2: c.j_nominal ?? undefined,
        jVoidMaCm2: c.j_void ?? undefined,
        onPhase: (phase) => ctx.progress(phase === 'uniform' ? `strip${tag}: uniform` : `strip${tag}: current-aware`),
      });
      results[e.name] = { files: r.files.length, mode: r.mode, s002: r.uniform.summary.s002_comparison, folder: path.relative(out, folder) || '.' };
    }
    return electrodes.length > 1 ? { electrodes: results } : (results[electrodes[0].name] as Record<string, unknown>);
  },
};

// ───────────────────────────────────────── current

/** The current solve under one electrode's contact map, written into `folder`. */
async function solveElectrodeCurrent(ctx: RunContext, folder: string, e: MeasuredElectrode, tag: string): Promise<Record<string, unknown>> {
  const c = ctx.cfg.current;
  const contactFile = path.join(stageDir(ctx, 'thickness'), thicknessFiles(e.suffix).contact);
  const vol = await loadVolume(contactFile);
  const ifaceAll = await readJson<{ electrolyte_depth_um: number; electrodes?: Record<string, { electrolyte_depth_um: number }> }>(path.join(stageDir(ctx, 'thickness'), THICKNESS_FILES.interface));
  const iface = ifaceAll.electrodes?.[e.name] ?? ifaceAll;
  if (!vol.spacing) throw new InputError('contact map without pixel size', contactFile);
  const bar = ctx.progress(tag ? `current (${tag})` : 'current');
  const result = await solveCurrentStage(vol, {
    grid: c.grid,
    thicknessUm: c.thickness_um === 'auto' ? { autoDepthUm: iface.electrolyte_depth_um } : c.thickness_um,
    layers: c.layers ?? undefined,
    sigmaMsPerCm: c.conductivity,
    rctOhmCm2: c.rct,
    sides: c.sides,
    jNominalMaCm2: c.j_nominal ?? undefined,
    jCritMaCm2: c.j_crit ?? undefined,
    tol: c.tol,
    extrapolate: c.extrapolate,
    solve: { onIteration: (it) => bar.update(Math.min(it, 200), 200) },
    name: contactFile,
    electrode: tag || undefined,
  });
  const coarse = { map: result.contact, ...result.grid };
  const cdx = result.grid.dx;
  const cdy = result.grid.dy;
  const s = result.summary;
  bar.finish(`${s.solver.iterations} CG iterations`);
  const spacing: Spacing3 = [vol.spacing[0], cdy, cdx];
  await writeTiff(path.join(folder, CURRENT_FILES.density), makeVolume(result.density, [1, coarse.ny, coarse.nx], spacing), { description: { quantity: 'interface current density / nominal mean' } });
  await writeTiff(path.join(folder, CURRENT_FILES.solveGrid), makeVolume(coarse.map, [1, coarse.ny, coarse.nx], spacing), { compression: 'deflate' });
  const json: CurrentStageJson = {
    input: contactFile,
    ...(tag ? { electrode: e.name } : {}),
    solve_grid: { ny: coarse.ny, nx: coarse.nx, block: coarse.block, dx_um: cdx, dy_um: cdy, rule: 'block contact fraction ≥ 0.5 → contact' },
    thickness_source: c.thickness_um === 'auto' ? 'auto: electrolyte depth seen in the scan' : 'config',
    ...s,
  };
  await writeFileAtomically(path.join(folder, CURRENT_FILES.json), jsonText(json));
  const { svgToPng } = await import('../report/figures/index.js');
  const svg = await currentDensityFigureSvg(result.density, coarse.ny, coarse.nx, [cdy, cdx], s, tag);
  await writeFileAtomically(path.join(folder, CURRENT_FILES.figure), svg);
  await writeFileAtomically(path.join(folder, CURRENT_FILES.figurePng), svgToPng(svg, 1200));
  return { resistance_ohm_cm2: s.resistance_ohm_cm2, contact_fraction: s.contact_fraction, p99: s.hotspots.p99 };
}

/** The map of j / j̄ on the solve grid; a uniform map (full contact) says so on the map itself. */
export async function currentDensityFigureSvg(
  density: ArrayLike<number>,
  ny: number,
  nx: number,
  pixelUm: [number, number],
  s: { contact_fraction: number; hotspots: { p99: number; max: number } },
  tag = '',
): Promise<string> {
  const { finiteRange, mapFigureSvg } = await import('../report/figures/index.js');
  const r = finiteRange(density);
  // every pixel carries the nominal current: the flat colour is the result, not a missing map
  const uniform = s.contact_fraction >= 1 && r.max - r.min <= 1e-6 * Math.max(1, Math.abs(r.max));
  return mapFigureSvg({
    values: density,
    rows: ny,
    cols: nx,
    pixelUm,
    title: `Interface current density${tag ? ` (${tag} electrode)` : ''}`,
    subtitle: `j / j̄ on the ${ny}×${nx} solve grid; contact ${(s.contact_fraction * 100).toFixed(1)} %, p99 ${s.hotspots.p99.toFixed(2)}, max ${s.hotspots.max.toFixed(2)}`,
    label: 'j / j nominal',
    colormap: 'viridis',
    vmin: 0,
    annotation: uniform ? `uniform current density: full contact, j / j̄ = ${+r.max.toPrecision(4)} everywhere` : undefined,
  });
}

export const currentStage: StageSpec = {
  name: 'current',
  params: (ctx) => ctx.cfg.current,
  inputs: async (ctx) => ({
    ...Object.fromEntries((await measuredElectrodes(ctx)).map((e) => [`contact${e.suffix}`, path.join(stageDir(ctx, 'thickness'), thicknessFiles(e.suffix).contact)])),
    interface: path.join(stageDir(ctx, 'thickness'), THICKNESS_FILES.interface),
  }),
  async run(ctx, out) {
    const electrodes = await measuredElectrodes(ctx);
    const results: Record<string, Record<string, unknown>> = {};
    for (const [k, e] of electrodes.entries()) {
      const folder = electrodeFolder(out, k, e);
      await fs.mkdir(folder, { recursive: true });
      results[e.name] = await solveElectrodeCurrent(ctx, folder, e, electrodes.length > 1 ? e.name : '');
    }
    return electrodes.length > 1 ? { electrodes: results } : results[electrodes[0].name];
  },
};

// ───────────────────────────────────────── fem

/** Profile h(x) (µm, electrolyte heights towards the Li, mean 0) from a row of the surface height map. */
export function profileFromSurface(surface: Float32Array, rows: number, cols: number, row: number, liSide: 'low' | 'high'): Float64Array {
  const h = new Float64Array(cols);
  let sum = 0, n = 0;
  for (let i = 0; i < cols; i++) {
    const v = surface[row * cols + i];
    if (Number.isFinite(v)) {
      sum += v;
      n++;
    }
  }
  if (n < Math.max(4, cols / 2)) throw new InputError(`surface height map row ${row} has only ${n} of ${cols} valid columns; choose another with fem.row`);
  const mean = sum / n;
  // Li on the low side: the electrolyte rises towards the Li where its surface height is smaller
  const sign = liSide === 'low' ? -1 : 1;
  for (let i = 0; i < cols; i++) {
    const v = surface[row * cols + i];
    h[i] = Number.isFinite(v) ? sign * (v - mean) : 0;
  }
  return h;
}

/** fem/contact.json of a run: the profile, the model and one record per stack pressure. */
export interface FemPressureRun {
  pressure_mpa: number;
  final_time_s: number;
  contact_fraction_initial: number;
  contact_fraction: number;
  mean_contact_pressure_mpa: number;
  max_contact_pressure_mpa: number;
  void_area_um2: number;
  records: number;
  conduction: { constriction_ohm_cm2: number; total_ohm_cm2: number; wagner: number; hotspot_p99: number };
  history: { t: number; contact_fraction: number; mean_contact_pressure: number; void_area_um2: number }[];
  solver: ContactCell['stats'];
}
/** fem/papers.json (fem.papers): the papers' protocols as `contact3d --papers` writes them, with the figure's rows. */
export interface FemPapersJson { summary: Record<string, unknown>; table: string; figure: PapersRun['figure'] }
export interface FemStageJson {
  profile: { source: string; lambda_um: number; nx: number; rq_um: number; pixel_um: number };
  model: { li: Material['law']; electrolyte: 'elastic' | 'rigid'; temperature_K: number; hold_s: number; ny: number; step_tol: number };
  runs: FemPressureRun[];
}

export const femStage: StageSpec = {
  name: 'fem',
  params: (ctx) => ctx.cfg.fem,
  inputs: async (ctx) => ({
    surface: path.join(stageDir(ctx, 'thickness'), THICKNESS_FILES.surface),
    interface: path.join(stageDir(ctx, 'thickness'), THICKNESS_FILES.interface),
  }),
  async run(ctx, out) {
    const c = ctx.cfg.fem;
    const vol = await loadVolume(path.join(stageDir(ctx, 'thickness'), THICKNESS_FILES.surface));
    const iface = await readJson<{ li_side: 'low' | 'high' }>(path.join(stageDir(ctx, 'thickness'), THICKNESS_FILES.interface));
    const [, rows, cols] = vol.shape;
    const row = c.row === 'middle' ? Math.floor(rows / 2) : c.row;
    if (row >= rows) throw new InputError(`config: fem.row must be an integer in 0..${rows - 1}, got '${row}'`);
    const dx = vol.spacing ? vol.spacing[2] : 1;
    const lambda = dx * cols;
    const h = resamplePeriodic(profileFromSurface(vol.data as Float32Array, rows, cols, row, iface.li_side), c.nx);
    const { li, electrolyte } = femMaterials(c, lambda, h);
    const bar = ctx.progress('fem');
    const runs: FemPressureRun[] = [];
    const csv = ['pressure_mpa,t_s,contact_fraction,mean_contact_pressure_mpa,max_contact_pressure_mpa,void_area_um2,li_top_displacement_um'];
    const total = c.pressures.length;
    let profiles = '';
    for (let k = 0; k < total; k++) {
      const p = c.pressures[k];
      const history: HistoryPoint[] = c.hold_s > 0 ? [{ t: 0, p }, { t: c.hold_s, p }] : [{ t: 0, p }];
      const saved: Array<{ time: number; fields: CellFields }> = [];
      const run = runContact({
        lambda, h, li, electrolyte, history, stepTol: c.step_tol, ny: c.ny,
        conduction: { thickness: lambda, sigmaMsPerCm: c.conductivity, rctOhmCm2: c.rct },
        onTime: (t, tEnd) => bar.update(Math.round(1000 * (k + (tEnd > 0 ? Math.min(1, t / tEnd) : 1))), 1000 * total),
        onSaved: c.vtu ? (rec, cell) => saved.push({ time: rec.t, fields: contactCellFields(cell) }) : undefined,
      });
      if (c.vtu) await writeFieldSeries(path.join(out, 'vtu'), `p${p}MPa`, saved);
      const { cell, records } = run;
      const last = records[records.length - 1];
      const cond = run.final;
      // the interface fields of the highest pressure for the viewer's Contact FEM tab (as buried fem contact writes them)
      if (p === Math.max(...c.pressures)) profiles = profilesCsv(run, h);
      for (const r of records) csv.push([p, r6(r.t), r6(r.contact_fraction), r6(r.mean_contact_pressure), r6(r.max_contact_pressure), r6(r.void_area_um2), r6(r.li_top_displacement_um)].join(','));
      runs.push({
        pressure_mpa: p,
        final_time_s: r6(last.t),
        contact_fraction_initial: r6(records[0].contact_fraction),
        contact_fraction: r6(last.contact_fraction),
        mean_contact_pressure_mpa: r6(last.mean_contact_pressure),
        max_contact_pressure_mpa: r6(last.max_contact_pressure),
        void_area_um2: r6(last.void_area_um2),
        records: records.length,
        conduction: { constriction_ohm_cm2: r6(cond.constriction_ohm_cm2), total_ohm_cm2: r6(cond.total_ohm_cm2), wagner: r6(cond.wagner), hotspot_p99: r6(cond.hotspot_p99) },
        history: records.map((r) => ({ t: r6(r.t), contact_fraction: r6(r.contact_fraction), mean_contact_pressure: r6(r.mean_contact_pressure), void_area_um2: r6(r.void_area_um2) })),
        solver: cell.stats,
      });
    }
    bar.finish(`${total} pressure${total > 1 ? 's' : ''}`);
    let rms = 0;
    for (const v of h) rms += v * v;
    const json: FemStageJson = {
      profile: { source: `electrolyte surface height map row ${row} of ${rows} (thickness/surface_height_um.tif), mean removed`, lambda_um: lambda, nx: c.nx, rq_um: r6(Math.sqrt(rms / h.length)), pixel_um: dx },
      model: { li: c.li, electrolyte: c.electrolyte, temperature_K: c.temperature_k, hold_s: c.hold_s, ny: c.ny, step_tol: c.step_tol },
      runs,
    };
    await writeFileAtomically(path.join(out, FEM_FILES.json), jsonText(json));
    await writeFileAtomically(path.join(out, FEM_FILES.csv), csv.join('\n') + '\n');
    await writeFileAtomically(path.join(out, FEM_FILES.profiles), profiles);
    const prof = ['x_um,h_um', ...Array.from(h, (v, i) => `${r6((i * lambda) / c.nx)},${r6(v)}`)];
    await writeFileAtomically(path.join(out, FEM_FILES.profile), prof.join('\n') + '\n');
    if (c.papers) {
      // the literature check of the contact model (its own Zhang-like surface, not this scan's): the same call as contact3d --papers
      const { runPapers } = await import('../contact3d/papers-report.js');
      const papers = await runPapers();
      const record: FemPapersJson = { summary: papers.summary, table: papers.table, figure: papers.figure };
      await writeFileAtomically(path.join(out, FEM_FILES.papers), jsonText(record));
    }
    return { final_contact_fraction: Object.fromEntries(runs.map((r) => [String(r.pressure_mpa), r.contact_fraction])) };
  },
};

/** The fem stage's Li and electrolyte materials from the run config (every constant a fem.* key). */
export function femMaterials(c: RunConfig['fem'], lambda: number, h: Float64Array): { li: Material; electrolyte: Material | null } {
  const li = liMaterial(c.li, c.temperature_k, c.yield_mpa, {
    E: c.li_e_mpa, nu: c.li_nu, creepA: c.creep_a, creepN: c.creep_n, creepQ: c.creep_q_kj * 1e3,
    yieldBulk: c.yield_bulk_mpa, yieldRef: c.yield_ref_mpa, sizeRefUm: c.yield_ref_um, sizeExponent: c.yield_size_exponent,
  }, c.asperity_um ?? asperityLength(lambda, h));
  return { li, electrolyte: electrolyteMaterial(c.electrolyte, { E: c.electrolyte_e_mpa, nu: c.electrolyte_nu }) };
}
