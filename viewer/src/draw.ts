/**
 * 2D annotations drawn on the overlay canvas over a view: title, scale bar (µm, from the camera)
 * and colour bar. Reads no run-folder file.
 */
import type vtkRenderer from '@kitware/vtk.js/Rendering/Core/Renderer';
import { colormap, fmt, niceLength, type ColormapName, type RGB } from './colors';
import { umPerPixel, viewportPixels } from './scene';

export function drawScaleBar(ctx: CanvasRenderingContext2D, ren: vtkRenderer, x: number, y: number, scale = 1): void {
  const upp = umPerPixel(ren);
  const [vw] = viewportPixels(ren);
  const len = niceLength(upp * vw * 0.25);
  const px = len / upp;
  ctx.save();
  ctx.fillStyle = 'rgba(255,255,255,0.8)';
  ctx.fillRect(x - 6, y - 22 * scale, px + 12, 30 * scale);
  ctx.fillStyle = '#111';
  ctx.fillRect(x, y, px, 4 * scale);
  ctx.font = `${Math.round(12 * scale)}px system-ui, sans-serif`;
  ctx.textAlign = 'center';
  ctx.fillText(`${len} µm`, x + px / 2, y - 6 * scale);
  ctx.restore();
}

/**
 * Vertical colour bar from lo (bottom) to hi (top). `over`: some values exceed hi and are drawn in
 * the top colour; a triangle in that colour on top of the bar says so (matplotlib's extend='max').
 */
export function drawColorBar(ctx: CanvasRenderingContext2D, x: number, y: number, h: number, map: ColormapName, lo: number, hi: number, label: string, scale = 1, extra?: { color: RGB; text: string }[], over = false): void {
  const bw = 16 * scale;
  const tri = 13 * scale;
  ctx.save();
  ctx.fillStyle = 'rgba(255,255,255,0.85)';
  ctx.fillRect(x - 8 * scale, y - 34 * scale, 96 * scale, h + 48 * scale + (extra?.length ?? 0) * 20 * scale);
  for (let i = 0; i < h; i++) {
    const [r, g, b] = colormap(map, 1 - i / (h - 1));
    ctx.fillStyle = `rgb(${r | 0},${g | 0},${b | 0})`;
    ctx.fillRect(x, y + i, bw, 1.5);
  }
  ctx.strokeStyle = '#333';
  ctx.strokeRect(x, y, bw, h);
  if (over) {
    const [r, g, b] = colormap(map, 1);
    ctx.beginPath();
    ctx.moveTo(x, y - 1);
    ctx.lineTo(x + bw / 2, y - 1 - tri);
    ctx.lineTo(x + bw, y - 1);
    ctx.closePath();
    ctx.fillStyle = `rgb(${r},${g},${b})`;
    ctx.fill();
    ctx.stroke();
  }
  ctx.fillStyle = '#111';
  ctx.font = `${Math.round(11 * scale)}px system-ui, sans-serif`;
  ctx.textBaseline = 'middle';
  for (let k = 0; k <= 4; k++) {
    const v = lo + ((hi - lo) * k) / 4;
    ctx.fillText(k === 4 && over ? `≥ ${fmt(v)}` : fmt(v), x + bw + 5 * scale, y + h - (h * k) / 4);
  }
  ctx.font = `600 ${Math.round(11 * scale)}px system-ui, sans-serif`;
  ctx.textBaseline = 'alphabetic';
  ctx.fillText(label, x - 2 * scale, y - 18 * scale);
  (extra ?? []).forEach((e, i) => {
    const yy = y + h + 12 * scale + i * 20 * scale;
    ctx.fillStyle = `rgb(${e.color.join(',')})`;
    ctx.fillRect(x, yy, bw, 12 * scale);
    ctx.fillStyle = '#111';
    ctx.font = `${Math.round(11 * scale)}px system-ui, sans-serif`;
    ctx.fillText(e.text, x + bw + 5 * scale, yy + 10 * scale);
  });
  ctx.restore();
}

export function drawTitle(ctx: CanvasRenderingContext2D, text: string, x: number, y: number, scale = 1): void {
  ctx.save();
  ctx.font = `600 ${Math.round(14 * scale)}px system-ui, sans-serif`;
  const tw = ctx.measureText(text).width;
  ctx.fillStyle = 'rgba(255,255,255,0.8)';
  ctx.fillRect(x - 4, y - 16 * scale, tw + 8, 22 * scale);
  ctx.fillStyle = '#111';
  ctx.fillText(text, x, y);
  ctx.restore();
}
