import fsSync, { promises as fs } from 'node:fs';
import path from 'node:path';
import h5wasm from 'h5wasm/node';
import type { DType, Shape3, Spacing3, VoxelArray } from './volume.js';
import { arrayConstructor } from './volume.js';
import type { VolumeSource } from './source.js';
import { InputError, type InputWarning } from './errors.js';
import { isPlausibleVoxel, micronsPerUnit } from './spacing.js';
import { hasHdf5Signature, splitHdf5Input } from './hdf5-detect.js';
export { hasHdf5Signature, splitHdf5Input };

/**
 * Run `fn` with the HDF5 library's diagnostics (HDF5-DIAG, written by h5wasm straight to fd 2) held
 * back: a damaged file gets one line from us, not the library's error stack.
 */
function withoutHdf5Diagnostics<T>(fn: () => T): T {
  const writeSync = fsSync.writeSync;
  fsSync.writeSync = function (fd: number, ...rest: unknown[]) {
    if (fd === 2) return typeof rest[0] === 'string' ? Buffer.byteLength(rest[0]) : typeof rest[2] === 'number' ? rest[2] : (rest[0] as Uint8Array).byteLength;
    return (writeSync as (...a: unknown[]) => number).call(fsSync, fd, ...rest);
  } as typeof fsSync.writeSync;
  try {
    return fn();
  } finally {
    fsSync.writeSync = writeSync;
  }
}

/** Data Exchange (APS, tomopy/dxchange) puts the projections or reconstruction here. */
const DATA_EXCHANGE_PATH = '/exchange/data';

type H5File = InstanceType<typeof h5wasm.File>;
type H5Dataset = InstanceType<typeof h5wasm.Dataset>;

function dtypeOfDataset(ds: H5Dataset, label: string): DType {
  const meta = ds.metadata;
  // type 0 = integer, 1 = float in h5wasm's H5T class numbering
  if (meta.type === 1) {
    if (meta.size === 4) return 'float32';
    if (meta.size === 8) return 'float64';
  } else if (meta.type === 0) {
    const table: Record<number, [DType, DType]> = { 1: ['uint8', 'int8'], 2: ['uint16', 'int16'], 4: ['uint32', 'int32'] };
    const pair = table[meta.size];
    if (pair) return meta.signed ? pair[1] : pair[0];
  }
  throw new InputError(`unsupported: dataset element type (class ${meta.type}, ${meta.size} bytes); need 8/16/32-bit integers or 32/64-bit floats`, label);
}

function listDatasets(file: H5File): { path: string; ds: H5Dataset }[] {
  const found: { path: string; ds: H5Dataset }[] = [];
  const visit = (groupPath: string): void => {
    const group = file.get(groupPath);
    if (!group || !(group instanceof h5wasm.Group)) return;
    for (const name of group.keys()) {
      const child = `${groupPath === '/' ? '' : groupPath}/${name}`;
      const obj = file.get(child);
      if (obj instanceof h5wasm.Dataset) found.push({ path: child, ds: obj });
      else if (obj instanceof h5wasm.Group) visit(child);
    }
  };
  visit('/');
  return found;
}

function numericAttr(ds: H5Dataset | InstanceType<typeof h5wasm.Group>, name: string): number[] | null {
  const attr = ds.attrs[name];
  if (!attr) return null;
  const v = attr.value as unknown;
  // a float32 attribute (Fiji and ilastik write element_size_um so) means its 7 significant digits: 1.7f is 1.7, not 1.7000000477
  const meta = attr.metadata as { type?: number; size?: number } | undefined;
  const digits = meta?.type === 1 && meta.size === 4 ? (x: number) => Number(x.toPrecision(7)) : (x: number) => x;
  if (typeof v === 'number') return [digits(v)];
  if (typeof v === 'bigint') return [Number(v)];
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>, (x) => digits(Number(x)));
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return (v as number[]).map(digits);
  return null;
}

function stringAttr(obj: H5Dataset | InstanceType<typeof h5wasm.Group>, name: string): string | null {
  const attr = obj.attrs[name];
  if (!attr) return null;
  const v = attr.value as unknown;
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0] as string;
  return null;
}

/**
 * Voxel size from HDF5 attributes where writers commonly put it: `element_size_um` (Fiji/ilastik,
 * [dz,dy,dx]), `spacing` / `voxel_size` / `pixel_size` (with an optional `units` attribute), or the
 * Data Exchange detector pixel size.
 */
function spacingFromAttributes(file: H5File, ds: H5Dataset, label: string): { spacing: Spacing3 | null; origin: string; warnings: InputWarning[] } {
  const warnings: InputWarning[] = [];
  const accept = (values: number[], unitFactor: number, origin: string) => {
    const v = values.length === 1 ? [values[0], values[0], values[0]] : values.slice(-3);
    const spacing = v.map((x) => x * unitFactor) as Spacing3;
    if (spacing.length === 3 && spacing.every(isPlausibleVoxel)) return { spacing, origin, warnings };
    warnings.push({ file: label, message: `attribute ${origin} gives voxel size ${spacing.join(',')} µm, outside the plausible range; ignored — give --voxel` });
    return { spacing: null, origin: `ignored: ${origin}`, warnings };
  };
  const umAttr = numericAttr(ds, 'element_size_um');
  if (umAttr && (umAttr.length === 3 || umAttr.length === 1)) return accept(umAttr, 1, 'attribute element_size_um');
  for (const name of ['spacing', 'voxel_size', 'voxel_size_um', 'pixel_size']) {
    const values = numericAttr(ds, name);
    if (!values || !(values.length === 3 || values.length === 1)) continue;
    const unit = stringAttr(ds, 'units') ?? stringAttr(ds, `${name}_units`) ?? (name.endsWith('_um') ? 'um' : null);
    const factor = unit ? micronsPerUnit(unit) : null;
    if (factor === null) {
      warnings.push({ file: label, message: `attribute ${name} has no recognised length unit; ignored — give --voxel` });
      continue;
    }
    return accept(values, factor, `attribute ${name} (${unit})`);
  }
  for (const p of ['/measurement/instrument/detection_system/objective/resolution', '/measurement/instrument/detector/actual_pixel_size_x']) {
    const obj = file.get(p);
    if (!(obj instanceof h5wasm.Dataset)) continue;
    const value = Number(obj.value as unknown);
    const unit = stringAttr(obj, 'units') ?? 'um';
    const factor = micronsPerUnit(unit);
    if (Number.isFinite(value) && factor !== null) return accept([value], factor, `Data Exchange ${p}`);
  }
  return { spacing: null, origin: 'none in file', warnings };
}

/** Open `file.h5` (Data Exchange /exchange/data, else the only 3D dataset) or `file.h5:/path`. */
export async function openHdf5(input: string): Promise<VolumeSource> {
  const { file, dataset } = splitHdf5Input(input);
  try {
    await fs.access(file);
  } catch {
    throw new InputError('no such file', file);
  }
  if (!(await hasHdf5Signature(file))) throw new InputError('not an HDF5 file (no HDF5 signature)', file);
  await h5wasm.ready;
  const h5 = withoutHdf5Diagnostics(() => new h5wasm.File(path.resolve(file), 'r'));
  // a file the library cannot open (truncated, damaged) has no valid id; it printed its error stack, held back above
  if (Number(h5.file_id) < 0) throw new InputError('truncated or damaged HDF5 file: the HDF5 library cannot open it', file);
  let ds: H5Dataset;
  let dsPath: string;
  try {
    if (dataset) {
      const obj = h5.get(dataset);
      if (!(obj instanceof h5wasm.Dataset)) throw new InputError(`dataset '${dataset}' does not exist`, file);
      ds = obj;
      dsPath = dataset;
    } else {
      const dx = h5.get(DATA_EXCHANGE_PATH);
      if (dx instanceof h5wasm.Dataset) {
        ds = dx;
        dsPath = DATA_EXCHANGE_PATH;
      } else {
        const threeD = listDatasets(h5).filter((d) => (d.ds.shape ?? []).length === 3);
        if (threeD.length !== 1) {
          const names = threeD.map((d) => d.path).join(', ');
          throw new InputError(
            threeD.length === 0 ? 'no 3D dataset found' : `several 3D datasets (${names}); name one as ${file}:/path`,
            file,
          );
        }
        ds = threeD[0].ds;
        dsPath = threeD[0].path;
      }
    }
  } catch (err) {
    h5.close();
    throw err;
  }
  const label = `${file}:${dsPath}`;
  const dims = ds.shape ?? [];
  if (dims.length !== 3) {
    h5.close();
    throw new InputError(`dataset has ${dims.length} dimensions; need 3 ([z, y, x])`, label);
  }
  let dtype: DType;
  try {
    dtype = dtypeOfDataset(ds, label);
  } catch (err) {
    h5.close();
    throw err;
  }
  const shape = dims as Shape3;
  const { spacing, origin, warnings } = spacingFromAttributes(h5, ds, label);
  const sliceVoxels = shape[1] * shape[2];
  const chunks = ds.metadata.chunks;
  return {
    path: label,
    format: 'hdf5',
    shape,
    dtype,
    spacing,
    spacingOrigin: origin,
    warnings,
    detail: `dataset ${dsPath}${chunks ? `, chunks ${chunks.join('×')}` : ', contiguous'}`,
    async readSlices(z0: number, z1: number, into?: VoxelArray): Promise<VoxelArray> {
      if (!(z0 >= 0 && z1 <= shape[0] && z0 <= z1)) throw new RangeError(`slices [${z0}, ${z1}) outside 0..${shape[0]}`);
      const values = ds.slice([[z0, z1]]) as unknown as VoxelArray;
      const out = into ?? new (arrayConstructor(dtype))((z1 - z0) * sliceVoxels);
      out.set(values as never);
      return out;
    },
    async close(): Promise<void> {
      h5.close();
    },
  };
}
