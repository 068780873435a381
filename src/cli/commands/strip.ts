import { Option, type Command } from 'commander';
import { checkOutputFolder } from '../../io/output-guard.js';
import { loadVolume } from '../../io/open.js';
import { InputError } from '../../io/errors.js';
import type { StepMode } from '../../strip/index.js';
import { checkStrippingInput, runStripping } from '../../strip/run.js';
import { addInputOptions, ensureOutputDir, FORCE_HELP, openOptionsFrom, type InputFlags } from '../input-options.js';
import { STRIP_FILES } from '../../io/run-folder.js';
import { action, emit, renamedFlag } from '../run-command.js';
import { createProgress } from '../../io/progress.js';

interface StripFlags extends InputFlags {
  out: string;
  force?: boolean;
  steps: string;
  at?: string;
  by: string;
  minIsland: string;
  mode: string;
  thickness?: string;
  solveGrid: string;
  conductivity?: string;
  sigma?: string;
  jNominal?: string;
  jVoid?: string;
  json?: boolean;
}


function parseFractions(text: string): number[] {
  const v = text.split(',').map((s) => Number(s.trim()));
  if (!v.length || v.some((f) => !(f >= 0 && f <= 1))) throw new InputError(`--at must be comma-separated stripped fractions in [0, 1], got '${text}'`);
  return v;
}

function num(flag: string, text: string | undefined, check: (v: number) => boolean, what: string): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isFinite(v) || !check(v)) throw new InputError(`${flag} must be ${what}, got '${text}'`);
  return v;
}

const pct = (v: number) => `${(v * 100).toFixed(1)} %`;

export function registerStrip(program: Command): void {
  addInputOptions(
    program
      .command('strip')
      .description('layer-by-layer stripping replay of a Li thickness map: active area, current multiplier, islands (cf. Lewis et al., Adv. Energy Mater. 2023, Fig 5e–g)')
      .argument('<thickness>', 'Li thickness map in µm [1, ny, nx] (NaN or < 0 = outside the map)')
      .requiredOption('-o, --out <dir>', 'output folder (created if missing)')
      .option('--steps <n>', 'number of steps (rows = steps + 1)', '100')
      .option('--at <fractions>', 'also report exactly these stripped fractions, e.g. 0.64,0.85 (and snapshot them)')
      .option('--by <kind>', 'steps uniform in removed depth or in stripped fraction: depth|fraction', 'fraction')
      .option('--min-island <px>', 'islands of at least this many pixels are counted in islands_ge_min', '10')
      .option('--mode <mode>', 'uniform|current|both (current: each pixel strips at its local current density)', 'uniform')
      .option('--thickness <um>', 'current mode: electrolyte slab thickness in µm (default: the map width)')
      .option('--solve-grid <n>', 'current mode: long side of the solve grid in pixels', '64')
      .option('--conductivity <mS_per_cm>', 'current mode: electrolyte ionic conductivity (mS/cm; default 2)')
      .addOption(new Option('--sigma <mS_per_cm>', 'deprecated spelling of --conductivity').hideHelp())
      .option('--j-nominal <mA_cm2>', 'current mode: nominal stripping current density (with --j-void)')
      .option('--j-void <mA_cm2>', 'current mode: local current density above which a pixel voids (loses contact)')
      .option('--force', FORCE_HELP)
      .option('--json', 'print the summary as JSON on stdout'),
  ).action(
    action(async (input: string, flags: StripFlags) => {
      // before any computing: a read-only or unwritable output folder fails now, in one line
      await checkOutputFolder(flags.out);
      const steps = num('--steps', flags.steps, (v) => Number.isInteger(v) && v >= 1 && v <= 1e6, 'a positive integer')!;
      const minIsland = num('--min-island', flags.minIsland, (v) => Number.isInteger(v) && v >= 1, 'a positive integer')!;
      if (flags.by !== 'depth' && flags.by !== 'fraction') throw new InputError(`--by must be depth or fraction, got '${flags.by}'`);
      if (!['uniform', 'current', 'both'].includes(flags.mode)) throw new InputError(`--mode must be uniform, current or both, got '${flags.mode}'`);
      const at = flags.at ? parseFractions(flags.at) : [];
      const slab = num('--thickness', flags.thickness, (v) => v > 0, 'a positive number');
      const solveGrid = num('--solve-grid', flags.solveGrid, (v) => Number.isInteger(v) && v >= 4 && v <= 512, 'an integer in 4…512')!;
      const conductivity = renamedFlag<string | undefined>(flags as unknown as Record<string, unknown>, { key: 'conductivity', flag: '--conductivity' }, { key: 'sigma', flag: '--sigma' });
      const sigma = num(conductivity.flag, conductivity.value ?? '2', (v) => v > 0, 'a positive number')!;
      const jNominal = num('--j-nominal', flags.jNominal, (v) => v > 0, 'a positive number');
      const jVoid = num('--j-void', flags.jVoid, (v) => v > 0, 'a positive number');
      if ((jNominal === undefined) !== (jVoid === undefined)) throw new InputError('--j-nominal and --j-void go together');

      const vol = await loadVolume(input, openOptionsFrom(flags));
      const wantCurrent = flags.mode !== 'uniform';
      checkStrippingInput(vol, { current: wantCurrent, name: input }); // before the output folder is made: a bad map leaves nothing behind
      await ensureOutputDir(flags.out, { files: [...Object.values(STRIP_FILES), 'stripping_current.csv'], force: flags.force });

      const { uniform: uni, current: cur, files, atRows } = await runStripping(vol, flags.out, {
        name: input,
        uniform: flags.mode !== 'current',
        current: wantCurrent,
        steps,
        by: flags.by as StepMode,
        at,
        minIslandPixels: minIsland,
        solveGrid,
        slabUm: slab,
        sigmaMsPerCm: sigma,
        jNominalMaCm2: jNominal,
        jVoidMaCm2: jVoid,
        onPhase: (phase) => createProgress(`strip: ${phase}`),
      });
      const s002 = uni.summary.s002_comparison;
      const lines = [
        `${uni.summary.map_pixels} map pixels (${uni.summary.masked_pixels} masked), mean ${uni.summary.mean_thickness_um.toFixed(2)} µm, max ${uni.summary.max_thickness_um.toFixed(2)} µm`,
        ...s002.map((r) => `uniform: ${pct(r.stripped_fraction)} stripped → ${pct(r.active_fraction)} active (×${r.current_multiplier.toFixed(2)}; paper ${pct(r.paper_active_fraction)})`),
        ...uni.at_rows.map((r) => `uniform --at ${pct(r.stripped_fraction)}: ${pct(r.active_fraction)} active, ${r.islands} islands, depth ${r.removed_depth_um.toFixed(3)} µm`),
        ...(cur ? cur.at_rows.map((r) => `current: ${pct(r.stripped_fraction)} stripped → ${pct(r.active_fraction)} active, j p99.9 ${r.j_p999.toFixed(2)}× nominal`) : []),
        `wrote ${files.join(', ')} in ${flags.out}`,
      ];
      emit(Boolean(flags.json), { out: flags.out, files, summary: uni.summary, at_rows: atRows, current: cur ? cur.summary : undefined }, lines.join('\n'));
    }),
  );
}
