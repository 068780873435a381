import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { registerFem } from '../../src/cli/commands/fem.js';
import { arrhenius, LI_DEFAULTS } from '../../src/fem/material.js';
import { writeTiff } from '../../src/io/tiff/index.js';
import { makeVolume } from '../../src/io/volume.js';
import { tempDir } from '../helpers.js';

const Es = 7820 / (1 - 0.38 ** 2);

async function femContact(args: string[]): Promise<Record<string, any>> {
  const out = tempDir('buried-fem-in-');
  const program = new Command().exitOverride();
  registerFem(program);
  const orig = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    await program.parseAsync(['fem', 'contact', '-o', out, '--json', ...args], { from: 'user' });
  } finally {
    process.stdout.write = orig;
  }
  return JSON.parse(readFileSync(path.join(out, 'contact.json'), 'utf8'));
}

/** Westergaard contact fraction for h = H(1 − cos 2πx/λ) at pressure p (elastic Li, rigid electrolyte). */
const westergaard = (H: number, lambda: number, p: number) => (2 / Math.PI) * Math.asin(Math.sqrt(p / ((Math.PI * Es * H) / lambda)));

describe('buried fem contact inputs', () => {
  it('--profile FILE.csv: one period of x,h samples (λ = n·dx) reproduces Westergaard', async () => {
    const dir = tempDir('buried-fem-csv-');
    const n = 200, lambda = 20, H = 0.5;
    const lines = ['x_um,h_um'];
    for (let k = 0; k < n; k++) { const x = (k * lambda) / n; lines.push(`${x},${H * (1 - Math.cos((2 * Math.PI * x) / lambda))}`); }
    const file = path.join(dir, 'profile.csv');
    writeFileSync(file, lines.join('\n') + '\n');
    const s = await femContact(['--profile', file, '--pressure', '200', '--li', 'elastic', '--electrolyte', 'rigid', '--nx', '256', '--ny', '24']);
    expect(s.lambda_um).toBeCloseTo(lambda, 10);
    const ref = westergaard(H, lambda, 200);
    expect(Math.abs(s.contact_fraction - ref) / ref).toBeLessThan(0.02);
  });

  it('--from-height-map FILE --row N: float32 TIFF row with its x spacing', async () => {
    const dir = tempDir('buried-fem-tif-');
    const nxv = 160, ny = 5, dx = 0.125, H = 0.5, row = 3; // λ = 20 µm
    const data = new Float32Array(ny * nxv);
    for (let r = 0; r < ny; r++) for (let i = 0; i < nxv; i++) {
      // only row 3 carries the wavy profile; the others are 4× rougher (wrong row → different answer)
      const amp = r === row ? H : 4 * H;
      data[r * nxv + i] = amp * (1 - Math.cos((2 * Math.PI * i) / nxv));
    }
    const file = path.join(dir, 'surface_height_um.tif');
    await writeTiff(file, makeVolume(data, [1, ny, nxv], [1, 1, dx]));
    const s = await femContact(['--from-height-map', file, '--row', String(row), '--pressure', '200', '--li', 'elastic', '--electrolyte', 'rigid', '--nx', '256', '--ny', '24']);
    expect(s.lambda_um).toBeCloseTo(nxv * dx, 6);
    expect(s.profile).toContain(`row ${row}`);
    const ref = westergaard(H, nxv * dx, 200);
    expect(Math.abs(s.contact_fraction - ref) / ref).toBeLessThan(0.02);
    // a row outside the map is bad input (exit code 2, message on stderr), not a crash
    const prevCode = process.exitCode;
    const errOrig = process.stderr.write.bind(process.stderr);
    const errs: string[] = [];
    process.stderr.write = ((t: string) => { errs.push(String(t)); return true; }) as typeof process.stderr.write;
    try {
      await expect(femContact(['--from-height-map', file, '--row', String(ny), '--pressure', '200', '--li', 'elastic'])).rejects.toThrow(/ENOENT/);
      expect(process.exitCode).toBe(2);
      expect(errs.join('')).toContain('--row must be an integer in 0..4');
    } finally {
      process.stderr.write = errOrig;
      process.exitCode = prevCode;
    }
  });

  it('Arrhenius factor exp(−Q/R·(1/T − 1/T0)) scales the Norton prefactor (--temperature)', async () => {
    expect(arrhenius(298)).toBe(1);
    const f = arrhenius(333);
    expect(f).toBeCloseTo(Math.exp((-37e3 / 8.314462618) * (1 / 333 - 1 / 298)), 12);
    expect(f).toBeGreaterThan(4.5); // 37 kJ/mol: ≈ 4.8× faster creep at 60 °C
    expect(f).toBeLessThan(5.2);
    const s = await femContact(['--wavy', '0.5,20', '--pressure', '5', '--li', 'creep', '--electrolyte', 'rigid', '--temperature', '333', '--hold', '1e-9', '--nx', '16', '--ny', '4']);
    expect(s.creep_A).toBeCloseTo(LI_DEFAULTS.A * f, 12);
    expect(s.temperature_K).toBe(333);
  });
});
