/** Statistics of a thickness map (thickness.json): distribution, capacity, roughness, penetration. */
import { histogram, quantileSorted, roughness, type Histogram } from './stats.js';
import { LI_UM_PER_MAH_CM2, type Axis, type ThicknessMapResult } from './map-plan.js';

export interface ThicknessSummary {
  mean_um: number;
  std_um: number;
  min_um: number;
  max_um: number;
  p05_um: number;
  p50_um: number;
  p95_um: number;
  zero_fraction: number;
  mean_capacity_mah_cm2: number;
  roughness: { electrolyte_surface: { rq_um: number; ra_um: number }; li_top: { rq_um: number; ra_um: number } };
  /** Li below the surface: `through_columns` are joined by Li to the other electrode (a short). */
  penetration: { max_um: number; mean_um: number; area_fraction: number; through_columns: number };
  histogram: Histogram;
  map: { shape: [number, number]; pixel_um: [number, number]; area_um2: number; area_mm2: number; valid_columns: number; invalid_columns: number };
  normal: { axis: Axis; vector: [number, number, number]; tilt_deg: number; li_side: 'low' | 'high' };
  refined_with_scan: boolean;
  mean_um_voxel_count: number;
  grey_means: ThicknessMapResult['grey_means'];
  surface_repaired_columns: number;
  li_um_per_mah_cm2: number;
}

function finiteSorted(a: Float32Array): Float64Array {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i])) n++;
  const out = new Float64Array(n);
  let k = 0;
  for (let i = 0; i < a.length; i++) if (Number.isFinite(a[i])) out[k++] = a[i];
  return out.sort();
}

const r6 = (v: number) => (Number.isFinite(v) ? +v.toPrecision(6) : v);

export function summarizeThickness(res: ThicknessMapResult, bins = 40): ThicknessSummary {
  const s = finiteSorted(res.thickness);
  const n = s.length;
  let sum = 0, zeros = 0;
  for (let i = 0; i < n; i++) {
    sum += s[i];
    if (s[i] <= 0) zeros++;
  }
  const mean = n ? sum / n : NaN;
  let v = 0;
  for (let i = 0; i < n; i++) v += (s[i] - mean) ** 2;
  const vc = finiteSorted(res.thicknessVoxelCount);
  let sumVc = 0;
  for (const x of vc) sumVc += x;
  const [rows, cols] = res.shape;
  const rs = roughness(res.surface, rows, cols, res.pixel_um[0], res.pixel_um[1]);
  const rl = roughness(res.liTop, rows, cols, res.pixel_um[0], res.pixel_um[1]);
  let pmax = 0, psum = 0, pn = 0, pv = 0;
  for (const p of res.penetration) {
    if (!Number.isFinite(p)) continue;
    pv++;
    if (p > 0) {
      pn++;
      psum += p;
      if (p > pmax) pmax = p;
    }
  }
  const area = rows * cols * res.pixel_um[0] * res.pixel_um[1];
  return {
    mean_um: r6(mean),
    std_um: r6(n ? Math.sqrt(v / n) : NaN),
    min_um: r6(n ? s[0] : NaN),
    max_um: r6(n ? s[n - 1] : NaN),
    p05_um: r6(quantileSorted(s, 0.05)),
    p50_um: r6(quantileSorted(s, 0.5)),
    p95_um: r6(quantileSorted(s, 0.95)),
    zero_fraction: r6(n ? zeros / n : NaN),
    mean_capacity_mah_cm2: r6(mean / LI_UM_PER_MAH_CM2),
    roughness: {
      electrolyte_surface: { rq_um: r6(rs.rq_um), ra_um: r6(rs.ra_um) },
      li_top: { rq_um: r6(rl.rq_um), ra_um: r6(rl.ra_um) },
    },
    penetration: { max_um: r6(pmax), mean_um: r6(pn ? psum / pn : 0), area_fraction: r6(pv ? pn / pv : 0), through_columns: res.through_columns },
    histogram: histogram(s, bins),
    map: { shape: res.shape, pixel_um: res.pixel_um, area_um2: r6(area), area_mm2: r6(area / 1e6), valid_columns: n, invalid_columns: rows * cols - n },
    normal: { axis: res.axis, vector: res.normal.map(r6) as [number, number, number], tilt_deg: r6(res.tilt_deg), li_side: res.li_side },
    refined_with_scan: res.refined,
    mean_um_voxel_count: r6(vc.length ? sumVc / vc.length : NaN),
    grey_means: res.grey_means,
    surface_repaired_columns: res.repaired_columns,
    li_um_per_mah_cm2: LI_UM_PER_MAH_CM2,
  };
}

