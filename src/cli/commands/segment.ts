import type { Command } from 'commander';
import { checkOutputFolder } from '../../io/output-guard.js';
import { InputError } from '../../io/errors.js';
import { openVolume } from '../../io/open.js';
import type { BackendChoice } from '../../compute/types.js';
import { createBackend, requireGpuAdapter } from '../../compute/index.js';
import { PHASE_NAMES, type SegmentOptions, type SegmentReport } from '../../segment/index.js';
import { loadUserMask } from '../../segment/mask.js';
import { trainableScan } from '../../segment/trainable/stage.js';
import { segmentScan, type SegmentMemory, type SegmentScanOptions } from '../../segment/run.js';
import type { SegmentationFiles } from '../../segment/write.js';
import { formatBytes, memoryBudget } from '../../compute/budget.js';
import { addInputOptions, ensureOutputDir, FORCE_HELP, openOptionsFrom, type InputFlags } from '../input-options.js';
import { SEGMENT_FILES } from '../../io/run-folder.js';
import { action, emit, printWarnings, EXIT_CODES_HELP } from '../run-command.js';
import { createProgress, type Progress } from '../../io/progress.js';
import { applyQcOutcome, qcOutcome } from '../qc-outcome.js';

interface SegmentFlags extends InputFlags {
  out: string;
  classes?: string;
  method: string;
  denoise: string;
  sigma?: string;
  secondPass?: boolean;
  liContrast: string;
  collector: string;
  normal: string;
  fieldOfView: string;
  mask?: string;
  annotations?: string;
  annotationMap?: string;
  model?: string;
  trees?: string;
  /** false under --no-rules (trainable segmentation). */
  rules?: boolean;
  layout: string;
  minIsland: string;
  fillHoles?: boolean;
  backend: string;
  memory?: string;
  json?: boolean;
  strict?: boolean;
  force?: boolean;
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new InputError(`${flag} must be one of ${allowed.join(', ')}, got '${value}'`);
  return value as T;
}

function integerAtLeast(flag: string, text: string, min: number): number {
  const v = Number(text);
  if (!Number.isInteger(v) || v < min) throw new InputError(`${flag} must be an integer ≥ ${min}, got '${text}'`);
  return v;
}

function summaryText(files: SegmentationFiles, report: SegmentReport & { memory: SegmentMemory }, options: Pick<SegmentOptions, 'mode'>): string {
  const fractions = Object.entries(report.phase_fractions)
    .map(([code, f]) => `${options.mode === 'phases' ? PHASE_NAMES[code] ?? code : `class ${code}`} ${(100 * f).toFixed(2)} %`)
    .join(', ');
  return (
    `wrote ${files.labels} and ${files.json}\n` +
    `thresholds ${report.thresholds.map((t) => +t.toPrecision(6)).join(', ')} (${report.method}); denoise ${report.denoise.applied} (${report.denoise.reason})\n` +
    `phases: ${fractions}\n` +
    (report.li?.areal_capacity_mah_cm2 != null ? `Li: mean ${report.li.mean_thickness_um?.toFixed(2)} µm = ${report.li.areal_capacity_mah_cm2.toFixed(3)} mAh/cm²\n` : '') +
    `backend ${report.backend}; peak memory ${(report.memory.peak_rss_bytes / 2 ** 20).toFixed(0)} MiB (${report.memory.peak_rss_over_input}× input; budget ${formatBytes(report.memory.budget_bytes)}${report.memory.out_of_core ? ', streamed' : ''})`
  );
}

export function registerSegment(program: Command): void {
  addInputOptions(
    program
      .command('segment')
      .description('phase labels from a grey-level scan: void/pore, Li, electrolyte, collector (or K classes by intensity)')
      .argument('<input>', 'grey-level scan: TIFF, folder of slices, file.h5[:/dataset], or raw with --shape/--dtype')
      .requiredOption('-o, --out <dir>', 'output folder (labels.tif, segment.json)')
      .option('--classes <K>', 'generic mode: K classes labelled 0..K-1 by increasing intensity')
      .option('--method <m>', 'thresholds: otsu (exact multi-Otsu) | gmm (Gaussian mixture by EM)', 'otsu')
      .option('--denoise <d>', 'auto | none | median (3×3×3) | gaussian', 'auto')
      .option('--second-pass', 'full, symmetric and Li-foil cells: phases decided again on a Gaussian (σ 0.6) of the scan (Dice +0.01–0.04; ≈ 1.8× the CPU, in memory ≈ 9.5× the scan)')
      .option('--sigma <voxels>', 'Gaussian σ in voxels for --denoise gaussian')
      .option('--li-contrast <c>', 'auto (attenuation contrast; the inverted rendering when that gives a low QC verdict) | dark (attenuation: Li darker than electrolyte) | bright (inverted rendering)', 'auto')
      .option('--collector <c>', 'auto | carbon | metal | none', 'auto')
      .option('--normal <axis>', 'stack normal: auto (detected: the axis along which slice means vary most) | z | y | x', 'auto')
      .option('--field-of-view <f>', 'auto (a constant or NaN fill outside the reconstruction disc is labelled 255) | none', 'auto')
      .option('--mask <file>', 'one slice across an axis, non-zero = analyse: the lines outside it are labelled 255 and left out, like the field of view')
      .option('--layout <l>', 'cell layout: auto (found from the data) | anode-free | li-foil | symmetric | full-cell (steers the layout steps; QC fails when the data show another)', 'auto')
      .option('--min-island <voxels>', 'relabel islands smaller than this to their surroundings (0 = off)', '0')
      .option('--fill-holes', 'fill enclosed holes of each phase (as in run: --fill-holes, or --segment-fill-holes true)')
      .option('--no-fill-holes', 'do not fill holes (the default)')
      .option('--backend <b>', 'auto | cpu | gpu (with --annotations/--model: gpu computes the features on WebGPU, slab after slab; auto and cpu on cpu worker threads)', 'auto')
      .option('--memory <size>', 'memory budget, e.g. 8G (default 60 % of the available RAM): a scan whose in-memory segmentation does not fit is streamed by slabs through scratch files ($BURIED_SCRATCH or the temporary folder), with identical labels')
      .option('--strict', 'exit 3 when the segmentation confidence is low (labels.tif and segment.json are still written, to inspect)')
      .option('--annotations <file>', 'trainable segmentation: a volume of the scan\'s shape, 0 = not annotated, k = phase code k − 1 (1 void/pore, 2 Li, 3 electrolyte, 4 collector, 5 cathode, 6 outside); a random forest learns the phases from these voxels and labels every voxel, with probability and uncertainty maps and model.json')
      .option('--annotation-map <map>', 'trainable segmentation: the annotation file\'s own codes onto the phases, SRC:PHASE,… as --label-map (e.g. "1:li,2:electrolyte,3:void"); 0 stays "not annotated"')
      .option('--model <file>', 'trainable segmentation with the model.json of an earlier --annotations run (another scan of the same series)')
      .option('--trees <n>', 'trainable segmentation: trees of the random forest', '16')
      .option('--no-rules', 'trainable segmentation: leave the forest\'s labels as they are, without the connectivity rules (Li specks not joined to an electrode, voids enclosed in Li, collector specks, enclosed "outside" air)')
      .option('--force', FORCE_HELP)
      .option('--json', 'print the summary as JSON on stdout')
      .addHelpText('after', `\n${EXIT_CODES_HELP}`),
  ).action(
    action(async (input: string, flags: SegmentFlags) => {
      // before any computing: a read-only or unwritable output folder fails now, in one line
      await checkOutputFolder(flags.out);
      if (flags.annotations !== undefined || flags.model !== undefined) return trainableCommand(input, flags);
      if (flags.annotationMap !== undefined && flags.annotations === undefined) throw new InputError('--annotation-map maps the codes of --annotations: give the annotations too');
      if (flags.rules === false) throw new InputError('--no-rules applies to the trainable segmentation (--annotations or --model)');
      const backendChoice = oneOf<BackendChoice>('--backend', flags.backend, ['auto', 'cpu', 'gpu']);
      const options: Omit<SegmentScanOptions, 'backend' | 'budgetBytes'> = {
        mode: flags.classes !== undefined ? 'classes' : 'phases',
        classes: flags.classes !== undefined ? integerAtLeast('--classes', flags.classes, 2) : undefined,
        method: oneOf('--method', flags.method, ['otsu', 'gmm'] as const),
        denoise: oneOf('--denoise', flags.denoise, ['auto', 'none', 'median', 'gaussian'] as const),
        sigma: flags.sigma !== undefined ? Number(flags.sigma) : undefined,
        secondPass: Boolean(flags.secondPass),
        liContrast: oneOf('--li-contrast', flags.liContrast, ['auto', 'dark', 'bright'] as const),
        collector: oneOf('--collector', flags.collector, ['auto', 'carbon', 'metal', 'none'] as const),
        normal: oneOf('--normal', flags.normal, ['auto', 'z', 'y', 'x'] as const),
        fieldOfView: oneOf('--field-of-view', flags.fieldOfView, ['auto', 'none'] as const),
        layout: oneOf('--layout', flags.layout, ['auto', 'anode-free', 'li-foil', 'symmetric', 'full-cell'] as const),
        minIslandVoxels: integerAtLeast('--min-island', flags.minIsland, 0),
        fillHoles: Boolean(flags.fillHoles),
        // the scan is not needed after segmentation: denoise in place to keep peak memory low
        inPlace: true,
      };
      if (options.sigma !== undefined && !(options.sigma > 0)) throw new InputError(`--sigma must be a positive number of voxels, got '${flags.sigma}'`);
      if (options.classes !== undefined && options.classes > 16) throw new InputError('--classes must be at most 16');

      const budget = memoryBudget(flags.memory);
      if (options.mode === 'phases') {
        // the phases' Li volume, thickness and capacity are physical: without a voxel size, stop before anything is written
        const probe = await openVolume(input, openOptionsFrom(flags));
        const { spacing, shape } = probe;
        await probe.close();
        if (!spacing) throw new InputError('voxel size unknown (no spacing in the file): give --voxel UM or --voxel DZ,DY,DX (--classes K needs none)', input);
        if (flags.mask !== undefined) await loadUserMask(flags.mask, shape); // a bad mask: refused before anything is written
      } else if (flags.mask !== undefined) {
        throw new InputError('--mask works in phase mode (without --classes)');
      }
      await ensureOutputDir(flags.out, { files: Object.values(SEGMENT_FILES), force: flags.force });
      let stage: Progress | null = null;
      let stageName = '';
      options.onProgress = (name, done, total) => {
        if (name === 'done') return;
        if (name !== stageName) {
          stage?.finish();
          stageName = name;
          stage = createProgress(`segment: ${name}`);
        }
        stage?.update(done, total);
      };
      const reading = createProgress('segment: read');
      const r = await segmentScan(input, openOptionsFrom(flags), flags.out, {
        ...options,
        maskFile: flags.mask ?? null,
        backend: backendChoice,
        budgetBytes: budget.bytes,
        onNote: (message) => process.stderr.write(`buried: note: ${message}\n`),
        onOpen: (info) => printWarnings(info.warnings),
        onRead: (d, t) => reading.update(d, t),
      });
      (stage as Progress | null)?.finish();
      emit(Boolean(flags.json), { files: r.files, ...r.report }, summaryText(r.files, r.report, options));
      // after the outputs are written: under --strict they stay for inspection, only the exit code says no
      applyQcOutcome(qcOutcome(r.report, input, Boolean(flags.strict)));
    }),
  );
}

/** `segment --annotations` / `--model`: the trainable segmentation (segment/trainable/stage.ts). */
async function trainableCommand(input: string, flags: SegmentFlags): Promise<void> {
  const trees = Number(flags.trees);
  if (!Number.isInteger(trees) || trees < 1 || trees > 1000) throw new InputError(`--trees must be an integer from 1 to 1000, got '${flags.trees}'`);
  if (flags.annotations !== undefined && flags.model !== undefined) throw new InputError('give --annotations (train) or --model (reuse), not both');
  const backendChoice = oneOf<BackendChoice>('--backend', flags.backend, ['auto', 'cpu', 'gpu']);
  // no adapter for --backend gpu: refused (exit 2) before the output folder is touched
  if (backendChoice === 'gpu') await requireGpuAdapter();
  const open = openOptionsFrom(flags);
  // the files it may write: a file of another tool under one of these names is kept unless --force
  const files = [...Object.values(SEGMENT_FILES), 'uncertainty.tif', 'model.json', ...['void', 'li', 'electrolyte', 'collector', 'cathode', 'outside'].map((p) => `probability_${p}.tif`)];
  await ensureOutputDir(flags.out, { files, force: flags.force });
  const bars = new Map<string, Progress>();
  // the trainable features on the gpu only when asked for: auto keeps the cpu's (bit-stable) features
  const backend = backendChoice === 'gpu' ? await createBackend('gpu') : undefined;
  let r: Awaited<ReturnType<typeof trainableScan>>;
  try {
    r = await trainableScan(input, open, flags.out, {
      annotations: flags.annotations ?? null,
      annotationMap: flags.annotationMap ?? null,
      modelFile: flags.model ?? null,
      trees,
      rules: flags.rules !== false,
      backend,
      onProgress: (step, done, total) => {
        let bar = bars.get(step);
        if (!bar) bars.set(step, (bar = createProgress(`segment: ${step}`)));
        bar.update(done, total);
      },
    });
  } finally {
    await backend?.dispose();
  }
  for (const b of bars.values()) b.finish();
  const rep = r.report;
  const text = [
    `trainable segmentation (random forest, ${rep.trees} trees, ${rep.features.length} features; model ${rep.model_source}${rep.model_file ? ` from ${rep.model_file}` : ''}${rep.features_backend === 'cpu' ? '' : `; features on ${rep.features_backend}`})`,
    ...(rep.model_source === 'trained' ? [`annotated ${rep.annotated_voxels} voxels (${(100 * rep.annotated_fraction).toFixed(2)} %): ${rep.classes.map((c) => `${c.name} ${c.annotated_voxels}`).join(', ')}; training accuracy ${(100 * (rep.training_accuracy ?? 0)).toFixed(1)} %`] : []),
    ...(rep.li_band ? [`Li ${rep.li_band.labelled_voxels} voxels, band P(Li) ≥ 0.7 … ≥ 0.3: ${rep.li_band.p70_voxels} … ${rep.li_band.p30_voxels} (± ${(100 * rep.li_band.relative_half_width).toFixed(2)} %)`] : []),
    `phase fractions ${Object.entries(rep.phase_fractions).map(([k, v]) => `${PHASE_NAMES[k]} ${(100 * v).toFixed(1)} %`).join(', ')}; mean uncertainty ${rep.mean_uncertainty.toFixed(3)}`,
    rep.rules
      ? `connectivity rules: ${rep.rules.changed_voxels} voxels relabelled (isolated Li ${rep.rules.isolated_li.voxels}, voids in Li ${rep.rules.void_in_li.voxels}, collector specks ${rep.rules.collector_islands.voxels}, enclosed outside ${rep.rules.outside_enclosed.voxels}); voids: interfacial ${rep.rules.voids.interfacial.voxels}, pores ${rep.rules.voids.pores.voxels} voxels`
      : 'connectivity rules off (--no-rules)',
    `wrote ${r.files.join(', ')} in ${flags.out}`,
  ].join('\n');
  emit(Boolean(flags.json), { files: r.files, ...rep }, text);
}
