/**
 * What any per-voxel segmentation can reach on the layout-matrix phantoms (96² columns, seed 3):
 * the ceilings quoted in the matrix test's gaps (test/segment/layout-matrix.test.ts).
 *
 *   node dist/scripts/bench/segment-ceiling.js [--cases plated,depleted,...]
 *
 * Per case and per image (the scan; its 3×3×3 median, which the segmentation works on; the same
 * phantom without noise; without any image physics, partial volume only):
 *   global MAP  each grey level → the label with the most voxels at that level over the whole volume
 *               (exact class-conditional histograms from the truth: the best any rule on the grey
 *               alone can do);
 *   local MAP   the same, but choosing only among the labels present in the truth's 3×3×3
 *               neighbourhood of the voxel (an oracle told which phases meet there: an upper figure
 *               for rules that use the grey plus the layout).
 * And the pore structure: void voxels in 26-connected pores smaller than 8 / 27 / 64 voxels, and the
 * share with a face neighbour that is not void (partial-volume voxels).
 */
import { createBackend } from '../../src/compute/index.js';
import type { Shape3 } from '../../src/io/volume.js';
import { generatePhantom, type SynthOptions } from '../../src/synth/index.js';

const argv = process.argv.slice(2);
const k = argv.indexOf('--cases');
const CASES: Record<string, Omit<SynthOptions, 'shape'>> = {
  plated: { preset: 'plated' },
  depleted: { preset: 'depleted' },
  foil: { preset: 'foil' },
  'labct-die': { preset: 'labct', surroundings: 'die' },
  symmetric: { preset: 'symmetric' },
  'symmetric-die': { preset: 'symmetric', surroundings: 'die' },
  'symmetric-fov-tilt': { preset: 'symmetric', surroundings: 'plunger', fov: 'circle', tiltDeg: 8 },
  fullcell: { preset: 'fullcell' },
  'fullcell-plunger': { preset: 'fullcell', surroundings: 'plunger' },
};
const wanted = k >= 0 ? argv[k + 1].split(',') : Object.keys(CASES);
const BINS = 2048;
const MASKED = 255;

function dice(a: Uint8Array, b: Uint8Array, l: number): number {
  let i = 0, na = 0, nb = 0;
  for (let j = 0; j < a.length; j++) {
    const x = a[j] === l, y = b[j] === l;
    if (x) na++;
    if (y) nb++;
    if (x && y) i++;
  }
  return na + nb ? (2 * i) / (na + nb) : NaN;
}

/** MAP by grey level with the truth's per-label histograms; `local`: among the labels of the 3×3×3 truth neighbourhood. */
function mapOracle(g: ArrayLike<number>, truth: Uint8Array, shape: Shape3, local: boolean): Uint8Array {
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < g.length; i++) if (truth[i] !== MASKED) { lo = Math.min(lo, g[i]); hi = Math.max(hi, g[i]); }
  const w = (hi - lo) / BINS || 1;
  const bin = (v: number) => Math.min(BINS, Math.max(0, Math.floor((v - lo) / w)));
  const H = Array.from({ length: 8 }, () => new Float64Array(BINS + 1));
  for (let i = 0; i < g.length; i++) if (truth[i] < 8) H[truth[i]][bin(g[i])]++;
  const out = new Uint8Array(g.length);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const i = z * plane + y * nx + x;
        if (truth[i] === MASKED) { out[i] = MASKED; continue; }
        let mask = 0xff;
        if (local) {
          mask = 0;
          for (let dz = -1; dz <= 1; dz++)
            for (let dy = -1; dy <= 1; dy++)
              for (let dx = -1; dx <= 1; dx++) {
                const zz = z + dz, yy = y + dy, xx = x + dx;
                if (zz < 0 || yy < 0 || xx < 0 || zz >= nz || yy >= ny || xx >= nx) continue;
                const l = truth[zz * plane + yy * nx + xx];
                if (l < 8) mask |= 1 << l;
              }
        }
        const b = bin(g[i]);
        let best = truth[i], bm = -1;
        for (let l = 0; l < 8; l++) if (mask & (1 << l) && H[l][b] > bm) { bm = H[l][b]; best = l; }
        out[i] = best;
      }
  return out;
}

/** Sizes of the 26-connected components of label l (stack flood fill). */
function componentSizes(truth: Uint8Array, shape: Shape3, l: number): number[] {
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const seen = new Uint8Array(truth.length);
  const stack = new Int32Array(truth.length);
  const sizes: number[] = [];
  for (let s = 0; s < truth.length; s++) {
    if (truth[s] !== l || seen[s]) continue;
    let n = 0, sp = 0;
    stack[sp++] = s;
    seen[s] = 1;
    while (sp) {
      const i = stack[--sp];
      n++;
      const z = Math.floor(i / plane), y = Math.floor((i - z * plane) / nx), x = i % nx;
      for (let dz = -1; dz <= 1; dz++)
        for (let dy = -1; dy <= 1; dy++)
          for (let dx = -1; dx <= 1; dx++) {
            const zz = z + dz, yy = y + dy, xx = x + dx;
            if (zz < 0 || yy < 0 || xx < 0 || zz >= nz || yy >= ny || xx >= nx) continue;
            const j = zz * plane + yy * nx + xx;
            if (truth[j] === l && !seen[j]) { seen[j] = 1; stack[sp++] = j; }
          }
    }
    sizes.push(n);
  }
  return sizes;
}

const backend = await createBackend('cpu');
const NAMES: Record<number, string> = { 0: 'void', 1: 'Li', 2: 'electrolyte', 3: 'collector', 4: 'cathode', 5: 'outside' };
for (const name of wanted) {
  const c = CASES[name];
  if (!c) throw new Error(`unknown case ${name} (expected ${Object.keys(CASES).join(', ')})`);
  const shape: Shape3 = [c.preset === 'plated' || c.preset === 'depleted' ? 160 : 200, 96, 96];
  const p = generatePhantom({ seed: 3, ...c, shape });
  const clean = generatePhantom({ seed: 3, ...c, shape, noise: 0 });
  const pure = generatePhantom({ seed: 3, ...c, shape, noise: 0, blurSigmaVoxels: 0, phaseContrast: 0, rings: 0, cupping: 0, drift: 0 });
  const truth = p.labels.data;
  const codes = [0, 1, 2, 3, 4, 5].filter((l) => truth.includes(l));
  const scan = Float32Array.from(p.scan.data as ArrayLike<number>);
  const median = await backend.median3(Uint16Array.from(p.scan.data as ArrayLike<number>), shape);
  console.log(`== ${name}`);
  const images: [string, ArrayLike<number>][] = [['scan', scan], ['median 3³', median], ['no noise', clean.scan.data as ArrayLike<number>], ['partial volume only', pure.scan.data as ArrayLike<number>]];
  for (const [label, img] of images) {
    const row = (seg: Uint8Array) => codes.map((l) => `${NAMES[l]} ${dice(seg, truth, l).toFixed(3)}`).join(', ');
    console.log(`  ${label.padEnd(20)} global MAP: ${row(mapOracle(img, truth, shape, false))}`);
    console.log(`  ${''.padEnd(20)} local MAP:  ${row(mapOracle(img, truth, shape, true))}`);
  }
  const sizes = componentSizes(truth, shape, 0);
  const total = sizes.reduce((a, b) => a + b, 0);
  const below = (m: number) => (100 * sizes.filter((s) => s < m).reduce((a, b) => a + b, 0)) / total;
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  let edge = 0;
  for (let i = 0; i < truth.length; i++) {
    if (truth[i] !== 0) continue;
    const z = Math.floor(i / plane), y = Math.floor((i - z * plane) / nx), x = i % nx;
    const inner = x > 0 && x < nx - 1 && y > 0 && y < ny - 1 && z > 0 && z < nz - 1;
    if (!inner || truth[i - 1] || truth[i + 1] || truth[i - nx] || truth[i + nx] || truth[i - plane] || truth[i + plane]) edge++;
  }
  console.log(`  void: ${total} voxels in ${sizes.length} pores; in pores < 8 voxels ${below(8).toFixed(1)} %, < 27 ${below(27).toFixed(1)} %, < 64 ${below(64).toFixed(1)} %; with a non-void face neighbour ${((100 * edge) / total).toFixed(1)} %`);
}
await backend.dispose?.();
