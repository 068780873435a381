/**
 * Viewer entry and, until they move to views/, the six views: builds the tabs from what api/run
 * says the run folder holds, switches views, exports PNGs, and exposes window.buried for
 * `buried figure` and the tests. Reads api/run; each view reads its own run-folder files.
 */
// vtk.js rendering profiles first: they must be registered before any render window or mapper exists.
import '@kitware/vtk.js/Rendering/Profiles/Volume';
import '@kitware/vtk.js/Rendering/Profiles/Geometry';
import type vtkOpenGLRenderWindow from '@kitware/vtk.js/Rendering/OpenGL/RenderWindow';
import vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray';
import vtkVolume from '@kitware/vtk.js/Rendering/Core/Volume';
import vtkVolumeMapper from '@kitware/vtk.js/Rendering/Core/VolumeMapper';
import vtkColorTransferFunction from '@kitware/vtk.js/Rendering/Core/ColorTransferFunction';
import vtkPiecewiseFunction from '@kitware/vtk.js/Common/DataModel/PiecewiseFunction';
import vtkPlane from '@kitware/vtk.js/Common/DataModel/Plane';
import vtkRenderer from '@kitware/vtk.js/Rendering/Core/Renderer';
import vtkPolyData from '@kitware/vtk.js/Common/DataModel/PolyData';
import vtkMapper from '@kitware/vtk.js/Rendering/Core/Mapper';
import vtkActor from '@kitware/vtk.js/Rendering/Core/Actor';
import vtkCellPicker from '@kitware/vtk.js/Rendering/Core/CellPicker';
import type vtkImageSlice from '@kitware/vtk.js/Rendering/Core/ImageSlice';
import { getBytes, getJson, getMap, getText, parseCsv, type RunInfo, type VolumeInfo } from './api';
import { drawChart, type ChartSpec } from './chart';
import { colormap, fmt, percentile, phaseColor, phaseName, PHASES, type RGB } from './colors';
import { drawColorBar, drawScaleBar, drawTitle } from './draw';
import { $, chart, controls, nextFrame, nextToken, numParam, overlay, params, readout, run, setRun, stage, token, VIEW_TITLES, vtkDiv, W, type ViewName } from './state';
import { drawOverlays, glView, hooks, imageActor, interactor, layout, mainRenderer, mapImage, mapPick, pickRay, render, renderWindow, rgbaImage, setHooks, setRgba, setupParallelCamera, softwareGl, stageSize, style3D, styleImage, type ViewHooks } from './scene';
import { checkbox, note, section, slider } from './ui';

let current: ViewName = 'labels';

/* ---------------- views ---------------- */

async function viewLabels(t: number): Promise<ViewHooks> {
  const max = Math.min(run.texture_limit, numParam('max', run.default_max_dim));
  const info = await getJson<VolumeInfo>(`api/volume/labels/info?max=${max}`);
  const { buf } = await getBytes(`api/volume/labels?max=${max}`);
  if (t !== token) return { renderers: [] };
  const labels = new Uint8Array(buf);
  const [oz, oy, ox] = info.level.shape;
  const sp = info.level.spacing_um ?? [1, 1, 1];
  const img = vtkImageData.newInstance();
  img.setDimensions(ox, oy, oz);
  img.setSpacing([sp[2], sp[1], sp[0]]);
  img.getPointData().setScalars(vtkDataArray.newInstance({ numberOfComponents: 1, values: labels, name: 'labels' }));
  const mapper = vtkVolumeMapper.newInstance();
  mapper.setInputData(img);
  mapper.setSampleDistance(0.5 * Math.min(sp[0], sp[1], sp[2]));
  mapper.setMaximumSamplesPerRay(4000);
  const volume = vtkVolume.newInstance();
  volume.setMapper(mapper);
  const ctf = vtkColorTransferFunction.newInstance();
  const pwf = vtkPiecewiseFunction.newInstance();
  const present = new Set<number>();
  for (let i = 0; i < labels.length; i += 7) present.add(labels[i]);
  const state = PHASES.map((p) => ({ ...p, visible: params.has('phases') ? params.get('phases')!.split(',').map(Number).includes(p.code) : true, opacity: p.opacity }));
  const rebuild = () => {
    ctf.removeAllPoints();
    pwf.removeAllPoints();
    pwf.addPoint(-1, 0);
    for (let c = 0; c <= 255; c++) {
      const ph = state.find((p) => p.code === c);
      if (!ph && c !== 255) continue;
      const col = ph ? ph.color : [0, 0, 0];
      ctf.addRGBPoint(c, col[0] / 255, col[1] / 255, col[2] / 255);
      const a = ph && ph.visible ? ph.opacity : 0;
      pwf.addPoint(c - 0.49, a);
      pwf.addPoint(c + 0.49, a);
      if (c < 255) pwf.addPoint(c + 0.5, 0);
    }
  };
  rebuild();
  const prop = volume.getProperty();
  prop.setRGBTransferFunction(0, ctf);
  prop.setScalarOpacity(0, pwf);
  prop.setInterpolationTypeToNearest();
  prop.setScalarOpacityUnitDistance(0, 2 * Math.min(sp[0], sp[1], sp[2]));
  let shade = numParam('shade', softwareGl ? 0 : 1) > 0;
  prop.setShade(shade);
  prop.setAmbient(0.35);
  prop.setDiffuse(0.75);
  prop.setSpecular(0.1);
  const ext = [ox * sp[2], oy * sp[1], oz * sp[0]];
  const clip = [0, 1, 0, 1, 0, 1].map((d, i) => numParam(['x0', 'x1', 'y0', 'y1', 'z0', 'z1'][i], d));
  const planes = [0, 1, 2, 3, 4, 5].map(() => vtkPlane.newInstance());
  const applyClip = () => {
    mapper.removeAllClippingPlanes();
    for (let a = 0; a < 3; a++) {
      const lo = clip[2 * a] * ext[a];
      const hi = clip[2 * a + 1] * ext[a];
      const n0 = [0, 0, 0];
      n0[a] = 1;
      const n1 = [0, 0, 0];
      n1[a] = -1;
      const o0 = [0, 0, 0];
      o0[a] = lo;
      const o1 = [0, 0, 0];
      o1[a] = hi;
      planes[2 * a].setNormal(n0 as [number, number, number]);
      planes[2 * a].setOrigin(o0 as [number, number, number]);
      planes[2 * a + 1].setNormal(n1 as [number, number, number]);
      planes[2 * a + 1].setOrigin(o1 as [number, number, number]);
      if (lo > 0) mapper.addClippingPlane(planes[2 * a]);
      if (hi < ext[a]) mapper.addClippingPlane(planes[2 * a + 1]);
    }
  };
  applyClip();
  mainRenderer.addVolume(volume);
  interactor.setInteractorStyle(style3D);
  setupParallelCamera(mainRenderer, [-0.55, 0.75, -0.42], [0, 0, 1]);
  mainRenderer.getActiveCamera().zoom(numParam('zoom', 1.1));

  section('Phases (colour, visibility, opacity)');
  for (const ph of state) {
    if (!present.has(ph.code)) continue;
    checkbox(`phase-${ph.code}`, ph.name, ph.visible, (v) => {
      ph.visible = v;
      rebuild();
      render();
    }, ph.color);
    slider(`opacity-${ph.code}`, 'opacity', 0, 1, 0.01, ph.opacity, (v) => {
      ph.opacity = v;
      rebuild();
      render();
    });
  }
  section('Lighting');
  checkbox('shade', 'shading (gradient lighting)', shade, (v) => {
    shade = v;
    prop.setShade(v);
    render();
  });
  if (softwareGl) note('software WebGL (SwiftShader): shading is off by default, it is about 20× slower there');
  section('Clipping box (fraction of each axis)');
  ['x0', 'x1', 'y0', 'y1', 'z0', 'z1'].forEach((k, i) =>
    slider(`clip-${k}`, k, 0, 1, 0.01, clip[i], (v) => {
      clip[i] = v;
      applyClip();
      render();
    }),
  );
  section('Level of detail');
  note(`full ${info.shape.join('×')} voxels; shown ${info.level.shape.join('×')} (block ${info.level.factors.join('×')}, mode of each block); ≤ ${max} per axis (add ?max=N, ≤ ${run.texture_limit})`);

  return {
    renderers: [mainRenderer],
    vtkRect: [0, 0, 1, 1],
    overlay(ctx, w, h) {
      const s = Math.max(1, Math.min(w, h) / 700);
      drawTitle(ctx, `Phase labels, 3D (${info.level.shape.slice().reverse().join('×')} of ${info.shape.slice().reverse().join('×')} voxels)`, 14, 26 * s, s);
      drawScaleBar(ctx, mainRenderer, 20, h - 24 * s, s);
      let y = 50 * s;
      ctx.font = `${Math.round(12 * s)}px system-ui, sans-serif`;
      for (const ph of state) {
        if (!present.has(ph.code) || !ph.visible) continue;
        ctx.fillStyle = 'rgba(255,255,255,0.8)';
        ctx.fillRect(10, y - 12 * s, 150 * s, 18 * s);
        ctx.fillStyle = `rgb(${ph.color.join(',')})`;
        ctx.fillRect(14, y - 9 * s, 12 * s, 12 * s);
        ctx.fillStyle = '#111';
        ctx.fillText(ph.name, 14 + 18 * s, y + 2 * s);
        y += 20 * s;
      }
    },
    pick(cx, cy) {
      const ray = pickRay(mainRenderer, cx, cy);
      if (!ray) return null;
      const step = 0.5 * Math.min(sp[0], sp[1], sp[2]);
      // march the ray through the level, report the first visible voxel inside the clipping box
      const tmin = [0, 1, 2].map((a) => (Math.abs(ray.dir[a]) < 1e-12 ? (ray.origin[a] >= 0 && ray.origin[a] <= ext[a] ? [-Infinity, Infinity] : [Infinity, -Infinity]) : [(0 - ray.origin[a]) / ray.dir[a], (ext[a] - ray.origin[a]) / ray.dir[a]].sort((p, q) => p - q)));
      const t0 = Math.max(...tmin.map((v) => v[0]));
      const t1 = Math.min(...tmin.map((v) => v[1]));
      if (!(t1 > t0)) return 'outside the volume';
      for (let tt = t0; tt <= t1; tt += step) {
        const p = ray.origin.map((o, a) => o + ray.dir[a] * tt);
        if (p.some((c, a) => c < clip[2 * a] * ext[a] || c > clip[2 * a + 1] * ext[a])) continue;
        const ix = Math.min(ox - 1, Math.max(0, Math.floor(p[0] / sp[2])));
        const iy = Math.min(oy - 1, Math.max(0, Math.floor(p[1] / sp[1])));
        const iz = Math.min(oz - 1, Math.max(0, Math.floor(p[2] / sp[0])));
        const lab = labels[(iz * oy + iy) * ox + ix];
        const ph = state.find((q) => q.code === lab);
        if (ph && ph.visible && ph.opacity > 0.05) {
          return `label ${lab} (${phaseName(lab)}) at x ${fmt(p[0])} µm, y ${fmt(p[1])} µm, z ${fmt(p[2])} µm (level voxel ${ix}, ${iy}, ${iz})`;
        }
      }
      return 'no visible voxel along this ray';
    },
    dispose() {
      mainRenderer.removeVolume(volume);
      mapper.removeAllClippingPlanes();
    },
  };
}

async function viewSlices(t: number): Promise<ViewHooks> {
  const useScan = Boolean(run.files.scan);
  const hasLabels = Boolean(run.files.labels);
  const info = await getJson<VolumeInfo>(`api/volume/${useScan ? 'scan' : 'labels'}/info`);
  const [nz, ny, nx] = info.shape;
  const sp = info.spacing_um ?? [1, 1, 1];
  const idx = { z: Math.round(numParam('z', Math.floor(nz / 2))), y: Math.round(numParam('y', Math.floor(ny / 2))), x: Math.round(numParam('x', Math.floor(nx / 2))) };
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
      rgba[4 * i] = r;
      rgba[4 * i + 1] = gg;
      rgba[4 * i + 2] = b;
      rgba[4 * i + 3] = 255;
    }
    return rgba;
  };
  const load = async (a: (typeof axes)[number]) => {
    const q = `axis=${a}&index=${idx[a]}`;
    const [g, l] = await Promise.all([
      useScan ? getBytes(`api/slice/scan?${q}`) : Promise.resolve(null),
      hasLabels ? getBytes(`api/slice/labels?${q}`) : Promise.resolve(null),
    ]);
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
  renderers.forEach((ren) => {
    setupParallelCamera(ren, [0, 0, -1], [0, 1, 0]);
    ren.getActiveCamera().zoom(1.05);
  });
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

  return {
    renderers,
    vtkRect: [0, 0, 1, 1],
    overlay(ctx, w, h) {
      const s = Math.max(1, Math.min(w / 3, h) / 500);
      axes.forEach((a, i) => {
        const x0 = (i * w) / 3;
        drawTitle(ctx, `${names[a][0]}${names[a][1]} plane, ${a} = ${idx[a]} (${fmt(idx[a] * sp['zyx'.indexOf(a)])} µm)`, x0 + 12, 24 * s, s);
        drawScaleBar(ctx, renderers[i], x0 + 18, h - 20 * s, s);
      });
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
      axes.forEach((a, i) => renderers[i].removeActor(actors[a]));
      for (const ren of renderers.slice(1)) renderWindow.removeRenderer(ren);
      mainRenderer.setViewport(0, 0, 1, 1);
    },
  };
}

async function viewThickness(t: number): Promise<ViewHooks> {
  const { info, data } = await getMap('thickness', 512);
  if (t !== token) return { renderers: [] };
  const [ny, nx] = info.shape;
  const px = info.pixel_um ?? [1, 1];
  const lo = numParam('lo', 0);
  const hi = numParam('hi', percentile(data, 0.995));
  let warp = numParam('warp', 1);
  const pts = new Float32Array(ny * nx * 3);
  const colors = new Uint8Array(ny * nx * 3);
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      const k = y * nx + x;
      const v = data[k];
      const c: RGB = Number.isFinite(v) && v >= 0 ? colormap('viridis', (v - lo) / (hi - lo || 1)) : [160, 160, 160];
      colors.set(c.map((q) => Math.round(q)), 3 * k);
    }
  }
  const setPoints = () => {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        const k = y * nx + x;
        const v = data[k];
        pts[3 * k] = x * px[1];
        pts[3 * k + 1] = y * px[0];
        pts[3 * k + 2] = Number.isFinite(v) && v > 0 ? v * warp : 0;
      }
    }
  };
  setPoints();
  const cells: number[] = [];
  for (let y = 0; y < ny - 1; y++) {
    for (let x = 0; x < nx - 1; x++) {
      const a = y * nx + x;
      if ([a, a + 1, a + nx, a + nx + 1].some((k) => !Number.isFinite(data[k]))) continue;
      cells.push(3, a, a + 1, a + nx + 1, 3, a, a + nx + 1, a + nx);
    }
  }
  const poly = vtkPolyData.newInstance();
  poly.getPoints().setData(pts, 3);
  poly.getPolys().setData(Uint32Array.from(cells));
  poly.getPointData().setScalars(vtkDataArray.newInstance({ numberOfComponents: 3, values: colors, name: 'rgb' }));
  const mapper = vtkMapper.newInstance();
  mapper.setInputData(poly);
  mapper.setColorModeToDirectScalars();
  mapper.setScalarVisibility(true);
  const actor = vtkActor.newInstance();
  actor.setMapper(mapper);
  actor.getProperty().setAmbient(0.25);
  actor.getProperty().setDiffuse(0.85);
  mainRenderer.addActor(actor);
  interactor.setInteractorStyle(style3D);
  setupParallelCamera(mainRenderer, [0.45, 0.75, -0.55], [0, 0, 1]);
  mainRenderer.getActiveCamera().zoom(numParam('zoom', 1.0));
  const picker = vtkCellPicker.newInstance();
  picker.setPickFromList(true);
  picker.initializePickList();
  picker.addPickList(actor);

  section('Surface');
  slider('warp', 'warp ×', 0, 5, 0.1, warp, (v) => {
    warp = v;
    setPoints();
    poly.getPoints().modified();
    poly.modified();
    render();
  });
  note(`Li thickness map ${info.full_shape.join('×')} px${info.factors[0] > 1 || info.factors[1] > 1 ? `, shown ${info.shape.join('×')} (block means)` : ''}; height = warp × thickness; colour = thickness (µm), grey = outside the map`);

  return {
    renderers: [mainRenderer],
    vtkRect: [0, 0, 1, 1],
    overlay(ctx, w, h) {
      const s = Math.max(1, Math.min(w, h) / 700);
      drawTitle(ctx, `Li thickness on the interface (warp × ${warp})`, 14, 26 * s, s);
      drawColorBar(ctx, w - 110 * s, 70 * s, Math.min(300 * s, h - 150 * s), 'viridis', lo, hi, 'thickness µm', s);
      drawScaleBar(ctx, mainRenderer, 20, h - 24 * s, s);
    },
    pick(cx, cy) {
      const el = vtkDiv.getBoundingClientRect();
      const dpr = window.devicePixelRatio || 1;
      picker.pick([cx * dpr, (el.height - cy) * dpr, 0], mainRenderer);
      if (!picker.getActors().length) return 'not on the surface';
      const p = picker.getPickPosition();
      const c = Math.round(p[0] / px[1]);
      const r = Math.round(p[1] / px[0]);
      if (c < 0 || r < 0 || c >= nx || r >= ny) return 'not on the surface';
      return `x ${fmt(c * px[1])} µm, y ${fmt(r * px[0])} µm: Li thickness ${fmt(data[r * nx + c])} µm`;
    },
    dispose() {
      mainRenderer.removeActor(actor);
    },
  };
}

interface StripRow {
  step: number;
  stripped_fraction: number;
  active_fraction: number;
  current_multiplier: number;
  islands: number;
  removed_depth_um?: number;
}

async function viewStrip(t: number): Promise<ViewHooks> {
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
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      let c: RGB;
      if (!Number.isFinite(v) || v < 0) c = [150, 150, 150];
      else {
        mapped++;
        const rem = v - depth;
        if (rem <= 0) {
          depleted++;
          c = [215, 40, 40];
        } else c = colormap('viridis', rem / (maxT || 1));
      }
      rgba[4 * i] = c[0];
      rgba[4 * i + 1] = c[1];
      rgba[4 * i + 2] = c[2];
      rgba[4 * i + 3] = 255;
    }
    return { rgba, depletedFraction: mapped ? depleted / mapped : 0 };
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
  note(`${rows.length} steps (uniform stripping by removed depth; stripping.json mode ${doc.mode ?? 'uniform'}). Red: depleted (no Li left); colour: remaining Li thickness.`);
  const row = () => rows[step];
  return {
    renderers: [mainRenderer],
    vtkRect: [0, 0, 0.47, 1],
    chartRect: [0.57, 0, 0.43, 1],
    overlay(ctx, w, h) {
      const s = Math.max(1, Math.min(w, h) / 600);
      const r = row();
      drawTitle(ctx, `Step ${r?.step ?? 0}: stripped ${fmt((r?.stripped_fraction ?? 0) * 100)} %, depth ${fmt(r?.removed_depth_um ?? 0)} µm`, 12, 24 * s, s);
      drawColorBar(ctx, w + 10 * s, 70 * s, Math.min(220 * s, h - 200 * s), 'viridis', 0, maxT, 'remaining µm', s, [{ color: [215, 40, 40], text: `depleted ${fmt(composed.depletedFraction * 100)} %` }]);
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
    dispose() {
      mainRenderer.removeActor(actor);
    },
  };
}

/** The fields of current.json this view reads (written by `buried current`; older runs lack some). */
interface CurrentDoc {
  hotspots?: { p99?: number };
  j_nominal_mA_cm2?: number;
  j_nominal?: number;
  j_crit_mA_cm2?: number;
  j_crit?: number;
  resistance_ohm_cm2: number;
  constriction_ohm_cm2: number;
  contact_fraction?: number;
}

async function viewCurrent(t: number): Promise<ViewHooks> {
  const [{ info, data }, doc] = await Promise.all([getMap('current_density', 1024), run.files.current_json ? getJson<CurrentDoc>('api/file/current') : Promise.resolve(null)]);
  if (t !== token) return { renderers: [] };
  const hot = doc?.hotspots ?? {};
  const jn = doc?.j_nominal_mA_cm2 ?? doc?.j_nominal ?? null;
  const jc = doc?.j_crit_mA_cm2 ?? doc?.j_crit ?? null;
  const dflt = jn && jc ? jc / jn : Number.isFinite(hot.p99) ? (hot.p99 as number) : percentile(data, 0.99);
  let threshold = numParam('threshold', dflt);
  const hi = Math.max(percentile(data, 0.999), threshold * 1.05);
  let above = 0;
  const compose = () => {
    const rgba = new Uint8Array(data.length * 4);
    above = 0;
    let n = 0;
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      let c: RGB;
      if (!Number.isFinite(v)) c = [150, 150, 150];
      else {
        n++;
        if (v > threshold) {
          above++;
          c = [0, 230, 255];
        } else if (v <= 0) c = [60, 60, 60];
        else c = colormap('inferno', v / hi);
      }
      rgba.set([c[0], c[1], c[2], 255], 4 * i);
    }
    above = n ? above / n : 0;
    return rgba;
  };
  const actor = mapImage(info, compose());
  section('Hotspots');
  slider('threshold', 'j / j̄ >', 0, Math.max(2, Math.ceil(hi * 1.2)), 0.05, threshold, (v) => {
    threshold = v;
    setRgba(actor, compose());
    render();
  }, (v) => v.toFixed(2));
  note(`interface current density relative to the mean (current_density.tif). Cyan: above the threshold (default ${jn && jc ? 'j_crit / j_nominal' : 'p99 of the contacts'}); dark grey: no contact.`);
  if (doc) note(`resistance ${fmt(doc.resistance_ohm_cm2)} Ω·cm² (constriction ${fmt(doc.constriction_ohm_cm2)}), contact ${fmt((doc.contact_fraction ?? 0) * 100)} %`);
  return {
    renderers: [mainRenderer],
    vtkRect: [0, 0, 1, 1],
    overlay(ctx, w, h) {
      const s = Math.max(1, Math.min(w, h) / 700);
      drawTitle(ctx, `Interface current density j / j̄ (hotspots > ${threshold.toFixed(2)}: ${fmt(above * 100)} % of the area)`, 14, 26 * s, s);
      drawColorBar(ctx, w - 110 * s, 70 * s, Math.min(280 * s, h - 200 * s), 'inferno', 0, hi, 'j / j̄', s, [
        { color: [0, 230, 255], text: `> ${threshold.toFixed(2)}` },
        { color: [60, 60, 60], text: 'no contact' },
      ]);
      drawScaleBar(ctx, mainRenderer, 20, h - 24 * s, s);
    },
    pick(cx, cy) {
      return mapPick(info, cx, cy, (k) => `j / j̄ = ${fmt(data[k])}${data[k] > threshold ? ' (hotspot)' : ''}`);
    },
    dispose() {
      mainRenderer.removeActor(actor);
    },
  };
}

async function viewFem(t: number): Promise<ViewHooks> {
  const [prof, hist] = await Promise.all([
    run.files.profiles_csv ? getText('api/file/profiles').then(parseCsv) : Promise.resolve(null),
    run.files.contact_csv ? getText('api/file/contact_csv').then(parseCsv) : Promise.resolve(null),
  ]);
  if (t !== token) return { renderers: [] };
  const col = (table: { columns: string[]; rows: number[][] }, name: string) => {
    const i = table.columns.indexOf(name);
    return i < 0 ? [] : table.rows.map((r) => r[i]);
  };
  // a run folder's contact.csv holds one history per stack pressure: show the highest, whose
  // interface fields profiles.csv holds
  if (hist && hist.columns.includes('pressure_mpa')) {
    const pi = hist.columns.indexOf('pressure_mpa');
    const pMax = Math.max(...hist.rows.map((r) => r[pi]));
    hist.rows = hist.rows.filter((r) => r[pi] === pMax);
  }
  const snaps: Array<{ t: number; p: number[]; gap: number[] }> = [];
  if (prof) {
    prof.columns.forEach((c, i) => {
      const m = /^p_mpa_t(.+)$/.exec(c);
      if (!m) return;
      const gi = prof.columns.indexOf(`gap_um_t${m[1]}`);
      snaps.push({ t: Number(m[1]), p: prof.rows.map((r) => r[i]), gap: gi >= 0 ? prof.rows.map((r) => r[gi]) : [] });
    });
  }
  const xs = prof ? col(prof, 'x_um') : [];
  const hs = prof ? col(prof, 'h_um') : [];
  const cur = prof ? col(prof, 'current_ratio_end') : [];
  let ti = Math.max(0, Math.min(snaps.length - 1, Math.round(numParam('time', snaps.length - 1))));
  section('Time');
  if (snaps.length) {
    slider('fem-time', 'snapshot', 0, snaps.length - 1, 1, ti, (v) => {
      ti = v;
      render();
    }, (v) => `t = ${fmt(snaps[v]?.t ?? 0)} s`);
  }
  note('profiles.csv holds the interface fields at the first and last recorded time; contact.csv the history. The current along the interface is at the final time.');
  return {
    renderers: [],
    chartRect: [0, 0, 1, 1],
    chart(ctx, w, h) {
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, w, h);
      const s = snaps[ti];
      const half = [w / 2, h / 2];
      const tLabel = s ? `t = ${fmt(s.t)} s` : '';
      drawChart(ctx, 0, 0, half[0], half[1], {
        title: `Contact pressure along the interface, ${tLabel}`,
        xLabel: 'x (µm)',
        yLabel: 'p (MPa)',
        series: snaps.map((q, k) => ({ label: `t = ${fmt(q.t)} s`, color: k === ti ? '#d62728' : '#bbbbbb', x: xs, y: q.p })).sort((a) => (a.color === '#d62728' ? 1 : -1)),
      });
      drawChart(ctx, half[0], 0, half[0], half[1], {
        title: `Gap between Li and electrolyte, ${tLabel}`,
        xLabel: 'x (µm)',
        yLabel: 'gap (µm)',
        y2Label: 'electrolyte height h (µm)',
        series: [
          ...snaps.map((q, k) => ({ label: `gap t = ${fmt(q.t)} s`, color: k === ti ? '#1f77b4' : '#bbbbbb', x: xs, y: q.gap })),
          { label: 'h(x)', color: '#2ca02c', axis: 'right' as const, dashed: true, x: xs, y: hs },
        ],
      });
      drawChart(ctx, 0, half[1], half[0], half[1], {
        title: 'Current along the interface (final time)',
        xLabel: 'x (µm)',
        yLabel: 'j / j̄',
        series: [{ label: 'current ratio', color: '#9467bd', x: xs, y: cur }],
      });
      if (hist) {
        const ht = col(hist, 't_s');
        drawChart(ctx, half[0], half[1], half[0], half[1], {
          title: 'History',
          xLabel: 't (s)',
          yLabel: 'contact fraction',
          y2Label: 'mean contact pressure (MPa)',
          series: [
            { label: 'contact fraction', color: '#1f77b4', x: ht, y: col(hist, 'contact_fraction') },
            { label: 'mean p', color: '#ff7f0e', axis: 'right', dashed: true, x: ht, y: col(hist, 'mean_contact_pressure_mpa') },
          ],
          yMin: 0,
          yMax: 1,
          markerX: s?.t,
        });
      }
    },
  };
}

const VIEWS: Record<ViewName, (t: number) => Promise<ViewHooks>> = {
  labels: viewLabels,
  slices: viewSlices,
  thickness: viewThickness,
  strip: viewStrip,
  current: viewCurrent,
  fem: viewFem,
};

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
  const tabs = $('tabs');
  for (const name of Object.keys(VIEWS) as ViewName[]) {
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
    }, pick: (x: number, y: number) => hooks.pick?.(x, y) ?? null, get view() { return current; } };
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
