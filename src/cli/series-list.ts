/**
 * The scan list of `buried run --series FILE.yaml`: the same inputs as `buried series`, written down
 * once per cell. Paths are relative to the list's folder.
 *
 *   scans:
 *     - scan: scan0.tif        # or just "- scan0.tif"
 *       charge: 0              # mAh/cm² passed up to this scan (all scans or none)
 *       labels: labels0.tif    # optional (all scans or none): else each scan is segmented
 *     - scan: scan1.tif
 *       charge: 1.5
 *   levels: 4                  # optional pyramid levels
 *   transform: affine          # optional: rigid (default) or affine (pellet creep)
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { InputError } from '../io/errors.js';
import type { SeriesInputs } from './commands/series.js';

export async function readSeriesList(file: string): Promise<SeriesInputs> {
  let doc: unknown;
  try {
    doc = parse(await readFile(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? 'no such file' : `not a readable YAML scan list (${(e as Error).message.split('\n')[0]})`, file);
  }
  const bad = (why: string) => new InputError(`scan list: ${why}`, file);
  if (!doc || typeof doc !== 'object' || !Array.isArray((doc as { scans?: unknown }).scans)) throw bad('expected a "scans:" list');
  const { scans, levels, transform, ...rest } = doc as { scans: unknown[]; levels?: unknown; transform?: unknown };
  const extra = Object.keys(rest);
  if (extra.length) throw bad(`unknown key${extra.length > 1 ? 's' : ''} ${extra.join(', ')} (scans, levels, transform)`);
  if (scans.length < 2) throw bad(`a series needs at least two scans, got ${scans.length}`);
  const dir = path.dirname(file);
  const entries = scans.map((e, k) => {
    const o = typeof e === 'string' ? { scan: e } : e;
    if (!o || typeof o !== 'object' || typeof (o as { scan?: unknown }).scan !== 'string') throw bad(`entry ${k + 1} needs "scan: FILE"`);
    const { scan, charge, labels, ...more } = o as { scan: string; charge?: unknown; labels?: unknown };
    if (Object.keys(more).length) throw bad(`entry ${k + 1}: unknown key ${Object.keys(more).join(', ')} (scan, charge, labels)`);
    if (charge !== undefined && !(typeof charge === 'number' && Number.isFinite(charge))) throw bad(`entry ${k + 1}: charge must be a number (mAh/cm²)`);
    if (labels !== undefined && typeof labels !== 'string') throw bad(`entry ${k + 1}: labels must be a file`);
    return { scan: path.resolve(dir, scan), charge: charge as number | undefined, labels: labels === undefined ? undefined : path.resolve(dir, labels as string) };
  });
  const all = <T>(xs: Array<T | undefined>, what: string): T[] | undefined => {
    const given = xs.filter((x) => x !== undefined).length;
    if (given === 0) return undefined;
    if (given !== xs.length) throw bad(`${what} given for ${given} of ${xs.length} scans: give it for all or none`);
    return xs as T[];
  };
  if (levels !== undefined && !(Number.isInteger(levels) && (levels as number) >= 1 && (levels as number) <= 8)) throw bad('levels must be an integer from 1 to 8');
  if (transform !== undefined && transform !== 'rigid' && transform !== 'affine') throw bad(`transform must be rigid or affine, got '${String(transform)}'`);
  return {
    transform: transform as 'rigid' | 'affine' | undefined,
    scans: entries.map((e) => e.scan),
    charge: all(entries.map((e) => e.charge), 'charge'),
    labels: all(entries.map((e) => e.labels), 'labels'),
    levels: levels as number | undefined,
  };
}
