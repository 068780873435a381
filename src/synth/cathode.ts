/**
 * Cathode active material (CAM) of a full cell's composite: a Boolean model of overlapping spheres
 * (pressed single-crystal NMC particles touch and interpenetrate a little), density chosen so the
 * expected covered fraction is the target, 1 − exp(−λ E[V]) = φ. Voxels whose centre lies in the
 * composite ([start, end) per column) and inside a sphere become label 4; partial volume from the
 * signed distance to the nearest sphere surface, like the filaments.
 */
import type { Shape3 } from '../io/volume.js';
import { LABEL, maxOf, minOf } from './geometry.js';
import type { CompositeSpec } from './presets.js';
import { Rng } from './rng.js';

export interface CathodeTruth {
  particles: number;
  target_cam_fraction: number;
  /** Over voxels with centre in the composite (excluding outside / masked): CAM, electrolyte, pore. */
  cam_fraction: number;
  electrolyte_fraction: number;
  pore_fraction: number;
  composite_voxels: number;
}

export function addCathode(
  comp: { start: Float64Array; end: Float64Array },
  spec: CompositeSpec,
  shape: Shape3,
  v: number,
  seed: number,
  camGrey: number,
  labels: Uint8Array,
  att: Float32Array,
): { particles: number } {
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const [ra, rb] = spec.radiusUm;
  const zLo = minOf(comp.start) - rb;
  const zHi = Math.min(nz * v, maxOf(comp.end)) + rb;
  const k0 = Math.max(0, Math.floor(minOf(comp.start) / v));
  const k1 = Math.min(nz - 1, Math.ceil(maxOf(comp.end) / v));
  if (k1 < k0) return { particles: 0 };
  const slab = new Float32Array((k1 - k0 + 1) * plane).fill(Infinity);
  // E[r³] for r uniform on [ra, rb].
  const er3 = rb > ra ? (rb ** 4 - ra ** 4) / (4 * (rb - ra)) : ra ** 3;
  const boxUm3 = nx * v * ny * v * (zHi - zLo);
  const count = Math.round((-Math.log(1 - spec.camFraction) * boxUm3) / ((4 / 3) * Math.PI * er3));
  const rng = new Rng(seed, 'cathode');
  for (let s = 0; s < count; s++) {
    const r = rng.uniform(ra, rb);
    const cz = rng.uniform(zLo, zHi);
    const cy = rng.uniform(0, ny * v);
    const cx = rng.uniform(0, nx * v);
    const reach = r + v;
    const a0 = Math.max(k0, Math.floor((cz - reach) / v));
    const a1 = Math.min(k1, Math.floor((cz + reach) / v));
    const b0 = Math.max(0, Math.floor((cy - reach) / v));
    const b1 = Math.min(ny - 1, Math.floor((cy + reach) / v));
    const c0 = Math.max(0, Math.floor((cx - reach) / v));
    const c1 = Math.min(nx - 1, Math.floor((cx + reach) / v));
    for (let k = a0; k <= a1; k++) {
      const dz = (k + 0.5) * v - cz;
      for (let j = b0; j <= b1; j++) {
        const dy = (j + 0.5) * v - cy;
        const row = (k - k0) * plane + j * nx;
        for (let i = c0; i <= c1; i++) {
          const dx = (i + 0.5) * v - cx;
          const sd = Math.sqrt(dz * dz + dy * dy + dx * dx) - r;
          if (sd < slab[row + i]) slab[row + i] = sd;
        }
      }
    }
  }
  for (let k = k0; k <= k1; k++) {
    const zc = (k + 0.5) * v;
    for (let col = 0; col < plane; col++) {
      if (zc < comp.start[col] || zc >= comp.end[col]) continue;
      const sd = slab[(k - k0) * plane + col];
      const frac = Math.min(1, Math.max(0, 0.5 - sd / v));
      if (frac <= 0) continue;
      const idx = k * plane + col;
      if (labels[idx] === LABEL.li || labels[idx] === LABEL.outside) continue;
      att[idx] += frac * (camGrey - att[idx]);
      if (sd < 0) labels[idx] = LABEL.cathode;
    }
  }
  return { particles: count };
}

/** Composition of the composite from the labels (exact truth of what was rasterised). */
export function cathodeTruth(
  comp: { start: Float64Array; end: Float64Array },
  spec: CompositeSpec,
  particles: number,
  shape: Shape3,
  v: number,
  labels: Uint8Array,
): CathodeTruth {
  const [nz, ny, nx] = shape;
  const plane = ny * nx;
  const c = [0, 0, 0, 0, 0, 0];
  let total = 0;
  for (let k = 0; k < nz; k++) {
    const zc = (k + 0.5) * v;
    for (let col = 0; col < plane; col++) {
      if (zc < comp.start[col] || zc >= comp.end[col]) continue;
      const l = labels[k * plane + col];
      if (l === LABEL.outside || l === LABEL.masked) continue;
      c[l]++;
      total++;
    }
  }
  const f = (n: number) => (total ? n / total : 0);
  return {
    particles,
    target_cam_fraction: spec.camFraction,
    cam_fraction: f(c[LABEL.cathode]),
    electrolyte_fraction: f(c[LABEL.electrolyte]),
    pore_fraction: f(c[LABEL.void]),
    composite_voxels: total,
  };
}
