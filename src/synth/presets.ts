/** Documented defaults of the three phantom presets (numbers and the reasons behind them). */
import type { Shape3 } from '../io/volume.js';

export type PresetName = 'plated' | 'depleted' | 'foil';

/** Mean grey level (before artefacts and noise) of each label code. */
export interface GreyLevels {
  void: number;
  li: number;
  electrolyte: number;
  collector: number;
}

/** Strengths of the image-physics steps; each 0 disables that step. */
export interface ImagePhysics {
  /** Noise σ in grey levels at the Li grey level; σ grows as √signal (Poisson-like). */
  noise: number;
  /** Detector PSF σ in voxels (separable Gaussian). */
  blurSigmaVoxels: number;
  /** Phase-contrast fringe strength α in voxel² (I − α ∇²(G_σ * I), σ = 1 voxel). */
  phaseContrast: number;
  /** Largest ring amplitude in grey levels. */
  rings: number;
  /** Beam-hardening cupping: fractional intensity drop at the slice centre. */
  cupping: number;
  /** Peak-to-peak fractional gain change along z. */
  drift: number;
}

export interface PresetDefaults extends ImagePhysics {
  description: string;
  voxelUm: number;
  shape: Shape3;
  grey: GreyLevels;
  collectorKind: 'carbon' | 'steel';
  /** Li layer thickness distribution imposed on the field of view. */
  thickness: { distribution: 'lognormal' | 'normal'; medianOrMeanUm: number; sigma: number; corrUm: number };
  /**
   * Current collector thickness (µm), std of its variation and that variation's correlation length.
   * With topVoidUm = 0 the collector reaches z = 0 and thicknessUm is its thinnest point.
   */
  collector: { thicknessUm: number; stdUm: number; corrUm: number };
  /** Minimum void/air above the collector (µm). 0: the collector starts at z = 0. */
  topVoidUm: number;
  /** Electrolyte surface roughness Rq (µm) and correlation length (µm). */
  surface: { rqUm: number; corrUm: number };
  /** Electrolyte porosity target, pore field smoothing σ (µm) and pore-free band under the surface (µm). */
  pores: { porosity: number; sigmaUm: number; surfaceBandUm: number };
  /** depleted only: fraction of the area stripped to zero Li, interfacial void pockets and gaps. */
  stripping?: { zeroFraction: number; pocketsPerMm2: number; pocketRadiusUm: [number, number]; pocketHeightUm: [number, number]; gapUm: number; gapTaperUm: number };
  /** foil only: Li filaments grown into the electrolyte. */
  filaments?: { count: [number, number]; radiusVoxels: [number, number]; depthUm: [number, number] };
}

/*
 * Grey levels: attenuation-contrast ordering for 25 keV (synchrotron) / 80 kV (lab): Li (Z = 3,
 * 0.53 g/cm³) is nearly transparent, so Li sits just above void/air and far below Li6PS5Cl (S, Cl,
 * P); Grafoil carbon is in between; steel is far above everything. Li vs void is deliberately close
 * (CNR ≈ 2.3 per voxel with the default noise) — the hard part of the segmentation.
 */
const SYNCHROTRON_GREY: GreyLevels = { void: 1200, li: 2200, electrolyte: 9000, collector: 5500 };
// Lab CT: air reconstructs near the offset (400), and the noise is stronger (1000 at Li) so Li vs
// void keeps CNR ≈ 2.3. Small pores still look much brighter than air through partial volume.
const LAB_GREY: GreyLevels = { void: 400, li: 2200, electrolyte: 9000, collector: 30000 };

export const PRESETS: Record<PresetName, PresetDefaults> = {
  plated: {
    description: 'Anode-free Grafoil | plated Li | Li6PS5Cl, synchrotron (APS 2-BM, S002 Fig 3)',
    voxelUm: 1.7,
    shape: [160, 256, 256],
    grey: SYNCHROTRON_GREY,
    collectorKind: 'carbon',
    // S002: ~25 µm expected, max ~50, min <10 µm, thick regions span hundreds of µm.
    // Lognormal median 23.3 µm, σ_log 0.34: mean ≈ 24.7, p01 ≈ 10.6, p99 ≈ 51 µm; tails clipped at
    // u = 0.002 / 0.998 (≈ 8.8 / 62 µm).
    thickness: { distribution: 'lognormal', medianOrMeanUm: 23.3, sigma: 0.34, corrUm: 150 },
    collector: { thicknessUm: 30, stdUm: 1.5, corrUm: 60 },
    topVoidUm: 5,
    // S002 Fig S8: pristine interface flat; Rq ≈ 1 µm over ~8 µm lateral scale.
    surface: { rqUm: 1.0, corrUm: 8 },
    // Pellet pressed at 225 MPa: dense, a few % small isolated pores.
    pores: { porosity: 0.03, sigmaUm: 1.6, surfaceBandUm: 3 },
    noise: 500,
    blurSigmaVoxels: 0.9,
    phaseContrast: 1.0, // propagation-based phase contrast is strong at a synchrotron
    rings: 250,
    cupping: 0.02, // monochromatic beam: little beam hardening
    drift: 0.03,
  },
  depleted: {
    description: 'Plated cell after partial stripping: thinned Li, bare patches, interfacial voids',
    voxelUm: 1.7,
    shape: [160, 256, 256],
    grey: SYNCHROTRON_GREY,
    collectorKind: 'carbon',
    thickness: { distribution: 'lognormal', medianOrMeanUm: 23.3, sigma: 0.34, corrUm: 150 },
    collector: { thicknessUm: 30, stdUm: 1.5, corrUm: 60 },
    topVoidUm: 5,
    surface: { rqUm: 1.0, corrUm: 8 },
    pores: { porosity: 0.03, sigmaUm: 1.6, surfaceBandUm: 3 },
    // Uniform stripping depth d = 20th percentile of t → 20 % of the area has no Li left.
    // Lens-shaped voids (paraboloids) where Li creep could not keep up with stripping; thin gaps
    // where Li is gone because the collector does not fully follow.
    stripping: { zeroFraction: 0.2, pocketsPerMm2: 80, pocketRadiusUm: [12, 35], pocketHeightUm: [2.5, 7], gapUm: 3, gapTaperUm: 4 },
    noise: 500,
    blurSigmaVoxels: 0.9,
    phaseContrast: 1.0,
    rings: 250,
    cupping: 0.02,
    drift: 0.03,
  },
  foil: {
    description: 'Steel plunger | Li foil | porous Li6PS5Cl pellet with Li filaments, lab CT (Versa 510, S000)',
    voxelUm: 1.18,
    shape: [200, 256, 256],
    grey: LAB_GREY,
    collectorKind: 'steel',
    // Rolled foil: mild variation, 90 ± 4 µm.
    thickness: { distribution: 'normal', medianOrMeanUm: 90, sigma: 4, corrUm: 200 },
    // Steel plunger reaching z = 0; thicknessUm is its thinnest point (lower surface rides on the
    // foil), which puts the mean plunger thickness in the field of view at ≈ 16 µm.
    collector: { thicknessUm: 5, stdUm: 0, corrUm: 40 },
    topVoidUm: 0,
    surface: { rqUm: 0.5, corrUm: 10 },
    // ~18 % porosity, pores a few µm (field σ = 3 µm → blobs ~5–10 µm across), partly connected
    // (thresholded smooth field). Smaller pores would be pure partial volume at 1.18 µm voxels.
    pores: { porosity: 0.18, sigmaUm: 3, surfaceBandUm: 1.5 },
    filaments: { count: [3, 8], radiusVoxels: [1.5, 4], depthUm: [20, 80] },
    noise: 1000,
    blurSigmaVoxels: 0.8,
    phaseContrast: 0.25, // weak at a lab source (small coherence)
    rings: 200,
    cupping: 0.08, // polychromatic 80 kV beam: visible beam hardening
    drift: 0.03,
  },
};
