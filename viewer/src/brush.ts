/**
 * Annotation brush geometry and the edit format (no DOM: unit-tested in node). A slice view shows
 * plane `axis` at `index`: columns and rows are (x, y) for z, (x, z) for y and (y, z) for x, as the
 * server's slices. A brush of radius r (voxels, in the plane) dragged from one cursor position to the
 * next paints the voxels whose centres lie within r of that segment (a capsule; a click is a disc),
 * so a fast drag leaves no gaps. Edits go to the server as runs along x: little-endian uint32
 * [z, y, x0, length, value] (src/view/annotations.ts decodes them).
 */
export type Axis = 'z' | 'y' | 'x';
export type Shape3 = [number, number, number];

/** Bytes of one edit record. */
export const RECORD_BYTES = 20;

/** Columns and rows of the slice of `axis` in a volume of `shape` [nz, ny, nx]. */
export function planeSize(axis: Axis, shape: Shape3): [cols: number, rows: number] {
  const [nz, ny, nx] = shape;
  return axis === 'z' ? [nx, ny] : axis === 'y' ? [nx, nz] : [ny, nz];
}

/** The voxel [z, y, x] at (col, row) of the slice of `axis` at `index`. */
export function planeToVoxel(axis: Axis, index: number, col: number, row: number): Shape3 {
  return axis === 'z' ? [index, row, col] : axis === 'y' ? [row, index, col] : [row, col, index];
}

/**
 * In-plane pixels (col, row) whose centres lie within `radius` of the segment (c0, r0)–(c1, r1),
 * inside cols × rows. Centres are integers: the voxel under the cursor is (round(col), round(row)).
 */
export function brushPixels(cols: number, rows: number, c0: number, r0: number, c1: number, r1: number, radius: number): Array<[number, number]> {
  const r = Math.max(0, radius);
  const lo = (a: number, b: number) => Math.max(0, Math.ceil(Math.min(a, b) - r));
  const hi = (a: number, b: number, n: number) => Math.min(n - 1, Math.floor(Math.max(a, b) + r));
  const dc = c1 - c0;
  const dr = r1 - r0;
  const len2 = dc * dc + dr * dr;
  const out: Array<[number, number]> = [];
  for (let row = lo(r0, r1); row <= hi(r0, r1, rows); row++) {
    for (let col = lo(c0, c1); col <= hi(c0, c1, cols); col++) {
      // nearest point of the segment to the pixel centre
      const t = len2 > 0 ? Math.max(0, Math.min(1, ((col - c0) * dc + (row - r0) * dr) / len2)) : 0;
      const ec = col - (c0 + t * dc);
      const er = row - (r0 + t * dr);
      if (ec * ec + er * er <= r * r + 1e-9) out.push([col, row]);
    }
  }
  return out;
}

/** Linear voxel index (z·ny + y)·nx + x (exact in a double up to 2⁵³ voxels). */
export const voxelIndex = (shape: Shape3, z: number, y: number, x: number): number => (z * shape[1] + y) * shape[2] + x;

/**
 * Edits (voxel index → value 0…6) as runs along x of equal value: sorted, consecutive voxels of one
 * row with one value become one record. Returns the records as bytes, split into bodies of at most
 * `maxBytes` each (the server's write limit).
 */
export function encodeRuns(edits: Map<number, number>, shape: Shape3, maxBytes = 16 << 20): Uint8Array<ArrayBuffer>[] {
  const nx = shape[2];
  const keys = [...edits.keys()].sort((a, b) => a - b);
  const recs: number[] = [];
  let k = 0;
  while (k < keys.length) {
    const i0 = keys[k];
    const v = edits.get(i0)!;
    const x0 = i0 % nx;
    let len = 1;
    while (k + len < keys.length && keys[k + len] === i0 + len && x0 + len < nx && edits.get(keys[k + len]) === v) len++;
    const row = Math.floor(i0 / nx);
    recs.push(Math.floor(row / shape[1]), row % shape[1], x0, len, v);
    k += len;
  }
  const perBody = Math.max(1, Math.floor(maxBytes / RECORD_BYTES));
  const bodies: Uint8Array<ArrayBuffer>[] = [];
  for (let r = 0; r < recs.length / 5; r += perBody) {
    const n = Math.min(perBody, recs.length / 5 - r);
    const buf = new ArrayBuffer(n * RECORD_BYTES);
    const dv = new DataView(buf);
    for (let j = 0; j < n * 5; j++) dv.setUint32(4 * j, recs[5 * r + j], true);
    bodies.push(new Uint8Array(buf));
  }
  return bodies;
}
