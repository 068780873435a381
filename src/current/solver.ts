/**
 * Steady conduction through an electrolyte slab under a contact map: cell-centred finite volumes,
 * matrix-free CG preconditioned by a geometric multigrid V-cycle.
 *
 * Geometry: nx × ny pixels (dx, dy µm) × nz layers (dz = L/nz µm); layer 0 touches the contact map
 * (top), layer nz−1 the counter electrode (bottom). Work is done with σ = 1 (lengths in µm): a
 * contact face conducts A/(dz/2 + ρ) with ρ = σ·Rct (µm; 0 = primary distribution, Dirichlet φ = 0
 * at the face), the bottom face A/(dz/2) to φ = 1, interior faces A/h; sides periodic (wrap) or
 * insulating. Optional `conducting` mask [nz·ny·nx]: faces touching a non-conducting (pore) cell
 * carry nothing, and conducting cells not connected to any electrode are cut out (identity rows).
 *
 * Multigrid (Galerkin-free, rediscretised): cells agglomerate 2 per coarsened axis; an axis is
 * coarsened while its size is even and its spacing is within 1.5× of the finest coarsenable one
 * (semi-coarsening for anisotropic cells). Coarse face conductance = Σ(fine face conductances on
 * the coarse face) / (coarsening factor along the face normal), the rediscretisation of A/h; the
 * electrode faces are rediscretised from their conducting areas with the coarse half-cell distance.
 * Prolongation constant (injection; default) or trilinear between cell centres, restriction its
 * transpose; smoothing = 2 red-black Gauss–Seidel sweeps (forward before, exactly reversed after: the
 * preconditioner is SPD), the
 * coarsest level solved by banded Cholesky. CG (flexible β) stops at ‖b − Au‖/‖b‖ ≤ tol.
 * An axis coarsened to a single cell drops its self-face (it would otherwise stiffen the direct solve).
 */
import { applyRange, gsColorRange, residualRange, type StencilLevel } from './stencil.js';

export type Sides = 'periodic' | 'insulating';

export interface ConductionProblem {
  nx: number;
  ny: number;
  nz: number;
  /** Pixel size (µm). */
  dx: number;
  dy: number;
  /** Layer thickness (µm). */
  dz: number;
  /** [ny·nx], nonzero = contact on the top face. */
  contact: ArrayLike<number>;
  /** σ·Rct in µm (0: equipotential contacts). */
  rho?: number;
  sides?: Sides;
  /** [nz·ny·nx], nonzero = conducting electrolyte; null/undefined: all conduct. */
  conducting?: Uint8Array | null;
}

export interface Level extends StencilLevel {
  hx: number;
  hy: number;
  hz: number;
  /** Conducting contact area (µm²) of each top cell's footprint, and conducting bottom area. */
  topArea: Float64Array;
  botArea: Float64Array;
  gTop: Float64Array;
  gBot: Float64Array;
  /** Coarsening factors to the next level (set when a coarser level exists). */
  cx: number;
  cy: number;
  cz: number;
  /** Lateral sides wrap (periodic) rather than insulate. */
  periodic: boolean;
  /** Built with a conducting mask (pores). */
  masked: boolean;
}

export interface SolveOptions {
  tol?: number;
  maxIter?: number;
  /** Initial guess (warm start); length nz·ny·nx. */
  x0?: Float64Array;
  /** Gauss–Seidel sweeps (red+black) before and after the coarse correction. Default 2. */
  sweeps?: number;
  /** Multigrid prolongation (default constant). */
  prolongation?: Prolongation;
  onIteration?: (iter: number, relres: number) => void;
}

export interface SolveStats {
  iterations: number;
  relative_residual: number;
  residual_history: number[];
  levels: number;
  level_shapes: [number, number, number][];
  setup_s: number;
  solve_s: number;
  converged: boolean;
}

export interface ConductionSolution {
  /** Potential per cell (bottom electrode at 1, contacts at 0). */
  phi: Float64Array;
  /** Current density into each top face (σ = 1 units, per µm²): [ny·nx], 0 off contact. */
  jTop: Float64Array;
  /** Total current (σ = 1 units). */
  current: number;
  /** Area-specific resistance in µm (multiply by 1e-4/σ[S/cm] for Ω·cm²). */
  resistanceUm: number;
  stats: SolveStats;
}

export const now = () => performance.now() / 1000;

/** Cells connected (through conducting faces) to an electrode; others are cut out. */
function connectedToElectrodes(L: Level): Uint8Array {
  const { nx, ny, nz, gx, gy, gz, gTop, gBot } = L;
  const plane = nx * ny;
  const n = plane * nz;
  const seen = new Uint8Array(n);
  const stack = new Int32Array(n);
  let sp = 0;
  for (let p = 0; p < plane; p++) {
    if (gTop[p] > 0 && !seen[p]) ((seen[p] = 1), (stack[sp++] = p));
    const q = (nz - 1) * plane + p;
    if (gBot[p] > 0 && !seen[q]) ((seen[q] = 1), (stack[sp++] = q));
  }
  while (sp > 0) {
    const i = stack[--sp];
    const z = (i / plane) | 0;
    const r = i - z * plane;
    const y = (r / nx) | 0;
    const x = r - y * nx;
    const row = i - x;
    const xm = x > 0 ? i - 1 : i + nx - 1;
    const xp = x < nx - 1 ? i + 1 : i - nx + 1;
    const ym = y > 0 ? i - nx : i + (ny - 1) * nx;
    const yp = y < ny - 1 ? i + nx : i - (ny - 1) * nx;
    void row;
    const visit = (j: number, g: number) => {
      if (g > 0 && !seen[j]) {
        seen[j] = 1;
        stack[sp++] = j;
      }
    };
    visit(xp, gx[i]);
    visit(xm, gx[xm]);
    visit(yp, gy[i]);
    visit(ym, gy[ym]);
    if (z < nz - 1) visit(i + plane, gz[i]);
    if (z > 0) visit(i - plane, gz[i - plane]);
  }
  return seen;
}

function finishLevel(L: Level, rho: number): void {
  const { nx, ny, nz, gx, gy, gz, diag, topArea, botArea, gTop, gBot, hz } = L;
  const plane = nx * ny;
  for (let p = 0; p < plane; p++) {
    gTop[p] = topArea[p] > 0 ? topArea[p] / (hz / 2 + rho) : 0;
    gBot[p] = botArea[p] > 0 ? botArea[p] / (hz / 2) : 0;
  }
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const i = z * plane + y * nx + x;
        const xm = x > 0 ? i - 1 : i + nx - 1;
        const ym = y > 0 ? i - nx : i + (ny - 1) * nx;
        let d = gx[i] + gx[xm] + gy[i] + gy[ym];
        if (z < nz - 1) d += gz[i];
        if (z > 0) d += gz[i - plane];
        if (z === 0) d += gTop[i];
        if (z === nz - 1) d += gBot[i - z * plane];
        diag[i] = d > 0 ? d : 1;
      }
}

/** Finest level from the problem. */
export function buildFineLevel(p: ConductionProblem): Level {
  const { nx, ny, nz, dx, dy, dz } = p;
  const rho = p.rho ?? 0;
  const periodic = (p.sides ?? 'periodic') === 'periodic';
  const plane = nx * ny;
  const n = plane * nz;
  const cond = p.conducting ?? null;
  const gx = new Float64Array(n);
  const gy = new Float64Array(n);
  const gz = new Float64Array(n);
  const ax = (dy * dz) / dx;
  const ay = (dx * dz) / dy;
  const az = (dx * dy) / dz;
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const i = z * plane + y * nx + x;
        const c = cond ? cond[i] !== 0 : true;
        if (nx > 1 && (x < nx - 1 || periodic)) {
          const j = x < nx - 1 ? i + 1 : i - nx + 1;
          gx[i] = c && (!cond || cond[j] !== 0) ? ax : 0;
        }
        if (ny > 1 && (y < ny - 1 || periodic)) {
          const j = y < ny - 1 ? i + nx : i - (ny - 1) * nx;
          gy[i] = c && (!cond || cond[j] !== 0) ? ay : 0;
        }
        if (z < nz - 1) gz[i] = c && (!cond || cond[i + plane] !== 0) ? az : 0;
      }
  const topArea = new Float64Array(plane);
  const botArea = new Float64Array(plane);
  for (let q = 0; q < plane; q++) {
    if (p.contact[q] > 0 && (!cond || cond[q] !== 0)) topArea[q] = dx * dy;
    if (!cond || cond[(nz - 1) * plane + q] !== 0) botArea[q] = dx * dy;
  }
  const L: Level = {
    nx, ny, nz, gx, gy, gz, diag: new Float64Array(n), hx: dx, hy: dy, hz: dz,
    topArea, botArea, gTop: new Float64Array(plane), gBot: new Float64Array(plane), cx: 1, cy: 1, cz: 1,
    periodic, masked: cond !== null,
  };
  finishLevel(L, rho);
  if (cond) {
    const ok = connectedToElectrodes(L);
    let cut = 0;
    for (let i = 0; i < n; i++) {
      if (ok[i]) continue;
      cut++;
      const z = (i / plane) | 0;
      const r = i - z * plane;
      const y = (r / nx) | 0;
      const x = r - y * nx;
      gx[i] = 0;
      gx[x > 0 ? i - 1 : i + nx - 1] = 0;
      gy[i] = 0;
      gy[y > 0 ? i - nx : i + (ny - 1) * nx] = 0;
      gz[i] = 0;
      if (z > 0) gz[i - plane] = 0;
      if (z === 0) topArea[r] = 0;
      if (z === nz - 1) botArea[r] = 0;
    }
    if (cut) finishLevel(L, rho);
  }
  return L;
}

function coarsenable(n: number): boolean {
  return n >= 2 && n % 2 === 0;
}

/** Next coarser level, or null when no axis can be coarsened. */
export function coarsen(F: Level, rho: number): Level | null {
  const cand = [
    coarsenable(F.nx) ? F.hx : Infinity,
    coarsenable(F.ny) ? F.hy : Infinity,
    coarsenable(F.nz) ? F.hz : Infinity,
  ];
  const hmin = Math.min(...cand);
  if (!Number.isFinite(hmin)) return null;
  const [cx, cy, cz] = cand.map((h) => (h <= 1.5 * hmin ? 2 : 1));
  F.cx = cx;
  F.cy = cy;
  F.cz = cz;
  const nx = F.nx / cx;
  const ny = F.ny / cy;
  const nz = F.nz / cz;
  const plane = nx * ny;
  const n = plane * nz;
  const fplane = F.nx * F.ny;
  const gx = new Float64Array(n);
  const gy = new Float64Array(n);
  const gz = new Float64Array(n);
  for (let Z = 0; Z < nz; Z++)
    for (let Y = 0; Y < ny; Y++)
      for (let X = 0; X < nx; X++) {
        const I = Z * plane + Y * nx + X;
        let sx = 0;
        let sy = 0;
        let sz = 0;
        for (let dz = 0; dz < cz; dz++)
          for (let dy = 0; dy < cy; dy++) {
            // +x face: last fine cell along x in the agglomerate
            sx += F.gx[(Z * cz + dz) * fplane + (Y * cy + dy) * F.nx + X * cx + cx - 1];
          }
        for (let dz = 0; dz < cz; dz++)
          for (let dx = 0; dx < cx; dx++) sy += F.gy[(Z * cz + dz) * fplane + (Y * cy + cy - 1) * F.nx + X * cx + dx];
        for (let dy = 0; dy < cy; dy++)
          for (let dx = 0; dx < cx; dx++) sz += F.gz[(Z * cz + cz - 1) * fplane + (Y * cy + dy) * F.nx + X * cx + dx];
        // an axis coarsened to one cell: its (periodic) face joins the cell to itself and carries nothing
        gx[I] = nx > 1 ? sx / cx : 0;
        gy[I] = ny > 1 ? sy / cy : 0;
        gz[I] = Z < nz - 1 ? sz / cz : 0;
      }
  const topArea = new Float64Array(plane);
  const botArea = new Float64Array(plane);
  for (let Y = 0; Y < ny; Y++)
    for (let X = 0; X < nx; X++)
      for (let dy = 0; dy < cy; dy++)
        for (let dx = 0; dx < cx; dx++) {
          const f = (Y * cy + dy) * F.nx + X * cx + dx;
          topArea[Y * nx + X] += F.topArea[f];
          botArea[Y * nx + X] += F.botArea[f];
        }
  const C: Level = {
    nx, ny, nz, gx, gy, gz, diag: new Float64Array(n), hx: F.hx * cx, hy: F.hy * cy, hz: F.hz * cz,
    topArea, botArea, gTop: new Float64Array(plane), gBot: new Float64Array(plane), cx: 1, cy: 1, cz: 1,
    periodic: F.periodic, masked: F.masked,
  };
  finishLevel(C, rho);
  return C;
}

/**
 * Prolongation along one axis: fine cell i takes w0[i]·U[p0[i]] + w1[i]·U[p1[i]]. Coarsened axes
 * (factor 2) interpolate linearly between cell centres (weights 3/4 to the parent, 1/4 to the
 * parent's neighbour on the side of i; wrapped on periodic axes, weight 1 to the parent at a
 * non-periodic boundary); uncoarsened axes copy. 'constant' gives injection (weight 1 to the parent).
 */
export interface AxisMap {
  p0: Int32Array;
  p1: Int32Array;
  w0: Float64Array;
  w1: Float64Array;
}

export type Prolongation = 'trilinear' | 'constant';

export function axisMap(n: number, c: number, periodic: boolean, kind: Prolongation): AxisMap {
  const p0 = new Int32Array(n);
  const p1 = new Int32Array(n);
  const w0 = new Float64Array(n);
  const w1 = new Float64Array(n);
  const N = n / c;
  for (let i = 0; i < n; i++) {
    const P = c === 2 ? i >> 1 : i;
    p0[i] = P;
    p1[i] = P;
    w0[i] = 1;
    w1[i] = 0;
    if (c !== 2 || kind === 'constant' || N < 2) continue;
    let Q = i & 1 ? P + 1 : P - 1;
    if (Q < 0 || Q >= N) {
      if (!periodic) continue;
      Q = (Q + N) % N;
    }
    p1[i] = Q;
    w0[i] = 0.75;
    w1[i] = 0.25;
  }
  return { p0, p1, w0, w1 };
}

export interface Transfer {
  x: AxisMap;
  y: AxisMap;
  z: AxisMap;
}

export function transferOf(F: Level, periodic: boolean, kind: Prolongation): Transfer {
  return {
    x: axisMap(F.nx, F.cx, periodic, kind),
    y: axisMap(F.ny, F.cy, periodic, kind),
    z: axisMap(F.nz, F.cz, false, kind),
  };
}

/** r_c = Pᵀ r_f (the transpose of the prolongation: a weighted sum over the fine cells). */
export function restrict(F: Level, C: Level, T: Transfer, rf: Float64Array, rc: Float64Array): void {
  rc.fill(0);
  const fplane = F.nx * F.ny;
  const plane = C.nx * C.ny;
  const { x: X, y: Y, z: Z } = T;
  for (let z = 0; z < F.nz; z++) {
    for (let y = 0; y < F.ny; y++) {
      const fo = z * fplane + y * F.nx;
      for (let a = 0; a < 2; a++) {
        const wz = a ? Z.w1[z] : Z.w0[z];
        if (wz === 0) continue;
        const zo = (a ? Z.p1[z] : Z.p0[z]) * plane;
        for (let b = 0; b < 2; b++) {
          const wzy = wz * (b ? Y.w1[y] : Y.w0[y]);
          if (wzy === 0) continue;
          const co = zo + (b ? Y.p1[y] : Y.p0[y]) * C.nx;
          for (let x = 0; x < F.nx; x++) {
            const v = wzy * rf[fo + x];
            rc[co + X.p0[x]] += X.w0[x] * v;
            if (X.w1[x] !== 0) rc[co + X.p1[x]] += X.w1[x] * v;
          }
        }
      }
    }
  }
}

/** u_f += P u_c. */
export function prolongAdd(F: Level, C: Level, T: Transfer, uc: Float64Array, uf: Float64Array): void {
  const fplane = F.nx * F.ny;
  const plane = C.nx * C.ny;
  const { x: X, y: Y, z: Z } = T;
  for (let z = 0; z < F.nz; z++) {
    for (let y = 0; y < F.ny; y++) {
      const fo = z * fplane + y * F.nx;
      for (let a = 0; a < 2; a++) {
        const wz = a ? Z.w1[z] : Z.w0[z];
        if (wz === 0) continue;
        const zo = (a ? Z.p1[z] : Z.p0[z]) * plane;
        for (let b = 0; b < 2; b++) {
          const wzy = wz * (b ? Y.w1[y] : Y.w0[y]);
          if (wzy === 0) continue;
          const co = zo + (b ? Y.p1[y] : Y.p0[y]) * C.nx;
          for (let x = 0; x < F.nx; x++) uf[fo + x] += wzy * (X.w0[x] * uc[co + X.p0[x]] + X.w1[x] * uc[co + X.p1[x]]);
        }
      }
    }
  }
}

/** Banded Cholesky of a level's matrix (bandwidth nx·ny in the z-major ordering). */
export class BandCholesky {
  private readonly n: number;
  private readonly b: number;
  private readonly a: Float64Array; // row i holds L[i, i−b … i] at i*(b+1) + (j − i + b)
  constructor(L: StencilLevel) {
    const { nx, ny, nz, gx, gy, gz, diag } = L;
    const plane = nx * ny;
    const n = plane * nz;
    const b = nz > 1 ? plane : Math.max(1, Math.min(plane - 1, plane));
    this.n = n;
    this.b = b;
    const w = b + 1;
    const a = new Float64Array(n * w);
    const set = (i: number, j: number, v: number) => {
      // lower triangle only
      if (j > i) [i, j] = [j, i];
      if (i === j) return;
      a[i * w + (j - i + b)] -= v;
    };
    for (let i = 0; i < n; i++) a[i * w + b] = diag[i];
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++) {
          const i = z * plane + y * nx + x;
          const xp = x < nx - 1 ? i + 1 : i - nx + 1;
          const yp = y < ny - 1 ? i + nx : i - (ny - 1) * nx;
          if (gx[i] !== 0 && xp !== i) set(i, xp, gx[i]);
          if (gy[i] !== 0 && yp !== i) set(i, yp, gy[i]);
          if (z < nz - 1 && gz[i] !== 0) set(i, i + plane, gz[i]);
        }
    // in-place banded Cholesky
    for (let i = 0; i < n; i++) {
      const j0 = Math.max(0, i - b);
      for (let j = j0; j <= i; j++) {
        let s = a[i * w + (j - i + b)];
        const k0 = Math.max(j0, j - b);
        for (let k = k0; k < j; k++) s -= a[i * w + (k - i + b)] * a[j * w + (k - j + b)];
        if (j === i) {
          if (!(s > 0)) throw new Error('coarse matrix not positive definite');
          a[i * w + b] = Math.sqrt(s);
        } else a[i * w + (j - i + b)] = s / a[j * w + b];
      }
    }
    this.a = a;
  }
  static cost(L: StencilLevel): number {
    const plane = L.nx * L.ny;
    return plane * L.nz * plane * plane;
  }
  solve(rhs: Float64Array, x: Float64Array): void {
    const { n, b, a } = this;
    const w = b + 1;
    for (let i = 0; i < n; i++) {
      let s = rhs[i];
      for (let k = Math.max(0, i - b); k < i; k++) s -= a[i * w + (k - i + b)] * x[k];
      x[i] = s / a[i * w + b];
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = x[i];
      for (let k = i + 1; k <= Math.min(n - 1, i + b); k++) s -= a[k * w + (i - k + b)] * x[k];
      x[i] = s / a[i * w + b];
    }
  }
}

export interface MultigridOptions {
  /** Gauss–Seidel sweeps (red+black) before and after the coarse correction. Default 1. */
  sweeps?: number;
  /** Stop coarsening at this many cells (solved directly). Default 1024. */
  maxCoarseCells?: number;
  /** Default constant (injection; measured faster than trilinear with 2 sweeps, see DEFAULT_SWEEPS). */
  prolongation?: Prolongation;
}

/**
 * Defaults measured on the 256×256×64 benchmark map (scripts/bench/current.ts, 1e-8): constant
 * prolongation with 2 sweeps: 8 CG iterations, 0.074 residual reduction per iteration; trilinear
 * with 2 sweeps: 9 iterations, 0.117; constant with 1 sweep: 16 iterations, 0.30.
 */
export const DEFAULT_SWEEPS = 2;
export const DEFAULT_PROLONGATION: Prolongation = 'constant';

/** z = M⁻¹ r: the preconditioner interface of pcg (sync on the cpu, async with the gpu). */
export interface Preconditioner {
  precondition(r: Float64Array, z: Float64Array): void | Promise<void>;
}

export class Multigrid implements Preconditioner {
  readonly levels: Level[];
  readonly transfers: Transfer[];
  readonly prolongation: Prolongation;
  readonly sweeps: number;
  readonly r: Float64Array[];
  readonly b: Float64Array[];
  readonly u: Float64Array[];
  readonly coarse: BandCholesky | null;
  constructor(fine: Level, rho: number, o: MultigridOptions = {}) {
    this.sweeps = o.sweeps ?? DEFAULT_SWEEPS;
    const maxCoarseCells = o.maxCoarseCells ?? 1024;
    this.prolongation = o.prolongation ?? DEFAULT_PROLONGATION;
    const levels = [fine];
    for (;;) {
      const last = levels[levels.length - 1];
      if (last.nx * last.ny * last.nz <= maxCoarseCells) break;
      const c = coarsen(last, rho);
      if (!c) break;
      levels.push(c);
    }
    this.levels = levels;
    this.transfers = levels.slice(0, -1).map((L) => transferOf(L, L.periodic, this.prolongation));
    const size = (L: Level) => L.nx * L.ny * L.nz;
    this.r = levels.map((L) => new Float64Array(size(L)));
    this.b = levels.map((L) => new Float64Array(size(L)));
    this.u = levels.map((L) => new Float64Array(size(L)));
    const last = levels[levels.length - 1];
    this.coarse = BandCholesky.cost(last) <= 4e8 ? new BandCholesky(last) : null;
  }

  private smooth(l: number, post: boolean): void {
    const L = this.levels[l];
    const u = this.u[l];
    const b = this.b[l];
    for (let s = 0; s < this.sweeps; s++) {
      if (!post) {
        gsColorRange(L, u, b, 0, false, 0, L.nz);
        gsColorRange(L, u, b, 1, false, 0, L.nz);
      } else {
        gsColorRange(L, u, b, 1, true, 0, L.nz);
        gsColorRange(L, u, b, 0, true, 0, L.nz);
      }
    }
  }

  /** Coarsest level: u = A⁻¹ b (direct), or many symmetric Gauss–Seidel sweeps when too large. */
  solveCoarsest(b: Float64Array, u: Float64Array): void {
    const l = this.levels.length - 1;
    const L = this.levels[l];
    if (this.coarse) {
      this.coarse.solve(b, u);
      return;
    }
    u.fill(0);
    for (let k = 0; k < 20; k++) {
      gsColorRange(L, u, b, 0, false, 0, L.nz);
      gsColorRange(L, u, b, 1, false, 0, L.nz);
    }
    for (let k = 0; k < 20; k++) {
      gsColorRange(L, u, b, 1, true, 0, L.nz);
      gsColorRange(L, u, b, 0, true, 0, L.nz);
    }
  }

  private cycle(l: number): void {
    const L = this.levels[l];
    const u = this.u[l];
    if (l === this.levels.length - 1) {
      this.solveCoarsest(this.b[l], u);
      return;
    }
    u.fill(0);
    this.smooth(l, false);
    residualRange(L, u, this.b[l], this.r[l], 0, L.nz);
    restrict(L, this.levels[l + 1], this.transfers[l], this.r[l], this.b[l + 1]);
    this.cycle(l + 1);
    prolongAdd(L, this.levels[l + 1], this.transfers[l], this.u[l + 1], u);
    this.smooth(l, true);
  }

  /** z = M⁻¹ r (one V-cycle from zero). */
  precondition(r: Float64Array, z: Float64Array): void {
    this.b[0].set(r);
    this.cycle(0);
    z.set(this.u[0]);
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Right-hand side: bottom electrode at potential 1. */
export function rhsOf(L: Level): Float64Array {
  const b = new Float64Array(L.nx * L.ny * L.nz);
  const off = (L.nz - 1) * L.nx * L.ny;
  for (let p = 0; p < L.nx * L.ny; p++) b[off + p] = L.gBot[p];
  return b;
}

export interface PcgResult {
  u: Float64Array;
  iterations: number;
  relres: number;
  history: number[];
  converged: boolean;
}

/**
 * Preconditioned CG on A u = b (A applied matrix-free in float64 on the cpu). β is the
 * Polak–Ribière (flexible) form β = zₖ₊₁·(rₖ₊₁ − rₖ)/(zₖ·rₖ), equal to Fletcher–Reeves for an exact
 * symmetric preconditioner and robust when the preconditioner is slightly non-symmetric (the gpu
 * V-cycle in float32). The body is a generator that yields wherever it needs z = M⁻¹ r, so one
 * implementation serves the sync (cpu) and async (gpu) drivers.
 */
function* pcgCore(L: Level, b: Float64Array, o: SolveOptions, r: Float64Array, z: Float64Array): Generator<void, PcgResult, void> {
  const tol = o.tol ?? 1e-8;
  const maxIter = o.maxIter ?? 500;
  const n = b.length;
  const u = o.x0 ? Float64Array.from(o.x0) : new Float64Array(n);
  const p = new Float64Array(n);
  const q = new Float64Array(n);
  const rOld = new Float64Array(n);
  residualRange(L, u, b, r, 0, L.nz);
  const bn = Math.sqrt(dot(b, b)) || 1;
  let rel = Math.sqrt(dot(r, r)) / bn;
  const history = [rel];
  let it = 0;
  if (rel <= tol) return { u, iterations: 0, relres: rel, history, converged: true };
  yield; // z = M⁻¹ r
  p.set(z);
  let rz = dot(r, z);
  while (it < maxIter) {
    applyRange(L, p, q, 0, L.nz);
    const alpha = rz / dot(p, q);
    rOld.set(r);
    for (let i = 0; i < n; i++) {
      u[i] += alpha * p[i];
      r[i] -= alpha * q[i];
    }
    it++;
    rel = Math.sqrt(dot(r, r)) / bn;
    history.push(rel);
    o.onIteration?.(it, rel);
    if (rel <= tol) break;
    yield;
    let rz1 = 0;
    let zOld = 0;
    for (let i = 0; i < n; i++) {
      rz1 += r[i] * z[i];
      zOld += rOld[i] * z[i];
    }
    const beta = Math.max(0, (rz1 - zOld) / rz);
    rz = rz1;
    for (let i = 0; i < n; i++) p[i] = z[i] + beta * p[i];
  }
  // true residual (guards against drift of the recursive one)
  residualRange(L, u, b, r, 0, L.nz);
  rel = Math.sqrt(dot(r, r)) / bn;
  history[history.length - 1] = rel;
  return { u, iterations: it, relres: rel, history, converged: rel <= tol * 10 };
}

/** MG-preconditioned CG on A u = b (synchronous preconditioner). */
export function pcg(L: Level, mg: { precondition(r: Float64Array, z: Float64Array): void }, b: Float64Array, o: SolveOptions = {}): PcgResult {
  const r = new Float64Array(b.length);
  const z = new Float64Array(b.length);
  const g = pcgCore(L, b, o, r, z);
  for (;;) {
    const s = g.next();
    if (s.done) return s.value;
    mg.precondition(r, z);
  }
}

/** The same CG with an async preconditioner (gpu). */
export async function pcgAsync(L: Level, mg: Preconditioner, b: Float64Array, o: SolveOptions = {}): Promise<PcgResult> {
  const r = new Float64Array(b.length);
  const z = new Float64Array(b.length);
  const g = pcgCore(L, b, o, r, z);
  for (;;) {
    const s = g.next();
    if (s.done) return s.value;
    await mg.precondition(r, z);
  }
}

/** Current density, total current and resistance from a converged potential. */
export function finishSolution(p: ConductionProblem, fine: Level, mg: Multigrid, res: PcgResult, t0: number, t1: number, t2: number, tol: number): ConductionSolution {
  const plane = p.nx * p.ny;
  const jTop = new Float64Array(plane);
  let current = 0;
  for (let q = 0; q < plane; q++) {
    if (fine.gTop[q] > 0) {
      const i = fine.gTop[q] * res.u[q];
      current += i;
      jTop[q] = i / (p.dx * p.dy);
    }
  }
  const area = plane * p.dx * p.dy;
  return {
    phi: res.u,
    jTop,
    current,
    resistanceUm: current > 0 ? area / current : Infinity,
    stats: {
      iterations: res.iterations,
      relative_residual: res.relres,
      residual_history: res.history,
      levels: mg.levels.length,
      level_shapes: mg.levels.map((L) => [L.nz, L.ny, L.nx] as [number, number, number]),
      setup_s: t1 - t0,
      solve_s: t2 - t1,
      converged: res.relres <= tol * 10,
    },
  };
}

/** Solve the conduction problem: potential, contact current density, area-specific resistance (cpu). */
export function solveConduction(p: ConductionProblem, o: SolveOptions = {}): ConductionSolution {
  const t0 = now();
  const rho = p.rho ?? 0;
  const fine = buildFineLevel(p);
  const mg = new Multigrid(fine, rho, { sweeps: o.sweeps, prolongation: o.prolongation });
  const b = rhsOf(fine);
  const t1 = now();
  const res = pcg(fine, mg, b, o);
  return finishSolution(p, fine, mg, res, t0, t1, now(), o.tol ?? 1e-8);
}
