import { describe, expect, it } from 'vitest';
import { generatePhantom, PRESETS, type Phantom, type PresetName, type SynthOptions } from '../../src/synth/index.js';
import { InputError } from '../../src/io/errors.js';
import { layerThickness } from '../segment/metrics.js';

const SHAPES: Record<PresetName, [number, number, number]> = {
  plated: [80, 96, 96],
  depleted: [80, 96, 96],
  foil: [200, 80, 80],
};

const OFF = { noise: 0, blurSigmaVoxels: 0, phaseContrast: 0, rings: 0, cupping: 0, drift: 0 } as const;

const cache = new Map<string, Phantom>();
function phantom(opts: SynthOptions): Phantom {
  const key = JSON.stringify(opts);
  let p = cache.get(key);
  if (!p) {
    p = generatePhantom(opts);
    cache.set(key, p);
  }
  return p;
}
const base = (preset: PresetName, extra: Partial<SynthOptions> = {}) => phantom({ preset, seed: 11, shape: SHAPES[preset], ...extra });

/** Mean scan value per label 0..3; the void includes the air above the collector (label 5, imaged at the void level). */
function meansByLabel(p: Phantom): number[] {
  const s = [0, 0, 0, 0];
  const c = [0, 0, 0, 0];
  const l = p.labels.data;
  const d = p.scan.data;
  for (let i = 0; i < l.length; i++) {
    const k = l[i] === 5 ? 0 : l[i];
    s[k] += d[i];
    c[k]++;
  }
  return s.map((v, i) => v / c[i]);
}


describe('synth: determinism', () => {
  it('same seed gives identical bytes, another seed differs', () => {
    const a = generatePhantom({ preset: 'plated', seed: 3, shape: [64, 48, 48] });
    const b = generatePhantom({ preset: 'plated', seed: 3, shape: [64, 48, 48] });
    const c = generatePhantom({ preset: 'plated', seed: 4, shape: [64, 48, 48] });
    expect(Buffer.from(a.scan.data.buffer).equals(Buffer.from(b.scan.data.buffer))).toBe(true);
    expect(Buffer.from(a.labels.data.buffer).equals(Buffer.from(b.labels.data.buffer))).toBe(true);
    expect(JSON.stringify(a.truth)).toBe(JSON.stringify(b.truth));
    expect(Buffer.from(a.scan.data.buffer).equals(Buffer.from(c.scan.data.buffer))).toBe(false);
    let diff = 0;
    for (let i = 0; i < a.thickness.data.length; i++) diff += Math.abs(a.thickness.data[i] - c.thickness.data[i]);
    expect(diff / a.thickness.data.length).toBeGreaterThan(1);
  });
});

describe.each(['plated', 'depleted', 'foil'] as PresetName[])('synth preset %s', (preset) => {
  it('volumes, label codes, truth record', () => {
    const p = base(preset);
    const [nz, ny, nx] = SHAPES[preset];
    expect(p.scan.shape).toEqual([nz, ny, nx]);
    expect(p.scan.dtype).toBe('uint16');
    expect(p.labels.dtype).toBe('uint8');
    expect(p.thickness.shape).toEqual([1, ny, nx]);
    expect(p.penetration.shape).toEqual([1, ny, nx]);
    expect(p.scan.spacing).toEqual([PRESETS[preset].voxelUm, PRESETS[preset].voxelUm, PRESETS[preset].voxelUm]);
    let maxLabel = 0;
    for (const v of p.labels.data) if (v > maxLabel) maxLabel = v;
    // plated / depleted: the void above the Grafoil is outside the cell (5)
    expect(maxLabel).toBe(preset === 'foil' ? 3 : 5);
    const t = p.truth;
    expect(t.preset).toBe(preset);
    expect(t.version).toBe(1);
    expect(t.geometry.z_scale).toBe(1);
    const pf = t.phase_fractions;
    expect(pf.void + pf.li + pf.electrolyte + pf.collector + pf.outside).toBeCloseTo(1, 9);
    expect(pf.electrolyte).toBeGreaterThan(0.25);
    expect(pf.li).toBeGreaterThan(0.01);
    expect(pf.collector).toBeGreaterThan(0.02);
    expect(JSON.parse(JSON.stringify(t))).toEqual(t);
    expect(t.thickness.mean_capacity_mah_cm2).toBeCloseTo(t.thickness.mean_um / 4.85, 9);
  });

  it('thickness truth matches the label column counts within 0.5 voxel MAE', () => {
    const p = base(preset);
    const counted = layerThickness(p.labels.data, p);
    let mae = 0;
    let worst = 0;
    for (let i = 0; i < counted.length; i++) {
      const e = Math.abs(counted[i] - p.thickness.data[i]);
      mae += e;
      worst = Math.max(worst, e);
    }
    mae /= counted.length;
    const dz = p.truth.voxel_um;
    expect(mae).toBeLessThan(0.5 * dz);
    // A single contiguous interval per column: the error never reaches one voxel.
    expect(worst).toBeLessThan(dz + 1e-6);
  });

  it('grey levels: void < Li ≪ electrolyte, collector placed, Li close to void', () => {
    const p = base(preset);
    const [v, li, el, cc] = meansByLabel(p);
    expect(v).toBeLessThan(li);
    expect(li).toBeLessThan(el);
    if (preset === 'foil') expect(cc).toBeGreaterThan(el);
    else {
      expect(cc).toBeGreaterThan(li);
      expect(cc).toBeLessThan(el);
    }
    expect(Math.abs(li - v)).toBeLessThan(0.3 * Math.abs(el - li));
    // The truth record reports the same means.
    expect(p.truth.scan_means.li).toBeCloseTo(li, 6);
  });
});

describe('synth: preset statistics', () => {
  it('plated thickness distribution matches S002 (mean ~25, p01 ~10, p99 ~50 µm)', () => {
    const t = base('plated').truth.thickness;
    expect(t.mean_um).toBeGreaterThan(20);
    expect(t.mean_um).toBeLessThan(30);
    expect(t.p01_um).toBeGreaterThan(8);
    expect(t.p01_um).toBeLessThan(14);
    expect(t.p99_um).toBeGreaterThan(40);
    expect(t.p99_um).toBeLessThan(60);
    expect(t.zero_fraction).toBe(0);
    expect(base('plated').truth.penetration.max_um).toBe(0);
    const por = base('plated').truth.electrolyte_porosity;
    expect(por).toBeGreaterThan(0.015);
    expect(por).toBeLessThan(0.05);
  });

  it('depleted: bare patches and interfacial voids', () => {
    const d = base('depleted');
    const t = d.truth.thickness;
    expect(t.zero_fraction).toBeGreaterThan(0.1);
    expect(t.zero_fraction).toBeLessThan(0.35);
    expect(t.mean_um).toBeLessThan(base('plated').truth.thickness.mean_um - 5);
    expect(d.truth.geometry.void_pockets).toBeGreaterThan(0);
    // Void voxels directly above the electrolyte surface (interfacial voids) exist.
    const [nz, ny, nx] = d.labels.shape;
    const plane = ny * nx;
    const dz = d.truth.voxel_um;
    let interfacial = 0;
    for (let col = 0; col < plane; col++) {
      const k = Math.floor(d.surface.data[col] / dz - 0.5); // last voxel centre above the surface
      if (k >= 0 && k < nz && d.labels.data[k * plane + col] === 0) interfacial++;
    }
    expect(interfacial / plane).toBeGreaterThan(0.05);
  });

  it('foil: thick Li, porous electrolyte, filaments and an exact penetration map', () => {
    const f = base('foil');
    const t = f.truth;
    expect(t.thickness.mean_um).toBeGreaterThan(60);
    expect(t.thickness.mean_um).toBeLessThan(120);
    expect(t.electrolyte_porosity).toBeGreaterThan(0.13);
    expect(t.electrolyte_porosity).toBeLessThan(0.23);
    expect(t.penetration.filament_count).toBeGreaterThanOrEqual(3);
    expect(t.penetration.filament_count).toBeLessThanOrEqual(8);
    expect(t.penetration.max_um).toBeGreaterThanOrEqual(15);
    // Recompute penetration from labels: deepest Li voxel with centre below the surface.
    const [nz, ny, nx] = f.labels.shape;
    const plane = ny * nx;
    const dz = t.voxel_um;
    const pen = new Float64Array(plane);
    for (let k = 0; k < nz; k++) {
      for (let col = 0; col < plane; col++) {
        if (f.labels.data[k * plane + col] === 1 && (k + 0.5) * dz >= f.surface.data[col]) pen[col] = (k + 1) * dz - f.surface.data[col];
      }
    }
    let nonzero = 0;
    let worst = 0;
    for (let col = 0; col < plane; col++) {
      worst = Math.max(worst, Math.abs(pen[col] - f.penetration.data[col]));
      if (pen[col] > 0) nonzero++;
    }
    expect(worst).toBeLessThan(1e-3);
    expect(nonzero).toBeGreaterThan(10);
  });

  it('plated Li vs void contrast-to-noise is 1.5–2.5 per voxel (noise only)', () => {
    const p = base('plated', { ...OFF, noise: PRESETS.plated.noise });
    const q = base('plated', OFF);
    const stat = (label: number) => {
      let s = 0;
      let s2 = 0;
      let n = 0;
      for (let i = 0; i < p.labels.data.length; i++) {
        // Pure-phase voxels only (noise-free value equals the nominal grey).
        if (p.labels.data[i] !== label || q.scan.data[i] !== Math.round(label === 0 ? PRESETS.plated.grey.void : PRESETS.plated.grey.li)) continue;
        const v = p.scan.data[i];
        s += v;
        s2 += v * v;
        n++;
      }
      const m = s / n;
      return { m, v: s2 / n - m * m, n };
    };
    const v = stat(0);
    const li = stat(1);
    expect(v.n).toBeGreaterThan(1000);
    expect(li.n).toBeGreaterThan(1000);
    const cnr = (li.m - v.m) / Math.sqrt((li.v + v.v) / 2);
    expect(cnr).toBeGreaterThan(1.5);
    expect(cnr).toBeLessThan(2.5);
  });
});

describe('synth: image physics switches', () => {
  const preset: PresetName = 'plated';
  const shape: [number, number, number] = [80, 64, 64];
  const clean = () => phantom({ preset, seed: 5, shape, ...OFF });
  const only = (k: keyof typeof OFF, v: number) => phantom({ preset, seed: 5, shape, ...OFF, [k]: v });

  it('all off: piecewise constant away from interfaces', () => {
    const p = clean();
    const [nz, ny, nx] = shape;
    const plane = ny * nx;
    const grey = PRESETS[preset].grey;
    const g = [grey.void, grey.li, grey.electrolyte, grey.collector, 0, grey.void].map(Math.round); // 5: air above the collector, void grey
    let inside = 0;
    let exact = 0;
    for (let k = 2; k < nz - 2; k++) {
      for (let j = 2; j < ny - 2; j++) {
        for (let i = 2; i < nx - 2; i++) {
          const idx = k * plane + j * nx + i;
          const l = p.labels.data[idx];
          let same = true;
          for (let o = -2; o <= 2 && same; o++) {
            same =
              p.labels.data[idx + o] === l && p.labels.data[idx + o * nx] === l && p.labels.data[idx + o * plane] === l;
          }
          if (!same) continue;
          inside++;
          if (p.scan.data[idx] === g[l]) exact++;
        }
      }
    }
    expect(inside).toBeGreaterThan(0.5 * (nz - 4) * (ny - 4) * (nx - 4));
    expect(exact / inside).toBeGreaterThan(0.995);
    // Partial volume: some voxels sit strictly between the grey levels of their neighbours.
    const distinct = new Set(p.scan.data);
    expect(distinct.size).toBeGreaterThan(50);
  });

  it('noise: > 0 adds voxel noise, 0 leaves none', () => {
    const a = clean();
    const b = only('noise', 500);
    let d2 = 0;
    for (let i = 0; i < a.scan.data.length; i++) d2 += (b.scan.data[i] - a.scan.data[i]) ** 2;
    const rms = Math.sqrt(d2 / a.scan.data.length);
    expect(rms).toBeGreaterThan(300);
  });

  it('rings: a radial pattern identical in every slice', () => {
    const a = clean();
    const b = only('rings', 300);
    const [nz, ny, nx] = shape;
    const plane = ny * nx;
    let maxDiff = 0;
    let worst = 0;
    for (let k = 0; k < nz; k++) {
      for (let p = 0; p < plane; p++) {
        const d = b.scan.data[k * plane + p] - a.scan.data[k * plane + p];
        const d0 = b.scan.data[p] - a.scan.data[p];
        // Same in every slice (±1 from rounding; no clamping at these levels).
        worst = Math.max(worst, Math.abs(d - d0));
        maxDiff = Math.max(maxDiff, Math.abs(d));
      }
    }
    expect(worst).toBeLessThanOrEqual(1);
    expect(maxDiff).toBeGreaterThan(50);
    // Radially symmetric about the slice centre: mirrored pixels share the ring offset.
    const k = nz - 5;
    let asym = 0;
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const d1 = b.scan.data[k * plane + j * nx + i] - a.scan.data[k * plane + j * nx + i];
        const d2 = b.scan.data[k * plane + j * nx + (nx - 1 - i)] - a.scan.data[k * plane + j * nx + (nx - 1 - i)];
        asym = Math.max(asym, Math.abs(d1 - d2));
      }
    }
    expect(asym).toBeLessThanOrEqual(1);
    expect(b.truth.image_physics.rings_detail.length).toBeGreaterThanOrEqual(4);
  });

  it('cupping: darker at the slice centre; drift: slice gain changes along z', () => {
    const a = clean();
    const c = only('cupping', 0.1);
    const [nz, ny, nx] = shape;
    const plane = ny * nx;
    const k = nz - 5; // electrolyte slice
    const ratio = (v: Phantom, j: number, i: number) => v.scan.data[k * plane + j * nx + i] / a.scan.data[k * plane + j * nx + i];
    const centre = ratio(c, ny / 2, nx / 2);
    expect(centre).toBeGreaterThan(0.88);
    expect(centre).toBeLessThan(0.92);
    expect(ratio(c, 0, 0)).toBeGreaterThan(0.995);

    const d = only('drift', 0.05);
    const gains: number[] = [];
    for (let z = 0; z < nz; z++) {
      let s1 = 0;
      let s0 = 0;
      for (let p = 0; p < plane; p++) {
        s1 += d.scan.data[z * plane + p];
        s0 += a.scan.data[z * plane + p];
      }
      gains.push(s1 / s0);
    }
    const span = Math.max(...gains) - Math.min(...gains);
    expect(span).toBeGreaterThan(0.025);
    expect(span).toBeLessThan(0.08);
  });

  it('blur smooths interfaces; phase contrast adds over- and undershoot', () => {
    const a = clean();
    const b = only('blurSigmaVoxels', 1);
    const pc = only('phaseContrast', 1);
    const grey = PRESETS[preset].grey;
    let bMax = 0;
    let pcMax = 0;
    let pcLiMin = Infinity;
    let changed = 0;
    for (let i = 0; i < a.scan.data.length; i++) {
      if (a.labels.data[i] === 2) {
        bMax = Math.max(bMax, b.scan.data[i]);
        pcMax = Math.max(pcMax, pc.scan.data[i]);
      }
      if (a.labels.data[i] === 1) pcLiMin = Math.min(pcLiMin, pc.scan.data[i]);
      if (a.scan.data[i] !== b.scan.data[i]) changed++;
    }
    expect(changed).toBeGreaterThan(0.05 * a.scan.data.length);
    expect(bMax).toBeLessThanOrEqual(grey.electrolyte); // blur never overshoots
    expect(pcMax).toBeGreaterThan(grey.electrolyte + 300); // bright fringe
    expect(pcLiMin).toBeLessThan(grey.li - 300); // dark fringe
  });
});

describe('synth: options', () => {
  it('shape and voxel overrides are honoured; thickness in µm is kept', () => {
    const a = phantom({ preset: 'plated', seed: 9, shape: [80, 96, 96], voxelUm: 1.7, ...OFF });
    const b = phantom({ preset: 'plated', seed: 9, shape: [54, 64, 64], voxelUm: 2.55, ...OFF });
    expect(b.scan.shape).toEqual([54, 64, 64]);
    expect(b.truth.voxel_um).toBe(2.55);
    expect(b.thickness.spacing).toEqual([2.55, 2.55, 2.55]);
    expect(Math.abs(a.truth.thickness.mean_um - b.truth.thickness.mean_um)).toBeLessThan(1.5);
    // Same physical field of view and seed: the maps agree point by point at shared positions.
    let err = 0;
    let n = 0;
    for (let j = 0; j < 64; j += 2) {
      for (let i = 0; i < 64; i += 2) {
        // b pixel (j, i) centre = a pixel (1.5 j + 0.25, 1.5 i + 0.25) ≈ nearest a pixel
        const ja = Math.round(1.5 * j + 0.25);
        const ia = Math.round(1.5 * i + 0.25);
        err += Math.abs(a.thickness.data[ja * 96 + ia] - b.thickness.data[j * 64 + i]);
        n++;
      }
    }
    expect(err / n).toBeLessThan(2);
  });

  it('too shallow shapes are rejected or squeezed with z_scale reported', () => {
    expect(() => generatePhantom({ preset: 'foil', shape: [20, 32, 32] })).toThrow(InputError);
    const p = generatePhantom({ preset: 'plated', shape: [56, 32, 32], ...OFF });
    expect(p.truth.geometry.z_scale).toBeLessThan(1);
    expect(p.truth.geometry.z_scale).toBeGreaterThan(0.25);
  });

  it('bad options are InputErrors; progress is reported', () => {
    expect(() => generatePhantom({ preset: 'nope' as PresetName })).toThrow(InputError);
    expect(() => generatePhantom({ preset: 'plated', noise: -1 })).toThrow(InputError);
    const calls: number[] = [];
    generatePhantom({ preset: 'plated', shape: [64, 24, 24], onProgress: (d, t) => calls.push(d / t) });
    expect(calls.length).toBeGreaterThan(3);
    expect(calls[calls.length - 1]).toBe(1);
  });
});
