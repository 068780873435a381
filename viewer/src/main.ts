/**
 * Viewer entry: builds the tabs from what api/run says the run folder holds, switches views
 * (each in views/), exports PNGs, and exposes window.buried for `buried figure` and the tests.
 * On a series folder a time slider in the header picks the frame (scan k) the views load.
 * Reads api/run (the run folder's file list); the views read their own files.
 */
// vtk.js rendering profiles first: they must be registered before any render window or mapper exists.
import '@kitware/vtk.js/Rendering/Profiles/Volume';
import '@kitware/vtk.js/Rendering/Profiles/Geometry';
import type vtkOpenGLRenderWindow from '@kitware/vtk.js/Rendering/OpenGL/RenderWindow';
import { getJson, type RunInfo } from './api';
import { $, chart, controls, frame, nextFrame, nextToken, numParam, overlay, params, readout, run, setFrame, setRun, stage, token, VIEW_TITLES, vtkDiv, W, type ViewName } from './state';
import { drawOverlays, glView, hooks, interactor, layout, mainRenderer, render, renderWindow, setHooks, stageSize, type ViewHooks } from './scene';
import { viewLabels } from './views/labels';
import { viewSlices } from './views/slices';
import { viewThickness } from './views/thickness';
import { viewStrip } from './views/strip';
import { viewCurrent } from './views/current';
import { viewFem } from './views/fem';
import { viewChange } from './views/change';
import { fmt } from './colors';

let current: ViewName = 'labels';

const VIEWS: Record<ViewName, (t: number) => Promise<ViewHooks>> = {
  labels: viewLabels,
  slices: viewSlices,
  thickness: viewThickness,
  strip: viewStrip,
  current: viewCurrent,
  fem: viewFem,
  change: viewChange,
};

/** The time slider's text: which scan and the charge passed up to it (series.json). */
function frameLabel(k: number): string {
  const f = run.series?.frames[k];
  const n = run.series?.frames.length ?? 1;
  return `scan ${k} of ${n - 1}${f && f.charge_mah_cm2 !== null ? ` · ${fmt(f.charge_mah_cm2)} mAh/cm²` : ''}`;
}

/** Show series frame k: the current view loads that frame's volumes / map again (the page stays). */
async function showFrame(k: number): Promise<void> {
  const n = run.series?.frames.length ?? 1;
  if (!Number.isInteger(k) || k < 0 || k >= n) throw new Error(`frame must be an integer in 0…${n - 1}, got ${k}`);
  setFrame(k);
  const input = document.getElementById('time') as HTMLInputElement | null;
  if (input) input.value = String(k);
  const label = document.getElementById('time-label');
  if (label) label.textContent = frameLabel(k);
  await setView(current);
}

/** The header's time slider over a series' frames (absent on a run folder). */
function timeSlider(): void {
  if (!run.series) return;
  const wrap = document.createElement('label');
  wrap.className = 'time';
  wrap.append('time ');
  const input = document.createElement('input');
  input.type = 'range';
  input.id = 'time';
  input.min = '0';
  input.max = String(run.series.frames.length - 1);
  input.step = '1';
  input.value = String(frame);
  const text = document.createElement('span');
  text.id = 'time-label';
  text.textContent = frameLabel(frame);
  input.addEventListener('input', () => void showFrame(Number(input.value)).catch(fail));
  wrap.append(input, text);
  $('tabs').after(wrap);
}

async function setView(name: ViewName): Promise<void> {
  if (!run.views[name]) throw new Error(`this run has no data for the ${name} view`);
  const t = nextToken();
  W.__buriedReady = false;
  hooks.dispose?.();
  setHooks({ renderers: [mainRenderer] });
  controls.replaceChildren();
  current = name;
  document.querySelectorAll('#tabs button').forEach((b) => b.classList.toggle('active', (b as HTMLElement).dataset.view === name));
  readout.textContent = `loading ${VIEW_TITLES[name]}…`;
  const h = await VIEWS[name](t);
  if (t !== token) {
    h.dispose?.();
    return;
  }
  setHooks(h);
  layout();
  render();
  await nextFrame();
  render();
  await nextFrame();
  readout.textContent = `${VIEW_TITLES[name]} — move the cursor over the picture for values`;
  W.__buriedReady = true;
}

/** Render the current view at w×h and composite the WebGL canvas, overlays and charts into one PNG. */
async function exportPng(w: number, h: number): Promise<string> {
  const oldW = stage.style.width;
  const oldH = stage.style.height;
  const oldFlex = stage.style.flex;
  const [cw, ch] = stageSize();
  const resize = cw !== w || ch !== h;
  if (resize) {
    stage.style.flex = 'none';
    stage.style.width = `${w}px`;
    stage.style.height = `${h}px`;
    layout();
  }
  const out = document.createElement('canvas');
  out.width = w;
  out.height = h;
  const ctx = out.getContext('2d')!;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  render();
  if (hooks.vtkRect) {
    const gl = vtkDiv.querySelector('canvas') as HTMLCanvasElement;
    renderWindow.render();
    ctx.drawImage(gl, hooks.vtkRect[0] * w, hooks.vtkRect[1] * h, hooks.vtkRect[2] * w, hooks.vtkRect[3] * h);
  }
  if (hooks.chartRect) ctx.drawImage(chart, hooks.chartRect[0] * w, hooks.chartRect[1] * h, hooks.chartRect[2] * w, hooks.chartRect[3] * h);
  ctx.drawImage(overlay, 0, 0, w, h);
  if (resize) {
    stage.style.width = oldW;
    stage.style.height = oldH;
    stage.style.flex = oldFlex;
    layout();
    render();
  }
  return out.toDataURL('image/png');
}

async function start(): Promise<void> {
  setRun(await getJson<RunInfo>('api/run'));
  if (run.series) setFrame(Math.max(0, Math.min(run.series.frames.length - 1, Math.round(numParam('frame', 0)))));
  timeSlider();
  const tabs = $('tabs');
  for (const name of Object.keys(VIEWS) as ViewName[]) {
    // a series folder has 3 views of 7 and the header needs room for its time slider: no disabled tabs there
    if (run.series && !run.views[name]) continue;
    const b = document.createElement('button');
    b.className = 'tab';
    b.dataset.view = name;
    b.id = `tab-${name}`;
    b.textContent = VIEW_TITLES[name];
    b.disabled = !run.views[name];
    b.addEventListener('click', () => void setView(name).catch(fail));
    tabs.appendChild(b);
  }
  $('export').addEventListener('click', () => {
    const w = Number(($('exp-w') as HTMLInputElement).value);
    const h = Number(($('exp-h') as HTMLInputElement).value);
    void exportPng(w, h).then((url) => {
      const a = document.createElement('a');
      a.href = url;
      a.download = `buried-${current}-${w}x${h}.png`;
      a.click();
    });
  });
  vtkDiv.addEventListener('mousemove', (ev) => {
    const r = vtkDiv.getBoundingClientRect();
    const text = hooks.pick?.(ev.clientX - r.left, ev.clientY - r.top);
    if (text) readout.textContent = text;
  });
  interactor.onAnimation(() => drawOverlays());
  interactor.onEndAnimation(() => drawOverlays());
  window.addEventListener('resize', () => {
    layout();
    render();
  });
  W.buried = {
    setView,
    exportPng,
    /** Milliseconds for one synchronous render + readback (diagnostics). */
    timeRender: () => {
      const t0 = performance.now();
      render();
      (glView as Partial<Pick<vtkOpenGLRenderWindow, 'getPixelData'>>).getPixelData?.(0, 0, 0, 0);
      return performance.now() - t0;
    }, pick: (x: number, y: number) => hooks.pick?.(x, y) ?? null, get view() { return current; }, get frame() { return frame; }, setFrame: showFrame };
  const first = (params.get('view') as ViewName | null) ?? (Object.keys(VIEWS) as ViewName[]).find((v) => run.views[v]) ?? 'labels';
  await setView(first);
}

function fail(err: unknown): void {
  const msg = (err as Error)?.message ?? String(err);
  W.__buriedError = msg;
  readout.textContent = `error: ${msg}`;
  console.error(err);
}

start().catch(fail);
