/** Options and results of the electrolyte microstructure stage (pores.json). */
import type { Shape3, Spacing3 } from '../io/volume.js';
import type { Axis, NormalOption } from '../thickness/map.js';
import type { LayerSide } from './layer.js';
import type { TortuosityFn, TortuosityOutcome } from './tortuosity-plugin.js';
import type { PoreSizes } from './sizes.js';

export interface PoresOptions {
  /** Voxel size [dz, dy, dx] µm (default: the labels' spacing; required one way or the other). */
  spacing?: Spacing3 | null;
  /** Stack normal: x, y, z (default) or auto (the axis along which the electrolyte fraction varies most). */
  normal?: NormalOption;
  /** Surface walk window, repair threshold and radius: as the thickness map (6, 2.5, 6). */
  window?: number;
  outlierVoxels?: number;
  medianRadius?: number;
  /** Bytes the stage may hold (default: 60 % of the available memory); sizes the slabs. */
  budgetBytes?: number;
  /** Force slices per slab (tests): every pass streams, as a volume over the budget would. */
  slabSlices?: number;
  /** Worker threads of the distance transforms and components (default: all cores). */
  threads?: number;
  /** Histogram bins of the pore sizes (default 40). */
  bins?: number;
  /**
   * Li touching a side counts as a filament when it reaches at least this many voxels deep along the
   * normal (default 4); shallower Li is interface roughness (the layer's surface repair treats 2.5
   * voxels as roughness), counted as `interface_bumps`.
   */
  minFilamentVoxels?: number;
  /** Filaments and pore clusters listed one by one in pores.json (largest first; default 200). */
  maxListed?: number;
  /**
   * The conduction solve (absent: tortuosity.ts through tortuosity-plugin.ts; tests inject their
   * own). null: not computed, `tortuosity_factor: null` with the reason.
   */
  measureTortuosity?: TortuosityFn | null;
  /** Where the tortuosity solve runs: 'cpu' (default), 'gpu', or 'auto' (the gpu on a hardware adapter). */
  tortuosityBackend?: 'auto' | 'cpu' | 'gpu';
  /** Axes of the tortuosity solve ('normal': the stack normal; default: the stack normal only). */
  tortuosityAxes?: (Axis | 'normal')[];
  /** Relative residual of the solve (default 1e-6). */
  tortuosityTol?: number;
  onProgress?: (done: number, total: number) => void;
  onNote?: (message: string) => void;
}

export interface FilamentRecord {
  id: number;
  /** Side it grows from (its name: near, far, anode, low, high), 'both' when it joins the two sides, null when it touches neither. */
  from: string | null;
  voxels: number;
  volume_um3: number;
  /** µm from the layer face of the side it grows from to the far face of its deepest voxel (along the normal, per column); null for Li touching neither side. */
  depth_um: number | null;
  crossing: boolean;
}

export interface PenetrationSummary {
  side: 'low' | 'high';
  name: string;
  max_um: number;
  mean_um: number;
  area_fraction: number;
  file?: string;
}

/** One tortuosity solve as pores.json lists it: the solver's outcome without its maps and times. */
export type TortuosityRecord = Omit<TortuosityOutcome, 'inlet_flux' | 'timings_ms' | 'backend'> & {
  axis: Axis;
  phase: 'electrolyte' | 'pore';
  box: Shape3;
  /** What solved it. */
  backend: string | null;
};

export interface PoresJson {
  shape: Shape3;
  spacing_um: Spacing3;
  normal_axis: Axis;
  layer: {
    definition: string;
    columns: number;
    columns_total: number;
    thickness_um: { mean: number; min: number; max: number };
    repaired_columns: { low: number; high: number; cathode: number; open_end: number };
    sides: { low: LayerSide; high: LayerSide };
  };
  /** pores / (pores + electrolyte) in the layer; null when the layer holds neither. */
  porosity: number | null;
  voxels: { layer: number; pore: number; electrolyte: number; li: number; other: number };
  porosity_profile: {
    definition: string;
    position_um: number[];
    porosity: (number | null)[];
    pore_voxels: number[];
    electrolyte_voxels: number[];
    li_voxels: number[];
  };
  pore_size: (PoreSizes & { definition: string }) | null;
  pore_clusters: {
    connectivity: 6;
    count: number;
    volume_um3: number;
    largest_um3: number;
    largest_fraction: number;
    mean_um3: number;
    median_um3: number;
    touching_low: number;
    touching_high: number;
    percolating: boolean;
    /** Largest first, at most maxListed. */
    sizes_um3: number[];
  };
  li: {
    voxels: number;
    volume_um3: number;
    fraction_of_layer: number;
    /** Li clusters touching a side and at least min_filament_depth_um deep (crossing ones included). */
    filament_count: number;
    min_filament_depth_um: number;
    /** Li clusters touching a side but shallower than that (interface roughness). */
    interface_bumps: number;
    crossing_count: number;
    isolated_count: number;
    deepest_um: number;
    filaments: FilamentRecord[];
    penetration: PenetrationSummary[];
  };
  percolating: boolean;
  percolating_definition: string;
  percolating_li: boolean;
  min_gap_um: number;
  li_min_gap_um: number;
  gap_definition: string;
  tortuosity_factor: number | null;
  effective_conductivity_ratio: number | null;
  tortuosity: { computed: boolean; reason: string | null; runs: TortuosityRecord[]; flux_file?: string };
  memory: { out_of_core: boolean; slab_slices: number; slabs: number; budget_bytes: number; in_core_bytes: number };
  timings_ms: Record<string, number>;
}

/** Everything the stage measured: the JSON document and the maps behind its files. */
export interface PoresResult {
  json: PoresJson;
  /** Penetration maps (µm, [rows, cols], NaN where no layer) of the Li sides. */
  penetration: { side: 'low' | 'high'; name: string; map: Float32Array }[];
  /** Through-plane flux at the inlet face of the first tortuosity run (null: not computed). */
  flux: Float32Array | null;
  /** [rows, cols] of the maps and their µm per pixel. */
  mapShape: [number, number];
  mapPixelUm: [number, number];
}
