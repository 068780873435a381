import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { writeVti } from '../../src/io/vti.js';
import { missingPython, requireAvailable, runPython, tempDir } from '../helpers.js';

const noVtk = missingPython('vtk', 'numpy');

describe('VTI writer', () => {
  const shape: [number, number, number] = [3, 4, 5];
  const labels = Uint8Array.from({ length: 60 }, (_, i) => i % 4);
  const scan = Float32Array.from({ length: 60 }, (_, i) => Math.sin(i) * 1000);

  it('writes XML header + appended raw blocks with UInt64 sizes, atomically', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'v.vti');
    await writeVti(file, [{ name: 'labels', data: labels }, { name: 'scan', data: scan }], { shape, spacing: [2, 1.5, 1.5] });
    expect(readdirSync(dir)).toEqual(['v.vti']);
    const bytes = readFileSync(file);
    const text = bytes.toString('latin1');
    expect(text).toContain('WholeExtent="0 4 0 3 0 2"');
    expect(text).toContain('Spacing="1.5 1.5 2"');
    expect(text).toContain('<DataArray type="UInt8" Name="labels" format="appended" offset="0"/>');
    expect(text).toContain(`<DataArray type="Float32" Name="scan" format="appended" offset="${8 + 60}"/>`);
    const start = text.indexOf('<AppendedData encoding="raw">') + text.slice(text.indexOf('<AppendedData')).indexOf('_') + 1;
    expect(bytes.readBigUInt64LE(start)).toBe(60n);
    expect(Array.from(bytes.subarray(start + 8, start + 68))).toEqual(Array.from(labels));
  });

  it('rejects mismatched array lengths and leaves no file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'bad.vti');
    await expect(writeVti(file, [{ name: 'a', data: new Uint8Array(7) }], { shape })).rejects.toThrow(/7 values/);
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('VTK (python3-vtk9 vtkXMLImageDataReader) reads back dimensions, spacing and values', async (ctx) => {
    requireAvailable(ctx, noVtk);
    const dir = tempDir();
    const file = path.join(dir, 'v.vti');
    await writeVti(file, [{ name: 'labels', data: labels }, { name: 'scan', data: scan }], { shape, spacing: [2, 1.5, 1.5], origin: [10, 20, 30] });
    const out = runPython(
      `import sys, json, vtk
from vtk.util.numpy_support import vtk_to_numpy
r = vtk.vtkXMLImageDataReader(); r.SetFileName(sys.argv[1]); r.Update()
img = r.GetOutput(); pd = img.GetPointData()
print(json.dumps({'dims': list(img.GetDimensions()), 'spacing': list(img.GetSpacing()), 'origin': list(img.GetOrigin()),
  'labels': vtk_to_numpy(pd.GetArray('labels')).tolist(), 'scan': vtk_to_numpy(pd.GetArray('scan')).tolist(),
  'value_at_x4_y3_z2': img.GetScalarComponentAsDouble(4, 3, 2, 0)}))`,
      [file],
    );
    const r = JSON.parse(out) as { dims: number[]; spacing: number[]; origin: number[]; labels: number[]; scan: number[]; value_at_x4_y3_z2: number };
    expect(r.dims).toEqual([5, 4, 3]);
    expect(r.spacing).toEqual([1.5, 1.5, 2]);
    expect(r.origin).toEqual([30, 20, 10]);
    expect(r.labels).toEqual(Array.from(labels));
    expect(r.scan).toEqual(Array.from(scan));
    expect(r.value_at_x4_y3_z2).toBe(labels[59]);
  });
});
