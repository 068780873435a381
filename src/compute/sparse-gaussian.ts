/**
 * A separable Gaussian (gaussian3's kernel: truncate 4σ, mode 'nearest') computed only where it is
 * needed: at the voxels of a mask, e.g. the annotated voxels of a trainable segmentation and their
 * derivative stencil. Strokes are thin sheets (a few slices of any orientation), so the pass across
 * the sheet goes last: the passes before it then only work within r voxels of the sheet.
 *
 * Sets: N₃ = the mask; the last pass (axis a₃) reads N₂ = N₃ ⊕ r along a₃; the middle pass (a₂) reads
 * N₁ = N₂ ⊕ r along a₂. Each pass computes whole lines along its axis, only the lines that meet the
 * set its output must cover, so every value a later pass reads is there. Which lines meet a set comes
 * from the mask's three projections (one pass) grown in 2D: growing along one axis commutes with
 * projecting along another. Axis order: ascending number
 * of lines along the axis that meet the mask (a sheet across y is met by every line along y, so y goes
 * last). Cost O(lines met × line length × r) per pass instead of O(voxels × r); memory two float32
 * volumes of the input's size and two masks. Values equal gaussian3's up to float32 rounding (the
 * pass order can differ).
 */
import { gaussianWeights } from './reference.js';

type Axis = 0 | 1 | 2; // z, y, x

interface Geometry { dims: [number, number, number]; strides: [number, number, number] }

/** The two axes other than `axis`, ascending. */
const others = (axis: Axis): [Axis, Axis] => (axis === 0 ? [1, 2] : axis === 1 ? [0, 2] : [0, 1]);

/**
 * Projections of the mask along each axis (1 where the line along that axis meets the mask), over
 * the other two axes in ascending order: one pass over the mask in memory order.
 */
function projections(mask: Uint8Array, g: Geometry): [Uint8Array, Uint8Array, Uint8Array] {
  const [nz, ny, nx] = g.dims;
  const pz = new Uint8Array(ny * nx), py = new Uint8Array(nz * nx), px = new Uint8Array(nz * ny);
  for (let z = 0, i = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++, i++) {
    if (!mask[i]) continue;
    pz[y * nx + x] = 1;
    py[z * nx + x] = 1;
    px[z * ny + y] = 1;
  }
  return [pz, py, px];
}

/** A 2D map over axes (u, v) grown by r along `along` (u or v). */
function dilate2(map: Uint8Array, g: Geometry, [u, v]: [Axis, Axis], along: Axis, r: number): Uint8Array {
  const nu = g.dims[u], nv = g.dims[v];
  const out = new Uint8Array(map.length);
  const [n, m, s, t] = along === u ? [nu, nv, nv, 1] : [nv, nu, 1, nv];
  for (let j = 0; j < m; j++) {
    let last = -Infinity;
    for (let k = 0; k < n; k++) {
      if (map[k * s + j * t]) last = k;
      if (k - last <= r) out[k * s + j * t] = 1;
    }
    let next = Infinity;
    for (let k = n - 1; k >= 0; k--) {
      if (map[k * s + j * t]) next = k;
      if (next - k <= r) out[k * s + j * t] = 1;
    }
  }
  return out;
}

/** Starts of the lines along `axis` whose cell is set in its projection map. */
function lineStarts(map: Uint8Array, g: Geometry, axis: Axis): number[] {
  const [u, v] = others(axis);
  const starts: number[] = [];
  for (let i = 0, c = 0; i < g.dims[u]; i++) for (let j = 0; j < g.dims[v]; j++, c++) if (map[c]) starts.push(i * g.strides[u] + j * g.strides[v]);
  return starts;
}

/** One pass along `axis` over the given lines: dst = w ∗ src along the line, edges clamped. */
function passLines(src: Float32Array, dst: Float32Array, g: Geometry, axis: Axis, starts: number[], w: Float32Array): void {
  const r = (w.length - 1) / 2;
  const n = g.dims[axis], s = g.strides[axis];
  const line = new Float64Array(n + 2 * r);
  const wc = w[r];
  for (const o of starts) {
    for (let k = 0; k < n; k++) line[r + k] = src[o + k * s];
    for (let k = 0; k < r; k++) { line[k] = line[r]; line[r + n + k] = line[r + n - 1]; }
    for (let k = 0; k < n; k++) {
      const c = k + r;
      let acc = wc * line[c];
      for (let j = 1; j <= r; j++) acc += w[r + j] * (line[c - j] + line[c + j]);
      dst[o + k * s] = acc;
    }
  }
}

/**
 * Gaussian of `src` (depth × ny × nx) at the voxels where `need` is set, into `dst` (values elsewhere
 * are unspecified). Returns the pass order used (axes z = 0, y = 1, x = 2) and the lines computed.
 */
export function sparseGaussian3(src: Float32Array, dst: Float32Array, depth: number, ny: number, nx: number, sigma: number, need: Uint8Array): { order: Axis[]; lines: number } {
  const w = gaussianWeights(sigma);
  const r = (w.length - 1) / 2;
  const g: Geometry = { dims: [depth, ny, nx], strides: [ny * nx, nx, 1] };
  const proj = projections(need, g);
  const met = proj.map((m) => m.reduce((k, v) => k + v, 0) / m.length);
  // the axis whose lines all meet the mask is the one the sheet lies across: last
  const order = ([0, 1, 2] as Axis[]).sort((a, b) => met[a] - met[b] || b - a);
  const [a1, a2, a3] = order;
  // lines along a₂ meeting N₂ = N₃ ⊕ r (a₃): N₃'s projection along a₂ grown along a₃; along a₁, grown along a₃ and a₂
  const l3 = lineStarts(proj[a3], g, a3);
  const l2 = lineStarts(dilate2(proj[a2], g, others(a2), a3, r), g, a2);
  const o1 = others(a1);
  const l1 = lineStarts(dilate2(dilate2(proj[a1], g, o1, a3, r), g, o1, a2, r), g, a1);
  const tmp = new Float32Array(src.length);
  passLines(src, dst, g, a1, l1, w);
  passLines(dst, tmp, g, a2, l2, w);
  passLines(tmp, dst, g, a3, l3, w);
  return { order, lines: l1.length + l2.length + l3.length };
}
