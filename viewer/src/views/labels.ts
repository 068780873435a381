/**
 * 3D labels view: the phase labels as a volume rendering (one colour and opacity per phase,
 * clipping box, shading) with a voxel readout along the cursor ray.
 * Reads segment/labels.tif (api/volume/labels, a block-mode level ≤ max per axis).
 */
import vtkImageData from '@kitware/vtk.js/Common/DataModel/ImageData';
import vtkDataArray from '@kitware/vtk.js/Common/Core/DataArray';
import vtkVolume from '@kitware/vtk.js/Rendering/Core/Volume';
import vtkVolumeMapper from '@kitware/vtk.js/Rendering/Core/VolumeMapper';
import vtkColorTransferFunction from '@kitware/vtk.js/Rendering/Core/ColorTransferFunction';
import vtkPiecewiseFunction from '@kitware/vtk.js/Common/DataModel/PiecewiseFunction';
import vtkPlane from '@kitware/vtk.js/Common/DataModel/Plane';
import { getBytes, getJson, type VolumeInfo } from '../api';
import { fmt, phaseName, PHASES } from '../colors';
import { drawScaleBar, drawTitle } from '../draw';
import { interactor, mainRenderer, pickRay, render, setupParallelCamera, softwareGl, style3D, type ViewHooks } from '../scene';
import { frameQuery, numParam, params, run, token } from '../state';
import { checkbox, note, section, slider } from '../ui';

/** On a series: the camera of the last 3D labels view, so moving the time slider keeps the viewpoint. */
let keptCamera: { position: number[]; focalPoint: number[]; viewUp: number[]; parallelScale: number } | null = null;

export async function viewLabels(t: number): Promise<ViewHooks> {
  const max = Math.min(run.texture_limit, numParam('max', run.default_max_dim));
  const info = await getJson<VolumeInfo>(`api/volume/labels/info?max=${max}${frameQuery()}`);
  const { buf } = await getBytes(`api/volume/labels?max=${max}${frameQuery()}`);
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
  if (run.series && keptCamera) {
    const cam = mainRenderer.getActiveCamera();
    cam.setPosition(...(keptCamera.position as [number, number, number]));
    cam.setFocalPoint(...(keptCamera.focalPoint as [number, number, number]));
    cam.setViewUp(...(keptCamera.viewUp as [number, number, number]));
    cam.setParallelScale(keptCamera.parallelScale);
    mainRenderer.resetCameraClippingRange();
  }

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
      if (run.series) {
        const cam = mainRenderer.getActiveCamera();
        keptCamera = { position: [...cam.getPosition()], focalPoint: [...cam.getFocalPoint()], viewUp: [...cam.getViewUp()], parallelScale: cam.getParallelScale() };
      }
      mainRenderer.removeVolume(volume);
      mapper.removeAllClippingPlanes();
    },
  };
}
