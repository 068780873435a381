import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { generatePhantom, type PresetName } from '../../src/synth/index.js';
import { writeTiff } from '../../src/io/tiff/index.js';
import { loadVolume } from '../../src/io/open.js';
import { makeVolume, type Shape3 } from '../../src/io/volume.js';
import { registerSegment } from '../../src/cli/commands/segment.js';
import { registerThickness } from '../../src/cli/commands/thickness.js';
import { registerStrip } from '../../src/cli/commands/strip.js';
import { registerCurrent } from '../../src/cli/commands/current.js';
import { registerFem } from '../../src/cli/commands/fem.js';

export interface PhantomRunOptions {
  shape?: Shape3;
  seed?: number;
  preset?: PresetName;
  stripSteps?: number;
  /** FEM contact model: elastic (one instant, fast) or creep (a time history; slow). */
  femLaw?: 'elastic' | 'creep';
  /**
   * Contact map for the current stage (1 = contact at map pixel y, x); absent = from the labels (Li
   * touching the electrolyte surface, which is everywhere in the plated preset).
   */
  contact?: (y: number, x: number) => 0 | 1;
  /** Quiet the stage commands' stdout/stderr. */
  quiet?: boolean;
}

/** Run one stage command in-process through its register function; throws when it sets a non-zero exit code. */
async function stage(register: (p: Command) => void, args: string[], quiet: boolean): Promise<void> {
  const program = new Command('buried').exitOverride();
  register(program);
  for (const c of program.commands) c.exitOverride();
  const saved = process.exitCode;
  process.exitCode = 0;
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const captured: string[] = [];
  if (quiet) {
    process.stdout.write = ((chunk: string | Uint8Array) => (captured.push(String(chunk)), true)) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string | Uint8Array) => (captured.push(String(chunk)), true)) as typeof process.stderr.write;
  }
  try {
    await program.parseAsync(['node', 'buried', ...args]);
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
  const code = process.exitCode;
  process.exitCode = saved;
  if (code) throw new Error(`buried ${args.join(' ')} failed (exit ${code}): ${captured.join('').slice(-600)}`);
}

/**
 * A run directory shaped like `buried run`'s output, made from a synthetic phantom by the stage
 * commands: input/scan.tif (+ manifest.json naming it), segment/, thickness/, strip/, current/
 * (contact map from the labels: Li touching the electrolyte surface, or options.contact), fem/ (wavy
 * contact cell).
 */
export async function makePhantomRun(dir: string, options: PhantomRunOptions = {}): Promise<string> {
  const quiet = options.quiet ?? true;
  const shape = options.shape ?? [96, 96, 96];
  await fs.mkdir(path.join(dir, 'input'), { recursive: true });
  const phantom = generatePhantom({ preset: options.preset ?? 'plated', seed: options.seed ?? 1, shape });
  const scan = path.join(dir, 'input', 'scan.tif');
  await writeTiff(scan, phantom.scan);
  await fs.writeFile(path.join(dir, 'manifest.json'), `${JSON.stringify({ input: 'input/scan.tif', phantom: { preset: options.preset ?? 'plated', seed: options.seed ?? 1, shape } }, null, 2)}\n`);

  await stage(registerSegment, ['segment', scan, '-o', path.join(dir, 'segment'), '--backend', 'cpu'], quiet);
  const labelsFile = path.join(dir, 'segment', 'labels.tif');
  await stage(registerThickness, ['thickness', labelsFile, '-o', path.join(dir, 'thickness'), '--scan', scan], quiet);
  const thicknessFile = path.join(dir, 'thickness', 'thickness_um.tif');
  await stage(registerStrip, ['strip', thicknessFile, '-o', path.join(dir, 'strip'), '--steps', String(options.stripSteps ?? 40)], quiet);

  // contact map: for each column, is the voxel just below the first electrolyte voxel Li?
  const labels = await loadVolume(labelsFile);
  const [nz, ny, nx] = labels.shape;
  const contact = new Uint8Array(ny * nx);
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      if (options.contact) {
        contact[y * nx + x] = options.contact(y, x);
        continue;
      }
      for (let z = 1; z < nz; z++) {
        if (labels.data[(z * ny + y) * nx + x] === 2) {
          contact[y * nx + x] = labels.data[((z - 1) * ny + y) * nx + x] === 1 ? 1 : 0;
          break;
        }
      }
    }
  }
  await fs.mkdir(path.join(dir, 'current'), { recursive: true });
  const contactFile = path.join(dir, 'current', 'contact_map.tif');
  await writeTiff(contactFile, makeVolume(contact, [1, ny, nx], labels.spacing));
  const slab = (labels.spacing?.[2] ?? 1) * Math.max(ny, nx) * 0.5;
  await stage(registerCurrent, ['current', contactFile, '-o', path.join(dir, 'current'), '--thickness', slab.toFixed(3)], quiet);

  const femArgs =
    (options.femLaw ?? 'elastic') === 'creep'
      ? ['--li', 'creep', '--pressure', '5', '--hold', '5', '--nx', '32', '--ny', '4', '--step-tol', '1e-2']
      : ['--li', 'elastic', '--pressure', '2', '--nx', '64', '--ny', '6'];
  await stage(registerFem, ['fem', 'contact', '-o', path.join(dir, 'fem'), '--wavy', '1.5,50', ...femArgs], quiet);
  return dir;
}
