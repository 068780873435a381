/**
 * Report charts: vega-lite specifications compiled to Vega and rendered to SVG in Node (headless
 * `renderer: 'none'` view), with the bundled DejaVu Sans as the font so resvg rasterises them the
 * same everywhere. Every spec carries its data inline (no URLs).
 */
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { FONT_FAMILY } from '../figures/index.js';

export type VlSpec = Record<string, unknown>;

const BASE_CONFIG = {
  font: FONT_FAMILY,
  background: '#ffffff',
  padding: 12,
  axis: { labelFontSize: 12, titleFontSize: 13, grid: true, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 12, titleFontSize: 12, labelLimit: 400 },
  title: { fontSize: 16, anchor: 'start', fontWeight: 'normal' },
  view: { stroke: '#888' },
};

/** Compile a vega-lite spec and render it to an SVG string (no network access: data must be inline). */
export async function renderVegaLite(spec: VlSpec): Promise<string> {
  const full = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', ...spec, config: { ...BASE_CONFIG, ...((spec.config as object) ?? {}) } };
  const compiled = vl.compile(full as unknown as vl.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', loader: vega.loader({ mode: 'file' }) });
  try {
    const svg = await view.toSVG();
    // vega's SVG omits the XML font fallback; keep the root free of external references
    return svg;
  } finally {
    view.finalize();
  }
}

const MODE_COLORS = { domain: ['uniform', 'current-aware'], range: ['#1f77b4', '#ff7f0e'] };

// ───────────────────────────────────────── specs

export function phaseFractionsSpec(rows: { phase: string; source: string; fraction: number }[]): VlSpec {
  return {
    title: 'Phase fractions',
    width: 420,
    height: 220,
    data: { values: rows },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      y: { field: 'phase', type: 'nominal', title: null, sort: ['void/pore', 'Li', 'electrolyte', 'collector'] },
      yOffset: { field: 'source', type: 'nominal' },
      x: { field: 'fraction', type: 'quantitative', title: 'volume fraction', axis: { format: '.0%' } },
      color: { field: 'source', type: 'nominal', title: null, scale: { domain: ['measured', 'ground truth'], range: ['#3b5b92', '#c9a227'] } },
    },
  };
}

export function thicknessHistogramSpec(edges: number[], counts: number[], markers: { label: string; value: number }[]): VlSpec {
  const bins = counts.map((c, i) => ({ x0: edges[i], x1: edges[i + 1], count: c }));
  return {
    title: 'Li thickness distribution',
    width: 520,
    height: 260,
    layer: [
      {
        data: { values: bins },
        mark: { type: 'bar', color: '#b5367a', stroke: '#ffffff', strokeWidth: 0.5 },
        encoding: {
          x: { field: 'x0', type: 'quantitative', title: 'Li thickness (µm)', bin: { binned: true } },
          x2: { field: 'x1' },
          y: { field: 'count', type: 'quantitative', title: 'map columns' },
        },
      },
      {
        data: { values: markers.filter((m) => Number.isFinite(m.value)) },
        mark: { type: 'rule', strokeDash: [6, 4], strokeWidth: 2 },
        encoding: {
          x: { field: 'value', type: 'quantitative' },
          color: { field: 'label', type: 'nominal', title: null, scale: { range: ['#111111', '#c9a227'] }, legend: { orient: 'top-right' } },
        },
      },
    ],
  };
}

export interface StripPoint {
  mode: 'uniform' | 'current-aware';
  stripped_fraction: number;
  active_fraction: number;
  current_multiplier: number;
}

export function strippingSpec(points: StripPoint[], references: { stripped_fraction: number; active_fraction: number; label: string }[]): VlSpec {
  const finite = points.filter((p) => Number.isFinite(p.current_multiplier) && p.current_multiplier > 0 && p.current_multiplier <= 100);
  const x = { field: 'stripped_fraction', type: 'quantitative', title: 'fraction of Li stripped', scale: { domain: [0, 1] }, axis: { format: '.0%' } };
  // long legend strokes so the dash pattern is visible in the symbol
  const color = { field: 'mode', type: 'nominal', title: 'replay', scale: MODE_COLORS, legend: { symbolSize: 900, symbolStrokeWidth: 2 } };
  // same field and title as the colour: vega-lite merges both into one legend whose symbols carry the
  // dash (uniform solid, current-aware dashed); `legend: null` here dropped the legend altogether
  const strokeDash = { field: 'mode', type: 'nominal', title: 'replay', scale: { domain: MODE_COLORS.domain, range: [[1, 0], [6, 3]] } };
  return {
    title: 'Stripping replay: active area and current multiplier',
    vconcat: [
      {
        width: 520,
        height: 220,
        layer: [
          { data: { values: points }, mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y: { field: 'active_fraction', type: 'quantitative', title: 'active area fraction', scale: { domain: [0, 1] }, axis: { format: '.0%' } }, color, strokeDash } },
          {
            data: { values: references },
            mark: { type: 'point', shape: 'diamond', size: 90, filled: true, color: '#333333' },
            encoding: { x: { field: 'stripped_fraction', type: 'quantitative' }, y: { field: 'active_fraction', type: 'quantitative' }, tooltip: { field: 'label' } },
          },
          {
            data: { values: references },
            mark: { type: 'text', dx: 8, dy: -8, align: 'left', fontSize: 11, color: '#333333' },
            encoding: { x: { field: 'stripped_fraction', type: 'quantitative' }, y: { field: 'active_fraction', type: 'quantitative' }, text: { field: 'label' } },
          },
        ],
      },
      {
        width: 520,
        height: 180,
        data: { values: finite },
        mark: { type: 'line', strokeWidth: 2, clip: true },
        encoding: {
          x,
          y: { field: 'current_multiplier', type: 'quantitative', title: 'current multiplier j/j_nom', scale: { type: 'log', domainMin: 1 } },
          color,
          strokeDash,
        },
      },
    ],
  };
}

export function contactTimeSpec(rows: { pressure: string; t: number; contact_fraction: number }[]): VlSpec {
  const tMax = Math.max(1, ...rows.map((r) => r.t));
  const ticks = [0, 1, 10, 100, 1000, 10000, 100000].filter((v) => v <= tMax * 1.0001);
  return {
    title: 'Contact fraction under stack pressure (creep hold)',
    width: 520,
    height: 260,
    data: { values: rows },
    mark: { type: 'line', strokeWidth: 2, point: { size: 12 } },
    encoding: {
      // plain seconds: a d3 '~s' format picks one SI prefix for the whole axis ("0k 0k 0k 0.1k 1k")
      x: { field: 't', type: 'quantitative', title: 'time (symmetric-log axis)', scale: { type: 'symlog', constant: 1 }, axis: { values: ticks, labelExpr: "datum.value + ' s'" } },
      y: { field: 'contact_fraction', type: 'quantitative', title: 'contact fraction', scale: { domain: [0, 1] }, axis: { format: '.0%' } },
      color: { field: 'pressure', type: 'nominal', title: 'pressure', sort: null, scale: { scheme: 'viridis' } },
    },
  };
}

export function contactPressureSpec(rows: { pressure_mpa: number; contact_fraction: number; stage: string }[]): VlSpec {
  return {
    title: 'Contact fraction vs stack pressure',
    width: 420,
    height: 240,
    data: { values: rows },
    mark: { type: 'line', point: { size: 60, filled: true }, strokeWidth: 2 },
    encoding: {
      x: { field: 'pressure_mpa', type: 'quantitative', title: 'stack pressure (MPa)' },
      y: { field: 'contact_fraction', type: 'quantitative', title: 'contact fraction', scale: { domain: [0, 1] }, axis: { format: '.0%' } },
      color: { field: 'stage', type: 'nominal', title: null, scale: { domain: ['at load (t = 0)', 'after the hold'], range: ['#9ecae1', '#08519c'] } },
    },
  };
}

export function surfaceProfileSpec(points: { x_um: number; h_um: number }[], title: string): VlSpec {
  return {
    title,
    width: 520,
    height: 160,
    data: { values: points },
    mark: { type: 'area', line: { color: '#3b5b92' }, color: '#c6d4ea', opacity: 0.8 },
    encoding: {
      x: { field: 'x_um', type: 'quantitative', title: 'x (µm)' },
      y: { field: 'h_um', type: 'quantitative', title: 'electrolyte height (µm)' },
    },
  };
}

export function stageTimesSpec(rows: { stage: string; seconds: number; status: string }[]): VlSpec {
  return {
    title: 'Time per stage',
    width: 420,
    height: 18 * Math.max(3, rows.length),
    data: { values: rows },
    mark: 'bar',
    encoding: {
      y: { field: 'stage', type: 'nominal', sort: null, title: null },
      x: { field: 'seconds', type: 'quantitative', title: 'seconds (when the stage last ran)' },
      color: { field: 'status', type: 'nominal', title: 'this run', scale: { domain: ['ran', 'skipped'], range: ['#3b5b92', '#bbbbbb'] } },
    },
  };
}
