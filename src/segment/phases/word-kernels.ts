/**
 * Integer-grey fast path of phaseSumsSlab (slab-kernels.ts): labels read four at a time through a
 * Uint32 view (rows 4-byte aligned: nx a multiple of 4, the window's labels at an aligned offset),
 * a run's grey summed in int32. Every sum is of integers, exact in float64, so the accumulators
 * come out bit-identical to the voxel-by-voxel pass; float grey and unaligned rows keep that pass.
 */
import { fourOf } from '../../compute/words.js';
import type { GreyArray } from '../../compute/types.js';
import { LAST_PHASE } from './codes.js';
import { hasOtherNeighbour } from './neighbours.js';

/** The labels as 32-bit words (rows start at word boundaries), or null when they do not. */
export function wordsOf(L: Uint8Array, nx: number): Uint32Array | null {
  return (nx & 3) !== 0 || (L.byteOffset & 3) !== 0 ? null : new Uint32Array(L.buffer, L.byteOffset, L.length >> 2);
}

/** The labels as 32-bit words when the integer fast path applies (integer grey, aligned rows), else null. */
export function labelWords(L: Uint8Array, grey: GreyArray, nx: number): Uint32Array | null {
  // int32 run sums: a row of uint16 stays below 2^31
  return grey instanceof Float32Array || nx > 32768 ? null : wordsOf(L, nx);
}

/**
 * The end of the run of label l from x in the row at `row` (< nx): bytes up to a word boundary, then
 * whole words, then bytes.
 */
export function runEnd(L: Uint8Array, W: Uint32Array, row: number, x: number, nx: number, l: number): number {
  const rep = fourOf(l);
  let end = x + 1;
  while (end < nx && (end & 3) !== 0 && L[row + end] === l) end++;
  if ((end & 3) === 0) {
    const rowEndWord = (row + nx) >> 2;
    let j = (row + end) >> 2;
    while (j < rowEndWord && W[j] === rep) {
      j++;
      end += 4;
    }
  }
  while (end < nx && L[row + end] === l) end++;
  return end;
}

/** phaseSumsSlab over slices [z0, z1) with the labels' words `W` (labelWords); adds onto acc. */
export function phaseSumsWords(G: GreyArray, L: Uint8Array, W: Uint32Array, lo: number, z0: number, z1: number, shape: readonly number[], acc: Float64Array): void {
  const [nz, ny, nx] = shape;
  const plane = ny * nx, wnx = nx >> 2, wplane = plane >> 2;
  // a voxel whose 4 neighbours off the row (and both in-row ones) carry its label l is interior
  const inside = (i: number, l: number) => L[i - nx] === l && L[i + nx] === l && L[i - plane] === l && L[i + plane] === l;
  for (let z = z0; z < z1; z++)
    for (let y = 0; y < ny; y++) {
      const row = (z - lo) * plane + y * nx;
      const edgeRow = z === 0 || z === nz - 1 || y === 0 || y === ny - 1;
      for (let x = 0; x < nx; ) {
        const l = L[row + x];
        const rep = fourOf(l);
        const end = runEnd(L, W, row, x, nx, l);
        if (l > LAST_PHASE) {
          x = end;
          continue;
        }
        const first = x;
        let s = 0, s2 = 0, c2 = 0;
        if (edgeRow || end - first < 12) {
          for (; x < end; x++) {
            const i = row + x, g = G[i];
            s = (s + g) | 0;
            const other = edgeRow || x === 0 || x === nx - 1 ? hasOtherNeighbour(L, i, l, x, y, z, nz, ny, nx) : x === first || x === end - 1 || !inside(i, l);
            if (!other) { s2 = (s2 + g) | 0; c2++; }
          }
        } else {
          // bytes before the first whole word inside (first, end − 1), the words, the bytes after
          const wa = (first + 4) >> 2, wb = (end - 1) >> 2;
          for (const xa = wa << 2; x < xa; x++) {
            const i = row + x, g = G[i];
            s = (s + g) | 0;
            const other = x === 0 ? hasOtherNeighbour(L, i, l, x, y, z, nz, ny, nx) : x === first || !inside(i, l);
            if (!other) { s2 = (s2 + g) | 0; c2++; }
          }
          for (let j = (row >> 2) + wa, jb = (row >> 2) + wb; j < jb; j++, x += 4) {
            const i = row + x;
            const gs = G[i] + G[i + 1] + G[i + 2] + G[i + 3];
            s = (s + gs) | 0;
            if (W[j - wnx] === rep && W[j + wnx] === rep && W[j - wplane] === rep && W[j + wplane] === rep) {
              s2 = (s2 + gs) | 0;
              c2 += 4;
              continue;
            }
            for (let k = i; k < i + 4; k++)
              if (L[k - nx] === l && L[k + nx] === l && L[k - plane] === l && L[k + plane] === l) {
                s2 = (s2 + G[k]) | 0;
                c2++;
              }
          }
          for (; x < end; x++) {
            const i = row + x, g = G[i];
            s = (s + g) | 0;
            const other = x === nx - 1 ? hasOtherNeighbour(L, i, l, x, y, z, nz, ny, nx) : x === end - 1 || !inside(i, l);
            if (!other) { s2 = (s2 + g) | 0; c2++; }
          }
        }
        acc[12 + l] += s;
        acc[18 + l] += end - first;
        acc[l] += s2;
        acc[6 + l] += c2;
      }
    }
}
