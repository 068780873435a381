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
