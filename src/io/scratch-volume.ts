/**
 * A voxel volume on disk for out-of-core stages: a raw file in [nz, ny, nx] order (x fastest) read
 * and written by whole slices (slabs) or by blocks of rows across every slice (pencils along z, for
 * the passes that need whole z-lines). Synchronous positional I/O: the kernels are synchronous and
 * the page cache does the buffering.
 *
 * A scratch volume is unlinked as soon as it is opened (the kernel frees it when the process ends,
 * even on a crash); a kept volume is written under a temporary sibling name and renamed by `keep()`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { temporaryNameFor } from './atomic.js';
import { allocate, voxelCount, type DType, type Shape3, type VoxelArray } from './volume.js';

/** Largest single read/write (Node caps one call near 2 GiB). */
const MAX_IO_BYTES = 1 << 30;

export interface ScratchOptions {
  /** Folder of the scratch file (default: os.tmpdir(), or $BURIED_SCRATCH). */
  dir?: string;
  /** Keep the file as `target` (written as a temporary sibling, renamed by keep()). */
  target?: string;
}

/** Bytes moved by every scratch volume of the process (benchmarks report the I/O per step). */
export const scratchIo = { read: 0, written: 0 };

export class ScratchVolume {
  readonly shape: Shape3;
  readonly dtype: DType;
  readonly bytesPerVoxel: number;
  readonly path: string;
  private fd: number;
  private readonly target: string | null;

  private constructor(shape: Shape3, dtype: DType, file: string, fd: number, target: string | null) {
    this.shape = shape;
    this.dtype = dtype;
    this.bytesPerVoxel = allocate(dtype, 0).BYTES_PER_ELEMENT;
    this.path = file;
    this.fd = fd;
    this.target = target;
  }

  /** A zero-filled volume (sparse file: no disk used until written). */
  static create(shape: Shape3, dtype: DType, options: ScratchOptions = {}): ScratchVolume {
    const target = options.target ?? null;
    const dir = options.dir ?? process.env.BURIED_SCRATCH ?? os.tmpdir();
    const file = target ? temporaryNameFor(target) : path.join(dir, `.buried-scratch-${process.pid}-${randomBytes(4).toString('hex')}.raw`);
    const fd = fs.openSync(file, 'w+');
    const vol = new ScratchVolume(shape, dtype, file, fd, target);
    try {
      fs.ftruncateSync(fd, voxelCount(shape) * vol.bytesPerVoxel);
    } catch (err) {
      vol.discard();
      throw err;
    }
    if (!target) fs.unlinkSync(file);
    return vol;
  }

  get sliceVoxels(): number {
    return this.shape[1] * this.shape[2];
  }

  private io(kind: 'read' | 'write', buf: VoxelArray, byteOffset: number): void {
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    scratchIo[kind === 'read' ? 'read' : 'written'] += bytes.length;
    for (let done = 0; done < bytes.length; ) {
      const n = Math.min(MAX_IO_BYTES, bytes.length - done);
      const k = kind === 'read' ? fs.readSync(this.fd, bytes, done, n, byteOffset + done) : fs.writeSync(this.fd, bytes, done, n, byteOffset + done);
      if (k <= 0) throw new Error(`scratch volume ${this.path}: short ${kind} at byte ${byteOffset + done}`);
      done += k;
    }
  }

  /** Slices [z0, z1) into `into` (or a new array). */
  readSlices(z0: number, z1: number, into?: VoxelArray): VoxelArray {
    const n = (z1 - z0) * this.sliceVoxels;
    const out = into ? into.subarray(0, n) : allocate(this.dtype, n);
    this.io('read', out, z0 * this.sliceVoxels * this.bytesPerVoxel);
    return out;
  }

  /** Write whole slices starting at z0 (data.length a multiple of the slice size). */
  writeSlices(z0: number, data: VoxelArray): void {
    this.io('write', data, z0 * this.sliceVoxels * this.bytesPerVoxel);
  }

  /** Rows [y0, y1) of every slice, as a [nz, y1 − y0, nx] array: whole z-lines for a block of columns. */
  readRows(y0: number, y1: number, into?: VoxelArray): VoxelArray {
    const [nz, , nx] = this.shape;
    const block = (y1 - y0) * nx;
    const out = into ? into.subarray(0, nz * block) : allocate(this.dtype, nz * block);
    for (let z = 0; z < nz; z++) this.io('read', out.subarray(z * block, (z + 1) * block), (z * this.sliceVoxels + y0 * nx) * this.bytesPerVoxel);
    return out;
  }

  /** Write a [nz, y1 − y0, nx] block of rows starting at row y0. */
  writeRows(y0: number, data: VoxelArray): void {
    const [nz, , nx] = this.shape;
    const block = data.length / nz;
    for (let z = 0; z < nz; z++) this.io('write', data.subarray(z * block, (z + 1) * block), (z * this.sliceVoxels + y0 * nx) * this.bytesPerVoxel);
  }

  /** Flush and rename a kept volume onto its target; returns the target path. */
  keep(): string {
    if (!this.target) throw new Error('scratch volume: keep() on a volume created without a target');
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = -1;
    fs.renameSync(this.path, this.target);
    return this.target;
  }

  /** Close; a kept volume not yet renamed is removed (no half-written output). */
  discard(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
    if (this.target) fs.rmSync(this.path, { force: true });
  }
}
