/**
 * `buried contact3d` in process: a scan-like height map (float32 TIFF with its pixel size) of a 1D
 * sinusoid gives Westergaard's contact stripes, and the 3D constriction under them matches the
 * periodic-stripe closed form λ/(πσ)·ln(1/sin(πf/2)) (current/README); bad inputs exit 2 with one
 * line naming the problem and write nothing.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { registerContact3d } from '../../src/cli/commands/contact3d.js';
import { writeTiff } from '../../src/io/tiff/index.js';
import { makeVolume } from '../../src/io/volume.js';
import { missingPython, requireAvailable, runPython, tempDir } from '../helpers.js';

async function contact3d(args: string[]): Promise<{ code: number | undefined; stderr: string }> {
  const program = new Command().exitOverride();
  registerContact3d(program);
  const prevCode = process.exitCode;
  process.exitCode = undefined;
  const out = process.stdout.write.bind(process.stdout), err = process.stderr.write.bind(process.stderr);
  const errs: string[] = [];
  process.stdout.write = (() => true) as typeof process.stdout.write;
  process.stderr.write = ((t: string) => { errs.push(String(t)); return true; }) as typeof process.stderr.write;
  try {
    await program.parseAsync(['contact3d', '--json', ...args], { from: 'user' });
    return { code: process.exitCode === undefined ? undefined : Number(process.exitCode), stderr: errs.join('') };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.exitCode = prevCode;
  }
}

async function sinusoidMap(dir: string, nx: number, ny: number, dx: number, D: number): Promise<string> {
  const data = new Float32Array(ny * nx);
  for (let r = 0; r < ny; r++) for (let i = 0; i < nx; i++) data[r * nx + i] = 3 + D * Math.cos((2 * Math.PI * i) / nx);
  const file = path.join(dir, 'surface_height_um.tif');
  await writeTiff(file, makeVolume(data, [1, ny, nx], [1, dx, dx]));
  return file;
}

describe('buried contact3d', () => {
  it('height map of a sinusoid: Westergaard stripes, and the stripe constriction λ/(πσ)·ln(1/sin(πf/2)) within 3 %', async () => {
    const dir = tempDir('buried-c3d-');
    const nx = 128, ny = 16, dx = 0.25, D = 0.25, lambda = nx * dx; // λ = 32 µm
    const file = await sinusoidMap(dir, nx, ny, dx, D);
    const out = path.join(dir, 'out');
    const Es = 1 / ((1 - 0.38 ** 2) / 7820 + (1 - 0.28 ** 2) / 25000);
    const pstar = (Math.PI * Es * D) / lambda;
    const r = await contact3d(['-o', out, '--height', file, '--pressure', String(0.3 * pstar), '--ramp', '0', '--li', 'elastic', '--thickness', '64', '--grid', '0']);
    expect(r.stderr).not.toContain('buried:');
    expect(r.code ?? 0).toBe(0);
    const s = JSON.parse(readFileSync(path.join(out, 'contact3d.json'), 'utf8'));
    const ref = (2 / Math.PI) * Math.asin(Math.sqrt(0.3));
    expect(Math.abs(s.contact_fraction - ref)).toBeLessThan(1.5 / nx);
    const f = s.contact_fraction;
    const sigmaUmPerOhm = 2e-3 * 1e-4; // 2 mS/cm in S/µm
    const constriction = ((lambda / (Math.PI * sigmaUmPerOhm)) * Math.log(1 / Math.sin((Math.PI * f) / 2))) * 1e-8; // Ω·µm² → Ω·cm²
    expect(Math.abs(s.conduction.constriction_ohm_cm2 - constriction) / constriction).toBeLessThan(0.03);
    // interface_ohm_cm2: that constriction + the default (calibrated) r_ct over the true contact fraction
    expect(s.interface.rct_ohm_cm2).toBe(40.5);
    expect(s.interface.charge_transfer_ohm_cm2).toBeCloseTo(40.5 / f, 3);
    expect(s.interface.interface_ohm_cm2).toBeCloseTo(s.conduction.constriction_ohm_cm2 + 40.5 / f, 3);
    for (const name of ['contact3d.json', 'contact3d.csv', 'contact_map.tif', 'pressure_mpa.tif', 'contact_fields.vti']) expect(existsSync(path.join(out, name))).toBe(true);
  });

  it('contact_fields.vti: VTK reads the final surface fields back, equal to the TIFF maps and the input heights', async (ctx) => {
    requireAvailable(ctx, missingPython('vtk', 'numpy', 'tifffile'));
    const dir = tempDir('buried-c3d-vti-');
    const nx = 64, ny = 8, dx = 0.5, D = 0.25;
    const file = await sinusoidMap(dir, nx, ny, dx, D);
    const out = path.join(dir, 'out');
    const r = await contact3d(['-o', out, '--height', file, '--pressure', '2', '--ramp', '0', '--hold', '600', '--li', 'creep', '--no-current']);
    expect(r.stderr).not.toContain('buried:');
    expect(r.code ?? 0).toBe(0);
    const got = JSON.parse(runPython(
      `import sys, json, numpy as np, tifffile, vtk
from vtk.util.numpy_support import vtk_to_numpy
r = vtk.vtkXMLImageDataReader(); r.SetFileName(sys.argv[1] + '/contact_fields.vti'); r.Update()
img = r.GetOutput(); pd = img.GetPointData(); a = lambda n: vtk_to_numpy(pd.GetArray(n)).astype(np.float64)
p = tifffile.imread(sys.argv[1] + '/pressure_mpa.tif').ravel(); c = tifffile.imread(sys.argv[1] + '/contact_map.tif').ravel()
h = tifffile.imread(sys.argv[2]).ravel().astype(np.float64)
print(json.dumps({'dims': list(img.GetDimensions()), 'spacing': list(img.GetSpacing())[:2],
  'p': float(np.abs(a('contact_pressure_MPa') - p).max()), 'c': int((a('contact') != c).sum()),
  'h': float(np.abs(a('height_um') - (h - h.mean())).max()), 'contact_iff_p': int(((a('contact') > 0) != (a('contact_pressure_MPa') > 0)).sum()),
  'gap_off': float(a('gap_um')[a('contact') == 0].min()), 'sink_min': float(a('creep_sink_um').min()), 'sink_max': float(a('creep_sink_um').max())}))`,
      [out, file],
    )) as { dims: number[]; spacing: number[]; p: number; c: number; h: number; contact_iff_p: number; gap_off: number; sink_min: number; sink_max: number };
    expect(got.dims).toEqual([nx, ny, 1]);
    expect(got.spacing).toEqual([dx, dx]);
    expect(got.p).toBe(0);
    expect(got.c).toBe(0);
    expect(got.h).toBeLessThan(1e-6);
    expect(got.contact_iff_p).toBe(0);
    expect(got.gap_off).toBeGreaterThanOrEqual(0);
    expect(got.sink_min).toBeGreaterThanOrEqual(0);
    expect(got.sink_max).toBeGreaterThan(0);
  });

  const bad: Array<[string, string[], RegExp]> = [
    ['no surface', ['--pressure', '5'], /give exactly one of --height FILE and --rough-3d/],
    ['both pressure and history', ['--rough-3d', '1,0.8,4,100', '--pressure', '5', '--history', '0:1,10:5'], /give exactly one of --pressure and --history/],
    ['bad law', ['--rough-3d', '1,0.8,4,100', '--pressure', '5', '--li', 'glass'], /--li must be elastic, plastic or creep/],
    ['rough-3d with 3 numbers', ['--rough-3d', '1,0.8,4', '--pressure', '5'], /--rough-3d needs 4 comma-separated numbers/],
    ['lmin below two pixels', ['--rough-3d', '1,0.8,0.1,100', '--n', '64', '--pressure', '5'], /--rough-3d: λmin 0.1 µm is below two pixels/],
    ['pressure above the hardness', ['--rough-3d', '1,0.8,4,100', '--pressure', '5', '--li', 'plastic', '--yield', '1'], /at or above the hardness 3 MPa/],
    ['negative pressure', ['--rough-3d', '1,0.8,4,100', '--pressure', '-2'], /--pressure must be positive/],
    ['missing height file', ['--height', '/nonexistent/h.tif', '--pressure', '5'], /nonexistent/],
    ['bad cell kind', ['--rough-3d', '1,0.8,4,100', '--pressure', '5', '--cell', 'vice'], /--cell must be pressure, gap or spring/],
    ['gap cell with elastic Li', ['--rough-3d', '1,0.8,4,100', '--pressure', '5', '--cell', 'gap', '--li', 'elastic'], /--cell gap needs --li creep/],
    ['zero cell stiffness', ['--rough-3d', '1,0.8,4,100', '--pressure', '5', '--cell', 'spring', '--cell-stiffness', '0'], /--cell-stiffness must be positive/],
    ['stiffness without a locked cell', ['--rough-3d', '1,0.8,4,100', '--pressure', '5', '--cell-stiffness', '0.1'], /--cell-stiffness needs --cell gap or spring/],
    ['plating at constant pressure', ['--rough-3d', '1,0.8,4,100', '--pressure', '5', '--plating', '1'], /--plating needs --cell gap or spring/],
    ['negative plating', ['--rough-3d', '1,0.8,4,100', '--pressure', '5', '--cell', 'spring', '--plating', '-1'], /--plating/],
  ];
  it('--cell gap: the 25 MPa hold relaxes to 23 ± 1 MPa in 30 min, the pressure per record in contact3d.json and .csv', async () => {
    const out = path.join(tempDir('buried-c3d-gap-'), 'out');
    const r = await contact3d(['-o', out, '--rough-3d', '1,0.8,12.5,100', '--n', '16', '--pressure', '25', '--ramp', '60', '--hold', '1800', '--cell', 'gap', '--no-current']);
    expect(r.code ?? 0).toBe(0);
    const s = JSON.parse(readFileSync(path.join(out, 'contact3d.json'), 'utf8'));
    expect(s.model.cell.kind).toBe('gap');
    const last = s.history[s.history.length - 1];
    expect(last.t).toBeCloseTo(1860, 6);
    expect(Math.abs(last.pressure - 23)).toBeLessThan(1);
    const csv = readFileSync(path.join(out, 'contact3d.csv'), 'utf8').trim().split('\n');
    expect(Number(csv[csv.length - 1].split(',')[1])).toBeCloseTo(last.pressure, 10);
  });
  for (const [what, args, message] of bad) {
    it(`bad input (${what}): exit 2, one line, nothing written`, async () => {
      const out = path.join(tempDir('buried-c3d-bad-'), 'out');
      const r = await contact3d(['-o', out, ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
    });
  }

  it('a height map with a NaN pixel or two slices is refused naming the file', async () => {
    const dir = tempDir('buried-c3d-nan-');
    const data = new Float32Array(2 * 8 * 8).fill(1);
    const two = path.join(dir, 'two.tif');
    await writeTiff(two, makeVolume(data, [2, 8, 8], [1, 1, 1]));
    let r = await contact3d(['-o', path.join(dir, 'o1'), '--height', two, '--pressure', '5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('two.tif');
    expect(r.stderr).toContain('one slice');
    const one = new Float32Array(64).fill(1);
    one[10] = NaN;
    const nan = path.join(dir, 'nan.tif');
    await writeTiff(nan, makeVolume(one, [1, 8, 8], [1, 1, 1]));
    r = await contact3d(['-o', path.join(dir, 'o2'), '--height', nan, '--pressure', '5']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nan\.tif.*non-finite height at row 1, column 2|non-finite height at row 1, column 2.*nan\.tif/);
  });
  it('--papers refuses a surface or pressure of its own and a grid below 16, exit 2, nothing written', async () => {
    const dir = tempDir('buried-c3d-papers-');
    for (const [args, msg] of [[['--papers', '--pressure', '5'], /--papers sets its own surface, pressures and cell: drop --pressure/], [['--papers', '--cell', 'gap'], /--papers sets its own surface, pressures and cell: drop --cell$/m], [['--papers', '--n', '8'], /--n must be ≥ 16/]] as const) {
      const out = path.join(dir, `out${args.length}`);
      const r = await contact3d(['-o', out, ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(existsSync(path.join(out, 'papers.json'))).toBe(false);
    }
  });
});
