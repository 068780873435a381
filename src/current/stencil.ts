/**
 * 7-point cell-centred finite-volume stencil kernels on a structured [nz, ny, nx] grid (x fastest).
 *
 * Each kernel is a pure function of its inputs over a z-range [z0, z1), with no allocation and no
 * shared state, so it can run per slab in worker threads or be mirrored by a WGSL compute shader
 * (one invocation per cell, the same neighbour arithmetic) once the compute layer offers stencils.
 *
 * Operator (SPD): (A u)_i = d_i u_i − Σ_faces g_f u_nb, where
 *   gx[i] = conductance of the face between cell i and its +x neighbour (for the last cell of a row:
 *           the periodic wrap face, or 0 for insulating sides), likewise gy (+y, stride nx) and
 *   gz[i] = face to the +z neighbour (0 on the last layer; no wrap in z),
 *   d_i   = Σ of the six face conductances + Dirichlet conductances (top/bottom), or 1 for a cell
 *           without any conducting face (isolated pore cell: identity row).
 */

export interface StencilLevel {
  nx: number;
  ny: number;
  nz: number;
  gx: Float64Array;
  gy: Float64Array;
  gz: Float64Array;
  diag: Float64Array;
}

/** out = A u over layers [z0, z1). */
export function applyRange(L: StencilLevel, u: Float64Array, out: Float64Array, z0: number, z1: number): void {
  const { nx, ny, nz, gx, gy, gz, diag } = L;
  const plane = nx * ny;
  for (let z = z0; z < z1; z++) {
    for (let y = 0; y < ny; y++) {
      const row = z * plane + y * nx;
      const ym = y > 0 ? row - nx : row + (ny - 1) * nx; // -y neighbour row (wrap)
      const yp = y < ny - 1 ? row + nx : row - (ny - 1) * nx;
      const inner = z > 0 && z < nz - 1 && nx > 2;
      for (let x = 0; x < nx; x++) {
        const i = row + x;
        if (inner && x > 0 && x < nx - 1) {
          // interior fast path: no wrap, both z neighbours exist
          out[i] =
            diag[i] * u[i] - gx[i] * u[i + 1] - gx[i - 1] * u[i - 1] - gy[i] * u[yp + x] - gy[ym + x] * u[ym + x] -
            gz[i] * u[i + plane] - gz[i - plane] * u[i - plane];
          continue;
        }
        const xm = x > 0 ? i - 1 : i + nx - 1;
        const xp = x < nx - 1 ? i + 1 : i - nx + 1;
        let s = diag[i] * u[i] - gx[i] * u[xp] - gx[xm] * u[xm] - gy[i] * u[yp + x] - gy[ym + x] * u[ym + x];
        if (z < nz - 1) s -= gz[i] * u[i + plane];
        if (z > 0) s -= gz[i - plane] * u[i - plane];
        out[i] = s;
      }
    }
  }
}

/** r = b − A u over layers [z0, z1). */
export function residualRange(L: StencilLevel, u: Float64Array, b: Float64Array, r: Float64Array, z0: number, z1: number): void {
  applyRange(L, u, r, z0, z1);
  const plane = L.nx * L.ny;
  for (let i = z0 * plane, e = z1 * plane; i < e; i++) r[i] = b[i] - r[i];
}

/**
 * One Gauss–Seidel half-sweep over the cells of one colour ((x + y + z) & 1 === color) in layers
 * [z0, z1), in place. `reverse` visits them in the opposite order: a forward red+black sweep followed
 * by a reverse black+red sweep is exactly symmetric (each point update is A-self-adjoint, so the
 * adjoint of a sequence of updates is the reversed sequence) — also for odd periodic sizes, where two
 * same-coloured cells meet across the wrap. Within one colour and layer the updates are independent
 * when the sizes are even, which is what a parallel (GPU) twin relies on.
 */
export function gsColorRange(L: StencilLevel, u: Float64Array, b: Float64Array, color: number, reverse: boolean, z0: number, z1: number): void {
  const { nx, ny, nz, gx, gy, gz, diag } = L;
  const plane = nx * ny;
  const zStart = reverse ? z1 - 1 : z0;
  const zEnd = reverse ? z0 - 1 : z1;
  const dz = reverse ? -1 : 1;
  for (let z = zStart; z !== zEnd; z += dz) {
    const yStart = reverse ? ny - 1 : 0;
    const yEnd = reverse ? -1 : ny;
    for (let y = yStart; y !== yEnd; y += dz) {
      const row = z * plane + y * nx;
      const ym = y > 0 ? row - nx : row + (ny - 1) * nx;
      const yp = y < ny - 1 ? row + nx : row - (ny - 1) * nx;
      const first = (color + y + z) & 1;
      let xs: number;
      let xe: number;
      let xd: number;
      if (!reverse) {
        xs = first;
        xe = nx;
        xd = 2;
      } else {
        const last = nx - 1 - ((nx - 1 - first) & 1);
        xs = last;
        xe = -1;
        xd = -2;
      }
      const inner = z > 0 && z < nz - 1 && nx > 2;
      for (let x = xs; reverse ? x > xe : x < xe; x += xd) {
        const i = row + x;
        if (inner && x > 0 && x < nx - 1) {
          u[i] =
            (b[i] + gx[i] * u[i + 1] + gx[i - 1] * u[i - 1] + gy[i] * u[yp + x] + gy[ym + x] * u[ym + x] +
              gz[i] * u[i + plane] + gz[i - plane] * u[i - plane]) /
            diag[i];
          continue;
        }
        const xm = x > 0 ? i - 1 : i + nx - 1;
        const xp = x < nx - 1 ? i + 1 : i - nx + 1;
        let s = b[i] + gx[i] * u[xp] + gx[xm] * u[xm] + gy[i] * u[yp + x] + gy[ym + x] * u[ym + x];
        if (z < nz - 1) s += gz[i] * u[i + plane];
        if (z > 0) s += gz[i - plane] * u[i - plane];
        u[i] = s / diag[i];
      }
    }
  }
}
