import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { EXIT_BAD_INPUT, EXIT_CODES_HELP } from './run-command.js';

/** The package's version, found by walking up from this module (works from src/ and from dist/). */
function packageVersion(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'buried-li' && pkg.version) return pkg.version;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

/**
 * Commands, each loaded only when it runs (or for the full help): a command's libraries (charts,
 * HDF5, WebGPU, ...) otherwise sit in every process's memory, including the voxel stages' peak.
 */
const COMMANDS: { names: string[]; register: (program: Command) => Promise<void> }[] = [
  { names: ['info'], register: async (p) => (await import('./commands/info.js')).registerInfo(p) },
  { names: ['synth'], register: async (p) => (await import('./commands/synth.js')).registerSynth(p) },
  { names: ['convert'], register: async (p) => (await import('./commands/convert.js')).registerConvert(p) },
  { names: ['segment'], register: async (p) => (await import('./commands/segment.js')).registerSegment(p) },
  { names: ['thickness'], register: async (p) => (await import('./commands/thickness.js')).registerThickness(p) },
  { names: ['distance'], register: async (p) => (await import('./commands/distance.js')).registerDistance(p) },
  { names: ['local-thickness'], register: async (p) => (await import('./commands/distance.js')).registerLocalThickness(p) },
  { names: ['pores'], register: async (p) => (await import('./commands/pores.js')).registerPores(p) },
  { names: ['strip'], register: async (p) => (await import('./commands/strip.js')).registerStrip(p) },
  { names: ['current'], register: async (p) => (await import('./commands/current.js')).registerCurrent(p) },
  { names: ['fem'], register: async (p) => (await import('./commands/fem.js')).registerFem(p) },
  { names: ['series'], register: async (p) => (await import('./commands/series.js')).registerSeriesCommand(p) },
  { names: ['contact3d'], register: async (p) => (await import('./commands/contact3d.js')).registerContact3d(p) },
  { names: ['run'], register: async (p) => (await import('./commands/run.js')).registerRun(p) },
  { names: ['view'], register: async (p) => (await import('./commands/view.js')).registerView(p) },
  { names: ['figure'], register: async (p) => (await import('./commands/figure.js')).registerFigure(p) },
  { names: ['batch'], register: async (p) => (await import('./commands/batch.js')).registerBatch(p) },
  { names: ['worker'], register: async (p) => (await import('./commands/worker.js')).registerWorker(p) },
];

/** The program with every command, or only the one named by `argv` (argv[2]) when it is known. */
export async function buildProgram(argv?: string[]): Promise<Command> {
  const program = new Command('buried')
    .description('X-ray tomography of solid-state batteries → numbers and pictures about the buried Li / electrolyte interface')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', `\n${EXIT_CODES_HELP}`)
    .exitOverride();
  const named = argv?.[2];
  const only = COMMANDS.find((c) => named !== undefined && c.names.includes(named));
  for (const c of only ? [only] : COMMANDS) await c.register(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = await buildProgram(argv);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit 0; every usage error (unknown option, missing argument) exits 2
      process.exitCode = err.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
      return;
    }
    throw err;
  }
}
