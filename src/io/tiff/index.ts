/** TIFF volume I/O: reading (TIFF, BigTIFF, folders of slices) and writing (ImageJ-compatible). */
export { openTiff, openTiffFolder, parseImageJDescription, naturalCompare } from './reader.js';
export {
  writeTiff,
  createTiffWriter,
  imagejDescription,
  toRational,
  type TiffSlabWriter,
  type TiffWriterOptions,
  type TiffCompression,
  type TiffDisplay,
} from './writer.js';
