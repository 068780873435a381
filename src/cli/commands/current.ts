import path from 'node:path';
import { Option, type Command } from 'commander';
import { checkOutputFolder } from '../../io/output-guard.js';
import { loadVolume, openVolume } from '../../io/open.js';
import { memoryBudget } from '../../compute/budget.js';
import { memoryReport } from '../../report/memory.js';
import { InputError } from '../../io/errors.js';
import { writeTiff } from '../../io/tiff/index.js';
import { writeFileAtomically } from '../../io/atomic.js';
import { makeVolume } from '../../io/volume.js';
import { type CurrentSummary } from '../../current/index.js';
import { type CurrentBackend } from '../../current/gpu.js';
import { solveCurrentStage, type CurrentStageResult } from '../../current/run.js';
import { addInputOptions, ensureOutputDir, FORCE_HELP, openOptionsFrom, type InputFlags } from '../input-options.js';
import { action, emit, renamedFlag } from '../run-command.js';
import { createProgress, type Progress } from '../../io/progress.js';
import { CURRENT_FILES } from '../../io/run-folder.js';

interface CurrentFlags extends InputFlags {
  out: string;
  force?: boolean;
  thickness?: string;
  layers?: string;
  conductivity?: string;
  sigma?: string;
  rct: string;
  sides: string;
  labels?: string;
  jNominal?: string;
  jCrit?: string;
  tol: string;
  backend: string;
  extrapolate: boolean;
  hotspotTile: string;
  memory?: string;
  json?: boolean;
}

function positive(flag: string, text: string | undefined, allowZero = false): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) throw new InputError(`${flag} must be a ${allowZero ? 'non-negative' : 'positive'} number, got '${text}'`);
  return v;
}

export function registerCurrent(program: Command): void {
  addInputOptions(
    program
      .command('current')
      .description('current constriction under a contact map: 3D conduction through the electrolyte slab (MG-preconditioned CG)')
      .argument('<contact>', 'contact map [1, ny, nx] (> 0 = Li in contact), any readable volume format')
      .requiredOption('-o, --out <dir>', 'output folder (created if missing)')
      .option('--thickness <um>', 'electrolyte slab thickness L in µm (required unless --labels gives the slab)')
      .option('--layers <n>', 'layers across L (default L / pixel size, 4…512)')
      .option('--conductivity <mS_per_cm>', 'electrolyte ionic conductivity in mS/cm (default 2)')
      .addOption(new Option('--sigma <mS_per_cm>', 'deprecated spelling of --conductivity').hideHelp())
      .option('--rct <ohm_cm2>', 'charge-transfer resistance in Ω·cm² (0 = equipotential contacts)', '0')
      .option('--sides <kind>', 'lateral boundaries: periodic|insulating', 'periodic')
      .option('--labels <file>', 'label volume [nz, ny, nx] of the slab: only electrolyte (code 2) conducts; layer 0 touches the contacts')
      .option('--j-nominal <mA_cm2>', 'nominal (mean) current density, for --j-crit')
      .option('--j-crit <mA_cm2>', 'critical local current density: report the area fraction above it')
      .option('--tol <r>', 'relative residual for CG', '1e-8')
      .option('--backend <kind>', 'auto|cpu|gpu: gpu runs the multigrid V-cycle as WGSL kernels (CG stays float64 on the cpu); auto = gpu on a hardware adapter', 'auto')
      .option('--no-extrapolate', 'report the map-resolution resistance only (skip the 2×-refined solve of the Richardson extrapolation)')
      .option('--hotspot-tile <um>', 'side of the square tiles the hot-spot current density is averaged over (µm)', '2')
      .option('--memory <size>', 'memory budget, e.g. 8G (default 60 % of the available RAM): a --labels slab whose voxel-resolution solve does not fit is solved on k×k×k blocks, the labels streamed slab by slab')
      .option('--force', FORCE_HELP)
      .option('--json', 'print the summary as JSON on stdout'),
  ).action(
    action(async (input: string, flags: CurrentFlags) => {
      // before any computing: a read-only or unwritable output folder fails now, in one line
      await checkOutputFolder(flags.out);
      const conductivity = renamedFlag<string | undefined>(flags as unknown as Record<string, unknown>, { key: 'conductivity', flag: '--conductivity' }, { key: 'sigma', flag: '--sigma' });
      const sigma = positive(conductivity.flag, conductivity.value ?? '2')!;
      const rct = positive('--rct', flags.rct, true)!;
      const tol = positive('--tol', flags.tol)!;
      if (!['auto', 'cpu', 'gpu'].includes(flags.backend)) throw new InputError(`--backend must be auto, cpu or gpu, got '${flags.backend}'`);
      const hotspotTile = positive('--hotspot-tile', flags.hotspotTile)!;
      if (flags.sides !== 'periodic' && flags.sides !== 'insulating') throw new InputError(`--sides must be periodic or insulating, got '${flags.sides}'`);
      const jNominal = positive('--j-nominal', flags.jNominal);
      const jCrit = positive('--j-crit', flags.jCrit);
      if ((jNominal === undefined) !== (jCrit === undefined)) throw new InputError('--j-nominal and --j-crit go together');
      const layers = flags.layers !== undefined ? Number(flags.layers) : undefined;
      if (layers !== undefined && !(Number.isInteger(layers) && layers >= 1)) throw new InputError(`--layers must be a positive integer, got '${flags.layers}'`);
      const openOptions = openOptionsFrom(flags);
      const budget = memoryBudget(flags.memory);
      const vol = await loadVolume(input, openOptions);
      const lab = flags.labels ? await openVolume(flags.labels, openOptions.voxel ? { voxel: openOptions.voxel } : {}) : null;
      let labelsBar: Progress | null = null;
      let progress: Progress | null = null;
      let result: CurrentStageResult;
      try {
        result = await solveCurrentStage(vol, {
          labels: lab,
          budgetBytes: budget.bytes,
          backend: flags.backend as CurrentBackend,
          thicknessUm: positive('--thickness', flags.thickness),
          layers,
          sigmaMsPerCm: sigma,
          rctOhmCm2: rct,
          sides: flags.sides,
          jNominalMaCm2: jNominal,
          jCritMaCm2: jCrit,
          tol,
          extrapolate: flags.extrapolate,
          hotspotTileUm: hotspotTile,
          name: input,
          labelsName: flags.labels,
          onLabelsProgress: (block) => {
            labelsBar = createProgress(block > 1 ? `current: labels → ${block}³ blocks` : 'current: labels');
            return (d, t) => labelsBar?.update(d, t);
          },
          solve: {
            onIteration: (it) => {
              if (!progress) {
                (labelsBar as Progress | null)?.finish();
                progress = createProgress('current: CG');
              }
              progress.update(Math.min(it, 200), 200);
            },
          },
          onWarning: (msg) => process.stderr.write(`buried: ${msg}\n`),
        });
      } finally {
        await lab?.close();
      }
      if (result.note) process.stderr.write(`buried: note: ${result.note}\n`);
      await ensureOutputDir(flags.out, { files: [CURRENT_FILES.json, CURRENT_FILES.density], force: flags.force });
      const { ny, nx, dy, dx } = result.grid;
      const block = result.solveBlock;
      const s: CurrentSummary = result.summary;
      (progress as Progress | null)?.finish(`${s.solver.iterations} iterations, residual ${s.solver.relative_residual.toExponential(2)}`);
      const files = { json: path.join(flags.out, CURRENT_FILES.json), density: path.join(flags.out, CURRENT_FILES.density) };
      await writeTiff(files.density, makeVolume(result.density, [1, ny, nx], [vol.spacing![0], dy, dx]), { description: { quantity: 'interface current density / nominal mean' } });
      const json = { input, files, ...s, solve_block: block, memory: { ...memoryReport(), budget_bytes: budget.bytes, out_of_core: block > 1 } };
      await writeFileAtomically(files.json, `${JSON.stringify(json, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
      if (!s.solver.converged) process.stderr.write(`buried: warning: CG stopped at relative residual ${s.solver.relative_residual.toExponential(2)} (tol ${tol})\n`);
      emit(
        Boolean(flags.json),
        json,
        [
          `contact fraction ${(s.contact_fraction * 100).toFixed(1)} %, slab ${s.thickness_um.toPrecision(4)} µm, σ ${s.sigma_mS_cm} mS/cm, Rct ${s.rct_ohm_cm2} Ω·cm²`,
          `resistance ${s.resistance_ohm_cm2.toPrecision(5)} Ω·cm² (bulk L/σ ${s.bulk_ohm_cm2.toPrecision(5)}, constriction ${s.constriction_ohm_cm2.toPrecision(4)})` +
            (s.extrapolation.applied ? `; extrapolated to zero cell size (map resolution: ${s.resistance_raw_ohm_cm2.toPrecision(5)})` : ''),
          `Wa ${s.wagner_number === null ? 'n/a' : s.wagner_number.toPrecision(3)} (λ ${s.lambda_um === null ? 'n/a' : s.lambda_um.toPrecision(4)} µm)`,
          `backend ${s.backend}`,
          `j/j_nominal on contacts (${s.hotspots.tile_um} µm tiles): p99 ${s.hotspots.p99.toFixed(2)}, p99.9 ${s.hotspots.p999.toFixed(2)}, max ${s.hotspots.max.toFixed(2)}` +
            (s.hotspots.area_fraction_above_jcrit !== undefined ? `; ${(s.hotspots.area_fraction_above_jcrit * 100).toFixed(2)} % of the area above j_crit` : ''),
          `wrote ${files.json}, ${files.density}`,
        ].join('\n'),
      );
    }),
  );
}
