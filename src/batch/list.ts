/**
 * The scans of a batch: expand the command-line inputs into absolute scan paths and give each scan
 * a unique output folder name.
 *
 * An input is one of
 *   - a scan, as `buried run` takes it: a TIFF file, a folder of TIFF slices, a raw file,
 *     `file.h5` or `file.h5:/dataset`;
 *   - a list file: `@FILE`, or a file named *.txt, *.list or *.lst, with one input per line
 *     (blank lines and lines starting with # are ignored; relative paths are relative to the list
 *     file's folder; a line may itself be a pattern);
 *   - a pattern with `*` (any run of characters), `?` (one character) or `[abc]` / `[a-z]` /
 *     `[!abc]` (one character of a set) in any path segment, e.g. `scans/*.tif` or
 *     `runs/cell-?/scan.tif`. Quote it so the shell does not expand it first. `*` and `?` do not
 *     match a leading dot or cross a `/`; there is no `**` (recursive) form.
 *
 * Missing files and patterns that match nothing are InputErrors naming them (the CLI exits 2).
 * The same scan given twice is kept once, in the position it first appeared.
 */
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { InputError } from '../io/errors.js';
import { scanFile } from '../pipeline/stages.js';

export interface ScanEntry {
  /** Absolute scan path (with `:/dataset` for an HDF5 dataset), as `buried run` takes it. */
  input: string;
  /** Unique folder name of this scan in the batch output folder. */
  name: string;
  /** Absolute output folder of the scan's run: <batch out>/<name>. */
  out: string;
}

const LIST_EXTENSIONS = ['.txt', '.list', '.lst'];

/** True when the text has a wildcard character this module expands. */
export function hasWildcard(text: string): boolean {
  return /[*?[]/.test(text);
}

/** One path segment pattern as a RegExp (`*`, `?`, `[...]`; everything else literal). */
export function segmentRegExp(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const ch = segment[i];
    if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = segment.slice(i + 1, close);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/\\/g, '\\\\').replace(/\]/g, '\\]')}]`;
      i = close;
    } else re += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  // like a shell: a wildcard does not match a leading dot
  const hidden = segment.startsWith('.') ? '' : '(?!\\.)';
  return new RegExp(`^${hidden}${re}$`);
}

/** Expand a pattern (absolute or relative to `cwd`) to the sorted list of existing paths it matches. */
export async function expandPattern(pattern: string, cwd: string): Promise<string[]> {
  const abs = path.resolve(cwd, pattern);
  const root = path.parse(abs).root;
  const segments = abs.slice(root.length).split(path.sep).filter(Boolean);
  let current = [root];
  for (let k = 0; k < segments.length; k++) {
    const seg = segments[k];
    const last = k === segments.length - 1;
    const next: string[] = [];
    if (!hasWildcard(seg)) {
      for (const dir of current) {
        const p = path.join(dir, seg);
        if (existsSync(p)) next.push(p);
      }
    } else {
      const re = segmentRegExp(seg);
      for (const dir of current) {
        let entries: import('node:fs').Dirent[];
        try {
          entries = await fs.readdir(dir, { withFileTypes: true });
        } catch {
          continue;
        }
        for (const e of entries) {
          if (!re.test(e.name)) continue;
          const p = path.join(dir, e.name);
          // an inner segment must be a folder to descend into
          if (!last && !(e.isDirectory() || (e.isSymbolicLink() && (await fs.stat(p).catch(() => null))?.isDirectory()))) continue;
          next.push(p);
        }
      }
    }
    current = next.sort();
    if (current.length === 0) break;
  }
  return current;
}

function isListFile(arg: string): boolean {
  return arg.startsWith('@') || LIST_EXTENSIONS.includes(path.extname(arg).toLowerCase());
}

/** `file.h5:/dataset` keeps its dataset; anything else must exist. */
function checkScan(input: string, shownAs: string): string {
  const file = scanFile(input);
  if (!existsSync(file)) throw new InputError('no such file or folder', shownAs);
  return input;
}

async function expandOne(arg: string, cwd: string, depth: number): Promise<string[]> {
  if (isListFile(arg)) {
    const file = path.resolve(cwd, arg.startsWith('@') ? arg.slice(1) : arg);
    if (depth > 4) throw new InputError('list files nest too deep (a list that includes itself?)', file);
    let text: string;
    try {
      text = await fs.readFile(file, 'utf8');
    } catch (e) {
      throw new InputError(`cannot read list file (${(e as NodeJS.ErrnoException).code ?? 'error'})`, file);
    }
    const out: string[] = [];
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i].trim();
      if (!line || line.startsWith('#')) continue;
      try {
        out.push(...(await expandOne(line, path.dirname(file), depth + 1)));
      } catch (e) {
        if (e instanceof InputError) throw new InputError(`line ${i + 1}: ${e.message}`, file);
        throw e;
      }
    }
    return out;
  }
  // an HDF5 dataset suffix is never a pattern (`file.h5:/entry/data` may contain [ in theory; keep it literal)
  const file = scanFile(arg);
  if (file === arg && hasWildcard(arg) && !existsSync(path.resolve(cwd, arg))) {
    const matches = await expandPattern(arg, cwd);
    if (matches.length === 0) throw new InputError('pattern matches no file', arg);
    return matches;
  }
  const abs = file === arg ? path.resolve(cwd, arg) : `${path.resolve(cwd, file)}${arg.slice(file.length)}`;
  return [checkScan(abs, arg)];
}

/** Expand inputs (scans, list files, patterns) to absolute scan paths, duplicates removed. */
export async function expandInputs(args: string[], cwd = process.cwd()): Promise<string[]> {
  if (args.length === 0) throw new InputError('batch needs at least one input (scan, list file or pattern)');
  const seen = new Set<string>();
  const out: string[] = [];
  for (const arg of args) {
    for (const input of await expandOne(arg, cwd, 0)) {
      if (seen.has(input)) continue;
      seen.add(input);
      out.push(input);
    }
  }
  if (out.length === 0) throw new InputError('the inputs name no scan (empty list file?)', args.join(' '));
  return out;
}

/** Folder-name-safe text. */
function safe(text: string): string {
  const s = text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').replace(/_+$/, '');
  return s || 'scan';
}

/** The stem a scan's folder is named after: file name without extension(s), folder name, HDF5 dataset appended. */
export function scanStem(input: string): string {
  const file = scanFile(input);
  let stem = path.basename(file).replace(/\.(ome\.)?(tiff?|h5|hdf5|hdf|nxs|raw|bin|vol)$/i, '');
  if (file !== input) stem += `_${input.slice(file.length + 1).split('/').filter(Boolean).join('_')}`;
  return safe(stem);
}

/**
 * Unique output names: the scan's stem; scans whose stems collide get their parent folder's name
 * in front (`cell-a_scan`, `cell-b_scan`); any remaining clash gets -2, -3, ... in input order.
 */
export function assignNames(inputs: string[], outDir: string): ScanEntry[] {
  const stems = inputs.map(scanStem);
  const count = new Map<string, number>();
  for (const s of stems) count.set(s.toLowerCase(), (count.get(s.toLowerCase()) ?? 0) + 1);
  const names = inputs.map((input, i) => (count.get(stems[i].toLowerCase())! > 1 ? `${safe(path.basename(path.dirname(scanFile(input))))}_${stems[i]}` : stems[i]));
  const used = new Set<string>();
  // reserved names in the batch folder
  for (const r of ['summary.csv', 'summary.html', 'batch.json']) used.add(r);
  const root = path.resolve(outDir);
  return inputs.map((input, i) => {
    let name = names[i];
    for (let k = 2; used.has(name.toLowerCase()); k++) name = `${names[i]}-${k}`;
    used.add(name.toLowerCase());
    return { input, name, out: path.join(root, name) };
  });
}
