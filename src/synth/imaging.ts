/**
 * Image physics applied to the partial-volume attenuation image, in this order: detector blur,
 * phase-contrast fringes, ring artefacts, cupping, drift along z, noise, clamp to uint16. All in
 * Float32, in place (phase contrast needs one temporary copy).
 */
import type { Shape3 } from '../io/volume.js';
import { gaussianBlur3D } from './fields.js';
import type { ImagePhysics } from './presets.js';
import { hashNormal, Rng, sliceKey, streamKey } from './rng.js';

export interface RingTruth {
  radius_px: number;
  width_px: number;
  amplitude: number;
}

export interface ImagingRecord {
  rings: RingTruth[];
  drift_sign: number;
  drift_phase: number;
}

/** 6-neighbour Laplacian with mirrored (zero-flux) boundaries. */
function laplacianAt(b: Float32Array, idx: number, k: number, j: number, i: number, shape: Shape3): number {
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const c = b[idx];
  const xm = i > 0 ? b[idx - 1] : c;
  const xp = i < nx - 1 ? b[idx + 1] : c;
  const ym = j > 0 ? b[idx - nx] : c;
  const yp = j < ny - 1 ? b[idx + nx] : c;
  const zm = k > 0 ? b[idx - plane] : c;
  const zp = k < nz - 1 ? b[idx + plane] : c;
  return xm + xp + ym + yp + zm + zp - 6 * c;
}

/**
 * Turn the attenuation image `img` into the scan. `refGrey` sets the signal at which the noise σ
 * equals `phys.noise` (σ ∝ √signal). `seed` draws the rings (the detector's), `scanSeed` the drift
 * and the noise (each acquisition's; a scan series keeps the rings and renews these).
 */
export function applyImaging(
  img: Float32Array,
  shape: Shape3,
  phys: ImagePhysics,
  refGrey: number,
  seed: number,
  progress?: () => void,
  scanSeed = seed,
): { scan: Uint16Array; record: ImagingRecord } {
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const record: ImagingRecord = { rings: [], drift_sign: 0, drift_phase: 0 };

  // 2. Detector blur (separable Gaussian PSF).
  if (phys.blurSigmaVoxels > 0) gaussianBlur3D(img, shape, phys.blurSigmaVoxels);
  progress?.();

  // 3. Propagation-based phase contrast: I − α ∇²(G_1 * I): dark/bright overshoot at edges.
  if (phys.phaseContrast > 0) {
    const b = img.slice();
    gaussianBlur3D(b, shape, 1);
    const a = phys.phaseContrast;
    for (let k = 0; k < nz; k++) {
      const zIn = k > 0 && k < nz - 1;
      for (let j = 0; j < ny; j++) {
        const row = k * plane + j * nx;
        if (zIn && j > 0 && j < ny - 1 && nx > 2) {
          // Interior fast path (no border tests).
          img[row] -= a * laplacianAt(b, row, k, j, 0, shape);
          for (let i = row + 1; i < row + nx - 1; i++) {
            img[i] -= a * (b[i - 1] + b[i + 1] + b[i - nx] + b[i + nx] + b[i - plane] + b[i + plane] - 6 * b[i]);
          }
          img[row + nx - 1] -= a * laplacianAt(b, row + nx - 1, k, j, nx - 1, shape);
        } else {
          for (let i = 0; i < nx; i++) img[row + i] -= a * laplacianAt(b, row + i, k, j, i, shape);
        }
      }
    }
  }
  progress?.();

  // Radius of each pixel about the rotation axis (the slice centre), in pixels.
  const cx = nx / 2;
  const cy = ny / 2;
  const radius = new Float32Array(plane);
  for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) radius[j * nx + i] = Math.hypot(i + 0.5 - cx, j + 0.5 - cy);

  // 4. Ring artefacts: a few concentric rings (miscalibrated detector pixels), same in every slice.
  if (phys.rings > 0) {
    const rng = new Rng(seed, 'rings');
    const count = rng.int(4, 8);
    const rMax = Math.min(nx, ny) / 2;
    const ringMap = new Float32Array(plane);
    for (let r = 0; r < count; r++) {
      const ring: RingTruth = {
        radius_px: rng.uniform(0.05, 0.95) * rMax,
        width_px: rng.uniform(0.45, 0.85), // Gaussian σ: FWHM ≈ 1–2 px
        amplitude: phys.rings * rng.uniform(0.4, 1) * (rng.next() < 0.5 ? -1 : 1),
      };
      record.rings.push(ring);
      const inv = 1 / (2 * ring.width_px * ring.width_px);
      for (let p = 0; p < plane; p++) {
        const d = radius[p] - ring.radius_px;
        if (Math.abs(d) < 4 * ring.width_px) ringMap[p] += ring.amplitude * Math.exp(-d * d * inv);
      }
    }
    for (let k = 0; k < nz; k++) {
      const base = k * plane;
      for (let p = 0; p < plane; p++) img[base + p] += ringMap[p];
    }
  }
  progress?.();

  // 5. Cupping (beam hardening): gain 1 − c·(1 − (r/R)²), R = half the slice diagonal.
  // 6. Drift: smooth gain along z, ≈ `drift` peak to peak (linear trend plus a slow wobble).
  if (phys.cupping > 0 || phys.drift > 0) {
    const R2 = cx * cx + cy * cy;
    const cup = new Float32Array(plane);
    for (let p = 0; p < plane; p++) cup[p] = 1 - phys.cupping * Math.max(0, 1 - (radius[p] * radius[p]) / R2);
    const rng = new Rng(scanSeed, 'drift');
    const sign = rng.next() < 0.5 ? -1 : 1;
    const phase = rng.uniform(0, 2 * Math.PI);
    record.drift_sign = sign;
    record.drift_phase = phase;
    for (let k = 0; k < nz; k++) {
      const u = nz > 1 ? k / (nz - 1) : 0.5;
      const gain = phys.drift > 0 ? 1 + phys.drift * (sign * 0.85 * (u - 0.5) + 0.15 * Math.sin(2 * Math.PI * 1.5 * u + phase)) : 1;
      const base = k * plane;
      for (let p = 0; p < plane; p++) img[base + p] *= cup[p] * gain;
    }
  }
  progress?.();

  // 7. Noise: Gaussian with σ = noise·√(signal / refGrey) (photon-counting-like), hashed per voxel
  //    so any slab can be regenerated alone. Then round and clamp to uint16.
  const scan = new Uint16Array(img.length);
  const key = streamKey(scanSeed, 'noise');
  const s0 = phys.noise / Math.sqrt(refGrey);
  for (let k = 0; k < nz; k++) {
    const zk = sliceKey(key, k);
    const base = k * plane;
    if (s0 > 0) {
      for (let p = 0; p < plane; p++) {
        const val = img[base + p];
        const out = val + s0 * Math.sqrt(val > 0 ? val : 0) * hashNormal(zk, p);
        scan[base + p] = out <= 0 ? 0 : out >= 65535 ? 65535 : Math.round(out);
      }
    } else {
      for (let p = 0; p < plane; p++) {
        const out = img[base + p];
        scan[base + p] = out <= 0 ? 0 : out >= 65535 ? 65535 : Math.round(out);
      }
    }
  }
  progress?.();
  return { scan, record };
}
