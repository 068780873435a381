/**
 * Current view: the interface current density j / j̄ under the contacts, hotspots above a
 * threshold in cyan, the rest in viridis (the report's current-density figure).
 * Reads current/current_density.tif (api/map/current_density, ≤ 1024 px per axis) and, when the
 * run has it, current/current.json (api/file/current: j_nominal / j_crit for the default
 * threshold, hotspot p99, resistance, contact fraction).
 */
import { getJson, getMap } from '../api';
import { colormap, fmt, percentile, type RGB } from '../colors';
import { drawColorBar, drawScaleBar, drawTitle } from '../draw';
import { fitMap, mainRenderer, mapImage, mapPick, render, setRgba, type ViewHooks } from '../scene';
import { numParam, run, token } from '../state';
import { note, section, slider } from '../ui';

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

export async function viewCurrent(t: number): Promise<ViewHooks> {
  const [{ info, data }, doc] = await Promise.all([getMap('current_density', 1024), run.files.current_json ? getJson<CurrentDoc>('api/file/current') : Promise.resolve(null)]);
  if (t !== token) return { renderers: [] };
  const hot = doc?.hotspots ?? {};
  const jn = doc?.j_nominal_mA_cm2 ?? doc?.j_nominal ?? null;
  const jc = doc?.j_crit_mA_cm2 ?? doc?.j_crit ?? null;
  const dflt = jn && jc ? jc / jn : Number.isFinite(hot.p99) ? (hot.p99 as number) : percentile(data, 0.99);
  let threshold = numParam('threshold', dflt);
  const hi = Math.max(percentile(data, 0.999), threshold * 1.05);
  let above = 0;
  /** Values above the colour bar's top drawn in its top colour (not cyan: the threshold was moved above hi)? */
  let over = false;
  const compose = () => {
    const rgba = new Uint8Array(data.length * 4);
    above = 0;
    over = false;
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
        else {
          if (v > hi) over = true;
          c = colormap('viridis', v / hi);
        }
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
      drawColorBar(ctx, w - 110 * s, 70 * s, Math.min(280 * s, h - 200 * s), 'viridis', 0, hi, 'j / j̄', s, [
        { color: [0, 230, 255], text: `> ${threshold.toFixed(2)}` },
        { color: [60, 60, 60], text: 'no contact' },
      ], over);
      drawScaleBar(ctx, mainRenderer, 20, h - 24 * s, s);
    },
    pick(cx, cy) {
      return mapPick(info, cx, cy, (k) => `j / j̄ = ${fmt(data[k])}${data[k] > threshold ? ' (hotspot)' : ''}`);
    },
    resize() {
      fitMap(info);
    },
    dispose() {
      mainRenderer.removeActor(actor);
    },
  };
}
