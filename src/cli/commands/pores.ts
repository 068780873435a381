import type { Command } from 'commander';
import { checkOutputFolder } from '../../io/output-guard.js';
import { InputError } from '../../io/errors.js';
import { formatBytes, memoryBudget } from '../../compute/budget.js';
import { requireGpuAdapter } from '../../compute/index.js';
import type { NormalOption } from '../../thickness/map.js';
import type { Axis } from '../../thickness/map.js';
import { poresOutputNames, poresStage } from '../../pores/run.js';
import { addInputOptions, ensureOutputDir, FORCE_HELP, openOptionsFrom, type InputFlags } from '../input-options.js';
import { createProgress } from '../../io/progress.js';
import { action, emit } from '../run-command.js';

interface PoresFlags extends InputFlags {
  out: string;
  normal: string;
  memory?: string;
  threads?: string;
  minFilament: string;
  tortuosityAxes?: string;
  backend?: string;
  json?: boolean;
  force?: boolean;
}

function parseAxes(text: string): Axis[] {
  const axes = text.split(',').map((s) => s.trim());
  if (!axes.length || axes.some((a) => a !== 'x' && a !== 'y' && a !== 'z')) throw new InputError(`--tortuosity-axes must list axes among x, y, z, got '${text}'`);
  return [...new Set(axes)] as Axis[];
}

function positiveInt(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isInteger(v) || v < 1) throw new InputError(`${flag} must be a positive integer, got '${text}'`);
  return v;
}

const um = (v: number | null | undefined, d = 2) => (v === null || v === undefined ? '—' : `${v.toFixed(d)} µm`);

export function registerPores(program: Command): void {
  addInputOptions(
    program
      .command('pores')
      .description('electrolyte microstructure: porosity and its profile, pore sizes and clusters, Li inside the electrolyte (filaments, depths, penetration maps), percolation, short-circuit margin, tortuosity')
      .argument('<labels>', 'labels volume: uint8 phase codes (0 pore, 1 Li, 2 electrolyte, 3 collector, 4 cathode, 5 outside, 255 masked)')
      .requiredOption('-o, --out <dir>', 'output folder (created if missing)')
      .option('--normal <axis>', 'stack normal: x|y|z|auto (auto: the axis along which the electrolyte fraction varies most)', 'z')
      .option('--min-filament <voxels>', 'Li at a side counts as a filament from this depth (voxels along the normal); shallower is interface roughness', '4')
      .option('--tortuosity-axes <list>', 'axes of the tortuosity solve, e.g. z or z,y,x (default: the stack normal)')
      .option('--backend <b>', 'where the tortuosity solve runs: auto (the gpu on a hardware WebGPU adapter, else the cpu), cpu, gpu', 'auto')
      .option('--threads <n>', 'worker threads (default: all cores)')
      .option('--memory <size>', 'memory budget (e.g. 8G, 512M); a volume that does not fit is streamed in slabs through scratch files (default: 60 % of available memory)')
      .option('--force', FORCE_HELP)
      .option('--json', 'print pores.json on stdout'),
  ).action(
    action(async (input: string, flags: PoresFlags) => {
      // before any computing: a read-only or unwritable output folder fails now, in one line
      await checkOutputFolder(flags.out);
      const normal = flags.normal as NormalOption;
      if (!['x', 'y', 'z', 'auto'].includes(normal)) throw new InputError(`--normal must be x, y, z or auto, got '${flags.normal}'`);
      const minFilamentVoxels = positiveInt('--min-filament', flags.minFilament);
      const threads = positiveInt('--threads', flags.threads);
      const tortuosityAxes = flags.tortuosityAxes !== undefined ? parseAxes(flags.tortuosityAxes) : undefined;
      const backend = flags.backend ?? 'auto';
      if (backend !== 'auto' && backend !== 'cpu' && backend !== 'gpu') throw new InputError(`--backend must be auto, cpu or gpu, got '${flags.backend}'`);
      // no adapter for --backend gpu: refused (exit 2) before anything is computed
      if (backend === 'gpu') await requireGpuAdapter();
      const budget = memoryBudget(flags.memory);
      const progress = createProgress('pores');
      const note = (m: string) => process.stderr.write(`buried: note: ${m}\n`);
      const { doc: d } = await poresStage(
        { labelsFile: input, labelsOpen: openOptionsFrom(flags) },
        flags.out,
        {
          normal,
          minFilamentVoxels,
          threads,
          tortuosityAxes,
          tortuosityBackend: backend,
          budgetBytes: budget.bytes,
          onNote: note,
          onProgress: (a, b) => progress.update(a, b),
          beforeWrite: async () => {
            progress.finish();
            await ensureOutputDir(flags.out, { files: poresOutputNames(), force: flags.force });
          },
        },
      );
      const perc = d.percolating ? `yes${d.percolating_li ? ' (Li joins both sides: a short)' : ' (through pores ∪ Li)'}` : 'no';
      const lines = [
        `layer         along ${d.normal_axis}: ${d.layer.sides.low.name} (${d.layer.sides.low.kind}) | electrolyte ${um(d.layer.thickness_um.mean, 1)} thick (${um(d.layer.thickness_um.min, 1)}–${um(d.layer.thickness_um.max, 1)}) | ${d.layer.sides.high.name} (${d.layer.sides.high.kind}), ${d.layer.columns} columns`,
        `porosity      ${d.porosity === null ? '—' : `${(100 * d.porosity).toFixed(2)} %`} (pores / (pores + electrolyte) in the layer)`,
        `pore sizes    ${d.pore_size ? `d10 ${um(d.pore_size.d10_um)}, d50 ${um(d.pore_size.d50_um)}, d90 ${um(d.pore_size.d90_um)}, max ${um(d.pore_size.max_um)} (local thickness, by volume)` : 'no pores'}`,
        `pore clusters ${d.pore_clusters.count}, largest ${(100 * d.pore_clusters.largest_fraction).toFixed(1)} % of the pore volume${d.pore_clusters.percolating ? ', one joins both sides' : ''}`,
        `Li inside     ${d.li.volume_um3.toPrecision(4)} µm³ (${(100 * d.li.fraction_of_layer).toFixed(3)} % of the layer), ${d.li.filament_count} filaments (deepest ${um(d.li.deepest_um, 1)}), ${d.li.isolated_count} isolated, ${d.li.interface_bumps} interface bumps`,
        `percolating   ${perc}; min gap ${um(d.min_gap_um)} (Li only ${um(d.li_min_gap_um)})`,
        `tortuosity    ${d.tortuosity_factor === null ? `not computed (${d.tortuosity.reason})` : `τ = ${d.tortuosity_factor.toFixed(4)}, D_eff/D₀ = ${d.effective_conductivity_ratio?.toPrecision(4)}`}`,
        `memory        peak ${formatBytes(d.peak_rss_bytes)}, budget ${formatBytes(budget.bytes)}${d.memory.out_of_core ? `, streamed in ${d.memory.slabs} slabs of ${d.memory.slab_slices} slices` : ''}`,
        `wrote ${flags.out}/${[d.files.json, d.files.profile, d.files.sizes, ...((d.files.penetration as string[]) ?? []), d.files.flux].filter(Boolean).join(', ')}`,
      ];
      emit(Boolean(flags.json), d, lines.join('\n'));
    }),
  );
}
