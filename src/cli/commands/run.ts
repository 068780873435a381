import path from 'node:path';
import type { Command } from 'commander';
import { InputError } from '../../io/errors.js';
import { STAGES, type StageName } from '../../pipeline/config.js';
import { addConfigOptions, configFromFlags, type ConfigFlags } from '../config-flags.js';
import { runPipeline } from '../../pipeline/run.js';
import { action, emit, EXIT_CODES_HELP } from '../run-command.js';
import { applyQcOutcome, qcOutcome } from '../qc-outcome.js';
import { readSeriesList } from '../series-list.js';
import { openOptionsOf } from '../../pipeline/stages.js';
import { seriesAction } from './series.js';

interface RunFlags extends ConfigFlags {
  out: string;
  force?: boolean | string;
  until?: string;
  quiet?: boolean;
  json?: boolean;
  strict?: boolean;
  labels?: string;
  labelMap?: string;
  roi?: string;
  mask?: string;
  annotations?: string;
  annotationMap?: string;
  fillHoles?: boolean;
  series?: string;
}

function parseStages(flag: string, text: string): StageName[] {
  const list = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of list) if (!(STAGES as readonly string[]).includes(s)) throw new InputError(`${flag} must name stages among ${STAGES.join(', ')}, got '${s}'`);
  return list as StageName[];
}

/** A path as the user would type it: relative when inside the working folder, absolute otherwise. */
function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : path.resolve(p);
}

export function registerRun(program: Command): void {
  const cmd = program
    .command('run')
    .description('whole pipeline: read → segment → thickness → strip → current → fem → report.html (resumable; without an input: the bundled sample phantom)')
    .argument('[input]', 'grey-level scan: TIFF, folder of slices, file.h5[:/dataset], raw with input.shape/input.dtype (default: data/sample/scan.tif)')
    .requiredOption('-o, --out <dir>', 'output folder: segment/, thickness/, strip/, current/, fem/, figures/, report.html, manifest.json')
    .option('--force [stages]', 'redo every stage, or only the comma-separated stages given')
    .option('--until <stage>', `stop after this stage (${STAGES.join(', ')})`)
    .option('--quiet', 'no progress on stderr')
    .option('--strict', 'same as --run-strict true: when the segmentation confidence is low, stop after the segment stage (its outputs and record stay) and exit 3')
    .option('--roi <box>', 'same as --input-roi: analyse only this box of the scan, AXIS=START:END or AXIS=center:LENGTH per axis, voxels or µm (um suffix), e.g. y=center:800um,x=center:800um')
    .option('--mask <file>', 'same as --segment-mask: one slice across an axis, non-zero = analyse; the lines outside are left out like the field of view')
    .option('--annotations <file>', 'same as --segment-annotations: trainable segmentation from the annotated voxels of this volume (0 = none, k = phase code k − 1)')
    .option('--annotation-map <map>', 'same as --segment-annotation-map: the annotation file\'s own codes onto the phases, SRC:PHASE,… e.g. "1:li,2:electrolyte,3:void"')
    .option('--labels <file>', 'same as --segment-labels: labels from another tool (Weka, ilastik, Dragonfly, Avizo) instead of the automatic segmentation; the run goes on from the thickness stage')
    .option('--label-map <map>', 'same as --segment-label-map: their codes onto the phases, SRC:PHASE,… e.g. "0:void,1:electrolyte,2:li"')
    .option('--fill-holes', 'same as --segment-fill-holes true (as in buried segment)')
    .option('--no-fill-holes', 'same as --segment-fill-holes false')
    .option('--series <list.yaml>', 'a cell over time instead of one scan: the scans (with charge and labels) listed in this YAML file, registered and compared as `buried series` does (see the README)')
    .option('--json', 'print the run summary as JSON on stdout')
    .addHelpText('after', `\n${EXIT_CODES_HELP}`);
  // --config, --set, --voxel, --workers and one flag per configuration key (--segment-method, ...)
  addConfigOptions(cmd);
  cmd.action(
    action(async (input: string | undefined, flags: RunFlags) => {
      if (flags.series !== undefined) {
        if (input !== undefined) throw new InputError(`give either a scan (${input}) or --series ${flags.series}, not both`);
        const cfg = await configFromFlags(flags);
        await seriesAction(await readSeriesList(flags.series), flags.out, { open: openOptionsOf(cfg), force: flags.force === true, json: Boolean(flags.json) });
        return;
      }
      // --strict is the short form of --run-strict true (the schema key, also settable in the config file)
      const cfg = await configFromFlags({
        ...flags,
        ...(flags.strict ? { runStrict: 'true' } : {}),
        ...(flags.labels !== undefined ? { segmentLabels: flags.labels } : {}),
        ...(flags.labelMap !== undefined ? { segmentLabelMap: flags.labelMap } : {}),
        ...(flags.roi !== undefined ? { inputRoi: flags.roi } : {}),
        ...(flags.mask !== undefined ? { segmentMask: flags.mask } : {}),
        ...(flags.annotations !== undefined ? { segmentAnnotations: flags.annotations } : {}),
        ...(flags.annotationMap !== undefined ? { segmentAnnotationMap: flags.annotationMap } : {}),
        ...(flags.fillHoles !== undefined ? { segmentFillHoles: String(flags.fillHoles) } : {}),
      });
      const force = flags.force === undefined ? false : flags.force === true ? true : parseStages('--force', String(flags.force));
      const until = flags.until !== undefined ? parseStages('--until', flags.until)[0] : undefined;
      const result = await runPipeline({ input, out: flags.out, cfg, force, until, quiet: Boolean(flags.quiet), configFile: flags.config ?? null });
      const ran = result.stages.filter((s) => s.status === 'ran').map((s) => s.stage);
      const skipped = result.stages.filter((s) => s.status === 'skipped').map((s) => s.stage);
      emit(
        Boolean(flags.json),
        { out: result.out, input: result.input, sample: result.sample, report: result.report, manifest: result.manifest, seconds: result.seconds, peak_rss_bytes: result.peak_rss_bytes, stages: result.stages, qc: result.qc ? { confidence: result.qc.confidence, warnings: result.qc.warnings } : null, stopped_after: result.stopped_after },
        [
          `input ${result.input}${result.sample ? ' (bundled sample phantom)' : ''}`,
          `ran ${ran.join(', ') || 'nothing'}${skipped.length ? `; up to date: ${skipped.join(', ')}` : ''}`,
          `${result.seconds.toFixed(1)} s, peak memory ${(result.peak_rss_bytes / 2 ** 20).toFixed(0)} MiB`,
          ...(result.stopped_after ? [`stopped after ${result.stopped_after}: segmentation confidence low (--strict)`] : []),
          ...(result.report ? [`report ${displayPath(result.report)}`] : []),
          `manifest ${displayPath(result.manifest)}`,
        ].join('\n'),
      );
      // the segment stage judged the labels; the warning goes after every output is written
      applyQcOutcome(qcOutcome({ qc: result.qc }, result.input, cfg.run.strict));
    }),
  );
}
