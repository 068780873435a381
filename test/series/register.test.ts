/**
 * Recovered motion against the synthetic series' exact truth (src/synth/series.ts): up to ~10
 * voxels and 3° of motion, with ring artefacts, z drift, a gain change, fresh noise and the Li
 * stripped non-uniformly between the scans. Issue #21 point 6: ≤ 0.1 voxel, ≤ 0.1°.
 */
import { describe, expect, it } from 'vitest';
import { generateSeries, type SeriesMotion } from '../../src/synth/series.js';
import { generatePhantom } from '../../src/synth/index.js';
import { fieldOfViewMask, stablePhaseMask } from '../../src/series/mask.js';
import { registerRigid } from '../../src/series/register.js';
import { resampleNearest } from '../../src/series/resample.js';
import { indexMap, rotationDistanceDeg } from '../../src/series/transform.js';
import type { Shape3 } from '../../src/io/volume.js';

function check(shape: Shape3, motion: SeriesMotion, seed: number) {
  const s = generateSeries({ preset: 'plated', seed, shape, count: 2, motions: [motion] });
  const fixed = s.scans[0];
  const moving = s.scans[1];
  const r = registerRigid(fixed.scan, moving.scan, {
    mask: stablePhaseMask(fixed.labels.data, shape),
    fixedFov: fieldOfViewMask(fixed.labels.data, shape),
    movingFov: fieldOfViewMask(moving.labels.data, shape),
  });
  const v = s.truth.voxel_um;
  const truth = s.motions[1];
  const tErr = [0, 1, 2].map((a) => Math.abs(r.transform.t[a] - truth.t[a]) / v);
  const rErr = rotationDistanceDeg(r.transform.R, truth.R);
  return { s, r, tErr, rErr };
}

describe('rigid registration of a synthetic series', () => {
  it('96×112×112, 9.5 voxels and 3° about z (+ 2° and 1.5° tilts), rings, drift, gain, stripping: ≤ 0.1 voxel, ≤ 0.1°', () => {
    const { s, r, tErr, rErr } = check([96, 112, 112], { translationVoxels: [6, -5, 5.5], rotationDeg: [3, -2, 1.5] }, 3);
    expect(s.scans[0].truth.image_physics.rings).toBeGreaterThan(0);
    expect(s.truth.scans[1].stripped_voxels).toBeGreaterThan(1000);
    expect(Math.abs(s.truth.scans[1].gain - 1)).toBeGreaterThan(0.01);
    for (const e of tErr) expect(e).toBeLessThanOrEqual(0.1);
    expect(rErr).toBeLessThanOrEqual(0.1);
    expect(r.ncc).toBeGreaterThan(0.9);
    expect(r.overlap).toBeGreaterThan(0.7);
  });

  it('128³, 10 voxels and 3° about z: ≤ 0.1 voxel, ≤ 0.1°; the labels resampled with it agree with the truth', () => {
    const { s, r, tErr, rErr } = check([128, 128, 128], { translationVoxels: [4, 6, -7], rotationDeg: [3, 1, -1.5] }, 7);
    for (const e of tErr) expect(e).toBeLessThanOrEqual(0.1);
    expect(rErr).toBeLessThanOrEqual(0.1);
    // Scan 1's labels brought back into scan 0's frame vs its changed labels there (truth).
    const shape = s.scans[0].labels.shape;
    const spacing = s.scans[0].labels.spacing ?? [1, 1, 1];
    const agreement = (T: typeof r.transform) => {
      const back = resampleNearest(s.scans[1].labels.data, shape, shape, indexMap(T, spacing, spacing), 255);
      const truth = s.labelsInFirst[1];
      let same = 0;
      let n = 0;
      for (let i = 0; i < back.length; i++) {
        if (back[i] === 255) continue;
        n++;
        if (back[i] === truth[i]) same++;
      }
      return same / n;
    };
    const registered = agreement(r.transform);
    const identity = agreement({ R: [1, 0, 0, 0, 1, 0, 0, 0, 1], t: [0, 0, 0], c: r.transform.c });
    // Double nearest-neighbour resampling disagrees only at phase boundaries.
    expect(registered).toBeGreaterThan(0.97);
    expect(identity).toBeLessThan(0.9);
  });
});

describe('synthetic series truth', () => {
  it('scan 0 is the plain phantom; later scans strip more Li; every scan gets its own noise', () => {
    const shape: Shape3 = [48, 64, 64];
    const s = generateSeries({ preset: 'plated', seed: 9, shape, count: 3, motions: [{ translationVoxels: [0, 0, 0], rotationDeg: [0, 0, 0] }, { translationVoxels: [1, 2, 3], rotationDeg: [0, 0, 0] }], gainChange: 0 });
    const plain = generatePhantom({ preset: 'plated', seed: 9, shape });
    expect(Buffer.from(s.scans[0].scan.data.buffer).equals(Buffer.from(plain.scan.data.buffer))).toBe(true);
    expect(Buffer.from(s.scans[0].labels.data.buffer).equals(Buffer.from(plain.labels.data.buffer))).toBe(true);
    const stripped = s.truth.scans.map((x) => x.stripped_voxels);
    expect(stripped[0]).toBe(0);
    expect(stripped[1]).toBeGreaterThan(0);
    expect(stripped[2]).toBeGreaterThan(stripped[1]);
    // Scan 1 does not move: its labels are the changed labels; Li became void, nothing else changed.
    const l0 = s.scans[0].labels.data;
    const l1 = s.scans[1].labels.data;
    let changed = 0;
    for (let i = 0; i < l0.length; i++) {
      if (l0[i] === l1[i]) continue;
      expect([l0[i], l1[i]]).toEqual([1, 0]);
      changed++;
    }
    expect(changed).toBe(stripped[1]);
    // Same cell, fresh noise: scan 1's grey values differ where the labels did not change.
    let differ = 0;
    for (let i = 0; i < l0.length; i++) if (l0[i] === l1[i] && l0[i] === 2 && s.scans[0].scan.data[i] !== s.scans[1].scan.data[i]) differ++;
    expect(differ).toBeGreaterThan(1000);
    // Scan 2 moved by a whole-voxel translation: its labels are the changed labels shifted by (1, 2, 3).
    const [nz, ny, nx] = shape;
    const first = s.labelsInFirst[2];
    const l2 = s.scans[2].labels.data;
    for (let k = 1; k < nz; k++) for (let j = 2; j < ny; j++) for (let i = 3; i < nx; i++) expect(l2[(k * ny + j) * nx + i]).toBe(first[((k - 1) * ny + j - 2) * nx + i - 3]);
  });
});

describe('rigid registration behind a circular field of view (lab CT)', () => {
  it('labct 128³: the fill outside the disc and the rings stay with the scanner, the cell moves: ≤ 0.15 voxel, ≤ 0.1°', () => {
    const shape: Shape3 = [128, 128, 128];
    const s = generateSeries({ preset: 'labct', seed: 3, shape, count: 2, motions: [{ translationVoxels: [6, -5, 5.5], rotationDeg: [3, -2, 1.5] }] });
    expect(s.scans[0].labels.data.includes(255)).toBe(true);
    const r = registerRigid(s.scans[0].scan, s.scans[1].scan, {
      mask: stablePhaseMask(s.scans[0].labels.data, shape),
      fixedFov: fieldOfViewMask(s.scans[0].labels.data, shape),
      movingFov: fieldOfViewMask(s.scans[1].labels.data, shape),
    });
    const v = s.truth.voxel_um;
    for (let a = 0; a < 3; a++) expect(Math.abs(r.transform.t[a] - s.motions[1].t[a]) / v).toBeLessThanOrEqual(0.15);
    expect(rotationDistanceDeg(r.transform.R, s.motions[1].R)).toBeLessThanOrEqual(0.1);
  });
});
