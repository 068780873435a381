import path from 'node:path';
import type { Command } from 'commander';
import { openVolume, readVolume } from '../../io/open.js';
import { writeTiff } from '../../io/tiff/index.js';
import { vtiArrayName, writeVti } from '../../io/vti.js';
import { InputError } from '../../io/errors.js';
import { parseShape } from '../../io/raw.js';
import type { VolumeSource } from '../../io/source.js';
import { addInputOptions, ensureOutputDir, openOptionsFrom, type InputFlags } from '../input-options.js';
import { action, emit, printWarnings } from '../run-command.js';
import { createProgress } from '../../io/progress.js';

const WRITABLE_TIFF = new Set(['uint8', 'uint16', 'float32']);
const TARGETS = ['tiff', 'vti', 'zarr', 'hdf5', 'vtp', 'stl'] as const;
type Target = (typeof TARGETS)[number];

interface ConvertFlags extends InputFlags {
  out: string;
  name?: string;
  to?: string;
  chunks?: string;
  levels?: string;
  labels?: boolean;
  gzipLevel?: string;
  surface?: string;
  json?: boolean;
}

function targetOf(flags: ConvertFlags): Target {
  if (flags.to !== undefined) {
    const lower = flags.to.toLowerCase();
    const to = lower === 'tif' ? 'tiff' : lower === 'h5' ? 'hdf5' : lower;
    if (!(TARGETS as readonly string[]).includes(to)) throw new InputError(`--to must be tiff, vti, zarr, hdf5, vtp or stl, got '${flags.to}'`);
    return to as Target;
  }
  const ext = path.extname(flags.out).toLowerCase();
  if (ext === '.tif' || ext === '.tiff') return 'tiff';
  if (ext === '.vti') return 'vti';
  if (ext === '.zarr') return 'zarr';
  if (ext === '.h5' || ext === '.hdf5') return 'hdf5';
  if (ext === '.vtp') return 'vtp';
  if (ext === '.stl') return 'stl';
  throw new InputError('output must end in .tif, .tiff, .vti, .zarr, .h5, .hdf5, .vtp or .stl (or give --to)', flags.out);
}

export function registerConvert(program: Command): void {
  addInputOptions(
    program
      .command('convert')
      .description('convert a volume to an ImageJ TIFF (.tif), a VTK image (.vti, for ParaView), a chunked Zarr v3 store with a multiscale pyramid (.zarr) or HDF5 (.h5: /exchange/data with element_size_um, for Fiji, h5py, tomopy); .zarr and .h5 are streamed slab by slab')
      .argument('<input>', 'TIFF file, folder of TIFF slices, file.h5[:/dataset], Zarr store (store.zarr[:/level]), or raw file with --shape/--dtype')
      .requiredOption('-o, --out <file>', 'output: .tif/.tiff, .vti, .zarr, .h5/.hdf5, or a surface mesh of a label volume .vtp/.stl')
      .option('--to <format>', 'output format: tiff, vti, zarr, hdf5, vtp or stl (default: from the output name)')
      .option('--surface <a,b>', 'vtp/stl: the boundary between these two labels, as phase names (void, li, electrolyte, collector, cathode, outside) or codes', 'li,electrolyte')
      .option('--name <name>', "array name in the .vti (default: after the content: 'labels' for a label volume such as labels.tif, the file name for a map in µm such as thickness_um.tif → 'thickness_um', else 'scan')")
      .option('--chunks <z,y,x>', 'zarr: chunk shape (clipped to the volume)', '64,256,256')
      .option('--levels <n>', 'zarr: pyramid levels beyond full resolution (default: until the largest dimension is ≤ 256)')
      .option('--labels', 'zarr: label volume, pyramid levels take the 2×2×2 mode instead of the mean')
      .option('--gzip-level <n>', 'zarr and hdf5: gzip level of the chunks, 1 (fastest) to 9', '5')
      .option('--json', 'print the summary as JSON on stdout'),
  ).action(
    action(async (input: string, flags: ConvertFlags) => {
      const target = targetOf(flags);
      if (target === 'zarr') return convertToZarr(input, flags);
      if (flags.labels || flags.levels !== undefined) throw new InputError('--levels and --labels apply to Zarr output only (-o out.zarr or --to zarr)');
      if (target === 'hdf5') return convertToHdf5(input, flags);
      if (target === 'vtp' || target === 'stl') return convertToSurface(input, flags, target);
      const source = await openVolume(input, openOptionsFrom(flags));
      printWarnings(source.warnings);
      if (target === 'tiff' && !WRITABLE_TIFF.has(source.dtype)) {
        await source.close();
        throw new InputError(`TIFF output supports uint8, uint16 and float32; input is ${source.dtype} (use .vti or .zarr)`, input);
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
      if (target === 'vti') {
        await writeVti(flags.out, [{ name: flags.name ?? vtiArrayName(input), data: volume.data }], { shape: volume.shape, spacing: volume.spacing });
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

/** The boundary between two labels of a label volume as a triangle mesh in µm (.vtp or .stl). */
async function convertToSurface(input: string, flags: ConvertFlags, target: 'vtp' | 'stl'): Promise<void> {
  const { interfaceMesh, meshArea, parseSurfacePair, writeStl, writeVtp } = await import('../../io/surface.js');
  const pair = parseSurfacePair(flags.surface ?? 'li,electrolyte');
  if (!pair) throw new InputError(`--surface must name two different labels (void, li, electrolyte, collector, cathode, outside, or codes 0..255), got '${flags.surface}'`);
  const source = await openVolume(input, openOptionsFrom(flags));
  let volume;
  try {
    printWarnings(source.warnings);
    if (!/^u?int/.test(source.dtype)) throw new InputError(`a surface needs a label volume (integer codes); input is ${source.dtype}`, input);
    volume = await readVolume(source);
  } finally {
    await source.close();
  }
  const mesh = interfaceMesh(volume.data, volume.shape, volume.spacing, pair[0], pair[1]);
  if (mesh.triangles.length === 0) throw new InputError(`no boundary between labels ${pair[0]} and ${pair[1]} (--surface ${flags.surface})`, input);
  await ensureOutputDir(path.dirname(path.resolve(flags.out)));
  if (target === 'vtp') await writeVtp(flags.out, mesh);
  else await writeStl(flags.out, mesh);
  const area = meshArea(mesh);
  const unit = volume.spacing ? 'µm²' : 'voxel²';
  emit(
    Boolean(flags.json),
    { input: source.path, output: flags.out, format: target, labels: pair, points: mesh.positions.length / 3, triangles: mesh.triangles.length / 3, area: +area.toPrecision(7), area_unit: volume.spacing ? 'um2' : 'voxel2', spacing_um: volume.spacing },
    `wrote ${flags.out}: boundary ${pair[0]}|${pair[1]}, ${mesh.triangles.length / 3} triangles, area ${+area.toPrecision(4)} ${unit}${volume.spacing ? '' : ' (no voxel size: voxel units)'}`,
  );
}

/** Stream any readable input into an HDF5 file (/exchange/data, element_size_um), one slab at a time. */
async function convertToHdf5(input: string, flags: ConvertFlags): Promise<void> {
  const gzipLevel = Number(flags.gzipLevel ?? 5);
  if (!Number.isInteger(gzipLevel) || gzipLevel < 1 || gzipLevel > 9) throw new InputError(`--gzip-level must be an integer 1..9, got '${flags.gzipLevel}'`);
  const source = await openVolume(input, openOptionsFrom(flags));
  try {
    printWarnings(source.warnings);
    await ensureOutputDir(path.dirname(path.resolve(flags.out)));
    const { writeHdf5FromSource } = await import('../../io/hdf5-write.js'); // h5wasm loaded only for HDF5 output
    const progress = createProgress('convert: hdf5');
    const result = await writeHdf5FromSource(flags.out, source, { gzipLevel, onProgress: (d, t) => progress.update(d, t) });
    progress.finish();
    emit(
      Boolean(flags.json),
      { input: source.path, output: flags.out, format: 'hdf5', dataset: result.dataset, shape: result.shape, dtype: result.dtype, spacing_um: result.spacing, chunks: result.chunks },
      `wrote ${flags.out}:${result.dataset} (${result.shape.join('×')} ${result.dtype}${result.spacing ? `, element_size_um ${result.spacing.join(',')}` : ', no voxel size'}; chunks ${result.chunks.join('×')}, gzip ${gzipLevel})`,
    );
  } finally {
    await source.close();
  }
}

/** Stream any readable input into a Zarr store: one slab of chunk depth in memory at a time. */
async function convertToZarr(input: string, flags: ConvertFlags): Promise<void> {
  const chunks = parseShape(flags.chunks ?? '64,256,256', '--chunks');
  let levels: number | undefined;
  if (flags.levels !== undefined) {
    levels = Number(flags.levels);
    if (!Number.isInteger(levels) || levels < 0) throw new InputError(`--levels must be a non-negative integer, got '${flags.levels}'`);
  }
  const gzipLevel = Number(flags.gzipLevel ?? 5);
  if (!Number.isInteger(gzipLevel) || gzipLevel < 1 || gzipLevel > 9) throw new InputError(`--gzip-level must be an integer 1..9, got '${flags.gzipLevel}'`);
  const { writeZarr } = await import('../../io/zarr/write.js');
  const source: VolumeSource = await openVolume(input, openOptionsFrom(flags));
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals): void => {
    signals++;
    if (signals > 1) process.exit(130);
    controller.abort(new Error(`interrupted by ${sig}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    printWarnings(source.warnings);
    if (flags.labels && !/^u?int/.test(source.dtype)) {
      throw new InputError(`--labels needs an integer volume; input is ${source.dtype}`, input);
    }
    await ensureOutputDir(path.dirname(path.resolve(flags.out)));
    const progress = createProgress('convert: zarr');
    const t0 = performance.now();
    const result = await writeZarr(flags.out, source, {
      chunks,
      levels,
      labels: Boolean(flags.labels),
      gzipLevel,
      signal: controller.signal,
      onProgress: (d, t) => progress.update(d, t),
    });
    progress.finish();
    const seconds = (performance.now() - t0) / 1000;
    const mbps = result.rawBytes / 1e6 / seconds;
    const ratio = result.rawBytes / Math.max(1, result.storedBytes);
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    emit(
      Boolean(flags.json),
      {
        input: source.path,
        output: flags.out,
        format: 'zarr',
        shape: result.shape,
        dtype: result.dtype,
        spacing_um: result.spacing,
        chunks: result.levels[0].chunks,
        levels: result.levels.map((l) => ({ path: l.path, shape: l.shape, chunks: l.chunks })),
        value_range: result.valueRange,
        raw_bytes: result.rawBytes,
        stored_bytes: result.storedBytes,
        seconds: Number(seconds.toFixed(3)),
        throughput_mb_s: Number(mbps.toFixed(1)),
        peak_rss_mb: Math.round(peakRssMb),
      },
      `wrote ${flags.out} (${result.shape.join('×')} ${result.dtype}${result.spacing ? `, ${result.spacing.join(',')} µm` : ', no voxel size'}; ` +
        `${result.levels.length - 1} pyramid level${result.levels.length === 2 ? '' : 's'}, chunks ${result.levels[0].chunks.join('×')}, ` +
        `gzip ${gzipLevel} ${ratio.toFixed(2)}:1; ${seconds.toFixed(1)} s, ${mbps.toFixed(mbps < 10 ? 1 : 0)} MB/s, peak RSS ${Math.round(peakRssMb)} MB)`,
    );
  } catch (err) {
    if (!controller.signal.aborted) throw err;
    // The partial store is already removed; no output exists under the target name.
    process.stderr.write(`buried: ${(controller.signal.reason as Error).message}; ${flags.out} not written\n`);
    process.exitCode = 130;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await source.close();
  }
}
