/**
 * Surface meshes of a label boundary (issue #22): `buried convert labels.tif -o iface.vtp|.stl
 * --surface li,electrolyte`. Read back by an independent numpy parser of the STL and VTP bytes and,
 * where present, by VTK's readers (vtkXMLPolyDataReader, vtkSTLReader, vtkMassProperties); areas
 * checked against closed forms: a flat interface (exact) and a sphere (4πR², 4/3πR³).
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { writeTiff } from '../../src/io/tiff/index.js';
import { makeVolume, type Shape3, type Spacing3 } from '../../src/io/volume.js';
import { interfaceMesh, meshArea, parseSurfacePair } from '../../src/io/surface.js';
import { cli, missingPython, requireAvailable, runPython, tempDir } from '../helpers.js';

const noNumpy = missingPython('numpy');
const noVtk = missingPython('vtk', 'numpy');

/** numpy reading of binary STL and appended-raw VTP: area, signed volume, open edges, z range, normals. */
const MESH_SUMMARY = `
import sys, json, re, numpy as np
f = sys.argv[1]
raw = open(f, 'rb').read()
if f.endswith('.stl'):
    n = int(np.frombuffer(raw, '<u4', 1, 80)[0])
    rec = np.frombuffer(raw, np.dtype([('n', '<f4', 3), ('v', '<f4', (3, 3)), ('a', '<u2')]), n, 84)
    tri = rec['v'].astype(np.float64)
    _, inv = np.unique(tri.reshape(-1, 3), axis=0, return_inverse=True)
    idx = inv.reshape(-1, 3)
    stored_normals = rec['n'].astype(np.float64)
else:
    head = raw[:raw.index(b'<AppendedData')].decode()
    offs = [int(x) for x in re.findall(r'offset="(\\d+)"', head)]
    start = raw.index(b'_', raw.index(b'<AppendedData')) + 1
    def block(o, dt):
        size = int(np.frombuffer(raw, '<u8', 1, start + o)[0])
        return np.frombuffer(raw, dt, size // np.dtype(dt).itemsize, start + o + 8)
    pts = block(offs[0], '<f4').reshape(-1, 3).astype(np.float64)
    conn = block(offs[1], '<i8'); off = block(offs[2], '<i8')
    assert (np.diff(np.concatenate([[0], off])) == 3).all()
    idx = conn.reshape(-1, 3)
    tri = pts[idx]
    stored_normals = None
a, b, c = tri[:, 0], tri[:, 1], tri[:, 2]
cr = np.cross(b - a, c - a)
area = 0.5 * np.linalg.norm(cr, axis=1).sum()
vol = np.einsum('ij,ij->i', a, np.cross(b, c)).sum() / 6
edges = np.sort(np.concatenate([idx[:, [0, 1]], idx[:, [1, 2]], idx[:, [2, 0]]]), axis=1)
_, counts = np.unique(edges, axis=0, return_counts=True)
unit = cr / np.linalg.norm(cr, axis=1)[:, None]
out = {'triangles': int(len(idx)), 'area': float(area), 'volume': float(vol), 'open_edges': int((counts == 1).sum()),
       'z_min': float(tri[:, :, 2].min()), 'z_max': float(tri[:, :, 2].max()), 'normal_z_min': float(unit[:, 2].min()),
       'lo': tri.reshape(-1, 3).min(axis=0).tolist(), 'hi': tri.reshape(-1, 3).max(axis=0).tolist(), 'normal_min': unit.min(axis=0).tolist()}
if stored_normals is not None:
    out['stored_normals_match'] = bool(np.allclose(stored_normals, unit, atol=1e-5))
print(json.dumps(out))
`;
interface MeshSummary {
  triangles: number;
  area: number;
  volume: number;
  open_edges: number;
  z_min: number;
  z_max: number;
  normal_z_min: number;
  /** smallest and largest vertex x, y, z; smallest unit-normal component per axis */
  lo: number[];
  hi: number[];
  normal_min: number[];
  stored_normals_match?: boolean;
}
const summary = (file: string) => JSON.parse(runPython(MESH_SUMMARY, [file])) as MeshSummary;

const VTK_SUMMARY = `
import sys, json, vtk
out = {}
for f in sys.argv[1:]:
    r = vtk.vtkSTLReader() if f.endswith('.stl') else vtk.vtkXMLPolyDataReader()
    r.SetFileName(f); r.Update()
    m = vtk.vtkMassProperties(); m.SetInputData(r.GetOutput()); m.Update()
    out[f[-3:]] = {'cells': r.GetOutput().GetNumberOfCells(), 'area': m.GetSurfaceArea(), 'volume': m.GetVolume()}
print(json.dumps(out))
`;

async function labelsFile(dir: string, shape: Shape3, spacing: Spacing3, code: (x: number, y: number, z: number) => number): Promise<{ file: string; labels: Uint8Array }> {
  const [nz, ny, nx] = shape;
  const labels = new Uint8Array(nz * ny * nx);
  for (let z = 0; z < nz; z++) for (let y = 0; y < ny; y++) for (let x = 0; x < nx; x++) labels[(z * ny + y) * nx + x] = code(x, y, z);
  const file = path.join(dir, 'labels.tif');
  await writeTiff(file, makeVolume(labels, shape, spacing));
  return { file, labels };
}

describe('surface mesh of a label boundary', () => {
  it('parseSurfacePair: phase names or codes, two different ones', () => {
    expect(parseSurfacePair('li,electrolyte')).toEqual([1, 2]);
    expect(parseSurfacePair('Electrolyte, Li')).toEqual([2, 1]);
    expect(parseSurfacePair('pore,1')).toEqual([0, 1]);
    expect(parseSurfacePair('li,li')).toBeNull();
    expect(parseSurfacePair('li')).toBeNull();
    expect(parseSurfacePair('li,copper')).toBeNull();
    expect(parseSurfacePair('1,256')).toBeNull();
  });

  it('a flat Li | electrolyte interface: area nx·dx·ny·dy exactly, every vertex on the plane z = (z0 − ½)·dz, normals +z (Li → electrolyte), in .vtp and .stl', async (ctx) => {
    requireAvailable(ctx, noNumpy);
    const dir = tempDir();
    const shape: Shape3 = [12, 20, 30];
    const spacing: Spacing3 = [2, 0.5, 0.25];
    // Li below z = 5, electrolyte from z = 5, a void layer on top (its boundary with Li does not exist)
    const { file } = await labelsFile(dir, shape, spacing, (_x, _y, z) => (z < 5 ? 1 : z < 10 ? 2 : 0));
    const area = 30 * 0.25 * 20 * 0.5;
    for (const ext of ['vtp', 'stl']) {
      const out = path.join(dir, `iface.${ext}`);
      const r = cli(['convert', file, '-o', out, '--surface', 'li,electrolyte', '--json']);
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ format: ext, labels: [1, 2], triangles: 2 * 20 * 30, area_unit: 'um2' });
      expect(JSON.parse(r.stdout).area).toBeCloseTo(area, 4);
      const s = summary(out);
      expect(s.triangles, ext).toBe(2 * 20 * 30);
      expect(s.area, ext).toBeCloseTo(area, 4);
      expect([s.z_min, s.z_max], ext).toEqual([4.5 * 2, 4.5 * 2]);
      expect(s.normal_z_min, ext).toBeCloseTo(1, 6);
      if (ext === 'stl') expect(s.stored_normals_match).toBe(true);
    }
    // the void | electrolyte boundary on request: at z = 9.5 voxels, normals from void (above) to electrolyte (below): −z
    const ev = path.join(dir, 'ev.stl');
    expect(cli(['convert', file, '-o', ev, '--surface', 'void,electrolyte']).status).toBe(0);
    const e = summary(ev);
    expect([e.z_min, e.z_max]).toEqual([9.5 * 2, 9.5 * 2]);
    expect(e.normal_z_min).toBeCloseTo(-1, 6);
    expect(e.area).toBeCloseTo(area, 4);
  });

  it('flat interfaces normal to x, y and z with voxel 0.25 × 0.5 × 2 µm (x, y, z): on the plane (c − ½)·d of their axis, spanning the volume (−½ … n − ½ voxels) across it, area exact, normals along +axis', async (ctx) => {
    requireAvailable(ctx, noNumpy);
    const shape: Shape3 = [8, 10, 12];
    const spacing: Spacing3 = [2, 0.5, 0.25];
    const n = [12, 10, 8]; // voxels along x, y, z
    const d = [0.25, 0.5, 2]; // µm along x, y, z
    for (const axis of [0, 1, 2]) {
      const dir = tempDir();
      const cut = 3;
      const { file } = await labelsFile(dir, shape, spacing, (x, y, z) => ([x, y, z][axis] < cut ? 1 : 2));
      const out = path.join(dir, 'flat.stl');
      const r = cli(['convert', file, '-o', out]);
      expect(r.status, r.stderr).toBe(0);
      const s = summary(out);
      const across = [0, 1, 2].filter((k) => k !== axis);
      expect(s.lo[axis], `axis ${axis}`).toBeCloseTo((cut - 0.5) * d[axis], 5);
      expect(s.hi[axis], `axis ${axis}`).toBeCloseTo((cut - 0.5) * d[axis], 5);
      for (const k of across) {
        expect(s.lo[k], `axis ${axis}, extent ${k}`).toBeCloseTo(-0.5 * d[k], 5);
        expect(s.hi[k], `axis ${axis}, extent ${k}`).toBeCloseTo((n[k] - 0.5) * d[k], 5);
      }
      expect(s.area, `axis ${axis}`).toBeCloseTo(n[across[0]] * d[across[0]] * n[across[1]] * d[across[1]], 4);
      expect(s.normal_min[axis], `axis ${axis}`).toBeCloseTo(1, 6);
    }
  });

  /** A Li ball of radius R voxels (0.5 µm) in electrolyte, written as labels.tif. */
  async function sphereLabels(dir: string, R: number) {
    const n = 2 * R + 8;
    const c = (n - 1) / 2;
    return labelsFile(dir, [n, n, n], [0.5, 0.5, 0.5], (x, y, z) => ((x - c) ** 2 + (y - c) ** 2 + (z - c) ** 2 <= R * R ? 1 : 2));
  }

  it('a Li sphere in electrolyte: closed surface, area within 5 % of 4πR², enclosed volume within 3 % of 4/3πR³, outward normals; reversed pair turns them inward', async (ctx) => {
    requireAvailable(ctx, noNumpy);
    const dir = tempDir();
    const R = 10; // voxels
    const { file } = await sphereLabels(dir, R);
    const out = path.join(dir, 'sphere.vtp');
    expect(cli(['convert', file, '-o', out]).status).toBe(0);
    const s = summary(out);
    const r = R * 0.5;
    expect(s.open_edges).toBe(0);
    expect(Math.abs(s.area / (4 * Math.PI * r * r) - 1)).toBeLessThan(0.05);
    expect(Math.abs(s.volume / ((4 / 3) * Math.PI * r ** 3) - 1)).toBeLessThan(0.03);
    const inward = path.join(dir, 'inward.stl');
    expect(cli(['convert', file, '-o', inward, '--surface', 'electrolyte,li']).status).toBe(0);
    const t = summary(inward);
    expect(t.volume).toBeCloseTo(-s.volume, 3);
    expect(t.area).toBeCloseTo(s.area, 3);
  });

  it('VTK (vtkXMLPolyDataReader, vtkSTLReader, vtkMassProperties) reads the sphere from both formats: same triangles, area and volume as the numpy reading', async (ctx) => {
    requireAvailable(ctx, noVtk);
    const dir = tempDir();
    const { file } = await sphereLabels(dir, 8);
    const vtp = path.join(dir, 'sphere.vtp');
    const stl = path.join(dir, 'sphere.stl');
    expect(cli(['convert', file, '-o', vtp]).status).toBe(0);
    expect(cli(['convert', file, '-o', stl]).status).toBe(0);
    const s = summary(vtp);
    const v = JSON.parse(runPython(VTK_SUMMARY, [vtp, stl])) as Record<string, { cells: number; area: number; volume: number }>;
    expect(v.vtp.cells).toBe(s.triangles);
    expect(v.stl.cells).toBe(s.triangles);
    expect(v.vtp.area).toBeCloseTo(s.area, 3);
    expect(v.stl.area).toBeCloseTo(s.area, 3);
    expect(v.vtp.volume).toBeCloseTo(s.volume, 3);
    expect(v.stl.volume).toBeCloseTo(s.volume, 3);
  });

  it('the in-process mesh of the flat interface has the same closed-form area', () => {
    const [nz, ny, nx] = [6, 4, 3];
    const labels = Uint8Array.from({ length: nz * ny * nx }, (_, i) => (Math.floor(i / (ny * nx)) < 2 ? 1 : 2));
    expect(meshArea(interfaceMesh(labels, [nz, ny, nx], [3, 2, 5], 1, 2))).toBeCloseTo(4 * 2 * 3 * 5, 9);
    expect(interfaceMesh(labels, [nz, ny, nx], null, 1, 0).triangles.length).toBe(0);
  });

  it('bad requests exit 2 with one line and write nothing: the same label twice, an absent boundary, a float volume', async () => {
    const dir = tempDir();
    const { file } = await labelsFile(dir, [6, 4, 4], [1, 1, 1], (_x, _y, z) => (z < 3 ? 1 : 2));
    const floats = path.join(dir, 'f.tif');
    await writeTiff(floats, makeVolume(new Float32Array(96), [6, 4, 4], [1, 1, 1]));
    const cases: [string[], RegExp][] = [
      [[file, '--surface', 'li,li'], /--surface must name two different labels/],
      [[file, '--surface', 'li,cathode'], /no boundary between labels 1 and 4/],
      [[floats], /needs a label volume \(integer codes\); input is float32/],
    ];
    for (const [args, message] of cases) {
      const r = cli(['convert', ...args, '-o', path.join(dir, 'out', 'x.stl')]);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(path.join(dir, 'out'))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['f.tif', 'labels.tif']);
  });
});
