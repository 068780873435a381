/**
 * VTU/PVD writer read back by an independent parser (Python's xml.etree and numpy): point count,
 * coordinates, connectivity, offsets, cell types and field values.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pvdXml, writeVtu, VTK_QUAD, type VtuMesh } from '../../src/io/vtu.js';
import { missingPython, requireAvailable, runPython, tempDir } from '../helpers.js';

const noNumpy = missingPython('numpy');

// two quads sharing an edge: points 0..5 on a 3 × 2 grid
const mesh: VtuMesh = {
  points: Float64Array.from([0, 0, 0, 1, 0, 0, 2, 0, 0, 0, 1, 0, 1, 1, 0, 2, 1, 0]),
  connectivity: Int32Array.from([0, 1, 4, 3, 1, 2, 5, 4]),
  offsets: Int32Array.from([4, 8]),
  types: Uint8Array.from([VTK_QUAD, VTK_QUAD]),
};
const disp = Float64Array.from({ length: 18 }, (_, i) => (i % 3 === 2 ? 0 : Math.sin(i) * 1e-3));
const vm = Float64Array.from([1.25, 2.5e-7]);

const READ = `
import sys, json, numpy as np, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
piece = root.find('UnstructuredGrid/Piece')
arr = lambda el: np.array(el.text.split(), dtype=float)
pts = arr(piece.find('Points/DataArray')).reshape(-1, 3)
cells = {d.get('Name'): arr(d) for d in piece.find('Cells')}
pd = {d.get('Name'): arr(d).reshape(-1, int(d.get('NumberOfComponents'))).tolist() for d in piece.find('PointData')}
cd = {d.get('Name'): arr(d).tolist() for d in piece.find('CellData')}
print(json.dumps({'n': int(piece.get('NumberOfPoints')), 'nc': int(piece.get('NumberOfCells')), 'pts': pts.tolist(),
  'conn': cells['connectivity'].astype(int).tolist(), 'off': cells['offsets'].astype(int).tolist(), 'types': cells['types'].astype(int).tolist(), 'pd': pd, 'cd': cd}))
`;

describe('VTU writer', () => {
  it('Python xml.etree + numpy read back the points, cells and fields', async (ctx) => {
    requireAvailable(ctx, noNumpy);
    const dir = tempDir();
    const file = path.join(dir, 'm.vtu');
    await writeVtu(file, mesh, [{ name: 'displacement_um', components: 3, data: disp }], [{ name: 'von_mises_MPa', components: 1, data: vm }]);
    expect(readdirSync(dir)).toEqual(['m.vtu']);
    const r = JSON.parse(runPython(READ, [file])) as { n: number; nc: number; pts: number[][]; conn: number[]; off: number[]; types: number[]; pd: Record<string, number[][]>; cd: Record<string, number[]> };
    expect(r.n).toBe(6);
    expect(r.nc).toBe(2);
    expect(r.pts.flat()).toEqual(Array.from(mesh.points));
    expect(r.conn).toEqual(Array.from(mesh.connectivity));
    expect(r.off).toEqual([4, 8]);
    expect(r.types).toEqual([9, 9]);
    r.pd.displacement_um.flat().forEach((v, i) => expect(v).toBeCloseTo(disp[i], 12));
    expect(r.cd.von_mises_MPa[0]).toBe(1.25);
    expect(r.cd.von_mises_MPa[1]).toBeCloseTo(2.5e-7, 15);
  });

  it('the .pvd collection lists each file with its time (xml.etree)', (ctx) => {
    requireAvailable(ctx, noNumpy);
    const dir = tempDir();
    const file = path.join(dir, 'f.pvd');
    writeFileSync(file, pvdXml([{ time: 0, file: 'a_0.vtu' }, { time: 3600, file: 'a_1.vtu' }]));
    const out = runPython(`import sys, xml.etree.ElementTree as ET
print([(float(d.get('timestep')), d.get('file')) for d in ET.parse(sys.argv[1]).getroot().iter('DataSet')])`, [file]);
    expect(out.trim()).toBe("[(0.0, 'a_0.vtu'), (3600.0, 'a_1.vtu')]");
  });

  it('a field of the wrong length or a connectivity entry past the points is refused, and no file is left', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'bad.vtu');
    await expect(writeVtu(file, mesh, [{ name: 'd', components: 3, data: new Float64Array(17) }], [])).rejects.toThrow(/'d' has 17 values, expected 18/);
    const badMesh = { ...mesh, connectivity: Int32Array.from([0, 1, 4, 3, 1, 2, 6, 4]) };
    await expect(writeVtu(file, badMesh, [], [])).rejects.toThrow(/connectivity entry 6 = 6/);
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});
