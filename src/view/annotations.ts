/**
 * The annotation volume the viewer edits (issue #18 point 4): uint8 of the scan's shape, 0 = not
 * annotated, k = contract phase code k − 1 (as `buried segment --annotations` reads it). It lives in
 * memory here and is written whole to RUN/annotations.tif (deflate, atomically: temporary file, then
 * rename) after every accepted edit. The run's own input annotation file (the one `buried run
 * --annotations` named) is only read: the first edit copies it into the run folder.
 *
 * Edits travel as runs along x: little-endian uint32 records [z, y, x0, length, value], 20 bytes
 * each (one brush stroke on an xy or xz slice is a few runs per row; on a yz slice, one per voxel).
 */
import { lstatSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../io/errors.js';
import { loadVolume } from '../io/open.js';
import { writeTiff } from '../io/tiff/index.js';
import { makeVolume, type Shape3, type Spacing3 } from '../io/volume.js';
import { WriteRefused } from './write-guard.js';

/** Name of the annotation file in the run folder (top level: a stage folder's stale outputs are removed when it reruns). */
export const RUN_ANNOTATIONS = 'annotations.tif';
/** Bytes of one edit record. */
export const RUN_RECORD_BYTES = 20;
/** Largest annotation value: 6 = phase code 5 (outside the cell) + 1. */
export const MAX_ANNOTATION = 6;

export class EditError extends Error {}

export interface AnnotationInfo {
  /** The file edits are written to, relative to the run folder. */
  file: string;
  /** Where the volume came from: the run's own file, the run's input annotations (copied on the first edit), or nothing yet. */
  source: 'run' | 'input' | 'none';
  /** The input annotation file when source is 'input' (never written). */
  input: string | null;
  shape: Shape3;
  /** Annotated voxels per annotation value 1…6. */
  counts: number[];
  note: string;
}

export interface ApplyResult {
  runs: number;
  /** Voxels whose value changed. */
  changed: number;
  counts: number[];
  /** Set on the first write when the volume came from the run's input annotation file. */
  copied_from: string | null;
}

/**
 * Is `p` absent, or a regular file (not a link) that lies in `dir`? Writing replaces it by rename;
 * a link to a file elsewhere is refused rather than silently turned into a file.
 */
export function writableInside(dir: string, p: string): boolean {
  const top = realpathSync(dir);
  if (realpathSync(path.dirname(p)) !== top) return false;
  try {
    return lstatSync(p).isFile();
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** Decode and check edit records against `shape`: all or none (a bad record refuses the whole body). */
export function decodeRuns(body: Uint8Array, shape: Shape3): Uint32Array {
  const [nz, ny, nx] = shape;
  if (body.byteLength === 0 || body.byteLength % RUN_RECORD_BYTES !== 0) throw new EditError(`edit body must be a non-empty multiple of ${RUN_RECORD_BYTES} bytes (uint32 z, y, x0, length, value), got ${body.byteLength}`);
  const n = body.byteLength / RUN_RECORD_BYTES;
  const dv = new DataView(body.buffer, body.byteOffset, body.byteLength);
  const out = new Uint32Array(n * 5);
  for (let k = 0; k < n * 5; k++) out[k] = dv.getUint32(4 * k, true);
  for (let r = 0; r < n; r++) {
    const [z, y, x0, len, v] = out.subarray(5 * r, 5 * r + 5);
    if (z >= nz || y >= ny || x0 >= nx || len < 1 || x0 + len > nx) throw new EditError(`edit record ${r}: z ${z}, y ${y}, x ${x0}…${x0 + len - 1} is outside the volume ${nz}×${ny}×${nx}`);
    if (v > MAX_ANNOTATION) throw new EditError(`edit record ${r}: value ${v} is not 0 (erase) or 1–${MAX_ANNOTATION} (phase code + 1)`);
  }
  return out;
}

export class AnnotationStore {
  private data: Uint8Array | null = null;
  private source: AnnotationInfo['source'] = 'none';
  private copied = false;
  private loading: Promise<Uint8Array> | null = null;
  /** One write at a time: each waits for the one before. */
  private queue: Promise<unknown> = Promise.resolve();
  readonly target: string;

  constructor(
    readonly dir: string,
    readonly shape: Shape3,
    readonly spacing: Spacing3 | null,
    /** The run's input annotation file (resolved), or null. */
    readonly input: string | null,
  ) {
    this.target = path.join(dir, RUN_ANNOTATIONS);
  }

  private async load(): Promise<Uint8Array> {
    if (this.data) return this.data;
    this.loading ??= (async () => {
      let file: string | null = null;
      if (!writableInside(this.dir, this.target)) throw new WriteRefused(403, `${this.target} is not a regular file of the run folder (a link?): the viewer reads and writes only a real file there`);
      try {
        if (lstatSync(this.target).isFile()) file = this.target;
      } catch {
        /* absent */
      }
      if (file) this.source = 'run';
      else if (this.input) {
        file = this.input;
        this.source = 'input';
      }
      const n = this.shape[0] * this.shape[1] * this.shape[2];
      if (!file) return new Uint8Array(n);
      const v = await loadVolume(file);
      if (v.shape.join() !== this.shape.join()) throw new InputError(`annotations shape ${v.shape.join('×')} differs from the scan's ${this.shape.join('×')}`, file);
      const a = v.data instanceof Uint8Array ? v.data : Uint8Array.from(v.data as ArrayLike<number>);
      return a;
    })();
    try {
      this.data = await this.loading;
    } finally {
      this.loading = null;
    }
    return this.data;
  }

  private countsOf(a: Uint8Array): number[] {
    const c = new Array<number>(MAX_ANNOTATION + 1).fill(0);
    for (let i = 0; i < a.length; i++) if (a[i] <= MAX_ANNOTATION) c[a[i]]++;
    return c.slice(1);
  }

  async info(): Promise<AnnotationInfo> {
    const a = await this.load();
    const from = this.source === 'input' ? `${this.input} (the run's input; copied to ${RUN_ANNOTATIONS} on the first edit, never written)` : this.source === 'run' ? RUN_ANNOTATIONS : 'none yet (empty)';
    return { file: RUN_ANNOTATIONS, source: this.source, input: this.input, shape: this.shape, counts: this.countsOf(a), note: `annotations from ${from}` };
  }

  /** One slice, laid out like the scan's slices (z: ny×nx; y: nz×nx; x: nz×ny). */
  async slice(axis: 'z' | 'y' | 'x', index: number): Promise<Uint8Array> {
    const a = await this.load();
    const [nz, ny, nx] = this.shape;
    if (axis === 'z') return a.slice(index * ny * nx, (index + 1) * ny * nx);
    const cols = axis === 'y' ? nx : ny;
    const out = new Uint8Array(nz * cols);
    for (let z = 0; z < nz; z++) {
      const base = z * ny * nx;
      if (axis === 'y') out.set(a.subarray(base + index * nx, base + index * nx + nx), z * nx);
      else for (let y = 0; y < ny; y++) out[z * ny + y] = a[base + y * nx + index];
    }
    return out;
  }

  /** Apply edit records and write the file; on a failed write the volume is put back as it was. */
  apply(body: Uint8Array): Promise<ApplyResult> {
    const job = this.queue.then(() => this.applyNow(body));
    this.queue = job.catch(() => undefined);
    return job;
  }

  private async applyNow(body: Uint8Array): Promise<ApplyResult> {
    const runs = decodeRuns(body, this.shape);
    const a = await this.load();
    if (!writableInside(this.dir, this.target)) throw new WriteRefused(403, `${this.target} is not a regular file of the run folder (a link?): not written`);
    const [, ny, nx] = this.shape;
    const n = runs.length / 5;
    // old values of the voxels this body touches, to undo in memory when the write fails
    const undo: Array<[number, Uint8Array]> = [];
    let changed = 0;
    for (let r = 0; r < n; r++) {
      const [z, y, x0, len, v] = runs.subarray(5 * r, 5 * r + 5);
      const i0 = (z * ny + y) * nx + x0;
      undo.push([i0, a.slice(i0, i0 + len)]);
      for (let i = i0; i < i0 + len; i++) {
        if (a[i] !== v) changed++;
        a[i] = v;
      }
    }
    const copiedFrom = this.source === 'input' && !this.copied ? this.input : null;
    try {
      await writeTiff(this.target, makeVolume(a, this.shape, this.spacing), { compression: 'deflate', deflateLevel: 1, description: { annotations: '0:none,k:phase code k-1 (1 void,2 Li,3 electrolyte,4 collector,5 cathode,6 outside)', written_by: 'buried view' } });
    } catch (err) {
      for (let k = undo.length - 1; k >= 0; k--) a.set(undo[k][1], undo[k][0]);
      throw err;
    }
    if (copiedFrom) this.copied = true;
    this.source = 'run';
    return { runs: n, changed, counts: this.countsOf(a), copied_from: copiedFrom };
  }

  /** Wait for the writes queued so far (the retrain reads the file after them). */
  async settled(): Promise<void> {
    await this.queue;
  }
}
