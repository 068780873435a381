/**
 * The second phase pass (src/segment/second-pass.ts): it raises the void, electrolyte and cathode
 * Dice of full, symmetric and Li-foil cells against the phantom's truth and leaves their Li, collector
 * and outside labels as the median pass made them; anode-free cells keep the one-pass result; it
 * streams to the same labels out of core; its pieces (predictor crop, merge, grey mix, windowed
 * Gaussian, layout guard) do what they say.
 */
import { describe, expect, it } from 'vitest';
import { generatePhantom, type PresetName, type SynthOptions } from '../../src/synth/index.js';
import { segment, segmentOutOfCore } from '../../src/segment/index.js';
import { CentralCrop, cropOfScratch, secondPassLikelyInMemory, gaussianSameType, hybridGrey, mergeLabels, SECOND_PASS_SIGMA, secondPassRejected, secondPassWanted } from '../../src/segment/second-pass.js';
import type { PhaseResult } from '../../src/segment/phases/types.js';
import { memorySource } from '../../src/io/source.js';
import { ScratchVolume } from '../../src/io/scratch-volume.js';
import type { Shape3 } from '../../src/io/volume.js';
import { testBackend } from './backend.js';
import { dice } from './metrics.js';

const STEP = 'second pass';

/** Voxels where exactly one of a, b carries `label`. */
function disagree(a: Uint8Array, b: Uint8Array, label: number): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if ((a[i] === label) !== (b[i] === label)) n++;
  return n;
}

describe('second phase pass', () => {
  // the layout matrix's phantoms (seed 3, depth × 96 × 96): pass 1 alone is the explicit median
  // (denoise 'median' runs no second pass), `secondPass: true` adds pass 2 (off by default: its
  // memory, ≈ 9.5× the scan at 512³ in memory, is not trimmed yet)
  const cells: { name: string; preset: PresetName; synth: Partial<SynthOptions>; gain: Record<number, number> }[] = [
    // measured: void +0.035, electrolyte +0.009, cathode +0.017
    { name: 'full cell', preset: 'fullcell', synth: {}, gain: { 0: 0.025, 2: 0.006, 4: 0.012 } },
    // measured: void +0.040, electrolyte +0.012, cathode +0.016
    { name: 'full cell with plungers', preset: 'fullcell', synth: { surroundings: 'plunger' }, gain: { 0: 0.025, 2: 0.008, 4: 0.012 } },
    // measured: void +0.024 (0.823 → 0.847), electrolyte +0.003
    { name: 'symmetric plungers, FOV, tilt 8°', preset: 'symmetric', synth: { surroundings: 'plunger', fov: 'circle', tiltDeg: 8 }, gain: { 0: 0.015, 2: 0.002 } },
    // measured: void +0.022, electrolyte +0.005
    { name: 'Li foil, steel collector', preset: 'foil', synth: {}, gain: { 0: 0.015, 2: 0.003 } },
  ];
  for (const c of cells) {
    it(`${c.name}: void and electrolyte (cathode) Dice rise against the truth; Li, collector and outside stay pass 1's`, async () => {
      const backend = await testBackend();
      const p = generatePhantom({ preset: c.preset, seed: 3, shape: [200, 96, 96], ...c.synth });
      const truth = p.labels.data;
      const one = await segment({ ...p.scan, data: p.scan.data.slice() }, { backend, mode: 'phases', method: 'otsu', denoise: 'median' });
      const two = await segment({ ...p.scan, data: p.scan.data.slice() }, { backend, mode: 'phases', method: 'otsu', secondPass: true });
      expect(one.report.decisions.some((d) => d.step === STEP)).toBe(false);
      expect(two.report.decisions.some((d) => d.step === STEP)).toBe(true);
      for (const [code, gain] of Object.entries(c.gain)) {
        const l = Number(code);
        expect(dice(two.labels, truth, l) - dice(one.labels, truth, l), `label ${l} gain`).toBeGreaterThanOrEqual(gain);
      }
      // the cathode target (0.90) is met; measured 0.911 / 0.907
      if (truth.includes(4)) expect(dice(two.labels, truth, 4)).toBeGreaterThanOrEqual(0.9);
      for (const l of [1, 3, 5]) expect(disagree(one.labels, two.labels, l), `label ${l} changed`).toBe(0);
    });
  }

  it('anode-free cells keep the one-pass labels', async () => {
    const backend = await testBackend();
    for (const synth of [{}, { surroundings: 'plunger' as const }]) {
      const p = generatePhantom({ preset: 'plated', seed: 3, shape: [160, 64, 64], ...synth });
      const one = await segment({ ...p.scan, data: p.scan.data.slice() }, { backend, mode: 'phases', method: 'otsu', denoise: 'median' });
      const two = await segment({ ...p.scan, data: p.scan.data.slice() }, { backend, mode: 'phases', method: 'otsu', secondPass: true });
      expect(two.report.decisions.some((d) => d.step === STEP)).toBe(false);
      expect(Buffer.from(two.labels).equals(Buffer.from(one.labels))).toBe(true);
    }
  });

  it('the predictor keeps the scan for a cathode or a collector that is not carbon (not for anode-free cells)', async () => {
    const backend = await testBackend();
    const cases: [PresetName, Partial<SynthOptions>, boolean][] = [
      ['fullcell', {}, true],
      ['fullcell', { surroundings: 'plunger' }, true],
      ['foil', {}, true],
      ['labct', {}, true],
      ['symmetric', {}, true],
      ['symmetric', { surroundings: 'plunger' }, true],
      ['plated', {}, false],
      ['plated', { surroundings: 'plunger' }, false],
      ['plated', { surroundings: 'die' }, false],
      ['depleted', {}, false],
    ];
    for (const [preset, synth, want] of cases) {
      // the matrix's 96 columns (at 80 the plated die-wall scan's crop reads a collector that is not
      // carbon: the scan would be kept at a memory cost only, pass 2 running only after pass 1)
      const shape: Shape3 = [preset === 'plated' || preset === 'depleted' ? 160 : 200, 96, 96];
      const p = generatePhantom({ preset, seed: 3, shape, ...synth });
      expect(await secondPassLikelyInMemory(backend, p.scan.data as Uint16Array, shape, {}, 'otsu'), `${preset} ${JSON.stringify(synth)}`).toBe(want);
    }
  });

  it('pass 2 runs after pass 1 finds a full cell, a symmetric cell or a Li foil, and stands only where it finds the same layout', () => {
    const layout = { collector: 'metal', electrodes: 1, li_column_coverage: 1, cathode: false } as PhaseResult['layout'];
    const res = (l: Partial<PhaseResult['layout']>) => ({ layout: { ...layout, ...l }, decisions: [] }) as unknown as PhaseResult;
    expect(secondPassWanted(layout)).toBe(true); // li-foil
    expect(secondPassWanted({ ...layout, electrodes: 2 })).toBe(true); // symmetric
    expect(secondPassWanted({ ...layout, collector: 'none', cathode: true })).toBe(true); // full cell
    expect(secondPassWanted({ ...layout, collector: 'carbon' })).toBe(false); // anode-free
    expect(secondPassWanted({ ...layout, li_column_coverage: 0.9 })).toBe(false); // anode-free: Li missing from columns
    expect(secondPassWanted({ ...layout, collector: 'none', electrodes: 0 })).toBe(false); // unknown
    expect(secondPassRejected(res({}), res({ li_column_coverage: 0.995 }))).toBeNull();
    // li-foil → anode-free (Li missing from columns), → symmetric, → full cell
    expect(secondPassRejected(res({}), res({ li_column_coverage: 0.9 }))?.evidence).toEqual({ pass1: 'li-foil', pass2: 'anode-free' });
    expect(secondPassRejected(res({}), res({ electrodes: 2 }))?.evidence).toEqual({ pass1: 'li-foil', pass2: 'symmetric' });
    expect(secondPassRejected(res({ cathode: true }), res({ cathode: false }))?.evidence).toEqual({ pass1: 'full-cell', pass2: 'li-foil' });
  });

  it('out of core gives the in-memory labels and report, pass 2 included', async () => {
    const backend = await testBackend();
    const p = generatePhantom({ preset: 'fullcell', seed: 5, shape: [160, 56, 56], surroundings: 'plunger' });
    const options = { backend, mode: 'phases' as const, method: 'otsu' as const, secondPass: true };
    const mem = await segment({ ...p.scan, data: p.scan.data.slice() }, options);
    expect(mem.report.decisions.some((d) => d.step === STEP)).toBe(true);
    // 7 slices per slab: the Gaussian's windows and the merge cross slab boundaries
    const ooc = await segmentOutOfCore(memorySource(p.scan), options, { budgetBytes: 1 << 30, slabSlices: 7 });
    try {
      const labels = ooc.labels.readSlices(0, 160) as Uint8Array;
      let diff = 0;
      for (let i = 0; i < mem.labels.length; i++) if (labels[i] !== mem.labels[i]) diff++;
      expect(diff).toBe(0);
      const { timings_ms: _a, backend: _b, ...r1 } = mem.report;
      const { timings_ms: _c, backend: _d, ...r2 } = ooc.report;
      expect(JSON.parse(JSON.stringify(r2))).toEqual(JSON.parse(JSON.stringify(r1)));
    } finally {
      ooc.labels.discard();
    }
  });

  it('mergeLabels: pass 1 Li, collector and outside stand, pass 2 gives none of them elsewhere, other changes kept', () => {
    // pass 1:            void Li  el  coll out cath el  Li void el
    const l1 = Uint8Array.from([0, 1, 2, 3, 5, 4, 2, 1, 0, 2]);
    const l2 = Uint8Array.from([0, 2, 4, 2, 1, 2, 3, 5, 1, 0]);
    const r = mergeLabels(l2, l1);
    expect(Array.from(l2)).toEqual([0, 1, 4, 3, 5, 2, 2, 1, 0, 0]);
    expect(r).toEqual({ taken: 6, changed: 3 });
  });

  it('hybridGrey: the median where pass 1 said collector or outside, the Gaussian elsewhere', () => {
    const g = Uint16Array.from([10, 20, 30, 40, 50, 60]);
    hybridGrey(g, Uint16Array.from([1, 2, 3, 4, 5, 6]), Uint8Array.from([0, 3, 1, 5, 4, 2]));
    expect(Array.from(g)).toEqual([10, 2, 30, 4, 50, 60]);
  });

  it('CentralCrop: the scratch file read by slabs and the slabs in memory give the central 64 × 64 columns', () => {
    const shape: Shape3 = [5, 90, 70];
    const [nz, ny, nx] = shape;
    const vol = Uint16Array.from({ length: nz * ny * nx }, (_, i) => i % 65521);
    const bySlabs = new CentralCrop(shape, (n) => new Uint16Array(n));
    bySlabs.add(vol.subarray(0, 2 * ny * nx), 0, 2);
    bySlabs.add(vol.subarray(2 * ny * nx), 2, nz);
    expect(bySlabs.shape).toEqual([5, 64, 64]);
    // voxel (z, y, x) of the crop is (z, 13 + y, 3 + x) of the volume
    for (const [z, y, x] of [[0, 0, 0], [4, 63, 63], [2, 10, 50]]) expect(bySlabs.data[(z * 64 + y) * 64 + x]).toBe(vol[(z * ny + 13 + y) * nx + 3 + x]);
    const scratch = ScratchVolume.create(shape, 'uint16');
    try {
      scratch.writeSlices(0, vol);
      // slabs of 2 slices: the last one short
      expect(Array.from(cropOfScratch(scratch, 2).data)).toEqual(Array.from(bySlabs.data));
    } finally {
      scratch.discard();
    }
  });

  it('gaussianSameType over windows of 3 slices equals the whole-volume Gaussian, rounded', async () => {
    const backend = await testBackend();
    const shape: Shape3 = [23, 9, 11];
    const n = shape[0] * shape[1] * shape[2];
    let s = 12345;
    const src = Uint16Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) >>> 0) >>> 8) % 60000);
    const whole = await backend.gaussian(src, shape, [SECOND_PASS_SIGMA, SECOND_PASS_SIGMA, SECOND_PASS_SIGMA]);
    const out = await gaussianSameType(backend, src, shape, SECOND_PASS_SIGMA, new Uint16Array(n), 3 * 9 * 11);
    let worst = 0;
    for (let i = 0; i < n; i++) worst = Math.max(worst, Math.abs(out[i] - Math.round(whole[i])));
    expect(worst).toBe(0);
  });
});

describe('second pass is opt-in', () => {
  it('the default segmentation of a full cell runs one pass (the second costs ≈ 9.5× the scan in memory)', async () => {
    const backend = await testBackend();
    const p = generatePhantom({ preset: 'fullcell', seed: 3, shape: [120, 48, 48] });
    const res = await segment({ ...p.scan, data: p.scan.data.slice() }, { backend, mode: 'phases', method: 'otsu' });
    expect(res.report.decisions.some((d) => d.step === STEP)).toBe(false);
  });
});
