/**
 * Types shared by the phase steps: the caller's context and result of `segmentPhases`, and the step
 * context every step receives (store, geometry, the decisions list it appends to). Each step returns
 * its own typed result; what a later step needs is passed on explicitly, so the data flow between
 * the steps reads from the orchestrator (../phases.ts).
 */
import type { ComputeBackend } from '../../compute/types.js';
import type { Shape3, Spacing3 } from '../../io/volume.js';
import type { GaussianComponent } from '../gmm.js';
import type { Histogram } from '../histogram.js';
import type { PhaseStore } from '../store.js';
import type { PhaseDecision, SegmentOptions } from '../types.js';
import type { ClassOf } from './class-stats.js';
import type { Slab } from './end-layers.js';
import type { FoilEvidence } from './cathode-foil.js';

export interface PhaseContext {
  /** Grey levels (denoised, possibly inverted) and the label volume: in memory or on disk. */
  store: PhaseStore;
  spacing: Spacing3 | null;
  backend: ComputeBackend;
  method: 'otsu' | 'gmm';
  options: SegmentOptions;
  progress: (stage: string, done: number, total: number) => void;
  lap: (name: string) => void;
  /** Cap on the slices per connected-components slab (out of core: the store's slab size). */
  ccSlabSlices?: number;
  /** Refinement changes kept in memory per chunk before spilling to disk (default CHANGE_CHUNK_ENTRIES; tests). */
  changeChunkEntries?: number;
}

export type GmmInfo = { components: GaussianComponent[]; iterations: number; converged: boolean; fallback: string[] } | null;

/** The labels are left in `ctx.store`. */
export interface PhaseResult {
  thresholds: number[];
  voidLiThreshold: number | null;
  histogram: Histogram;
  gmm?: GmmInfo;
  decisions: PhaseDecision[];
  refinement: { passes: number; changed_per_pass: number[] };
  /** What the layout steps found (the QC block reports it). */
  layout: {
    collector: 'carbon' | 'metal' | 'none'; electrodes: number; li_column_coverage: number; collector_at: 'start' | 'end' | 'both' | null;
    /** Li voxels in the layer at the start of the working z (the collector side) and beyond the electrolyte's far face. */
    li_voxels_near: number; li_voxels_far: number; far_layer: boolean;
    /** What the data show whatever the requested layout: a Li layer beyond the far face, a composite cathode. */
    far_layer_in_data: boolean; cathode_in_data: boolean;
    /** Materials under the collector label: 0 none, 1, or 2 (carbon foil and metal plunger). */
    collector_materials: number;
    /** A composite cathode was found (its active material labelled 4). */
    cathode: boolean;
    /** A current collector foil beyond the composite cathode (labelled 3): its median thickness in voxels, 0 none. */
    cathode_foil: number;
  };
  /** Voxels decided by fallback rules: undecided after the layout steps (nearest mean among neighbours, or class alone). */
  fallbackVoxels: number;
}

/** What every step gets: the caller's context, the volume's geometry, and the decisions list (appended to in step order). */
export interface StepContext {
  store: PhaseStore;
  backend: ComputeBackend;
  method: 'otsu' | 'gmm';
  options: SegmentOptions;
  progress: (stage: string, done: number, total: number) => void;
  lap: (name: string) => void;
  decisions: PhaseDecision[];
  shape: Shape3;
  nz: number;
  ny: number;
  nx: number;
  plane: number;
  /** Slices per connected-components slab. */
  slabDepth: number;
  changeChunkEntries?: number;
}

export type CollectorKind = 'carbon' | 'metal' | 'none';

/**
 * Which intensity class is which phase (steps 1): the thresholds and classifier finally used, the
 * collector's class(es) and layers, the electrolyte's class, a composite cathode's class and end.
 */
export interface ClassPlan {
  thresholds: number[];
  cls: ClassOf;
  gmm: GmmInfo;
  collectorKind: CollectorKind;
  /** -1: none. */
  collectorClass: number;
  /** Intensity classes of the collector label (a carbon foil behind a metal plunger: both). */
  collectorClasses: number[];
  electrolyteClass: number;
  /** Grey levels of the collector label's materials when it holds two (carbon foil + metal plunger). */
  collectorMaterialLevels: number[];
  /** Median carbon run behind each end layer (two-material collectors). */
  carbonRuns: number[];
  /** The longest collector layer, and the collector layers kept: one, or one at each end (plungers of a symmetric cell). */
  slab: Slab | null;
  endSlabs: Slab[];
  /** -1: no cathode. */
  cathodeClass: number;
  cathodeEnd: 'start' | 'end' | null;
  /** A composite cathode in the data whatever the requested layout. */
  cathodeInData: boolean;
  /** A current collector foil beyond the composite (cathode-foil.ts), labelled collector in step 10. */
  cathodeFoil?: FoilEvidence;
}
