import type { Command } from 'commander';
import { openVolume, readVolume } from '../../io/open.js';
import { InputError } from '../../io/errors.js';
import { bytesPerVoxel, voxelCount } from '../../io/volume.js';
import { createBackend } from '../../compute/index.js';
import type { BackendChoice } from '../../compute/types.js';
import { segment, writeSegmentation, PHASE_NAMES, type SegmentOptions } from '../../segment/index.js';
import { memoryReport } from '../../report/memory.js';
import { addInputOptions, ensureOutputDir, openOptionsFrom, type InputFlags } from '../input-options.js';
import { action, emit, printWarnings } from '../run-command.js';
import { createProgress, type Progress } from '../progress.js';

interface SegmentFlags extends InputFlags {
  out: string;
  classes?: string;
  method: string;
  denoise: string;
  sigma?: string;
  liContrast: string;
  collector: string;
  minIsland: string;
  fillHoles?: boolean;
  backend: string;
  json?: boolean;
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
      .option('--sigma <voxels>', 'Gaussian σ in voxels for --denoise gaussian')
      .option('--li-contrast <c>', 'dark (attenuation: Li darker than electrolyte) | bright (inverted rendering)', 'dark')
      .option('--collector <c>', 'auto | carbon | metal | none', 'auto')
      .option('--min-island <voxels>', 'relabel islands smaller than this to their surroundings (0 = off)', '0')
      .option('--fill-holes', 'fill enclosed holes of each phase')
      .option('--backend <b>', 'auto | cpu | gpu', 'auto')
      .option('--json', 'print the summary as JSON on stdout'),
  ).action(
    action(async (input: string, flags: SegmentFlags) => {
      const backendChoice = oneOf<BackendChoice>('--backend', flags.backend, ['auto', 'cpu', 'gpu']);
      const options: SegmentOptions = {
        mode: flags.classes !== undefined ? 'classes' : 'phases',
        classes: flags.classes !== undefined ? integerAtLeast('--classes', flags.classes, 2) : undefined,
        method: oneOf('--method', flags.method, ['otsu', 'gmm'] as const),
        denoise: oneOf('--denoise', flags.denoise, ['auto', 'none', 'median', 'gaussian'] as const),
        sigma: flags.sigma !== undefined ? Number(flags.sigma) : undefined,
        liContrast: oneOf('--li-contrast', flags.liContrast, ['dark', 'bright'] as const),
        collector: oneOf('--collector', flags.collector, ['auto', 'carbon', 'metal', 'none'] as const),
        minIslandVoxels: integerAtLeast('--min-island', flags.minIsland, 0),
        fillHoles: Boolean(flags.fillHoles),
        // the scan is not needed after segmentation: denoise in place to keep peak memory low
        inPlace: true,
      };
      if (options.sigma !== undefined && !(options.sigma > 0)) throw new InputError(`--sigma must be a positive number of voxels, got '${flags.sigma}'`);
      if (options.classes !== undefined && options.classes > 16) throw new InputError('--classes must be at most 16');

      const source = await openVolume(input, openOptionsFrom(flags));
      printWarnings(source.warnings);
      const inputBytes = voxelCount(source.shape) * bytesPerVoxel(source.dtype);
      await ensureOutputDir(flags.out);
      const reading = createProgress('segment: read');
      let scan;
      try {
        scan = await readVolume(source, { shared: true, onProgress: (d, t) => reading.update(d, t) });
      } finally {
        await source.close();
      }
      const backend = await createBackend(backendChoice, {
        bytesNeeded: inputBytes * 2,
        onWarning: (message) => process.stderr.write(`buried: note: ${message}\n`),
      });
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
      try {
        const result = await segment(scan, backend, options);
        (stage as Progress | null)?.finish();
        const report = { ...result.report, input: source.path, memory: memoryReport(inputBytes) };
        const files = await writeSegmentation(flags.out, { ...result, report }, scan);
        const fractions = Object.entries(report.phase_fractions)
          .map(([code, f]) => `${options.mode === 'phases' ? PHASE_NAMES[code] ?? code : `class ${code}`} ${(100 * f).toFixed(2)} %`)
          .join(', ');
        emit(
          Boolean(flags.json),
          { files, ...report },
          `wrote ${files.labels} and ${files.json}\n` +
            `thresholds ${report.thresholds.map((t) => +t.toPrecision(6)).join(', ')} (${report.method}); denoise ${report.denoise.applied} (${report.denoise.reason})\n` +
            `phases: ${fractions}\n` +
            (report.li?.areal_capacity_mah_cm2 != null
              ? `Li: mean ${report.li.mean_thickness_um?.toFixed(2)} µm = ${report.li.areal_capacity_mah_cm2.toFixed(3)} mAh/cm²\n`
              : '') +
            `backend ${report.backend}; peak memory ${(report.memory.peak_rss_bytes / 2 ** 20).toFixed(0)} MiB (${report.memory.peak_rss_over_input}× input)`,
        );
      } finally {
        await backend.dispose();
      }
    }),
  );
}
