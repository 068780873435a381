import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
import { registerInfo } from './commands/info.js';
import { registerSynth } from './commands/synth.js';
import { registerConvert } from './commands/convert.js';
import { registerSegment } from './commands/segment.js';
import { registerThickness } from './commands/thickness.js';
import { registerDistance, registerLocalThickness } from './commands/distance.js';
import { registerStrip } from './commands/strip.js';
import { registerCurrent } from './commands/current.js';
import { registerFem } from './commands/fem.js';
import { registerRun } from './commands/run.js';
import { registerView } from './commands/view.js';
import { registerFigure } from './commands/figure.js';
import { EXIT_BAD_INPUT } from './run-command.js';

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

export function buildProgram(): Command {
  const program = new Command('buried')
    .description('X-ray tomography of solid-state batteries → numbers and pictures about the buried Li / electrolyte interface')
    .version(packageVersion(), '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerInfo(program);
  registerSynth(program);
  registerConvert(program);
  registerSegment(program);
  registerThickness(program);
  registerDistance(program);
  registerLocalThickness(program);
  registerStrip(program);
  registerCurrent(program);
  registerFem(program);
  registerRun(program);
  registerView(program);
  registerFigure(program);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
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
