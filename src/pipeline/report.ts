/**
 * The report stage: reads every stage's outputs (so it works on a resumed run), renders the charts
 * (vega-lite → SVG) and maps (src/report/figures), writes each figure as SVG and print-resolution
 * PNG into DIR/figures/ and assembles DIR/report.html. With a synth `truth.json` beside the input
 * (the sample data has one) the tables get a ground-truth column.
 */
import path from 'node:path';
import { existsSync, promises as fs } from 'node:fs';
import { writeFileAtomically } from '../io/atomic.js';
import { loadVolume, openVolume } from '../io/open.js';
import { parseRoi, resolveRoi, roiText } from '../io/roi.js';
import type { StripPoint } from '../report/charts/index.js';
import type { Figure, Row, Section } from '../report/html/index.js';
import { configTable } from './config.js';
import { bandRows } from './report-band.js';
import { measuredElectrodes, scanFile, stageDir, trainableProbabilities, type CurrentStageJson, type FemPapersJson, type FemStageJson, type RunContext, type StageSpec } from './stages.js';
import type { ThicknessJson } from '../thickness/outputs.js';
import type { StrippingJson } from '../strip/run.js';
import type { PhantomTruth } from '../synth/index.js';
import { readStageRecord } from './fingerprint.js';
import type { SegmentReport } from '../segment/types.js';
import type { ImportedLabelsReport } from '../segment/import-labels.js';
import type { TrainableDoc } from '../segment/trainable/stage.js';
import { STAGES } from './config.js';
import { PRESETS } from '../synth/presets.js';
import { CURRENT_FILES, FEM_FILES, PORES_FILES, RUN_REPORT, runFile, SEGMENT_FILES, STRIP_FILES, THICKNESS_FILES, thicknessFiles, UNCERTAINTY_FILE, type InterfaceDoc } from '../io/run-folder.js';

const UM_PER_MAH_CM2 = 4.85;
const PHASES: [code: string, name: string, truthKey: keyof PhantomTruth['phase_fractions_in_cell']][] = [
  ['0', 'void/pore', 'void'],
  ['1', 'Li', 'li'],
  ['2', 'electrolyte', 'electrolyte'],
  ['3', 'collector', 'collector'],
];

/** truth.json (and the truth thickness map) beside a synth scan, if any. */
export function truthFilesFor(input: string): { truth: string; thickness: string | null } | null {
  const file = scanFile(input);
  const dir = existsSync(file) && !file.endsWith(path.sep) ? path.dirname(file) : null;
  if (!dir) return null;
  const truth = path.join(dir, 'truth.json');
  if (!existsSync(truth)) return null;
  const thickness = path.join(dir, 'thickness_um.tif');
  return { truth, thickness: existsSync(thickness) ? thickness : null };
}

/**
 * A truth.json beside the scan is only ground truth when `buried synth` wrote it: another tool's
 * truth.json (or anything else by that name) is ignored with a note, never read as ours.
 */
export function phantomTruthOrNote(text: string, file: string): { truth: PhantomTruth; note: null } | { truth: null; note: string } {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return { truth: null, note: `${file} is not JSON; ignored (no ground-truth column)` };
  }
  const o = (doc ?? {}) as Record<string, unknown>;
  const obj = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
  const num = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  const missing: string[] = [];
  if (!num(o.version)) missing.push('version');
  if (typeof o.preset !== 'string' || !(o.preset in PRESETS)) missing.push('preset');
  const th = obj(o.thickness);
  for (const k of ['mean_um', 'std_um', 'p05_um', 'p50_um', 'p95_um', 'zero_fraction']) if (!num(th[k])) missing.push(`thickness.${k}`);
  const pen = obj(o.penetration);
  for (const k of ['max_um', 'area_fraction']) if (!num(pen[k])) missing.push(`penetration.${k}`);
  const ph = obj(o.phase_fractions_in_cell ?? o.phase_fractions);
  for (const [, , k] of PHASES) if (!num(ph[k])) missing.push(`phase_fractions.${k}`);
  if (missing.length) return { truth: null, note: `${file} is not a buried-li phantom truth (no ${missing.slice(0, 4).join(', ')}${missing.length > 4 ? ', …' : ''}); ignored (no ground-truth column)` };
  return { truth: doc as PhantomTruth, note: null };
}

async function json<T>(file: string): Promise<T> {
  return JSON.parse(await fs.readFile(file, 'utf8')) as T;
}

const f = (v: number | null | undefined, digits = 3) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : (+v.toPrecision(digits)).toString());
const fx = (v: number | null | undefined, d = 2) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(d));
const pct = (v: number | null | undefined, d = 2) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(d)} %`);
const signed = (v: number, d = 2, unit = '') => `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(d)}${unit}`;

/**
 * Relative accuracy of the conduction solves' resistances (discretisation of the rough profile in the
 * contact model, CG tolerance and extrapolation in the current stage): a constriction smaller than
 * this fraction of the total resistance is not resolved, e.g. −0.00247 Ω·cm² at full contact.
 */
export const CONSTRICTION_ACCURACY = 1e-3;

/** A constriction resistance as printed: 0 (and why) when |value| is below the solver's accuracy. */
export function constrictionText(value: number | null | undefined, total: number | null | undefined, digits = 4): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (total !== null && total !== undefined && Number.isFinite(total) && Math.abs(value) < CONSTRICTION_ACCURACY * Math.abs(total)) {
    return `0 Ω·cm² (computed ${f(value, 3)}: |value| < ${CONSTRICTION_ACCURACY * 100} % of the total ${f(total, 4)} Ω·cm², below the solver's accuracy)`;
  }
  return `${f(value, digits)} Ω·cm²`;
}

/** Where imported labels came from and how their codes were read (no thresholds, no QC). */
function importedIntro(seg: ImportedLabelsReport): string {
  const map = seg.label_map ? Object.entries(seg.label_map).map(([src, phase]) => `${src} → ${phase}`).join(', ') : 'the contract codes as they were';
  return `Labels imported from ${seg.source} (${seg.source_dtype}; codes read as ${map}; stack normal ${seg.layout.normal_axis}, ${seg.layout.source}), not segmented here and not checked by the segmentation QC,`;
}

/** The box of the scan a --roi run analysed, in voxels and µm, as a sentence. */
async function regionAnalysed(ctx: RunContext): Promise<string> {
  const src = await openVolume(ctx.input, { ...ctx.openOptions, roi: undefined });
  try {
    const box = resolveRoi(parseRoi(ctx.cfg.input.roi!), src.shape, src.spacing, ctx.input);
    const um = src.spacing ? ` = ${box.map(([a, b], k) => f((b - a) * src.spacing![k], 4)).join(' × ')} µm` : '';
    return `Region analysed (--roi ${ctx.cfg.input.roi}): ${roiText(box)} (voxels, end excluded) of the ${src.shape.join(' × ')} scan${um}. `;
  } finally {
    await src.close();
  }
}

/** What the trainable segmentation learnt from and how sure it is. */
function trainableIntro(seg: TrainableDoc): string {
  const from = seg.model_source === 'given' ? `the model ${seg.model_file}` : `${seg.annotated_voxels} annotated voxels (${(100 * seg.annotated_fraction).toFixed(2)} %: ${seg.classes.map((c) => `${c.name} ${c.annotated_voxels}`).join(', ')}; training accuracy ${pct(seg.training_accuracy, 1)})`;
  const band = seg.li_band ? `; Li volume ${seg.li_band.labelled_voxels} voxels, ${seg.li_band.p70_voxels}–${seg.li_band.p30_voxels} at P(Li) ≥ 0.7–0.3 (± ${(100 * seg.li_band.relative_half_width).toFixed(2)} %)` : '';
  return `Trainable segmentation (random forest, ${seg.trees} trees, ${seg.features.length} features) from ${from}, mean uncertainty ${f(seg.mean_uncertainty, 3)}${band}; stack normal ${seg.layout.normal_axis}, not checked by the segmentation QC,`;
}

export const REPORT_FIGURES = ['phase_fractions', 'thickness_map', 'thickness_histogram', 'surface_profile', 'stripping', 'current_density', 'contact_time', 'contact_pressure'] as const;
/** Figures of the QC section, written only when segment.json has a QC block. */
export { QC_FIGURES } from '../report/qc-figures.js';

export const reportStage: StageSpec = {
  name: 'report',
  folder: (ctx) => path.join(ctx.dir, 'figures'),
  params: (ctx) => ({ report: ctx.cfg.report, config: ctx.cfg }),
  async inputs(ctx) {
    const d = (s: Parameters<typeof stageDir>[1], f: string) => path.join(stageDir(ctx, s), f);
    const files: Record<string, string> = {
      segment: d('segment', SEGMENT_FILES.json),
      thickness: d('thickness', THICKNESS_FILES.json),
      thickness_map: d('thickness', THICKNESS_FILES.map),
      // a second electrode's figures and replays (symmetric cells)
      ...Object.fromEntries(
        (await measuredElectrodes(ctx)).slice(1).flatMap((e) => [
          [`thickness_${e.name}`, d('thickness', thicknessFiles(e.suffix).json)],
          [`strip_${e.name}`, path.join(stageDir(ctx, 'strip'), e.name, STRIP_FILES.json)],
          [`current_${e.name}`, path.join(stageDir(ctx, 'current'), e.name, CURRENT_FILES.json)],
        ]),
      ),
      interface: d('thickness', THICKNESS_FILES.interface),
      strip: d('strip', STRIP_FILES.json),
      current: d('current', CURRENT_FILES.json),
      current_density: d('current', CURRENT_FILES.density),
      fem: d('fem', FEM_FILES.json),
      ...(ctx.cfg.fem.papers ? { fem_papers: d('fem', FEM_FILES.papers) } : {}),
      ...(ctx.cfg.pores.enabled ? { pores: d('pores', PORES_FILES.json) } : {}),
      // the QC slices show the labels over the scan
      labels: d('segment', SEGMENT_FILES.labels),
      scan: scanFile(ctx.input),
    };
    // a trainable segmentation's uncertainty map (its figure)
    if (trainableProbabilities(ctx)) files.uncertainty = d('segment', UNCERTAINTY_FILE);
    const truth = truthFilesFor(ctx.input);
    if (truth) {
      files.truth = truth.truth;
      if (truth.thickness) files.truth_thickness = truth.thickness;
    }
    return files;
  },
  async run(ctx, figDir) {
    // charting (vega, vega-lite) and rasterising (resvg) load here, not with the pipeline: they would
    // otherwise sit in memory through the voxel stages
    const { contactPressureSpec, contactTimeSpec, phaseFractionsSpec, renderVegaLite, strippingSpec, surfaceProfileSpec, thicknessHistogramSpec } = await import('../report/charts/index.js');
    const { configTableHtml, esc, gridTableHtml, renderReportHtml } = await import('../report/html/index.js');
    const { svgToPng } = await import('../report/figures/index.js');
    const { writeHistogramFigure, writeSliceFigure } = await import('../report/qc-figures.js');
    const { qcBanner, qcSection } = await import('../report/html/qc.js');
    const { snapshotName, S002_CITATION, S002_REFERENCE } = await import('../strip/index.js');
    const bar = ctx.progress('report');
    const width = ctx.cfg.report.figure_width_px;
    const dir = ctx.dir;
    const seg = await json<SegmentReport | ImportedLabelsReport | TrainableDoc>(runFile(dir, 'segment', SEGMENT_FILES.json));
    // imported labels and the trainable segmentation carry no thresholds and no QC block
    const auto = seg.mode === 'imported' || seg.mode === 'trainable' ? null : seg;
    const maskDecision = auto?.decisions.find((d) => d.step === 'mask');
    const region = (ctx.cfg.input.roi !== null ? await regionAnalysed(ctx) : '') + (maskDecision ? `The ${maskDecision.decision}. ` : '');
    const th = await json<ThicknessJson>(runFile(dir, 'thickness', THICKNESS_FILES.json));
    const iface = await json<InterfaceDoc>(runFile(dir, 'thickness', THICKNESS_FILES.interface));
    const strip = await json<StrippingJson>(runFile(dir, 'strip', STRIP_FILES.json));
    const cur = await json<CurrentStageJson>(runFile(dir, 'current', CURRENT_FILES.json));
    const fem = await json<FemStageJson>(runFile(dir, 'fem', FEM_FILES.json));
    const papers = ctx.cfg.fem.papers ? await json<FemPapersJson>(runFile(dir, 'fem', FEM_FILES.papers)) : null;
    const truthFound = truthFilesFor(ctx.input);
    const checked = truthFound ? phantomTruthOrNote(await fs.readFile(truthFound.truth, 'utf8'), truthFound.truth) : null;
    if (checked?.note) ctx.note(checked.note);
    const truth = checked?.truth ?? null;
    // the truth thickness map belongs with a phantom truth only
    const truthFiles = truth ? truthFound : null;
    const voxel: number = seg.spacing_um?.[0] ?? NaN;
    const steps = 10;
    let done = 0;
    const tick = () => bar.update(++done, steps);

    // thickness map vs the truth map, column by column
    let mapCompare: { mae: number; bias: number; rmse: number; n: number } | null = null;
    if (truthFiles?.thickness) {
      const meas = await loadVolume(runFile(dir, 'thickness', THICKNESS_FILES.map));
      const tru = await loadVolume(truthFiles.thickness);
      if (meas.shape.join() === tru.shape.join()) {
        let s = 0, a = 0, q = 0, n = 0;
        for (let i = 0; i < meas.data.length; i++) {
          const m = Number(meas.data[i]);
          const t = Number(tru.data[i]);
          if (!Number.isFinite(m) || !Number.isFinite(t)) continue;
          s += m - t;
          a += Math.abs(m - t);
          q += (m - t) ** 2;
          n++;
        }
        if (n) mapCompare = { mae: a / n, bias: s / n, rmse: Math.sqrt(q / n), n };
      }
    }
    tick();

    const figures: Record<string, Figure> = {};
    const save = async (id: string, svg: string, caption: string): Promise<Figure> => {
      await writeFileAtomically(path.join(figDir, `${id}.svg`), svg);
      await writeFileAtomically(path.join(figDir, `${id}.png`), svgToPng(svg, width));
      return (figures[id] = { id, svg, caption });
    };

    // 1. phases
    const phaseRows = PHASES.flatMap(([code, name, key]) => [
      { phase: name, source: 'measured', fraction: seg.phase_fractions?.[code] ?? 0 },
      ...(truth ? [{ phase: name, source: 'ground truth', fraction: (truth.phase_fractions_in_cell ?? truth.phase_fractions)?.[key] ?? 0 }] : []),
    ]);
    await save('phase_fractions', await renderVegaLite(phaseFractionsSpec(phaseRows)), 'Volume fraction of each phase in the cell (outside the cell and the field of view excluded)' + (truth ? ', measured and ground truth (phantom).' : '.'));
    tick();

    // 2. thickness map (the thickness stage's map figure: colour bar + scale bar) and histogram
    await save('thickness_map', await fs.readFile(runFile(dir, 'thickness', THICKNESS_FILES.figure), 'utf8'), 'Li layer thickness per column (colour bar in µm, scale bar in µm). Grey: no electrolyte surface found in the column.');
    const markers = [{ label: `measured mean ${fx(th.mean_um)} µm`, value: th.mean_um }];
    if (truth) markers.push({ label: `true mean ${fx(truth.thickness.mean_um)} µm`, value: truth.thickness.mean_um });
    await save('thickness_histogram', await renderVegaLite(thicknessHistogramSpec(th.histogram.edges, th.histogram.counts, markers)), 'Distribution of the Li layer thickness over the map columns.');
    tick();

    // 3. roughness: the profile the contact model used
    const profText = await fs.readFile(runFile(dir, 'fem', FEM_FILES.profile), 'utf8');
    const profile = profText.trim().split('\n').slice(1).map((l) => l.split(',').map(Number)).map(([x, h]) => ({ x_um: x, h_um: h }));
    await save('surface_profile', await renderVegaLite(surfaceProfileSpec(profile, 'Electrolyte surface profile used by the contact model')), `${fem.profile.source}; Rq ${fx(fem.profile.rq_um)} µm over λ = ${f(fem.profile.lambda_um, 4)} µm, ${fem.profile.nx} nodes.`);
    tick();

    // 4. stripping
    const points: StripPoint[] = [];
    for (const r of strip.uniform?.rows ?? []) points.push({ mode: 'uniform', stripped_fraction: r.stripped_fraction, active_fraction: r.active_fraction, current_multiplier: r.current_multiplier ?? Infinity });
    for (const r of strip.current?.rows ?? []) points.push({ mode: 'current-aware', stripped_fraction: r.stripped_fraction, active_fraction: r.active_fraction, current_multiplier: r.current_multiplier ?? Infinity });
    const refs = S002_REFERENCE.map((r) => ({ stripped_fraction: r.stripped_fraction, active_fraction: r.active_fraction, label: `${r.source}` }));
    await save('stripping', await renderVegaLite(strippingSpec(points, refs)), `Active (Li-covered) area fraction and current multiplier 1/active vs the fraction of Li stripped; uniform-rate replay (solid) and current-aware replay (dashed). Diamonds: measured points of ${S002_CITATION.full}, Fig 5e–f.`);
    tick();

    // 5. current density map
    const fullContact = cur.contact_fraction >= 1;
    await save(
      'current_density',
      await fs.readFile(runFile(dir, 'current', CURRENT_FILES.figure), 'utf8'),
      'Interface current density over its nominal mean on the solve grid (0 off contact).' + (fullContact ? ' Full contact: the current density is uniform (j = j̄ everywhere), so the map is one flat colour.' : ''),
    );
    tick();

    // 6. contact mechanics
    const timeRows = fem.runs.flatMap((r) => r.history.map((h) => ({ pressure: `${r.pressure_mpa} MPa`, t: h.t, contact_fraction: h.contact_fraction })));
    await save('contact_time', await renderVegaLite(contactTimeSpec(timeRows)), `Contact fraction of Li (${fem.model.li}) on the measured electrolyte profile during a ${fem.model.hold_s} s hold at each stack pressure (symmetric-log time axis).`);
    const pRows = fem.runs.flatMap((r) => [
      { pressure_mpa: r.pressure_mpa, contact_fraction: r.contact_fraction_initial, stage: 'at load (t = 0)' },
      { pressure_mpa: r.pressure_mpa, contact_fraction: r.contact_fraction, stage: 'after the hold' },
    ]);
    await save('contact_pressure', await renderVegaLite(contactPressureSpec(pRows)), 'Contact fraction right after loading and at the end of the hold, per stack pressure.');
    if (papers) {
      const { papersSpec } = await import('../report/charts/papers.js');
      await save('contact_papers', await renderVegaLite(papersSpec(papers.figure.resistance, papers.figure.contact)),
        "The contact model against the stack-pressure papers (fem.papers; a self-affine surface of Rq 2 µm as in Zhang et al. 2020, not this scan's): interface resistance through Doux et al. 2020's loading 1 → 25 MPa and release to 5 MPa against their symmetric-cell impedance (Fig 4c, × 1.267 cm²), and the true contact fraction during Zhang et al. 2020's 5 h holds. One constant is calibrated: the interfacial resistance per true contact area, at 25 MPa. Doux et al. 2020, Adv. Energy Mater. 10:1903253; Zhang et al. 2020, Cell Rep. Phys. Sci. 1:100012.");
    }
    tick();

    // QC (segment.json's qc block; none in older runs): slices through the centre and the grey histogram
    const qc = auto?.qc ?? null;
    const qcFigures: Figure[] = [];
    if (auto && qc) {
      const slices = await writeSliceFigure(figDir, { file: ctx.input, options: ctx.openOptions }, runFile(dir, 'segment', SEGMENT_FILES.labels), width);
      const histogram = await writeHistogramFigure(figDir, auto, width);
      for (const q of [slices, histogram]) qcFigures.push((figures[q.id] = { id: q.id, svg: q.svg, caption: q.caption }));
    }

    // the trainable segmentation's uncertainty across the interface
    const trainable = seg.mode === 'trainable' ? seg : null;
    const uncertaintyFile = runFile(dir, 'segment', UNCERTAINTY_FILE);
    const phaseFigures: Figure[] = [];
    if (trainable && existsSync(uncertaintyFile)) {
      const { writeUncertaintyFigure } = await import('../report/uncertainty-figure.js');
      const u = await writeUncertaintyFigure(figDir, uncertaintyFile, trainable.layout.normal_axis, width);
      phaseFigures.push((figures[u.id] = { id: u.id, svg: u.svg, caption: u.caption }));
    }

    // ── tables
    const sections: Section[] = [];
    // the QC section comes first: a reader sees whether to trust the labels before any number built on them
    if (auto && qc) sections.push(qcSection(qc, auto.phase_names ?? {}, qcFigures));
    const tcol = truth !== null;
    const phaseTable: Row[] = PHASES.map(([code, name, key]) => {
      const m = seg.phase_fractions?.[code];
      const t = (truth?.phase_fractions_in_cell ?? truth?.phase_fractions)?.[key];
      return { label: `${name} fraction`, value: pct(m), truth: t !== undefined ? pct(t) : undefined, diff: t !== undefined && m !== undefined ? `${signed((m - t) * 100, 2)} pp` : undefined };
    });
    const li: Partial<NonNullable<SegmentReport['li']>> = seg.li ?? {};
    const tMean = truth?.thickness?.mean_um;
    const inventory: Row[] = [
      { label: 'Li mean thickness (layer, thickness map)', value: `${fx(th.mean_um)} µm`, truth: tMean !== undefined ? `${fx(tMean)} µm` : undefined, diff: tMean !== undefined ? `${signed(th.mean_um - tMean)} µm (${signed((th.mean_um - tMean) / voxel, 2)} voxels)` : undefined },
      { label: 'Li areal capacity (layer)', value: `${fx(th.mean_capacity_mah_cm2, 3)} mAh/cm²`, truth: tMean !== undefined ? `${fx(tMean / UM_PER_MAH_CM2, 3)} mAh/cm²` : undefined, diff: tMean !== undefined ? `${signed(th.mean_um / UM_PER_MAH_CM2 - tMean / UM_PER_MAH_CM2, 3)} mAh/cm²` : undefined },
      { label: 'Li inventory (all Li voxels / map area)', value: `${fx(li.mean_thickness_um)} µm = ${fx(li.areal_capacity_mah_cm2, 3)} mAh/cm²`, note: 'includes Li below the electrolyte surface (filaments) and specks' },
      { label: 'Li thickness std', value: `${fx(th.std_um)} µm`, truth: truth ? `${fx(truth.thickness.std_um)} µm` : undefined, diff: truth ? `${signed(th.std_um - truth.thickness.std_um)} µm` : undefined },
      { label: 'Li thickness p05 / p50 / p95', value: `${fx(th.p05_um, 1)} / ${fx(th.p50_um, 1)} / ${fx(th.p95_um, 1)} µm`, truth: truth ? `${fx(truth.thickness.p05_um, 1)} / ${fx(truth.thickness.p50_um, 1)} / ${fx(truth.thickness.p95_um, 1)} µm` : undefined },
      { label: 'bare area (no Li)', value: pct(th.zero_fraction, 1), truth: truth ? pct(truth.thickness.zero_fraction, 1) : undefined },
    ];
    if (trainable) inventory.push(...bandRows(th, trainable, truth));
    if (mapCompare) inventory.push({ label: 'thickness map vs true map (per column)', value: `MAE ${fx(mapCompare.mae)} µm, RMSE ${fx(mapCompare.rmse)} µm, bias ${signed(mapCompare.bias)} µm`, note: `${mapCompare.n} columns` });
    sections.push({
      id: 'phases',
      title: 'Phases and Li inventory',
      intro: `${auto ? `Segmentation (${auto.method}, denoise ${auto.denoise?.applied}, thresholds ${(auto.thresholds ?? []).map((t) => f(t, 5)).join(', ')})` : seg.mode === 'trainable' ? trainableIntro(seg) : importedIntro(seg as ImportedLabelsReport)} of a ${seg.shape?.join(' × ')} scan at ${seg.spacing_um?.join(' × ')} µm. ${region}Areal capacity uses 4.85 µm of Li per mAh/cm².`,
      tables: [{ caption: 'Phase fractions', rows: phaseTable, truthColumn: tcol }, { caption: 'Li inventory', rows: inventory, truthColumn: tcol }],
      figures: [figures.phase_fractions, ...phaseFigures],
    });
    const twoElectrodes = (th.electrodes ?? []).length > 1;
    sections.push({
      id: 'thickness',
      title: twoElectrodes ? `Li thickness map (${th.electrode} electrode)` : 'Li thickness map',
      intro: `Per-column Li layer thickness between the collector side and the electrolyte surface along ${th.normal?.axis} (Li on the ${th.normal?.li_side} side)${th.refined_with_scan ? ', boundaries refined to sub-voxel positions with the grey levels' : ''}. Map ${th.map?.shape?.join(' × ')} px over ${f(th.map?.area_mm2, 4)} mm².`,
      figures: [figures.thickness_map, figures.thickness_histogram],
    });
    const rough: Row[] = [
      { label: 'electrolyte surface Rq / Ra', value: `${fx(th.roughness.electrolyte_surface.rq_um)} / ${fx(th.roughness.electrolyte_surface.ra_um)} µm`, truth: truth?.geometry?.surface_rq_um !== undefined ? `Rq ${fx(truth.geometry.surface_rq_um)} µm (generated)` : undefined },
      { label: 'Li top (collector side) Rq / Ra', value: `${fx(th.roughness.li_top.rq_um)} / ${fx(th.roughness.li_top.ra_um)} µm` },
      { label: 'Li penetration below the surface', value: `max ${fx(th.penetration.max_um)} µm over ${pct(th.penetration.area_fraction, 2)} of the area`, truth: truth ? `max ${fx(truth.penetration.max_um)} µm over ${pct(truth.penetration.area_fraction, 2)}` : undefined },
      { label: 'Li in contact with the electrolyte surface', value: pct(iface.contact_fraction, 1), note: 'contact map: voxel next to the surface on the Li side is Li' },
      { label: 'surface columns repaired / invalid', value: `${th.surface_repaired_columns} / ${th.map?.invalid_columns}` },
    ];
    sections.push({ id: 'roughness', title: 'Interface roughness', tables: [{ rows: rough, truthColumn: tcol }], figures: [figures.surface_profile] });
    // a symmetric cell: both electrodes side by side, then the far one's maps and replays
    const { electrodeSections } = await import('./report-electrodes.js');
    sections.push(...(await electrodeSections({ dir, thickness: th, truth, save, gridTableHtml })));
    const pores = ctx.cfg.pores.enabled ? await (await import('./report-pores.js')).poresSection({ dir, truth, save }) : null;
    if (pores) sections.push(pores);

    const atRows: Partial<StrippingJson['at_rows'][number]>[] = strip.uniform?.at_rows ?? [];
    const curAt: Partial<NonNullable<StrippingJson['current']>['at_rows'][number]>[] = strip.current?.at_rows ?? [];
    const stripTable = gridTableHtml(
      'Replay at the requested stripped fractions',
      ['stripped', 'active (uniform)', 'multiplier (uniform)', 'islands (uniform)', 'active (current-aware)', 'multiplier (current-aware)', 'j p99.9 / nominal'],
      strip.at.map((fr, i) => [pct(fr, 1), pct(atRows[i]?.active_fraction, 1), fx(atRows[i]?.current_multiplier), atRows[i]?.islands ?? '—', pct(curAt[i]?.active_fraction, 1), fx(curAt[i]?.current_multiplier), fx(curAt[i]?.j_p999)]),
    );
    const s002 = gridTableHtml(`Uniform replay vs ${S002_CITATION.short} (Fig 5e–f)`, ['stripped', 'active here', 'active in the paper', 'multiplier here'], (strip.summary?.s002_comparison ?? []).map((r) => [pct(r.stripped_fraction, 0), pct(r.active_fraction, 1), pct(r.paper_active_fraction, 0), fx(r.current_multiplier)]));
    sections.push({
      id: 'stripping',
      title: 'Stripping replay',
      intro: `Layer-by-layer removal of the measured Li map (${strip.summary?.steps} steps by ${strip.summary?.by}). Uniform: every covered pixel loses Li at the same rate. Current-aware: each pixel strips at its local current density from a 3D conduction solve on the remaining contact map${strip.current ? ` (${strip.current.grid.ny}×${strip.current.grid.nx} solve grid, slab ${f(strip.current.grid.slab_um, 4)} µm)` : ''}.`,
      figures: [figures.stripping],
      html: [stripTable, s002, `<p class="intro">Reference: ${esc(S002_CITATION.full)}.</p>`],
    });
    const snapshots: Figure[] = [];
    for (const mode of ['uniform', 'current']) {
      for (const fr of strip.at) {
        const name = snapshotName(mode, fr);
        const file = path.join(dir, 'strip', name);
        if (existsSync(file)) snapshots.push({ id: `snap-${mode}-${fr}`, caption: `${mode === 'current' ? 'current-aware' : 'uniform'} replay, ${pct(fr, 1)} stripped`, png: await fs.readFile(file) });
      }
    }
    sections.push({ id: 'snapshots', title: 'Depletion snapshots', intro: 'Remaining Li (colour: thickness left, one colour scale shared by every snapshot: 0 to the thickest column before stripping), black = depleted, dark red = voided (current-aware with j_void).', figures: snapshots });
    tick();

    const hs = cur.hotspots ?? {};
    const curRows: Row[] = [
      { label: 'contact fraction (solve grid)', value: pct(cur.contact_fraction, 1) },
      { label: 'electrolyte slab', value: `${f(cur.thickness_um, 4)} µm (${cur.thickness_source}), σ ${cur.sigma_mS_cm} mS/cm, Rct ${cur.rct_ohm_cm2} Ω·cm²` },
      { label: 'area-specific resistance', value: `${f(cur.resistance_ohm_cm2, 5)} Ω·cm²`, note: `bulk L/σ ${f(cur.bulk_ohm_cm2, 5)} Ω·cm², constriction ${constrictionText(cur.constriction_ohm_cm2, cur.resistance_ohm_cm2, 4)}` },
      { label: 'j / j̄ on contacts: p50 / p99 / p99.9 / max', value: `${fx(hs.p50)} / ${fx(hs.p99)} / ${fx(hs.p999)} / ${fx(hs.max)}`, note: hs.definition },
      { label: 'pixel j / j̄: p99 / p99.9 / max', value: `${fx(hs.pixel_p99)} / ${fx(hs.pixel_p999)} / ${fx(hs.pixel_max)}`, note: 'raw solve-grid pixels (resolution dependent at contact edges)' },
      { label: 'Wagner number', value: cur.wagner_number === null ? 'n/a (no contact boundary)' : f(cur.wagner_number, 3) },
      ...(hs.area_fraction_above_jcrit !== undefined ? [{ label: 'area above j_crit', value: pct(hs.area_fraction_above_jcrit, 2) }] : []),
      { label: 'solver', value: `${cur.solver?.iterations} CG iterations, residual ${Number(cur.solver?.relative_residual).toExponential(1)}, ${cur.solve_grid?.ny}×${cur.solve_grid?.nx}×${cur.grid?.nz} cells` },
    ];
    sections.push({ id: 'current', title: 'Current density and hot spots', intro: 'Steady conduction through the electrolyte slab under the measured contact map (block-averaged onto the solve grid).', tables: [{ rows: curRows }], figures: [figures.current_density] });

    const femTable = gridTableHtml(
      `Contact model: Li ${fem.model.li} on a ${fem.model.electrolyte} electrolyte, ${fem.model.hold_s} s hold, T = ${fem.model.temperature_K} K`,
      ['pressure', 'contact at load', 'contact after hold', 'mean contact pressure', 'void area / period', 'constriction (final)'],
      fem.runs.map((r) => [`${r.pressure_mpa} MPa`, pct(r.contact_fraction_initial, 1), pct(r.contact_fraction, 1), `${f(r.mean_contact_pressure_mpa, 4)} MPa`, `${f(r.void_area_um2, 3)} µm²`, constrictionText(r.conduction.constriction_ohm_cm2, r.conduction.total_ohm_cm2, 3)]),
    );
    const papersHtml = papers ? [`<h3>Model vs the stack-pressure papers</h3><pre>${esc(papers.table)}</pre>`] : [];
    sections.push({ id: 'contact', title: 'Contact under stack pressure', intro: 'Periodic plane-strain finite-element contact of Li pressed onto the electrolyte profile measured in this scan.', figures: [figures.contact_time, figures.contact_pressure, ...(papers ? [figures.contact_papers] : [])], html: [femTable, ...papersHtml] });

    // provenance: effective configuration, stage records
    const stageRows: (string | number)[][] = [];
    for (const s of STAGES) {
      if (s === 'report') continue;
      const rec = await readStageRecord(stageDir(ctx, s));
      if (rec) stageRows.push([s, `${rec.seconds.toFixed(2)} s`, `${(rec.peak_rss_bytes / 2 ** 20).toFixed(0)} MiB`, rec.finished, rec.fingerprint.slice(0, 12)]);
    }
    sections.push({
      id: 'parameters',
      title: 'Parameters and provenance',
      intro: `Input ${ctx.input}${truthFiles ? ` (ground truth: ${truthFiles.truth})` : ''}${checked?.note ? ` (${checked.note})` : ''}; buried-li ${ctx.version}, Node ${process.version}. Full details (checksums, versions, memory) in manifest.json.`,
      html: [configTableHtml(configTable(ctx.cfg)), gridTableHtml('Stages (when each last ran)', ['stage', 'time', 'peak RSS (process)', 'finished', 'fingerprint'], stageRows)],
    });
    tick();

    const title = ctx.cfg.report.title ?? `Buried interface report: ${path.basename(scanFile(ctx.input))}`;
    const html = renderReportHtml({
      title,
      banner: qcBanner(qc),
      subtitle: `Li ${fx(th.mean_um)} µm${th.mean_um_band ? ` (band ${fx(th.mean_um_band[0])}–${fx(th.mean_um_band[1])} µm)` : ''} ≈ ${fx(th.mean_capacity_mah_cm2, 3)} mAh/cm² · ${seg.shape?.join('×')} voxels at ${f(voxel, 4)} µm · ${esc(new Date().toISOString().slice(0, 10))}`,
      sections,
      footer: `buried-li ${ctx.version} · generated offline; every figure is also in figures/ as SVG and ${width}-px PNG`,
    });
    await writeFileAtomically(path.join(dir, RUN_REPORT), html);
    bar.finish(`${Object.keys(figures).length} figures`);
    return { figures: Object.keys(figures).length, truth: Boolean(truth), report: path.join(dir, RUN_REPORT) };
  },
};
