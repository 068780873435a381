/**
 * The QC figures of the report: the labels over the scan on three orthogonal centre slices, and the
 * histogram of the analysed grey with the thresholds and class means. Each written atomically as
 * SVG and PNG into the figures folder (plus the three overlays at one pixel per voxel), like the
 * report's other figures.
 */
import path from 'node:path';
import { writeFileAtomically } from '../io/atomic.js';
import { openVolume, type OpenOptions } from '../io/open.js';
import { readCentreSlices, type CentreSlices } from '../io/centre-slices.js';
import type { SegmentReport } from '../segment/types.js';
import { centreSlicesSvg, codesPresent, slicePanels } from './figures/centre-slices-svg.js';
import { histogramSvg, svgToPng } from './figures/svg.js';
import { labelStyle } from './figures/label-overlay.js';

export const QC_FIGURES = ['qc_slices', 'qc_histogram'] as const;

export interface QcFigure {
  id: (typeof QC_FIGURES)[number];
  svg: string;
  caption: string;
}

async function centreSlicesOf(file: string, options: OpenOptions, maxSide: number): Promise<{ slices: CentreSlices; shape: number[]; spacing: [number, number, number] | null }> {
  const source = await openVolume(file, options);
  try {
    return { slices: await readCentreSlices(source, maxSide), shape: source.shape, spacing: source.spacing };
  } finally {
    await source.close();
  }
}

/** Slice figure from the scan and its labels; the panels are written as qc_slice_{xy,xz,yz}.png too. */
export async function writeSliceFigure(figDir: string, scan: { file: string; options: OpenOptions }, labelsFile: string, widthPx: number, maxSide = 1024): Promise<QcFigure> {
  const g = await centreSlicesOf(scan.file, scan.options, maxSide);
  const l = await centreSlicesOf(labelsFile, {}, maxSide);
  if (g.shape.join() !== l.shape.join()) throw new RangeError(`scan ${g.shape.join('×')} and labels ${l.shape.join('×')} differ in shape`);
  const panels = slicePanels(g.slices, l.slices, g.spacing ?? l.spacing);
  for (const p of panels) await writeFileAtomically(path.join(figDir, `qc_slice_${p.id}.png`), p.png);
  const svg = centreSlicesSvg(panels, codesPresent(l.slices));
  await writeFileAtomically(path.join(figDir, 'qc_slices.svg'), svg);
  await writeFileAtomically(path.join(figDir, 'qc_slices.png'), svgToPng(svg, widthPx));
  const [cz, cy, cx] = g.slices.centre;
  const every = g.slices.stride > 1 ? `; every ${g.slices.stride}th voxel shown` : '';
  return {
    id: 'qc_slices',
    svg,
    caption: `Labels over the scan on three planes through its centre (xy at z = ${cz}, xz at y = ${cy}, yz at x = ${cx}${every}), in physical aspect. Colours (colour-blind safe): void yellow, Li sky blue, electrolyte orange, collector purple, cathode green, outside the cell blue; outside the field of view darkened. Grey: the scan as read (0.5–99.5 % window). Full-resolution panels: figures/qc_slice_xy.png, qc_slice_xz.png, qc_slice_yz.png.`,
  };
}

type HistogramInputs = Pick<SegmentReport, 'histogram' | 'thresholds' | 'void_li_threshold' | 'class_means' | 'grey_inverted' | 'phase_names' | 'denoise'>;

const r4 = (v: number) => String(+v.toPrecision(4));

/** The histogram SVG: one dashed marker per threshold (void|Li included), one dotted per class mean. Counts on a log scale. */
export function qcHistogramSvg(seg: HistogramInputs): string {
  const h = seg.histogram;
  const edges = Array.from({ length: h.bins + 1 }, (_, i) => h.lo + i * h.width);
  const counts = h.counts.map((c) => Math.log10(1 + c));
  const markers: NonNullable<Parameters<typeof histogramSvg>[0]['markers']> = [];
  seg.thresholds.forEach((t, i) => markers.push({ value: t, label: `t${i + 1} = ${r4(t)}`, color: '#D55E00', kind: 'threshold', dash: '6 4' }));
  if (seg.void_li_threshold != null) markers.push({ value: seg.void_li_threshold, label: `void|Li = ${r4(seg.void_li_threshold)}`, color: '#D55E00', kind: 'threshold', dash: '2 3' });
  for (const [code, mean] of Object.entries(seg.class_means)) {
    if (mean === null || !Number.isFinite(mean)) continue;
    const name = seg.phase_names?.[code] ?? labelStyle(Number(code))?.name ?? `class ${code}`;
    markers.push({ value: mean, label: `μ ${name}`, color: '#0072B2', kind: 'class-mean', dash: '1 3' });
  }
  return histogramSvg({
    edges,
    counts,
    title: 'Grey-level histogram with the thresholds and class means',
    xLabel: seg.grey_inverted ? 'grey level, inverted (max + min − scan), as analysed' : `grey level (${seg.denoise?.applied && seg.denoise.applied !== 'none' ? `after ${seg.denoise.applied} denoising` : 'as read'})`,
    yLabel: 'log10(1 + voxels)',
    markers,
    colormap: 'viridis',
  });
}

export async function writeHistogramFigure(figDir: string, seg: HistogramInputs, widthPx: number): Promise<QcFigure> {
  const svg = qcHistogramSvg(seg);
  await writeFileAtomically(path.join(figDir, 'qc_histogram.svg'), svg);
  await writeFileAtomically(path.join(figDir, 'qc_histogram.png'), svgToPng(svg, widthPx));
  const inverted = seg.grey_inverted
    ? ' The grey scale is INVERTED (Li contrast bright): the axis is max + min − the scan\'s grey, the scale the thresholds and means refer to; positions do not match the raw scan values.'
    : '';
  return {
    id: 'qc_histogram',
    svg,
    caption: `Histogram of the grey levels the labels were decided on (segment.json's histogram, ${seg.histogram.bins} bins; log counts). Red dashed: the thresholds; red dotted: the void | Li split (fringe-corrected grey); blue dotted: the mean of each output phase.${inverted}`,
  };
}
