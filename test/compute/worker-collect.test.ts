/**
 * The cpu backend's workers collect their young generation after tasks (worker.ts: each task's
 * shared buffers otherwise stay resident until the thread's next collection). The collector comes
 * from a flag set at run time; this checks that it takes on this Node version, so the memory
 * figures the benches state are those the workers give.
 */
import { describe, expect, it } from 'vitest';
import { canCollectYoung } from '../../src/compute/cpu/worker.js';

describe('cpu worker', () => {
  it('can collect its young generation (v8 --expose-gc set at run time)', () => {
    expect(canCollectYoung()).toBe(true);
  });
});
