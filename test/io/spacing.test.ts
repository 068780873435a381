import { describe, expect, it } from 'vitest';
import { parseVoxelOption, spacingFromTiffTags } from '../../src/io/spacing.js';
import { InputError } from '../../src/io/errors.js';

describe('voxel size rules', () => {
  it('parses --voxel as one value or DZ,DY,DX', () => {
    expect(parseVoxelOption('1.7')).toEqual([1.7, 1.7, 1.7]);
    expect(parseVoxelOption('2,1,1')).toEqual([2, 1, 1]);
    for (const bad of ['', '0', '-1', '1,2', 'a', '1,2,3,4']) expect(() => parseVoxelOption(bad)).toThrow(InputError);
  });

  it('ImageJ micron with spacing= gives [dz,dy,dx]', () => {
    const r = spacingFromTiffTags({ imagej: { unit: 'micron', spacing: '2.5' }, xResolution: 1 / 1.7, yResolution: 1 / 1.7, resolutionUnit: 1 });
    expect(r.spacing?.[0]).toBeCloseTo(2.5, 12);
    expect(r.spacing?.[1]).toBeCloseTo(1.7, 12);
    expect(r.spacing?.[2]).toBeCloseTo(1.7, 12);
    expect(r.warnings).toEqual([]);
  });

  it('converts ImageJ mm and nm, and the escaped µ ImageJ writes', () => {
    expect(spacingFromTiffTags({ imagej: { unit: 'mm', spacing: '0.002' }, xResolution: 500 }).spacing).toEqual([2, 2, 2]);
    expect(spacingFromTiffTags({ imagej: { unit: 'nm', spacing: '500' }, xResolution: 0.002 }).spacing).toEqual([0.5, 0.5, 0.5]);
    expect(spacingFromTiffTags({ imagej: { unit: '\\u00B5m' }, xResolution: 1 }).spacing).toEqual([1, 1, 1]);
  });

  it('reports unit=inch (print dpi, as in the PuMA files) as a warning and does not use it', () => {
    const r = spacingFromTiffTags({ imagej: { unit: 'inch' }, xResolution: 100, resolutionUnit: 2 }, 'f.tif');
    expect(r.spacing).toBeNull();
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0].message).toMatch(/unit=inch.*254\.0 µm.*--voxel/);
  });

  it('TIFF resolution in centimetres is used; none or 1 px/unit without unit means unknown', () => {
    expect(spacingFromTiffTags({ xResolution: 10000 / 1.18, resolutionUnit: 3 }).spacing?.[2]).toBeCloseTo(1.18, 10);
    expect(spacingFromTiffTags({ xResolution: 1, resolutionUnit: 1 }).spacing).toBeNull();
    expect(spacingFromTiffTags({}).spacing).toBeNull();
  });

  it('implausible values (1 cm voxels) are warned about and ignored', () => {
    const r = spacingFromTiffTags({ xResolution: 1, resolutionUnit: 3 }, 'f.tif');
    expect(r.spacing).toBeNull();
    expect(r.warnings[0].message).toMatch(/outside the plausible range/);
  });
});
