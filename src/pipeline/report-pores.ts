/**
 * The report's "Electrolyte microstructure" section from pores/pores.json and the figures the pores
 * stage wrote (porosity profile, pore size distribution, Li penetration map per electrode). None
 * when the stage is switched off or has not run.
 */
import path from 'node:path';
import { existsSync, promises as fs } from 'node:fs';
import type { Figure, Row, Section } from '../report/html/index.js';
import type { PhantomTruth } from '../synth/index.js';
import type { PoresDoc } from '../pores/run.js';
import { PORES_FILES, runFile } from '../io/run-folder.js';

const f = (v: number | null | undefined, d = 2) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(d));
const pct = (v: number | null | undefined, d = 2) => (v === null || v === undefined || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(d)} %`);

export interface PoresReportInputs {
  dir: string;
  truth: PhantomTruth | null;
  save(id: string, svg: string, caption: string): Promise<Figure>;
}

export async function poresSection(x: PoresReportInputs): Promise<Section | null> {
  const file = runFile(x.dir, 'pores', PORES_FILES.json);
  if (!existsSync(file)) return null;
  const d = JSON.parse(await fs.readFile(file, 'utf8')) as PoresDoc;
  const folder = path.dirname(file);
  const figures: Figure[] = [];
  const figureFrom = async (name: string, id: string, caption: string) => {
    const p = path.join(folder, name);
    if (existsSync(p)) figures.push(await x.save(id, await fs.readFile(p, 'utf8'), caption));
  };
  await figureFrom(PORES_FILES.profile, 'porosity_profile', `Porosity (pores / (pores + electrolyte)) and Li fraction per slice of the electrolyte layer along ${d.normal_axis}.`);
  await figureFrom(PORES_FILES.sizes, 'pore_sizes', 'Pore size distribution: local thickness (largest inscribed ball diameter) of the layer\'s pore voxels, by volume; d10 / d50 / d90 marked.');
  for (const p of d.li.penetration) await figureFrom(PORES_FILES.penetrationFigure(p.name), `li_penetration_${p.name}`, `Depth of Li grown into the electrolyte from the ${p.name} electrode per column (µm); file ${p.file ?? PORES_FILES.penetration(p.name)}.`);
  const t = x.truth;
  const truthFilaments = t ? t.electrodes.reduce((a, e) => a + e.penetration.filament_count, 0) : undefined;
  const tort = d.tortuosity;
  const rows: Row[] = [
    { label: 'electrolyte layer', value: `${f(d.layer.thickness_um.mean, 1)} µm thick (${f(d.layer.thickness_um.min, 1)}–${f(d.layer.thickness_um.max, 1)}), between ${d.layer.sides.low.name} (${d.layer.sides.low.kind}) and ${d.layer.sides.high.name} (${d.layer.sides.high.kind})`, note: `${d.layer.columns} of ${d.layer.columns_total} columns` },
    { label: 'porosity', value: pct(d.porosity), truth: t ? pct(t.electrolyte_porosity) : undefined, note: 'pores / (pores + electrolyte) in the layer; truth: pores / all voxels of its region' },
    { label: 'pore size d10 / d50 / d90', value: d.pore_size ? `${f(d.pore_size.d10_um)} / ${f(d.pore_size.d50_um)} / ${f(d.pore_size.d90_um)} µm` : '—', note: 'local thickness, by volume' },
    { label: 'pore clusters', value: `${d.pore_clusters.count}, largest ${pct(d.pore_clusters.largest_fraction, 1)} of the pore volume`, note: `${d.pore_clusters.touching_low} touch the ${d.layer.sides.low.name} side, ${d.pore_clusters.touching_high} the ${d.layer.sides.high.name} side` },
    { label: 'Li inside the electrolyte', value: `${f(d.li.volume_um3, 0)} µm³ (${pct(d.li.fraction_of_layer, 3)} of the layer)` },
    { label: 'Li filaments', value: `${d.li.filament_count} (deepest ${f(d.li.deepest_um, 1)} µm), ${d.li.isolated_count} isolated, ${d.li.interface_bumps} interface bumps`, truth: truthFilaments !== undefined ? String(truthFilaments) : undefined, note: `at least ${f(d.li.min_filament_depth_um, 1)} µm deep` },
    { label: 'percolating (pores ∪ Li)', value: d.percolating ? 'yes' : 'no', note: d.percolating_li ? 'Li alone joins both sides: a short circuit' : undefined },
    { label: 'short-circuit margin min_gap_um', value: `${f(d.min_gap_um)} µm (Li only ${f(d.li_min_gap_um)} µm)`, note: 'smallest electrolyte gap between what grew from each side' },
    {
      label: 'tortuosity factor τ',
      value: d.tortuosity_factor === null ? `not computed (${tort.reason})` : `${f(d.tortuosity_factor, 4)} (D_eff/D₀ ${f(d.effective_conductivity_ratio, 4)})`,
      note: tort.runs.length ? tort.runs.map((r) => `${r.phase} along ${r.axis}: τ ${f(r.tortuosity_factor, 4)}, ${r.iterations} iterations, residual ${r.residual.toExponential(1)}`).join('; ') : undefined,
    },
  ];
  return {
    id: 'pores',
    title: 'Electrolyte microstructure',
    intro: `The electrolyte layer is the slab between the two electrolyte surfaces of each column along ${d.normal_axis} (as the thickness map finds them; interface voids stay outside). ${d.percolating_definition}. ${d.gap_definition}.`,
    tables: [{ rows, truthColumn: t !== null }],
    figures,
  };
}
