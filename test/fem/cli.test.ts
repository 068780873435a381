import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { registerFem } from '../../src/cli/commands/fem.js';
import { tempDir } from '../helpers.js';

describe('buried fem contact (in-process)', () => {
  it('--wavy 0.5,20 --pressure 200 --li elastic --electrolyte rigid matches Westergaard', async () => {
    const out = tempDir('buried-fem-');
    const program = new Command().exitOverride();
    registerFem(program);
    const writes: string[] = [];
    const orig = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => { writes.push(String(s)); return true; }) as typeof process.stdout.write;
    try {
      await program.parseAsync(['fem', 'contact', '-o', out, '--wavy', '0.5,20', '--pressure', '200', '--li', 'elastic', '--electrolyte', 'rigid', '--json'], { from: 'user' });
    } finally {
      process.stdout.write = orig;
    }
    expect(process.exitCode ?? 0).toBe(0);
    const summary = JSON.parse(readFileSync(path.join(out, 'contact.json'), 'utf8'));
    const Es = 7820 / (1 - 0.38 ** 2);
    const pstar = (Math.PI * Es * 0.5) / 20;
    const ref = (2 / Math.PI) * Math.asin(Math.sqrt(200 / pstar));
    expect(Math.abs(summary.contact_fraction - ref) / ref).toBeLessThan(0.02);
    expect(summary.max_force_balance_error).toBeLessThan(1e-8);
    expect(summary.min_gap_um).toBeGreaterThanOrEqual(-1e-9 * 20);
    expect(JSON.parse(writes.join('')).contact_fraction).toBe(summary.contact_fraction);
    const csv = readFileSync(path.join(out, 'contact.csv'), 'utf8').trim().split('\n');
    expect(csv.length).toBe(2);
    const prof = readFileSync(path.join(out, 'profiles.csv'), 'utf8').trim().split('\n');
    expect(prof.length).toBe(257);
  });
});
