/**
 * Benchmark: exact uniform stripping replay (curve + islands for every step) of a 2048² lognormal
 * map with 500 steps. Target < 2 s. Run: npx tsc -p tsconfig.json && node dist/scripts/bench/strip.js [size] [steps]
 */
import { performance } from 'node:perf_hooks';
import { lognormalMap, stripUniform } from '../../src/strip/index.js';

const size = Number(process.argv[2] ?? 2048);
const steps = Number(process.argv[3] ?? 500);
const t0 = performance.now();
const map = lognormalMap(size, size, { median: 23.3, sigmaLog: 0.32, corrPx: size / 16, seed: 3, modes: 48 });
const t1 = performance.now();
const runs: number[] = [];
const cpus: number[] = [];
let result = stripUniform(map, size, size, { steps, by: 'fraction', at: [0.64, 0.85] });
for (let r = 0; r < 3; r++) {
  const c0 = process.cpuUsage();
  const a = performance.now();
  result = stripUniform(map, size, size, { steps, by: r === 1 ? 'depth' : 'fraction', at: [0.64, 0.85] });
  runs.push(performance.now() - a);
  const c = process.cpuUsage(c0);
  cpus.push((c.user + c.system) / 1000);
}
const s = result.summary.s002_comparison;
console.log(`map ${size}×${size} generated in ${((t1 - t0) / 1000).toFixed(2)} s`);
console.log(`stripUniform ${size}² × ${steps} steps (sort + exact curve + islands/sizes every step): ` + runs.map((ms) => `${(ms / 1000).toFixed(3)} s`).join(', ') + ` (best ${(Math.min(...runs) / 1000).toFixed(3)} s; target < 2 s); CPU ${cpus.map((ms) => `${(ms / 1000).toFixed(3)} s`).join(', ')}`);
console.log(`64 % stripped → ${(s[0].active_fraction * 100).toFixed(1)} % active; 85 % → ${(s[1].active_fraction * 100).toFixed(1)} % active (×${s[1].current_multiplier.toFixed(2)})`);
console.log(`islands at last-but-one step: ${result.rows[result.rows.length - 2].islands}`);
