import type { Command } from 'commander';
import { InputError } from '../../io/errors.js';
import { openVolume, readVolume } from '../../io/open.js';
import type { VolumeSource } from '../../io/source.js';
import { allocate, type Volume } from '../../io/volume.js';
import { fitsInBudget, memoryBudget } from '../../compute/budget.js';
import { peakRssBytes } from '../../report/memory.js';
import { summarizeThickness, thicknessMap, type NormalOption, type ThicknessMapResult } from '../../thickness/map.js';
import { inMemoryMapBytes, thicknessMapFromSource } from '../../thickness/out-of-core-map.js';
import { writeThicknessOutputs } from '../../thickness/outputs.js';
import { addInputOptions, ensureOutputDir, openOptionsFrom, type InputFlags } from '../input-options.js';
import { createProgress } from '../progress.js';
import { action, emit } from '../run-command.js';

interface ThicknessFlags extends InputFlags {
  out: string;
  normal: string;
  scan?: string;
  memory?: string;
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
      .option('--memory <size>', 'memory budget (e.g. 8G, 512M); volumes that do not fit are streamed from disk (default: 60 % of available memory)')
      .option('--json', 'print the summary as JSON on stdout'),
  ).action(
    action(async (input: string, flags: ThicknessFlags) => {
      const normal = flags.normal as NormalOption;
      if (!['x', 'y', 'z', 'auto'].includes(normal)) throw new InputError(`--normal must be x, y, z or auto, got '${flags.normal}'`);
      const open = openOptionsFrom(flags);
      const budget = memoryBudget(flags.memory);
      const labelsSource = await openVolume(input, open);
      let scanSource: VolumeSource | null = null;
      let res: ThicknessMapResult;
      let outOfCore = false;
      let blocks = 1;
      const progress = createProgress('thickness');
      try {
        if (labelsSource.dtype !== 'uint8') throw new InputError(`labels must be uint8 label codes (got ${labelsSource.dtype}); segment the scan first`, input);
        if (!labelsSource.spacing) throw new InputError('voxel size unknown (no spacing in the file): give --voxel UM or --voxel DZ,DY,DX', input);
        if (flags.scan) {
          scanSource = await openVolume(flags.scan, { voxel: open.voxel });
          if (scanSource.shape.join(',') !== labelsSource.shape.join(',')) {
            throw new InputError(`scan shape ${scanSource.shape.join('×')} differs from the labels' ${labelsSource.shape.join('×')}`, flags.scan);
          }
        }
        await ensureOutputDir(flags.out);
        const scanBytes = scanSource ? allocate(scanSource.dtype, 0).BYTES_PER_ELEMENT : 0;
        outOfCore = !fitsInBudget(inMemoryMapBytes(labelsSource.shape, scanBytes), budget.bytes);
        if (outOfCore) {
          const r = await thicknessMapFromSource(labelsSource, { normal, scan: scanSource, budgetBytes: budget.bytes, onProgress: (d, t) => progress.update(d, t) });
          blocks = r.blocks;
          res = r;
        } else {
          const labels = await readVolume(labelsSource);
          requireLabels(labels, input);
          const scan: Volume | null = scanSource ? await readVolume(scanSource) : null;
          res = thicknessMap(labels, { normal, scan, onProgress: (d, t) => progress.update(d, t) });
        }
      } finally {
        await labelsSource.close();
        await scanSource?.close();
      }
      const memory = { peak_rss_bytes: peakRssBytes(), budget_bytes: budget.bytes, out_of_core: outOfCore, blocks };
      const summary = summarizeThickness(res);
      progress.finish();
      await writeThicknessOutputs(flags.out, res, summary, {
        input,
        scan: flags.scan ?? null,
        spacing_um: labelsSource.spacing,
        volume_shape: labelsSource.shape,
        memory,
      });
      const text = [
        `thickness map ${res.shape.join(' × ')} px (${summary.map.area_mm2} mm²), normal ${res.axis}${res.tilt_deg >= 0.05 ? ` tilted ${res.tilt_deg.toFixed(2)}°` : ''}, Li on the ${res.li_side} side`,
        `Li thickness  mean ${summary.mean_um} µm, std ${summary.std_um}, min ${summary.min_um}, p05 ${summary.p05_um}, p50 ${summary.p50_um}, p95 ${summary.p95_um}, max ${summary.max_um} µm`,
        `bare area     ${(summary.zero_fraction * 100).toFixed(1)} %; mean ≈ ${summary.mean_capacity_mah_cm2} mAh/cm² (4.85 µm per mAh/cm²)`,
        `roughness     electrolyte Rq ${summary.roughness.electrolyte_surface.rq_um} µm, Li top Rq ${summary.roughness.li_top.rq_um} µm`,
        `penetration   max ${summary.penetration.max_um} µm over ${(summary.penetration.area_fraction * 100).toFixed(2)} % of the area`,
        ...(res.refined ? [`refined with the scan (voxel-count mean ${summary.mean_um_voxel_count} µm)`] : []),
        `memory        peak ${(memory.peak_rss_bytes / 2 ** 20).toFixed(0)} MiB, budget ${(memory.budget_bytes / 2 ** 20).toFixed(0)} MiB${outOfCore ? `, streamed in ${blocks} blocks` : ''}`,
        `wrote ${flags.out}/thickness_um.tif, penetration_um.tif, thickness.json, thickness.png`,
      ].join('\n');
      emit(Boolean(flags.json), { ...summary, memory }, text);
    }),
  );
}
