/**
 * A uint8 volume of bit flags the passes share (cluster membership per side): an array in memory,
 * or a scratch file on disk (unlinked at once) when the stage streams.
 */
import { ScratchVolume } from '../io/scratch-volume.js';
import type { Shape3 } from '../io/volume.js';

export interface BitStore {
  /** Slices [z0, z1): a view (in memory) or a buffer read from disk; write it back with `write`. */
  read(z0: number, z1: number): Uint8Array;
  write(z0: number, data: Uint8Array): void;
  discard(): void;
}

export function memoryStore(shape: Shape3): BitStore {
  const plane = shape[1] * shape[2];
  const data = new Uint8Array(shape[0] * plane);
  return {
    read: (z0, z1) => data.subarray(z0 * plane, z1 * plane),
    write: (z0, d) => {
      if (d.buffer !== data.buffer) data.set(d, z0 * plane);
    },
    discard: () => undefined,
  };
}

export function diskStore(shape: Shape3, maxSlices: number, dir?: string): BitStore {
  const plane = shape[1] * shape[2];
  const vol = ScratchVolume.create(shape, 'uint8', { dir });
  const buf = new Uint8Array(Math.max(1, maxSlices) * plane);
  return {
    read: (z0, z1) => {
      const into = z1 - z0 <= maxSlices ? buf : new Uint8Array((z1 - z0) * plane);
      return vol.readSlices(z0, z1, into) as Uint8Array;
    },
    write: (z0, d) => vol.writeSlices(z0, d),
    discard: () => vol.discard(),
  };
}
