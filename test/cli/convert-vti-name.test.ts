/**
 * `buried convert … -o x.vti` names the VTK array after the volume's content (issue #22): labels,
 * thickness_um, scan — it was always 'scan'. Read back with VTK where present, else from the XML.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { vtiArrayName } from '../../src/io/vti.js';
import { loadVolume } from '../../src/io/open.js';
import { cli, missingPython, requireAvailable, runPython, tempDir } from '../helpers.js';

/** The <DataArray Name=…> entries of a .vti header and the PointData Scalars attribute. */
function vtiNames(file: string): { arrays: string[]; scalars: string | null } {
  const head = readFileSync(file).subarray(0, 4096).toString('latin1');
  return {
    arrays: [...head.matchAll(/<DataArray [^>]*Name="([^"]+)"/g)].map((m) => m[1]),
    scalars: /<PointData Scalars="([^"]+)"/.exec(head)?.[1] ?? null,
  };
}

describe('buried convert to .vti: the array is named after its content', () => {
  it('vtiArrayName: label volumes → labels, maps in µm → their name, anything else → scan; HDF5/Zarr suffixes go by the file', () => {
    expect(vtiArrayName('run/segment/labels.tif')).toBe('labels');
    expect(vtiArrayName('cell3_labels.tiff')).toBe('labels');
    expect(vtiArrayName('/a/b/thickness_um.tif')).toBe('thickness_um');
    expect(vtiArrayName('thickness_far_um.tif')).toBe('thickness_far_um');
    expect(vtiArrayName('penetration_um.tif')).toBe('penetration_um');
    expect(vtiArrayName('scan.tif')).toBe('scan');
    expect(vtiArrayName('Li_cell_rec_0042.tif')).toBe('scan');
    expect(vtiArrayName('labels.h5:/exchange/data')).toBe('labels');
    expect(vtiArrayName('scan.zarr:/1')).toBe('scan');
    expect(vtiArrayName('slices_folder/')).toBe('scan');
  });

  it('labels.tif → "labels", thickness_um.tif → "thickness_um", scan.tif → "scan"; --name overrides', async () => {
    const dir = tempDir();
    const syn = cli(['synth', path.join(dir, 'syn'), '--shape', '24,16,16', '--seed', '5']);
    expect(syn.status, syn.stderr).toBe(0);
    const cases: [string, string, string[]][] = [
      ['labels.tif', 'labels', []],
      ['thickness_um.tif', 'thickness_um', []],
      ['scan.tif', 'scan', []],
      ['labels.tif', 'phase', ['--name', 'phase']],
    ];
    for (const [input, name, extra] of cases) {
      const out = path.join(dir, `${name}.vti`);
      const r = cli(['convert', path.join(dir, 'syn', input), '-o', out, ...extra]);
      expect(r.status, r.stderr).toBe(0);
      expect(vtiNames(out), input).toEqual({ arrays: [name], scalars: name });
    }
  });

  it('VTK reads the converted labels and thickness map under their names, with the input\'s values', async (ctx) => {
    requireAvailable(ctx, missingPython('vtk', 'numpy'));
    const dir = tempDir();
    expect(cli(['synth', path.join(dir, 'syn'), '--shape', '24,16,16', '--seed', '5']).status).toBe(0);
    expect(cli(['convert', path.join(dir, 'syn', 'labels.tif'), '-o', path.join(dir, 'labels.vti')]).status).toBe(0);
    expect(cli(['convert', path.join(dir, 'syn', 'thickness_um.tif'), '-o', path.join(dir, 'thickness_um.vti')]).status).toBe(0);
    const got = JSON.parse(
      runPython(
        `import sys, json, vtk
from vtk.util.numpy_support import vtk_to_numpy
out = {}
for f, name in zip(sys.argv[1::2], sys.argv[2::2]):
    r = vtk.vtkXMLImageDataReader(); r.SetFileName(f); r.Update()
    pd = r.GetOutput().GetPointData()
    a = pd.GetArray(name)
    out[name] = {'scalars': pd.GetScalars().GetName(), 'sum': float(vtk_to_numpy(a).astype('float64').sum()), 'n': int(a.GetNumberOfTuples())}
print(json.dumps(out))`,
        [path.join(dir, 'labels.vti'), 'labels', path.join(dir, 'thickness_um.vti'), 'thickness_um'],
      ),
    ) as Record<string, { scalars: string; sum: number; n: number }>;
    const labels = await loadVolume(path.join(dir, 'syn', 'labels.tif'));
    const thickness = await loadVolume(path.join(dir, 'syn', 'thickness_um.tif'));
    const sum = (a: ArrayLike<number>) => Array.from(a).reduce((s, v) => s + v, 0);
    expect(got.labels).toEqual({ scalars: 'labels', sum: sum(labels.data), n: labels.data.length });
    expect(got.thickness_um.scalars).toBe('thickness_um');
    expect(got.thickness_um.n).toBe(thickness.data.length);
    expect(got.thickness_um.sum).toBeCloseTo(sum(thickness.data), 2);
  });
});
