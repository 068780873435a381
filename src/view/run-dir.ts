import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../io/errors.js';
import { CURRENT_FILES, FEM_FILES, RUN_MANIFEST, SEGMENT_FILES, STAGE_DIRS, STRIP_FILES, THICKNESS_FILES, type RunStage } from '../io/run-folder.js';

/** Files of a run directory the viewer knows about (absolute paths, null when absent). */
export interface RunFiles {
  dir: string;
  scan: string | null;
  labels: string | null;
  segment_json: string | null;
  thickness: string | null;
  surface_height: string | null;
  penetration: string | null;
  thickness_json: string | null;
  stripping_json: string | null;
  current_density: string | null;
  current_json: string | null;
  contact_json: string | null;
  contact_csv: string | null;
  profiles_csv: string | null;
  manifest: string | null;
}

/** Where each file lies in a run folder, then in a single command's output folder (flat). */
const inRun = (stage: RunStage, file: string): string[] => [`${STAGE_DIRS[stage]}/${file}`, file];
const CANDIDATES: Record<Exclude<keyof RunFiles, 'dir' | 'scan'>, string[]> = {
  labels: inRun('segment', SEGMENT_FILES.labels),
  segment_json: inRun('segment', SEGMENT_FILES.json),
  thickness: inRun('thickness', THICKNESS_FILES.map),
  surface_height: inRun('thickness', THICKNESS_FILES.surface),
  penetration: inRun('thickness', THICKNESS_FILES.penetration),
  thickness_json: inRun('thickness', THICKNESS_FILES.json),
  stripping_json: inRun('strip', STRIP_FILES.json),
  current_density: inRun('current', CURRENT_FILES.density),
  current_json: inRun('current', CURRENT_FILES.json),
  contact_json: inRun('fem', FEM_FILES.json),
  contact_csv: inRun('fem', FEM_FILES.csv),
  profiles_csv: inRun('fem', FEM_FILES.profiles),
  manifest: [RUN_MANIFEST],
};

/** The first of `rels` that is a regular file whose real path (symlinks resolved) lies inside `dir`. */
function firstFile(dir: string, rels: string[]): string | null {
  let top: string;
  try {
    top = realpathSync(dir);
  } catch {
    return null;
  }
  for (const rel of rels) {
    const p = path.join(dir, rel);
    try {
      const real = realpathSync(p);
      if (real.startsWith(top + path.sep) && statSync(real).isFile()) return p;
    } catch {
      /* absent */
    }
  }
  return null;
}

/** Every string value in a JSON document (depth-first), with the key it sits under. */
function stringsOf(value: unknown, key = '', out: Array<[string, string]> = []): Array<[string, string]> {
  if (typeof value === 'string') out.push([key, value]);
  else if (Array.isArray(value)) for (const v of value) stringsOf(v, key, out);
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) stringsOf(v, k, out);
  return out;
}

/**
 * A path a run recorded (manifest.json keeps paths as the user typed them, relative to the folder
 * `buried run` was started in): absolute as it is; relative, the first that exists of the run
 * folder, the working folder and the run folder's parent (where `buried run scan.tif -o RUN` is
 * usually typed). A `file.h5:/dataset` suffix is kept. Null when none exists.
 */
export function recordedPath(dir: string, p: string): string | null {
  const file = (q: string) => q.replace(/(\.(?:h5|hdf5|hdf|nxs|zarr)):\/.*$/i, '$1');
  const candidates = path.isAbsolute(p) ? [p] : [path.resolve(dir, p), path.resolve(p), path.resolve(path.dirname(path.resolve(dir)), p)];
  return candidates.find((c) => existsSync(file(c))) ?? null;
}

/** The grey scan a run came from: manifest.json names it (key input/scan), else input/scan.tif or scan.tif. */
function scanFromManifest(dir: string, manifest: string | null): string | null {
  if (manifest) {
    try {
      const doc = JSON.parse(readFileSync(manifest, 'utf8')) as unknown;
      const strings = stringsOf(doc);
      const preferred = strings.filter(([k]) => /^(scan|input|inputs|source)$/i.test(k)).concat(strings);
      for (const [, v] of preferred) {
        const file = v.replace(/(\.(?:h5|hdf5|nxs)):.*$/i, '$1');
        if (!/\.(tiff?|h5|hdf5|nxs)$/i.test(file)) continue;
        if (/labels|thickness|current|penetration|height|contact|annotation/i.test(path.basename(file))) continue;
        const found = recordedPath(dir, v);
        if (found) return found;
      }
    } catch {
      /* unreadable manifest: fall through */
    }
  }
  // the scan, like one the manifest names, may be a link to the user's data elsewhere
  for (const rel of ['input/scan.tif', 'scan.tif']) {
    const p = path.join(dir, rel);
    if (existsSync(p) && statSync(p).isFile()) return p;
  }
  return null;
}

/** Find what a run directory holds. A missing directory is bad input; missing stages are just absent. */
export function discoverRun(dir: string, options: { scan?: string } = {}): RunFiles {
  const abs = path.resolve(dir);
  let st;
  try {
    st = statSync(abs);
  } catch {
    throw new InputError('no such run directory', dir);
  }
  if (!st.isDirectory()) throw new InputError('not a directory (give the output folder of buried run)', dir);
  const files = { dir: abs } as RunFiles;
  for (const [k, rels] of Object.entries(CANDIDATES)) (files as unknown as Record<string, string | null>)[k] = firstFile(abs, rels);
  if (options.scan) {
    const file = path.resolve(options.scan).replace(/:[^/]*$/, '');
    if (!existsSync(file)) throw new InputError('no such scan file', options.scan);
    files.scan = path.resolve(options.scan);
  } else {
    files.scan = scanFromManifest(abs, files.manifest);
  }
  const any = Object.entries(files).some(([k, v]) => k !== 'dir' && k !== 'manifest' && v !== null);
  if (!any) throw new InputError('nothing to view here: no segment/, thickness/, strip/, current/ or fem/ outputs (and no scan)', dir);
  return files;
}
