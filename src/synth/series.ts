/**
 * A time series of one cell: N scans of the same phantom with a known rigid (or, with `scale`,
 * affine: pellet creep) motion of the cell
 * between scans, Li stripped non-uniformly at the electrolyte side (a smooth depth field with deeper
 * blobs, growing with the scan index: thinning and voids opening at the interface), a global gain
 * change per scan and fresh noise and z drift per scan (the rings stay: they belong to the detector).
 *
 * Exact truth: scan k is the first scan's changed scene resampled through the inverse motion,
 * scene_k(q) = changed(T_k⁻¹(q)) (trilinear for the partial-volume image, nearest for labels,
 * edges clamped), before blur, artefacts and noise. `labelsInFirst[k]` are scan k's labels in the
 * first scan's frame (changed, not moved): what a registration should bring scan k's labels back to.
 */
import { InputError } from '../io/errors.js';
import type { Shape3, Spacing3 } from '../io/volume.js';
import { decomposeAffine, indexMap, inverse, inverseAffine, matMul, rigidFrom, toEulerZYX, volumeCentre, type RigidTransform, type Vec3 } from '../series/transform.js';
import { resampleLinear, resampleNearest } from '../series/resample.js';
import { LABEL } from './geometry.js';
import { generatePhantom, type Phantom, type Scene, type SynthOptions } from './index.js';
import { Rng } from './rng.js';

/** Motion of the cell from the first scan to a later one, volume order [z, y, x]. */
export interface SeriesMotion {
  translationVoxels: Vec3;
  rotationDeg: Vec3;
  /** Scale of the cell along scan 0's [z, y, x] axes before the rotation (default none: rigid). */
  scale?: Vec3;
}

export interface SeriesOptions extends Omit<SynthOptions, 'sceneHook' | 'scanSeed' | 'axis'> {
  /** Number of scans (≥ 2). */
  count: number;
  /** Motion of scans 1..count−1 (default: random, bounded by the two maxima below). */
  motions?: SeriesMotion[];
  /** Random motion bounds: translation length (voxels, default 8) and angle per axis (degrees, default 2). */
  maxTranslationVoxels?: number;
  maxRotationDeg?: number;
  /** Deepest stripping at the last scan (µm, default 12 voxels' worth). */
  maxStripUm?: number;
  /** Gain of each later scan drawn from 1 ± this (default 0.1). */
  gainChange?: number;
  /**
   * Pellet creep: the last scan's scale along scan 0's [z, y, x] axes (e.g. [1.02, 1, 0.99]); scan k
   * gets 1 + (s − 1)·k/(count − 1), so the motion becomes affine. A motion's own `scale` wins.
   */
  scale?: Vec3;
}

export interface SeriesScanTruth {
  index: number;
  /** Cell motion from scan 0: a point p of scan 0 lies at R (p − c) + c + t in this scan. */
  translation_um: Vec3;
  translation_voxels: Vec3;
  /** Euler angles [about z, about y, about x], R = Rz·Ry·Rx (see src/series/transform.ts). */
  rotation_deg: Vec3;
  /** Affine series only: scale along scan 0's [z, y, x] axes (A = R · diag(scale)) and A acting on (x, y, z), row-major. */
  scale?: Vec3;
  matrix_xyz?: number[];
  gain: number;
  li_voxels: number;
  stripped_voxels: number;
  /** Stripped Li per area of the scan: stripped volume / (ny·nx·voxel²) / 4.85 µm per mAh/cm². */
  stripped_mah_cm2: number;
}

export interface SeriesTruth {
  version: 1;
  preset: string;
  seed: number;
  count: number;
  shape: Shape3;
  voxel_um: number;
  centre_um: Vec3;
  convention: string;
  scans: SeriesScanTruth[];
}

export interface Series {
  scans: Phantom[];
  labelsInFirst: Uint8Array[];
  motions: RigidTransform[];
  truth: SeriesTruth;
}

/** Stripping depth field (µm) over the slice: a base plus Gaussian blobs, max ≈ maxUm. */
function stripField(ny: number, nx: number, maxUm: number, seed: number): Float32Array {
  const rng = new Rng(seed, 'series-strip');
  const field = new Float32Array(ny * nx).fill(0.15 * maxUm);
  const blobs = rng.int(3, 6);
  for (let b = 0; b < blobs; b++) {
    const cy = rng.uniform(0, ny);
    const cx = rng.uniform(0, nx);
    const r = rng.uniform(0.08, 0.2) * Math.min(ny, nx);
    const amp = rng.uniform(0.5, 0.85) * maxUm;
    for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) field[j * nx + i] += amp * Math.exp(-((j - cy) ** 2 + (i - cx) ** 2) / (2 * r * r));
  }
  for (let p = 0; p < field.length; p++) field[p] = Math.min(field[p], maxUm);
  return field;
}

/**
 * Strip the Li runs of each column from their electrolyte / void end (not the collector's) by
 * the depth `depthUm[col]`; stripped voxels become void. Returns the number stripped.
 */
function strip(scene: Scene, depthUm: Float32Array): number {
  const [nz, ny, nx] = scene.shape;
  const plane = ny * nx;
  const { labels, img } = scene;
  let stripped = 0;
  const open = (l: number) => l === LABEL.void || l === LABEL.electrolyte;
  for (let col = 0; col < plane; col++) {
    const depth = Math.round(depthUm[col] / scene.voxelUm);
    if (depth <= 0) continue;
    let k = 0;
    while (k < nz) {
      if (labels[k * plane + col] !== LABEL.li) {
        k++;
        continue;
      }
      const a = k;
      while (k < nz && labels[k * plane + col] === LABEL.li) k++;
      const b = k;
      const n = Math.min(depth, b - a);
      let from = -1;
      if (b < nz && open(labels[b * plane + col])) from = b - n;
      else if (a > 0 && open(labels[(a - 1) * plane + col])) from = a;
      if (from < 0) continue;
      for (let z = from; z < from + n; z++) {
        labels[z * plane + col] = LABEL.void;
        img[z * plane + col] = scene.grey.void;
      }
      stripped += n;
    }
  }
  return stripped;
}

function randomMotion(rng: Rng, maxT: number, maxR: number): SeriesMotion {
  const d = [rng.normal(), rng.normal(), rng.normal()];
  const len = Math.hypot(d[0], d[1], d[2]) || 1;
  const mag = maxT * rng.uniform(0.5, 1);
  return {
    translationVoxels: d.map((x) => (x / len) * mag) as Vec3,
    rotationDeg: [rng.uniform(-maxR, maxR), rng.uniform(-maxR, maxR), rng.uniform(-maxR, maxR)],
  };
}

export function generateSeries(options: SeriesOptions): Series {
  const { count, motions, maxTranslationVoxels = 8, maxRotationDeg = 2, gainChange = 0.1, scale: creep, ...synth } = options;
  if (creep && (creep.length !== 3 || creep.some((x) => !(x > 0.5 && x < 2)))) throw new InputError(`series scale must be 3 factors in (0.5, 2), got ${creep.join(',')}`);
  if (!Number.isInteger(count) || count < 2 || count > 64) throw new InputError(`series count must be an integer from 2 to 64 (got ${count})`);
  if (motions && motions.length !== count - 1) throw new InputError(`series needs ${count - 1} motions (one per later scan), got ${motions.length}`);
  const seed = (synth.seed ?? 1) >>> 0;
  const rng = new Rng(seed, 'series-motion');
  const scans: Phantom[] = [];
  const labelsInFirst: Uint8Array[] = [];
  const transforms: RigidTransform[] = [];
  const records: SeriesScanTruth[] = [];
  let field: Float32Array | null = null;
  let centre: Vec3 = [0, 0, 0];
  for (let k = 0; k < count; k++) {
    const motion: SeriesMotion = k === 0 ? { translationVoxels: [0, 0, 0] as Vec3, rotationDeg: [0, 0, 0] as Vec3 } : (motions?.[k - 1] ?? randomMotion(rng, maxTranslationVoxels, maxRotationDeg));
    const scale: Vec3 | null = k === 0 ? null : (motion.scale ?? (creep ? (creep.map((s) => 1 + ((s - 1) * k) / (count - 1)) as Vec3) : null));
    const gain = k === 0 ? 1 : 1 + rng.uniform(-gainChange, gainChange);
    let liVoxels = 0;
    let stripped = 0;
    let T: RigidTransform | null = null;
    const hook = (scene: Scene): void => {
      const [, ny, nx] = scene.shape;
      const v = scene.voxelUm;
      const spacing: Spacing3 = [v, v, v];
      centre = volumeCentre(scene.shape, spacing);
      for (let i = 0; i < scene.labels.length; i++) if (scene.labels[i] === LABEL.li) liVoxels++;
      field ??= stripField(ny, nx, options.maxStripUm ?? 12 * v, seed);
      const frac = k / (count - 1);
      stripped = strip(scene, field.map((d) => d * frac));
      labelsInFirst.push(scene.labels.slice());
      T = rigidFrom(motion.translationVoxels.map((x) => x * v) as Vec3, motion.rotationDeg, centre);
      // A = R · diag(scale x, y, z): the cell creeps along scan 0's axes, then moves
      if (scale) T.R = matMul(T.R, [scale[2], 0, 0, 0, scale[1], 0, 0, 0, scale[0]]);
      if (k > 0) {
        const map = indexMap(scale ? inverseAffine(T) : inverse(T), spacing, spacing);
        scene.img.set(resampleLinear(scene.img, scene.shape, scene.shape, map, 'clamp', 'float32'));
        scene.labels.set(resampleNearest(scene.labels, scene.shape, scene.shape, map, 'clamp'));
      }
      if (gain !== 1) for (let i = 0; i < scene.img.length; i++) scene.img[i] *= gain;
    };
    const phantom = generatePhantom({ ...synth, axis: 'z', scanSeed: k === 0 ? seed : seed + 7919 * k, sceneHook: hook });
    scans.push(phantom);
    transforms.push(T ?? rigidFrom([0, 0, 0], [0, 0, 0], centre));
    const v = phantom.truth.voxel_um;
    const [, ny, nx] = phantom.scan.shape;
    records.push({
      index: k,
      translation_um: motion.translationVoxels.map((x) => x * v) as Vec3,
      translation_voxels: [...motion.translationVoxels],
      rotation_deg: toEulerZYX(scale ? decomposeAffine(transforms[k].R).R : transforms[k].R),
      ...(scale ? { scale: [...scale] as Vec3, matrix_xyz: [...transforms[k].R] } : {}),
      gain,
      li_voxels: liVoxels,
      stripped_voxels: stripped,
      stripped_mah_cm2: (stripped * v) / (ny * nx) / 4.85,
    });
  }
  const first = scans[0].truth;
  return {
    scans,
    labelsInFirst,
    motions: transforms,
    truth: {
      version: 1,
      preset: first.preset,
      seed,
      count,
      shape: first.shape,
      voxel_um: first.voxel_um,
      centre_um: [centre[2], centre[1], centre[0]],
      convention:
        'a point p (µm) of scan 0 lies at R (p − c) + c + t in scan k; c = centre_um, the volume centre with voxel centres at index × voxel; R = Rz·Ry·Rx of rotation_deg [about z, about y, about x], right-handed about the x (columns), y (rows), z (slices) axes; vectors in volume order [z, y, x]',
      scans: records,
    },
  };
}
