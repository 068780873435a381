/**
 * Stack-normal orientation. Phantoms are generated in a canonical frame whose stack normal is z
 * (canonical array [nzc, nyc, nxc], index [k][j][i]) and then permuted into the output volume:
 *   axis 'z': out = canon, shape [nzc, nyc, nxc]
 *   axis 'y': out[j][k][i] = canon[k][j][i], shape [nyc, nzc, nxc] (output y is the normal)
 *   axis 'x': out[j][i][k] = canon[k][j][i], shape [nyc, nxc, nzc] (output x is the normal)
 * The canonical start of the normal (k = 0) is the output's start of its normal axis. Per-column
 * truth maps [1, nyc, nxc] keep their data order in every case: for 'y' they are [1, out nz, out nx],
 * for 'x' [1, out nz, out ny] (the output shape without the normal axis, in order).
 */
import type { Shape3 } from '../io/volume.js';

export type NormalAxis = 'z' | 'y' | 'x';

/** Canonical (z-normal) shape for a requested output shape [nz, ny, nx]. */
export function canonicalShape(out: Shape3, axis: NormalAxis): Shape3 {
  if (axis === 'y') return [out[1], out[0], out[2]];
  if (axis === 'x') return [out[2], out[0], out[1]];
  return [out[0], out[1], out[2]];
}

/** Output shape of a canonical shape. */
export function outputShape(canon: Shape3, axis: NormalAxis): Shape3 {
  const [nzc, nyc, nxc] = canon;
  if (axis === 'y') return [nyc, nzc, nxc];
  if (axis === 'x') return [nyc, nxc, nzc];
  return [nzc, nyc, nxc];
}

type Typed = Uint8Array | Uint16Array | Float32Array;

/** Permute a canonical volume into the output frame (a new array; the input for 'z'). */
export function toOutput<T extends Typed>(src: T, canon: Shape3, axis: NormalAxis): T {
  if (axis === 'z') return src;
  const [nzc, nyc, nxc] = canon;
  const out = new (src.constructor as new (n: number) => T)(src.length);
  const plane = nyc * nxc;
  if (axis === 'y') {
    for (let k = 0; k < nzc; k++) {
      for (let j = 0; j < nyc; j++) {
        const s = k * plane + j * nxc;
        out.set(src.subarray(s, s + nxc), (j * nzc + k) * nxc);
      }
    }
  } else {
    for (let k = 0; k < nzc; k++) {
      const base = k * plane;
      for (let p = 0; p < plane; p++) out[p * nzc + k] = src[base + p];
    }
  }
  return out;
}
