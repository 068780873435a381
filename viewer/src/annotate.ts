/**
 * Annotate mode of the slices view (issue #18 point 4): a phase picker in the report's phase
 * colours, a brush of a radius, an eraser and undo of the last strokes. A stroke paints the voxels
 * of the slice under the cursor (brush.ts), shows them at once as a translucent layer in the phase
 * colour, and is saved when the button is released (api/annotations: edit runs, written by the
 * server into the run's annotations.tif). Retrain reruns `buried run` with them (api/retrain) and
 * reloads the labels. Reads the annotation slices (api/slice/annotations) of the planes shown.
 */
import type vtkRenderer from '@kitware/vtk.js/Rendering/Core/Renderer';
import { getBytes, getJson, post, type AnnotationInfo, type RetrainStatus } from './api';
import { brushPixels, encodeRuns, planeToVoxel, voxelIndex, type Axis, type Shape3 } from './brush';
import { PHASES, phaseColor } from './colors';
import { pickRay, toDisplay } from './scene';
import { controls, readout, stage, vtkDiv } from './state';
import { checkbox, note, section, slider } from './ui';

/** Annotation value k = phase code k − 1: the cell's phases and "outside the cell". */
const PICKABLE = [...PHASES.map((p) => ({ code: p.code, name: p.name })), { code: 5, name: 'outside the cell' }];

export interface AnnotateHost {
  shape: Shape3;
  axes: readonly Axis[];
  idx: Record<Axis, number>;
  renderers: vtkRenderer[];
  /** cols, rows, µm per column, µm per row of each plane. */
  dims: Record<Axis, readonly [number, number, number, number]>;
  /** Rebuild the picture of a plane (after its annotation slice changed). */
  recompose(a: Axis): void;
  render(): void;
  /** Load the labels of every plane again (after a retrain). */
  reload(): Promise<void>;
}

interface Stroke {
  /** voxel → value before the stroke (for undo) */
  prev: Map<number, number>;
  /** voxel → value painted */
  edits: Map<number, number>;
}

export class Annotator {
  active = false;
  visible = true;
  alpha = 0.85;
  /** Annotation value painted: phase code + 1. */
  value = 2;
  eraser = false;
  radius = 3;
  readonly slices: Partial<Record<Axis, Uint8Array>> = {};
  private undo: Stroke[] = [];
  private stroke: (Stroke & { plane: number; last: [number, number] }) | null = null;
  private cursor: { plane: number; c: number; r: number } | null = null;
  private status: HTMLElement | null = null;
  private saving: Promise<void> = Promise.resolve();
  private detach: (() => void) | null = null;

  constructor(private readonly host: AnnotateHost) {}

  async load(a: Axis): Promise<void> {
    const b = await getBytes(`api/slice/annotations?axis=${a}&index=${this.host.idx[a]}`);
    this.slices[a] = new Uint8Array(b.buf);
  }

  /** RGB of pixel i of plane a with its annotation blended over (unchanged when there is none). */
  blend(a: Axis, i: number, rgb: [number, number, number]): [number, number, number] {
    const v = this.visible ? this.slices[a]?.[i] ?? 0 : 0;
    if (!v) return rgb;
    const c = phaseColor(v - 1);
    const k = this.alpha;
    return [rgb[0] * (1 - k) + c[0] * k, rgb[1] * (1 - k) + c[1] * k, rgb[2] * (1 - k) + c[2] * k];
  }

  /** The side-panel controls; `info` from api/annotations. */
  panel(info: AnnotationInfo): void {
    section('Annotate');
    checkbox('annotate-on', 'annotate (left button paints; wheel zooms, right button pans)', this.active, (v) => {
      this.active = v;
      vtkDiv.style.cursor = v ? 'crosshair' : '';
      this.host.render();
    });
    const picker = document.createElement('div');
    picker.id = 'annotate-phases';
    const buttons: HTMLButtonElement[] = [];
    const choose = (b: HTMLButtonElement, value: number | null) => {
      this.eraser = value === null;
      if (value !== null) this.value = value;
      buttons.forEach((x) => x.classList.toggle('active', x === b));
    };
    for (const p of [...PICKABLE, null]) {
      const b = document.createElement('button');
      b.className = 'phase';
      b.dataset.value = p ? String(p.code + 1) : '0';
      const sw = document.createElement('span');
      sw.className = 'swatch';
      sw.style.background = p ? `rgb(${phaseColor(p.code).join(',')})` : 'repeating-linear-gradient(45deg,#fff 0 3px,#999 3px 6px)';
      b.append(sw, document.createTextNode(p ? p.name : 'eraser'));
      b.addEventListener('click', () => choose(b, p ? p.code + 1 : null));
      buttons.push(b);
      picker.appendChild(b);
    }
    controls.appendChild(picker);
    choose(buttons[this.value - 1], this.value);
    slider('annotate-radius', 'brush radius', 0, 25, 1, this.radius, (v) => (this.radius = v), (v) => `${v} vx`);
    slider('annotate-alpha', 'strokes opacity', 0, 1, 0.05, this.alpha, (v) => {
      this.alpha = v;
      this.recomposeAll();
    });
    checkbox('annotate-show', 'show strokes', true, (v) => {
      this.visible = v;
      this.recomposeAll();
    });
    const row = document.createElement('div');
    row.className = 'buttons';
    const undo = document.createElement('button');
    undo.id = 'annotate-undo';
    undo.textContent = 'Undo stroke';
    undo.addEventListener('click', () => void this.undoLast());
    const until = document.createElement('select');
    until.id = 'retrain-until';
    for (const [v, t] of [['', `all stages${info.retrain.until ? ` (to ${info.retrain.until})` : ''}`], ['thickness', 'segment + thickness'], ['segment', 'segment only']]) {
      const o = document.createElement('option');
      o.value = v;
      o.textContent = t;
      until.appendChild(o);
    }
    const retrain = document.createElement('button');
    retrain.id = 'retrain';
    retrain.textContent = 'Retrain';
    retrain.disabled = !info.retrain.available;
    retrain.title = info.retrain.available ? `rerun buried run on ${info.retrain.input} with these annotations` : info.retrain.reason ?? '';
    retrain.addEventListener('click', () => void this.retrain(retrain, until.value));
    row.append(undo, retrain, until);
    controls.appendChild(row);
    this.status = note(`${info.note}; ${this.countText(info.counts)}${info.retrain.available ? '' : `. Retrain unavailable: ${info.retrain.reason}`}`);
    this.status.id = 'annotate-status';
    this.detach = this.attach();
  }

  private countText(counts: number[]): string {
    const parts = counts.map((n, k) => (n ? `${PICKABLE[k].name} ${n}` : '')).filter(Boolean);
    return parts.length ? `annotated voxels: ${parts.join(', ')}` : 'nothing annotated yet';
  }

  private say(text: string): void {
    if (this.status) this.status.textContent = text;
  }

  private recomposeAll(): void {
    for (const a of this.host.axes) this.host.recompose(a);
    this.host.render();
  }

  /** Plane and in-plane pixel (integer, may lie outside) under a point of the vtk container. */
  private at(cx: number, cy: number, only?: number): { plane: number; c: number; r: number } | null {
    for (let i = 0; i < this.host.axes.length; i++) {
      if (only !== undefined && i !== only) continue;
      const ray = pickRay(this.host.renderers[i], cx, cy);
      if (!ray) continue;
      const [, , sx, sy] = this.host.dims[this.host.axes[i]];
      return { plane: i, c: Math.floor(ray.origin[0] / sx + 0.5), r: Math.floor(ray.origin[1] / sy + 0.5) };
    }
    return null;
  }

  /** Set voxel `idx` (at pixel (c, r) of plane a) in every loaded plane that shows it. */
  private setVoxel(z: number, y: number, x: number, v: number): void {
    const [, ny, nx] = this.host.shape;
    const { idx } = this.host;
    if (z === idx.z && this.slices.z) this.slices.z[y * nx + x] = v;
    if (y === idx.y && this.slices.y) this.slices.y[z * nx + x] = v;
    if (x === idx.x && this.slices.x) this.slices.x[z * ny + y] = v;
  }

  private paint(plane: number, c0: number, r0: number, c1: number, r1: number): void {
    const s = this.stroke;
    const a = this.host.axes[plane];
    const plan = this.slices[a];
    if (!s || !plan) return;
    const [cols, rows] = this.host.dims[a];
    const v = this.eraser ? 0 : this.value;
    for (const [c, r] of brushPixels(cols, rows, c0, r0, c1, r1, this.radius)) {
      const [z, y, x] = planeToVoxel(a, this.host.idx[a], c, r);
      const k = voxelIndex(this.host.shape, z, y, x);
      if (!s.prev.has(k)) s.prev.set(k, plan[r * cols + c]);
      s.edits.set(k, v);
      this.setVoxel(z, y, x, v);
    }
  }

  private attach(): () => void {
    let frame = 0;
    const redraw = (a: Axis | null) => {
      if (frame) return;
      frame = requestAnimationFrame(() => {
        frame = 0;
        if (a) this.host.recompose(a);
        this.host.render();
      });
    };
    const local = (ev: PointerEvent): [number, number] => {
      const r = vtkDiv.getBoundingClientRect();
      return [ev.clientX - r.left, ev.clientY - r.top];
    };
    // capture phase on the stage: a left press while annotating never reaches vtk.js (no panning)
    const down = (ev: PointerEvent) => {
      if (!this.active || ev.button !== 0) return;
      const p = this.at(...local(ev));
      if (!p) return;
      ev.stopPropagation();
      ev.preventDefault();
      this.stroke = { prev: new Map(), edits: new Map(), plane: p.plane, last: [p.c, p.r] };
      this.paint(p.plane, p.c, p.r, p.c, p.r);
      redraw(this.host.axes[p.plane]);
    };
    const move = (ev: PointerEvent) => {
      if (!this.active) return;
      const s = this.stroke;
      const p = this.at(...local(ev), s?.plane);
      this.cursor = p;
      if (s && p) {
        this.paint(s.plane, s.last[0], s.last[1], p.c, p.r);
        s.last = [p.c, p.r];
        redraw(this.host.axes[s.plane]);
      } else {
        redraw(null);
      }
    };
    const up = () => {
      const s = this.stroke;
      if (!s) return;
      this.stroke = null;
      this.recomposeAll();
      if (!s.edits.size) return;
      this.undo.push(s);
      if (this.undo.length > 50) this.undo.shift();
      this.save(s.edits, s.prev);
    };
    stage.addEventListener('pointerdown', down, true);
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
    return () => {
      stage.removeEventListener('pointerdown', down, true);
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      vtkDiv.style.cursor = '';
    };
  }

  /** Send edits (in order after the saves before); on failure put `revert` back on screen. */
  private save(edits: Map<number, number>, revert: Map<number, number>): void {
    this.saving = this.saving.then(async () => {
      this.say(`saving ${edits.size} voxels…`);
      try {
        let last: { counts: number[]; copied_from: string | null } | null = null;
        for (const body of encodeRuns(edits, this.host.shape)) last = await post(`api/annotations`, body, 'application/octet-stream');
        const copied = last?.copied_from ? ` (copied from ${last.copied_from}, which is not modified)` : '';
        this.say(`saved to annotations.tif of the run${copied}; ${this.countText(last?.counts ?? [])}`);
      } catch (err) {
        for (const [k, v] of revert) this.setIndex(k, v);
        this.recomposeAll();
        const msg = `not saved: ${(err as Error).message}`;
        this.say(msg);
        readout.textContent = msg;
      }
    });
  }

  private setIndex(k: number, v: number): void {
    const [, ny, nx] = this.host.shape;
    this.setVoxel(Math.floor(k / (ny * nx)), Math.floor(k / nx) % ny, k % nx, v);
  }

  private async undoLast(): Promise<void> {
    const s = this.undo.pop();
    if (!s) return this.say('nothing to undo');
    for (const [k, v] of s.prev) this.setIndex(k, v);
    this.recomposeAll();
    this.save(s.prev, s.edits);
  }

  private async retrain(button: HTMLButtonElement, until: string): Promise<void> {
    button.disabled = true;
    try {
      await this.saving;
      await post<RetrainStatus>('api/retrain', JSON.stringify(until ? { until } : {}), 'application/json');
      let st: RetrainStatus;
      do {
        await new Promise((r) => setTimeout(r, 500));
        st = await getJson<RetrainStatus>('api/retrain');
        this.say(`retraining… ${st.log[st.log.length - 1] ?? ''}`);
      } while (st.state === 'running');
      if (st.state === 'failed') throw new Error(st.error ?? 'retrain failed');
      await this.host.reload();
      const ran = st.stages.filter((s) => s.status === 'ran').map((s) => s.stage);
      this.say(`retrained in ${st.seconds ?? '?'} s (ran ${ran.join(', ') || 'nothing'}); labels reloaded${st.notes.length ? `; ${st.notes.join('; ')}` : ''}`);
    } catch (err) {
      const msg = `retrain: ${(err as Error).message}`;
      this.say(msg);
      readout.textContent = msg;
    } finally {
      button.disabled = false;
    }
  }

  /** The brush outline under the cursor (overlay canvas, CSS px of the vtk container). */
  overlay(ctx: CanvasRenderingContext2D): void {
    const p = this.cursor;
    if (!this.active || !p) return;
    const a = this.host.axes[p.plane];
    const [, , sx, sy] = this.host.dims[a];
    const ren = this.host.renderers[p.plane];
    const [cx, cy] = toDisplay(ren, [p.c * sx, p.r * sy, 0]);
    const [ex] = toDisplay(ren, [(p.c + this.radius + 0.5) * sx, p.r * sy, 0]);
    ctx.save();
    ctx.strokeStyle = this.eraser ? '#fff' : `rgb(${phaseColor(this.value - 1).join(',')})`;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.arc(cx, cy, Math.max(2, Math.abs(ex - cx)), 0, 2 * Math.PI);
    ctx.stroke();
    ctx.restore();
  }

  dispose(): void {
    this.detach?.();
  }
}

/** The annotator of the slices view, or null when the run cannot be annotated (no scan) or api/annotations fails (said in the panel). */
export async function annotator(host: AnnotateHost): Promise<{ annotator: Annotator; info: AnnotationInfo } | null> {
  try {
    const info = await getJson<AnnotationInfo>('api/annotations');
    const a = new Annotator(host);
    await Promise.all(host.axes.map((ax) => a.load(ax)));
    return { annotator: a, info };
  } catch (err) {
    section('Annotate');
    note(`annotating unavailable: ${(err as Error).message}`);
    return null;
  }
}
