/**
 * Voxel features for the trainable segmentation, after ilastik's default set (Sommer et al. 2011,
 * "ilastik: Interactive learning and segmentation toolkit", ISBI): at each scale σ the Gaussian
 * smoothing, its gradient magnitude, the Laplacian of Gaussian and the three Hessian eigenvalues
 * (sorted), plus the normalised grey level itself.
 *
 * Computed slab by slab: slices [z0, z1) with a halo of ⌈4σmax⌉ + 1 slices read around them, so a
 * whole volume never holds more than one slab of features. Separable Gaussian (truncate 4σ, mode
 * 'nearest' at the volume's faces, like scipy.ndimage), derivatives by central differences of the
 * smoothed slab (second differences for the Hessian). Cost O(slab voxels × (Σ radii + 30)) per scale.
 */
import { gaussianWeights } from '../../compute/reference.js';

/** Scales (voxels) of the default feature set: fine texture to the layer scale. */
export const DEFAULT_SCALES = [0.7, 1.6, 3.5, 5, 10];
const PER_SCALE = ['smooth', 'gradient', 'log', 'hessian1', 'hessian2', 'hessian3'] as const;

export interface FeatureSpec {
  scales: number[];
  /** Grey level mapped to 0 and 1 (the scan's robust range), so a model transfers between scans of a series. */
  greyLo: number;
  greyHi: number;
}

export const featureNames = (spec: FeatureSpec): string[] => ['grey', ...spec.scales.flatMap((s) => PER_SCALE.map((f) => `${f}_s${s}`))];
export const featureCount = (spec: FeatureSpec): number => 1 + PER_SCALE.length * spec.scales.length;
/** Slices of halo a slab needs on each side. */
export const featureHalo = (spec: FeatureSpec): number => Math.ceil(4 * Math.max(...spec.scales)) + 1;

/**
 * Features of the slices [z0, z1) of a volume of `nz` slices, from `grey` holding slices
 * [h0, h1) ⊇ [z0 − halo, z1 + halo) ∩ [0, nz) of a ny × nx plane. Output: feature-major,
 * out[f × n + i] for voxel i of the slab core (n = (z1 − z0) · ny · nx).
 */
export function slabFeatures(
  grey: ArrayLike<number>, h0: number, h1: number, z0: number, z1: number, ny: number, nx: number, spec: FeatureSpec,
  out?: Float32Array,
): Float32Array {
  const plane = ny * nx;
  const hn = (h1 - h0) * plane;
  const n = (z1 - z0) * plane;
  const F = featureCount(spec);
  const feats = out ?? new Float32Array(F * n);
  const scale = 1 / (spec.greyHi - spec.greyLo || 1);
  const g = new Float32Array(hn);
  // outside the field of view (NaN, ±Inf) the grey is the range's low end: finite features near it
  for (let i = 0; i < hn; i++) {
    const v = Number(grey[i]);
    g[i] = Number.isFinite(v) ? (v - spec.greyLo) * scale : 0;
  }
  const off = (z0 - h0) * plane;
  feats.set(g.subarray(off, off + n), 0);
  const sm = new Float32Array(hn);
  const tmp = new Float32Array(hn);
  const depth = h1 - h0;
  for (let s = 0; s < spec.scales.length; s++) {
    smooth3(g, sm, tmp, depth, ny, nx, spec.scales[s]);
    const base = (1 + s * PER_SCALE.length) * n;
    derivatives(sm, depth, ny, nx, z0 - h0, z1 - h0, feats, base, n);
  }
  return feats;
}

/** Separable Gaussian of `src` (depth × ny × nx) into `dst`, mode 'nearest'. */
function smooth3(src: Float32Array, dst: Float32Array, tmp: Float32Array, nz: number, ny: number, nx: number, sigma: number): void {
  const w = gaussianWeights(sigma);
  const r = (w.length - 1) / 2;
  // x pass src → dst, y pass dst → tmp, z pass tmp → dst
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      const row = (z * ny + y) * nx;
      for (let x = 0; x < nx; x++) {
        let acc = 0;
        for (let k = -r; k <= r; k++) {
          const xx = x + k < 0 ? 0 : x + k >= nx ? nx - 1 : x + k;
          acc += w[k + r] * src[row + xx];
        }
        dst[row + x] = acc;
      }
    }
  }
  for (let z = 0; z < nz; z++) {
    const p = z * ny * nx;
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        let acc = 0;
        for (let k = -r; k <= r; k++) {
          const yy = y + k < 0 ? 0 : y + k >= ny ? ny - 1 : y + k;
          acc += w[k + r] * dst[p + yy * nx + x];
        }
        tmp[p + y * nx + x] = acc;
      }
    }
  }
  const plane = ny * nx;
  for (let z = 0; z < nz; z++) {
    for (let i = 0; i < plane; i++) {
      let acc = 0;
      for (let k = -r; k <= r; k++) {
        const zz = z + k < 0 ? 0 : z + k >= nz ? nz - 1 : z + k;
        acc += w[k + r] * tmp[zz * plane + i];
      }
      dst[z * plane + i] = acc;
    }
  }
}

/** Gradient magnitude, Laplacian and sorted Hessian eigenvalues of `sm` over slices [c0, c1). */
function derivatives(sm: Float32Array, nz: number, ny: number, nx: number, c0: number, c1: number, out: Float32Array, base: number, n: number): void {
  const plane = ny * nx;
  const at = (z: number, y: number, x: number) =>
    sm[(z < 0 ? 0 : z >= nz ? nz - 1 : z) * plane + (y < 0 ? 0 : y >= ny ? ny - 1 : y) * nx + (x < 0 ? 0 : x >= nx ? nx - 1 : x)];
  const ev = new Float64Array(3);
  let i = 0;
  for (let z = c0; z < c1; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++, i++) {
        const c = at(z, y, x);
        const xp = at(z, y, x + 1), xm = at(z, y, x - 1);
        const yp = at(z, y + 1, x), ym = at(z, y - 1, x);
        const zp = at(z + 1, y, x), zm = at(z - 1, y, x);
        const gx = 0.5 * (xp - xm), gy = 0.5 * (yp - ym), gz = 0.5 * (zp - zm);
        const hxx = xp - 2 * c + xm, hyy = yp - 2 * c + ym, hzz = zp - 2 * c + zm;
        const hxy = 0.25 * (at(z, y + 1, x + 1) - at(z, y + 1, x - 1) - at(z, y - 1, x + 1) + at(z, y - 1, x - 1));
        const hxz = 0.25 * (at(z + 1, y, x + 1) - at(z + 1, y, x - 1) - at(z - 1, y, x + 1) + at(z - 1, y, x - 1));
        const hyz = 0.25 * (at(z + 1, y + 1, x) - at(z + 1, y - 1, x) - at(z - 1, y + 1, x) + at(z - 1, y - 1, x));
        out[base + i] = c;
        out[base + n + i] = Math.sqrt(gx * gx + gy * gy + gz * gz);
        out[base + 2 * n + i] = hxx + hyy + hzz;
        symmetricEigenvalues(hxx, hyy, hzz, hxy, hxz, hyz, ev);
        out[base + 3 * n + i] = ev[0];
        out[base + 4 * n + i] = ev[1];
        out[base + 5 * n + i] = ev[2];
      }
    }
  }
}

/** Eigenvalues of a symmetric 3×3 matrix, descending (trigonometric closed form; Smith 1961). */
export function symmetricEigenvalues(a: number, b: number, c: number, d: number, e: number, f: number, out: Float64Array): void {
  // matrix [[a, d, e], [d, b, f], [e, f, c]]
  const p1 = d * d + e * e + f * f;
  const q = (a + b + c) / 3;
  if (p1 < 1e-30) {
    const s = [a, b, c].sort((u, v) => v - u);
    out[0] = s[0]; out[1] = s[1]; out[2] = s[2];
    return;
  }
  const p2 = (a - q) ** 2 + (b - q) ** 2 + (c - q) ** 2 + 2 * p1;
  const p = Math.sqrt(p2 / 6);
  const ba = (a - q) / p, bb = (b - q) / p, bc = (c - q) / p, bd = d / p, be = e / p, bf = f / p;
  const det = ba * (bb * bc - bf * bf) - bd * (bd * bc - bf * be) + be * (bd * bf - bb * be);
  const r = Math.max(-1, Math.min(1, det / 2));
  const phi = Math.acos(r) / 3;
  const e1 = q + 2 * p * Math.cos(phi);
  const e3 = q + 2 * p * Math.cos(phi + (2 * Math.PI) / 3);
  out[0] = e1;
  out[1] = 3 * q - e1 - e3;
  out[2] = e3;
}
