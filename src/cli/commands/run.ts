import path from 'node:path';
import { Option, type Command } from 'commander';
import { InputError } from '../../io/errors.js';
import { allKeys, attributeOf, fieldFor, flagOf, resolveConfig, STAGES, type StageName } from '../../pipeline/config.js';
import { runPipeline } from '../../pipeline/run.js';
import { action, emit } from '../run-command.js';

interface RunFlags {
  out: string;
  config?: string;
  set?: string[];
  force?: boolean | string;
  until?: string;
  voxel?: string;
  workers?: string;
  quiet?: boolean;
  json?: boolean;
  [key: string]: unknown;
}

const show = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? v.join(',') : String(v));

function parseStages(flag: string, text: string): StageName[] {
  const list = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of list) if (!(STAGES as readonly string[]).includes(s)) throw new InputError(`${flag} must name stages among ${STAGES.join(', ')}, got '${s}'`);
  return list as StageName[];
}

/** A path as the user would type it: relative when inside the working folder, absolute otherwise. */
function displayPath(p: string): string {
  const rel = path.relative(process.cwd(), p);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : path.resolve(p);
}

export function registerRun(program: Command): void {
  const cmd = program
    .command('run')
    .description('whole pipeline: read → segment → thickness → strip → current → fem → report.html (resumable; without an input: the bundled sample phantom)')
    .argument('[input]', 'grey-level scan: TIFF, folder of slices, file.h5[:/dataset], raw with input.shape/input.dtype (default: data/sample/scan.tif)')
    .requiredOption('-o, --out <dir>', 'output folder: segment/, thickness/, strip/, current/, fem/, figures/, report.html, manifest.json')
    .option('--config <file>', 'configuration file (JSON or YAML) with sections input, run, segment, thickness, strip, current, fem, report')
    .option('--set <key=value>', 'set one configuration key, e.g. --set strip.steps=50 (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--force [stages]', 'redo every stage, or only the comma-separated stages given')
    .option('--until <stage>', `stop after this stage (${STAGES.join(', ')})`)
    .option('--voxel <um>', 'voxel size in µm (one value or DZ,DY,DX): same as --run-voxel')
    .option('--workers <n>', 'cpu worker threads: same as --run-workers')
    .option('--quiet', 'no progress on stderr')
    .option('--json', 'print the run summary as JSON on stdout');
  // one flag per configuration key, generated from the schema: --segment-method, --fem-pressures, ...
  for (const key of allKeys()) {
    const f = fieldFor(key);
    cmd.addOption(new Option(`${flagOf(key)} <value>`, `${f.doc} (${f.allowed}; default ${show(f.default)})`).hideHelp(false));
  }
  cmd.action(
    action(async (input: string | undefined, flags: RunFlags) => {
      const overrides: Record<string, string> = {};
      if (flags.voxel !== undefined) overrides['run.voxel'] = flags.voxel;
      if (flags.workers !== undefined) overrides['run.workers'] = flags.workers;
      for (const key of allKeys()) {
        const v = flags[attributeOf(key)];
        if (typeof v === 'string') overrides[key] = v;
      }
      const cfg = await resolveConfig({ file: flags.config, sets: flags.set, flags: overrides });
      const force = flags.force === undefined ? false : flags.force === true ? true : parseStages('--force', String(flags.force));
      const until = flags.until !== undefined ? parseStages('--until', flags.until)[0] : undefined;
      const result = await runPipeline({ input, out: flags.out, cfg, force, until, quiet: Boolean(flags.quiet), configFile: flags.config ?? null });
      const ran = result.stages.filter((s) => s.status === 'ran').map((s) => s.stage);
      const skipped = result.stages.filter((s) => s.status === 'skipped').map((s) => s.stage);
      emit(
        Boolean(flags.json),
        { out: result.out, input: result.input, sample: result.sample, report: result.report, manifest: result.manifest, seconds: result.seconds, peak_rss_bytes: result.peak_rss_bytes, stages: result.stages },
        [
          `input ${result.input}${result.sample ? ' (bundled sample phantom)' : ''}`,
          `ran ${ran.join(', ') || 'nothing'}${skipped.length ? `; up to date: ${skipped.join(', ')}` : ''}`,
          `${result.seconds.toFixed(1)} s, peak memory ${(result.peak_rss_bytes / 2 ** 20).toFixed(0)} MiB`,
          ...(result.report ? [`report ${displayPath(result.report)}`] : []),
          `manifest ${displayPath(result.manifest)}`,
        ].join('\n'),
      );
    }),
  );
}
