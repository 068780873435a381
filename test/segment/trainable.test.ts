/**
 * Trainable segmentation (issue #18 point 3, first version: CPU, in memory): the feature kernels
 * against SciPy and closed forms, the random forest on a problem with a known answer, and the whole
 * command on a symmetric lab-CT phantom annotated with sparse strokes on three slices (≈ 0.5 % of
 * the voxels) against the phantom's truth, with the model reused on another scan of the series.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cli, missingPython, requireAvailable, runPython, tempDir } from '../helpers.js';
import { generatePhantom, type Phantom } from '../../src/synth/index.js';
import { writeTiff } from '../../src/io/tiff/index.js';
import { loadVolume } from '../../src/io/open.js';
import { makeVolume } from '../../src/io/volume.js';
import { featureCount, slabFeatures, symmetricEigenvalues } from '../../src/segment/trainable/features.js';
import { CHEAP_CONFIG } from '../run/helpers.js';
import { strokes } from './strokes.js';
import { predictForest, trainForest } from '../../src/segment/trainable/forest.js';
import { segmentTrainable } from '../../src/segment/trainable/run.js';
import { dice } from './metrics.js';

const missingScipy = missingPython('numpy', 'scipy.ndimage');

describe('trainable segmentation: kernels', () => {
  it('Hessian eigenvalues: a rotated diagonal matrix gives its diagonal back, sorted', () => {
    const out = new Float64Array(3);
    // R = rotation by 30° about z; A = R diag(3, −1, 0.5) Rᵀ
    const c = Math.cos(Math.PI / 6), s = Math.sin(Math.PI / 6);
    const d = [3, -1, 0.5];
    const a = c * c * d[0] + s * s * d[1], b = s * s * d[0] + c * c * d[1], xy = c * s * (d[0] - d[1]);
    symmetricEigenvalues(a, b, d[2], xy, 0, 0, out);
    expect(Array.from(out).map((v) => +v.toFixed(9))).toEqual([3, 0.5, -1]);
    symmetricEigenvalues(2, 2, 2, 0, 0, 0, out);
    expect(Array.from(out)).toEqual([2, 2, 2]);
  });

  it('Hessian eigenvalues equal numpy.linalg.eigvalsh on random, near-degenerate and degenerate matrices (≤ 5e-8 of the norm)', (ctx) => {
    requireAvailable(ctx, missingPython('numpy'));
    // random symmetric matrices, and R diag(λ, λ, μ) Rᵀ with a tiny split (the r = ±1 ends of the closed form)
    let seed = 11;
    const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32) - 0.5;
    const mats: number[][] = [];
    for (let i = 0; i < 1500; i++) mats.push([rnd(), rnd(), rnd(), rnd(), rnd(), rnd()]);
    for (let i = 0; i < 500; i++) {
      const l = rnd(), m = rnd(), split = i % 2 ? 1e-9 * rnd() : 0, sign = i % 4 < 2 ? 1 : -1;
      const th = 3 * rnd(), ph = 3 * rnd();
      const u = [Math.cos(th) * Math.sin(ph), Math.sin(th) * Math.sin(ph), Math.cos(ph)];
      // A = l I + (m − l) u uᵀ (+ split on the xx entry): two eigenvalues l, one m
      const k = sign * (m - l);
      mats.push([l + k * u[0] * u[0] + split, l + k * u[1] * u[1], l + k * u[2] * u[2], k * u[0] * u[1], k * u[0] * u[2], k * u[1] * u[2]]);
    }
    const input = path.join(tempDir('buried-eig-'), 'm.json');
    writeFileSync(input, JSON.stringify(mats));
    const ref = JSON.parse(runPython(`
import sys, json, numpy as np
m = json.load(open(sys.argv[1]))
print(json.dumps([sorted(np.linalg.eigvalsh(np.array([[a, d, e], [d, b, f], [e, f, c]])).tolist(), reverse=True) for a, b, c, d, e, f in m]))
`, [input])) as number[][];
    const out = new Float64Array(3);
    let worst = 0;
    mats.forEach(([a, b, c, d, e, f], i) => {
      symmetricEigenvalues(a, b, c, d, e, f, out);
      const norm = Math.max(...ref[i].map(Math.abs), 1e-12);
      for (let k = 0; k < 3; k++) worst = Math.max(worst, Math.abs(out[k] - ref[i][k]) / norm);
    });
    // measured 1.4e-8, at a near-double eigenvalue where the closed form itself loses half the
    // digits (Math.acos/Math.cos gave 1.6e-8 there); below float32's 6e-8, the features' storage
    expect(worst).toBeLessThan(5e-8);
  });

  it('smoothing, gradient magnitude and Laplacian equal scipy.ndimage / numpy on the same volume', (ctx) => {
    requireAvailable(ctx, missingScipy);
    const shape = [12, 10, 14] as const;
    const n = shape[0] * shape[1] * shape[2];
    const grey = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * 100 + (i % 7) * 13);
    const spec = { scales: [1.6], greyLo: 0, greyHi: 1 };
    const f = slabFeatures(grey, 0, 12, 0, 12, 10, 14, spec);
    const input = path.join(tempDir('buried-features-'), 'grey.json');
    writeFileSync(input, JSON.stringify(Array.from(grey)));
    const py = runPython(`
import sys, json, numpy as np
from scipy import ndimage
g = np.array(json.load(open(sys.argv[1])), dtype=np.float64).reshape(12, 10, 14)
s = ndimage.gaussian_filter(g, 1.6, mode='nearest', radius=7)  # ours: radius ceil(4σ) (SciPy's default int(4σ + 0.5) = 6)
p = np.pad(s, 1, mode='edge')
gz, gy, gx = [(np.roll(p, -1, a) - np.roll(p, 1, a))[1:-1, 1:-1, 1:-1] / 2 for a in range(3)]
lap = sum((np.roll(p, -1, a) - 2 * p + np.roll(p, 1, a))[1:-1, 1:-1, 1:-1] for a in range(3))
print(json.dumps([s.ravel().tolist(), np.sqrt(gx**2 + gy**2 + gz**2).ravel().tolist(), lap.ravel().tolist()]))
`, [input]);
    const [sm, grad, lap] = JSON.parse(py) as number[][];
    const feature = (k: number) => f.subarray(k * n, (k + 1) * n);
    const maxErr = (a: ArrayLike<number>, b: number[]) => b.reduce((m, v, i) => Math.max(m, Math.abs(a[i] - v)), 0);
    // features: 0 grey, 1 smooth, 2 gradient, 3 Laplacian (float32 accumulation against float64)
    expect(maxErr(feature(0), Array.from(grey, Number))).toBe(0);
    expect(maxErr(feature(1), sm)).toBeLessThan(2e-4);
    expect(maxErr(feature(2), grad)).toBeLessThan(2e-4);
    expect(maxErr(feature(3), lap)).toBeLessThan(4e-4);
    expect(featureCount(spec)).toBe(7);
  });

  it('the forest learns three classes split by two thresholds on two of three features', () => {
    const n = 4000, F = 3;
    let s = 5;
    const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
    const make = (m: number) => {
      const X = new Float32Array(m * F), y = new Uint8Array(m);
      for (let i = 0; i < m; i++) {
        const a = rnd(), b = rnd();
        X[i * F] = a; X[i * F + 1] = b; X[i * F + 2] = rnd(); // the third feature is noise
        y[i] = a < 0.5 ? 0 : b < 0.3 ? 1 : 2;
      }
      return { X, y };
    };
    const train = make(n);
    const forest = trainForest(train.X, train.y, n, F, 3, { trees: 16, seed: 3 });
    const test = make(2000);
    const Xf = new Float32Array(2000 * F);
    for (let i = 0; i < 2000; i++) for (let k = 0; k < F; k++) Xf[k * 2000 + i] = test.X[i * F + k];
    const p = predictForest(forest, Xf, 2000);
    let right = 0;
    for (let i = 0; i < 2000; i++) {
      const k = [0, 1, 2].reduce((b, c) => (p[i * 3 + c] > p[i * 3 + b] ? c : b), 0);
      if (k === test.y[i]) right++;
    }
    // measured 0.9915
    console.log(`forest: ${right / 2000} of held-out samples right`);
    expect(right / 2000).toBeGreaterThan(0.98);
  });
});

describe('trainable segmentation: threads', () => {
  it('worker threads over slabs give the outputs of one thread, byte for byte', async () => {
    const ph = generatePhantom({ preset: 'symmetric', seed: 9, shape: [40, 48, 48] });
    const shared = new Uint16Array(new SharedArrayBuffer(ph.scan.data.length * 2));
    shared.set(ph.scan.data as Uint16Array);
    const scan = makeVolume(shared, ph.scan.shape, ph.scan.spacing);
    const ann = makeVolume(strokes(ph.labels.data, [40, 48, 48], 3), ph.scan.shape, null);
    const one = await segmentTrainable(scan, ann, { threads: 1, slabVoxels: 48 * 48 * 6, trees: 8 });
    const two = await segmentTrainable(scan, ann, { threads: 2, slabVoxels: 48 * 48 * 6, trees: 8 });
    expect([one.report.threads, two.report.threads]).toEqual([1, 2]);
    expect(Buffer.from(two.labels).equals(Buffer.from(one.labels))).toBe(true);
    expect(Buffer.from(two.uncertainty).equals(Buffer.from(one.uncertainty))).toBe(true);
    two.probabilities.forEach((p, k) => expect(Buffer.from(p).equals(Buffer.from(one.probabilities[k]))).toBe(true));
    expect(two.report.phase_fractions).toEqual(one.report.phase_fractions);
    expect(two.report.li_band).toEqual(one.report.li_band);
  }, 60_000);
});

describe('trainable segmentation: field of view', () => {
  it('voxels outside a NaN field of view are masked (255) and do not spoil the ones inside', async () => {
    // a float32 scan with NaN outside the reconstruction disc; strokes on three xz slices
    const ph = generatePhantom({ preset: 'symmetric', seed: 3, shape: [48, 64, 64], fov: 'circle', fovFill: 'nan' });
    const truth = ph.labels.data;
    const ann = makeVolume(strokes(truth, [48, 64, 64], 5), ph.scan.shape, null);
    const r = await segmentTrainable(ph.scan, ann, { trees: 16 });
    let wrong255 = 0, nan = 0;
    for (let i = 0; i < truth.length; i++) {
      const isNan = !Number.isFinite(Number(ph.scan.data[i]));
      if (isNan) nan++;
      if (isNan !== (r.labels[i] === 255)) wrong255++;
    }
    expect(nan).toBeGreaterThan(1000);
    expect(wrong255).toBe(0);
    // measured: Li 0.978 inside the disc
    const inside = (k: number) => truth[k] !== 255;
    let i2 = 0, a = 0, b = 0;
    for (let k = 0; k < truth.length; k++) {
      if (!inside(k)) continue;
      const p = r.labels[k] === 1, q = truth[k] === 1;
      if (p && q) i2++;
      if (p) a++;
      if (q) b++;
    }
    console.log(`NaN field of view: Li Dice inside ${((2 * i2) / (a + b)).toFixed(3)}, ${nan} NaN voxels masked`);
    expect((2 * i2) / (a + b)).toBeGreaterThan(0.95);
    expect(Number.isFinite(r.report.mean_uncertainty)).toBe(true);
  }, 60_000);
});

describe('buried segment --annotations', () => {
  let dir: string;
  let ph: Phantom;
  let scan: string;
  let ann: string;

  beforeAll(async () => {
    dir = tempDir('buried-trainable-');
    ph = generatePhantom({ preset: 'symmetric', seed: 3, shape: [64, 96, 96] });
    scan = path.join(dir, 'scan.tif');
    await writeTiff(scan, ph.scan, { compression: 'deflate' });
    ann = path.join(dir, 'annotations.tif');
    await writeTiff(ann, makeVolume(strokes(ph.labels.data, [64, 96, 96], 7), ph.scan.shape, null));
  });

  it('learns the phases from strokes on three slices and labels the scan like its truth', async () => {
    const out = path.join(dir, 'seg');
    const r = cli(['segment', scan, '--annotations', ann, '-o', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    const rep = JSON.parse(r.stdout);
    expect(rep.annotated_fraction).toBeLessThan(0.006);
    const labels = (await loadVolume(path.join(out, 'labels.tif'))).data;
    const truth = ph.labels.data;
    // measured: void/pore 0.851 (0.852 without the connectivity rules), Li 0.991, electrolyte 0.968 (auto mode on this scan: 0.711, 0.977, 0.957)
    console.log(`trainable Dice: void ${dice(labels, truth, 0).toFixed(3)}, Li ${dice(labels, truth, 1).toFixed(3)}, electrolyte ${dice(labels, truth, 2).toFixed(3)}; ${rep.annotated_voxels} voxels annotated (${(100 * rep.annotated_fraction).toFixed(2)} %), ${JSON.stringify(rep.timings_ms)}`);
    expect(dice(labels, truth, 1)).toBeGreaterThan(0.98);
    expect(dice(labels, truth, 2)).toBeGreaterThan(0.96);
    expect(dice(labels, truth, 0)).toBeGreaterThan(0.84);
    // the Li inventory's band from the boundary uncertainty holds the true Li volume
    const liTrue = truth.reduce((n, c) => n + (c === 1 ? 1 : 0), 0);
    const band = rep.li_band;
    console.log(`Li band: P ≥ 0.7 ${band.p70_voxels}, labelled ${band.labelled_voxels}, P ≥ 0.3 ${band.p30_voxels} voxels (± ${(100 * band.relative_half_width).toFixed(2)} %); true ${liTrue}`);
    expect(band.p70_voxels).toBeLessThanOrEqual(band.labelled_voxels);
    expect(band.labelled_voxels).toBeLessThanOrEqual(band.p30_voxels);
    expect(liTrue).toBeGreaterThanOrEqual(band.p70_voxels);
    expect(liTrue).toBeLessThanOrEqual(band.p30_voxels);
    // probabilities sum to 255 (± rounding), the uncertainty is 255 − the largest
    const probs = await Promise.all(['void', 'li', 'electrolyte'].map(async (p) => (await loadVolume(path.join(out, `probability_${p}.tif`))).data));
    const unc = (await loadVolume(path.join(out, 'uncertainty.tif'))).data;
    for (let i = 0; i < labels.length; i += 997) {
      const ps = probs.map((q) => Number(q[i]));
      expect(Math.abs(ps.reduce((a, b) => a + b, 0) - 255)).toBeLessThanOrEqual(2);
      expect(Math.abs(Number(unc[i]) - (255 - Math.max(...ps)))).toBeLessThanOrEqual(1);
    }
  }, 120_000);

  it('the saved model labels another scan of the series without annotations', async () => {
    const other = generatePhantom({ preset: 'symmetric', seed: 4, shape: [64, 96, 96] });
    const scan2 = path.join(dir, 'scan2.tif');
    await writeTiff(scan2, other.scan, { compression: 'deflate' });
    const out = path.join(dir, 'seg2');
    const r = cli(['segment', scan2, '--model', path.join(dir, 'seg', 'model.json'), '-o', out, '--json']);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).model_source).toBe('given');
    const labels = (await loadVolume(path.join(out, 'labels.tif'))).data;
    // measured: void 0.847, Li 0.991, electrolyte 0.968
    console.log(`model reused: Dice void ${dice(labels, other.labels.data, 0).toFixed(3)}, Li ${dice(labels, other.labels.data, 1).toFixed(3)}, electrolyte ${dice(labels, other.labels.data, 2).toFixed(3)}`);
    expect(dice(labels, other.labels.data, 1)).toBeGreaterThan(0.96);
    expect(dice(labels, other.labels.data, 2)).toBeGreaterThan(0.94);
  }, 120_000);

  it('buried run --annotations: the run goes on from the trainable labels; both electrodes measured, the report says how the labels were made', async () => {
    const config = path.join(dir, 'cheap.yaml');
    writeFileSync(config, CHEAP_CONFIG);
    const out = path.join(dir, 'run');
    const r = cli(['run', scan, '--annotations', ann, '-o', out, '--config', config, '--quiet', '--workers', '2']);
    expect(r.status, r.stderr).toBe(0);
    const seg = JSON.parse(readFileSync(path.join(out, 'segment', 'segment.json'), 'utf8'));
    expect([seg.mode, seg.layout.normal_axis]).toEqual(['trainable', 'z']);
    const th = JSON.parse(readFileSync(path.join(out, 'thickness', 'thickness.json'), 'utf8'));
    expect(th.electrodes.map((e: { name: string }) => e.name)).toEqual(['near', 'far']);
    for (const e of th.electrodes as { name: string; mean_um: number }[]) {
      const t = ph.truth.electrodes.find((x) => x.name === e.name)!;
      // measured: near 30.07 vs 29.88 µm, far 33.91 vs 33.76 µm
      console.log(`run --annotations: ${e.name} Li ${e.mean_um.toFixed(2)} µm, true ${t.thickness.mean_um.toFixed(2)} µm`);
      expect(Math.abs(e.mean_um - t.thickness.mean_um), e.name).toBeLessThan(ph.truth.voxel_um);
    }
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('Trainable segmentation (random forest, 16 trees, 31 features) from 3048 annotated voxels');
  }, 180_000);

  it('refuses annotations of one phase, of another shape, and a file that is no model', async () => {
    const one = path.join(dir, 'one.tif');
    const a = new Uint8Array(64 * 96 * 96);
    a[5] = 2;
    await writeTiff(one, makeVolume(a, [64, 96, 96], null));
    let r = cli(['segment', scan, '--annotations', one, '-o', path.join(dir, 'x1')]);
    expect([r.status, r.stderr.trim().split('\n').length]).toEqual([2, 1]);
    expect(r.stderr).toContain('annotate at least two');
    const small = path.join(dir, 'small.tif');
    await writeTiff(small, makeVolume(new Uint8Array(8), [2, 2, 2], null));
    r = cli(['segment', scan, '--annotations', small, '-o', path.join(dir, 'x2')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`buried: ${small}: annotations shape 2×2×2 differs from the scan's 64×96×96`);
    const notModel = path.join(dir, 'model.json');
    writeFileSync(notModel, '{"hello": 1}');
    r = cli(['segment', scan, '--model', notModel, '-o', path.join(dir, 'x3')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('not a buried-li trainable model');
    expect(readFileSync(notModel, 'utf8')).toBe('{"hello": 1}');
  }, 60_000);

  it('--annotation-map: another tool\'s codes give the labels of the contract codes; unmapped codes and a mapped 0 are refused', async () => {
    // the same strokes as codes 10 (void), 20 (Li), 30 (electrolyte) in uint16, as a Weka or ilastik export
    const own = (await loadVolume(ann)).data;
    const foreign = Uint16Array.from(own, (v) => (v === 0 ? 0 : [0, 10, 20, 30][v]));
    const file = path.join(dir, 'foreign.tif');
    await writeTiff(file, makeVolume(foreign, [64, 96, 96], null));
    const r = cli(['segment', scan, '--annotations', file, '--annotation-map', '10:void,20:li,30:electrolyte', '-o', path.join(dir, 'mapped')]);
    expect(r.status, r.stderr).toBe(0);
    const a = (await loadVolume(path.join(dir, 'mapped', 'labels.tif'))).data;
    const b = (await loadVolume(path.join(dir, 'seg', 'labels.tif'))).data;
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    let bad = cli(['segment', scan, '--annotations', file, '--annotation-map', '10:void,20:li', '-o', path.join(dir, 'x4')]);
    expect([bad.status, bad.stderr.trim().split('\n').length]).toEqual([2, 1]);
    expect(bad.stderr).toContain(`buried: ${file}: annotation code 30 is not in --annotation-map`);
    bad = cli(['segment', scan, '--annotations', file, '--annotation-map', '0:void,10:void,20:li,30:electrolyte', '-o', path.join(dir, 'x5')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('0 means "not annotated"');
    bad = cli(['segment', scan, '--annotation-map', '10:void', '-o', path.join(dir, 'x6')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('--annotation-map maps the codes of --annotations');
  }, 120_000);
});
