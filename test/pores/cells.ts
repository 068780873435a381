/** Constructed cells with known answers for the pores tests (codes: 0 pore, 1 Li, 2 electrolyte). */
import { makeVolume, type Shape3, type Spacing3, type Volume } from '../../src/io/volume.js';

export interface Cell {
  vol: Volume<Uint8Array>;
  set(z: number, y: number, x: number, code: number): void;
  get(z: number, y: number, x: number): number;
}

/**
 * A symmetric Li | electrolyte | Li cell stacked along z: Li in z < li, electrolyte in
 * [li, nz − li), Li in z ≥ nz − li (li = 0: electrolyte to both ends).
 */
export function symmetricCell(shape: Shape3 = [30, 20, 20], li = 5, spacing: Spacing3 = [1, 1, 1]): Cell {
  const [nz, ny, nx] = shape;
  const data = new Uint8Array(nz * ny * nx);
  for (let z = 0; z < nz; z++) data.fill(z < li || z >= nz - li ? 1 : 2, z * ny * nx, (z + 1) * ny * nx);
  const vol = makeVolume(data, shape, spacing) as Volume<Uint8Array>;
  const at = (z: number, y: number, x: number) => (z * ny + y) * nx + x;
  return { vol, set: (z, y, x, code) => (data[at(z, y, x)] = code), get: (z, y, x) => data[at(z, y, x)] };
}

/** The same volume with the stack normal along x (z ↔ x swapped). */
export function swapZX(vol: Volume<Uint8Array>): Volume<Uint8Array> {
  const [nz, ny, nx] = vol.shape;
  const out = new Uint8Array(vol.data.length);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) out[(x * ny + y) * nz + z] = vol.data[(z * ny + y) * nx + x];
  const s = vol.spacing ?? [1, 1, 1];
  return makeVolume(out, [nx, ny, nz], [s[2], s[1], s[0]]) as Volume<Uint8Array>;
}

/** Voxels of a digital ball |x − c| ≤ r set to `code`; returns how many. */
export function ball(cell: Cell, [cz, cy, cx]: [number, number, number], r: number, code: number): number {
  let n = 0;
  const R = Math.ceil(r);
  for (let z = -R; z <= R; z++)
    for (let y = -R; y <= R; y++)
      for (let x = -R; x <= R; x++) {
        if (z * z + y * y + x * x > r * r) continue;
        cell.set(cz + z, cy + y, cx + x, code);
        n++;
      }
  return n;
}
