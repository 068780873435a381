import type { Spacing3 } from './volume.js';
import { InputError, type InputWarning } from './errors.js';

/** Voxel sizes outside this range (µm) are not tomography voxels; metadata giving them is not trusted. */
export const PLAUSIBLE_VOXEL_UM: readonly [number, number] = [0.005, 1000];

const UNIT_TO_UM: Record<string, number> = {
  micron: 1, microns: 1, micrometer: 1, micrometre: 1, um: 1, 'µm': 1, 'μm': 1, '\\u00b5m': 1,
  nm: 1e-3, nanometer: 1e-3, nanometre: 1e-3,
  mm: 1e3, millimeter: 1e3, millimetre: 1e3,
  cm: 1e4, centimeter: 1e4, centimetre: 1e4,
  m: 1e6, meter: 1e6, metre: 1e6,
};

/** Micrometres per unit for a unit name as ImageJ and HDF5 attributes write it, or null if unknown. */
export function micronsPerUnit(unit: string): number | null {
  const key = unit.trim().toLowerCase();
  return UNIT_TO_UM[key] ?? null;
}

/** Parse `--voxel UM` or `--voxel DZ,DY,DX` (µm). */
export function parseVoxelOption(text: string): Spacing3 {
  const parts = text.split(',').map((s) => s.trim());
  const values = parts.map(Number);
  if (!(parts.length === 1 || parts.length === 3) || values.some((v) => !Number.isFinite(v) || v <= 0)) {
    throw new InputError(`--voxel must be one positive number (µm) or DZ,DY,DX, got '${text}'`);
  }
  return values.length === 1 ? [values[0], values[0], values[0]] : [values[0], values[1], values[2]];
}

export function isPlausibleVoxel(um: number): boolean {
  return Number.isFinite(um) && um >= PLAUSIBLE_VOXEL_UM[0] && um <= PLAUSIBLE_VOXEL_UM[1];
}

/** TIFF metadata relevant to the voxel size (already parsed from tags). */
export interface TiffSpacingTags {
  /** ImageJ key=value pairs from ImageDescription, if it is an ImageJ description. */
  imagej?: Record<string, string>;
  /** XResolution / YResolution as pixels per resolution unit. */
  xResolution?: number;
  yResolution?: number;
  /** TIFF ResolutionUnit: 1 none, 2 inch, 3 centimetre. */
  resolutionUnit?: number;
}

export interface SpacingResult {
  spacing: Spacing3 | null;
  /** Where the value came from, for `info` and manifests. */
  origin: string;
  warnings: InputWarning[];
}

/**
 * Voxel size from TIFF metadata, following the contract: ImageJ `unit=` and `spacing=` with the
 * resolution tags, else ResolutionUnit centimetre. Inch units are print resolutions (dpi) and
 * implausible values are reported as warnings and not used.
 */
export function spacingFromTiffTags(tags: TiffSpacingTags, file?: string): SpacingResult {
  const warnings: InputWarning[] = [];
  const xr = tags.xResolution;
  const yr = tags.yResolution ?? xr;
  const ij = tags.imagej;
  let umPerUnit: number | null = null;
  let unitName: string | undefined;
  if (ij && ij.unit !== undefined) {
    unitName = ij.unit;
    if (unitName.toLowerCase() === 'inch') {
      const dpi = xr ?? NaN;
      warnings.push({
        file,
        message: `ImageJ metadata gives unit=inch (${dpi} pixels per inch = ${(25400 / dpi).toFixed(1)} µm), a print resolution, not a voxel size; ignored — give --voxel`,
      });
      return { spacing: null, origin: 'ignored: ImageJ unit=inch', warnings };
    }
    umPerUnit = micronsPerUnit(unitName);
    if (umPerUnit === null) {
      if (!['pixel', 'pixels', 'px', ''].includes(unitName.toLowerCase())) {
        warnings.push({ file, message: `unknown ImageJ unit '${unitName}'; voxel size unknown — give --voxel` });
      }
      return { spacing: null, origin: `none (ImageJ unit=${unitName})`, warnings };
    }
  } else if (tags.resolutionUnit === 3) {
    umPerUnit = 1e4;
    unitName = 'cm';
  } else if (tags.resolutionUnit === 2 && xr !== undefined && xr !== 1) {
    warnings.push({
      file,
      message: `resolution given in pixels per inch (${xr} dpi = ${(25400 / xr).toFixed(1)} µm), a print resolution, not a voxel size; ignored — give --voxel`,
    });
    return { spacing: null, origin: 'ignored: ResolutionUnit=inch', warnings };
  }
  if (umPerUnit === null || xr === undefined || !(xr > 0)) {
    return { spacing: null, origin: 'none in file', warnings };
  }
  const dx = umPerUnit / xr;
  const dy = umPerUnit / (yr && yr > 0 ? yr : xr);
  let dz: number;
  let zNote = '';
  const zText = ij?.spacing;
  if (zText !== undefined && Number.isFinite(Number(zText)) && Number(zText) > 0) {
    dz = Number(zText) * umPerUnit;
  } else {
    dz = dx;
    zNote = ', z assumed equal to x (no spacing= in ImageJ metadata)';
  }
  const spacing: Spacing3 = [dz, dy, dx];
  if (!spacing.every(isPlausibleVoxel)) {
    warnings.push({
      file,
      message: `metadata voxel size ${spacing.map((v) => +v.toPrecision(4)).join(',')} µm is outside the plausible range ${PLAUSIBLE_VOXEL_UM[0]}–${PLAUSIBLE_VOXEL_UM[1]} µm; ignored — give --voxel`,
    });
    return { spacing: null, origin: 'ignored: implausible metadata', warnings };
  }
  return { spacing, origin: `${ij ? 'ImageJ' : 'TIFF resolution'} (${unitName})${zNote}`, warnings };
}
