import type { Command } from 'commander';
import { openVolume } from '../../io/open.js';
import { sourceRange } from '../../io/stats.js';
import { addInputOptions, openOptionsFrom, type InputFlags } from '../input-options.js';
import { action, emit, printWarnings } from '../run-command.js';
import { createProgress } from '../../io/progress.js';

export interface InfoSummary {
  path: string;
  shape: [number, number, number];
  dtype: string;
  spacing_um: [number, number, number] | null;
  spacing_origin: string;
  format: string;
  detail: string;
  min: number;
  max: number;
  range_sampled: boolean;
  size_um: [number, number, number] | null;
  warnings: string[];
}

const fmt = (v: number) => +v.toPrecision(6);

export function registerInfo(program: Command): void {
  addInputOptions(
    program
      .command('info')
      .description('shape, dtype, voxel size, format and intensity range of a volume')
      .argument('<input>', 'TIFF file, folder of TIFF slices, file.h5[:/dataset], or raw file with --shape/--dtype')
      .option('--json', 'print the summary as JSON on stdout'),
  ).action(
    action(async (input: string, flags: InputFlags & { json?: boolean }) => {
      const source = await openVolume(input, openOptionsFrom(flags));
      try {
        printWarnings(source.warnings);
        const progress = createProgress('info: range');
        const range = await sourceRange(source, { onProgress: (d, t) => progress.update(d, t) });
        const { shape, spacing } = source;
        const summary: InfoSummary = {
          path: source.path,
          shape,
          dtype: source.dtype,
          spacing_um: spacing,
          spacing_origin: source.spacingOrigin,
          format: source.format,
          detail: source.detail,
          min: range.min,
          max: range.max,
          range_sampled: range.sampled,
          size_um: spacing ? [shape[0] * spacing[0], shape[1] * spacing[1], shape[2] * spacing[2]].map(fmt) as [number, number, number] : null,
          warnings: source.warnings.map((w) => w.message),
        };
        const text = [
          `file     ${summary.path}`,
          `format   ${summary.format} (${summary.detail})`,
          `shape    ${shape.join(' × ')}  (nz × ny × nx)`,
          `dtype    ${summary.dtype}`,
          `voxel    ${spacing ? `${spacing.map(fmt).join(' × ')} µm (dz × dy × dx; ${summary.spacing_origin})` : `unknown (${summary.spacing_origin}) — give --voxel`}`,
          ...(summary.size_um ? [`size     ${summary.size_um.join(' × ')} µm`] : []),
          `range    ${range.min} … ${range.max}${range.sampled ? ` (sampled from ${range.slicesRead} slices)` : ''}`,
        ].join('\n');
        emit(Boolean(flags.json), summary, text);
      } finally {
        await source.close();
      }
    }),
  );
}
