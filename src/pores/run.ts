/**
 * The pores stage as one library call used by `buried pores` and the `pores` stage of `buried run`:
 * open the labels (or take them from memory), measure (measure.ts: in memory when the budget holds
 * the volume, else streamed from the file), then write pores.json, the Li penetration map of each
 * electrode (float32 TIFF + figure), the porosity profile and pore size figures and, when the
 * tortuosity solve gave one, the inlet flux map — every file atomically.
 */
import path from 'node:path';
import { writeFileAtomically } from '../io/atomic.js';
import { InputError } from '../io/errors.js';
import { openVolume, type OpenOptions } from '../io/open.js';
import { writeTiff } from '../io/tiff/index.js';
import { makeVolume, type Spacing3, type Volume } from '../io/volume.js';
import { PORES_FILES } from '../io/run-folder.js';
import { peakRssBytes } from '../report/memory.js';
import { measurePores, runPores } from './measure.js';
import type { PoresJson, PoresOptions, PoresResult } from './types.js';

export interface PoresStageInput {
  /** The labels file (named in errors and in pores.json). */
  labelsFile: string;
  labelsOpen?: OpenOptions;
  /** The labels already in memory (the run's segment stage): used instead of reading the file. */
  volume?: Volume | null;
}

export interface PoresStageOptions extends PoresOptions {
  /** Called before the output folder is first written to (the command creates and guards it). */
  beforeWrite?: () => Promise<void>;
  /** PNG width of the figures (default 2400). */
  figureWidthPx?: number;
}

export type PoresDoc = PoresJson & { input: string; files: Record<string, string | string[]>; peak_rss_bytes: number };

/** Every output file name the stage may write (for the output guard). */
export function poresOutputNames(): string[] {
  const per = ['near', 'far', 'anode'].flatMap((n) => [PORES_FILES.penetration(n), PORES_FILES.penetrationFigure(n), PORES_FILES.penetrationPng(n)]);
  return [PORES_FILES.json, PORES_FILES.profile, PORES_FILES.profilePng, PORES_FILES.sizes, PORES_FILES.sizesPng, PORES_FILES.flux, ...per];
}

async function measure(input: PoresStageInput, o: PoresStageOptions): Promise<PoresResult> {
  if (input.volume) {
    if (input.volume.dtype !== 'uint8') throw new InputError(`labels must be uint8 phase codes (got ${input.volume.dtype})`, input.labelsFile);
    return runPores(input.volume as Volume<Uint8Array>, o);
  }
  const source = await openVolume(input.labelsFile, input.labelsOpen ?? {});
  try {
    if (source.dtype !== 'uint8') throw new InputError(`labels must be uint8 phase codes (got ${source.dtype}); segment the scan first`, input.labelsFile);
    const spacing = o.spacing ?? source.spacing;
    if (!spacing) throw new InputError('voxel size unknown (no spacing in the file): give --voxel UM or --voxel DZ,DY,DX', input.labelsFile);
    return await measurePores(source, spacing, o);
  } finally {
    await source.close();
  }
}

export async function poresStage(input: PoresStageInput, out: string, o: PoresStageOptions = {}): Promise<{ doc: PoresDoc; result: PoresResult }> {
  let result: PoresResult;
  try {
    result = await measure(input, o);
  } catch (e) {
    // a problem of the labels (no electrolyte, ...) names the labels file
    if (e instanceof InputError && !e.message.includes(input.labelsFile)) throw new InputError(e.message, input.labelsFile);
    throw e;
  }
  await o.beforeWrite?.();
  const { svgToPng } = await import('../report/figures/index.js');
  const { penetrationMapSvg, porosityProfileSvg, poreSizeSvg } = await import('../report/pores-figures.js');
  const width = o.figureWidthPx ?? 2400;
  const j = result.json;
  const [rows, cols] = result.mapShape;
  const dn = j.spacing_um[{ z: 0, y: 1, x: 2 }[j.normal_axis]];
  const mapSpacing: Spacing3 = [dn, result.mapPixelUm[0], result.mapPixelUm[1]];
  const files: Record<string, string | string[]> = { json: PORES_FILES.json };
  const figure = async (svgName: string, pngName: string, svg: string) => {
    await writeFileAtomically(path.join(out, svgName), svg);
    await writeFileAtomically(path.join(out, pngName), svgToPng(svg, width));
  };
  await figure(PORES_FILES.profile, PORES_FILES.profilePng, await porosityProfileSvg(j.porosity_profile, j.normal_axis, j.porosity));
  files.profile = PORES_FILES.profile;
  if (j.pore_size) {
    await figure(PORES_FILES.sizes, PORES_FILES.sizesPng, poreSizeSvg(j.pore_size.histogram, j.pore_size));
    files.sizes = PORES_FILES.sizes;
  }
  const pen: string[] = [];
  for (const p of result.penetration) {
    const s = j.li.penetration.find((q) => q.side === p.side)!;
    const tif = PORES_FILES.penetration(p.name);
    await writeTiff(path.join(out, tif), makeVolume(p.map, [1, rows, cols], mapSpacing), { description: { quantity: `Li penetration into the electrolyte from the ${p.name} electrode (µm)` } });
    await figure(PORES_FILES.penetrationFigure(p.name), PORES_FILES.penetrationPng(p.name), penetrationMapSvg(p.map, rows, cols, result.mapPixelUm, p.name, s));
    s.file = tif;
    pen.push(tif);
  }
  files.penetration = pen;
  if (result.flux) {
    await writeTiff(path.join(out, PORES_FILES.flux), makeVolume(result.flux, [1, rows, cols], mapSpacing), { description: { quantity: 'normalised through-plane flux at the inlet face of the electrolyte box' } });
    j.tortuosity.flux_file = PORES_FILES.flux;
    files.flux = PORES_FILES.flux;
  }
  const doc: PoresDoc = { input: input.labelsFile, ...j, files, peak_rss_bytes: peakRssBytes() };
  await writeFileAtomically(path.join(out, PORES_FILES.json), `${JSON.stringify(doc, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
  return { doc, result };
}
