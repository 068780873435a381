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
 * Restriction = sum over the agglomerate, prolongation = injection (its transpose), smoothing =
 * red-black Gauss–Seidel (forward before, exactly reversed after: the preconditioner is SPD), the
 * coarsest level solved by banded Cholesky. CG stops at ‖b − Au‖/‖b‖ ≤ tol.
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
}

export interface SolveOptions {
  tol?: number;
  maxIter?: number;
  /** Initial guess (warm start); length nz·ny·nx. */
  x0?: Float64Array;
  /** Gauss–Seidel sweeps (red+black) before and after the coarse correction. Default 1. */
  sweeps?: number;
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

const now = () => performance.now() / 1000;

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
        gx[I] = sx / cx;
        gy[I] = sy / cy;
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
  };
  finishLevel(C, rho);
  return C;
}

/** r_c = Σ r_f over each agglomerate. */
function restrict(F: Level, C: Level, rf: Float64Array, rc: Float64Array): void {
  rc.fill(0);
  const { cx, cy, cz } = F;
  const fplane = F.nx * F.ny;
  const plane = C.nx * C.ny;
  for (let z = 0; z < F.nz; z++) {
    const Z = cz === 2 ? z >> 1 : z;
    for (let y = 0; y < F.ny; y++) {
      const Y = cy === 2 ? y >> 1 : y;
      const fo = z * fplane + y * F.nx;
      const co = Z * plane + Y * C.nx;
      if (cx === 2) for (let x = 0; x < F.nx; x++) rc[co + (x >> 1)] += rf[fo + x];
      else for (let x = 0; x < F.nx; x++) rc[co + x] += rf[fo + x];
    }
  }
}

/** u_f += u_c (injection). */
function prolongAdd(F: Level, C: Level, uc: Float64Array, uf: Float64Array): void {
  const { cx, cy, cz } = F;
  const fplane = F.nx * F.ny;
  const plane = C.nx * C.ny;
  for (let z = 0; z < F.nz; z++) {
    const Z = cz === 2 ? z >> 1 : z;
    for (let y = 0; y < F.ny; y++) {
      const Y = cy === 2 ? y >> 1 : y;
      const fo = z * fplane + y * F.nx;
      const co = Z * plane + Y * C.nx;
      if (cx === 2) for (let x = 0; x < F.nx; x++) uf[fo + x] += uc[co + (x >> 1)];
      else for (let x = 0; x < F.nx; x++) uf[fo + x] += uc[co + x];
    }
  }
}

/** Banded Cholesky of a level's matrix (bandwidth nx·ny in the z-major ordering). */
class BandCholesky {
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

export class Multigrid {
  readonly levels: Level[];
  private readonly r: Float64Array[];
  private readonly b: Float64Array[];
  private readonly u: Float64Array[];
  private readonly coarse: BandCholesky | null;
  constructor(fine: Level, rho: number, private readonly sweeps = 1, maxCoarseCells = 1024) {
    const levels = [fine];
    for (;;) {
      const last = levels[levels.length - 1];
      if (last.nx * last.ny * last.nz <= maxCoarseCells) break;
      const c = coarsen(last, rho);
      if (!c) break;
      levels.push(c);
    }
    this.levels = levels;
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

  private cycle(l: number): void {
    const L = this.levels[l];
    const u = this.u[l];
    if (l === this.levels.length - 1) {
      if (this.coarse) this.coarse.solve(this.b[l], u);
      else {
        u.fill(0);
        for (let k = 0; k < 20; k++) {
          gsColorRange(L, u, this.b[l], 0, false, 0, L.nz);
          gsColorRange(L, u, this.b[l], 1, false, 0, L.nz);
        }
        for (let k = 0; k < 20; k++) {
          gsColorRange(L, u, this.b[l], 1, true, 0, L.nz);
          gsColorRange(L, u, this.b[l], 0, true, 0, L.nz);
        }
      }
      return;
    }
    u.fill(0);
    this.smooth(l, false);
    residualRange(L, u, this.b[l], this.r[l], 0, L.nz);
    restrict(L, this.levels[l + 1], this.r[l], this.b[l + 1]);
    this.cycle(l + 1);
    prolongAdd(L, this.levels[l + 1], this.u[l + 1], u);
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

/** MG-preconditioned CG on A u = b. */
export function pcg(L: Level, mg: Multigrid, b: Float64Array, o: SolveOptions = {}): { u: Float64Array; iterations: number; relres: number; history: number[]; converged: boolean } {
  const tol = o.tol ?? 1e-8;
  const maxIter = o.maxIter ?? 500;
  const n = b.length;
  const u = o.x0 ? Float64Array.from(o.x0) : new Float64Array(n);
  const r = new Float64Array(n);
  const z = new Float64Array(n);
  const p = new Float64Array(n);
  const q = new Float64Array(n);
  residualRange(L, u, b, r, 0, L.nz);
  const bn = Math.sqrt(dot(b, b)) || 1;
  let rel = Math.sqrt(dot(r, r)) / bn;
  const history = [rel];
  let it = 0;
  if (rel <= tol) return { u, iterations: 0, relres: rel, history, converged: true };
  mg.precondition(r, z);
  p.set(z);
  let rz = dot(r, z);
  while (it < maxIter) {
    applyRange(L, p, q, 0, L.nz);
    const alpha = rz / dot(p, q);
    for (let i = 0; i < n; i++) {
      u[i] += alpha * p[i];
      r[i] -= alpha * q[i];
    }
    it++;
    rel = Math.sqrt(dot(r, r)) / bn;
    history.push(rel);
    o.onIteration?.(it, rel);
    if (rel <= tol) break;
    mg.precondition(r, z);
    const rz1 = dot(r, z);
    const beta = rz1 / rz;
    rz = rz1;
    for (let i = 0; i < n; i++) p[i] = z[i] + beta * p[i];
  }
  // true residual (guards against drift of the recursive one)
  residualRange(L, u, b, r, 0, L.nz);
  rel = Math.sqrt(dot(r, r)) / bn;
  history[history.length - 1] = rel;
  return { u, iterations: it, relres: rel, history, converged: rel <= tol * 10 };
}

/** Solve the conduction problem: potential, contact current density, area-specific resistance. */
export function solveConduction(p: ConductionProblem, o: SolveOptions = {}): ConductionSolution {
  const t0 = now();
  const rho = p.rho ?? 0;
  const fine = buildFineLevel(p);
  const mg = new Multigrid(fine, rho, o.sweeps ?? 1);
  const b = rhsOf(fine);
  const t1 = now();
  const res = pcg(fine, mg, b, o);
  const t2 = now();
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
      converged: res.relres <= (o.tol ?? 1e-8) * 10,
    },
  };
}
