/**
 * Local thickness kernels (Hildebrand & Rüegsegger 1997, as in BoneJ): distance ridge detection and
 * ball rasterisation. Pure functions over typed arrays so they run in this thread or in workers.
 */

/** Neighbour offset classes up to reflection: components in {0, 1}, [dz, dy, dx]. */
const CLASSES: Array<[number, number, number]> = [
  [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1], [1, 1, 1],
];
const classOf = (a: number, b: number, c: number) => {
  const z = a !== 0 ? 1 : 0, y = b !== 0 ? 1 : 0, x = c !== 0 ? 1 : 0;
  return CLASSES.findIndex((e) => e[0] === z && e[1] === y && e[2] === x);
};

/**
 * For a digital ball B(D) = { integer offsets o : |o|² < D } (|·| physical, with the spacing),
 * M(D, e) = max over o ∈ B(D) of |o + e|² for the 7 neighbour classes e. Ball(p) ⊂ Ball(n) as
 * voxel sets exactly when D_n > M(D_p, n − p).
 */
function shiftedMax(D: number, sp: readonly number[]): Float64Array {
  const [sz, sy, sx] = sp;
  const out = new Float64Array(7).fill(-Infinity);
  for (let a = 0; (a * sz) ** 2 < D; a++) {
    const ra = D - (a * sz) ** 2;
    for (let b = 0; (b * sy) ** 2 < ra; b++) {
      const rb = ra - (b * sy) ** 2;
      // largest c ≥ 0 with (c·sx)² < rb
      let c = Math.ceil(Math.sqrt(rb) / sx) - 1;
      while (c > 0 && (c * sx) ** 2 >= rb) c--;
      while (((c + 1) * sx) ** 2 < rb) c++;
      for (let t = 0; t < 7; t++) {
        const e = CLASSES[t];
        const v = ((a + e[0]) * sz) ** 2 + ((b + e[1]) * sy) ** 2 + ((c + e[2]) * sx) ** 2;
        if (v > out[t]) out[t] = v;
      }
    }
  }
  return out;
}

/**
 * Distance ridge: phase voxels whose digital inscribed ball (voxel centres closer than the
 * distance) is not contained in the ball of one of their 26 neighbours (the BoneJ criterion; the
 * containment test is exact for voxel sets via `shiftedMax`). Balls of non-ridge voxels never
 * change the local thickness, so the result equals the brute force over all voxels.
 * Returns the ridge voxel indices and their radii for slices [z0, z1).
 */
export function distanceRidge(
  dist: Float32Array,
  labels: ArrayLike<number>,
  label: number,
  shape: readonly number[],
  spacing: readonly number[],
  z0: number,
  z1: number,
): { centres: Int32Array; radii: Float32Array } {
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const offs: number[] = [];
  const cls: number[] = [];
  const dzs: number[] = [];
  const dys: number[] = [];
  const dxs: number[] = [];
  for (let a = -1; a <= 1; a++)
    for (let b = -1; b <= 1; b++)
      for (let c = -1; c <= 1; c++) {
        if (!a && !b && !c) continue;
        offs.push(a * plane + b * nx + c);
        cls.push(classOf(a, b, c));
        dzs.push(a);
        dys.push(b);
        dxs.push(c);
      }
  const nn = offs.length;
  // D of a voxel: squared distance, shrunk a hair so that voxels at exactly the distance (outside
  // the phase) are excluded despite float32 rounding.
  const Dof = (d: number) => d * d * (1 - 1e-6);
  const memo = new Map<number, Float64Array>();
  let cap = 1024;
  let centres = new Int32Array(cap);
  let radii = new Float32Array(cap);
  let count = 0;
  for (let k = z0; k < z1; k++) {
    for (let j = 0; j < ny; j++) {
      const interiorKJ = k > 0 && k < nz - 1 && j > 0 && j < ny - 1;
      for (let i = 0; i < nx; i++) {
        const idx = k * plane + j * nx + i;
        if (labels[idx] !== label) continue;
        const r = dist[idx];
        if (!(r > 0) || r === Infinity) continue;
        let M = memo.get(r);
        if (!M) {
          M = shiftedMax(Dof(r), spacing);
          memo.set(r, M);
        }
        let ridge = true;
        const interior = interiorKJ && i > 0 && i < nx - 1;
        for (let t = 0; t < nn; t++) {
          if (!interior) {
            const kk = k + dzs[t];
            const jj = j + dys[t];
            const ii = i + dxs[t];
            if (kk < 0 || kk >= nz || jj < 0 || jj >= ny || ii < 0 || ii >= nx) continue;
          }
          const dn = dist[idx + offs[t]];
          if (dn > r && Dof(dn) > M[cls[t]]) {
            ridge = false;
            break;
          }
        }
        if (!ridge) continue;
        if (count === cap) {
          cap *= 2;
          const c2 = new Int32Array(cap);
          c2.set(centres);
          centres = c2;
          const r2 = new Float32Array(cap);
          r2.set(radii);
          radii = r2;
        }
        centres[count] = idx;
        radii[count] = r;
        count++;
      }
    }
  }
  return { centres: centres.subarray(0, count), radii: radii.subarray(0, count) };
}

/**
 * The ball indices by decreasing radius (ties in index order), or null when `radii` already is
 * non-increasing. A counting sort over the distinct radii: O(B log distinct).
 */
export function descendingOrder(radii: Float32Array): Int32Array | null {
  const B = radii.length;
  let sorted = true;
  for (let b = 1; b < B && sorted; b++) if (radii[b] > radii[b - 1]) sorted = false;
  if (sorted) return null;
  const distinct = Float32Array.from(radii).sort();
  let d = 0;
  for (let i = 0; i < B; i++) if (i === 0 || distinct[i] !== distinct[d - 1]) distinct[d++] = distinct[i];
  const rank = new Int32Array(B);
  const start = new Int32Array(d + 1);
  for (let b = 0; b < B; b++) {
    const r = radii[b];
    let lo = 0;
    let hi = d - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (distinct[mid] < r) lo = mid + 1;
      else hi = mid;
    }
    rank[b] = d - 1 - lo; // 0 = largest
    start[rank[b] + 1]++;
  }
  for (let i = 0; i < d; i++) start[i + 1] += start[i];
  const order = new Int32Array(B);
  for (let b = 0; b < B; b++) order[start[rank[b]]++] = b;
  return order;
}

/** Centres and radii reordered by decreasing radius (for workers that share one order). */
export function sortBallsDescending(centres: Int32Array, radii: Float32Array): { centres: Int32Array; radii: Float32Array } {
  const order = descendingOrder(radii);
  if (!order) return { centres, radii };
  return { centres: Int32Array.from(order, (b) => centres[b]), radii: Float32Array.from(order, (b) => radii[b]) };
}

/** Output voxels per chunk of the "next unpainted voxel" links (4 B each). */
const CHUNK_VOXELS = 1 << 22;

/**
 * Rasterise ridge balls into `out` for output slices [z0, z1): every phase voxel whose centre lies
 * strictly inside a ball gets max(current, ball diameter). The ball of centre c and radius r holds
 * the voxels q with |q − c| < r (µm), which are all in the phase since r is the distance from c to
 * the nearest voxel outside it. Runs a row span per (z, y).
 *
 * Balls go by decreasing radius, so the first ball to reach a voxel sets its value; painted voxels
 * are skipped through "next unpainted voxel" links (path halving), so each voxel is written once
 * instead of once per covering ball (256³ smooth field: 2.9·10⁹ voxel visits become one link walk
 * per row span; −25 to −35 % cpu). `out` must hold no value above the balls' (every caller starts
 * it at 0). The links take 4 B per voxel of a chunk of at most CHUNK_VOXELS.
 */
export function rasterBalls(
  out: Float32Array,
  labels: ArrayLike<number>,
  label: number,
  shape: readonly number[],
  spacing: readonly number[],
  centres: Int32Array,
  radii: Float32Array,
  z0: number,
  z1: number,
): void {
  const plane = shape[1] * shape[2];
  const order = descendingOrder(radii);
  const step = Math.max(1, Math.floor(CHUNK_VOXELS / plane));
  const next = new Int32Array(Math.min(z1 - z0, step) * plane + 1);
  for (let c0 = z0; c0 < z1; c0 += step) paintChunk(out, labels, label, shape, spacing, centres, radii, order, c0, Math.min(z1, c0 + step), next);
}

function paintChunk(
  out: Float32Array,
  labels: ArrayLike<number>,
  label: number,
  shape: readonly number[],
  spacing: readonly number[],
  centres: Int32Array,
  radii: Float32Array,
  order: Int32Array | null,
  z0: number,
  z1: number,
  next: Int32Array,
): void {
  const [, ny, nx] = shape;
  const [dz, dy, dx] = spacing;
  const plane = ny * nx;
  const base = z0 * plane;
  const len = (z1 - z0) * plane;
  for (let i = 0; i <= len; i++) next[i] = i;
  // Row half-widths of the current radius's digital ball, m[(dk + RZ)·W + dj + RY] (−1: no voxel);
  // balls come by radius, so one table serves every ball of that radius.
  let table = new Int32Array(0);
  let tr = NaN;
  let RZ = 0;
  let RY = 0;
  let W = 0;
  for (let o = 0; o < radii.length; o++) {
    const b = order ? order[o] : o;
    const r = radii[b];
    const c = centres[b];
    const kc = Math.floor(c / plane);
    const rest = c - kc * plane;
    const jc = Math.floor(rest / nx);
    const ic = rest - jc * nx;
    const rz = Math.ceil(r / dz);
    const ka = Math.max(z0, kc - rz);
    const kb = Math.min(z1 - 1, kc + rz);
    if (ka > kb) continue;
    const diam = 2 * r;
    if (r !== tr) {
      tr = r;
      RZ = rz;
      RY = Math.ceil(r / dy);
      W = 2 * RY + 1;
      if (table.length < (2 * RZ + 1) * W) table = new Int32Array((2 * RZ + 1) * W);
      const r2 = r * r * (1 - 1e-6); // same digital ball as distanceRidge (see Dof there)
      for (let dk = -RZ; dk <= RZ; dk++) {
        const ez = dk * dz;
        const remZ = r2 - ez * ez;
        for (let dj = -RY; dj <= RY; dj++) {
          const ey = dj * dy;
          const remY = remZ - ey * ey;
          // |di| < span; the row is empty when remZ or remY ≤ 0
          table[(dk + RZ) * W + dj + RY] = remZ > 0 && remY > 0 ? Math.ceil(Math.sqrt(remY) / dx) - 1 : -1;
        }
      }
    }
    for (let k = ka; k <= kb; k++) {
      const tk = (k - kc + RZ) * W + RY - jc;
      const ja = Math.max(0, jc - RY);
      const jb = Math.min(ny - 1, jc + RY);
      for (let j = ja; j <= jb; j++) {
        const m = table[tk + j];
        if (m < 0) continue;
        const row = k * plane + j * nx - base;
        const end = row + Math.min(nx - 1, ic + m);
        let q = row + Math.max(0, ic - m);
        for (;;) {
          // first unpainted voxel at or after q (next[len] = len ends every walk)
          while (next[q] !== q) {
            const g = next[next[q]];
            next[q] = g;
            q = g;
          }
          if (q > end) break;
          if (labels[q + base] === label) out[q + base] = diam;
          next[q] = q + 1;
          q++;
        }
      }
    }
  }
}
