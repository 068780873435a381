/**
 * Change view (series folders): the Li thickness change from scan 0 of the frame the time slider
 * picks, per column of scan 0's frame — blue where Li was stripped, red where it was deposited,
 * white unchanged, grey where it was not measured. Frame 0 is the reference (no map).
 * Reads scan<k>/thickness_change_um.tif (api/map/thickness_change?frame=k, ≤ 1024 px per axis).
 */
import { getMap, type MapInfo } from '../api';
import { fmt, percentile, type RGB } from '../colors';
import { drawScaleBar, drawTitle } from '../draw';
import { fitMap, mainRenderer, mapImage, mapPick, type ViewHooks } from '../scene';
import { frame, numParam, run, token } from '../state';
import { note, section } from '../ui';

/** Blue (−1) → white (0) → red (+1), clamped; the diverging map of a signed change. */
export function diverging(t: number): RGB {
  const u = Math.max(-1, Math.min(1, t));
  return u < 0 ? [Math.round(255 * (1 + u) + 40 * -u), Math.round(255 * (1 + u) + 90 * -u), 255 - Math.round(75 * -u)] : [255 - Math.round(75 * u), Math.round(255 * (1 - u) + 40 * u), Math.round(255 * (1 - u) + 40 * u)];
}

function legend(ctx: CanvasRenderingContext2D, x: number, y: number, h: number, range: number, s: number): void {
  const w = 18 * s;
  for (let i = 0; i < h; i++) {
    const c = diverging(1 - (2 * i) / (h - 1));
    ctx.fillStyle = `rgb(${c.join(',')})`;
    ctx.fillRect(x, y + i, w, 1);
  }
  ctx.strokeStyle = '#333';
  ctx.strokeRect(x, y, w, h);
  ctx.fillStyle = '#111';
  ctx.font = `${12 * s}px system-ui, sans-serif`;
  ctx.fillText(`+${fmt(range)} deposited`, x + w + 6 * s, y + 10 * s);
  ctx.fillText('0', x + w + 6 * s, y + h / 2 + 4 * s);
  ctx.fillText(`−${fmt(range)} stripped`, x + w + 6 * s, y + h);
  ctx.fillText('Δ thickness µm', x, y - 8 * s);
}

export async function viewChange(t: number): Promise<ViewHooks> {
  const frames = run.series?.frames ?? [];
  const f = frames[frame];
  const charge = f?.charge_mah_cm2 ?? null;
  const when = `scan ${frame}${charge !== null ? ` (${fmt(charge)} mAh/cm²)` : ''}`;
  section('Thickness change');
  if (!f?.change) {
    note(frame === 0 ? 'scan 0 is the reference: move the time slider to a later scan to see its Li thickness change from scan 0' : `no change map for ${when}`);
    return {
      renderers: [mainRenderer],
      vtkRect: [0, 0, 1, 1],
      overlay(ctx, w, h) {
        const s = Math.max(1, Math.min(w, h) / 700);
        drawTitle(ctx, `Li thickness change from scan 0: ${when} — ${frame === 0 ? 'the reference, no change' : 'no map'}`, 14, 26 * s, s);
      },
    };
  }
  const { info, data }: { info: MapInfo; data: Float32Array } = await getMap('thickness_change', 1024, frame);
  if (t !== token) return { renderers: [] };
  const range = numParam('range', Math.max(1e-6, Math.abs(percentile(data, 0.01)), Math.abs(percentile(data, 0.99))));
  const rgba = new Uint8Array(data.length * 4);
  let stripped = 0;
  let deposited = 0;
  let n = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    const c: RGB = Number.isFinite(v) ? diverging(v / range) : [150, 150, 150];
    if (Number.isFinite(v)) {
      n++;
      if (v < 0) stripped++;
      else if (v > 0) deposited++;
    }
    rgba.set([c[0], c[1], c[2], 255], 4 * i);
  }
  const actor = mapImage(info, rgba);
  note(`${when}: Li thickness change from scan 0 per column (thickness_change_um.tif of scan${frame}/); blue stripped, red deposited, grey not measured. Thinner on ${fmt((100 * stripped) / (n || 1))} % of the columns, thicker on ${fmt((100 * deposited) / (n || 1))} %.`);
  return {
    renderers: [mainRenderer],
    vtkRect: [0, 0, 1, 1],
    overlay(ctx, w, h) {
      const s = Math.max(1, Math.min(w, h) / 700);
      drawTitle(ctx, `Li thickness change from scan 0: ${when}`, 14, 26 * s, s);
      legend(ctx, w - 150 * s, 70 * s, Math.min(260 * s, h - 150 * s), range, s);
      drawScaleBar(ctx, mainRenderer, 20, h - 24 * s, s);
    },
    pick(cx, cy) {
      return mapPick(info, cx, cy, (k) => `Δ thickness ${fmt(data[k])} µm (${when})`);
    },
    resize() {
      fitMap(info);
    },
    dispose() {
      mainRenderer.removeActor(actor);
    },
  };
}
