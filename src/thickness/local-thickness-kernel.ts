/**
 * Local thickness kernels (Hildebrand & Rüegsegger 1997, as in BoneJ): distance ridge detection and
 * ball rasterisation. Pure functions over typed arrays so they run in this thread or in workers.
 */

/**
 * The digital ball of a voxel at distance d holds the offsets o with |o|² < ballD(d): the squared
 * distance shrunk a hair, so that voxels at exactly the distance (outside the phase) stay out
 * despite float32 rounding. The ridge test and the painting use this one definition.
 */
const ballD = (d: number): number => d * d * (1 - 1e-6);

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
  // the 26 neighbours, faces first (the neighbour whose ball holds a voxel's is most often a face
  // neighbour up the distance gradient: fewer tests per voxel; the set found does not depend on it)
  const steps: Array<[number, number, number]> = [];
  for (let a = -1; a <= 1; a++) for (let b = -1; b <= 1; b++) for (let c = -1; c <= 1; c++) if (a || b || c) steps.push([a, b, c]);
  steps.sort((p, q) => Math.abs(p[0]) + Math.abs(p[1]) + Math.abs(p[2]) - (Math.abs(q[0]) + Math.abs(q[1]) + Math.abs(q[2])));
  const nn = steps.length;
  const offs = Int32Array.from(steps, ([a, b, c]) => a * plane + b * nx + c);
  const cls = Int32Array.from(steps, ([a, b, c]) => classOf(a, b, c));
  const dzs = Int32Array.from(steps, (e) => e[0]);
  const dys = Int32Array.from(steps, (e) => e[1]);
  const dxs = Int32Array.from(steps, (e) => e[2]);
  const memo = new ShiftedMaxMemo(spacing);
  let cap = 1024;
  let centres = new Int32Array(cap);
  let radii = new Float32Array(cap);
  let count = 0;
  for (let k = z0; k < z1; k++) {
    for (let j = 0; j < ny; j++) {
      const interiorKJ = k > 0 && k < nz - 1 && j > 0 && j < ny - 1;
      const row = k * plane + j * nx;
      for (let i = 0; i < nx; i++) {
        const idx = row + i;
        if (labels[idx] !== label) continue;
        const r = dist[idx];
        if (!(r > 0) || r === Infinity) continue;
        const at = memo.slot(r);
        const M = memo.values;
        let ridge = true;
        if (interiorKJ && i > 0 && i < nx - 1) {
          for (let t = 0; t < nn; t++) {
            const dn = dist[idx + offs[t]];
            if (dn > r && ballD(dn) > M[at + cls[t]]) {
              ridge = false;
              break;
            }
          }
        } else {
          for (let t = 0; t < nn; t++) {
            const kk = k + dzs[t];
            const jj = j + dys[t];
            const ii = i + dxs[t];
            if (kk < 0 || kk >= nz || jj < 0 || jj >= ny || ii < 0 || ii >= nx) continue;
            const dn = dist[idx + offs[t]];
            if (dn > r && ballD(dn) > M[at + cls[t]]) {
              ridge = false;
              break;
            }
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

/** Mixed bits of a float32 bit pattern (its low mantissa bits alone repeat across radii). */
function hashOf(key: number): number {
  const h = Math.imul(key ^ (key >>> 15), 0x9e3779b1);
  return h ^ (h >>> 13);
}

/**
 * `shiftedMax` per distinct radius, found by the radius's float32 bits in an open-addressed table
 * (a Map keyed by the float radius cost a third of the ridge pass: its keys are heap numbers).
 * `slot(r)` is the offset of r's 7 values in `values`.
 */
class ShiftedMaxMemo {
  values = new Float64Array(7 * 1024);
  private keys = new Int32Array(1024).fill(-1);
  private size = 0;
  private readonly bits = new Int32Array(1);
  private readonly float = new Float32Array(this.bits.buffer);

  constructor(private readonly spacing: readonly number[]) {}

  slot(r: number): number {
    this.float[0] = r;
    const key = this.bits[0]; // r > 0: never −1
    const mask = this.keys.length - 1;
    let h = hashOf(key) & mask;
    for (;;) {
      const k = this.keys[h];
      if (k === key) return 7 * h;
      if (k === -1) break;
      h = (h + 1) & mask;
    }
    if (2 * (this.size + 1) > this.keys.length) {
      this.grow();
      return this.slot(r);
    }
    this.keys[h] = key;
    this.size++;
    this.values.set(shiftedMax(ballD(this.float[0]), this.spacing), 7 * h);
    return 7 * h;
  }

  private grow(): void {
    const keys = this.keys;
    const values = this.values;
    this.keys = new Int32Array(2 * keys.length).fill(-1);
    this.values = new Float64Array(7 * this.keys.length);
    const mask = this.keys.length - 1;
    for (let s = 0; s < keys.length; s++) {
      if (keys[s] === -1) continue;
      let h = hashOf(keys[s]) & mask;
      while (this.keys[h] !== -1) h = (h + 1) & mask;
      this.keys[h] = keys[s];
      this.values.set(values.subarray(7 * s, 7 * s + 7), 7 * h);
    }
  }
}

/**
 * The ball indices by decreasing radius (ties in index order), or null when `radii` already is
 * non-increasing. Radii are positive floats, whose bit patterns order as integers: a stable radix
 * sort of the bits in two 16-bit passes, O(B) (a sort of the values and a binary search per ball
 * took 0.5 s for the 1.4·10⁶ balls of the 256³ smooth field; this, 40 ms).
 */
export function descendingOrder(radii: Float32Array): Int32Array | null {
  const B = radii.length;
  let sorted = true;
  for (let b = 1; b < B && sorted; b++) if (radii[b] > radii[b - 1]) sorted = false;
  if (sorted) return null;
  const bits = new Int32Array(radii.buffer, radii.byteOffset, B);
  const key = (b: number) => 0x7fffffff - bits[b]; // larger radius, smaller key
  const count = new Int32Array(1 << 16);
  const low = new Int32Array(B);
  for (let b = 0; b < B; b++) count[key(b) & 0xffff]++;
  for (let v = 0, at = 0; v < count.length; v++) {
    const c = count[v];
    count[v] = at;
    at += c;
  }
  for (let b = 0; b < B; b++) low[count[key(b) & 0xffff]++] = b;
  count.fill(0);
  for (let b = 0; b < B; b++) count[key(b) >>> 16]++;
  for (let v = 0, at = 0; v < count.length; v++) {
    const c = count[v];
    count[v] = at;
    at += c;
  }
  const order = new Int32Array(B);
  for (let t = 0; t < B; t++) {
    const b = low[t];
    order[count[key(b) >>> 16]++] = b;
  }
  return order;
}

/** Centres and radii reordered by decreasing radius (for workers that share one order). */
export function sortBallsDescending(centres: Int32Array, radii: Float32Array): { centres: Int32Array; radii: Float32Array } {
  const order = descendingOrder(radii);
  if (!order) return { centres, radii };
  const c = new Int32Array(order.length);
  const r = new Float32Array(order.length);
  for (let t = 0; t < order.length; t++) {
    c[t] = centres[order[t]];
    r[t] = radii[order[t]];
  }
  return { centres: c, radii: r };
}

/** Output voxels per chunk of the painted-voxel bitmap (1 bit each: 2 MiB, near the cache). */
const CHUNK_VOXELS = 1 << 24;

/**
 * Rasterise ridge balls into `out` for output slices [z0, z1): every phase voxel whose centre lies
 * strictly inside a ball gets max(current, ball diameter). The ball of centre c and radius r holds
 * the voxels q with |q − c| < r (µm), which are all in the phase since r is the distance from c to
 * the nearest voxel outside it. Runs a row span per (z, y).
 *
 * Balls go by decreasing radius, so the first ball to reach a voxel sets its value; a bitmap of the
 * voxels already painted (or outside the phase) answers each row span 32 voxels per word, and only
 * the voxels left free are written. Why not the earlier "next unpainted voxel" links: on the smooth
 * 256³ field 98.5 % of the 2.4·10⁸ row spans the balls cover are painted already, and a span then
 * cost one link read 2–4 KiB away from the previous row's; the bitmap keeps a ball's rows 16–64 B
 * apart (balls 512³: see scripts/bench/edt.ts). `out` must hold no value above the balls' (every
 * caller starts it at 0). The bitmap takes 1 bit per voxel of a chunk of at most `chunkVoxels`.
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
  chunkVoxels = CHUNK_VOXELS,
): void {
  const plane = shape[1] * shape[2];
  const order = descendingOrder(radii);
  const step = Math.max(1, Math.floor(chunkVoxels / plane));
  const rowWords = (shape[2] + 31) >>> 5;
  const painted = new Int32Array(Math.min(z1 - z0, step) * shape[1] * rowWords);
  for (let c0 = z0; c0 < z1; c0 += step) paintChunk(out, labels, label, shape, spacing, centres, radii, order, c0, Math.min(z1, c0 + step), painted);
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
  painted: Int32Array,
): void {
  const [, ny, nx] = shape;
  const [dz, dy, dx] = spacing;
  const plane = ny * nx;
  const rowWords = (nx + 31) >>> 5;
  // voxels outside the phase start as painted (and the padding past nx, which no span reaches)
  for (let k = z0, w = 0; k < z1; k++)
    for (let j = 0; j < ny; j++) {
      const row = k * plane + j * nx;
      for (let x0 = 0; x0 < nx; x0 += 32, w++) {
        let bits = 0;
        for (let t = 0; t < 32; t++) if (x0 + t >= nx || labels[row + x0 + t] !== label) bits |= 1 << t;
        painted[w] = bits;
      }
    }
  // Row half-widths of the current radius's digital ball, m[(dk + RZ)·W + dj + RY] (−1: no voxel);
  // balls come by radius, so one table serves every ball of that radius.
  let table = new Int32Array(0);
  // rows of plane dk holding voxels: |dj| ≤ rowsOf[dk + RZ] (−1: none)
  let rowsOf = new Int32Array(0);
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
      if (rowsOf.length < 2 * RZ + 1) rowsOf = new Int32Array(2 * RZ + 1);
      const r2 = ballD(r);
      for (let dk = -RZ; dk <= RZ; dk++) {
        const ez = dk * dz;
        const remZ = r2 - ez * ez;
        rowsOf[dk + RZ] = -1;
        for (let dj = -RY; dj <= RY; dj++) {
          const ey = dj * dy;
          const remY = remZ - ey * ey;
          // |di| < span; the row is empty when remZ or remY ≤ 0
          const m = remZ > 0 && remY > 0 ? Math.ceil(Math.sqrt(remY) / dx) - 1 : -1;
          table[(dk + RZ) * W + dj + RY] = m;
          if (m >= 0 && dj > rowsOf[dk + RZ]) rowsOf[dk + RZ] = dj;
        }
      }
    }
    for (let k = ka; k <= kb; k++) {
      const rows = rowsOf[k - kc + RZ];
      const ja = Math.max(0, jc - rows);
      const jb = Math.min(ny - 1, jc + rows);
      const tk = (k - kc + RZ) * W + RY - jc;
      let wordRow = ((k - z0) * ny + ja) * rowWords;
      let voxelRow = k * plane + ja * nx;
      for (let j = ja; j <= jb; j++, wordRow += rowWords, voxelRow += nx) {
        const m = table[tk + j];
        const a = Math.max(0, ic - m);
        const e = Math.min(nx - 1, ic + m);
        const wb = wordRow + (e >>> 5);
        const lastBits = (-1 >>> (31 - (e & 31))) | 0;
        let bits = -1 << (a & 31);
        for (let at = wordRow + (a >>> 5); ; at++) {
          if (at === wb) bits &= lastBits;
          const free = ~painted[at] & bits;
          if (free !== 0) {
            painted[at] |= free;
            const first = voxelRow + ((at - wordRow) << 5);
            for (let f = free; f !== 0; f &= f - 1) out[first + 31 - Math.clz32(f & -f)] = diam;
          }
          if (at === wb) break;
          bits = -1;
        }
      }
    }
  }
}
