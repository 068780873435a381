/**
 * The report's rows of the uncertainty band of a trainable segmentation (issue #18 point 5): each
 * electrode's mean Li thickness with the band measured at P(Li) ≥ 0.7 and ≥ 0.3 (thickness.json's
 * mean_um_band), its areal capacity, and the Li inventory's band (segment.json's li_band over the
 * map area). Without a band (automatic or imported labels) there are no rows.
 */
import type { Row } from '../report/html/index.js';
import type { ThicknessJson } from '../thickness/outputs.js';
import type { TrainableDoc } from '../segment/trainable/stage.js';
import type { PhantomTruth } from '../synth/index.js';

const UM_PER_MAH_CM2 = 4.85;
const fx = (v: number | null | undefined, d = 2) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(d));

/** "23.04 µm (band 22.79–23.23, −0.25 / +0.19 µm)". */
export function bandText(mean: number, band: [number, number], unit = 'µm', d = 2): string {
  const [lo, hi] = band;
  return `${fx(mean, d)} ${unit} (band ${fx(lo, d)}–${fx(hi, d)}, −${fx(mean - lo, d)} / +${fx(hi - mean, d)} ${unit})`;
}

/** Where a true value lies against a band: inside, or outside by how much. */
function against(t: number, [lo, hi]: [number, number]): string {
  if (t >= lo && t <= hi) return 'inside the band';
  return `outside the band by ${fx(t < lo ? lo - t : t - hi)} µm`;
}

export function bandRows(th: ThicknessJson, seg: TrainableDoc, truth: PhantomTruth | null): Row[] {
  const rows: Row[] = [];
  const entries = th.electrodes ?? [];
  const two = entries.length > 1;
  for (const e of entries) {
    if (!e.mean_um_band) continue;
    const t = two ? truth?.electrodes?.find((x) => x.name === e.name)?.thickness?.mean_um : truth?.thickness?.mean_um;
    const cap: [number, number] = [e.mean_um_band[0] / UM_PER_MAH_CM2, e.mean_um_band[1] / UM_PER_MAH_CM2];
    rows.push({
      label: `Li mean thickness ± boundary uncertainty${two ? ` (${e.name})` : ''}`,
      value: `${bandText(e.mean_um, e.mean_um_band)} ≈ ${fx(e.mean_um / UM_PER_MAH_CM2, 3)} (${fx(cap[0], 3)}–${fx(cap[1], 3)}) mAh/cm²`,
      truth: t !== undefined ? `${fx(t)} µm` : undefined,
      diff: t !== undefined ? against(t, e.mean_um_band) : undefined,
      note: 'band: the thickness map measured again with Li as P(Li) ≥ 0.7 and as P(Li) ≥ 0.3',
    });
  }
  const b = seg.li_band;
  const area = seg.li?.map_area_um2 ?? null;
  if (b && area && b.p70_um3 !== null && b.p30_um3 !== null && b.labelled_um3 !== null) {
    const um = (v: number) => v / area;
    rows.push({
      label: 'Li inventory ± boundary uncertainty (all Li voxels / map area)',
      value: `${bandText(um(b.labelled_um3), [um(b.p70_um3), um(b.p30_um3)])} ≈ ${fx(um(b.labelled_um3) / UM_PER_MAH_CM2, 3)} (${fx(um(b.p70_um3) / UM_PER_MAH_CM2, 3)}–${fx(um(b.p30_um3) / UM_PER_MAH_CM2, 3)}) mAh/cm²`,
      note: `${b.p70_voxels}–${b.p30_voxels} Li voxels at P(Li) ≥ 0.7 … ≥ 0.3 (labelled ${b.labelled_voxels})`,
    });
  }
  return rows;
}
