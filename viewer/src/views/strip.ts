/**
 * Stripping view: replay of uniform Li stripping on the thickness map (depleted area black, the
 * remaining Li in viridis, as the report's snapshots draw them) beside
 * the active-area and current-multiplier curves, with a step slider.
 * Reads thickness/thickness_um.tif (api/map/thickness, ≤ 1024 px per axis) and strip/stripping.json
 * (api/file/stripping: its `uniform` rows for the map, its own rows for the curves).
 */
import { getJson, getMap } from '../api';
import { drawChart, type ChartSpec } from '../chart';
import { colormap, fmt, percentile, type RGB } from '../colors';
import { drawColorBar, drawScaleBar, drawTitle } from '../draw';
import { fitMap, mainRenderer, mapImage, mapPick, render, setRgba, type ViewHooks } from '../scene';
import { numParam, token } from '../state';
import { note, section, slider } from '../ui';

interface StripRow {
  step: number;
  stripped_fraction: number;
  active_fraction: number;
  current_multiplier: number;
  islands: number;
  removed_depth_um?: number;
}

/** Depleted (no Li left): black, as in the report's depleted-map snapshots (strip/snapshot.ts). */
const DEPLETED: RGB = [0, 0, 0];

export async function viewStrip(t: number): Promise<ViewHooks> {
  const [{ info, data }, doc] = await Promise.all([getMap('thickness', 1024), getJson<{ mode?: string; rows: StripRow[]; uniform?: { rows: StripRow[] } }>('api/file/stripping')]);
  if (t !== token) return { renderers: [] };
  const rows = (doc.uniform?.rows ?? doc.rows).filter((r) => r.removed_depth_um !== undefined);
  const curveRows = doc.rows;
  const maxT = percentile(data, 0.995);
  let step = Math.max(0, Math.min(rows.length - 1, Math.round(numParam('step', Math.floor(rows.length * 0.6)))));
  const compose = () => {
    const depth = rows[step]?.removed_depth_um ?? 0;
    const rgba = new Uint8Array(data.length * 4);
    let depleted = 0;
    let mapped = 0;
    let over = false;
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      let c: RGB;
      if (!Number.isFinite(v) || v < 0) c = [150, 150, 150];
      else {
        mapped++;
        const rem = v - depth;
        if (rem <= 0) {
          depleted++;
          c = DEPLETED;
        } else {
          if (rem > maxT) over = true;
          c = colormap('viridis', rem / (maxT || 1));
        }
      }
      rgba[4 * i] = c[0];
      rgba[4 * i + 1] = c[1];
      rgba[4 * i + 2] = c[2];
      rgba[4 * i + 3] = 255;
    }
    return { rgba, depletedFraction: mapped ? depleted / mapped : 0, over };
  };
  let composed = compose();
  const actor = mapImage(info, composed.rgba);
  section('Stripping replay');
  slider('strip-step', 'step', 0, Math.max(0, rows.length - 1), 1, step, (v) => {
    step = v;
    composed = compose();
    setRgba(actor, composed.rgba);
    render();
  });
  note(`${rows.length} steps (uniform stripping by removed depth; stripping.json mode ${doc.mode ?? 'uniform'}). Black: depleted (no Li left); colour: remaining Li thickness (the bar's triangle: some is thicker than its top).`);
  const row = () => rows[step];
  return {
    renderers: [mainRenderer],
    vtkRect: [0, 0, 0.47, 1],
    chartRect: [0.57, 0, 0.43, 1],
    overlay(ctx, w, h) {
      const s = Math.max(1, Math.min(w, h) / 600);
      const r = row();
      drawTitle(ctx, `Step ${r?.step ?? 0}: stripped ${fmt((r?.stripped_fraction ?? 0) * 100)} %, depth ${fmt(r?.removed_depth_um ?? 0)} µm`, 12, 24 * s, s);
      drawColorBar(ctx, w + 10 * s, 70 * s, Math.min(220 * s, h - 200 * s), 'viridis', 0, maxT, 'remaining µm', s, [{ color: DEPLETED, text: `depleted ${fmt(composed.depletedFraction * 100)} %` }], composed.over);
      drawScaleBar(ctx, mainRenderer, 18, h - 22 * s, s);
    },
    chart(ctx, w, h) {
      const r = row();
      const spec: ChartSpec = {
        title: `Active area, current multiplier (${r?.islands ?? 0} Li islands)`,
        xLabel: 'stripped fraction of the Li',
        yLabel: 'active area fraction',
        y2Label: 'current multiplier 1/active',
        series: [
          { label: 'active fraction', color: '#1f77b4', x: curveRows.map((q) => q.stripped_fraction), y: curveRows.map((q) => q.active_fraction) },
          { label: 'current multiplier', color: '#ff7f0e', axis: 'right', dashed: true, x: curveRows.map((q) => q.stripped_fraction), y: curveRows.map((q) => (Number.isFinite(q.current_multiplier) ? q.current_multiplier : Number.NaN)) },
        ],
        markerX: r?.stripped_fraction,
        yMin: 0,
        yMax: 1,
        y2Max: 20,
      };
      drawChart(ctx, 0, 0, w, h, spec);
    },
    pick(cx, cy) {
      return mapPick(info, cx, cy, (k) => {
        const v = data[k];
        const rem = v - (row()?.removed_depth_um ?? 0);
        return `initial ${fmt(v)} µm, remaining ${rem > 0 ? `${fmt(rem)} µm` : '0 (depleted)'}`;
      });
    },
    resize() {
      fitMap(info);
    },
    dispose() {
      mainRenderer.removeActor(actor);
    },
  };
}
