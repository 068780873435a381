/**
 * The contact cell's fields for ParaView (`fem contact --vtu`): written, read back with Python's
 * xml.etree and numpy, and compared with the solver's arrays — the contact pressure and the interface
 * displacement per column, the element-mean equivalent creep strain — and with the geometry: the
 * quads (seam unwrapped) tile the Li block, area λ·T.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { electrolyteMaterial, liMaterial, runContact } from '../../src/fem/contact-run.js';
import type { ContactCell } from '../../src/fem/contact.js';
import { wavyProfile } from '../../src/fem/profile.js';
import { contactCellFields, type CellFields } from '../../src/fem/vtu-fields.js';
import { writeVtu } from '../../src/io/vtu.js';
import { cli, missingPython, requireAvailable, runPython, tempDir } from '../helpers.js';

const noNumpy = missingPython('numpy');

const READ = `
import sys, json, numpy as np, xml.etree.ElementTree as ET
piece = ET.parse(sys.argv[1]).getroot().find('UnstructuredGrid/Piece')
arr = lambda el: np.array(el.text.split(), dtype=float)
pts = arr(piece.find('Points/DataArray')).reshape(-1, 3)
conn = {d.get('Name'): arr(d) for d in piece.find('Cells')}['connectivity'].astype(int).reshape(-1, 4)
x, y = pts[conn, 0], pts[conn, 1]
area = 0.5 * (x * np.roll(y, -1, axis=1) - np.roll(x, -1, axis=1) * y).sum(axis=1)
pd = {d.get('Name'): arr(d).reshape(-1, int(d.get('NumberOfComponents'))) for d in piece.find('PointData')}
cd = {d.get('Name'): arr(d) for d in piece.find('CellData')}
print(json.dumps({'n': len(pts), 'conn': conn.tolist(), 'minArea': float(area.min()), 'area': float(area.sum()),
  'p': pd['contact_pressure_MPa'][:, 0].tolist(), 'v': pd['displacement_um'][:, 1].tolist(), 'eeq': cd['equivalent_inelastic_strain'].tolist()}))
`;

describe('contact fields for ParaView', () => {
  it('the Li block with its contact pressure, displacement and creep strain, as the solver has them', async (ctx) => {
    requireAvailable(ctx, noNumpy);
    const lambda = 20, nx = 32;
    let fields: CellFields | null = null, cell: ContactCell | null = null, saves = 0;
    runContact({
      lambda, h: wavyProfile(0.5, lambda, nx), li: liMaterial('creep', 298), electrolyte: electrolyteMaterial('elastic'),
      history: [{ t: 0, p: 5 }, { t: 30, p: 5 }, { t: 60, p: 5 }], stepTol: 0.1, ny: 6, conduction: { thickness: lambda, sigmaMsPerCm: 2, rctOhmCm2: 0 },
      onSaved: (_rec, c) => { fields = contactCellFields(c); cell = c; saves++; },
    });
    expect(saves).toBe(3); // at load, at the history point t = 30 s and at the end of the hold
    const f = fields! as CellFields, c = cell! as ContactCell;
    const file = path.join(tempDir(), 'f.vtu');
    await writeVtu(file, f.mesh, f.pointData, f.cellData);
    const r = JSON.parse(runPython(READ, [file])) as { n: number; conn: number[][]; minArea: number; area: number; p: number[]; v: number[]; eeq: number[] };
    const body = c.mesh.li, nRows = 7;
    expect(r.n).toBe(body.nNodes + nRows); // one duplicate per seam node
    expect(r.minArea).toBeGreaterThan(0); // counter-clockwise, none stretched across the period
    expect(r.area).toBeCloseTo(lambda * c.mesh.liThickness, 9);
    // connectivity: each quad's points are its element's nodes
    for (let e = 0; e < r.conn.length; e++) for (let a = 0; a < 4; a++) expect(f.pointNode[r.conn[e][a]]).toBe(body.elems[4 * e + a]);
    const P = c.contactPressure();
    expect(Math.max(...P)).toBeGreaterThan(5);
    for (let i = 0; i < nx; i++) {
      const k = c.mesh.liInterface[i];
      expect(r.p[k]).toBeCloseTo(P[i], 6);
      expect(r.v[k]).toBeCloseTo(c.interfaceDisp(i), 9);
    }
    let maxE = 0;
    for (let e = 0; e < r.eeq.length; e++) {
      const mean = (c.li.eeq[4 * e] + c.li.eeq[4 * e + 1] + c.li.eeq[4 * e + 2] + c.li.eeq[4 * e + 3]) / 4;
      expect(r.eeq[e]).toBeCloseTo(mean, 9); // 9 significant digits in the file
      maxE = Math.max(maxE, mean);
    }
    expect(maxE).toBeGreaterThan(1e-4); // the hold crept
  });

  it('fem contact --vtu DIR: a .vtu at load and at the end of the hold, listed with their times in fields.pvd', () => {
    const dir = tempDir();
    const r = cli(['fem', 'contact', '--wavy', '0.5,20', '--nx', '16', '--ny', '4', '--pressure', '5', '--hold', '60', '-o', dir, '--vtu', path.join(dir, 'vtu')]);
    expect(r.stderr).not.toMatch(/error/i);
    expect(r.status).toBe(0);
    const pvd = readFileSync(path.join(dir, 'vtu', 'fields.pvd'), 'utf8');
    expect([...pvd.matchAll(/timestep="([^"]+)" group="" part="0" file="([^"]+)"/g)].map((m) => [m[1], m[2]])).toEqual([['0', 'fields_0000.vtu'], ['60', 'fields_0001.vtu']]);
    expect(readFileSync(path.join(dir, 'vtu', 'fields_0001.vtu'), 'utf8')).toContain('NumberOfPoints="85" NumberOfCells="64"');
  });

  it('fem contact --vtu naming a file: one line naming it, exit 2, before the run (no contact.json)', () => {
    const dir = tempDir();
    const file = path.join(dir, 'taken');
    writeFileSync(file, 'x');
    const r = cli(['fem', 'contact', '--wavy', '0.5,20', '--nx', '16', '--ny', '4', '--pressure', '5', '-o', path.join(dir, 'out'), '--vtu', file]);
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n').filter((l) => /taken/.test(l))).toEqual([`buried: ${file}: --vtu must name a folder, this is a file`]);
    expect(existsSync(path.join(dir, 'out', 'contact.json'))).toBe(false);
  });
});
