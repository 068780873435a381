/**
 * WGSL twins of the conduction stencil kernels (src/current/stencil.ts) in float32, one invocation
 * per cell on a [nz, ny, nx] grid (x fastest). Face conductances gx/gy/gz and the diagonal come from
 * the cpu level (src/current/solver.ts): the x and y neighbours always wrap (an insulating side has
 * a zero wrap-face conductance), z has none beyond the first and last layer.
 *
 * - apply:    out = A u
 * - residual: r = b − A u
 * - gs:       Gauss–Seidel update of the cells of one colour ((x + y + z) & 1 == color): with even
 *             sizes those cells are independent, so this equals the cpu half-sweep
 * - restrict: b_c = Σ r_f over the cx×cy×cz agglomerate (constant prolongation's transpose)
 * - prolong:  u_f += u_c[parent]
 */
import { ENTRY, INDEX } from './common.wgsl.js';

const PARAMS = /* wgsl */ `
struct P { nx: u32, ny: u32, nz: u32, color: u32, cx: u32, cy: u32, cz: u32, n: u32 }
@group(0) @binding(0) var<uniform> p: P;`;

const LEVEL = /* wgsl */ `
@group(0) @binding(1) var<storage, read> gx: array<f32>;
@group(0) @binding(2) var<storage, read> gy: array<f32>;
@group(0) @binding(3) var<storage, read> gz: array<f32>;
@group(0) @binding(4) var<storage, read> diag: array<f32>;

/** Σ g_f u_nb over the six faces of cell i = (x, y, z). */
fn offdiag(i: u32, x: u32, y: u32, z: u32) -> f32 {
  let plane = p.nx * p.ny;
  let row = i - x;
  let xm = select(i + p.nx - 1u, i - 1u, x > 0u);
  let xp = select(row, i + 1u, x + 1u < p.nx);
  let ym = select(i + (p.ny - 1u) * p.nx, i - p.nx, y > 0u);
  let yp = select(i - y * p.nx, i + p.nx, y + 1u < p.ny);
  var s = gx[i] * U(xp) + gx[xm] * U(xm) + gy[i] * U(yp) + gy[ym] * U(ym);
  if (z + 1u < p.nz) { s += gz[i] * U(i + plane); }
  if (z > 0u) { s += gz[i - plane] * U(i - plane); }
  return s;
}`;

/** out = A u (mode 'apply') or r = b − A u (mode 'residual'). */
export function conductionApplyWGSL(mode: 'apply' | 'residual'): string {
  return `${PARAMS}${LEVEL}
@group(0) @binding(5) var<storage, read> u: array<f32>;
@group(0) @binding(6) var<storage, read_write> out: array<f32>;
${mode === 'residual' ? '@group(0) @binding(7) var<storage, read> b: array<f32>;' : ''}
fn U(j: u32) -> f32 { return u[j]; }
${INDEX}
${ENTRY} {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.n) { return; }
  let x = i % p.nx;
  let y = (i / p.nx) % p.ny;
  let z = i / (p.nx * p.ny);
  let a = diag[i] * u[i] - offdiag(i, x, y, z);
  ${mode === 'residual' ? 'out[i] = b[i] - a;' : 'out[i] = a;'}
}`;
}

/** Gauss–Seidel update of one colour, in place. */
export function conductionGsWGSL(): string {
  return `${PARAMS}${LEVEL}
@group(0) @binding(5) var<storage, read_write> u: array<f32>;
@group(0) @binding(6) var<storage, read> b: array<f32>;
fn U(j: u32) -> f32 { return u[j]; }
${INDEX}
${ENTRY} {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.n) { return; }
  let x = i % p.nx;
  let y = (i / p.nx) % p.ny;
  let z = i / (p.nx * p.ny);
  if (((x + y + z) & 1u) != p.color) { return; }
  u[i] = (b[i] + offdiag(i, x, y, z)) / diag[i];
}`;
}

/** b_c[I] = Σ r_f over the agglomerate of coarse cell I (p: the coarse sizes, cx/cy/cz factors). */
export function conductionRestrictWGSL(): string {
  return `${PARAMS}
@group(0) @binding(1) var<storage, read> rf: array<f32>;
@group(0) @binding(2) var<storage, read_write> bc: array<f32>;
${INDEX}
${ENTRY} {
  let I = linear_index(wid, nwg, lid);
  if (I >= p.n) { return; }
  let X = I % p.nx;
  let Y = (I / p.nx) % p.ny;
  let Z = I / (p.nx * p.ny);
  let fnx = p.nx * p.cx;
  let fny = p.ny * p.cy;
  var s = 0.0;
  for (var dz = 0u; dz < p.cz; dz++) {
    for (var dy = 0u; dy < p.cy; dy++) {
      for (var dx = 0u; dx < p.cx; dx++) {
        s += rf[((Z * p.cz + dz) * fny + Y * p.cy + dy) * fnx + X * p.cx + dx];
      }
    }
  }
  bc[I] = s;
}`;
}

/** u_f[i] += u_c[parent(i)] (p: the fine sizes, cx/cy/cz factors). */
export function conductionProlongWGSL(): string {
  return `${PARAMS}
@group(0) @binding(1) var<storage, read> uc: array<f32>;
@group(0) @binding(2) var<storage, read_write> uf: array<f32>;
${INDEX}
${ENTRY} {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.n) { return; }
  let x = i % p.nx;
  let y = (i / p.nx) % p.ny;
  let z = i / (p.nx * p.ny);
  let cnx = p.nx / p.cx;
  let cny = p.ny / p.cy;
  uf[i] += uc[((z / p.cz) * cny + y / p.cy) * cnx + x / p.cx];
}`;
}

/** out = 0. */
export function conductionZeroWGSL(): string {
  return `${PARAMS}
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
${INDEX}
${ENTRY} {
  let i = linear_index(wid, nwg, lid);
  if (i >= p.n) { return; }
  out[i] = 0.0;
}`;
}
