/** Writing the thickness-map, distance and local-thickness outputs (all atomically). */
import path from 'node:path';
import { writeFileAtomically } from '../io/atomic.js';
import { writeTiff } from '../io/tiff/index.js';
import { makeVolume, type Shape3, type Spacing3 } from '../io/volume.js';
import { histogramSvg, mapFigureSvg, svgToPng } from '../report/figures/index.js';
import { summarizeThickness, type ThicknessMapResult, type ThicknessSummary } from './map.js';
import type { ElectrodeDetection, ElectrodeMap, ElectrodeMapsResult, ElectrodeName } from './electrodes.js';
import { THICKNESS_FILES, thicknessBandFiles, thicknessFiles } from '../io/run-folder.js';
import type { ElectrodeBand, ThicknessBand } from './band.js';

export interface ThicknessFiles {
  thickness: string;
  penetration: string;
  surface: string;
  liTop: string;
  json: string;
  png: string;
  svg: string;
  histogramSvg: string;
  histogramPng: string;
}

const mapVolume = (data: Float32Array, res: ThicknessMapResult) =>
  makeVolume(data, [1, res.shape[0], res.shape[1]], [res.axis_um, res.pixel_um[0], res.pixel_um[1]] as Spacing3);

/**
 * thickness_um.tif, penetration_um.tif, surface_height_um.tif, li_top_height_um.tif, thickness.json,
 * figures; `suffix` ('_far') goes before the unit or extension of each name (thickness_far_um.tif,
 * thickness_far.json, ...), `electrode` names it in the figure titles.
 */
export async function writeThicknessOutputs(
  dir: string,
  res: ThicknessMapResult,
  summary: ThicknessSummary,
  extra: Record<string, unknown> = {},
  suffix = '',
  electrode: string | null = null,
): Promise<ThicknessFiles> {
  const names = thicknessFiles(suffix);
  const files: ThicknessFiles = {
    thickness: path.join(dir, names.map),
    penetration: path.join(dir, names.penetration),
    surface: path.join(dir, names.surface),
    liTop: path.join(dir, names.liTop),
    json: path.join(dir, names.json),
    png: path.join(dir, names.figurePng),
    svg: path.join(dir, names.figure),
    histogramSvg: path.join(dir, names.histogram),
    histogramPng: path.join(dir, names.histogramPng),
  };
  const which = electrode ? ` (${electrode} electrode)` : '';
  await writeTiff(files.thickness, mapVolume(res.thickness, res));
  await writeTiff(files.penetration, mapVolume(res.penetration, res));
  await writeTiff(files.surface, mapVolume(res.surface, res));
  await writeTiff(files.liTop, mapVolume(res.liTop, res));
  const sub = `mean ${summary.mean_um.toFixed(2)} µm, std ${summary.std_um.toFixed(2)} µm, ` +
    `p05–p95 ${summary.p05_um.toFixed(1)}–${summary.p95_um.toFixed(1)} µm, ≈ ${summary.mean_capacity_mah_cm2.toFixed(2)} mAh/cm²` +
    (res.tilt_deg >= 0.05 ? `, normal tilted ${res.tilt_deg.toFixed(1)}°` : '');
  const svg = mapFigureSvg({
    values: res.thickness,
    rows: res.shape[0],
    cols: res.shape[1],
    pixelUm: res.pixel_um,
    title: `Li layer thickness${which}`,
    subtitle: sub,
    label: 'Li thickness (µm)',
    colormap: 'inferno',
    vmin: 0,
  });
  await writeFileAtomically(files.svg, svg);
  await writeFileAtomically(files.png, svgToPng(svg));
  const hsvg = histogramSvg({
    edges: summary.histogram.edges,
    counts: summary.histogram.counts,
    title: `Li thickness distribution${which}`,
    xLabel: 'Li thickness (µm)',
    yLabel: 'columns',
    markers: [{ value: summary.mean_um, label: `mean ${summary.mean_um.toFixed(1)} µm` }],
  });
  await writeFileAtomically(files.histogramSvg, hsvg);
  await writeFileAtomically(files.histogramPng, svgToPng(hsvg, 2160));
  const json = { ...summary, ...extra, files: Object.fromEntries(Object.entries(files).map(([k, v]) => [k, path.basename(v)])) };
  await writeFileAtomically(files.json, `${JSON.stringify(json, null, 2)}\n`);
  return files;
}

/** A float32 volume with the labels' geometry. */
export async function writeFloatVolume(file: string, data: Float32Array, shape: Shape3, spacing: Spacing3 | null): Promise<void> {
  // writeTiff checks dtype against the data's class; a SharedArrayBuffer-backed Float32Array is fine
  await writeTiff(file, makeVolume(data, shape, spacing));
}

const r6 = (v: number) => (Number.isFinite(v) ? +v.toPrecision(6) : v);

function bandBound(res: ThicknessMapResult): BandBound {
  const s = summarizeThickness(res);
  return { mean_um: s.mean_um, p05_um: s.p05_um, p50_um: s.p50_um, p95_um: s.p95_um, mean_capacity_mah_cm2: s.mean_capacity_mah_cm2, valid_columns: s.map.valid_columns };
}

function bandJson(band: ThicknessBand, e: ElectrodeBand): ThicknessBandJson {
  return {
    definition: `the Li thickness measured again with Li redefined from the trainable segmentation's probabilities: P(Li) ≥ ${band.thresholds.thin} (thin bound: a Li voxel below it becomes its most probable other class) and P(Li) ≥ ${band.thresholds.thick} (thick bound: any voxel at or above it becomes Li); same method and options as mean_um`,
    thresholds: band.thresholds,
    relabelled_voxels: band.relabelled,
    p70: bandBound(e.thin),
    p30: bandBound(e.thick),
    files: { p70: thicknessBandFiles(e.suffix).p70, p30: thicknessBandFiles(e.suffix).p30 },
  };
}

/** What each electrode's files and key figures are, listed in thickness.json and interface.json. */
export interface ElectrodeEntry {
  name: ElectrodeMap['name'];
  side: 'low' | 'high';
  suffix: string;
  mean_um: number;
  p05_um: number;
  p95_um: number;
  zero_fraction: number;
  penetration_max_um: number;
  through_columns: number;
  contact_fraction: number;
  files: { thickness: string; penetration: string; contact: string; json: string };
  /** With a trainable segmentation's probabilities: the mean at P(Li) ≥ 0.7 and at P(Li) ≥ 0.3. */
  mean_um_band?: [number, number];
}

/** What the caller adds to every electrode's thickness.json: the inputs and, from the CLI, the memory record. */
export interface ThicknessJsonExtra {
  input: string;
  scan: string | null;
  spacing_um: Spacing3 | number[] | null;
  volume_shape: Shape3 | null;
  memory?: { peak_rss_bytes: number; budget_bytes: number; out_of_core: boolean; blocks: number };
}

/** One electrode measured at both bounds of the uncertainty band (band.ts), in thickness.json. */
export interface ThicknessBandJson {
  definition: string;
  thresholds: { thin: number; thick: number };
  relabelled_voxels: { thin: number; thick: number };
  /** Li as P(Li) ≥ 0.7 (thin) and as P(Li) ≥ 0.3 (thick). */
  p70: BandBound;
  p30: BandBound;
  files: { p70: string; p30: string };
}
export interface BandBound {
  mean_um: number;
  p05_um: number;
  p50_um: number;
  p95_um: number;
  mean_capacity_mah_cm2: number;
  valid_columns: number;
}

/** thickness.json (thickness_far.json): one electrode's summary, every electrode's entry, the inputs. */
export type ThicknessJson = ThicknessSummary & ThicknessJsonExtra & {
  electrode: ElectrodeName;
  electrodes: ElectrodeEntry[];
  electrode_detection: ElectrodeDetection;
  files: Record<string, string>;
  /** Present with a trainable segmentation's probabilities: [P(Li) ≥ 0.7, P(Li) ≥ 0.3]. */
  mean_um_band?: [number, number];
  mean_capacity_mah_cm2_band?: [number, number];
  band?: ThicknessBandJson;
};

export interface ElectrodeOutputs {
  summaries: ThicknessSummary[];
  entries: ElectrodeEntry[];
}

/**
 * Every electrode's maps, JSON and figures (writeThicknessOutputs with its suffix), its contact map
 * (contact.tif / contact_far.tif) and interface.json: the first electrode's contact keys at the top
 * level (what the current and fem stages read) and every electrode under `electrodes`.
 */
export async function writeElectrodeOutputs(dir: string, m: ElectrodeMapsResult, extra: ThicknessJsonExtra, band: ThicknessBand | null = null): Promise<ElectrodeOutputs> {
  const two = m.electrodes.length > 1;
  const summaries = m.electrodes.map((e) => summarizeThickness(e.map));
  const bands = m.electrodes.map((e) => {
    const b = band?.electrodes.find((x) => x.name === e.name);
    return b && band ? bandJson(band, b) : null;
  });
  const entries: ElectrodeEntry[] = m.electrodes.map((e, k) => ({
    name: e.name,
    side: e.map.li_side,
    suffix: e.suffix,
    mean_um: summaries[k].mean_um,
    p05_um: summaries[k].p05_um,
    p95_um: summaries[k].p95_um,
    zero_fraction: summaries[k].zero_fraction,
    penetration_max_um: summaries[k].penetration.max_um,
    through_columns: summaries[k].penetration.through_columns,
    contact_fraction: r6(e.contact.contactFraction),
    files: { thickness: thicknessFiles(e.suffix).map, penetration: thicknessFiles(e.suffix).penetration, contact: thicknessFiles(e.suffix).contact, json: thicknessFiles(e.suffix).json },
    ...(bands[k] ? { mean_um_band: [bands[k]!.p70.mean_um, bands[k]!.p30.mean_um] as [number, number] } : {}),
  }));
  for (let k = 0; k < m.electrodes.length; k++) {
    const e = m.electrodes[k];
    const res = e.map;
    const b = bands[k];
    const bandKeys = b ? { mean_um_band: [b.p70.mean_um, b.p30.mean_um], mean_capacity_mah_cm2_band: [b.p70.mean_capacity_mah_cm2, b.p30.mean_capacity_mah_cm2], band: b } : {};
    await writeThicknessOutputs(dir, res, summaries[k], { electrode: e.name, electrodes: entries, electrode_detection: m.detection, ...extra, ...bandKeys }, e.suffix, two ? e.name : null);
    const eb = band?.electrodes.find((x) => x.name === e.name);
    if (eb) {
      await writeTiff(path.join(dir, thicknessBandFiles(e.suffix).p70), mapVolume(eb.thin.thickness, eb.thin), { description: { quantity: 'Li thickness (µm) with Li as P(Li) ≥ 0.7', electrode: e.name } });
      await writeTiff(path.join(dir, thicknessBandFiles(e.suffix).p30), mapVolume(eb.thick.thickness, eb.thick), { description: { quantity: 'Li thickness (µm) with Li as P(Li) ≥ 0.3', electrode: e.name } });
    }
    const mapSpacing: Spacing3 = [res.axis_um, res.pixel_um[0], res.pixel_um[1]];
    await writeTiff(path.join(dir, thicknessFiles(e.suffix).contact), makeVolume(e.contact.contact, [1, res.shape[0], res.shape[1]], mapSpacing), {
      compression: 'deflate',
      description: { contact: '1: Li touches the electrolyte surface, 0: void at the surface, 255: no surface in the column', electrode: e.name },
    });
  }
  const contactOf = (e: ElectrodeMap) => ({
    contact_fraction: r6(e.contact.contactFraction),
    electrolyte_depth_um: r6(e.contact.electrolyteDepthUm),
    li_side: e.map.li_side,
    axis: e.map.axis,
    map_shape: e.map.shape,
    pixel_um: e.map.pixel_um,
    contact_file: thicknessFiles(e.suffix).contact,
  });
  const interfaceJson = {
    ...contactOf(m.electrodes[0]),
    electrode: m.electrodes[0].name,
    electrodes: Object.fromEntries(m.electrodes.map((e) => [e.name, contactOf(e)])),
    definition: 'contact.tif: the voxel next to the electrolyte surface on the Li side is Li (1) or not (0); electrolyte_depth_um: mean electrolyte voxels per column × voxel size. With two electrodes the far one is contact_far.tif.',
  };
  await writeFileAtomically(path.join(dir, THICKNESS_FILES.interface), `${JSON.stringify(interfaceJson, (_k, x) => (typeof x === 'number' && !Number.isFinite(x) ? null : x), 2)}\n`);
  return { summaries, entries };
}
