import path from 'node:path';
import type { Command } from 'commander';
import { openVolume, readVolume } from '../../io/open.js';
import { writeTiff } from '../../io/tiff/index.js';
import { writeVti } from '../../io/vti.js';
import { InputError } from '../../io/errors.js';
import { addInputOptions, ensureOutputDir, openOptionsFrom, type InputFlags } from '../input-options.js';
import { action, emit, printWarnings } from '../run-command.js';
import { createProgress } from '../progress.js';

const WRITABLE_TIFF = new Set(['uint8', 'uint16', 'float32']);

export function registerConvert(program: Command): void {
  addInputOptions(
    program
      .command('convert')
      .description('convert a volume to an ImageJ TIFF (.tif) or a VTK image (.vti, for ParaView)')
      .argument('<input>', 'TIFF file, folder of TIFF slices, file.h5[:/dataset], or raw file with --shape/--dtype')
      .requiredOption('-o, --out <file>', 'output file: .tif/.tiff or .vti')
      .option('--name <name>', 'array name in the .vti', 'scan')
      .option('--json', 'print the summary as JSON on stdout'),
  ).action(
    action(async (input: string, flags: InputFlags & { out: string; name: string; json?: boolean }) => {
      const ext = path.extname(flags.out).toLowerCase();
      if (!['.tif', '.tiff', '.vti'].includes(ext)) throw new InputError('output must end in .tif, .tiff or .vti', flags.out);
      const source = await openVolume(input, openOptionsFrom(flags));
      printWarnings(source.warnings);
      if (ext !== '.vti' && !WRITABLE_TIFF.has(source.dtype)) {
        await source.close();
        throw new InputError(`TIFF output supports uint8, uint16 and float32; input is ${source.dtype} (use .vti)`, input);
      }
      await ensureOutputDir(path.dirname(path.resolve(flags.out)));
      const progress = createProgress('convert: read');
      let volume;
      try {
        volume = await readVolume(source, { onProgress: (d, t) => progress.update(d, t) });
      } finally {
        await source.close();
      }
      progress.finish();
      if (ext === '.vti') {
        await writeVti(flags.out, [{ name: flags.name, data: volume.data }], { shape: volume.shape, spacing: volume.spacing });
      } else {
        await writeTiff(flags.out, volume);
      }
      emit(
        Boolean(flags.json),
        { input: source.path, output: flags.out, shape: volume.shape, dtype: volume.dtype, spacing_um: volume.spacing },
        `wrote ${flags.out} (${volume.shape.join('×')} ${volume.dtype}${volume.spacing ? `, ${volume.spacing.join(',')} µm` : ', no voxel size'})`,
      );
    }),
  );
}
