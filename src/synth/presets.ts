/** Documented defaults of the phantom presets (numbers and the reasons behind them). */
import type { Shape3 } from '../io/volume.js';

export type PresetName = 'plated' | 'depleted' | 'foil' | 'symmetric' | 'fullcell' | 'labct';

/** Cell layout along the stack normal (from the start of the normal axis). */
export type Layout = 'anode-free' | 'li-foil' | 'symmetric' | 'full-cell';

/** What lies beyond the ends of the stack (and, for 'die', laterally around the pellet). */
export type Surroundings = 'none' | 'air' | 'plunger' | 'die';

/** Mean grey level (before artefacts and noise) of each label code. */
export interface GreyLevels {
  void: number;
  li: number;
  electrolyte: number;
  collector: number;
  /** Cathode active material (label 4); full cells only. */
  cathode?: number;
  /** Air outside the cell (label 5); defaults to the void level (same gas, same reconstruction). */
  air?: number;
  /** Steel plunger (label 3) added by the 'plunger' / 'die' surroundings. */
  plunger?: number;
  /** PEEK die wall (label 5) added by the 'die' surroundings. */
  die?: number;
  /** Al current collector foil on a full cell's cathode (label 3, `cathodeFoilUm`). */
  foil?: number;
}

/** Two Li electrodes (symmetric) or one Li anode (full cell), each with its own random fields. */
export interface ElectrodeSpec {
  /** Mean thickness of each electrode is drawn uniformly from this range (µm). */
  meanUm: [number, number];
  /** Thickness std (µm) and correlation length (µm) of the smooth variation. */
  stdUm: number;
  corrUm: number;
}

/** Composite cathode of a full cell: CAM spheres (Boolean model) in an electrolyte matrix. */
export interface CompositeSpec {
  /** Nominal composite thickness in view (µm) before fitting. */
  thicknessUm: number;
  /** Roughness Rq (µm) and correlation length (µm) of the separator | composite interface. */
  rqUm: number;
  corrUm: number;
  /** Target CAM volume fraction of the composite (overlapping spheres, so edge effects lower it a bit). */
  camFraction: number;
  /** CAM particle radius range (µm), uniform. */
  radiusUm: [number, number];
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
  /** Layout; absent = derived from the preset (plated, depleted: anode-free; foil, labct: li-foil). */
  layout?: Layout;
  /** Default geometry options of the preset (absent = 'z', 'none', 'none'). */
  defaults?: { fov?: 'none' | 'circle'; surroundings?: Surroundings };
  /** symmetric / full-cell: the Li electrode(s). */
  electrode?: ElectrodeSpec;
  /** full-cell: the composite cathode. */
  composite?: CompositeSpec;
  voxelUm: number;
  shape: Shape3;
  grey: GreyLevels;
  collectorKind: 'carbon' | 'steel' | 'copper';
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
  /** foil, labct, symmetric, fullcell: Li filaments grown into the electrolyte (from each electrode). */
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
// New layouts: the same phase levels plus what they add. NMC (Ni/Mn/Co oxide, ≈ 4.7 g/cm³) absorbs
// far more than Li6PS5Cl (1.86 g/cm³, S/P/Cl): cathode ≈ 2.4× the electrolyte, below steel. PEEK
// (C/H/O polymer, 1.3 g/cm³) reads a little above air. Steel at 25 keV is nearly opaque: saturated
// high in a synchrotron reconstruction.
// Al (2.7 g/cm³, Z = 13) absorbs ≈ 1.2× Li6PS5Cl at 80 kV (μ ≈ 1.5 vs 1.25 cm⁻¹ at 40 keV) and
// about as much at 25 keV: an Al current collector reads just above the electrolyte.
const LAB_GREY_FULL: GreyLevels = { ...LAB_GREY, cathode: 22000, air: 400, plunger: 30000, die: 1600, foil: 10800 };
const SYNCHROTRON_GREY_FULL: GreyLevels = { ...SYNCHROTRON_GREY, cathode: 21000, air: 1200, plunger: 40000, die: 2400, foil: 10800 };

/** Grey of air / plunger / die / cathode for any preset (the original presets leave them implicit). */
export function fullGrey(g: GreyLevels): Required<GreyLevels> {
  const lab = g.collector >= 20000;
  const ref = lab ? LAB_GREY_FULL : SYNCHROTRON_GREY_FULL;
  return {
    ...g,
    cathode: g.cathode ?? (ref.cathode as number),
    air: g.air ?? g.void,
    plunger: g.plunger ?? (ref.plunger as number),
    die: g.die ?? (ref.die as number),
    foil: g.foil ?? (ref.foil as number),
  };
}

/**
 * An anode-free preset plated on a Cu foil instead of Grafoil (the common anode-free current
 * collector): Cu (8.96 g/cm³, Z = 29) is nearly opaque at 25 keV, saturated high like a steel
 * plunger in a synchrotron reconstruction; a 12 µm foil.
 */
export const COPPER_GREY = 40000;
export function withCopperCollector(p: PresetDefaults): PresetDefaults {
  return { ...p, grey: { ...SYNCHROTRON_GREY_FULL, ...p.grey, collector: COPPER_GREY, plunger: SYNCHROTRON_GREY_FULL.plunger }, collectorKind: 'copper', collector: { ...p.collector, thicknessUm: 12, stdUm: 0.5 } };
}

/** Layout of a preset. */
export function layoutOf(preset: PresetName, p: PresetDefaults): Layout {
  if (p.layout) return p.layout;
  return preset === 'foil' || preset === 'labct' ? 'li-foil' : 'anode-free';
}

export const PRESETS: Record<PresetName, PresetDefaults> = {
  plated: {
    description: 'Anode-free Grafoil | plated Li | Li6PS5Cl, synchrotron (APS 2-BM, cf. Lewis et al., Adv. Energy Mater. 2023, Fig 3)',
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
  symmetric: {
    description: 'Li | porous Li6PS5Cl pellet | Li symmetric cell (S000 / S001 layout), lab CT; both foils and the pellet in view, no collector',
    layout: 'symmetric',
    voxelUm: 1.5,
    shape: [200, 256, 256],
    // Lab CT (Versa-like) grey levels and noise, as the foil preset: S000 / S001 cells are imaged
    // in the lab. Li vs pore keeps CNR ≈ 2.3 per voxel.
    grey: LAB_GREY_FULL,
    collectorKind: 'steel',
    // Unused by this layout (each electrode's own numbers are in `electrode`); kept for the shared
    // interface. The pellet thickness in view is whatever is left between the two foils.
    thickness: { distribution: 'normal', medianOrMeanUm: 30, sigma: 2, corrUm: 150 },
    collector: { thicknessUm: 0, stdUm: 0, corrUm: 40 },
    topVoidUm: 0,
    // Li foils 20–40 µm (each its own mean, ± 2 µm smooth variation); the outer faces sit on flat
    // plungers (flat in view), all variation is on the electrolyte side.
    electrode: { meanUm: [24, 36], stdUm: 2, corrUm: 150 },
    // Li pressed at 25 MPa onto a pellet: the interface copies the pellet roughness (Rq ≈ 0.7 µm).
    surface: { rqUm: 0.7, corrUm: 10 },
    // S000: 370 MPa cold-pressed pellet, ≈ 18 % porosity (82 % relative density). Pores a few µm.
    pores: { porosity: 0.15, sigmaUm: 3, surfaceBandUm: 1.5 },
    // Short-circuit precursors from either electrode (S000 Fig 5b: low-density structures in the SE).
    filaments: { count: [1, 4], radiusVoxels: [1.5, 3], depthUm: [15, 70] },
    noise: 1000,
    blurSigmaVoxels: 0.8,
    phaseContrast: 0.25,
    rings: 200,
    cupping: 0.08,
    drift: 0.03,
  },
  fullcell: {
    description: 'Li foil | Li6PS5Cl separator | NMC + Li6PS5Cl composite cathode full cell (S001), lab CT',
    layout: 'full-cell',
    voxelUm: 1.5,
    shape: [200, 256, 256],
    grey: LAB_GREY_FULL,
    collectorKind: 'steel',
    thickness: { distribution: 'normal', medianOrMeanUm: 30, sigma: 2, corrUm: 150 },
    collector: { thicknessUm: 0, stdUm: 0, corrUm: 40 },
    topVoidUm: 0,
    electrode: { meanUm: [25, 35], stdUm: 2, corrUm: 150 },
    surface: { rqUm: 0.7, corrUm: 10 },
    // Separator and composite matrix share the pore field (12 % of the electrolyte by volume; the
    // composite's pores are what CAM spheres leave of it, ≈ 12 % × (1 − CAM fraction)).
    pores: { porosity: 0.12, sigmaUm: 2.5, surfaceBandUm: 1.5 },
    // Composite: 70:30 wt% NMC : Li6PS5Cl (S002 Methods uses 70 % CAM by mass) → ≈ 65 % CAM by
    // volume of the solids; single-crystal NMC particles of a few µm (S003 §2.4.3). ~90 µm thick
    // (≈ 12 mg on a 10 mm electrode, S000 Methods order of magnitude).
    composite: { thicknessUm: 90, rqUm: 2, corrUm: 12, camFraction: 0.65, radiusUm: [2.5, 5] },
    filaments: { count: [0, 3], radiusVoxels: [1.5, 3], depthUm: [10, 50] },
    noise: 1000,
    blurSigmaVoxels: 0.8,
    phaseContrast: 0.25,
    rings: 200,
    cupping: 0.08,
    drift: 0.03,
  },
  labct: {
    description: 'Lab-CT full picture: air | steel plunger | Li foil | porous Li6PS5Cl pellet with filaments, circular reconstruction field of view (Versa 510, S000)',
    voxelUm: 1.18,
    shape: [200, 256, 256],
    grey: LAB_GREY,
    collectorKind: 'steel',
    defaults: { fov: 'circle', surroundings: 'plunger' },
    // The foil preset's physics (see there).
    thickness: { distribution: 'normal', medianOrMeanUm: 90, sigma: 4, corrUm: 200 },
    collector: { thicknessUm: 5, stdUm: 0, corrUm: 40 },
    topVoidUm: 0,
    surface: { rqUm: 0.5, corrUm: 10 },
    pores: { porosity: 0.18, sigmaUm: 3, surfaceBandUm: 1.5 },
    filaments: { count: [3, 8], radiusVoxels: [1.5, 4], depthUm: [20, 80] },
    noise: 1000,
    blurSigmaVoxels: 0.8,
    phaseContrast: 0.25,
    rings: 200,
    cupping: 0.08,
    drift: 0.03,
  },
};
