import type { Command } from 'commander';
import { InputError } from '../../io/errors.js';
import { registerSeries } from '../../series/index.js';
import type { OpenOptions } from '../../io/open.js';
import { addInputOptions, ensureOutputDir, FORCE_HELP, openOptionsFrom, type InputFlags } from '../input-options.js';
import { action, emit } from '../run-command.js';

interface SeriesFlags extends InputFlags {
  out: string;
  labels?: string;
  charge?: string;
  levels?: string;
  transform?: string;
  json?: boolean;
  force?: boolean;
}

function parseCharge(text: string): number[] {
  const v = text.split(',').map((t) => (t.trim() === '' ? NaN : Number(t)));
  if (v.some((x) => !Number.isFinite(x))) throw new InputError(`--charge must be comma-separated numbers (mAh/cm² passed at each scan), got '${text}'`);
  return v;
}

export function registerSeriesCommand(program: Command): void {
  addInputOptions(
    program
      .command('series')
      .description('register every scan of a cell to the first (rigid, sub-voxel) and resample each scan and its labels into its frame')
      .argument('<scans...>', 'scans of one cell in time order; the first is the reference')
      .requiredOption('-o, --out <dir>', 'output folder (created if missing): series.json, scan<k>/scan.tif, scan<k>/labels.tif')
      .option('--labels <files>', 'labels of each scan, comma-separated in the same order (default: segment each scan)')
      .option('--charge <list>', 'charge passed at each scan in mAh/cm², e.g. "0,1.5,3"')
      .option('--levels <n>', 'pyramid levels (default: halve while the smallest axis stays ≥ 40 voxels)')
      .option('--transform <rigid|affine>', 'rigid (6 parameters, default) or affine (12: adds scale and shear, for pellet creep; series.json records the 3×4 matrix and its decomposition)')
      .option('--force', FORCE_HELP)
      .option('--json', 'print series.json on stdout'),
  ).action(
    action(async (scans: string[], flags: SeriesFlags) => {
      const labels = flags.labels?.split(',').map((s) => s.trim());
      const charge = flags.charge !== undefined ? parseCharge(flags.charge) : undefined;
      let levels: number | undefined;
      if (flags.levels !== undefined) {
        levels = Number(flags.levels);
        if (!Number.isInteger(levels) || levels < 1 || levels > 8) throw new InputError(`--levels must be an integer from 1 to 8, got '${flags.levels}'`);
      }
      const transform = flags.transform;
      if (transform !== undefined && transform !== 'rigid' && transform !== 'affine') throw new InputError(`--transform must be rigid or affine, got '${transform}'`);
      await seriesAction({ scans, labels, charge, levels, transform }, flags.out, { open: openOptionsFrom(flags), force: flags.force, json: Boolean(flags.json) });
    }),
  );
}

/** A series as the command line or a YAML list gives it. */
export interface SeriesInputs {
  scans: string[];
  labels?: string[];
  charge?: number[];
  levels?: number;
  transform?: 'rigid' | 'affine';
}

/** `buried series` and `buried run --series`: register, write DIR, print the summary. */
export async function seriesAction(inputs: SeriesInputs, out: string, o: { open: OpenOptions; force?: boolean; json: boolean }): Promise<void> {
  const { scans } = inputs;
  if (scans.length < 2) throw new InputError(`series needs at least two scans, got ${scans.length}`);
  const files = ['series.json', 'report.html', 'scan0/labels.tif', ...scans.slice(1).flatMap((_, i) => [`scan${i + 1}/scan.tif`, `scan${i + 1}/labels.tif`,
    ...['', '_far'].flatMap((far) => ['thickness_change_um', 'thickness_change_previous_um', 'replay_agreement_uniform', 'replay_agreement_current'].map((f) => `scan${i + 1}/${f}${far}.tif`))])];
  await ensureOutputDir(out, { files, force: o.force });
  const record = await registerSeries(scans, out, {
    labels: inputs.labels,
    charge: inputs.charge,
    open: o.open,
    register: { levels: inputs.levels, transform: inputs.transform },
    onProgress: (m) => process.stderr.write(`series: ${m}\n`),
  });
  emit(
    o.json,
    record,
    [
      `wrote ${out}: series.json, report.html and ${scans.length - 1} resampled scan(s)`,
      ...record.transforms.slice(1).map(
        (t) =>
          `  scan ${t.index}: translation ${t.translation_um.map((x) => x.toFixed(2)).join(', ')} µm [z, y, x], rotation ${t.rotation_deg.map((x) => x.toFixed(3)).join(', ')}° [z, y, x]${t.affine ? `, scale ${t.affine.scale.map((x) => x.toFixed(4)).join(', ')} [z, y, x]` : ''}, NCC ${t.ncc.toFixed(3)}, overlap ${(100 * t.overlap).toFixed(1)} %`,
      ),
    ].join('\n'),
  );
}
