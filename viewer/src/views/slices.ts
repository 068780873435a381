/**
 * Slices view: three orthogonal full-resolution slices (xy, xz, yz) of the grey-level scan with
 * the phase labels blended over it, and a grey / label readout under the cursor. Each slice is
 * shown whole (fitted into its third of the stage), row 0 at the top as in the TIFF and the
 * report's slice figure, with magenta crosshairs where the other two planes cut it.
 * Reads the grey-level scan (the one manifest.json names, or --scan) and segment/labels.tif a slice
 * at a time (api/slice/scan, api/slice/labels); either may be absent (labels only, or scan only).
 * With a scan, annotate mode (annotate.ts) paints strokes on these slices.
 */
import vtkRenderer from '@kitware/vtk.js/Rendering/Core/Renderer';
import type vtkImageSlice from '@kitware/vtk.js/Rendering/Core/ImageSlice';
import { getBytes, getJson, type VolumeInfo } from '../api';
import { CROSSHAIR, fmt, percentile, phaseColor, phaseName } from '../colors';
import { drawScaleBar, drawTitle } from '../draw';
import { fitImage, IMAGE_VIEW, imageActor, interactor, mainRenderer, pickRay, render, renderWindow, rgbaImage, setRgba, setupParallelCamera, styleImage, toDisplay, type ViewHooks } from '../scene';
import { figureMode, frameQuery, nextFrame, numParam, run, token, W } from '../state';
import { note, section, slider } from '../ui';
import { annotator, type Annotator } from '../annotate';

/** The planes last shown, kept when the view is rebuilt for another series frame (same shape). */
let kept: { shape: string; idx: { z: number; y: number; x: number } } | null = null;

export async function viewSlices(t: number): Promise<ViewHooks> {
  const useScan = Boolean(run.files.scan);
  const hasLabels = Boolean(run.files.labels);
  const info = await getJson<VolumeInfo>(`api/volume/${useScan ? 'scan' : 'labels'}/info?${frameQuery().slice(1)}`);
  const [nz, ny, nx] = info.shape;
  const sp = info.spacing_um ?? [1, 1, 1];
  const idx = kept?.shape === info.shape.join(',') ? kept.idx : { z: Math.round(numParam('z', Math.floor(nz / 2))), y: Math.round(numParam('y', Math.floor(ny / 2))), x: Math.round(numParam('x', Math.floor(nx / 2))) };
  kept = { shape: info.shape.join(','), idx };
  let alpha = numParam('overlay', hasLabels ? 0.35 : 0);
  const axes = ['z', 'y', 'x'] as const;
  const dims = { z: [nx, ny, sp[2], sp[1]], y: [nx, nz, sp[2], sp[0]], x: [ny, nz, sp[1], sp[0]] } as const;
  const names = { z: ['x', 'y'], y: ['x', 'z'], x: ['y', 'z'] } as const;
  const data: Record<string, { grey: Float32Array | null; lab: Uint8Array | null; lo: number; hi: number }> = {};
  const renderers = axes.map((a, i) => {
    const ren = i === 0 ? mainRenderer : vtkRenderer.newInstance({ background: [1, 1, 1] });
    if (i > 0) renderWindow.addRenderer(ren);
    ren.setViewport(i / 3, 0, (i + 1) / 3, 1);
    return ren;
  });
  const actors: Record<string, vtkImageSlice> = {};
  let annot: Annotator | null = null;
  const compose = (a: (typeof axes)[number]) => {
    const d = data[a];
    const [cols, rows] = dims[a];
    const rgba = new Uint8Array(cols * rows * 4);
    for (let i = 0; i < cols * rows; i++) {
      let g = d.grey ? ((d.grey[i] - d.lo) / (d.hi - d.lo || 1)) * 255 : 128;
      g = Math.max(0, Math.min(255, g));
      let r = g;
      let gg = g;
      let b = g;
      if (d.lab && alpha > 0) {
        const l = d.lab[i];
        if (l !== 255 && (d.grey || true)) {
          const c = phaseColor(l);
          const k = d.grey ? alpha : 1;
          r = r * (1 - k) + c[0] * k;
          gg = gg * (1 - k) + c[1] * k;
          b = b * (1 - k) + c[2] * k;
        }
      }
      if (annot && annot.visible && annot.slices[a]?.[i]) [r, gg, b] = annot.blend(a, i, [r, gg, b]);
      rgba[4 * i] = r;
      rgba[4 * i + 1] = gg;
      rgba[4 * i + 2] = b;
      rgba[4 * i + 3] = 255;
    }
    return rgba;
  };
  const load = async (a: (typeof axes)[number]) => {
    const q = `axis=${a}&index=${idx[a]}${frameQuery()}`;
    const [g, l] = await Promise.all([
      useScan ? getBytes(`api/slice/scan?${q}`) : Promise.resolve(null),
      hasLabels ? getBytes(`api/slice/labels?${q}`) : Promise.resolve(null),
    ]);
    if (annot) await annot.load(a);
    const grey = g ? new Float32Array(g.buf) : null;
    data[a] = { grey, lab: l ? new Uint8Array(l.buf) : null, lo: grey ? percentile(grey, 0.005) : 0, hi: grey ? percentile(grey, 0.995) : 1 };
    const rgba = compose(a);
    if (!actors[a]) {
      const [cols, rows, sx, sy] = dims[a];
      actors[a] = imageActor(rgbaImage(cols, rows, rgba, [sx, sy]));
      renderers[axes.indexOf(a)].addActor(actors[a]);
    } else {
      setRgba(actors[a], rgba);
    }
  };
  await Promise.all(axes.map(load));
  if (t !== token) return { renderers };
  renderers.forEach((ren) => setupParallelCamera(ren, [...IMAGE_VIEW.dir], [...IMAGE_VIEW.up]));
  /** The other two planes' indices along this plane's columns and rows. */
  const cutsOf = (a: (typeof axes)[number]): [number, number] => (a === 'z' ? [idx.x, idx.y] : a === 'y' ? [idx.x, idx.z] : [idx.y, idx.z]);
  interactor.setInteractorStyle(styleImage);

  section('Slices (full resolution)');
  let pending: Promise<void> = Promise.resolve();
  for (const a of axes) {
    const n = a === 'z' ? nz : a === 'y' ? ny : nx;
    slider(`slice-${a}`, a, 0, n - 1, 1, idx[a], (v) => {
      idx[a] = v;
      W.__buriedReady = false;
      pending = pending.then(async () => {
        if (idx[a] !== v) return;
        await load(a);
        render();
        await nextFrame();
        W.__buriedReady = true;
      });
    }, (v) => `${v}`);
  }
  if (hasLabels && useScan) {
    section('Label overlay');
    slider('overlay-alpha', 'opacity', 0, 1, 0.01, alpha, (v) => {
      alpha = v;
      for (const a of axes) setRgba(actors[a], compose(a));
      render();
    });
  }
  if (!useScan) note('no grey-level scan in this run (give --scan FILE to buried view): showing labels only');
  else note(`scan ${info.shape.join('×')} ${info.dtype}; grey window p0.5–p99.5 of each slice`);
  // not in figure mode: `buried figure` draws the run's results, not the strokes
  if (run.annotate && useScan && !figureMode) {
    const got = await annotator({
      shape: [nz, ny, nx],
      axes,
      idx,
      renderers,
      dims,
      recompose: (a) => setRgba(actors[a], compose(a)),
      render,
      reload: async () => {
        await Promise.all(axes.map(load));
        render();
      },
    });
    if (t !== token) {
      got?.annotator.dispose();
      return { renderers };
    }
    if (got) {
      annot = got.annotator;
      annot.panel(got.info);
      for (const a of axes) setRgba(actors[a], compose(a));
    }
  }

  return {
    renderers,
    vtkRect: [0, 0, 1, 1],
    resize() {
      axes.forEach((a, i) => {
        const [cols, rows, sx, sy] = dims[a];
        fitImage(renderers[i], cols, rows, sx, sy);
      });
    },
    overlay(ctx, w, h) {
      const s = Math.max(1, Math.min(w / 3, h) / 500);
      // crosshairs: the column and the row where the other two planes cut this one, across the image
      ctx.save();
      ctx.strokeStyle = `rgb(${CROSSHAIR.join(',')})`;
      ctx.lineWidth = 1;
      axes.forEach((a, i) => {
        const [cols, rows, sx, sy] = dims[a];
        const [c, r] = cutsOf(a);
        const [x0, y0] = toDisplay(renderers[i], [-sx / 2, -sy / 2, 0]);
        const [x1, y1] = toDisplay(renderers[i], [(cols - 0.5) * sx, (rows - 0.5) * sy, 0]);
        const [cx, cy] = toDisplay(renderers[i], [c * sx, r * sy, 0]);
        const px = Math.floor(cx) + 0.5;
        const py = Math.floor(cy) + 0.5;
        ctx.beginPath();
        ctx.moveTo(px, Math.min(y0, y1));
        ctx.lineTo(px, Math.max(y0, y1));
        ctx.moveTo(Math.min(x0, x1), py);
        ctx.lineTo(Math.max(x0, x1), py);
        ctx.stroke();
      });
      ctx.restore();
      axes.forEach((a, i) => {
        const x0 = (i * w) / 3;
        drawTitle(ctx, `${names[a][0]}${names[a][1]} plane, ${a} = ${idx[a]} (${fmt(idx[a] * sp['zyx'.indexOf(a)])} µm)`, x0 + 12, 24 * s, s);
        drawScaleBar(ctx, renderers[i], x0 + 18, h - 20 * s, s);
      });
      annot?.overlay(ctx);
      ctx.strokeStyle = '#888';
      for (let i = 1; i < 3; i++) {
        ctx.beginPath();
        ctx.moveTo((i * w) / 3, 0);
        ctx.lineTo((i * w) / 3, h);
        ctx.stroke();
      }
    },
    pick(cx, cy) {
      for (let i = 0; i < 3; i++) {
        const ray = pickRay(renderers[i], cx, cy);
        if (!ray) continue;
        const a = axes[i];
        const [cols, rows, sx, sy] = dims[a];
        const c = Math.floor(ray.origin[0] / sx + 0.5);
        const r = Math.floor(ray.origin[1] / sy + 0.5);
        if (c < 0 || r < 0 || c >= cols || r >= rows) return `${a} slice: outside the image`;
        const d = data[a];
        const k = r * cols + c;
        const vox = a === 'z' ? [idx.z, r, c] : a === 'y' ? [r, idx.y, c] : [r, c, idx.x];
        const um = vox.map((v, j) => fmt(v * sp[j]));
        const lab = d.lab ? d.lab[k] : null;
        return `voxel z ${vox[0]}, y ${vox[1]}, x ${vox[2]} = (${um[0]}, ${um[1]}, ${um[2]}) µm; grey ${d.grey ? fmt(d.grey[k], 5) : '—'}; label ${lab === null ? '—' : `${lab} (${phaseName(lab)})`}`;
      }
      return null;
    },
    dispose() {
      annot?.dispose();
      axes.forEach((a, i) => renderers[i].removeActor(actors[a]));
      for (const ren of renderers.slice(1)) renderWindow.removeRenderer(ren);
      mainRenderer.setViewport(0, 0, 1, 1);
    },
  };
}
