/**
 * Stage fingerprints and the `.stage.json` record each stage writes LAST into its folder.
 *
 * fingerprint = sha256 of { stage, package version, effective parameters, sha256 of every input file }.
 * A stage is up to date when its record exists, the fingerprint matches and every output it lists
 * still exists with the recorded size (small outputs also with the recorded sha256).
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { writeFileAtomically } from '../io/atomic.js';
import { naturalCompare } from '../io/tiff/index.js';

export const STAGE_RECORD = '.stage.json';

export interface FileDigest {
  path: string;
  bytes: number;
  sha256: string;
}

export interface StageRecord {
  stage: string;
  fingerprint: string;
  package_version: string;
  params: unknown;
  inputs: Record<string, FileDigest>;
  /** Output files relative to the stage folder. */
  outputs: Record<string, { bytes: number; sha256: string }>;
  started: string;
  finished: string;
  seconds: number;
  peak_rss_bytes: number;
  /** Memory budget the stage ran under, and whether it streamed its volumes from disk. */
  memory?: { budget_bytes: number; streamed: boolean };
  summary?: unknown;
}

/** Canonical JSON (sorted keys) so equal parameters hash equally. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

export function sha256Text(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await new Promise<void>((resolve, reject) => {
    createReadStream(file, { highWaterMark: 4 << 20 })
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolve())
      .on('error', reject);
  });
  return hash.digest('hex');
}

/** Keys of stage JSON outputs that vary between identical runs (timings, memory): left out of input digests. */
const VOLATILE_KEY = /(^|_)(seconds|time_s|setup_s|solve_s|ms|timings_ms|seconds_total|seconds_last)$|^(memory|started|finished|elapsed_ms|wall_seconds)$/;

function stripVolatile(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripVolatile);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (!VOLATILE_KEY.test(k)) out[k] = stripVolatile(x);
    return out;
  }
  return v;
}

/**
 * Digest of a stage input: raw sha256, except for JSON files, which are hashed as canonical JSON
 * without volatile keys (timings, memory), so re-running an upstream stage with the same results
 * does not invalidate the stages after it.
 */
export async function contentDigest(p: string): Promise<FileDigest> {
  if (!p.endsWith('.json')) return digestPath(p);
  const text = await fs.readFile(p, 'utf8');
  let sha: string;
  try {
    sha = sha256Text(canonicalJson(stripVolatile(JSON.parse(text))));
  } catch {
    sha = sha256Text(text);
  }
  return { path: p, bytes: Buffer.byteLength(text), sha256: sha };
}

/**
 * Digest of one file, or of a folder: every file below it (a Zarr store's chunks included) in natural
 * order of its relative path, hashed as `path\0sha\n` lines (a flat folder of slices: `name\0sha\n`).
 */
export async function digestPath(p: string): Promise<FileDigest> {
  const stat = await fs.stat(p);
  if (!stat.isDirectory()) return { path: p, bytes: stat.size, sha256: await sha256File(p) };
  let bytes = 0;
  const lines: string[] = [];
  const visit = async (rel: string): Promise<void> => {
    const names = (await fs.readdir(path.join(p, rel))).filter((n) => !n.startsWith('.')).sort(naturalCompare);
    for (const n of names) {
      const r = rel ? `${rel}/${n}` : n;
      const f = path.join(p, r);
      const s = await fs.stat(f);
      if (s.isDirectory()) await visit(r);
      else if (s.isFile()) {
        bytes += s.size;
        lines.push(`${r}\0${await sha256File(f)}\n`);
      }
    }
  };
  await visit('');
  return { path: p, bytes, sha256: sha256Text(lines.join('')) };
}

export function stageFingerprint(stage: string, version: string, params: unknown, inputs: Record<string, FileDigest>): string {
  const inputHashes = Object.fromEntries(Object.entries(inputs).map(([k, d]) => [k, d.sha256]));
  return sha256Text(canonicalJson({ stage, version, params, inputs: inputHashes }));
}

export async function readStageRecord(dir: string): Promise<StageRecord | null> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, STAGE_RECORD), 'utf8')) as StageRecord;
  } catch {
    return null;
  }
}

/** Outputs at most this large are re-hashed when checking a record (bigger ones: size only). */
const REHASH_LIMIT = 32 << 20;

/** Whether every output listed in the record exists unchanged. */
export async function outputsIntact(dir: string, record: StageRecord): Promise<boolean> {
  for (const [rel, d] of Object.entries(record.outputs)) {
    let stat;
    try {
      stat = await fs.stat(path.join(dir, rel));
    } catch {
      return false;
    }
    if (stat.size !== d.bytes) return false;
    if (stat.size <= REHASH_LIMIT && (await sha256File(path.join(dir, rel))) !== d.sha256) return false;
  }
  return Object.keys(record.outputs).length > 0;
}

/** Files of a stage folder (recursively), without the record and temporary files. */
export async function listOutputs(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listOutputs(dir, r)));
    else if (e.isFile() && e.name !== STAGE_RECORD && !e.name.endsWith('.partial')) out.push(r);
  }
  return out.sort();
}

export async function writeStageRecord(dir: string, record: StageRecord): Promise<void> {
  await writeFileAtomically(path.join(dir, STAGE_RECORD), `${JSON.stringify(record, null, 2)}\n`);
}

/** Remove temporary `*.partial` files left by a killed process (their writer's pid is gone). */
export async function removeStalePartials(dir: string): Promise<string[]> {
  const removed: string[] = [];
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true, recursive: true });
  } catch {
    return removed;
  }
  for (const e of entries) {
    if (!e.isFile() || !e.name.endsWith('.partial')) continue;
    const m = /\.(\d+)\.[0-9a-f]+\.partial$/.exec(e.name);
    const pid = m ? Number(m[1]) : NaN;
    if (Number.isFinite(pid) && pid !== process.pid && processAlive(pid)) continue;
    const p = path.join(e.parentPath ?? dir, e.name);
    await fs.rm(p, { force: true });
    removed.push(p);
  }
  return removed;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
