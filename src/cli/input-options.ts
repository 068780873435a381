import { promises as fs } from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../io/errors.js';
import { checkWritable, guardForeignFiles, noteCreatedFolder, writeFailure } from '../io/output-guard.js';
import { parseVoxelOption } from '../io/spacing.js';
import { parseDType, parseShape } from '../io/raw.js';
import type { OpenOptions } from '../io/open.js';
import { parseRoi } from '../io/roi.js';

export interface InputFlags {
  voxel?: string;
  shape?: string;
  dtype?: string;
  endian?: string;
  headerBytes?: string;
  roi?: string;
}

/** Options every command that reads a volume accepts. */
export function addInputOptions(cmd: Command): Command {
  return cmd
    .option('--voxel <um>', 'voxel size in µm: one value (isotropic) or DZ,DY,DX; overrides file metadata')
    .option('--shape <nz,ny,nx>', 'raw input: volume shape')
    .option('--dtype <type>', 'raw input: uint8|int8|uint16|int16|uint32|int32|float32|float64')
    .option('--endian <order>', 'raw input: little|big', 'little')
    .option('--header-bytes <n>', 'raw input: bytes to skip before the voxels', '0')
    .option('--roi <box>', 'analyse only this box: AXIS=START:END or AXIS=center:LENGTH per axis, voxels or µm (um suffix), e.g. y=center:800um,x=center:800um');
}

export function openOptionsFrom(flags: InputFlags): OpenOptions {
  const options: OpenOptions = {};
  if (flags.voxel !== undefined) options.voxel = parseVoxelOption(flags.voxel);
  if (flags.roi !== undefined) options.roi = parseRoi(flags.roi);
  if (flags.shape !== undefined || flags.dtype !== undefined) {
    if (flags.shape === undefined || flags.dtype === undefined) {
      throw new InputError('raw input needs both --shape NZ,NY,NX and --dtype');
    }
    const endian = flags.endian ?? 'little';
    if (endian !== 'little' && endian !== 'big') throw new InputError(`--endian must be little or big, got '${endian}'`);
    const headerBytes = Number(flags.headerBytes ?? 0);
    if (!Number.isInteger(headerBytes) || headerBytes < 0) throw new InputError(`--header-bytes must be a non-negative integer, got '${flags.headerBytes}'`);
    options.raw = { shape: parseShape(flags.shape), dtype: parseDType(flags.dtype), endian, headerBytes };
  }
  return options;
}

/**
 * Create the output directory (an existing file of that name is bad input) and check that it takes
 * new files. With `guard`: the names the command writes there; files of those names that buried
 * did not write are not replaced without `guard.force`.
 */
export async function ensureOutputDir(dir: string, guard?: { files: readonly string[]; force?: boolean }): Promise<void> {
  let exists = false;
  try {
    const stat = await fs.stat(dir);
    if (!stat.isDirectory()) throw new InputError('output directory exists and is not a directory', dir);
    exists = true;
  } catch (err) {
    if (err instanceof InputError) throw err;
  }
  if (!exists) {
    try {
      noteCreatedFolder(await fs.mkdir(dir, { recursive: true }), dir);
    } catch (err) {
      throw new InputError(`cannot create output directory: ${writeFailure(err)}`, dir);
    }
  }
  await checkWritable(dir);
  if (guard) await guardForeignFiles(dir, guard.files, guard.force);
}

/** The --force option of a command that writes into an output folder. */
export const FORCE_HELP = 'replace files of the output names that buried did not write (by default such files are kept and the command exits 2)';
