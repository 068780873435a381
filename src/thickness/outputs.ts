/** Writing the thickness-map, distance and local-thickness outputs (all atomically). */
import path from 'node:path';
import { writeFileAtomically } from '../io/atomic.js';
import { writeTiff } from '../io/tiff/index.js';
import { makeVolume, type Shape3, type Spacing3 } from '../io/volume.js';
import { histogramSvg, mapFigureSvg, svgToPng } from '../report/figures/index.js';
import type { ThicknessMapResult, ThicknessSummary } from './map.js';

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

/** thickness_um.tif, penetration_um.tif, surface_height_um.tif, li_top_height_um.tif, thickness.json, figures. */
export async function writeThicknessOutputs(
  dir: string,
  res: ThicknessMapResult,
  summary: ThicknessSummary,
  extra: Record<string, unknown> = {},
): Promise<ThicknessFiles> {
  const files: ThicknessFiles = {
    thickness: path.join(dir, 'thickness_um.tif'),
    penetration: path.join(dir, 'penetration_um.tif'),
    surface: path.join(dir, 'surface_height_um.tif'),
    liTop: path.join(dir, 'li_top_height_um.tif'),
    json: path.join(dir, 'thickness.json'),
    png: path.join(dir, 'thickness.png'),
    svg: path.join(dir, 'thickness.svg'),
    histogramSvg: path.join(dir, 'thickness_histogram.svg'),
    histogramPng: path.join(dir, 'thickness_histogram.png'),
  };
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
    title: 'Li layer thickness',
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
    title: 'Li thickness distribution',
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
