/**
 * Zarr recognition without loading zarrita: a Zarr v3 store is a directory holding `zarr.json`.
 * An array inside a store is named `store.zarr:/path` (e.g. `scan.zarr:/1` for pyramid level 1).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** True when `dir` is a directory with a `zarr.json` (a Zarr v3 group or array). */
export async function isZarrDirectory(dir: string): Promise<boolean> {
  try {
    return (await fs.stat(path.join(dir, 'zarr.json'))).isFile();
  } catch {
    return false;
  }
}

/**
 * Split `store.zarr:/array/path` into the store directory and the path inside it, when the part
 * before the colon is a Zarr store; null when `input` does not name a Zarr store at all.
 */
export async function splitZarrInput(input: string): Promise<{ store: string; array: string } | null> {
  if (await isZarrDirectory(input)) return { store: input, array: '' };
  const m = /^(.+):(\/[^:]*)$/.exec(input);
  if (m && (await isZarrDirectory(m[1]))) return { store: m[1], array: m[2].replace(/^\/+|\/+$/g, '') };
  return null;
}
