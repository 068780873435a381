/**
 * The report's electrode comparison: with two Li electrodes (symmetric cell) a table of both
 * electrodes side by side (thickness, bare area, penetration, shorts, contact, stripping, current)
 * and a section per further electrode with its own thickness map, histogram, stripping curve and
 * current density figure. One electrode: nothing (the main sections already are its report).
 */
import path from 'node:path';
import { existsSync, promises as fs } from 'node:fs';
import type { Figure, Section } from '../report/html/index.js';
import type { ThicknessJson } from '../thickness/outputs.js';
import type { StrippingJson } from '../strip/run.js';
import type { PhantomTruth } from '../synth/index.js';
import type { CurrentStageJson } from './stages.js';
import { CURRENT_FILES, runFile, STRIP_FILES, thicknessFiles } from '../io/run-folder.js';

const fx = (v: number | null | undefined, d = 2) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(d));
const pct = (v: number | null | undefined, d = 1) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(d)} %`);

async function jsonIf<T>(file: string): Promise<T | null> {
  return existsSync(file) ? (JSON.parse(await fs.readFile(file, 'utf8')) as T) : null;
}

export interface ElectrodeReportInputs {
  dir: string;
  /** thickness/thickness.json of the first electrode (lists every electrode). */
  thickness: ThicknessJson;
  /** The phantom's truth.json, if any (its `electrodes` are named like ours). */
  truth: PhantomTruth | null;
  save(id: string, svg: string, caption: string): Promise<Figure>;
  gridTableHtml(caption: string, head: string[], rows: (string | number)[][]): string;
}

/** Folder of a stage's outputs for electrode k: the stage folder for the first, a sub-folder named after it for the others. */
const stageFolder = (dir: string, stage: string, k: number, name: string) => (k === 0 ? path.join(dir, stage) : path.join(dir, stage, name));

export async function electrodeSections(x: ElectrodeReportInputs): Promise<Section[]> {
  const entries = x.thickness.electrodes ?? [];
  if (entries.length < 2) return [];
  const per = await Promise.all(
    entries.map(async (e, k) => ({
      e,
      th: k === 0 ? x.thickness : await jsonIf<ThicknessJson>(path.join(x.dir, 'thickness', e.files.json)),
      strip: await jsonIf<StrippingJson>(path.join(stageFolder(x.dir, 'strip', k, e.name), STRIP_FILES.json)),
      cur: await jsonIf<CurrentStageJson>(path.join(stageFolder(x.dir, 'current', k, e.name), CURRENT_FILES.json)),
      truth: (x.truth?.electrodes ?? []).find((t) => t.name === e.name) ?? null,
    })),
  );
  const at = (s: StrippingJson | null, fr: number) => {
    const i = (s?.at ?? []).indexOf(fr);
    return i >= 0 ? s?.uniform?.at_rows?.[i] : undefined;
  };
  const head = ['', ...per.map((p) => `${p.e.name} (${p.e.side} end)`)];
  const rows: (string | number)[][] = [
    ['Li mean thickness', ...per.map((p) => `${fx(p.th?.mean_um)} µm${p.e.mean_um_band ? ` [${fx(p.e.mean_um_band[0])}–${fx(p.e.mean_um_band[1])}]` : ''}${p.truth ? ` (true ${fx(p.truth.thickness?.mean_um)})` : ''}`)],
    ['p05 / p50 / p95', ...per.map((p) => `${fx(p.th?.p05_um, 1)} / ${fx(p.th?.p50_um, 1)} / ${fx(p.th?.p95_um, 1)} µm`)],
    ['areal capacity', ...per.map((p) => `${fx(p.th?.mean_capacity_mah_cm2, 3)} mAh/cm²`)],
    ['bare area (no Li)', ...per.map((p) => pct(p.th?.zero_fraction))],
    ['penetration max / area', ...per.map((p) => `${fx(p.th?.penetration?.max_um, 1)} µm / ${pct(p.th?.penetration?.area_fraction, 2)}${p.truth ? ` (true ${fx(p.truth.penetration?.max_um, 1)} µm)` : ''}`)],
    ['columns joined to the other electrode by Li', ...per.map((p) => String(p.th?.penetration?.through_columns ?? 0))],
    ['Li in contact with the electrolyte', ...per.map((p) => pct(p.e.contact_fraction))],
    ['active area at 64 % stripped (uniform)', ...per.map((p) => pct(at(p.strip, 0.64)?.active_fraction))],
    ['area-specific resistance', ...per.map((p) => (p.cur ? `${fx(p.cur.resistance_ohm_cm2, 4)} Ω·cm²` : '—'))],
    ['j / j̄ p99 on contacts', ...per.map((p) => fx(p.cur?.hotspots?.p99))],
  ];
  const sections: Section[] = [
    {
      id: 'electrodes',
      title: 'Both Li electrodes',
      intro:
        'Two Li electrodes were measured (symmetric cell): near = the index-0 end of the stack normal, far = the other end. ' +
        'Each map stops at the other electrode\'s interface; Li between the two interfaces belongs to the electrode it grows from (a run of Li from one surface), and a run joining both surfaces is a filament across the electrolyte. ' +
        'The far electrode\'s files end in _far (thickness/) or sit in far/ sub-folders (strip/, current/).',
      html: [x.gridTableHtml('Per-electrode figures', head, rows)],
    },
  ];
  for (const [k, p] of per.entries()) {
    if (k === 0 || !p.th) continue;
    const name = p.e.name;
    const figures: Figure[] = [];
    const figureFrom = async (file: string, id: string, caption: string) => {
      if (existsSync(file)) figures.push(await x.save(id, await fs.readFile(file, 'utf8'), caption));
    };
    await figureFrom(runFile(x.dir, 'thickness', thicknessFiles(p.e.suffix).figure), `thickness_map_${name}`, `Li layer thickness of the ${name} electrode per column (colour bar in µm).`);
    await figureFrom(runFile(x.dir, 'thickness', thicknessFiles(p.e.suffix).histogram), `thickness_histogram_${name}`, `Distribution of the ${name} electrode's Li thickness.`);
    await figureFrom(path.join(stageFolder(x.dir, 'strip', k, name), STRIP_FILES.figure), `stripping_${name}`, `Stripping replay of the ${name} electrode: active area and current multiplier vs stripped fraction.`);
    await figureFrom(path.join(stageFolder(x.dir, 'current', k, name), CURRENT_FILES.figure), `current_density_${name}`, `Interface current density under the ${name} electrode's contact map.`);
    sections.push({
      id: `electrode-${name}`,
      title: `The ${name} electrode`,
      intro: `Map ${p.th.map?.shape?.join(' × ')} px along ${p.th.normal?.axis} (Li on the ${p.th.normal?.li_side} side); files ${p.e.files.thickness}, ${p.e.files.penetration}, ${p.e.files.contact}, ${p.e.files.json}.`,
      figures,
    });
  }
  return sections;
}
