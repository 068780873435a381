import type { Shape3, VoxelArray } from '../io/volume.js';

export type BackendName = 'cpu' | 'gpu';
export type BackendChoice = 'auto' | BackendName;

/** Arrays the voxel kernels accept as input (grey levels and masks). */
export type GreyArray = Uint8Array | Uint16Array | Float32Array;

/**
 * Histogram binning. Bin i holds values v with lo + i·width <= v < lo + (i+1)·width; values below lo
 * go to bin 0 and values at or above lo + bins·width go to the last bin. For integer inputs, lo and
 * width are integers and the index is computed in integer arithmetic, so every backend agrees
 * exactly; for float inputs the index is floor((v − lo) / width) in float32 on every backend.
 */
export interface HistogramSpec {
  lo: number;
  width: number;
  bins: number;
}

export interface ComponentResult {
  /** 0 = background, 1..count = components, numbered in order of first voxel (z, y, x raster order). */
  labels: Uint32Array;
  count: number;
  /** sizes[k] = voxels in component k (sizes[0] = background voxels). */
  sizes: Float64Array;
}

/**
 * One interface for voxel operations, two backends (cpu: worker threads over z-slabs sharing
 * memory; gpu: WebGPU kernels). Arrays are [nz, ny, nx] with x fastest. Boundary handling is edge
 * replication ('nearest') everywhere, which for 3-wide windows equals SciPy's default 'reflect'.
 * Every method may be called with a SharedArrayBuffer-backed input (avoids copies on the cpu
 * backend). Results are new arrays unless `out` is given.
 */
export interface ComputeBackend {
  readonly name: BackendName;
  /** What actually ran: e.g. "cpu: 2 worker threads" or "gpu: WebGPU on NVIDIA H100 (vulkan)". */
  readonly description: string;

  /** (v − lo) / (hi − lo) clamped to [0, 1]. */
  normalize(input: GreyArray, lo: number, hi: number, out?: Float32Array): Promise<Float32Array>;
  /** min(max(v, lo), hi), same type as the input. */
  clip<A extends GreyArray>(input: A, lo: number, hi: number, out?: A): Promise<A>;
  /** 3×3×3 median, same type as the input; `out` may be the input itself (in place). */
  median3<A extends GreyArray>(input: A, shape: Shape3, out?: A): Promise<A>;
  /** Separable Gaussian, σ per axis [σz, σy, σx] in voxels, kernel radius ceil(truncate·σ), truncate 4. */
  gaussian(input: GreyArray, shape: Shape3, sigma: [number, number, number], out?: Float32Array): Promise<Float32Array>;
  /** Counts per bin (Float64Array: exact beyond 2³² voxels). */
  histogram(input: GreyArray, spec: HistogramSpec): Promise<Float64Array>;
  /** label = number of thresholds t (ascending, compared in float32) with v >= t — NumPy's digitize. */
  classify(input: GreyArray, thresholds: readonly number[], out?: Uint8Array): Promise<Uint8Array>;
  /** Mean and variance over the (2r+1)³ box around each voxel (edge-replicated). */
  localMeanVariance(input: GreyArray, shape: Shape3, radius: number): Promise<{ mean: Float32Array; variance: Float32Array }>;
  /**
   * Connected components of mask != 0 (connectivity 6 or 26). `out` (length of the mask): a label
   * buffer to reuse across calls (slab loops), used when the backend can write into it.
   */
  connectedComponents(mask: Uint8Array, shape: Shape3, connectivity: 6 | 26, out?: Uint32Array): Promise<ComponentResult>;
  /**
   * The trainable segmentation's six features of one scale at planes [c0, c1) of a float32 grid of
   * `shape` (compute/scale-features.ts gridScaleFeatures): Gaussian σ (grid voxels, truncate 4σ,
   * 'nearest', the z pass over the planes the differences read), smoothed value, gradient magnitude,
   * Laplacian, Hessian eigenvalues descending, derivatives scaled by 1/h per order. Feature-major:
   * out[k × n + i], n = (c1 − c0)·ny·nx. The cpu backend runs it on the calling thread.
   */
  scaleFeatures(grid: Float32Array, shape: Shape3, sigma: number, c0: number, c1: number, h: number): Promise<Float32Array>;
  /**
   * Worker threads behind `runModuleTasks` (cpu backend). A stage runs its own slab kernels there,
   * on the one pool, instead of starting a second one.
   */
  readonly threads?: number;
  /**
   * Calls export `name` of the compiled module `distModule` (a path under the package's dist/, e.g.
   * 'src/segment/slab-kernels.js') once per argument, on the worker threads; results in argument
   * order. Typed arrays on SharedArrayBuffers are shared with the workers, other arrays copied.
   */
  runModuleTasks?<R>(distModule: string, name: string, args: readonly object[]): Promise<R[]>;

  dispose(): Promise<void>;
}

export type { Shape3, VoxelArray };
