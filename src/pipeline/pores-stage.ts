/**
 * The `pores` stage of `buried run` (after thickness): the electrolyte microstructure of the
 * segmentation's labels (src/pores/run.ts, the library call `buried pores` uses too), written into
 * DIR/pores/. Switched off by `pores.enabled: false`. The labels are read again from
 * segment/labels.tif (the thickness stage dropped the cached volume); a volume over the memory
 * budget is streamed from the file.
 */
import path from 'node:path';
import { formatBytes } from '../compute/budget.js';
import { SEGMENT_FILES } from '../io/run-folder.js';
import { poresStage } from '../pores/run.js';
import type { Axis } from '../thickness/map.js';
import { segmentLayout, stageDir, type StageSpec } from './stages.js';

export const poresRunStage: StageSpec = {
  name: 'pores',
  enabled: (cfg) => cfg.pores.enabled,
  params: (ctx) => ctx.cfg.pores,
  inputs: async (ctx) => ({ labels: path.join(stageDir(ctx, 'segment'), SEGMENT_FILES.labels) }),
  async run(ctx, out) {
    const c = ctx.cfg.pores;
    const layout = await segmentLayout(ctx);
    const found = layout?.normal_axis;
    const normal = c.normal === 'segment' ? (found === 'x' || found === 'y' || found === 'z' ? found : 'z') : c.normal;
    const labelsFile = path.join(stageDir(ctx, 'segment'), SEGMENT_FILES.labels);
    const bar = ctx.progress('pores');
    const { doc } = await poresStage(
      { labelsFile, labelsOpen: ctx.cfg.run.voxel ? { voxel: ctx.openOptions.voxel } : {} },
      out,
      {
        normal,
        minFilamentVoxels: c.min_filament,
        tortuosityAxes: c.tortuosity_axes as (Axis | 'normal')[],
        tortuosityBackend: c.backend,
        budgetBytes: ctx.budget.bytes,
        threads: ctx.cfg.run.workers ?? undefined,
        figureWidthPx: ctx.cfg.report.figure_width_px,
        onProgress: (d, t) => bar.update(d, t),
        onNote: (m) => ctx.note(m),
        beforeWrite: async () => ctx.releaseMemory(),
      },
    );
    if (doc.memory.out_of_core) {
      ctx.streamed.push('pores');
      ctx.note(`pores: streamed in ${doc.memory.slabs} slabs of ${doc.memory.slab_slices} slices (budget ${formatBytes(ctx.budget.bytes)})`);
    }
    bar.finish(`porosity ${doc.porosity === null ? '—' : `${(100 * doc.porosity).toFixed(2)} %`}, ${doc.li.filament_count} filaments, ${doc.percolating ? 'percolating' : `min gap ${doc.min_gap_um} µm`}`);
    return {
      porosity: doc.porosity,
      percolating: doc.percolating,
      min_gap_um: doc.min_gap_um,
      filament_count: doc.li.filament_count,
      tortuosity_factor: doc.tortuosity_factor,
      out_of_core: doc.memory.out_of_core,
    };
  },
};
