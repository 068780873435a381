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
 * Rasterise ridge balls into `out` for output slices [z0, z1): every phase voxel whose centre lies
 * strictly inside a ball gets max(current, ball diameter). The ball of centre c and radius r holds
 * the voxels q with |q − c| < r (µm), which are all in the phase since r is the distance from c to
 * the nearest voxel outside it. Runs a row span per (z, y) so the inner loop is a plain run.
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
  const [, ny, nx] = shape;
  const [dz, dy, dx] = spacing;
  const plane = ny * nx;
  for (let b = 0; b < centres.length; b++) {
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
    const r2 = r * r * (1 - 1e-6); // same digital ball as distanceRidge (see Dof there)
    const diam = 2 * r;
    for (let k = ka; k <= kb; k++) {
      const ez = (k - kc) * dz;
      const remZ = r2 - ez * ez;
      if (remZ <= 0) continue;
      const ry = Math.ceil(Math.sqrt(remZ) / dy);
      const ja = Math.max(0, jc - ry);
      const jb = Math.min(ny - 1, jc + ry);
      for (let j = ja; j <= jb; j++) {
        const ey = (j - jc) * dy;
        const remY = remZ - ey * ey;
        if (remY <= 0) continue;
        const span = Math.sqrt(remY) / dx;
        const m = Math.ceil(span) - 1; // |di| < span
        const ia = Math.max(0, ic - m);
        const ib = Math.min(nx - 1, ic + m);
        const row = k * plane + j * nx;
        for (let i = ia; i <= ib; i++) {
          const q = row + i;
          if (out[q] < diam && labels[q] === label) out[q] = diam;
        }
      }
    }
  }
}
