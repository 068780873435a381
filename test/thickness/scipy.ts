/** SciPy references for the thickness tests, computed at test time with /usr/bin/python3. */
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { PYTHON, missingPython, runPython, tempDir } from '../helpers.js';

/** Why the SciPy reference cannot run here, or null. */
export const missingScipy = missingPython('scipy.ndimage', 'tifffile');

const EDT_SCRIPT = `
import sys, time, numpy as np, tifffile
from scipy import ndimage as nd
src, label, dz, dy, dx, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
if src.endswith('.raw'):
    nz, ny, nx = [int(v) for v in sys.argv[7].split(',')]
    a = np.fromfile(src, dtype=np.uint8).reshape(nz, ny, nx)
else:
    a = tifffile.imread(src)
t = time.perf_counter()
d = nd.distance_transform_edt(a == label, sampling=[dz, dy, dx])
print(time.perf_counter() - t)
d.astype(np.float32).tofile(out)
`;

/** SciPy `distance_transform_edt(volume == label, sampling)` as float32. */
export function scipyEdt(source: string, label: number, spacing: [number, number, number], shape?: [number, number, number]): { distance: Float32Array; seconds: number } {
  const dir = tempDir('buried-scipy-');
  const out = path.join(dir, 'edt.f32');
  try {
    const args = [source, String(label), ...spacing.map(String), out];
    if (shape) args.push(shape.join(','));
    const seconds = Number(runPython(EDT_SCRIPT, args).trim());
    const bytes = readFileSync(out);
    return { distance: new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4), seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export { PYTHON };
