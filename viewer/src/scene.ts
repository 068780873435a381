/**
 * The vtk.js render window shared by all views, the current view's hooks, and the stage layout:
 * where the WebGL canvas, the chart canvas and the 2D overlay sit, rendering, camera and picking
 * helpers, and RGBA image actors for 2D slices and maps. Reads no run-folder file.
 */
// vtk.js registers its WebGL implementations through these side-effect imports; they must run
// before the render window below is created.
import '@kitware/vtk.js/Rendering/Profiles/Volume';
import '@kitware/vtk.js/Rendering/Profiles/Geometry';
import vtkGenericRenderWindow from '@kitware/vtk.js/Rendering/Misc/GenericRenderWindow';
import type vtkRenderer from '@kitware/vtk.js/Rendering/Core/Renderer';
import vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray';
import vtkImageMapper from '@kitware/vtk.js/Rendering/Core/ImageMapper';
import vtkImageSlice from '@kitware/vtk.js/Rendering/Core/ImageSlice';
import vtkInteractorStyleImage from '@kitware/vtk.js/Interaction/Style/InteractorStyleImage';
import vtkInteractorStyleTrackballCamera from '@kitware/vtk.js/Interaction/Style/InteractorStyleTrackballCamera';
import type { MapInfo } from './api';
import { fmt } from './colors';
import { chart, overlay, stage, vtkDiv } from './state';

export const grw = vtkGenericRenderWindow.newInstance({ background: [1, 1, 1], listenWindowResize: false });
grw.setContainer(vtkDiv);
export const renderWindow = grw.getRenderWindow();
export const glView = grw.getApiSpecificRenderWindow();
export const interactor = grw.getInteractor();
export const mainRenderer = grw.getRenderer();
/** Software rasteriser (SwiftShader, llvmpipe)? Then expensive defaults (volume shading) are turned off. */
export const softwareGl = (() => {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return false;
  const ext = gl.getExtension('WEBGL_debug_renderer_info');
  const name = String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return /swiftshader|llvmpipe|software/i.test(name);
})();
export const styleImage = vtkInteractorStyleImage.newInstance();
export const style3D = vtkInteractorStyleTrackballCamera.newInstance();

/** Per-view hooks: overlay drawing, cursor readout, teardown. */
export interface ViewHooks {
  renderers: vtkRenderer[];
  vtkRect?: [number, number, number, number]; // fractions of the stage: x, y, w, h
  chartRect?: [number, number, number, number];
  overlay?(ctx: CanvasRenderingContext2D, w: number, h: number): void;
  chart?(ctx: CanvasRenderingContext2D, w: number, h: number): void;
  pick?(x: number, y: number): string | null;
  dispose?(): void;
  /** After the stage is laid out (first show, window resize, PNG export at another size): fit cameras. */
  resize?(): void;
}
export let hooks: ViewHooks = { renderers: [mainRenderer] };
export function setHooks(h: ViewHooks): void {
  hooks = h;
}

/* ---------------- layout, rendering, overlays ---------------- */

export function stageSize(): [number, number] {
  const r = stage.getBoundingClientRect();
  return [Math.max(1, Math.round(r.width)), Math.max(1, Math.round(r.height))];
}

export function layout(): void {
  const [w, h] = stageSize();
  const place = (el: HTMLElement, rect: [number, number, number, number] | undefined) => {
    if (!rect) {
      el.style.display = 'none';
      return;
    }
    el.style.display = '';
    el.style.left = `${Math.round(rect[0] * w)}px`;
    el.style.top = `${Math.round(rect[1] * h)}px`;
    el.style.width = `${Math.round(rect[2] * w)}px`;
    el.style.height = `${Math.round(rect[3] * h)}px`;
  };
  place(vtkDiv, hooks.vtkRect);
  place(chart, hooks.chartRect);
  place(overlay, [0, 0, 1, 1]);
  overlay.width = w;
  overlay.height = h;
  if (hooks.chartRect) {
    chart.width = Math.round(hooks.chartRect[2] * w);
    chart.height = Math.round(hooks.chartRect[3] * h);
  }
  if (hooks.vtkRect) grw.resize();
  hooks.resize?.();
}

export function drawOverlays(): void {
  const [w, h] = stageSize();
  const ctx = overlay.getContext('2d')!;
  ctx.clearRect(0, 0, w, h);
  if (hooks.overlay) {
    ctx.save();
    const r = hooks.vtkRect ?? [0, 0, 1, 1];
    ctx.translate(r[0] * w, r[1] * h);
    hooks.overlay(ctx, r[2] * w, r[3] * h);
    ctx.restore();
  }
  if (hooks.chart && hooks.chartRect) {
    const c = chart.getContext('2d')!;
    c.clearRect(0, 0, chart.width, chart.height);
    hooks.chart(c, chart.width, chart.height);
  }
}

export function render(): void {
  if (hooks.vtkRect) renderWindow.render();
  drawOverlays();
}

/** World units (µm) per CSS pixel for a parallel-projection renderer. */
export function umPerPixel(ren: vtkRenderer): number {
  const cam = ren.getActiveCamera();
  const [vw, vh] = viewportPixels(ren);
  void vw;
  return (2 * cam.getParallelScale()) / vh;
}
export function viewportPixels(ren: vtkRenderer): [number, number] {
  const vp = ren.getViewport();
  const el = vtkDiv.getBoundingClientRect();
  return [(vp[2] - vp[0]) * el.width, (vp[3] - vp[1]) * el.height];
}

/** Ray through a display point (CSS px, relative to the vtk container) for a parallel camera. */
export function pickRay(ren: vtkRenderer, cx: number, cy: number): { origin: number[]; dir: number[] } | null {
  const el = vtkDiv.getBoundingClientRect();
  const vp = ren.getViewport();
  const nx = cx / el.width;
  const ny = 1 - cy / el.height;
  if (nx < vp[0] || nx > vp[2] || ny < vp[1] || ny > vp[3]) return null;
  const u = ((nx - vp[0]) / (vp[2] - vp[0])) * 2 - 1;
  const v = ((ny - vp[1]) / (vp[3] - vp[1])) * 2 - 1;
  const { f, dir, r, u: u2, hs, dl } = cameraBasis(ren);
  const [vw, vh] = viewportPixels(ren);
  const ws = (hs * vw) / vh;
  const origin = [0, 1, 2].map((i) => f[i] + r[i] * u * ws + u2[i] * v * hs - dir[i] * dl * 2);
  return { origin, dir };
}

export function setupParallelCamera(ren: vtkRenderer, dir: number[], up: number[]): void {
  const cam = ren.getActiveCamera();
  cam.setParallelProjection(true);
  cam.setFocalPoint(0, 0, 0);
  cam.setPosition(-dir[0], -dir[1], -dir[2]);
  cam.setViewUp(up[0], up[1], up[2]);
  ren.resetCamera();
}

/** Camera basis of a renderer: focal point, view direction, screen right and up (unit vectors), distance to the focal point. */
function cameraBasis(ren: vtkRenderer) {
  const cam = ren.getActiveCamera();
  const f = cam.getFocalPoint();
  const p = cam.getPosition();
  const up = cam.getViewUp();
  const d = [f[0] - p[0], f[1] - p[1], f[2] - p[2]];
  const dl = Math.hypot(d[0], d[1], d[2]);
  const dir = d.map((c) => c / dl);
  const right = [dir[1] * up[2] - dir[2] * up[1], dir[2] * up[0] - dir[0] * up[2], dir[0] * up[1] - dir[1] * up[0]];
  const rl = Math.hypot(right[0], right[1], right[2]);
  const r = right.map((c) => c / rl);
  const u = [r[1] * dir[2] - r[2] * dir[1], r[2] * dir[0] - r[0] * dir[2], r[0] * dir[1] - r[1] * dir[0]];
  return { f, dir, r, u, hs: cam.getParallelScale(), dl };
}

/** Where a world point appears (CSS px relative to the vtk container) under a parallel camera. */
export function toDisplay(ren: vtkRenderer, p: number[]): [number, number] {
  const el = vtkDiv.getBoundingClientRect();
  const vp = ren.getViewport();
  const { f, r, u, hs } = cameraBasis(ren);
  const [vw, vh] = viewportPixels(ren);
  const ws = (hs * vw) / vh;
  const q = [p[0] - f[0], p[1] - f[1], p[2] - f[2]];
  const a = (q[0] * r[0] + q[1] * r[1] + q[2] * r[2]) / ws;
  const b = (q[0] * u[0] + q[1] * u[1] + q[2] * u[2]) / hs;
  const nx = vp[0] + ((a + 1) / 2) * (vp[2] - vp[0]);
  const ny = vp[1] + ((b + 1) / 2) * (vp[3] - vp[1]);
  return [nx * el.width, (1 - ny) * el.height];
}

/**
 * Show the whole of a cols × rows image (cell size sx × sy, cell (0, 0) centred at the origin) in
 * the renderer's viewport, as large as it fits (contain), centred; the view direction is kept.
 */
export function fitImage(ren: vtkRenderer, cols: number, rows: number, sx: number, sy: number, margin = 1.03): void {
  const [vw, vh] = viewportPixels(ren);
  if (!(vw > 0 && vh > 0)) return;
  const w = cols * sx;
  const h = rows * sy;
  const cam = ren.getActiveCamera();
  const { dir } = cameraBasis(ren);
  const c = [((cols - 1) * sx) / 2, ((rows - 1) * sy) / 2, 0];
  const dist = Math.max(w, h) * 2 + 1;
  cam.setFocalPoint(c[0], c[1], c[2]);
  cam.setPosition(c[0] - dir[0] * dist, c[1] - dir[1] * dist, c[2] - dir[2] * dist);
  cam.setParallelScale((Math.max(h, (w * vh) / vw) / 2) * margin);
  ren.resetCameraClippingRange();
}

/* ---------------- 2D images (slices, maps) ---------------- */

export function rgbaImage(cols: number, rows: number, rgba: Uint8Array, spacing: [number, number]): vtkImageData {
  const img = vtkImageData.newInstance();
  img.setDimensions(cols, rows, 1);
  img.setSpacing([spacing[0], spacing[1], 1]);
  img.getPointData().setScalars(vtkDataArray.newInstance({ numberOfComponents: 4, values: rgba, name: 'rgba' }));
  return img;
}
export function imageActor(img: vtkImageData): vtkImageSlice {
  const mapper = vtkImageMapper.newInstance();
  mapper.setInputData(img);
  const actor = vtkImageSlice.newInstance();
  actor.setMapper(mapper);
  const prop = actor.getProperty();
  prop.setIndependentComponents(false);
  prop.setColorWindow(255);
  prop.setColorLevel(127.5);
  prop.setInterpolationTypeToNearest();
  return actor;
}
export function setRgba(actor: vtkImageSlice, rgba: Uint8Array): void {
  const img = actor.getMapper().getInputData();
  img.getPointData().getScalars().setData(rgba, 4);
  img.modified();
}

/** Camera of the 2D images: x to the right, row 0 at the top (as in the TIFF and the report's figures). */
export const IMAGE_VIEW = { dir: [0, 0, 1], up: [0, -1, 0] } as const;

/** A 2D map shown as an RGBA image in the main renderer (x right, row 0 at the top like the TIFF). */
export function mapImage(info: MapInfo, rgba: Uint8Array): vtkImageSlice {
  const px = info.pixel_um ?? [1, 1];
  const actor = imageActor(rgbaImage(info.shape[1], info.shape[0], rgba, [px[1], px[0]]));
  mainRenderer.addActor(actor);
  setupParallelCamera(mainRenderer, [...IMAGE_VIEW.dir], [...IMAGE_VIEW.up]);
  interactor.setInteractorStyle(styleImage);
  return actor;
}
/** Fit a map shown by mapImage into the main renderer (the whole map, centred). */
export function fitMap(info: MapInfo): void {
  const px = info.pixel_um ?? [1, 1];
  fitImage(mainRenderer, info.shape[1], info.shape[0], px[1], px[0], 1.05);
}
export function mapPick(info: MapInfo, cx: number, cy: number, what: (k: number) => string): string | null {
  const ray = pickRay(mainRenderer, cx, cy);
  if (!ray) return null;
  const px = info.pixel_um ?? [1, 1];
  const c = Math.floor(ray.origin[0] / px[1] + 0.5);
  const r = Math.floor(ray.origin[1] / px[0] + 0.5);
  if (c < 0 || r < 0 || c >= info.shape[1] || r >= info.shape[0]) return 'outside the map';
  return `x ${fmt(c * px[1])} µm, y ${fmt(r * px[0])} µm (pixel ${c}, ${r}): ${what(r * info.shape[1] + c)}`;
}
