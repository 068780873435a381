import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { DType, Shape3, Spacing3, VoxelArray } from './volume.js';
import { dtypeOf, voxelCount } from './volume.js';
import { writeAtomically } from './atomic.js';

const VTK_TYPE: Record<DType, string> = {
  uint8: 'UInt8', int8: 'Int8', uint16: 'UInt16', int16: 'Int16',
  uint32: 'UInt32', int32: 'Int32', float32: 'Float32', float64: 'Float64',
};

export interface VtiArray {
  name: string;
  data: VoxelArray;
}

export interface VtiOptions {
  shape: Shape3;
  /** µm per voxel [dz, dy, dx]; 1 when unknown (VTK then shows voxel units). */
  spacing?: Spacing3 | null;
  origin?: [number, number, number];
}

/**
 * The array name of a volume read from `input`, after its content, so ParaView lists what it is:
 * a label volume (a file name with 'label' in it: labels.tif) → 'labels'; a map in µm
 * (thickness_um.tif, penetration_um.tif, distance_um.tif, …) → its file name without extension
 * ('thickness_um'); anything else (a scan) → 'scan'. `file.h5:/dataset` and `store.zarr:/1` go by
 * the file name.
 */
export function vtiArrayName(input: string): string {
  const file = input.replace(/:\/.*$/, '');
  const stem = path.basename(file.replace(/[\\/]+$/, '')).replace(/\.(tiff?|h5|hdf5|hdf|nxs|zarr|raw|vti)$/i, '');
  if (/label/i.test(stem)) return 'labels';
  if (/_um$/i.test(stem)) return stem.replace(/[^A-Za-z0-9_.-]/g, '_');
  return 'scan';
}

const NATIVE_LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * VTK XML ImageData (.vti) with the arrays as appended raw binary (UInt64 block headers), for
 * ParaView and the viewer. Point data: one value per voxel, VTK axis order x, y, z = our x fastest.
 */
export async function writeVti(file: string, arrays: VtiArray[], options: VtiOptions): Promise<void> {
  if (!NATIVE_LITTLE) throw new Error('VTI writer assumes a little-endian machine');
  const { shape } = options;
  const [nz, ny, nx] = shape;
  const [dz, dy, dx] = options.spacing ?? [1, 1, 1];
  const [oz, oy, ox] = options.origin ?? [0, 0, 0];
  const n = voxelCount(shape);
  if (arrays.length === 0) throw new RangeError('writeVti needs at least one array');
  let offset = 0;
  const entries = arrays.map((a) => {
    if (a.data.length !== n) throw new RangeError(`array '${a.name}' has ${a.data.length} values, shape needs ${n}`);
    if (!/^[A-Za-z0-9_.-]+$/.test(a.name)) throw new RangeError(`array name '${a.name}' must be letters, digits, _ . -`);
    const entry = { name: a.name, type: VTK_TYPE[dtypeOf(a.data)], offset, data: a.data };
    offset += 8 + a.data.byteLength;
    return entry;
  });
  const extent = `0 ${nx - 1} 0 ${ny - 1} 0 ${nz - 1}`;
  const header =
    `<?xml version="1.0"?>\n` +
    `<VTKFile type="ImageData" version="1.0" byte_order="LittleEndian" header_type="UInt64">\n` +
    `  <ImageData WholeExtent="${extent}" Origin="${ox} ${oy} ${oz}" Spacing="${dx} ${dy} ${dz}" Direction="1 0 0 0 1 0 0 0 1">\n` +
    `    <Piece Extent="${extent}">\n` +
    `      <PointData Scalars="${entries[0].name}">\n` +
    entries
      .map((e) => `        <DataArray type="${e.type}" Name="${e.name}" format="appended" offset="${e.offset}"/>\n`)
      .join('') +
    `      </PointData>\n      <CellData>\n      </CellData>\n    </Piece>\n  </ImageData>\n` +
    `  <AppendedData encoding="raw">\n   _`;
  const footer = `\n  </AppendedData>\n</VTKFile>\n`;
  await writeAtomically(file, async (tmp) => {
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.write(header);
      for (const e of entries) {
        const size = Buffer.alloc(8);
        size.writeBigUInt64LE(BigInt(e.data.byteLength));
        await handle.write(size);
        const bytes = new Uint8Array(e.data.buffer, e.data.byteOffset, e.data.byteLength);
        for (let pos = 0; pos < bytes.length; pos += 1 << 30) {
          await handle.write(bytes.subarray(pos, Math.min(bytes.length, pos + (1 << 30))));
        }
      }
      await handle.write(footer);
    } finally {
      await handle.close();
    }
  });
}
