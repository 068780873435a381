/**
 * The streamed segmentation's working frame for a stack normal along y or x: the grey scratch copy
 * is rewritten in the working frame (stack normal along z, orient.ts `toCanonical`) and the labels
 * are rewritten back in the input frame, both slab by slab through blocks of rows. A slab of input
 * slices [z0, z1) is, once permuted, the block of working-frame rows [z0, z1) of every working slice
 * (C[k][z][·] = V[z][k][·] for y, V[z][·][k] for x), so each side is one sequential pass with one
 * slab and one block in memory. Cost: one extra read and write of the grey and of the labels
 * scratch files; memory: 2 × one slab.
 */
import type { AxisName } from './types.js';
import { planSlabs } from '../compute/slabs.js';
import type { ScratchVolume } from '../io/scratch-volume.js';
import type { Shape3 } from '../io/volume.js';
import { canonicalShape, fromCanonical, toCanonical } from './orient.js';

type Typed = Parameters<typeof toCanonical>[0];

/** Copy `input` (input frame) into `working` (canonicalShape of it), `slabSlices` input slices at a time. */
export function writeWorkingFrame(input: ScratchVolume, working: ScratchVolume, normal: AxisName, slabSlices: number): void {
  const [nz, ny, nx] = input.shape;
  const expected = canonicalShape(input.shape, normal);
  if (working.shape.join() !== expected.join()) throw new Error(`working frame ${working.shape.join('×')} is not the ${normal}-normal frame ${expected.join('×')} of ${input.shape.join('×')}`);
  for (const { z0, z1 } of planSlabs(nz, slabSlices, 0)) {
    const slab = input.readSlices(z0, z1) as Typed;
    working.writeRows(z0, toCanonical(slab, [z1 - z0, ny, nx], normal));
  }
}

/** Copy working-frame `working` back into `input` (shape `inputShape`), `slabSlices` input slices at a time. */
export function writeInputFrame(working: ScratchVolume, input: ScratchVolume, normal: AxisName, slabSlices: number): void {
  const inputShape: Shape3 = input.shape;
  const [nz, ny, nx] = inputShape;
  for (const { z0, z1 } of planSlabs(nz, slabSlices, 0)) {
    const block = working.readRows(z0, z1) as Typed;
    input.writeSlices(z0, fromCanonical(block, [z1 - z0, ny, nx], normal));
  }
}
