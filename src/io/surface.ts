/**
 * Surface mesh of the boundary between two labels (the Li | electrolyte interface by default), for
 * ParaView, Avizo and Blender: naive surface nets. Every 6-neighbour voxel pair with one voxel of
 * label A and one of label B gives a quad across their shared face; its four corners are the
 * vertices of the four 2×2×2 voxel blocks around the pair's lattice edge, each placed at the mean of
 * the midpoints of the block's A–B edges. A flat interface therefore lies exactly on the voxel faces
 * (its area is exact), curved ones are smoothed across the voxel steps. Outside the volume the labels
 * continue as at its faces, so an interface that meets the volume's sides spans it to the edges.
 * Quads are split into triangles oriented with the normal from A to B; coordinates in µm (voxel
 * centre (0,0,0) at the origin; voxel units without a voxel size).
 *
 * Written as VTK XML PolyData (.vtp, appended raw binary) or binary STL (.stl; no units in the
 * format, µm here).
 */
import { promises as fs } from 'node:fs';
import { writeAtomically } from './atomic.js';
import type { Shape3, Spacing3 } from './volume.js';

export interface SurfaceMesh {
  /** x, y, z per vertex (µm). */
  positions: Float32Array;
  /** three vertex indices per triangle, counter-clockwise seen from label B (normal A → B). */
  triangles: Uint32Array;
}

/** Phase names accepted for --surface (contract codes). */
export const SURFACE_PHASES: Record<string, number> = {
  void: 0, pore: 0, li: 1, electrolyte: 2, collector: 3, cathode: 4, outside: 5,
};

/** 'li,electrolyte' or '1,2' → [1, 2]; null when not two distinct known phases or codes 0..255. */
export function parseSurfacePair(text: string): [number, number] | null {
  const parts = text.split(',').map((s) => s.trim().toLowerCase());
  if (parts.length !== 2) return null;
  const codes = parts.map((p) => (p in SURFACE_PHASES ? SURFACE_PHASES[p] : /^\d+$/.test(p) && Number(p) <= 255 ? Number(p) : NaN));
  if (!codes.every(Number.isInteger) || codes[0] === codes[1]) return null;
  return [codes[0], codes[1]];
}

/** The surface between labels `a` and `b` of a [nz, ny, nx] label volume. */
export function interfaceMesh(labels: ArrayLike<number>, shape: Shape3, spacing: Spacing3 | null, a: number, b: number): SurfaceMesh {
  const [nz, ny, nx] = shape;
  const [dz, dy, dx] = spacing ?? [1, 1, 1];
  const sy = nx;
  const sz = nx * ny;
  const at = (x: number, y: number, z: number) => labels[Math.min(nz - 1, Math.max(0, z)) * sz + Math.min(ny - 1, Math.max(0, y)) * sy + Math.min(nx - 1, Math.max(0, x))];
  const isPair = (p: number, q: number) => (p === a && q === b) || (p === b && q === a);
  // vertex of block (i, j, k): voxels i−1..i, j−1..j, k−1..k
  const vertexOf = new Map<number, number>();
  const pos: number[] = [];
  const cellsX = nx + 1;
  const cellsXY = (nx + 1) * (ny + 1);
  const vertex = (i: number, j: number, k: number): number => {
    const key = k * cellsXY + j * cellsX + i;
    let v = vertexOf.get(key);
    if (v !== undefined) return v;
    let sx = 0, syy = 0, szz = 0, n = 0;
    // the 12 edges of the block: 4 along each axis
    for (let u = 0; u < 2; u++) {
      for (let w = 0; w < 2; w++) {
        if (isPair(at(i - 1, j - 1 + u, k - 1 + w), at(i, j - 1 + u, k - 1 + w))) { sx += i - 0.5; syy += j - 1 + u; szz += k - 1 + w; n++; }
        if (isPair(at(i - 1 + u, j - 1, k - 1 + w), at(i - 1 + u, j, k - 1 + w))) { sx += i - 1 + u; syy += j - 0.5; szz += k - 1 + w; n++; }
        if (isPair(at(i - 1 + u, j - 1 + w, k - 1), at(i - 1 + u, j - 1 + w, k))) { sx += i - 1 + u; syy += j - 1 + w; szz += k - 0.5; n++; }
      }
    }
    v = pos.length / 3;
    pos.push((sx / n) * dx, (syy / n) * dy, (szz / n) * dz);
    vertexOf.set(key, v);
    return v;
  };
  const tris: number[] = [];
  const quad = (c: number[], flip: boolean) => {
    if (flip) c.reverse();
    tris.push(c[0], c[1], c[2], c[0], c[2], c[3]);
  };
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        const p = labels[z * sz + y * sy + x];
        if (p !== a && p !== b) continue;
        const other = p === a ? b : a;
        // +x neighbour: quad in the y–z plane, counter-clockwise seen from +x
        if (x + 1 < nx && labels[z * sz + y * sy + x + 1] === other) quad([vertex(x + 1, y, z), vertex(x + 1, y + 1, z), vertex(x + 1, y + 1, z + 1), vertex(x + 1, y, z + 1)], p !== a);
        if (y + 1 < ny && labels[z * sz + (y + 1) * sy + x] === other) quad([vertex(x, y + 1, z), vertex(x, y + 1, z + 1), vertex(x + 1, y + 1, z + 1), vertex(x + 1, y + 1, z)], p !== a);
        if (z + 1 < nz && labels[(z + 1) * sz + y * sy + x] === other) quad([vertex(x, y, z + 1), vertex(x + 1, y, z + 1), vertex(x + 1, y + 1, z + 1), vertex(x, y + 1, z + 1)], p !== a);
      }
    }
  }
  return { positions: Float32Array.from(pos), triangles: Uint32Array.from(tris) };
}

/** Total area of the triangles (µm²). */
export function meshArea(mesh: SurfaceMesh): number {
  const p = mesh.positions;
  const t = mesh.triangles;
  let area = 0;
  for (let i = 0; i < t.length; i += 3) {
    const a = 3 * t[i], b = 3 * t[i + 1], c = 3 * t[i + 2];
    const ux = p[b] - p[a], uy = p[b + 1] - p[a + 1], uz = p[b + 2] - p[a + 2];
    const vx = p[c] - p[a], vy = p[c + 1] - p[a + 1], vz = p[c + 2] - p[a + 2];
    area += 0.5 * Math.hypot(uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx);
  }
  return area;
}

/** VTK XML PolyData: Float32 points, Int64 connectivity and offsets, appended raw (UInt64 block sizes). */
export async function writeVtp(file: string, mesh: SurfaceMesh): Promise<void> {
  const nPoints = mesh.positions.length / 3;
  const nTris = mesh.triangles.length / 3;
  const connectivity = BigInt64Array.from(mesh.triangles, (v) => BigInt(v));
  const offsets = BigInt64Array.from({ length: nTris }, (_, i) => BigInt(3 * (i + 1)));
  const blocks = [mesh.positions, connectivity, offsets];
  const at: number[] = [];
  let offset = 0;
  for (const b of blocks) {
    at.push(offset);
    offset += 8 + b.byteLength;
  }
  const header =
    `<?xml version="1.0"?>\n` +
    `<VTKFile type="PolyData" version="1.0" byte_order="LittleEndian" header_type="UInt64">\n` +
    `  <PolyData>\n` +
    `    <Piece NumberOfPoints="${nPoints}" NumberOfVerts="0" NumberOfLines="0" NumberOfStrips="0" NumberOfPolys="${nTris}">\n` +
    `      <Points>\n        <DataArray type="Float32" NumberOfComponents="3" format="appended" offset="${at[0]}"/>\n      </Points>\n` +
    `      <Polys>\n` +
    `        <DataArray type="Int64" Name="connectivity" format="appended" offset="${at[1]}"/>\n` +
    `        <DataArray type="Int64" Name="offsets" format="appended" offset="${at[2]}"/>\n` +
    `      </Polys>\n    </Piece>\n  </PolyData>\n  <AppendedData encoding="raw">\n   _`;
  const footer = `\n  </AppendedData>\n</VTKFile>\n`;
  await writeAtomically(file, async (tmp) => {
    const h = await fs.open(tmp, 'w');
    try {
      await h.write(header);
      for (const b of blocks) {
        const size = Buffer.alloc(8);
        size.writeBigUInt64LE(BigInt(b.byteLength));
        await h.write(size);
        await h.write(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
      }
      await h.write(footer);
    } finally {
      await h.close();
    }
  });
}

/** Binary STL: 80-byte header, triangle count, then per triangle the unit normal, three vertices and a zero attribute. */
export async function writeStl(file: string, mesh: SurfaceMesh, title = 'buried-li interface mesh, µm'): Promise<void> {
  const p = mesh.positions;
  const t = mesh.triangles;
  const n = t.length / 3;
  const buf = Buffer.alloc(84 + 50 * n);
  buf.write(title.slice(0, 80).padEnd(80, ' '), 0, 'latin1');
  buf.writeUInt32LE(n, 80);
  for (let i = 0; i < n; i++) {
    const a = 3 * t[3 * i], b = 3 * t[3 * i + 1], c = 3 * t[3 * i + 2];
    const ux = p[b] - p[a], uy = p[b + 1] - p[a + 1], uz = p[b + 2] - p[a + 2];
    const vx = p[c] - p[a], vy = p[c + 1] - p[a + 1], vz = p[c + 2] - p[a + 2];
    let nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
    const len = Math.hypot(nx, ny, nz) || 1;
    nx /= len; ny /= len; nz /= len;
    let o = 84 + 50 * i;
    for (const v of [nx, ny, nz, p[a], p[a + 1], p[a + 2], p[b], p[b + 1], p[b + 2], p[c], p[c + 1], p[c + 2]]) {
      buf.writeFloatLE(v, o);
      o += 4;
    }
    buf.writeUInt16LE(0, o);
  }
  await writeAtomically(file, (tmp) => fs.writeFile(tmp, buf));
}
