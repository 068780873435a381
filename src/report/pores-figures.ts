/**
 * Figures of the electrolyte microstructure (pores stage): the porosity profile along the stack
 * normal (vega-lite chart), the pore size distribution (local thickness histogram with d10 / d50 /
 * d90) and the Li penetration map of each electrode. Written by the pores stage and shown in the
 * report's "Electrolyte microstructure" section.
 */
import { histogramSvg, mapFigureSvg } from './figures/index.js';
import type { Histogram } from '../thickness/stats.js';

export interface ProfileDoc {
  position_um: number[];
  porosity: (number | null)[];
  li_voxels: number[];
  pore_voxels: number[];
  electrolyte_voxels: number[];
}

/** Porosity per slice along the normal, with the Li fraction of the layer slice as a second line. */
export async function porosityProfileSvg(p: ProfileDoc, axis: string, porosity: number | null): Promise<string> {
  const { renderVegaLite } = await import('./charts/index.js');
  const POROSITY = 'porosity: pores / (pores + electrolyte)';
  const LI_FRACTION = 'Li fraction of the layer';
  const rows: { position_um: number; value: number; series: string }[] = [];
  p.position_um.forEach((x, i) => {
    const v = p.porosity[i];
    if (v !== null) rows.push({ position_um: x, value: v, series: POROSITY });
    const all = p.pore_voxels[i] + p.electrolyte_voxels[i] + p.li_voxels[i];
    if (all > 0) rows.push({ position_um: x, value: p.li_voxels[i] / all, series: LI_FRACTION });
  });
  return renderVegaLite({
    title: `Porosity profile along ${axis}${porosity !== null ? ` (layer porosity ${(100 * porosity).toFixed(2)} %)` : ''}`,
    width: 520,
    height: 240,
    data: { values: rows },
    mark: { type: 'line', strokeWidth: 2, interpolate: 'step-after' },
    encoding: {
      x: { field: 'position_um', type: 'quantitative', title: `position along ${axis} (µm from the volume start)` },
      y: { field: 'value', type: 'quantitative', title: 'volume fraction', axis: { format: '.0%' } },
      color: { field: 'series', type: 'nominal', title: null, scale: { domain: [POROSITY, LI_FRACTION], range: ['#3b5b92', '#b5367a'] }, legend: { orient: 'top' } },
    },
  });
}

export function poreSizeSvg(h: Histogram, d: { d10_um: number; d50_um: number; d90_um: number }): string {
  return histogramSvg({
    edges: h.edges,
    counts: h.counts,
    title: 'Pore size distribution (local thickness, by volume)',
    xLabel: 'pore diameter (µm)',
    yLabel: 'pore voxels',
    colormap: 'viridis',
    markers: [
      { value: d.d10_um, label: `d10 ${d.d10_um.toFixed(2)} µm`, color: '#555555', kind: 'd10' },
      { value: d.d50_um, label: `d50 ${d.d50_um.toFixed(2)} µm`, color: '#111111', kind: 'd50' },
      { value: d.d90_um, label: `d90 ${d.d90_um.toFixed(2)} µm`, color: '#555555', kind: 'd90' },
    ],
  });
}

export function penetrationMapSvg(map: Float32Array, rows: number, cols: number, pixelUm: [number, number], name: string, s: { max_um: number; area_fraction: number }): string {
  return mapFigureSvg({
    values: map,
    rows,
    cols,
    pixelUm,
    title: `Li penetration into the electrolyte (${name} electrode)`,
    subtitle: `depth of Li grown from the ${name} side, per column; max ${s.max_um.toFixed(1)} µm over ${(100 * s.area_fraction).toFixed(2)} % of the area`,
    label: 'penetration (µm)',
    colormap: 'inferno',
    vmin: 0,
    annotation: s.max_um === 0 ? 'no Li grown into the electrolyte from this side' : undefined,
  });
}
