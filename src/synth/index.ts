/**
 * Realistic Li / solid-electrolyte tomography phantoms with exact ground truth.
 *
 * generatePhantom({ preset }) returns a uint16 scan, its labels (0 void, 1 Li, 2 electrolyte,
 * 3 collector), the exact per-column Li layer thickness map, the filament penetration map and a
 * JSON-serialisable truth record. Geometry: see geometry.ts; image physics: see imaging.ts; preset
 * numbers and their reasons: see presets.ts.
 */
import { InputError } from '../io/errors.js';
import { makeVolume, type Shape3, type Volume } from '../io/volume.js';
import { addFilaments, addPores, buildLayers, LABEL, rasterLayers, type FilamentTruth } from './geometry.js';
import { applyImaging, type RingTruth } from './imaging.js';
import { PRESETS, type GreyLevels, type ImagePhysics, type PresetDefaults, type PresetName } from './presets.js';

export { PRESETS } from './presets.js';
export type { GreyLevels, ImagePhysics, PresetDefaults, PresetName } from './presets.js';
export { LABEL } from './geometry.js';

export const SYNTH_VERSION = 1;

export interface SynthOptions {
  preset: PresetName;
  seed?: number;
  shape?: Shape3;
  voxelUm?: number;
  /** image-physics strengths, each 0 disables; defaults per preset (see PRESETS and ImagePhysics) */
  noise?: number;
  blurSigmaVoxels?: number;
  phaseContrast?: number;
  rings?: number;
  cupping?: number;
  drift?: number;
  onProgress?: (done: number, total: number) => void;
}

export interface ThicknessStats {
  mean_um: number;
  std_um: number;
  min_um: number;
  max_um: number;
  p01_um: number;
  p05_um: number;
  p50_um: number;
  p95_um: number;
  p99_um: number;
  zero_fraction: number;
  mean_capacity_mah_cm2: number;
}

export interface PenetrationStats {
  max_um: number;
  /** Mean over columns with penetration > 0 (0 when none). */
  mean_um: number;
  area_fraction: number;
  filament_count: number;
  filaments: FilamentTruth[];
}

export interface PhantomTruth {
  version: number;
  preset: PresetName;
  seed: number;
  /** [nz, ny, nx] */
  shape: Shape3;
  voxel_um: number;
  label_codes: { void: 0; li: 1; electrolyte: 2; collector: 3 };
  collector: 'carbon' | 'steel';
  /** Volume fractions of each label in the whole volume. */
  phase_fractions: { void: number; li: number; electrolyte: number; collector: number };
  thickness: ThicknessStats;
  penetration: PenetrationStats;
  /** Pore voxels / voxels with centre below the electrolyte surface. */
  electrolyte_porosity: number;
  /** Nominal grey level of each pure phase before blur, artefacts and noise. */
  grey_levels: GreyLevels;
  /** Measured mean scan value per label (after all image physics). */
  scan_means: { void: number | null; li: number | null; electrolyte: number | null; collector: number | null };
  image_physics: ImagePhysics & { rings_detail: RingTruth[]; noise_reference_grey: number };
  geometry: {
    /** All z thicknesses scaled by this because the stack did not fit the requested depth. */
    z_scale: number;
    surface_mean_um: number;
    [key: string]: number;
  };
}

export interface Phantom {
  scan: Volume<Uint16Array>;
  labels: Volume<Uint8Array>;
  /** [1, ny, nx] µm: exact per-column Li thickness of the layer (interfacial voids excluded). */
  thickness: Volume<Float32Array>;
  /** [1, ny, nx] µm: depth of filament Li below the electrolyte surface per column, 0 if none. */
  penetration: Volume<Float32Array>;
  /** [1, ny, nx] µm: z of the electrolyte surface per column (where the layer ends). */
  surface: Volume<Float32Array>;
  truth: PhantomTruth;
  /** Wall-clock generation time (not part of the deterministic truth). */
  elapsedMs: number;
}

function stats(values: Float32Array): ThicknessStats {
  const s = Float64Array.from(values).sort();
  const n = s.length;
  const q = (p: number) => {
    const pos = p * (n - 1);
    const lo = Math.floor(pos);
    const hi = Math.min(n - 1, lo + 1);
    return s[lo] + (s[hi] - s[lo]) * (pos - lo);
  };
  let sum = 0;
  let zeros = 0;
  for (let i = 0; i < n; i++) {
    sum += s[i];
    if (s[i] <= 0) zeros++;
  }
  const mean = sum / n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (s[i] - mean) ** 2;
  return {
    mean_um: mean,
    std_um: Math.sqrt(v / n),
    min_um: s[0],
    max_um: s[n - 1],
    p01_um: q(0.01),
    p05_um: q(0.05),
    p50_um: q(0.5),
    p95_um: q(0.95),
    p99_um: q(0.99),
    zero_fraction: zeros / n,
    mean_capacity_mah_cm2: mean / 4.85,
  };
}

function checkNonNegative(name: string, v: number): void {
  if (!Number.isFinite(v) || v < 0) throw new InputError(`${name} must be a finite number ≥ 0 (got ${v})`);
}

/** Generate a phantom. Deterministic in (options without onProgress). */
export function generatePhantom(options: SynthOptions): Phantom {
  const t0 = performance.now();
  const preset = options.preset;
  const p: PresetDefaults | undefined = PRESETS[preset];
  if (!p) throw new InputError(`unknown preset '${String(preset)}' (expected ${Object.keys(PRESETS).join(', ')})`);
  const seed = (options.seed ?? 1) >>> 0;
  const shape: Shape3 = options.shape ? [...options.shape] : [...p.shape];
  if (shape.length !== 3 || shape.some((d) => !Number.isInteger(d) || d < 4)) {
    throw new InputError(`shape must be three integers ≥ 4 (got ${shape.join(',')})`);
  }
  const voxelUm = options.voxelUm ?? p.voxelUm;
  if (!Number.isFinite(voxelUm) || voxelUm <= 0) throw new InputError(`voxel size must be > 0 µm (got ${voxelUm})`);
  const phys: ImagePhysics = {
    noise: options.noise ?? p.noise,
    blurSigmaVoxels: options.blurSigmaVoxels ?? p.blurSigmaVoxels,
    phaseContrast: options.phaseContrast ?? p.phaseContrast,
    rings: options.rings ?? p.rings,
    cupping: options.cupping ?? p.cupping,
    drift: options.drift ?? p.drift,
  };
  for (const [k, v] of Object.entries(phys)) checkNonNegative(k, v);
  if (phys.cupping >= 1) throw new InputError(`cupping must be < 1 (got ${phys.cupping})`);

  const total = 9;
  let done = 0;
  const tick = () => options.onProgress?.(++done, total);

  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const nvox = nz * plane;
  const labels = new Uint8Array(nvox);
  const img = new Float32Array(nvox);

  // 1. Geometry and attenuation with partial volume.
  const geom = buildLayers(preset, p, shape, voxelUm, seed);
  tick();
  rasterLayers(geom, shape, voxelUm, p.grey, labels, img);
  tick();
  const pores = addPores(geom, p, shape, voxelUm, seed, labels, img);
  tick();
  const penetration = new Float32Array(plane);
  const filaments = addFilaments(geom, p, shape, voxelUm, seed, pores, labels, img, penetration);
  tick();

  // Image physics (steps 2–7).
  const { scan, record } = applyImaging(img, shape, phys, p.grey.li, seed, tick);

  // Truth.
  const counts = [0, 0, 0, 0];
  const sums = [0, 0, 0, 0];
  for (let i = 0; i < nvox; i++) {
    const l = labels[i];
    counts[l]++;
    sums[l] += scan[i];
  }
  let regionVoxels = 0;
  let regionPores = 0;
  for (let k = 0; k < nz; k++) {
    const zc = (k + 0.5) * voxelUm;
    const base = k * plane;
    for (let col = 0; col < plane; col++) {
      if (zc >= geom.surface[col]) {
        regionVoxels++;
        if (labels[base + col] === LABEL.void) regionPores++;
      }
    }
  }
  const thickness = Float32Array.from(geom.liThickness);
  const surface = Float32Array.from(geom.surface);
  let penMax = 0;
  let penSum = 0;
  let penCount = 0;
  for (let i = 0; i < plane; i++) {
    const d = penetration[i];
    if (d > 0) {
      penCount++;
      penSum += d;
      if (d > penMax) penMax = d;
    }
  }
  const mean = (l: number) => (counts[l] ? sums[l] / counts[l] : null);
  const truth: PhantomTruth = {
    version: SYNTH_VERSION,
    preset,
    seed,
    shape,
    voxel_um: voxelUm,
    label_codes: { void: 0, li: 1, electrolyte: 2, collector: 3 },
    collector: p.collectorKind,
    phase_fractions: { void: counts[0] / nvox, li: counts[1] / nvox, electrolyte: counts[2] / nvox, collector: counts[3] / nvox },
    thickness: stats(thickness),
    penetration: {
      max_um: penMax,
      mean_um: penCount ? penSum / penCount : 0,
      area_fraction: penCount / plane,
      filament_count: filaments.length,
      filaments,
    },
    electrolyte_porosity: regionVoxels ? regionPores / regionVoxels : 0,
    grey_levels: { ...p.grey },
    scan_means: { void: mean(0), li: mean(1), electrolyte: mean(2), collector: mean(3) },
    image_physics: { ...phys, rings_detail: record.rings, noise_reference_grey: p.grey.li },
    geometry: { z_scale: geom.zScale, surface_mean_um: geom.info.surface_mean_um, ...geom.info },
  };
  const spacing: [number, number, number] = [voxelUm, voxelUm, voxelUm];
  const map = (data: Float32Array) => makeVolume(data, [1, ny, nx], spacing);
  const phantom: Phantom = {
    scan: makeVolume(scan, shape, spacing),
    labels: makeVolume(labels, shape, spacing),
    thickness: map(thickness),
    penetration: map(penetration),
    surface: map(surface),
    truth,
    elapsedMs: 0,
  };
  phantom.elapsedMs = Math.round(performance.now() - t0);
  return phantom;
}
