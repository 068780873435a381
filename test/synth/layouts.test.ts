/** New layouts and geometry options: exact ground truth (see src/synth/{layouts,placement,orient,fov}.ts). */
import { describe, expect, it } from 'vitest';
import { generatePhantom, type Phantom, type SynthOptions } from '../../src/synth/index.js';
import { InputError } from '../../src/io/errors.js';

const OFF = { noise: 0, blurSigmaVoxels: 0, phaseContrast: 0, rings: 0, cupping: 0, drift: 0 } as const;
const cache = new Map<string, Phantom>();
function gen(o: SynthOptions): Phantom {
  const key = JSON.stringify(o);
  let p = cache.get(key);
  if (!p) cache.set(key, (p = generatePhantom(o)));
  return p;
}

function labelCounts(p: Phantom): Map<number, number> {
  const m = new Map<number, number>();
  for (const l of p.labels.data) m.set(l, (m.get(l) ?? 0) + 1);
  return m;
}

/** Li voxels on the electrode side of its surface per column (z normal), µm. */
function countedThickness(p: Phantom, e: number, mirror: boolean): Float64Array {
  const [nz, ny, nx] = p.labels.shape;
  const plane = ny * nx;
  const dz = p.truth.voxel_um;
  const s = p.electrodes[e].surface.data;
  const out = new Float64Array(plane);
  for (let k = 0; k < nz; k++) {
    const zc = (k + 0.5) * dz;
    for (let c = 0; c < plane; c++) {
      if (p.labels.data[k * plane + c] !== 1) continue;
      if (mirror ? zc >= s[c] : zc < s[c]) out[c] += dz;
    }
  }
  return out;
}

function expectThicknessConsistent(p: Phantom, e: number, mirror: boolean): void {
  const counted = countedThickness(p, e, mirror);
  const t = p.electrodes[e].thickness.data;
  const dz = p.truth.voxel_um;
  let mae = 0;
  let worst = 0;
  let n = 0;
  for (let c = 0; c < counted.length; c++) {
    if (p.labels.data[c] === 255) continue; // outside the field of view: the map keeps the geometry's truth
    n++;
    const d = Math.abs(counted[c] - t[c]);
    mae += d;
    worst = Math.max(worst, d);
  }
  expect(worst).toBeLessThan(dz + 1e-4); // voxel rasterisation floor
  expect(n).toBeGreaterThan(0.5 * counted.length);
  expect(mae / n).toBeLessThan(0.5 * dz);
}

function expectFractionsMatch(p: Phantom): void {
  const n = p.labels.data.length;
  const c = labelCounts(p);
  const pf = p.truth.phase_fractions;
  const want: Record<number, number> = { 0: pf.void, 1: pf.li, 2: pf.electrolyte, 3: pf.collector, 4: pf.cathode, 5: pf.outside, 255: pf.masked };
  for (const [l, f] of Object.entries(want)) expect((c.get(Number(l)) ?? 0) / n).toBeCloseTo(f, 12);
  for (const l of c.keys()) expect([0, 1, 2, 3, 4, 5, 255]).toContain(l);
}

describe('synth: new presets', () => {
  it('symmetric: two electrodes, exact per-electrode thickness, porous pellet, no collector', () => {
    const p = gen({ preset: 'symmetric', seed: 2, shape: [80, 48, 48] });
    const t = p.truth;
    expect(t.layout).toBe('symmetric');
    expect(p.electrodes.map((e) => e.name)).toEqual(['near', 'far']);
    expect(p.thickness).toBe(p.electrodes[0].thickness);
    expectFractionsMatch(p);
    expect(t.phase_fractions.collector).toBe(0);
    expect(t.phase_fractions.outside).toBe(0);
    expectThicknessConsistent(p, 0, false);
    expectThicknessConsistent(p, 1, true);
    for (const e of t.electrodes) {
      expect(e.thickness.mean_um).toBeGreaterThan(18);
      expect(e.thickness.mean_um).toBeLessThan(40);
    }
    expect(t.electrolyte_porosity).toBeGreaterThan(0.1);
    expect(t.electrolyte_porosity).toBeLessThan(0.2);
    // Near surface before far surface in every column.
    for (let c = 0; c < 48 * 48; c++) expect(p.electrodes[0].surface.data[c]).toBeLessThan(p.electrodes[1].surface.data[c]);
  });

  it('fullcell: CAM fraction of the composite, cathode brighter than electrolyte', () => {
    const p = gen({ preset: 'fullcell', seed: 3, shape: [110, 48, 48] });
    const t = p.truth;
    expect(t.layout).toBe('full-cell');
    expect(p.electrodes.map((e) => e.name)).toEqual(['anode']);
    expectFractionsMatch(p);
    expectThicknessConsistent(p, 0, false);
    const cat = t.cathode;
    expect(cat).toBeDefined();
    if (!cat) return;
    expect(cat.cam_fraction).toBeGreaterThan(0.55);
    expect(cat.cam_fraction).toBeLessThan(0.72);
    expect(cat.cam_fraction + cat.electrolyte_fraction + cat.pore_fraction).toBeCloseTo(1, 9);
    expect(cat.pore_fraction).toBeGreaterThan(0);
    expect(t.phase_fractions.cathode * p.labels.data.length).toBeGreaterThanOrEqual(cat.cam_fraction * cat.composite_voxels - 1e-6);
    expect(t.scan_means.cathode ?? 0).toBeGreaterThan(1.8 * (t.scan_means.electrolyte ?? Infinity));
    expect(t.electrolyte_porosity).toBeGreaterThan(0.08);
    expect(t.electrolyte_porosity).toBeLessThan(0.16);
  });

  it('fullcell tilted 15° or bowed, cropped: the composite runs to the volume end in every column (no particle-free electrolyte beyond the cathode)', () => {
    for (const warp of [{ tiltDeg: 15, tiltAzimuthDeg: 120 }, { bowUm: -20 }]) {
      const p = gen({ preset: 'fullcell', seed: 4, shape: [160, 64, 64], ...OFF, ...warp });
      const [nz, ny, nx] = p.labels.shape;
      const plane = ny * nx;
      const last = p.labels.data.subarray((nz - 1) * plane);
      let cathode = 0;
      for (const l of last) if (l === 4) cathode++;
      // the untilted composite's last slice holds ≈ 64 % CAM; a cut-short composite left < 10 % here
      expect(cathode / plane, JSON.stringify(warp)).toBeGreaterThan(0.45);
      // columns: nearly every column's last 8 slices hold some CAM (5.8 % miss the particles in the tilted one)
      let bare = 0;
      for (let c = 0; c < plane; c++) {
        let any = false;
        for (let k = nz - 8; k < nz && !any; k++) any = p.labels.data[k * plane + c] === 4;
        if (!any) bare++;
      }
      expect(bare / plane, JSON.stringify(warp)).toBeLessThan(0.1);
      expectFractionsMatch(p);
    }
  });

  it('fullcell --cathode-foil: an Al collector (3) of the foil thickness beyond the composite, at the Al grey, no pores in it; the composite ends at the foil', () => {
    const v = 1.5;
    for (const surroundings of ['none', 'air'] as const) {
      const p = gen({ preset: 'fullcell', seed: 4, shape: [160, 48, 48], ...OFF, cathodeFoilUm: 15, surroundings });
      const [nz, ny, nx] = p.labels.shape;
      const plane = ny * nx;
      const L = p.labels.data, S = p.scan.data as Uint16Array;
      for (let c = 0; c < plane; c++) {
        // the column from the far end: air (none when cropped), then the foil, then the composite
        let k = nz - 1;
        while (k >= 0 && L[k * plane + c] === 5) k--;
        let foil = 0;
        while (k >= 0 && L[k * plane + c] === 3) { foil++; k--; }
        // 15 µm = 10 voxels (a boundary voxel goes to the label at its centre); no collector anywhere else
        expect(Math.abs(foil - 15 / v), `column ${c} (${surroundings})`).toBeLessThanOrEqual(1);
        for (; k >= 0; k--) expect(L[k * plane + c]).not.toBe(3);
      }
      let cam = 0, sum = 0, n = 0;
      const kIn = surroundings === 'none' ? nz - 5 : -1;
      for (let c = 0; c < plane; c++) {
        // the slice just inside the foil holds CAM; the foil's middle reads the Al grey (no noise, no blur)
        let k = nz - 1;
        while (L[k * plane + c] !== 3) k--;
        const mid = surroundings === 'none' ? kIn : k - 4;
        if (L[mid * plane + c] === 3) { sum += S[mid * plane + c]; n++; }
        let e = k;
        while (e >= 0 && L[e * plane + c] === 3) e--;
        if (L[e * plane + c] === 4) cam++;
      }
      expect(n).toBeGreaterThan(0.9 * plane);
      expect(sum / n).toBeCloseTo(10800, -2);
      expect(cam / plane).toBeGreaterThan(0.4);
      expect(p.truth.geometry.cathode_foil_um).toBeCloseTo(15, 6);
      expectFractionsMatch(p);
    }
    expect(() => gen({ preset: 'symmetric', shape: [64, 16, 16], cathodeFoilUm: 10 })).toThrow(InputError);
    expect(() => gen({ preset: 'fullcell', shape: [160, 16, 16], cathodeFoilUm: -1 })).toThrow(InputError);
  });

  it('--collector copper: an anode-free cell plated on a 12 µm Cu foil at the metal grey; the Li and electrolyte as with Grafoil; refused for other layouts', () => {
    for (const preset of ['plated', 'depleted'] as const) {
      const cu = gen({ preset, seed: 4, shape: [120, 32, 32], ...OFF, collectorMaterial: 'copper' });
      const c = gen({ preset, seed: 4, shape: [120, 32, 32], ...OFF });
      const [nz, ny, nx] = cu.labels.shape;
      const plane = ny * nx;
      const L = cu.labels.data, S = cu.scan.data as Uint16Array;
      let foil = 0, sum = 0, n = 0;
      for (let q = 0; q < plane; q++) {
        let run = 0;
        for (let k = 0; k < nz; k++) {
          if (L[k * plane + q] !== 3) continue;
          run++;
          // the foil's inside (both z-neighbours Cu): no partial volume
          if (k > 0 && k < nz - 1 && L[(k - 1) * plane + q] === 3 && L[(k + 1) * plane + q] === 3) { sum += S[k * plane + q]; n++; }
        }
        foil += run;
      }
      // 12 µm at 1.7 µm voxels ≈ 7 voxels per column; the Cu grey (no noise, no blur)
      expect(foil / plane).toBeGreaterThan(6);
      expect(foil / plane).toBeLessThan(8.5);
      expect(sum / n).toBeCloseTo(40000, -2);
      expect(cu.truth.collector).toBe('copper');
      expect(c.truth.collector).toBe('carbon');
      // the Li is the preset's (the same thickness statistics)
      expect(cu.truth.thickness.mean_um).toBeCloseTo(c.truth.thickness.mean_um, 6);
      expectFractionsMatch(cu);
    }
    expect(() => gen({ preset: 'foil', shape: [64, 16, 16], collectorMaterial: 'copper' })).toThrow(InputError);
    expect(() => gen({ preset: 'fullcell', shape: [160, 16, 16], collectorMaterial: 'copper' })).toThrow(InputError);
  });

  it('labct: plunger, air and a circular field of view by default; foil thickness exact', () => {
    const p = gen({ preset: 'labct', seed: 4, shape: [160, 48, 48] });
    const t = p.truth;
    expect(t.layout).toBe('li-foil');
    expect(t.fov.kind).toBe('circle');
    expect(t.surroundings).toBe('plunger');
    expectFractionsMatch(p);
    expect(t.phase_fractions.outside).toBeGreaterThan(0);
    expect(t.phase_fractions.masked).toBeGreaterThan(0);
    expectThicknessConsistent(p, 0, false);
    expect(t.electrolyte_porosity).toBeGreaterThan(0.13);
    expect(t.electrolyte_porosity).toBeLessThan(0.23);
  });
});

describe('synth: axis permutation', () => {
  it('y and x outputs are exact permutations of the z phantom', () => {
    const base = { preset: 'symmetric' as const, seed: 5 };
    const z = gen({ ...base, shape: [80, 24, 28] });
    const y = gen({ ...base, shape: [24, 80, 28], axis: 'y' });
    const x = gen({ ...base, shape: [24, 28, 80], axis: 'x' });
    expect(y.scan.shape).toEqual([24, 80, 28]);
    expect(x.scan.shape).toEqual([24, 28, 80]);
    const [nz, ny, nx] = [80, 24, 28];
    let bad = 0;
    for (let k = 0; k < nz; k++) {
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++) {
          const c = (k * ny + j) * nx + i;
          const iy = (j * nz + k) * nx + i; // out[j][k][i]
          const ix = (j * nx + i) * nz + k; // out[j][i][k]
          if (y.labels.data[iy] !== z.labels.data[c] || y.scan.data[iy] !== z.scan.data[c]) bad++;
          if (x.labels.data[ix] !== z.labels.data[c] || x.scan.data[ix] !== z.scan.data[c]) bad++;
        }
      }
    }
    expect(bad).toBe(0);
    for (const o of [y, x]) {
      expect(o.electrodes.length).toBe(2);
      for (let e = 0; e < 2; e++) {
        expect(Array.from(o.electrodes[e].thickness.data)).toEqual(Array.from(z.electrodes[e].thickness.data));
        expect(Array.from(o.electrodes[e].penetration.data)).toEqual(Array.from(z.electrodes[e].penetration.data));
      }
    }
    expect(y.thickness.shape).toEqual([1, 24, 28]);
    expect(y.truth.map_axes).toEqual(['z', 'x']);
    expect(x.truth.map_axes).toEqual(['z', 'y']);
  });
});

describe('synth: circular field of view', () => {
  const inDisc = (a: number, b: number, na: number, nb: number, f = 0.5) => Math.hypot(b + 0.5 - nb / 2, a + 0.5 - na / 2) <= f * Math.min(na, nb);

  it('255 exactly outside the disc, NaN fill makes a float32 scan', () => {
    const p = gen({ preset: 'plated', seed: 6, shape: [64, 40, 36], fov: 'circle', fovFill: 'nan' });
    expect(p.scan.data).toBeInstanceOf(Float32Array);
    expect(p.truth.dtype).toBe('float32');
    const [nz, ny, nx] = p.scan.shape;
    let bad = 0;
    for (let k = 0; k < nz; k++) {
      for (let j = 0; j < ny; j++) {
        for (let i = 0; i < nx; i++) {
          const idx = (k * ny + j) * nx + i;
          const out = !inDisc(j, i, ny, nx);
          if ((p.labels.data[idx] === 255) !== out || Number.isNaN(p.scan.data[idx]) !== out) bad++;
        }
      }
    }
    expect(bad).toBe(0);
  });

  it('numeric fill, smaller radius, and the disc follows the normal axis (x: disc in the z–y plane)', () => {
    const p = gen({ preset: 'plated', seed: 6, shape: [40, 36, 64], axis: 'x', fov: 'circle', fovFill: 7, fovRadiusFraction: 0.4 });
    expect(p.scan.data).toBeInstanceOf(Uint16Array);
    const [nz, ny, nx] = p.scan.shape;
    let bad = 0;
    for (let k = 0; k < nz; k++) {
      for (let j = 0; j < ny; j++) {
        const out = !inDisc(k, j, nz, ny, 0.4);
        for (let i = 0; i < nx; i++) {
          const idx = (k * ny + j) * nx + i;
          if ((p.labels.data[idx] === 255) !== out || (out && p.scan.data[idx] !== 7)) bad++;
        }
      }
    }
    expect(bad).toBe(0);
  });
});

describe('synth: tilt', () => {
  it('surface = untilted surface + span/2 + tan θ (x cos φ + y sin φ); thickness unchanged', () => {
    const shape: [number, number, number] = [100, 40, 40];
    const a = gen({ preset: 'plated', seed: 7, shape, ...OFF });
    const b = gen({ preset: 'plated', seed: 7, shape, ...OFF, tiltDeg: 10, tiltAzimuthDeg: 30 });
    expect(a.truth.geometry.z_scale).toBe(1);
    expect(b.truth.geometry.z_scale).toBe(1);
    const v = a.truth.voxel_um;
    const t = Math.tan((10 * Math.PI) / 180);
    const phi = (30 * Math.PI) / 180;
    const span = t * 40 * v * (Math.cos(phi) + Math.sin(phi));
    expect(b.truth.geometry.tilt_span_um).toBeCloseTo(span, 9);
    let worst = 0;
    for (let j = 0; j < 40; j++) {
      for (let i = 0; i < 40; i++) {
        const c = j * 40 + i;
        const x = (i + 0.5) * v - 20 * v;
        const y = (j + 0.5) * v - 20 * v;
        const want = a.surface.data[c] + span / 2 + t * (x * Math.cos(phi) + y * Math.sin(phi));
        worst = Math.max(worst, Math.abs(b.surface.data[c] - want));
        expect(b.thickness.data[c]).toBe(a.thickness.data[c]);
      }
    }
    expect(worst).toBeLessThan(1e-3);
    // The labels follow: the first electrolyte voxel per column moves with the surface.
    let diff = 0;
    for (let c = 0; c < 1600; c++) {
      let k = 0;
      while (b.labels.data[k * 1600 + c] !== 2) k++;
      diff = Math.max(diff, Math.abs((k + 0.5) * v - b.surface.data[c]));
    }
    expect(diff).toBeLessThanOrEqual(v); // within a voxel (pores / filaments never sit on the surface)
  });
});

describe('synth: bowed and wavy stacks', () => {
  it('surface = flat surface + bow·r²/r²corner + wave (shifted to start at the top); thickness unchanged', () => {
    const shape: [number, number, number] = [100, 40, 40];
    const a = gen({ preset: 'plated', seed: 7, shape, ...OFF });
    const v = a.truth.voxel_um;
    const cases = [
      { bowUm: 12, f: (x: number, y: number) => (12 * (x * x + y * y)) / (2 * (20 * v) ** 2) },
      { bowUm: -9, f: (x: number, y: number) => (-9 * (x * x + y * y)) / (2 * (20 * v) ** 2) },
      { wave: { amplitudeUm: 5, periodUm: 30 }, f: (x: number) => 5 * Math.sin((2 * Math.PI * (x + 20 * v)) / 30) },
    ];
    for (const c of cases) {
      const b = gen({ preset: 'plated', seed: 7, shape, ...OFF, ...(c.bowUm !== undefined ? { bowUm: c.bowUm } : { wave: c.wave }) });
      expect(b.truth.geometry.z_scale).toBe(1);
      // the displacement relative to the flat phantom, up to one constant shift
      const d: number[] = [];
      for (let j = 0; j < 40; j++)
        for (let i = 0; i < 40; i++) {
          const col = j * 40 + i;
          const x = (i + 0.5) * v - 20 * v;
          const y = (j + 0.5) * v - 20 * v;
          d.push(b.surface.data[col] - a.surface.data[col] - c.f(x, y));
          expect(b.thickness.data[col]).toBe(a.thickness.data[col]);
        }
      expect(Math.max(...d) - Math.min(...d), JSON.stringify(c)).toBeLessThan(1e-3);
    }
    expect(() => gen({ preset: 'plated', shape, wave: { amplitudeUm: 2, periodUm: 0 } })).toThrow(/wave must be/);
  });
});

describe('synth: surroundings', () => {
  /** Along each z column: 5* then the cell then 5* (only beyond the stack), plus whole die columns. */
  function runs(p: Phantom): { ok: boolean; after: Set<number> } {
    const [nz, ny, nx] = p.labels.shape;
    const plane = ny * nx;
    const after = new Set<number>();
    let ok = true;
    for (let c = 0; c < plane; c++) {
      const col = Array.from({ length: nz }, (_, k) => p.labels.data[k * plane + c]);
      if (col.every((l) => l === 5)) continue; // die wall column
      let a = 0;
      while (col[a] === 5) a++;
      let b = nz - 1;
      while (col[b] === 5) b--;
      if (a > 0) after.add(col[a]);
      if (b < nz - 1) after.add(col[b]);
      for (let k = a; k <= b; k++) if (col[k] === 5) ok = false;
    }
    return { ok, after };
  }

  it('air: label 5 only beyond the stack ends; plunger: steel (3) between stack and air', () => {
    const air = gen({ preset: 'symmetric', seed: 8, shape: [90, 32, 32], surroundings: 'air' });
    const r1 = runs(air);
    expect(r1.ok).toBe(true);
    expect([...r1.after]).toEqual([1]); // air touches the Li foils directly
    expectThicknessConsistent(air, 0, false);
    expectThicknessConsistent(air, 1, true);
    const pl = gen({ preset: 'symmetric', seed: 8, shape: [120, 32, 32], surroundings: 'plunger', tiltDeg: 4 });
    const r2 = runs(pl);
    expect(r2.ok).toBe(true);
    expect([...r2.after]).toEqual([3]);
    expectThicknessConsistent(pl, 0, false);
    expectThicknessConsistent(pl, 1, true);
    const plated = gen({ preset: 'plated', seed: 8, shape: [90, 32, 32], surroundings: 'plunger' });
    const r3 = runs(plated);
    expect(r3.ok).toBe(true);
    expect([...r3.after]).toEqual([3]);
    expect(plated.truth.phase_fractions.outside).toBeGreaterThan(0);
    // Air is ≥ 5 voxels at every column.
    const plane = 32 * 32;
    for (let c = 0; c < plane; c++) for (let k = 0; k < 5; k++) expect(plated.labels.data[k * plane + c]).toBe(5);
  });

  it('die: whole columns outside the bore are 5 with zero thickness; stats exclude them', () => {
    const p = gen({ preset: 'foil', seed: 9, shape: [160, 40, 40], surroundings: 'die' });
    const r = runs(p);
    expect(r.ok).toBe(true);
    const plane = 1600;
    let dieCols = 0;
    for (let c = 0; c < plane; c++) {
      if (p.labels.data[c] === 5 && p.labels.data[159 * plane + c] === 5) {
        dieCols++;
        expect(p.thickness.data[c]).toBe(0);
      }
    }
    expect(dieCols).toBeGreaterThan(100);
    expect(p.truth.thickness.zero_fraction).toBe(0);
  });
});

describe('synth: dtype and option errors', () => {
  it('uint8 is the linear rescale of uint16; float32 the same numbers', () => {
    const base = { preset: 'depleted' as const, seed: 10, shape: [48, 24, 24] as [number, number, number] };
    const a = gen(base);
    const b = gen({ ...base, dtype: 'uint8' });
    const f = gen({ ...base, dtype: 'float32' });
    expect(b.scan.data).toBeInstanceOf(Uint8Array);
    expect(f.scan.data).toBeInstanceOf(Float32Array);
    for (let i = 0; i < a.scan.data.length; i += 7) {
      expect(b.scan.data[i]).toBe(Math.round((a.scan.data[i] * 255) / 65535));
      expect(f.scan.data[i]).toBe(a.scan.data[i]);
    }
    expect(Buffer.from(b.labels.data).equals(Buffer.from(a.labels.data))).toBe(true);
  });

  it('bad geometry options are InputErrors', () => {
    const bad: Partial<SynthOptions>[] = [
      { tiltDeg: 16 },
      { tiltDeg: -1 },
      { fovRadiusFraction: 0 },
      { fov: 'circle', fovFill: 'nan', dtype: 'uint16' },
      { fovFill: 300, dtype: 'uint8' },
      { axis: 'w' as 'z' },
      { surroundings: 'sea' as 'air' },
      { shape: [30, 24, 24], surroundings: 'plunger', tiltDeg: 15 },
    ];
    for (const o of bad) expect(() => generatePhantom({ preset: 'plated', shape: [48, 24, 24], ...o })).toThrow(InputError);
  });
});
