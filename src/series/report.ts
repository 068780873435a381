/**
 * DIR/report.html of a series (issue #21 point 5): the registration of each scan, the Li inventory
 * against the charge passed (or the scan order), the active area over the scans, the thickness
 * change maps from the first scan, scan 0's stripping replay against what each later scan measured,
 * and the interfacial voids' events. One self-contained page, as the run's report.
 */
import { renderReportHtml, esc, gridTableHtml, inlineSvg, type Figure, type Section } from '../report/html/index.js';
import { renderVegaLite, type VlSpec } from '../report/charts/index.js';
import { mapFigureSvg } from '../report/figures/index.js';
import type { SeriesChange } from './change.js';
import type { SeriesRecord } from './run.js';

const f = (v: number | null | undefined, d = 2): string => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(d));

/** The page, from series.json's record and the change maps (from the first scan, per electrode). */
export async function seriesReportHtml(record: SeriesRecord, change: SeriesChange | null): Promise<string> {
  const sections: Section[] = [];
  sections.push({
    id: 'registration',
    title: 'Registration to the first scan',
    intro: `${record.method.kind === 'affine' ? 'Affine' : 'Rigid'}: ${esc(record.method.optimiser)}; metric: ${esc(record.method.metric)}; samples: ${esc(record.method.mask)}.`,
    html: [
      record.method.kind === 'affine'
        ? gridTableHtml('Each scan\'s motion from scan 0 ([z, y, x]; A = R · diag(scale) · (I + shear))', ['scan', 'charge (mAh/cm²)', 'translation (µm)', 'rotation (°)', 'scale', 'shear [xy, xz, yz]', 'NCC', 'overlap'],
            record.transforms.map((t) => [t.index, t.charge_mah_cm2 ?? '–', t.translation_um.map((x) => f(x)).join(', '), t.rotation_deg.map((x) => f(x, 3)).join(', '), (t.affine?.scale ?? [1, 1, 1]).map((x) => x.toFixed(4)).join(', '), (t.affine?.shear ?? [0, 0, 0]).map((x) => x.toFixed(4)).join(', '), f(t.ncc, 4), f(t.overlap, 3)]))
        : gridTableHtml('Each scan\'s motion from scan 0 ([z, y, x])', ['scan', 'charge (mAh/cm²)', 'translation (µm)', 'rotation (°)', 'NCC', 'overlap'],
            record.transforms.map((t) => [t.index, t.charge_mah_cm2 ?? '–', t.translation_um.map((x) => f(x)).join(', '), t.rotation_deg.map((x) => f(x, 3)).join(', '), f(t.ncc, 4), f(t.overlap, 3)])),
    ],
  });
  if (!change) {
    sections.push({ id: 'change', title: 'What changed', intro: esc(record.change_note ?? 'no change maps') });
    return page(record, sections);
  }
  const charge = record.transforms.map((t) => t.charge_mah_cm2);
  const hasCharge = charge.every((q) => q !== null);
  const x = (k: number) => (hasCharge ? (charge[k] as number) : k);
  const xTitle = hasCharge ? 'charge passed (mAh/cm²)' : 'scan';
  const inventory: Array<Record<string, unknown>> = [];
  const area: Array<Record<string, unknown>> = [];
  for (const e of change.electrodes) {
    e.capacity_mah_cm2.forEach((c, k) => inventory.push({ x: x(k), value: c, series: `${e.name} (layer)` }));
    e.active_area_fraction.forEach((a, k) => area.push({ x: x(k), value: a, series: e.name }));
  }
  change.li_inventory_mah_cm2.forEach((c, k) => inventory.push({ x: x(k), value: c, series: 'all Li voxels' }));
  const figures: Figure[] = [
    { id: 'inventory', caption: `Li inventory (mAh/cm² over the map area; 4.85 µm of Li per mAh/cm²) against the ${xTitle}.`, svg: inlineSvg(await renderVegaLite(lineSpec(inventory, xTitle, 'Li (mAh/cm²)'))) },
    { id: 'active-area', caption: `Active area: the fraction of the columns where Li lies against the electrolyte, against the ${xTitle}.`, svg: inlineSvg(await renderVegaLite(lineSpec(area, xTitle, 'active area fraction'))) },
  ];
  const rows = change.electrodes.flatMap((e) => e.changes.map((c, j) => [e.name, c.scan, f(c.from_first.mean_um), f(c.from_first.stripped_mah_cm2, 4), f(c.from_first.deposited_mah_cm2, 4), f(e.active_area_fraction[c.scan], 3), e.voids[c.scan].count, f(e.max_penetration_um[c.scan], 1), e.image_efficiency[j] === null ? '–' : f(e.image_efficiency[j], 3)]));
  sections.push({
    id: 'change',
    title: 'What changed',
    intro: 'Per electrode, from the labels of every scan in scan 0\'s frame (thickness along scan 0\'s stack axis). Image Coulombic efficiency: |Li capacity change from scan 0| / charge passed.',
    html: [gridTableHtml('Change from scan 0', ['electrode', 'scan', 'mean change (µm)', 'stripped (mAh/cm²)', 'deposited (mAh/cm²)', 'active area', 'voids', 'deepest penetration (µm)', 'image CE'], rows)],
    figures,
  });
  // the change maps from scan 0, one colour scale per electrode, 0 in the middle
  const maps: Figure[] = [];
  const [mr, mc] = change.map_shape;
  for (const m of change.maps) {
    // symmetric about 0 at the 99th percentile of |change| (a few edge columns would wash it out)
    const lim = Math.max(1e-6, ...m.from_first.map((d) => absQuantile(d, 0.99)));
    m.from_first.forEach((d, j) => maps.push({
      id: `change-${m.electrode}-${j + 1}`,
      caption: `${m.electrode}: Li thickness change from scan 0 to scan ${j + 1} (µm; blue lost, red gained; grey: unmeasured).`,
      svg: mapFigureSvg({ values: d, rows: mr, cols: mc, pixelUm: change.pixel_um, title: `${m.electrode}, scan ${j + 1} − scan 0`, label: 'thickness change (µm)', colormap: 'diverging', vmin: -lim, vmax: lim }),
    }));
  }
  sections.push({ id: 'change-maps', title: 'Thickness change maps', figures: maps });
  const replayRows = change.electrodes.flatMap((e) => e.replay.map((r, j) => [e.name, j + 1, f(r.stripped_fraction, 3), f(r.measured_active_fraction, 3), f(r.uniform.active_fraction, 3), f(r.uniform.pixel_agreement, 3), f(r.current?.active_fraction, 3), f(r.current?.pixel_agreement, 3), r.closer ?? 'tie']));
  if (replayRows.length) {
    const points = change.electrodes.flatMap((e) => e.replay.flatMap((r) => [
      { x: r.stripped_fraction, value: r.measured_active_fraction, series: `${e.name} measured` },
      { x: r.stripped_fraction, value: r.uniform.active_fraction, series: `${e.name} uniform replay` },
      ...(r.current ? [{ x: r.stripped_fraction, value: r.current.active_fraction, series: `${e.name} current-aware replay` }] : []),
    ]));
    sections.push({
      id: 'replay',
      title: 'Stripping replay of scan 0 against the later scans',
      intro: 'Scan 0\'s thickness map replayed (as buried strip: uniform rate, and current-aware) to the Li fraction each later scan lost; its predicted active area against the measured contact, pixel by pixel (replay_agreement_*.tif in each scan folder).',
      html: [gridTableHtml('Which model the cell followed', ['electrode', 'scan', 'stripped fraction', 'measured active', 'uniform: active', 'uniform: pixels agreeing', 'current-aware: active', 'current-aware: pixels agreeing', 'closer'], replayRows)],
      figures: [{ id: 'replay-chart', caption: 'Active area against the stripped fraction: measured and predicted.', svg: inlineSvg(await renderVegaLite(pointSpec(points))) }],
    });
  }
  const events = change.electrodes.flatMap((e) => e.changes.flatMap((c) => c.void_events.filter((v) => v.kind !== 'stable').map((v) => [e.name, `${c.scan - 1} → ${c.scan}`, v.kind, f(v.area_before_um2, 0), f(v.area_after_um2, 0)])));
  sections.push({ id: 'voids', title: 'Interfacial voids across the scans', intro: 'Footprints of the columns with Li over the electrolyte surface but not against it, matched between consecutive scans by overlap.', html: [events.length ? gridTableHtml('Void events (stable ones left out)', ['electrode', 'scans', 'event', 'area before (µm²)', 'area after (µm²)'], events) : '<p>No void appeared, grew, shrank, merged, split or vanished.</p>'] });
  return page(record, sections);
}

function page(record: SeriesRecord, sections: Section[]): string {
  return renderReportHtml({
    title: 'Series of one cell',
    subtitle: `${record.scans.length} scans · voxel ${record.spacing_um.join(' × ')} µm`,
    sections,
    footer: `buried series · ${esc(new Date().toISOString().slice(0, 10))}`,
  });
}

/** The q-quantile of |v| over the finite values (0 when none). */
function absQuantile(values: Float32Array, q: number): number {
  const a = Float32Array.from(values.filter(Number.isFinite), Math.abs).sort();
  return a.length ? a[Math.min(a.length - 1, Math.floor(q * a.length))] : 0;
}

function lineSpec(values: Array<Record<string, unknown>>, xTitle: string, yTitle: string): VlSpec {
  return {
    width: 520, height: 260, data: { values },
    mark: { type: 'line', point: true },
    encoding: { x: { field: 'x', type: 'quantitative', title: xTitle }, y: { field: 'value', type: 'quantitative', title: yTitle }, color: { field: 'series', type: 'nominal', title: null } },
  };
}

function pointSpec(values: Array<Record<string, unknown>>): VlSpec {
  return {
    width: 520, height: 260, data: { values },
    mark: { type: 'point', filled: true, size: 80 },
    encoding: { x: { field: 'x', type: 'quantitative', title: 'stripped fraction', scale: { domain: [0, 1] } }, y: { field: 'value', type: 'quantitative', title: 'active area fraction', scale: { domain: [0, 1] } }, shape: { field: 'series', type: 'nominal', title: null }, color: { field: 'series', type: 'nominal', title: null } },
  };
}
