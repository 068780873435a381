/** Zarr v3 volume I/O: a chunked, compressed working format with a multiscale pyramid. */
export { openZarr, type ZarrOpenOptions } from './read.js';
export { isZarrDirectory, splitZarrInput } from './detect.js';
export {
  createZarrWriter,
  writeZarr,
  type WriteZarrOptions,
  type ZarrLevelInfo,
  type ZarrSlabWriter,
  type ZarrWriteResult,
  type ZarrWriterOptions,
} from './write.js';
export { autoLevels, chunkKey, levelShape, DEFAULT_CHUNKS, PYRAMID_TARGET, type BuriedZarrAttributes } from './layout.js';
export { downsamplePair, type Downsampling } from './downsample.js';
