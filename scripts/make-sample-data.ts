/**
 * Regenerate data/sample/: the small `plated` phantom `buried run` uses when it gets no input.
 *
 *   npx tsc -p tsconfig.json && node dist/scripts/make-sample-data.js [outDir]
 *
 * Deterministic: generatePhantom is seeded (same seed and shape → same voxels) and the TIFF writer
 * writes no time stamps, so the files are byte-identical on every run.
 */
import path from 'node:path';
import { existsSync, promises as fs, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { generatePhantom } from '../src/synth/index.js';
import { writeTiff } from '../src/io/tiff/index.js';
import { writeFileAtomically } from '../src/io/atomic.js';
import { createHash } from 'node:crypto';

export const SAMPLE = { preset: 'plated' as const, seed: 7, shape: [96, 128, 128] as [number, number, number] };

function repoRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'buried-li') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
}

async function main(): Promise<void> {
  const out = process.argv[2] ?? path.join(repoRoot(), 'data', 'sample');
  await fs.mkdir(out, { recursive: true });
  const ph = generatePhantom({ preset: SAMPLE.preset, seed: SAMPLE.seed, shape: SAMPLE.shape });
  const files = {
    scan: path.join(out, 'scan.tif'),
    thickness: path.join(out, 'thickness_um.tif'),
    truth: path.join(out, 'truth.json'),
  };
  await writeTiff(files.scan, ph.scan, { compression: 'deflate', description: { phantom: `synth ${SAMPLE.preset} seed ${SAMPLE.seed}` } });
  await writeTiff(files.thickness, ph.thickness, { compression: 'deflate', description: { quantity: 'true Li layer thickness (µm)' } });
  await writeFileAtomically(files.truth, `${JSON.stringify(ph.truth, null, 2)}\n`);
  let total = 0;
  for (const [name, f] of Object.entries(files)) {
    const data = await fs.readFile(f);
    total += data.length;
    process.stdout.write(`${name.padEnd(10)} ${path.basename(f).padEnd(18)} ${String(data.length).padStart(9)} bytes  sha256 ${createHash('sha256').update(data).digest('hex')}\n`);
  }
  process.stdout.write(`total ${total} bytes; true mean Li thickness ${ph.truth.thickness.mean_um.toFixed(3)} µm\n`);
}

await main();
