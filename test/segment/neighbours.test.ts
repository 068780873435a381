/**
 * The nearest-mean rule of steps 7 and 8 (phases/neighbours.ts nearestNeighbourPhase) against the
 * rule as its documentation states it, written here voxel by voxel from the list of the six
 * neighbours: the phases present (own and decided neighbours, codes ≤ 5), the air only against a
 * collector, the nearest mean (a two-material collector by its nearer level; by its metal's alone for
 * a voxel not of the collector that faces the air), air kept unless the
 * collector wins, and the low phases keeping their own split or taking the majority of void / Li.
 */
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/compute/rng.js';
import { COLLECTOR, COLLECTOR_2ND, LAST_PHASE, LI, OUTSIDE, VOID } from '../../src/segment/phases/codes.js';
import { nearestNeighbourPhase } from '../../src/segment/phases/neighbours.js';

function rule(labels: Uint8Array, i: number, g: number, mu: number[], x: number, y: number, z: number, nz: number, ny: number, nx: number, own: number): number {
  const plane = ny * nx;
  const nbs: number[] = [];
  if (x > 0) nbs.push(labels[i - 1]);
  if (x < nx - 1) nbs.push(labels[i + 1]);
  if (y > 0) nbs.push(labels[i - nx]);
  if (y < ny - 1) nbs.push(labels[i + nx]);
  if (z > 0) nbs.push(labels[i - plane]);
  if (z < nz - 1) nbs.push(labels[i + plane]);
  const decided = nbs.filter((l) => l <= LAST_PHASE);
  const present = new Set(decided);
  if (own >= 0 && own <= LAST_PHASE) present.add(own);
  if (!present.size) return -1;
  if (!present.has(COLLECTOR)) present.delete(OUTSIDE);
  let best = -1, bestD = Infinity;
  for (let p = 0; p <= LAST_PHASE; p++) {
    if (!present.has(p) || !Number.isFinite(mu[p])) continue;
    // two materials: by the nearer level, but by the metal's alone for a voxel not of the collector facing the air
    const metalOnly = own !== COLLECTOR && present.has(OUTSIDE);
    const d = p === COLLECTOR && mu.length > COLLECTOR_2ND ? (metalOnly ? Math.abs(g - mu[COLLECTOR_2ND]) : Math.min(Math.abs(g - mu[p]), Math.abs(g - mu[COLLECTOR_2ND]))) : Math.abs(g - mu[p]);
    if (d < bestD) { bestD = d; best = p; }
  }
  if (own === OUTSIDE && best !== COLLECTOR) return own;
  if (best === VOID || best === LI || best === OUTSIDE) {
    if (own === VOID || own === LI || own === OUTSIDE) return own;
    if (present.has(VOID) && present.has(LI)) return decided.filter((l) => l === LI).length >= decided.filter((l) => l === VOID).length ? LI : VOID;
  }
  return best;
}

describe('nearest-mean rule', () => {
  it('equals the documented rule on random labels, at the volume\'s faces and inside, with one- and two-material collectors', () => {
    const shape = [6, 7, 8];
    const [nz, ny, nx] = shape;
    const n = nz * ny * nx;
    const r = mulberry32(23);
    // phases 0..5, undecided / working codes above
    const codes = [VOID, LI, 2, COLLECTOR, 4, OUTSIDE, 255, 15];
    let differs = 0, checked = 0;
    for (const mu of [[1000, 2000, 6000, 9000, 7500, 800], [1000, 2000, 6000, 5000, NaN, 800, 12000]]) {
      for (let rep = 0; rep < 4; rep++) {
        const labels = Uint8Array.from({ length: n }, () => codes[Math.floor(r() * codes.length)]);
        for (let z = 0; z < nz; z++)
          for (let y = 0; y < ny; y++)
            for (let x = 0; x < nx; x++) {
              const i = (z * ny + y) * nx + x;
              const g = Math.floor(r() * 13000);
              for (const own of [-1, labels[i]]) {
                const got = nearestNeighbourPhase(labels, i, g, mu, x, y, z, nz, ny, nx, own);
                expect(got).toBe(rule(labels, i, g, mu, x, y, z, nz, ny, nx, own));
                if (got !== own) differs++;
                checked++;
              }
            }
      }
    }
    expect(checked).toBeGreaterThan(3000);
    expect(differs).toBeGreaterThan(500);
  });

  it('the air at a steel plunger behind a carbon foil: its bright fringe stays air, the foil and plunger stay collector', () => {
    // a 1 × 1 × 3 column: air | voxel | collector; levels: void, Li, electrolyte, carbon, –, air, metal
    const mu = [1000, 2000, 9000, 5000, NaN, 500, 40000];
    const labels = Uint8Array.from([OUTSIDE, 255, COLLECTOR]);
    const at = (g: number, own: number) => nearestNeighbourPhase(labels, 1, g, mu, 0, 0, 1, 3, 1, 1, own);
    // grey 9 200 (air blurred with the steel's fringe): nearer the carbon (5 000) than the air (500), but the air faces the metal
    expect(at(9200, -1)).toBe(OUTSIDE);
    expect(at(9200, OUTSIDE)).toBe(OUTSIDE);
    // past the half-way grey of air and metal: the plunger
    expect(at(21000, -1)).toBe(COLLECTOR);
    // a collector voxel (the foil's own grey) next to the air keeps both levels
    expect(at(5200, COLLECTOR)).toBe(COLLECTOR);
    // one material: no second level, the collector's own mean decides
    expect(nearestNeighbourPhase(labels, 1, 9200, mu.slice(0, 6), 0, 0, 1, 3, 1, 1, -1)).toBe(COLLECTOR);
  });
});
