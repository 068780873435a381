import type { ComputeBackend } from '../compute/types.js';
import type { UserMask } from './mask.js';
import type { Spacing3 } from '../io/volume.js';
import type { HistogramSummary, ThresholdConvention } from './histogram.js';
import type { GaussianComponent } from './gmm.js';

export type DenoiseChoice = 'auto' | 'none' | 'median' | 'gaussian';

export interface SegmentOptions {
  /** Lines to leave out (see mask.ts): labelled 255 and excluded, like the field of view. */
  mask?: UserMask;
  /** Where the full-volume voxel kernels run (cpu worker threads or WebGPU); `segment` creates and
   *  disposes a cpu backend when none is given. */
  backend?: ComputeBackend;
  /** 'phases' (default): contract codes 0 void, 1 Li, 2 electrolyte, 3 collector. 'classes': 0..K−1 by intensity. */
  mode: 'phases' | 'classes';
  /** Generic mode: number of classes K (2..16). */
  classes?: number;
  method: 'otsu' | 'gmm';
  denoise?: DenoiseChoice;
  /** Gaussian σ in voxels when denoise is 'gaussian' (auto picks one). */
  sigma?: number;
  /**
   * Full, symmetric and Li-foil cells: decide the phases again on a Gaussian (σ 0.6) of the scan
   * (second-pass.ts): Dice +0.02–0.04 void, +0.003–0.012 electrolyte, +0.016 cathode on the layout
   * matrix, at ≈ 1.8× the CPU and, in memory, ≈ 9.5× the scan at 512³ (against ≈ 2.6×): off by default.
   */
  secondPass?: boolean;
  /** 'bright': inverted rendering (Li appears bright); the grey scale is inverted before the analysis. */
  liContrast?: 'dark' | 'bright';
  collector?: 'auto' | 'carbon' | 'metal' | 'none';
  /** Islands (26-connected) smaller than this are relabelled to the surrounding majority. */
  minIslandVoxels?: number;
  /** Fill enclosed holes of each phase (off by default: pores are holes of the electrolyte). */
  fillHoles?: boolean;
  /** Voxel size (µm); defaults to the scan's. Needed for the Li volume and areal capacity. */
  spacing?: Spacing3 | null;
  onProgress?: (stage: string, done: number, total: number) => void;
  /** Called as each step ends with its wall time (benchmarks read the CPU time there). */
  onStep?: (step: string, wallMs: number) => void;
  /**
   * Allow overwriting scan.data (denoised in place) to keep peak memory near input + labels.
   * Off by default: inputs are never modified.
   */
  inPlace?: boolean;
  /** Float data: histogram bins (default 256 in classes mode like scikit-image, 4096 in phases mode). */
  floatBins?: number;
  /**
   * Generic mode, method otsu: 'exact' (default) maximises the between-class variance exactly;
   * 'skimage' reproduces scikit-image 0.19 bit for bit, including its first-moment slip.
   */
  otsuVariant?: 'exact' | 'skimage';
  /** Phase mode: boundary refinement passes with the half-way rule (default 3; 0 disables). */
  refinePasses?: number;
  /** Phase mode: stack normal ('auto': detected from the data, see axis.ts). */
  normal?: 'auto' | AxisName;
  /** Phase mode: look for a reconstruction field of view ('auto', see fov.ts) or not ('none'). */
  fieldOfView?: 'auto' | 'none';
  /**
   * Phase mode: the cell layout ('auto': found from the data). A requested layout steers the steps
   * that decide it (a composite cathode looked for or not, a Li layer beyond the electrolyte's far
   * face taken as the second electrode or not); when the data still show another layout, the QC
   * check `layout_requested` fails.
   */
  layout?: 'auto' | Exclude<LayoutName, 'unknown'>;
}

export interface DenoiseReport {
  requested: DenoiseChoice;
  applied: 'none' | 'median' | 'gaussian';
  sigma_voxels: number | null;
  noise_sigma: number;
  noise_sigma_per_class: (number | null)[];
  /** Smallest separation of adjacent class means divided by the noise σ of the pair. */
  min_cnr: number | null;
  class_means_quick: number[];
  reason: string;
  noise_method: string;
}

export interface PhaseDecision {
  step: string;
  decision: string;
  evidence?: Record<string, unknown>;
}

export interface SegmentReport {
  version: 1;
  mode: 'phases' | 'classes';
  method: 'otsu' | 'gmm';
  classes: number;
  shape: [number, number, number];
  input_dtype: string;
  spacing_um: Spacing3 | null;
  li_contrast: 'dark' | 'bright';
  grey_inverted: boolean;
  /** Thresholds applied to the (denoised, possibly inverted) grey levels, ascending. */
  thresholds: number[];
  threshold_convention: ThresholdConvention;
  otsu_variant?: 'exact' | 'skimage';
  /** Phase mode: the low-density split (void | Li) threshold on the fringe-corrected grey. */
  void_li_threshold?: number | null;
  histogram: HistogramSummary;
  gmm?: { components: GaussianComponent[]; iterations: number; converged: boolean; fallback: string[] } | null;
  /** Mean grey level (of the image the labels were decided on) per output label. */
  class_means: Record<string, number | null>;
  /** Voxel fraction per output label (keys: label codes). */
  phase_fractions: Record<string, number>;
  /** Phase mode: fractions of the whole volume outside the cell (5) and outside the field of view (255), not in phase_fractions. */
  excluded_fractions?: Record<string, number>;
  phase_names: Record<string, string>;
  li?: { voxels: number; volume_um3: number | null; map_area_um2: number | null; mean_thickness_um: number | null; areal_capacity_mah_cm2: number | null; um_per_mah_cm2: 4.85 } | null;
  denoise: DenoiseReport;
  decisions: PhaseDecision[];
  cleanup: { min_island_voxels: number; islands_removed: Record<string, number>; voxels_relabelled: Record<string, number>; fill_holes: boolean; holes_filled_voxels: Record<string, number> };
  refinement?: { passes: number; changed_per_pass: number[] } | null;
  /** Phase mode: how far the labels can be trusted (see qc.ts); absent in classes mode. */
  qc?: QcBlock;
  backend: string;
  timings_ms: Record<string, number>;
}

export type LayoutName = 'anode-free' | 'li-foil' | 'symmetric' | 'full-cell' | 'unknown';
export type AxisName = 'z' | 'y' | 'x';

/** One plausibility check of a segmentation: its figure, the limit it is held to, and the verdict. */
export interface QcCheck {
  /** Stable identifier, e.g. 'contrast', 'fallback', 'fragmentation', 'unimodal_electrolyte'. */
  name: string;
  ok: boolean;
  /** 'error': failing lowers the confidence; 'note': reported only. */
  severity: 'error' | 'note';
  value: number | string | null;
  /** The limit in words, e.g. '≥ 2.0' or '≤ 5 %'. */
  limit: string;
  /** One sentence a researcher understands (what was measured and what it means). */
  message: string;
}

/**
 * Quality control of a phase segmentation: the layout and its evidence, the contrast, how much was
 * decided by fallback rules, and the checks. `confidence` is 'low' when any 'error' check fails;
 * `warnings` are the failed checks' messages (the stderr warning line and the report's red banner).
 */
export interface QcBlock {
  confidence: 'high' | 'low';
  warnings: string[];
  layout: {
    name: LayoutName;
    /** Stack normal in the input volume's axes. */
    normal_axis: AxisName;
    /** 'detected' from the data or 'requested' (--layout / --normal). */
    source: 'detected' | 'requested';
    /** Collector / plunger kind found: carbon, metal or none. */
    collector: 'carbon' | 'metal' | 'none';
    /** Li electrodes found (0, 1 or 2). */
    electrodes: number;
    evidence: Record<string, unknown>;
  };
  /** Reconstruction field of view: voxels outside it are labelled 255 and excluded from the statistics. */
  field_of_view: { detected: boolean; axis: AxisName | null; fill: number | 'nan' | null; masked_fraction: number; evidence: Record<string, unknown> };
  /**
   * Interior mean and σ of the final phases on the analysed grey (keys: label codes), and each pair of
   * phases in contact (a, b: label codes) with its separation |Δ median| / the cleaner phase's robust σ.
   */
  contrast: { phase_means: Record<string, number | null>; phase_sigmas: Record<string, number | null>; pairs: { a: string; b: string; separation: number }[]; min_separation: number | null };
  /** Fraction of the analysed voxels whose phase came from a fallback rule (no direct evidence). */
  fallback_fraction: number;
  checks: QcCheck[];
}

export interface SegmentResult {
  labels: Uint8Array;
  report: SegmentReport;
}
