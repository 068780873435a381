/**
 * The changes of one boundary-refinement pass, (global voxel index, new phase), appended in raster
 * order and read back in that order (applied, then the next pass's candidates are built from them).
 * A pass over a large scan can change 1 % of its voxels (≈ 130 M on a 27 GB scan: 1.2 GB as
 * float64 + uint8 in memory); the log keeps at most `chunkEntries` of them in memory and spills full
 * chunks to an unlinked temporary file in $BURIED_SCRATCH (page cache, not process memory; gone
 * after a crash). Readers hold only the chunks between the oldest entry they still need and the
 * newest they asked for.
 */
import { closeSync } from 'node:fs';
import { openScratchFile, readAt, writeAt } from '../io/scratch-file.js';

/** Default entries per in-memory chunk: 4 Mi entries = 36 MiB. */
export const CHANGE_CHUNK_ENTRIES = 1 << 22;

export class ChangeLog {
  /** Entries appended so far. */
  length = 0;
  private readonly chunk: number;
  private tailIndex: Float64Array;
  private tailPhase: Uint8Array;
  private tailLength = 0;
  /** Full chunks written to the spill file. */
  private spilledChunks = 0;
  private fd: number | null = null;

  constructor(chunkEntries = CHANGE_CHUNK_ENTRIES) {
    this.chunk = Math.max(1, Math.floor(chunkEntries));
    this.tailIndex = new Float64Array(Math.min(this.chunk, 1024));
    this.tailPhase = new Uint8Array(this.tailIndex.length);
  }

  push(index: number, phase: number): void {
    if (this.tailLength === this.chunk) this.spillTail();
    if (this.tailLength === this.tailIndex.length) {
      const n = Math.min(this.chunk, 2 * this.tailIndex.length);
      const idx = new Float64Array(n), ph = new Uint8Array(n);
      idx.set(this.tailIndex);
      ph.set(this.tailPhase);
      this.tailIndex = idx;
      this.tailPhase = ph;
    }
    this.tailIndex[this.tailLength] = index;
    this.tailPhase[this.tailLength] = phase;
    this.tailLength++;
    this.length++;
  }

  /** Chunks spilled to disk so far (0: the log is all in memory). */
  get spilled(): number {
    return this.spilledChunks;
  }

  private chunkBytes(): number {
    return 9 * this.chunk;
  }

  private spillTail(): void {
    this.fd ??= openScratchFile('buried-changes');
    const at = this.spilledChunks * this.chunkBytes();
    writeAt(this.fd, new Uint8Array(this.tailIndex.buffer, 0, 8 * this.chunk), at, 'change log');
    writeAt(this.fd, this.tailPhase.subarray(0, this.chunk), at + 8 * this.chunk, 'change log');
    this.spilledChunks++;
    this.tailLength = 0;
  }

  /** Chunk c's entries (a spilled chunk is read back into new arrays). */
  loadChunk(c: number): { index: Float64Array; phase: Uint8Array } {
    if (c === this.spilledChunks) return { index: this.tailIndex.subarray(0, this.tailLength), phase: this.tailPhase.subarray(0, this.tailLength) };
    if (this.fd === null || c < 0 || c > this.spilledChunks) throw new Error(`change log: no chunk ${c}`);
    const index = new Float64Array(this.chunk), phase = new Uint8Array(this.chunk);
    const at = c * this.chunkBytes();
    readAt(this.fd, new Uint8Array(index.buffer), at, 'change log');
    readAt(this.fd, phase, at + 8 * this.chunk, 'change log');
    return { index, phase };
  }

  get chunkEntries(): number {
    return this.chunk;
  }

  /** A reader over the entries in order. */
  reader(): ChangeReader {
    return new ChangeReader(this);
  }

  /** Close the spill file (the log cannot be read afterwards). */
  discard(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** Random access to entries at or after the oldest one not yet released; chunks loaded on demand. */
export class ChangeReader {
  private readonly chunks = new Map<number, { index: Float64Array; phase: Uint8Array }>();
  private firstKept = 0;
  // the chunk asked for last (most reads fall in it): no map look-up
  private lastChunk = -1;
  private last: { index: Float64Array; phase: Uint8Array } | null = null;
  constructor(private readonly log: ChangeLog) {}

  get length(): number {
    return this.log.length;
  }

  private chunkOf(k: number): { index: Float64Array; phase: Uint8Array } {
    const c = Math.floor(k / this.log.chunkEntries);
    if (c === this.lastChunk) return this.last!;
    if (c < this.firstKept) throw new Error(`change log: entry ${k} was released`);
    let ch = this.chunks.get(c);
    if (!ch) {
      ch = this.log.loadChunk(c);
      this.chunks.set(c, ch);
    }
    this.lastChunk = c;
    this.last = ch;
    return ch;
  }

  /** Global voxel index of entry k. */
  index(k: number): number {
    return this.chunkOf(k).index[k % this.log.chunkEntries];
  }

  /** New phase of entry k. */
  phase(k: number): number {
    return this.chunkOf(k).phase[k % this.log.chunkEntries];
  }

  /** Entries [k0, k1) as one array of voxel indices (`shared`: in a SharedArrayBuffer, for worker threads). */
  indices(k0: number, k1: number, shared = false): Float64Array {
    const n0 = Math.max(0, k1 - k0);
    const out = shared ? new Float64Array(new SharedArrayBuffer(8 * n0)) : new Float64Array(n0);
    const per = this.log.chunkEntries;
    for (let k = k0; k < k1; ) {
      const within = k % per, n = Math.min(k1 - k, per - within);
      out.set(this.chunkOf(k).index.subarray(within, within + n), k - k0);
      k += n;
    }
    return out;
  }

  /** Entries below k will not be asked for again: their chunks are dropped. */
  release(k: number): void {
    const c = Math.floor(k / this.log.chunkEntries);
    for (const key of this.chunks.keys()) if (key < c) this.chunks.delete(key);
    this.firstKept = Math.max(this.firstKept, c);
    if (this.lastChunk < this.firstKept) {
      this.lastChunk = -1;
      this.last = null;
    }
  }
}
