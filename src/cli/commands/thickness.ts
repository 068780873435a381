import type { Command } from 'commander';
import { InputError } from '../../io/errors.js';
import { loadVolume } from '../../io/open.js';
import type { Volume } from '../../io/volume.js';
import { summarizeThickness, thicknessMap, type NormalOption } from '../../thickness/map.js';
import { writeThicknessOutputs } from '../../thickness/outputs.js';
import { addInputOptions, ensureOutputDir, openOptionsFrom, type InputFlags } from '../input-options.js';
import { createProgress } from '../progress.js';
import { action, emit } from '../run-command.js';

interface ThicknessFlags extends InputFlags {
  out: string;
  normal: string;
  scan?: string;
  json?: boolean;
}

/** Labels input checks shared by the thickness commands: uint8, known voxel size. */
export function requireLabels(volume: Volume, input: string, needSpacing = true): void {
  if (volume.dtype !== 'uint8') throw new InputError(`labels must be uint8 label codes (got ${volume.dtype}); segment the scan first`, input);
  if (needSpacing && !volume.spacing) throw new InputError('voxel size unknown (no spacing in the file): give --voxel UM or --voxel DZ,DY,DX', input);
}

export function registerThickness(program: Command): void {
  addInputOptions(
    program
      .command('thickness')
      .description('Li layer thickness map between the collector side and the electrolyte surface, penetration map, statistics and figures')
      .argument('<labels>', 'uint8 labels volume (0 void, 1 Li, 2 electrolyte, 3 collector)')
      .requiredOption('-o, --out <dir>', 'output folder (created if missing)')
      .option('--normal <axis>', 'interface normal: x|y|z|auto (auto fits the interface plane and measures along its normal)', 'z')
      .option('--scan <file>', 'grey-level scan of the same shape: sub-voxel refinement of the Li boundaries')
      .option('--json', 'print the summary as JSON on stdout'),
  ).action(
    action(async (input: string, flags: ThicknessFlags) => {
      const normal = flags.normal as NormalOption;
      if (!['x', 'y', 'z', 'auto'].includes(normal)) throw new InputError(`--normal must be x, y, z or auto, got '${flags.normal}'`);
      const open = openOptionsFrom(flags);
      const labels = await loadVolume(input, open);
      requireLabels(labels, input);
      let scan: Volume | null = null;
      if (flags.scan) {
        scan = await loadVolume(flags.scan, { voxel: open.voxel });
        if (scan.shape.join(',') !== labels.shape.join(',')) {
          throw new InputError(`scan shape ${scan.shape.join('×')} differs from the labels' ${labels.shape.join('×')}`, flags.scan);
        }
      }
      await ensureOutputDir(flags.out);
      const progress = createProgress('thickness');
      const res = thicknessMap(labels, { normal, scan, onProgress: (d, t) => progress.update(d, t) });
      const summary = summarizeThickness(res);
      progress.finish();
      await writeThicknessOutputs(flags.out, res, summary, {
        input,
        scan: flags.scan ?? null,
        spacing_um: labels.spacing,
        volume_shape: labels.shape,
      });
      const text = [
        `thickness map ${res.shape.join(' × ')} px (${summary.map.area_mm2} mm²), normal ${res.axis}${res.tilt_deg >= 0.05 ? ` tilted ${res.tilt_deg.toFixed(2)}°` : ''}, Li on the ${res.li_side} side`,
        `Li thickness  mean ${summary.mean_um} µm, std ${summary.std_um}, min ${summary.min_um}, p05 ${summary.p05_um}, p50 ${summary.p50_um}, p95 ${summary.p95_um}, max ${summary.max_um} µm`,
        `bare area     ${(summary.zero_fraction * 100).toFixed(1)} %; mean ≈ ${summary.mean_capacity_mah_cm2} mAh/cm² (4.85 µm per mAh/cm²)`,
        `roughness     electrolyte Rq ${summary.roughness.electrolyte_surface.rq_um} µm, Li top Rq ${summary.roughness.li_top.rq_um} µm`,
        `penetration   max ${summary.penetration.max_um} µm over ${(summary.penetration.area_fraction * 100).toFixed(2)} % of the area`,
        ...(res.refined ? [`refined with the scan (voxel-count mean ${summary.mean_um_voxel_count} µm)`] : []),
        `wrote ${flags.out}/thickness_um.tif, penetration_um.tif, thickness.json, thickness.png`,
      ].join('\n');
      emit(Boolean(flags.json), summary, text);
    }),
  );
}
