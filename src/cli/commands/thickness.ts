import type { Command } from 'commander';
import { checkOutputFolder } from '../../io/output-guard.js';
import { InputError, namingFile } from '../../io/errors.js';
import { memoryBudget } from '../../compute/budget.js';
import type { NormalOption } from '../../thickness/map.js';
import type { ElectrodeCount } from '../../thickness/electrodes.js';
import { measureThickness } from '../../thickness/run.js';
import { importLabels } from '../../segment/import-labels.js';
import { writeElectrodeOutputs } from '../../thickness/outputs.js';
import { addInputOptions, ensureOutputDir, FORCE_HELP, openOptionsFrom, type InputFlags } from '../input-options.js';
import { THICKNESS_FILES, thicknessBandFiles, thicknessFiles } from '../../io/run-folder.js';
import { probabilitiesBeside } from '../../thickness/band.js';
import { createProgress } from '../../io/progress.js';
import { action, emit } from '../run-command.js';

interface ThicknessFlags extends InputFlags {
  out: string;
  normal: string;
  electrodes: string;
  scan?: string;
  memory?: string;
  labelMap?: string;
  json?: boolean;
  force?: boolean;
}

export function parseElectrodes(text: string): ElectrodeCount {
  if (text === 'auto') return 'auto';
  if (text === '1' || text === '2') return Number(text) as 1 | 2;
  throw new InputError(`--electrodes must be auto, 1 or 2, got '${text}'`);
}

export function registerThickness(program: Command): void {
  addInputOptions(
    program
      .command('thickness')
      .description('Li layer thickness map per electrode between the collector side and the electrolyte surface, penetration and contact maps, statistics and figures')
      .argument('<labels>', 'labels volume: uint8 phase codes (0 void, 1 Li, 2 electrolyte, 3 collector), or any integer codes with --label-map')
      .requiredOption('-o, --out <dir>', 'output folder (created if missing)')
      .option('--normal <axis>', 'interface normal: x|y|z|auto (auto fits the interface plane and measures along its normal)', 'z')
      .option('--electrodes <n>', 'Li electrodes to measure: auto (an end is an electrode when Li lies before the electrolyte in ≥ 50 % of its columns), 1 or 2 (symmetric cell: near and far)', 'auto')
      .option('--scan <file>', 'grey-level scan of the same shape: sub-voxel refinement of the Li boundaries')
      .option('--label-map <map>', 'labels from another tool: their codes onto the phases, SRC:PHASE,… (void, li, electrolyte, collector, cathode, outside, masked or codes 0–5, 255), e.g. "0:void,1:electrolyte,2:li"')
      .option('--memory <size>', 'memory budget (e.g. 8G, 512M); volumes that do not fit are streamed from disk (default: 60 % of available memory)')
      .option('--force', FORCE_HELP)
      .option('--json', 'print the summary as JSON on stdout'),
  ).action(
    action(async (input: string, flags: ThicknessFlags) => {
      // before any computing: a read-only or unwritable output folder fails now, in one line
      await checkOutputFolder(flags.out);
      const normal = flags.normal as NormalOption;
      if (!['x', 'y', 'z', 'auto'].includes(normal)) throw new InputError(`--normal must be x, y, z or auto, got '${flags.normal}'`);
      const electrodes = parseElectrodes(flags.electrodes);
      const open = openOptionsFrom(flags);
      const budget = memoryBudget(flags.memory);
      const progress = createProgress('thickness');
      // labels of another tool: mapped onto the phase codes in memory (uint8), then measured as ours
      const imported = flags.labelMap !== undefined ? await importLabels(input, { labelMap: flags.labelMap, open }) : null;
      // a problem of the labels (no electrolyte, no interface, ...) names the labels file
      // a trainable segmentation's labels.tif with its probabilities beside: the uncertainty band too
      const probabilitiesDir = imported ? null : probabilitiesBeside(input);
      const m = await namingFile(input, measureThickness(
        { labelsFile: input, labelsOpen: open, volume: imported?.labels ?? null, scanFile: flags.scan ?? null, scanOpen: { voxel: open.voxel, roi: open.roi }, probabilitiesDir },
        { normal, electrodes, budgetBytes: budget.bytes, onProgress: (d, t) => progress.update(d, t) },
      ));
      progress.finish();
      if (m.detection.warning) process.stderr.write(`buried: warning: ${input}: ${m.detection.warning}\n`);
      for (const w of m.warnings) process.stderr.write(`buried: warning: ${input}: ${w}\n`);
      if (m.bandSkipped) process.stderr.write(`buried: note: ${input}: no uncertainty band: ${m.bandSkipped}\n`);
      for (const why of m.band?.skipped ?? []) process.stderr.write(`buried: note: ${input}: no uncertainty band for ${why}\n`);
      await ensureOutputDir(flags.out, { files: [...Object.values(thicknessFiles()), ...Object.values(thicknessFiles('_far')), ...Object.values(thicknessBandFiles()), ...Object.values(thicknessBandFiles('_far')), THICKNESS_FILES.interface], force: flags.force });
      const memory = m.memory;
      const { summaries, entries } = await writeElectrodeOutputs(flags.out, m, { input, scan: flags.scan ?? null, spacing_um: m.spacing, volume_shape: m.shape, memory }, m.band);
      const two = m.electrodes.length > 1;
      const lines: string[] = [];
      m.electrodes.forEach((e, k) => {
        const res = e.map;
        const summary = summaries[k];
        const tag = two ? `[${e.name}] ` : '';
        lines.push(
          `${tag}thickness map ${res.shape.join(' × ')} px (${summary.map.area_mm2} mm²), normal ${res.axis}${res.tilt_deg >= 0.05 ? ` tilted ${res.tilt_deg.toFixed(2)}°` : ''}, Li on the ${res.li_side} side`,
          `${tag}Li thickness  mean ${summary.mean_um} µm, std ${summary.std_um}, min ${summary.min_um}, p05 ${summary.p05_um}, p50 ${summary.p50_um}, p95 ${summary.p95_um}, max ${summary.max_um} µm`,
          `${tag}bare area     ${(summary.zero_fraction * 100).toFixed(1)} %; mean ≈ ${summary.mean_capacity_mah_cm2} mAh/cm² (4.85 µm per mAh/cm²); contact ${(entries[k].contact_fraction * 100).toFixed(1)} %`,
          `${tag}roughness     electrolyte Rq ${summary.roughness.electrolyte_surface.rq_um} µm, Li top Rq ${summary.roughness.li_top.rq_um} µm`,
          `${tag}penetration   max ${summary.penetration.max_um} µm over ${(summary.penetration.area_fraction * 100).toFixed(2)} % of the area` +
            (summary.penetration.through_columns ? `; ${summary.penetration.through_columns} columns joined to the other electrode by Li` : ''),
          ...(entries[k].mean_um_band ? [`${tag}uncertainty   mean ${entries[k].mean_um_band![0]}–${entries[k].mean_um_band![1]} µm with Li as P(Li) ≥ 0.7 … ≥ 0.3 (${thicknessBandFiles(e.suffix).p70}, ${thicknessBandFiles(e.suffix).p30})`] : []),
          ...(res.refined ? [`${tag}refined with the scan (voxel-count mean ${summary.mean_um_voxel_count} µm)`] : []),
        );
      });
      lines.push(
        `electrodes    ${m.electrodes.map((e) => e.name).join(', ')} (Li before the electrolyte in ${(m.detection.li_coverage.low * 100).toFixed(0)} % / ${(m.detection.li_coverage.high * 100).toFixed(0)} % of the columns from the low / high end${m.detection.requested === 'auto' ? '' : '; requested'})`,
        `memory        peak ${(memory.peak_rss_bytes / 2 ** 20).toFixed(0)} MiB, budget ${(memory.budget_bytes / 2 ** 20).toFixed(0)} MiB${memory.out_of_core ? `, streamed in ${memory.blocks} blocks` : ''}`,
        `wrote ${flags.out}/${entries.map((e) => `${e.files.thickness}, ${e.files.penetration}, ${e.files.contact}, ${e.files.json}`).join(', ')}, interface.json`,
      );
      emit(Boolean(flags.json), { ...summaries[0], ...(entries[0].mean_um_band ? { mean_um_band: entries[0].mean_um_band } : {}), electrode: m.electrodes[0].name, electrodes: entries, electrode_detection: m.detection, memory }, lines.join('\n'));
    }),
  );
}
