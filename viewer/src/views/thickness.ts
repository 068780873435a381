/**
 * Thickness view: the Li thickness map as a 3D surface (height = warp × thickness, colour =
 * thickness, inferno as in the report's thickness figure) with the thickness under the cursor;
 * the colour bar stops at p99.5 (or ?hi=) and marks values above it.
 * Reads thickness/thickness_um.tif (api/map/thickness, block means ≤ 512 px per axis).
 */
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray';
import vtkPolyData from '@kitware/vtk.js/Common/DataModel/PolyData';
import vtkMapper from '@kitware/vtk.js/Rendering/Core/Mapper';
import vtkActor from '@kitware/vtk.js/Rendering/Core/Actor';
import vtkCellPicker from '@kitware/vtk.js/Rendering/Core/CellPicker';
import { getMap } from '../api';
import { colormap, fmt, percentile, type RGB } from '../colors';
import { drawColorBar, drawScaleBar, drawTitle } from '../draw';
import { interactor, mainRenderer, render, setupParallelCamera, style3D, type ViewHooks } from '../scene';
import { numParam, token, vtkDiv } from '../state';
import { note, section, slider } from '../ui';

export async function viewThickness(t: number): Promise<ViewHooks> {
  const { info, data } = await getMap('thickness', 512);
  if (t !== token) return { renderers: [] };
  const [ny, nx] = info.shape;
  const px = info.pixel_um ?? [1, 1];
  const lo = numParam('lo', 0);
  const hi = numParam('hi', percentile(data, 0.995));
  let warp = numParam('warp', 1);
  const pts = new Float32Array(ny * nx * 3);
  const colors = new Uint8Array(ny * nx * 3);
  let over = false;
  for (let y = 0; y < ny; y++) {
    for (let x = 0; x < nx; x++) {
      const k = y * nx + x;
      const v = data[k];
      if (Number.isFinite(v) && v > hi) over = true;
      const c: RGB = Number.isFinite(v) && v >= 0 ? colormap('inferno', (v - lo) / (hi - lo || 1)) : [160, 160, 160];
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
      drawColorBar(ctx, w - 110 * s, 70 * s, Math.min(300 * s, h - 150 * s), 'inferno', lo, hi, 'thickness µm', s, undefined, over);
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
