// Public library API: each stage is a library function first and a CLI command second.
export * from './io/volume.js';
export * from './io/errors.js';
export * from './io/spacing.js';
export type { VolumeSource } from './io/source.js';
export { openVolume, readVolume, loadVolume, slabDepth, type OpenOptions } from './io/open.js';
export { openTiff, openTiffFolder, writeTiff, createTiffWriter, type TiffSlabWriter } from './io/tiff/index.js';
export { openHdf5 } from './io/hdf5.js';
export { openRaw, type RawLayout } from './io/raw.js';
export { writeVti, type VtiArray, type VtiOptions } from './io/vti.js';
export { sourceRange } from './io/stats.js';
export { writeAtomically, writeFileAtomically } from './io/atomic.js';
export { generatePhantom, PRESETS, type PresetName, type SynthOptions, type Phantom, type PhantomTruth } from './synth/index.js';
export { generateSeries, type SeriesOptions as SynthSeriesOptions, type Series, type SeriesTruth } from './synth/series.js';
export { registerSeries, registerRigid, type SeriesOptions, type SeriesRecord, type RegisterOptions, type RegisterResult, type RigidTransform } from './series/index.js';

// Compute backends (cpu worker threads, WebGPU) the voxel stages run on.
export { createBackend, CpuBackend, type CreateBackendOptions } from './compute/index.js';
export type { BackendChoice, ComputeBackend } from './compute/types.js';

// Stages: one library call each, data first and options last (`stage(volume, options)`); the voxel
// kernels run on `options.backend` or on cpu worker threads. The file forms (`stage(input, open, out,
// options)`) open the input, choose in memory or streamed by the memory budget and write the outputs
// that `buried <command>` writes; the run pipeline uses the same calls.
export { segment, segmentOutOfCore, writeSegmentation, PHASE_NAMES, type SegmentOptions, type SegmentReport, type SegmentResult } from './segment/index.js';
export { segmentScan, type SegmentScanOptions, type SegmentScanResult } from './segment/run.js';
export { electrodeMaps, thicknessMap, type ElectrodeMap, type ElectrodeMapsOptions, type ElectrodeMapsResult } from './thickness/electrodes.js';
export { summarizeThickness, LI_UM_PER_MAH_CM2, type ThicknessMapResult, type ThicknessSummary } from './thickness/map.js';
export { measureThickness, type MeasureThicknessOptions, type ThicknessMeasurement } from './thickness/run.js';
export { writeElectrodeOutputs } from './thickness/outputs.js';
export { distanceStage, localThicknessStage, type PhaseStageOptions } from './thickness/phase-run.js';
export { runStripping, type StrippingOptions, type StrippingResult } from './strip/run.js';
export { solveCurrentStage, type CurrentStageOptions, type CurrentStageResult } from './current/run.js';
export { runContact, profilesCsv, liMaterial, electrolyteMaterial, type ContactRunOptions, type ContactRun } from './fem/contact-run.js';

// Kernels under the stages, on plain arrays with their shape: the Euclidean distance transform and
// local thickness of one label, the current constriction of a 2D contact map, the contact cell and
// the 2D conduction solve of the FEM.
export { distanceTransformLabel } from './thickness/edt.js';
export { localThickness } from './thickness/local-thickness.js';
export { runCurrent, type CurrentOptions, type CurrentResult } from './current/index.js';
export { ContactCell } from './fem/contact.js';
export { solveConduction } from './fem/conduction.js';

// The run pipeline (`buried run`): configuration schema and the resumable run.
export { runPipeline, type RunOptions, type RunResult } from './pipeline/run.js';
export { defaultConfig, resolveConfig, type RunConfig } from './pipeline/config.js';
export {
  readRunDocs, runFile, thicknessFiles, STAGE_DIRS, SEGMENT_FILES, THICKNESS_FILES, STRIP_FILES, CURRENT_FILES, FEM_FILES, RUN_MANIFEST, RUN_REPORT,
  type RunStage, type RunDocs, type SegmentDoc, type ThicknessDoc, type InterfaceDoc, type StrippingDoc, type CurrentDoc, type ContactDoc, type ManifestDoc,
} from './io/run-folder.js';
