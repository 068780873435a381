/**
 * The configuration flags of `buried run`, as a reusable pair: add them to a command, resolve them
 * from its parsed flags (defaults < --config < --set < per-key flags, via pipeline/config.ts).
 * `buried run` and `buried batch` both use it, so a batch takes exactly the configuration a run takes.
 */
import { Option, type Command } from 'commander';
import { allKeys, attributeOf, fieldFor, flagOf, RENAMED_KEYS, resolveConfig, type RunConfig } from '../pipeline/config.js';

export interface ConfigFlags {
  config?: string;
  set?: string[];
  voxel?: string;
  workers?: string;
  memory?: string;
  [key: string]: unknown;
}

const show = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? v.join(',') : String(v));

/** --config, --set, --voxel, --workers and one flag per configuration key (--segment-method, ...). */
export function addConfigOptions(cmd: Command): Command {
  cmd
    .option('--config <file>', 'configuration file (JSON or YAML) with sections input, run, segment, thickness, strip, current, fem, report')
    .option('--set <key=value>', 'set one configuration key, e.g. --set strip.steps=50 (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--voxel <um>', 'voxel size in µm (one value or DZ,DY,DX): same as --run-voxel')
    .option('--workers <n>', 'cpu worker threads (of each run): same as --run-workers')
    .option('--memory <size>', 'memory budget of the voxel stages, e.g. 8G (default 60 % of the available RAM; larger volumes stream from disk): same as --run-memory');
  for (const key of allKeys()) {
    const f = fieldFor(key);
    cmd.addOption(new Option(`${flagOf(key)} <value>`, `${f.doc} (${f.allowed}; default ${show(f.default)})`));
  }
  // renamed keys keep their old flag for one version, out of --help
  for (const old of Object.keys(RENAMED_KEYS)) cmd.addOption(new Option(`${flagOf(old)} <value>`).hideHelp());
  return cmd;
}

/** The effective configuration from the flags added by addConfigOptions. */
export async function configFromFlags(flags: ConfigFlags): Promise<RunConfig> {
  const overrides: Record<string, string> = {};
  if (flags.voxel !== undefined) overrides['run.voxel'] = flags.voxel;
  if (flags.workers !== undefined) overrides['run.workers'] = flags.workers;
  if (flags.memory !== undefined) overrides['run.memory'] = flags.memory;
  for (const key of [...Object.keys(RENAMED_KEYS), ...allKeys()]) {
    const v = flags[attributeOf(key)];
    if (typeof v === 'string') overrides[key] = v;
  }
  return resolveConfig({ file: flags.config, sets: flags.set, flags: overrides, onNote: (m) => process.stderr.write(`buried: note: ${m}\n`) });
}
