/**
 * HDF5 recognition without loading the HDF5 library (h5wasm costs ≈ 26 MB of resident memory, paid
 * only when an HDF5 file is actually opened).
 */
import { promises as fs } from 'node:fs';

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Split `file.h5:/path/to/dataset` into file and dataset path (a drive letter's colon is not a separator). */
export function splitHdf5Input(input: string): { file: string; dataset?: string } {
  const m = /^(.*\.(?:h5|hdf5|hdf|nxs|he5|cxi)):(\/?.*)$/i.exec(input);
  if (m) return { file: m[1], dataset: m[2].startsWith('/') ? m[2] : `/${m[2]}` };
  return { file: input };
}

/** HDF5 files start with the signature at offset 0, 512, 1024, … (after an optional user block). */
export async function hasHdf5Signature(file: string): Promise<boolean> {
  const handle = await fs.open(file, 'r');
  try {
    const { size } = await handle.stat();
    const buf = Buffer.alloc(8);
    for (let offset = 0; offset + 8 <= size && offset <= 1 << 20; offset = offset === 0 ? 512 : offset * 2) {
      await handle.read(buf, 0, 8, offset);
      if (buf.equals(HDF5_SIGNATURE)) return true;
    }
    return false;
  } finally {
    await handle.close();
  }
}
