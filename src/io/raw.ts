import { promises as fs } from 'node:fs';
import type { DType, Shape3, Spacing3, VoxelArray } from './volume.js';
import { arrayConstructor, bytesPerVoxel, voxelCount } from './volume.js';
import type { VolumeSource } from './source.js';
import { InputError } from './errors.js';

export interface RawLayout {
  shape: Shape3;
  dtype: DType;
  endian?: 'little' | 'big';
  /** Bytes to skip before the voxels (a header the reader does not understand). */
  headerBytes?: number;
  spacing?: Spacing3 | null;
}

const RAW_DTYPES: readonly DType[] = ['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32', 'float32', 'float64'];

export function parseDType(text: string): DType {
  if ((RAW_DTYPES as readonly string[]).includes(text)) return text as DType;
  throw new InputError(`--dtype must be one of ${RAW_DTYPES.join(', ')}, got '${text}'`);
}

export function parseShape(text: string, flag = '--shape'): Shape3 {
  const parts = text.split(',').map((s) => Number(s.trim()));
  if (parts.length !== 3 || parts.some((v) => !Number.isInteger(v) || v <= 0)) {
    throw new InputError(`${flag} must be three positive integers NZ,NY,NX, got '${text}'`);
  }
  return [parts[0], parts[1], parts[2]];
}

/** Swap bytes in place for 2-, 4- or 8-byte elements. */
export function swapBytes(bytes: Uint8Array, elementSize: number): void {
  if (elementSize === 1) return;
  for (let i = 0; i + elementSize <= bytes.length; i += elementSize) {
    for (let a = i, b = i + elementSize - 1; a < b; a++, b--) {
      const t = bytes[a];
      bytes[a] = bytes[b];
      bytes[b] = t;
    }
  }
}

const NATIVE_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Headerless raw voxels; the file size must equal header + shape × dtype exactly. */
export async function openRaw(file: string, layout: RawLayout): Promise<VolumeSource> {
  const { shape, dtype } = layout;
  const header = layout.headerBytes ?? 0;
  const elem = bytesPerVoxel(dtype);
  let size: number;
  try {
    size = (await fs.stat(file)).size;
  } catch {
    throw new InputError('no such file', file);
  }
  const expected = header + voxelCount(shape) * elem;
  if (size !== expected) {
    throw new InputError(
      `size ${size} bytes does not match --shape ${shape.join(',')} × ${dtype}${header ? ` + ${header} header bytes` : ''} (${expected} bytes)`,
      file,
    );
  }
  const swap = (layout.endian ?? 'little') === 'little' ? !NATIVE_LITTLE : NATIVE_LITTLE;
  const sliceBytes = shape[1] * shape[2] * elem;
  const handle = await fs.open(file, 'r');
  return {
    path: file,
    format: 'raw',
    shape,
    dtype,
    spacing: layout.spacing ?? null,
    spacingOrigin: layout.spacing ? 'given' : 'none in file (raw)',
    warnings: [],
    detail: `raw ${dtype}, ${layout.endian ?? 'little'} endian${header ? `, ${header}-byte header` : ''}`,
    async readSlices(z0: number, z1: number, into?: VoxelArray): Promise<VoxelArray> {
      if (!(z0 >= 0 && z1 <= shape[0] && z0 <= z1)) throw new RangeError(`slices [${z0}, ${z1}) outside 0..${shape[0]}`);
      const out = into ?? new (arrayConstructor(dtype))((z1 - z0) * shape[1] * shape[2]);
      const bytes = new Uint8Array(out.buffer, out.byteOffset, (z1 - z0) * sliceBytes);
      let done = 0;
      while (done < bytes.length) {
        const chunk = Math.min(bytes.length - done, 1 << 30); // one read call is limited to 2 GiB
        const { bytesRead } = await handle.read(bytes, done, chunk, header + z0 * sliceBytes + done);
        if (bytesRead === 0) throw new InputError('truncated while reading', file);
        done += bytesRead;
      }
      if (swap) swapBytes(bytes, elem);
      return out;
    },
    async readRows(y0: number, y1: number, into?: VoxelArray): Promise<VoxelArray> {
      if (!(y0 >= 0 && y1 <= shape[1] && y0 <= y1)) throw new RangeError(`rows [${y0}, ${y1}) outside 0..${shape[1]}`);
      const rowBytes = shape[2] * elem;
      const blockBytes = (y1 - y0) * rowBytes;
      const length = shape[0] * (y1 - y0) * shape[2];
      const out = into ? into.subarray(0, length) : new (arrayConstructor(dtype))(length);
      if (out.length < length) throw new RangeError(`readRows: 'into' has ${into?.length} elements, need ${length}`);
      const bytes = new Uint8Array(out.buffer, out.byteOffset, shape[0] * blockBytes);
      for (let z = 0; z < shape[0]; z++) {
        let done = 0;
        while (done < blockBytes) {
          const { bytesRead } = await handle.read(bytes, z * blockBytes + done, blockBytes - done, header + z * sliceBytes + y0 * rowBytes + done);
          if (bytesRead === 0) throw new InputError('truncated while reading', file);
          done += bytesRead;
        }
      }
      if (swap) swapBytes(bytes, elem);
      return out;
    },
    async close(): Promise<void> {
      await handle.close();
    },
  };
}
