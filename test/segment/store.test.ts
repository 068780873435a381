/**
 * ScratchStore.releaseWindows: the window buffers kept between sweeps are really let go (the
 * components passes count on that room for their tables), and sweeps after it read the same data.
 */
import { describe, expect, it } from 'vitest';
import { ScratchVolume } from '../../src/io/scratch-volume.js';
import { ScratchStore } from '../../src/segment/store.js';
import { collectGarbage } from '../../src/compute/gc.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('ScratchStore.releaseWindows', () => {
  it('frees the window buffers and later sweeps read the same voxels', async () => {
    const shape: [number, number, number] = [9, 16, 16];
    const grey = ScratchVolume.create(shape, 'uint16');
    const labels = ScratchVolume.create(shape, 'uint8');
    try {
      const plane = 16 * 16;
      const g = new Uint16Array(9 * plane).map((_, i) => (i * 37) % 65521);
      const l = new Uint8Array(9 * plane).map((_, i) => (i * 11) % 251);
      grey.writeSlices(0, g);
      labels.writeSlices(0, l);
      const store = new ScratchStore(grey, labels, 4);
      const sums = async () => {
        let sg = 0, sl = 0;
        let refs: WeakRef<object>[] = [];
        await store.sweep({ grey: true, labels: 'read', halo: 1 }, (w) => {
          for (let i = (w.z0 - w.lo) * plane; i < (w.z1 - w.lo) * plane; i++) {
            sg += w.grey[i] * (i + 1);
            sl += w.labels[i] * (i + 1);
          }
          refs = [new WeakRef(w.grey.buffer), new WeakRef(w.labels.buffer)];
        });
        return { sg, sl, refs };
      };
      const before = await sums();
      store.releaseWindows();
      await tick();
      collectGarbage();
      await tick();
      collectGarbage();
      expect(before.refs.map((r) => r.deref() === undefined)).toEqual([true, true]);
      const after = await sums();
      expect(after.sg).toBe(before.sg);
      expect(after.sl).toBe(before.sl);
      expect(Array.from(store.greySlices(2, 3))).toEqual(Array.from(g.subarray(2 * plane, 3 * plane)));
    } finally {
      grey.discard();
      labels.discard();
    }
  });
});
